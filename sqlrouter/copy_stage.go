package sqlrouter

import (
	"bytes"
	"context"
	"io"
	"os"
)

// copySliceBytes is about the size of each slice of COPY FROM STDIN's CSV
// that is staged and loaded on its own, while the next one arrives. The
// staging folder then holds at most three slices instead of the whole
// COPY (1.18 GB for cmd/duckbench's load). On this 2-core machine the
// COPY took as long either way (22.5 to 27 s for those 1.18 GB through
// psql, alternating builds): the client, the CSV check and DuckDB's
// parallel read_csv keep both cores busy, so overlapping them gained
// nothing here. Tests lower it.
var copySliceBytes = 64 << 20

// stageSlices copies canonical CSV (RFC 4180: a newline inside quotes is
// data) from r into files in dir of about slice bytes each, cut between
// rows, and calls load with each file once it is complete, in order, on
// another goroutine while the next one is written. At most three files
// exist at once (one written, one waiting, one loading); each is removed
// after its load. The first error ends it: r is not read further.
func stageSlices(ctx context.Context, dir string, r io.Reader, slice int, load func(path string) error) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	ready := make(chan string, 1)
	loaded := make(chan error, 1)
	go func() {
		var err error
		for path := range ready {
			if err == nil && ctx.Err() == nil {
				if err = load(path); err != nil {
					stop()
				}
			}
			os.Remove(path)
		}
		loaded <- err
	}()
	err := cutSlices(ctx, dir, r, slice, ready)
	close(ready)
	if lerr := <-loaded; lerr != nil {
		return lerr
	}
	return err
}

// cutSlices writes r into slice files and sends each complete one's path.
func cutSlices(ctx context.Context, dir string, r io.Reader, slice int, ready chan<- string) error {
	buf := make([]byte, 1<<20)
	var (
		f       *os.File
		size    int
		inQuote bool
	)
	defer func() {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// send hands the current file to the loader.
	send := func() error {
		err := f.Close()
		path := f.Name()
		f, size = nil, 0
		if err != nil {
			os.Remove(path)
			return err
		}
		select {
		case ready <- path:
			return nil
		case <-ctx.Done():
			os.Remove(path)
			return ctx.Err()
		}
	}
	for {
		n, rerr := r.Read(buf)
		data := buf[:n]
		for len(data) > 0 {
			if f == nil {
				var err error
				if f, err = os.CreateTemp(dir, "copy-*.csv"); err != nil {
					return err
				}
			}
			// Past the slice's size, cut after the first newline outside
			// quotes; before it, only follow the quotes.
			from := len(data)
			if size+len(data) >= slice {
				from = max(slice-size, 0)
			}
			cut := rowEnd(data, from, &inQuote)
			part := data
			if cut >= 0 {
				part = data[:cut+1]
			}
			if _, err := f.Write(part); err != nil {
				return err
			}
			size += len(part)
			data = data[len(part):]
			if cut >= 0 {
				if err := send(); err != nil {
					return err
				}
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if f != nil && size > 0 {
		return send()
	}
	return nil
}

// rowEnd returns the index of the first newline outside quotes at or
// after from, or -1, following the quote state through data (every quote
// toggles it; an escaped "" toggles twice): up to the newline it
// returns, or all of it.
func rowEnd(data []byte, from int, inQuote *bool) int {
	off := 0
	for off < len(data) {
		if *inQuote {
			i := bytes.IndexByte(data[off:], '"')
			if i < 0 {
				return -1
			}
			*inQuote = false
			off += i + 1
			continue
		}
		q := bytes.IndexByte(data[off:], '"')
		end := len(data)
		if q >= 0 {
			end = off + q
		}
		start := max(off, from)
		if start < end {
			if nl := bytes.IndexByte(data[start:end], '\n'); nl >= 0 {
				return start + nl
			}
		}
		if q < 0 {
			return -1
		}
		*inQuote = true
		off = end + 1
	}
	return -1
}
