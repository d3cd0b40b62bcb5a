package load

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// dialect is a CSV dialect resolved from CSVOptions, as read_csv takes it.
type dialect struct {
	delim  string // 1 to 4 bytes
	quote  string // "" or one byte
	escape string // "" or one byte
}

func resolveDialect(o CSVOptions) (dialect, error) {
	d := dialect{delim: o.Delimiter, quote: o.Quote, escape: o.Escape}
	switch d.delim {
	case "":
		d.delim = ","
	case `\t`:
		d.delim = "\t"
	}
	if len(d.delim) > 4 || bytes.ContainsAny([]byte(d.delim), "\r\n") {
		return d, invalidOption("delimiter", o.Delimiter, "one to four characters other than a line break")
	}
	switch d.quote {
	case "":
		d.quote = `"`
	case NoQuote:
		d.quote = ""
	}
	switch d.escape {
	case "":
		d.escape = d.quote
	case NoQuote:
		d.escape = ""
	}
	if len(d.quote) > 1 || d.quote == "\n" || d.quote == "\r" || (d.quote != "" && d.quote == d.delim) {
		return d, invalidOption("enclosure", o.Quote, "one character other than the delimiter, or none")
	}
	if len(d.escape) > 1 || d.escape == "\n" || d.escape == "\r" {
		return d, invalidOption("escape", o.Escape, "one character, or none")
	}
	return d, nil
}

// maxHeaderBytes bounds the header line read by Go: a longer one is not a
// header but a file without line breaks.
const maxHeaderBytes = 1 << 20

var errTooLong = errors.New("line too long")

// sniffCompression reports a file's compression from its first bytes.
func sniffCompression(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var magic [2]byte
	if n, _ := io.ReadFull(f, magic[:]); n == 2 && magic == [2]byte{0x1f, 0x8b} {
		return "gzip", nil
	}
	return "none", nil
}

// readHeader reads the header record of a CSV file: the record after
// skip lines, fields unquoted.
func readHeader(path, compression string, skip int, d dialect) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if compression == "gzip" {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	}
	br := bufio.NewReaderSize(io.LimitReader(r, int64(maxHeaderBytes)*int64(skip+1)), 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	for i := 0; i < skip; i++ {
		if _, err := br.ReadSlice('\n'); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("file ends within the %d lines to skip", skip)
		}
	}
	return readRecord(br, d)
}

// readRecord reads one record: fields split on the delimiter outside
// quotes, quotes removed, escapes applied, up to a line break outside
// quotes. It follows read_csv's rules, so Go and DuckDB agree on a
// header's names and on the fields of a line quoted in an error.
func readRecord(br *bufio.Reader, d dialect) ([]string, error) {
	var fields []string
	var cur []byte
	inQuotes, fieldStart, quoted, n := false, true, false, 0
	end := func() {
		if !quoted {
			cur = bytes.TrimSuffix(cur, []byte{'\r'})
		}
		fields = append(fields, string(cur))
		cur, fieldStart, quoted = cur[:0], true, false
	}
	for {
		b, err := br.ReadByte()
		if err != nil {
			if err == io.EOF && (n > 0 || len(fields) > 0) {
				if inQuotes {
					return nil, errors.New("a quoted field is not closed")
				}
				end()
				return fields, nil
			}
			return nil, err
		}
		if n++; n > maxHeaderBytes {
			return nil, errTooLong
		}
		switch {
		case inQuotes && d.escape != d.quote && d.escape != "" && b == d.escape[0]:
			next, err := br.ReadByte()
			if err != nil {
				return nil, errors.New("a quoted field is not closed")
			}
			cur = append(cur, next)
		case inQuotes && b == d.quote[0]:
			if next, err := br.Peek(1); err == nil && d.escape == d.quote && next[0] == b {
				br.Discard(1)
				cur = append(cur, b)
				continue
			}
			inQuotes = false
		case inQuotes:
			cur = append(cur, b)
		case fieldStart && d.quote != "" && b == d.quote[0]:
			inQuotes, quoted, fieldStart = true, true, false
		case b == d.delim[0] && matchRest(br, d.delim[1:]):
			end()
		case b == '\n':
			end()
			return fields, nil
		default:
			cur, fieldStart = append(cur, b), false
		}
	}
}

// matchRest consumes rest if the reader continues with it.
func matchRest(br *bufio.Reader, rest string) bool {
	if rest == "" {
		return true
	}
	p, err := br.Peek(len(rest))
	if err != nil || string(p) != rest {
		return false
	}
	br.Discard(len(rest))
	return true
}

// splitLine splits one line quoted in a DuckDB error into its fields.
func splitLine(line string, d dialect) []string {
	fields, err := readRecord(bufio.NewReader(bytes.NewReader(append([]byte(line), '\n'))), d)
	if err != nil {
		return nil
	}
	return fields
}

func unreadable(path string, err error) *Error {
	return newError(KindUnreadable, pgerr.InvalidParameterValue, map[string]any{"file": baseName(path)},
		"cannot read the header of %s: %v", baseName(path), err)
}
