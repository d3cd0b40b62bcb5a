package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Data in and out against the real binary: SIGKILL during full loads and
// uploads must leave every table with its old or its new rows and no file
// row without its data; and a file larger than the server's memory limit
// must upload and import in bounded memory.

// csvRows streams a CSV of n rows "id,<v>" with a header.
type csvRows struct {
	n, i int64
	v    string
	buf  []byte
	hdr  bool
}

func newCSV(n int64, v string) *csvRows { return &csvRows{n: n, v: v} }

func (c *csvRows) Read(p []byte) (int, error) {
	for len(c.buf) < len(p) && c.i < c.n {
		if !c.hdr {
			c.buf, c.hdr = append(c.buf, "id,v\n"...), true
		}
		c.buf = strconv.AppendInt(c.buf, c.i, 10)
		c.buf = append(c.buf, ',')
		c.buf = append(c.buf, c.v...)
		c.buf = append(c.buf, '\n')
		c.i++
	}
	if len(c.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// call sends a JSON request to the admin API and returns the status and
// decoded body; a dead server is status 0.
func call(d *Duckstore, key, method, path string, body any) (int, map[string]any) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+d.HTTP+path, r)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// uploadFile prepares, streams (multipart, never in memory) and
// registers a file; it returns the file id, or "" when the server died.
func uploadFile(d *Duckstore, key, name string, content io.Reader) string {
	st, pr := call(d, key, "POST", "/projects/p/files/prepare", map[string]any{"filename": name})
	if st != 200 {
		return ""
	}
	pipeR, pipeW := io.Pipe()
	mw := multipart.NewWriter(pipeW)
	go func() {
		part, _ := mw.CreateFormFile("file", name)
		_, err := io.Copy(part, content)
		if err == nil {
			err = mw.Close()
		}
		pipeW.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", "http://"+d.HTTP+pr["upload_url"].(string), pipeR)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		pipeR.CloseWithError(err)
		return ""
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return ""
	}
	st, reg := call(d, key, "POST", "/projects/p/files", map[string]any{"upload_key": pr["upload_key"]})
	if st != 201 {
		return ""
	}
	return reg["id"].(string)
}

// kill ends the server with SIGKILL.
func (d *Duckstore) kill() {
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.cmd.Wait()
}

func setupTable(t *testing.T, d *Duckstore, key string) {
	t.Helper()
	if st, body := call(d, key, "POST", "/projects/p/buckets", map[string]any{"name": "b"}); st != 201 {
		t.Fatalf("bucket: %d %v", st, body)
	}
	if st, body := call(d, key, "POST", "/projects/p/buckets/b/tables", map[string]any{"name": "t",
		"columns": []map[string]string{{"name": "id", "type": "BIGINT"}, {"name": "v", "type": "VARCHAR"}}}); st != 201 {
		t.Fatalf("table: %d %v", st, body)
	}
}

func TestSIGKILLDuringFullLoadsAndUploads(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server seven times")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	dir := t.TempDir()
	d := StartDuckstore(t, dir)
	key := d.CreateProject(t, "p").Password
	setupTable(t, d, key)
	versions := map[string]int64{"a": 400_000, "b": 250_000}
	files := map[string]string{}
	for v, n := range versions {
		if files[v] = uploadFile(d, key, v+".csv", newCSV(n, v)); files[v] == "" {
			t.Fatal("upload failed")
		}
	}
	loadStart := time.Now()
	if st, body := call(d, key, "POST", "/projects/p/buckets/b/tables/t/import/file", map[string]any{"file_id": files["a"]}); st != 200 {
		t.Fatalf("first load: %d %v", st, body)
	}
	// Kills land anywhere from before a load starts to after it ends.
	window := max(3*time.Since(loadStart)/2, 100*time.Millisecond)
	cur := "a"
	seen := map[string]int{}
	for cycle := range 6 {
		next := map[string]string{"a": "b", "b": "a"}[cur]
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			// Every other load runs as an async job, which the restart
			// must end rather than leave processing.
			query := map[bool]string{true: "?async=true", false: ""}[cycle%2 == 1]
			call(d, key, "POST", "/projects/p/buckets/b/tables/t/import/file"+query, map[string]any{"file_id": files[next]})
		}()
		go func() {
			defer wg.Done()
			uploadFile(d, key, fmt.Sprintf("big%d.csv", cycle), newCSV(3_000_000, "x"))
		}()
		delay := time.Duration(rng.Int64N(int64(window)))
		time.Sleep(delay)
		d.kill()
		wg.Wait()
		d = StartDuckstore(t, dir)
		cur = checkAfterCrash(t, d, key, versions)
		seen[cur]++
		t.Logf("cycle %d: killed after %v, table holds version %s", cycle, delay, cur)
	}
	t.Logf("versions seen after crashes: %v", seen)
}

// checkAfterCrash checks what a restart must guarantee and returns the
// version the table holds.
func checkAfterCrash(t *testing.T, d *Duckstore, key string, versions map[string]int64) string {
	t.Helper()
	ctx := context.Background()
	host, port, _ := strings.Cut(d.PG, ":")
	conn, err := pgx.Connect(ctx, Target{Host: host, Port: port, User: "p", Password: key, Database: "main"}.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n, distinct int64
	var v *string
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT v), min(v) FROM b.t`).Scan(&n, &distinct, &v); err != nil {
		t.Fatal(err)
	}
	if v == nil || distinct != 1 || versions[*v] != n {
		t.Fatalf("after the crash the table holds %d rows of %d versions (min %v): neither the old nor the new rows", n, distinct, v)
	}
	if st, jobs := call(d, key, "GET", "/projects/p/jobs?status=waiting,processing", nil); st != 200 || jobs["total"] != 0.0 {
		t.Fatalf("jobs left waiting or processing after the restart: %d %v", st, jobs)
	}
	pdir := filepath.Join(d.DataDir, "projects", "p")
	if left, _ := os.ReadDir(filepath.Join(pdir, "_staging")); len(left) > 0 {
		t.Fatalf("staged files left after the restart: %v", left)
	}
	// The janitor's first sweep runs at start, in the background.
	deadline := time.Now().Add(20 * time.Second)
	for {
		problem := fileProblems(t, d, key, pdir)
		if problem == "" {
			return *v
		}
		if time.Now().After(deadline) {
			t.Fatal(problem)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fileProblems returns what is wrong with the files after a crash: a
// half-written part or export left, a folder without a row, a row
// without all its bytes.
func fileProblems(t *testing.T, d *Duckstore, key, pdir string) string {
	st, list := call(d, key, "GET", "/projects/p/files?limit=1000", nil)
	if st != 200 {
		return fmt.Sprintf("list files: %d", st)
	}
	rows := map[string]int64{}
	for _, it := range list["files"].([]any) {
		f := it.(map[string]any)
		rows[f["id"].(string)] = int64(f["size_bytes"].(float64))
	}
	entries, _ := os.ReadDir(filepath.Join(pdir, "files"))
	for _, e := range entries {
		switch e.Name() {
		case "_uploads":
			var parts []string
			filepath.WalkDir(filepath.Join(pdir, "files", "_uploads"), func(p string, de os.DirEntry, err error) error {
				if err == nil && strings.HasSuffix(p, ".part") {
					parts = append(parts, p)
				}
				return nil
			})
			if len(parts) > 0 {
				return fmt.Sprintf("half-written uploads left: %v", parts)
			}
		case "_exports":
			if left, _ := os.ReadDir(filepath.Join(pdir, "files", "_exports")); len(left) > 0 {
				return fmt.Sprintf("export folders left: %v", left)
			}
		default:
			if _, ok := rows[e.Name()]; !ok {
				return "file folder without a row: " + e.Name()
			}
		}
	}
	for id, size := range rows {
		req, _ := http.NewRequest("GET", "http://"+d.HTTP+"/projects/p/files/"+id+"/download", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err.Error()
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n != size {
			return fmt.Sprintf("file %s: download %d with %d of %d bytes", id, resp.StatusCode, n, size)
		}
	}
	return ""
}

// TestLargeFileInBoundedMemory uploads and imports a ~600 MB CSV into a
// server whose DuckDB memory limit is 256 MB: both work, and the
// server's peak RSS stays far below the file's size.
func TestLargeFileInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 600 MB")
	}
	const rows = 34_000_000 // about 600 MB of "id,v" lines
	d := StartDuckstore(t, t.TempDir(), "--memory-limit", "256MB", "--threads", "2")
	key := d.CreateProject(t, "p").Password
	setupTable(t, d, key)
	start := time.Now()
	id := uploadFile(d, key, "big.csv", newCSV(rows, "some text"))
	if id == "" {
		t.Fatalf("upload failed:\n%s", d.Output())
	}
	_, f := call(d, key, "GET", "/projects/p/files/"+id, nil)
	size := int64(f["size_bytes"].(float64))
	uploaded := time.Since(start)
	st, res := call(d, key, "POST", "/projects/p/buckets/b/tables/t/import/file", map[string]any{"file_id": id})
	if st != 200 || res["table_rows_after"] != float64(rows) {
		t.Fatalf("import: %d %v\n%s", st, res, d.Output())
	}
	peak := peakRSS(t, d.cmd.Process.Pid)
	t.Logf("%d MB uploaded in %v, imported in %v; server peak RSS %d MB", size>>20, uploaded, time.Since(start)-uploaded, peak>>20)
	if size < 550<<20 {
		t.Fatalf("file is only %d MB", size>>20)
	}
	// Twice DuckDB's limit leaves room for Go and DuckDB's own overhead,
	// and is still less than the file.
	if limit := int64(512 << 20); peak > limit {
		t.Fatalf("peak RSS %d MB is over %d MB: memory grows with the file", peak>>20, limit>>20)
	}
}

// peakRSS reads a process's high-water resident set size (VmHWM).
func peakRSS(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}
