package wire

import (
	"bytes"
	"encoding/binary"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// The three COPY input formats, read as PostgreSQL 15's copyfromparse.c
// reads them, each converted into canonical CSV.

// textCopyIn reads the text format: one row per line (LF or CRLF), fields
// split by the delimiter, backslash escapes (\b \f \n \r \t \v, octal \ooo,
// hex \xhh, any other character taken literally), a field whose raw text
// equals the NULL string is NULL, and \. alone on a line ends the data.
type textCopyIn struct {
	spec       *sqlrouter.CopySpec
	out        *csvOut
	maxRow     int
	skipHeader bool
	pending    pendingBuffer
	scan       int  // bytes of pending already searched for the line end
	escaped    bool // the last byte searched was an unescaped backslash
	ended      bool // the end marker was seen; the rest is ignored
	field      []byte
}

func (t *textCopyIn) write(data []byte) error {
	if t.ended {
		return nil
	}
	if err := t.pending.add(data, t.maxRow); err != nil {
		return err
	}
	for !t.ended {
		rest := t.pending.rest()
		end := t.lineEnd(rest)
		if end < 0 {
			return nil
		}
		t.pending.pos += end + 1
		t.scan = 0
		if err := t.line(rest[:end]); err != nil {
			return err
		}
	}
	return nil
}

// lineEnd finds the newline ending the line at the start of rest; a
// backslash-escaped newline is data, as in PostgreSQL's line reader.
func (t *textCopyIn) lineEnd(rest []byte) int {
	for i := t.scan; i < len(rest); i++ {
		switch {
		case t.escaped:
			t.escaped = false
		case rest[i] == '\\':
			t.escaped = true
		case rest[i] == '\n':
			return i
		}
	}
	t.scan = len(rest)
	return -1
}

func (t *textCopyIn) finish() error {
	if rest := t.pending.rest(); !t.ended && len(rest) > 0 {
		t.pending.pos += len(rest)
		return t.line(rest)
	}
	return nil
}

// unescapedAt reports whether l[i] is not preceded by an escaping backslash.
func unescapedAt(l []byte, i int) bool {
	n := 0
	for k := i - 1; k >= 0 && l[k] == '\\'; k-- {
		n++
	}
	return n%2 == 0
}

func (t *textCopyIn) line(l []byte) error {
	if n := len(l); n > 0 && l[n-1] == '\r' && unescapedAt(l, n-1) {
		l = l[:n-1]
	}
	if t.skipHeader {
		t.skipHeader = false
		return nil
	}
	if len(l) == 2 && l[0] == '\\' && l[1] == '.' {
		t.ended = true
		return nil
	}
	for start := 0; ; {
		end, err := t.decodeField(l, start)
		if err != nil {
			return err
		}
		if string(l[start:end]) == t.spec.Null {
			err = t.out.null()
		} else {
			err = t.out.value(t.field)
		}
		if err != nil {
			return err
		}
		if end >= len(l) {
			break
		}
		start = end + 1
	}
	return t.out.endRow()
}

// decodeField de-escapes the field starting at l[start] into t.field and
// returns the index of the delimiter (or len(l)) that ends it.
func (t *textCopyIn) decodeField(l []byte, start int) (int, error) {
	t.field = t.field[:0]
	i := start
	for i < len(l) {
		c := l[i]
		i++
		switch {
		case c == t.spec.Delimiter:
			return i - 1, nil
		case c == '\r':
			return 0, badCopy("literal carriage return found in data")
		case c != '\\':
			t.field = append(t.field, c)
			continue
		}
		if i >= len(l) {
			break // a trailing backslash is dropped
		}
		c = l[i]
		i++
		switch c {
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'v':
			c = '\v'
		case 'x':
			if v, n := hexEscape(l[i:]); n > 0 {
				c, i = v, i+n
			}
		default:
			if c >= '0' && c <= '7' {
				var n int
				c, n = octalEscape(c, l[i:])
				i += n
			}
		}
		if c == 0 {
			return 0, pgerr.New(pgerr.CharacterNotInRepertoire, `invalid byte sequence for encoding "UTF8": 0x00`)
		}
		t.field = append(t.field, c)
	}
	return len(l), nil
}

// hexEscape reads the one or two hex digits after \x.
func hexEscape(b []byte) (byte, int) {
	v, ok := hexVal(at(b, 0))
	if !ok {
		return 0, 0
	}
	if w, ok := hexVal(at(b, 1)); ok {
		return v<<4 | w, 2
	}
	return v, 1
}

// octalEscape reads up to two more octal digits after the first, c.
func octalEscape(c byte, b []byte) (byte, int) {
	v := int(c - '0')
	n := 0
	for n < 2 && n < len(b) && b[n] >= '0' && b[n] <= '7' {
		v = v<<3 | int(b[n]-'0')
		n++
	}
	return byte(v), n
}

func at(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

// csvCopyIn reads the csv format: records end at a line break outside
// quotes, quoted sections may hold anything, inside them the escape
// character before a quote or escape character makes it literal, an
// unquoted field equal to the NULL string is NULL, and \. alone on a line
// ends the data.
type csvCopyIn struct {
	spec       *sqlrouter.CopySpec
	out        *csvOut
	maxRow     int
	skipHeader bool
	// passThrough is set for the default dialect (comma, '"' quote and
	// escape, NULL as an unquoted empty field), which is the canonical
	// CSV's: simple records then need no conversion.
	passThrough bool
	pending     pendingBuffer
	scan        int
	inQuote     bool
	ended       bool
	field       []byte
}

// canonicalDialect reports whether COPY csv options are canonical CSV's.
func canonicalDialect(spec *sqlrouter.CopySpec) bool {
	return spec.Delimiter == ',' && spec.Quote == '"' && spec.Escape == '"' && spec.Null == ""
}

// simpleCSVRecord reports whether a record of the canonical dialect can be
// passed on unchanged: exactly n fields, each either unquoted without a
// quote or carriage return in it (an empty one is NULL in both), or quoted
// from its first byte to its last with only doubled quotes inside. Fields
// quoted in part (a"b"c), stray quotes and bare carriage returns go
// through the decoder, which also reports the errors. Converting every
// field cost more than DuckDB's parsing of it (cmd/duckbench, load case);
// the scan costs a fraction of it.
func simpleCSVRecord(r []byte, n int) bool {
	fields := 0
	i := 0
	for {
		fields++
		if fields > n {
			return false
		}
		if i < len(r) && r[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(r[i:], '"')
				if j < 0 {
					return false
				}
				i += j + 1
				if i < len(r) && r[i] == '"' {
					i++
					continue
				}
				break
			}
			if i == len(r) {
				return fields == n
			}
			if r[i] != ',' {
				return false
			}
			i++
			continue
		}
		for ; i < len(r); i++ {
			switch r[i] {
			case ',':
				goto next
			case '"', '\r':
				return false
			}
		}
		return fields == n
	next:
		i++
	}
}

func (t *csvCopyIn) write(data []byte) error {
	if t.ended {
		return nil
	}
	if err := t.pending.add(data, t.maxRow); err != nil {
		return err
	}
	for !t.ended {
		rest := t.pending.rest()
		end := t.recordEnd(rest)
		if end < 0 {
			return nil
		}
		t.pending.pos += end + 1
		t.scan, t.inQuote = 0, false
		if err := t.record(rest[:end]); err != nil {
			return err
		}
	}
	return nil
}

// recordEnd finds the line break ending the record at the start of rest,
// or returns -1 and remembers how far it got.
func (t *csvCopyIn) recordEnd(rest []byte) int {
	q, e := t.spec.Quote, t.spec.Escape
	if e == q {
		return t.recordEndDoubled(rest)
	}
	return t.recordEndGeneric(rest)
}

// recordEndGeneric is recordEnd for any quote and escape characters.
func (t *csvCopyIn) recordEndGeneric(rest []byte) int {
	q, e := t.spec.Quote, t.spec.Escape
	i := t.scan
	for ; i < len(rest); i++ {
		c := rest[i]
		if !t.inQuote {
			switch c {
			case q:
				t.inQuote = true
			case '\n':
				return i
			}
			continue
		}
		if c == e {
			if i+1 == len(rest) {
				break // the next byte decides; wait for it
			}
			if n := rest[i+1]; n == e || n == q {
				i++
				continue
			}
		}
		if c == q {
			t.inQuote = false
		}
	}
	t.scan = i
	return -1
}

// recordEndDoubled is recordEnd for the usual case where quotes are
// escaped by doubling them: it jumps from quote to quote and newline to
// newline with bytes.IndexByte instead of looking at every byte.
func (t *csvCopyIn) recordEndDoubled(rest []byte) int {
	q := t.spec.Quote
	i := t.scan
	for i < len(rest) {
		if !t.inQuote {
			nl := bytes.IndexByte(rest[i:], '\n')
			end := len(rest)
			if nl >= 0 {
				end = i + nl
			}
			qi := bytes.IndexByte(rest[i:end], q)
			if qi < 0 {
				if nl >= 0 {
					return end
				}
				i = end
				break
			}
			i += qi + 1
			t.inQuote = true
			continue
		}
		qi := bytes.IndexByte(rest[i:], q)
		if qi < 0 {
			i = len(rest)
			break
		}
		i += qi
		if i+1 == len(rest) {
			break // the next byte decides whether the quote is doubled
		}
		if rest[i+1] == q {
			i += 2
			continue
		}
		t.inQuote = false
		i++
	}
	t.scan = i
	return -1
}

func (t *csvCopyIn) finish() error {
	if rest := t.pending.rest(); !t.ended && len(rest) > 0 {
		t.pending.pos += len(rest)
		return t.record(rest)
	}
	return nil
}

func (t *csvCopyIn) record(r []byte) error {
	if n := len(r); n > 0 && r[n-1] == '\r' {
		r = r[:n-1]
	}
	if t.skipHeader {
		t.skipHeader = false
		return nil
	}
	if len(r) == 2 && r[0] == '\\' && r[1] == '.' {
		t.ended = true
		return nil
	}
	if t.passThrough && simpleCSVRecord(r, t.out.n) {
		// Already canonical: copy the record as it came (see
		// simpleCSVRecord).
		t.out.w.Write(r)
		return t.out.w.WriteByte('\n')
	}
	for start := 0; ; {
		end, quoted, err := t.decodeField(r, start)
		if err != nil {
			return err
		}
		if !quoted && string(r[start:end]) == t.spec.Null {
			err = t.out.null()
		} else {
			err = t.out.value(t.field)
		}
		if err != nil {
			return err
		}
		if end >= len(r) {
			break
		}
		start = end + 1
	}
	return t.out.endRow()
}

// decodeField reads the field starting at r[start] into t.field, as
// CopyReadAttributesCSV does, and returns the index of the delimiter (or
// len(r)) ending it and whether any part of it was quoted.
func (t *csvCopyIn) decodeField(r []byte, start int) (end int, quoted bool, err error) {
	d, q, e := t.spec.Delimiter, t.spec.Quote, t.spec.Escape
	t.field = t.field[:0]
	i := start
	for {
		// Outside quotes.
		for {
			if i >= len(r) {
				return i, quoted, nil
			}
			c := r[i]
			i++
			if c == d {
				return i - 1, quoted, nil
			}
			if c == q {
				quoted = true
				break
			}
			if c == '\r' {
				return 0, false, badCopy("unquoted carriage return found in data")
			}
			t.field = append(t.field, c)
		}
		// Inside quotes.
		for {
			if i >= len(r) {
				return 0, false, badCopy("unterminated CSV quoted field")
			}
			c := r[i]
			i++
			if c == e && i < len(r) && (r[i] == e || r[i] == q) {
				t.field = append(t.field, r[i])
				i++
				continue
			}
			if c == q {
				break
			}
			t.field = append(t.field, c)
		}
	}
}

// binaryCopyIn reads the binary format: the 11-byte signature, flags and a
// header extension, then tuples of a 16-bit field count and, per field, a
// 32-bit length (-1 for NULL) and the value in its type's binary form, then
// the trailer -1.
type binaryCopyIn struct {
	spec       *sqlrouter.CopySpec
	out        *csvOut
	maxRow     int
	pending    pendingBuffer
	headerDone bool
	trailer    bool
	// columns says per field how its values become text, chosen once:
	// a lookup per value cost a tenth of the conversion (pprof of
	// BenchmarkCopyInBinary).
	columns []binaryColumn
	row     []byte
	scratch []byte
	// batches, when set, takes the tuples as Arrow batches instead of
	// CSV (see copyInBatches); out is unused then.
	batches *arrowBatcher
}

type binaryColumn struct {
	decode func(dst, v []byte) ([]byte, error)
	plain  bool
}

func (t *binaryCopyIn) write(data []byte) error {
	if t.trailer {
		if len(data) > 0 {
			return badCopy("received copy data after EOF marker")
		}
		return nil
	}
	if err := t.pending.add(data, t.maxRow); err != nil {
		return err
	}
	if !t.headerDone {
		if ok, err := t.header(); !ok || err != nil {
			return err
		}
	}
	for !t.trailer {
		ok, err := t.tuple()
		if !ok || err != nil {
			return err
		}
	}
	if len(t.pending.rest()) > 0 {
		return badCopy("received copy data after EOF marker")
	}
	return nil
}

// header consumes the file header once it is complete.
func (t *binaryCopyIn) header() (bool, error) {
	rest := t.pending.rest()
	n := min(len(rest), len(binaryCopySignature))
	if !bytes.Equal(rest[:n], binaryCopySignature[:n]) {
		return false, badCopy("COPY file signature not recognized")
	}
	if len(rest) < 19 {
		return false, nil
	}
	flags := binary.BigEndian.Uint32(rest[11:])
	if flags&(1<<16) != 0 {
		return false, badCopy("invalid COPY file header (WITH OIDS)")
	}
	if flags&0xffff != 0 {
		return false, badCopy("unrecognized critical flags in COPY file header")
	}
	ext := int64(int32(binary.BigEndian.Uint32(rest[15:])))
	if ext < 0 || ext > int64(t.maxRow) {
		return false, badCopy("invalid COPY file header (missing length)")
	}
	if int64(len(rest)) < 19+ext {
		return false, nil
	}
	t.pending.pos += 19 + int(ext)
	t.headerDone = true
	return true, nil
}

// tuple converts one tuple if it is complete; it reports false when more
// data is needed.
func (t *binaryCopyIn) tuple() (bool, error) {
	rest := t.pending.rest()
	if len(rest) < 2 {
		return false, nil
	}
	count := int(int16(binary.BigEndian.Uint16(rest)))
	if count == -1 {
		t.pending.pos += 2
		t.trailer = true
		return true, nil
	}
	if count != len(t.spec.Fields) {
		return false, badCopy("row field count is %d, expected %d", count, len(t.spec.Fields))
	}
	// First pass: is the whole tuple here?
	off := 2
	for f := 0; f < count; f++ {
		if len(rest) < off+4 {
			return false, nil
		}
		n := int64(int32(binary.BigEndian.Uint32(rest[off:])))
		off += 4
		switch {
		case n == -1:
			continue
		case n < 0:
			return false, badCopy("invalid field size")
		case n > int64(t.maxRow):
			return false, pgerr.New(pgerr.ProgramLimitExceeded, "COPY field is longer than %d bytes", t.maxRow)
		}
		if int64(len(rest)) < int64(off)+n {
			return false, nil
		}
		off += int(n)
	}
	convert := t.convert
	if t.batches != nil {
		convert = t.batches.add
	}
	if err := convert(rest[2:off]); err != nil {
		return false, err
	}
	t.pending.pos += off
	return true, nil
}

// convert writes the fields of one complete tuple as a CSV row. The row is
// built in one slice and written at once: a writer call per field and
// separator cost a third of the conversion (pprof of
// BenchmarkCopyInBinary). tuple has checked the field count.
func (t *binaryCopyIn) convert(b []byte) error {
	if t.columns == nil {
		t.columns = make([]binaryColumn, len(t.spec.Fields))
		for i, f := range t.spec.Fields {
			t.columns[i].decode, t.columns[i].plain = binaryToText(f.TypeOID)
		}
	}
	row := t.row[:0]
	for f, col := range t.columns {
		if f > 0 {
			row = append(row, ',')
		}
		n := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if n == -1 {
			continue
		}
		start := len(row)
		var err error
		if row, err = col.decode(row, b[:n]); err != nil {
			e := pgerr.From(err)
			return pgerr.Wrap(err, e.Code, "incorrect binary data format").WithDetail("column %q: %s", t.spec.Fields[f].Name, e.Message)
		}
		b = b[n:]
		if v := row[start:]; !col.plain && (len(v) == 0 || needsQuotes(v)) {
			t.scratch = append(t.scratch[:0], v...)
			row = appendCanonicalField(row[:start], t.scratch)
		}
	}
	row = append(row, '\n')
	t.row = row
	_, err := t.out.w.Write(row)
	return err
}

func (t *binaryCopyIn) finish() error {
	switch {
	case !t.headerDone:
		return badCopy("COPY file signature not recognized")
	case len(t.pending.rest()) > 0:
		return badCopy("unexpected EOF in COPY data")
	case t.batches != nil:
		return t.batches.flush()
	}
	return nil
}
