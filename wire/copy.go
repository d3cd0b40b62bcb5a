package wire

import (
	"context"
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// COPY (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY
// and https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9
// for the file formats). COPY TO STDOUT: CopyOutResponse, one CopyData per
// row, CopyDone, then CommandComplete. COPY FROM STDIN: see copy_in.go.

// binaryCopySignature starts a binary COPY file.
var binaryCopySignature = []byte("PGCOPY\n\xff\r\n\x00")

// runCopy runs a COPY portal in either direction.
func (c *conn) runCopy(ctx context.Context, p sqlrouter.Portal, spec *sqlrouter.CopySpec) (sqlrouter.Result, error) {
	s := withCopyDefaults(*spec)
	if s.In {
		return c.copyIn(ctx, p, &s)
	}
	return c.copyOut(ctx, p, &s)
}

// withCopyDefaults fills the options PostgreSQL defaults. A spec whose
// Delimiter is zero is taken to carry no options at all.
func withCopyDefaults(s sqlrouter.CopySpec) sqlrouter.CopySpec {
	if s.Delimiter == 0 {
		switch s.Format {
		case sqlrouter.CopyCSV:
			s.Delimiter, s.Null = ',', ""
		default:
			s.Delimiter, s.Null = '\t', `\N`
		}
	}
	if s.Quote == 0 {
		s.Quote = '"'
	}
	if s.Escape == 0 {
		s.Escape = s.Quote
	}
	return s
}

// copyResponseFormats returns the overall and per-column format codes of
// CopyInResponse and CopyOutResponse.
func copyResponseFormats(s *sqlrouter.CopySpec) (byte, []uint16) {
	var f uint16
	if s.Format == sqlrouter.CopyBinary {
		f = 1
	}
	cols := make([]uint16, len(s.Fields))
	for i := range cols {
		cols[i] = f
	}
	return byte(f), cols
}

func (c *conn) copyOut(ctx context.Context, p sqlrouter.Portal, spec *sqlrouter.CopySpec) (sqlrouter.Result, error) {
	overall, cols := copyResponseFormats(spec)
	c.out.send(&pgproto3.CopyOutResponse{OverallFormat: overall, ColumnFormatCodes: cols})
	sink := newCopySink(ctx, c.out, spec, c.sess.Format())
	sink.begin()
	res, err := p.Execute(ctx, sink, 0)
	if err == nil {
		err = c.out.err
	}
	if err != nil {
		// An error ends copy-out mode with the ErrorResponse alone.
		return res, err
	}
	sink.end()
	c.out.send(&pgproto3.CopyDone{})
	return res, c.out.err
}

// copySink is the RowSink of COPY TO STDOUT: one CopyData per row, as
// PostgreSQL sends, batched into large socket writes.
type copySink struct {
	ctx     context.Context
	out     *writer
	spec    *sqlrouter.CopySpec
	fs      sqlrouter.FormatSettings
	cols    []column
	scratch []byte
	// header holds the binary file header until the first CopyData, which
	// PostgreSQL sends it in.
	header []byte
}

func newCopySink(ctx context.Context, out *writer, spec *sqlrouter.CopySpec, fs sqlrouter.FormatSettings) *copySink {
	format := formatText
	if spec.Format == sqlrouter.CopyBinary {
		format = formatBinary
	}
	cols := make([]column, len(spec.Fields))
	for i, f := range spec.Fields {
		cols[i] = column{field: f, format: format}
	}
	return &copySink{ctx: ctx, out: out, spec: spec, fs: fs, cols: cols}
}

// begin queues what precedes the rows: the binary header, or the header
// line of text and csv with HEADER.
func (s *copySink) begin() {
	switch {
	case s.spec.Format == sqlrouter.CopyBinary:
		s.header = append(append([]byte{}, binaryCopySignature...), 0, 0, 0, 0, 0, 0, 0, 0)
	case s.spec.Header:
		start := s.beginCopyData()
		for i, col := range s.cols {
			if i > 0 {
				s.out.buf = append(s.out.buf, s.spec.Delimiter)
			}
			s.appendText(i, []byte(col.field.Name))
		}
		s.out.buf = append(s.out.buf, '\n')
		s.endCopyData(start)
	}
}

// end queues the binary trailer (with the header if no row came).
func (s *copySink) end() {
	if s.spec.Format != sqlrouter.CopyBinary {
		return
	}
	start := s.beginCopyData()
	s.out.buf = append(s.out.buf, 0xff, 0xff)
	s.endCopyData(start)
}

func (s *copySink) beginCopyData() int {
	start := len(s.out.buf)
	s.out.buf = append(s.out.buf, 'd', 0, 0, 0, 0)
	if s.header != nil {
		s.out.buf = append(s.out.buf, s.header...)
		s.header = nil
	}
	return start
}

func (s *copySink) endCopyData(start int) {
	binary.BigEndian.PutUint32(s.out.buf[start+1:], uint32(len(s.out.buf)-start-1))
}

// WriteRows implements sqlrouter.RowSink.
func (s *copySink) WriteRows(rec arrow.RecordBatch, from, to int) error {
	rs := rowSink{out: s.out, fs: s.fs, cols: s.cols}
	if err := rs.prepare(rec); err != nil {
		return err
	}
	for r := from; r < to; r++ {
		start := s.beginCopyData()
		var err error
		if s.spec.Format == sqlrouter.CopyBinary {
			err = s.binaryRow(r)
		} else {
			err = s.textRow(r)
		}
		if err != nil {
			s.out.buf = s.out.buf[:start]
			return err
		}
		s.endCopyData(start)
		if len(s.out.buf) >= flushThreshold {
			if err := s.ctx.Err(); err != nil {
				return err
			}
			if err := s.out.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *copySink) binaryRow(r int) error {
	buf := binary.BigEndian.AppendUint16(s.out.buf, uint16(len(s.cols)))
	for i := range s.cols {
		c := &s.cols[i].cur
		if c.isNull(r) {
			buf = append(buf, 0xff, 0xff, 0xff, 0xff)
			continue
		}
		lp := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		var err error
		if buf, err = c.value(buf, r); err != nil {
			s.out.buf = buf
			return err
		}
		binary.BigEndian.PutUint32(buf[lp:], uint32(len(buf)-lp-4))
	}
	s.out.buf = buf
	return nil
}

func (s *copySink) textRow(r int) error {
	for i := range s.cols {
		if i > 0 {
			s.out.buf = append(s.out.buf, s.spec.Delimiter)
		}
		c := &s.cols[i].cur
		if c.isNull(r) {
			s.out.buf = append(s.out.buf, s.spec.Null...)
			continue
		}
		var err error
		if s.scratch, err = c.value(s.scratch[:0], r); err != nil {
			return err
		}
		s.appendText(i, s.scratch)
	}
	s.out.buf = append(s.out.buf, '\n')
	return nil
}

// appendText writes one non-null value of column i in the text or csv
// format.
func (s *copySink) appendText(i int, v []byte) {
	if s.spec.Format == sqlrouter.CopyCSV {
		force := i < len(s.spec.ForceQuote) && s.spec.ForceQuote[i]
		s.out.buf = appendCSVField(s.out.buf, v, s.spec, force, len(s.cols) == 1)
		return
	}
	s.out.buf = appendCopyText(s.out.buf, v, s.spec.Delimiter)
}

// appendCopyText escapes a value for the text format as CopyAttributeOutText
// does: backslash, the delimiter and the control characters \b \f \n \r \t
// \v are written as backslash sequences.
func appendCopyText(dst, v []byte, delim byte) []byte {
	for _, c := range v {
		if c < 0x20 {
			// Control characters get their C-like letter even when one of
			// them is the delimiter (tab, by default).
			switch c {
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\v':
				dst = append(dst, '\\', 'v')
			case delim:
				dst = append(dst, '\\', c)
			default:
				dst = append(dst, c)
			}
			continue
		}
		if c == '\\' || c == delim {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return dst
}

// appendCSVField writes a value for the csv format as CopyAttributeOutCSV
// does: quoted when forced, when it equals the NULL string, when it is \.
// alone in a one-column row, or when it holds the delimiter, the quote, or a
// line break; inside quotes the quote and escape characters are preceded by
// the escape character.
func appendCSVField(dst, v []byte, spec *sqlrouter.CopySpec, force, single bool) []byte {
	quote := force || string(v) == spec.Null || (single && string(v) == `\.`)
	for _, c := range v {
		if quote {
			break
		}
		if c == spec.Delimiter || c == spec.Quote || c == '\n' || c == '\r' {
			quote = true
		}
	}
	if !quote {
		return append(dst, v...)
	}
	dst = append(dst, spec.Quote)
	for _, c := range v {
		if c == spec.Quote || c == spec.Escape {
			dst = append(dst, spec.Escape)
		}
		dst = append(dst, c)
	}
	return append(dst, spec.Quote)
}

// copyFailed is the error of a COPY the client aborted with CopyFail.
func copyFailed(msg string) *pgerr.Error {
	return pgerr.New(pgerr.QueryCanceled, "COPY from stdin failed: %s", msg)
}
