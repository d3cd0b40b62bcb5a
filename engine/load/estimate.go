package load

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
)

// sampleBytes is how much of a CSV is read to estimate its rows.
const sampleBytes = 1 << 20

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// estimateRows guesses a CSV's rows from its first megabyte: lines per
// byte of the file as stored (compressed, for gzip), times its size. It
// only turns progress percentages into rows; 0 when it cannot tell.
func estimateRows(paths []string, compression string, total int64) int64 {
	if len(paths) == 0 {
		return 0
	}
	f, err := os.Open(paths[0])
	if err != nil {
		return 0
	}
	defer f.Close()
	raw := &countingReader{r: bufio.NewReaderSize(f, 64<<10)}
	var r io.Reader = raw
	if compression == "gzip" {
		zr, err := gzip.NewReader(raw)
		if err != nil {
			return 0
		}
		defer zr.Close()
		r = zr
	}
	buf := make([]byte, sampleBytes)
	n, _ := io.ReadFull(r, buf)
	lines := bytes.Count(buf[:n], []byte{'\n'})
	if lines == 0 || raw.n == 0 {
		return 0
	}
	if n < sampleBytes && len(paths) == 1 {
		return int64(lines) // the whole file was read
	}
	return int64(float64(total) * float64(lines) / float64(raw.n))
}
