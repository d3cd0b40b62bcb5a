package sqlrouter

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chunkReader hands out data in reads of random sizes and counts what it
// gave.
type chunkReader struct {
	data []byte
	rng  *rand.Rand
	read int
	err  error // returned once data is used up (nil: io.EOF)
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	n := min(len(p), len(r.data), 1+r.rng.IntN(97))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	r.read += n
	return n, nil
}

// canonicalRows is n rows of canonical CSV whose quoted values hold
// commas, escaped quotes and newlines.
func canonicalRows(n int) (string, [][]string) {
	var b strings.Builder
	var rows [][]string
	for i := range n {
		v := fmt.Sprintf("v%d", i)
		switch i % 4 {
		case 1:
			v = fmt.Sprintf("line %d\nnext, \"quoted\"", i)
		case 2:
			v = strings.Repeat("\n", i%3+1)
		}
		rows = append(rows, []string{fmt.Sprint(i), v})
		fmt.Fprintf(&b, "%d,\"%s\"\n", i, strings.ReplaceAll(v, `"`, `""`))
	}
	return b.String(), rows
}

func TestStageSlicesCutsBetweenRows(t *testing.T) {
	data, want := canonicalRows(500)
	for _, slice := range []int{1, 37, 200, 1 << 20} {
		dir := t.TempDir()
		var got [][]string
		var sizes []int
		files := 0
		r := &chunkReader{data: []byte(data), rng: rand.New(rand.NewPCG(1, uint64(slice)))}
		err := stageSlices(context.Background(), dir, r, slice, func(path string) error {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sizes = append(sizes, len(b))
			// Each file is whole rows: it parses alone.
			recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
			if err != nil {
				return fmt.Errorf("slice %d does not parse alone: %w\n%q", files, err, b)
			}
			got = append(got, recs...)
			files++
			return nil
		})
		if err != nil {
			t.Fatalf("slice %d: %v", slice, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("slice %d: rows differ after %d files", slice, files)
		}
		// Every slice but the last reaches the size.
		for i, n := range sizes[:len(sizes)-1] {
			if n < slice {
				t.Errorf("slice %d: file %d is %d bytes, under %d", slice, i, n, slice)
			}
		}
		if slice == 1<<20 && files != 1 {
			t.Errorf("slice 1 MiB: %d files, want 1", files)
		}
		if slice == 37 && files < 100 {
			t.Errorf("slice 37: %d files, want one every row or two", files)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("slice %d: files left: %v", slice, left)
		}
	}
}

func TestStageSlicesStops(t *testing.T) {
	data, _ := canonicalRows(5000)
	// A failed load ends the staging: the reader is left mostly unread.
	dir := t.TempDir()
	r := &chunkReader{data: []byte(data), rng: rand.New(rand.NewPCG(2, 2))}
	bad := errors.New("the load failed")
	loads := 0
	err := stageSlices(context.Background(), dir, r, 1000, func(string) error {
		loads++
		return bad
	})
	if err != bad || loads != 1 {
		t.Errorf("error %v after %d loads, want the load's after 1", err, loads)
	}
	if r.read > 5000 {
		t.Errorf("read %d of %d bytes after the first slice failed", r.read, len(data))
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left: %v", left)
	}

	// A read error is the result when every load succeeded.
	dir = t.TempDir()
	gone := errors.New("the client gave up")
	r = &chunkReader{data: []byte(data[:3000]), rng: rand.New(rand.NewPCG(3, 3)), err: gone}
	loads = 0
	err = stageSlices(context.Background(), dir, r, 1000, func(string) error { loads++; return nil })
	if err != gone || loads < 2 {
		t.Errorf("error %v after %d loads, want the reader's after 2 or more", err, loads)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("files left: %v", left)
	}
}
