package wire

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// COPY FROM STDIN: CopyInResponse, then the client's CopyData messages up
// to CopyDone (or CopyFail), then CommandComplete. Flush and Sync are
// ignored in copy-in mode; any other message is a protocol violation.
//
// The data, in whatever format the client sends, is converted as it
// arrives into the canonical CSV Portal.CopyIn reads (see sqlrouter/api.go)
// and streamed to it through an io.Pipe, so memory stays bounded by one row
// plus one CopyData message whatever the size of the load. Binary data
// goes to portals that take Arrow batches as batches instead (see
// copy_in_batches.go), bounded by a few batches. On an error,
// PostgreSQL sends ErrorResponse at once and ignores the rest of the COPY
// data, which the message loop does.

// errCopyDone tells the converter that the consumer stopped reading.
var errCopyDone = errors.New("wire: COPY consumer finished")

func (c *conn) copyIn(ctx context.Context, p sqlrouter.Portal, spec *sqlrouter.CopySpec) (sqlrouter.Result, error) {
	if err := c.copyResponse(spec); err != nil {
		return sqlrouter.Result{}, err
	}
	if bp, ok := p.(sqlrouter.BatchCopyIn); ok && spec.Format == sqlrouter.CopyBinary {
		return c.copyInBatches(ctx, bp, spec)
	}

	pr, pw := io.Pipe()
	type outcome struct {
		res sqlrouter.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := p.CopyIn(ctx, pr)
		if err != nil {
			pr.CloseWithError(err)
		} else {
			pr.CloseWithError(errCopyDone)
		}
		done <- outcome{res, err}
	}()

	bw := bufio.NewWriterSize(pw, flushThreshold)
	conv := newCopyConverter(spec, &csvOut{w: bw, n: len(spec.Fields), fields: spec.Fields}, c.srv.cfg.MaxMessageSize)
	feedErr := c.feedCopy(ctx, conv, bw.Flush)
	if feedErr == nil {
		pw.Close()
	} else {
		pw.CloseWithError(feedErr)
	}
	o := <-done
	return o.res, copyOutcome(feedErr, o.err)
}

// copyResponse sends CopyInResponse for spec.
func (c *conn) copyResponse(spec *sqlrouter.CopySpec) error {
	overall, cols := copyResponseFormats(spec)
	c.out.send(&pgproto3.CopyInResponse{OverallFormat: overall, ColumnFormatCodes: cols})
	return c.out.flush()
}

// copyOutcome is a COPY's error: the client's side (its CopyFail, a lost
// connection, a cancel) before the consumer's, unless the feed stopped
// only because the consumer had.
func copyOutcome(feedErr, consumerErr error) error {
	if feedErr != nil && !errors.Is(feedErr, errCopyDone) {
		return feedErr
	}
	return consumerErr
}

// feedCopy reads the client's COPY messages and converts their data until
// CopyDone. It returns nil after a clean CopyDone, or the error that ended
// the COPY (errCopyDone when the consumer stopped early).
func (c *conn) feedCopy(ctx context.Context, conv copyConverter, flush func() error) error {
	// A canceled statement must not wait for a client that sends nothing:
	// its cancellation interrupts the read.
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.nc.SetReadDeadline(time.Now())
		c.mu.Unlock()
	})
	defer func() {
		if !stop() {
			c.mu.Lock()
			c.nc.SetReadDeadline(time.Time{})
			c.mu.Unlock()
		}
	}()
	for {
		msg, err := c.be.Receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%w: %w", errConnLost, err)
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			if err := conv.write(m.Data); err != nil {
				return err
			}
		case *pgproto3.CopyDone:
			if err := conv.finish(); err != nil {
				return err
			}
			if flush == nil {
				return nil
			}
			return flush()
		case *pgproto3.CopyFail:
			return copyFailed(m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
		default:
			return pgerr.New(pgerr.ProtocolViolation, "unexpected message type 0x%02X during COPY from stdin", messageType(msg))
		}
	}
}

// errConnLost wraps a read error in the middle of COPY; the connection
// cannot go on.
var errConnLost = errors.New("connection lost during COPY")

// messageType returns the type byte of a frontend message.
func messageType(msg pgproto3.FrontendMessage) byte {
	b, err := msg.Encode(nil)
	if err != nil || len(b) == 0 {
		return 0
	}
	return b[0]
}

// copyConverter turns COPY data of one format into canonical CSV.
type copyConverter interface {
	// write takes the payload of one CopyData message; rows may span
	// messages.
	write(data []byte) error
	// finish is called at CopyDone.
	finish() error
}

func newCopyConverter(spec *sqlrouter.CopySpec, out *csvOut, maxRow int) copyConverter {
	switch spec.Format {
	case sqlrouter.CopyCSV:
		return &csvCopyIn{spec: spec, out: out, maxRow: maxRow, skipHeader: spec.Header, passThrough: canonicalDialect(spec)}
	case sqlrouter.CopyBinary:
		return &binaryCopyIn{spec: spec, out: out, maxRow: maxRow}
	}
	return &textCopyIn{spec: spec, out: out, maxRow: maxRow, skipHeader: spec.Header}
}

func badCopy(format string, args ...any) error {
	return pgerr.New(pgerr.BadCopyFileFormat, format, args...)
}

// csvOut writes canonical CSV: comma separated, NULL as an unquoted empty
// field, the empty string and values holding a comma, quote or line break
// quoted with quotes doubled, other values as they are, LF after each row.
// It checks the number of fields of each row.
type csvOut struct {
	w      *bufio.Writer
	n      int // fields per row
	fields []sqlrouter.Field
	field  int // fields written in the current row
	err    error
}

func (o *csvOut) sep() error {
	if o.field >= o.n {
		return badCopy("extra data after last expected column")
	}
	if o.field > 0 {
		o.w.WriteByte(',')
	}
	o.field++
	return nil
}

func (o *csvOut) null() error { return o.sep() }

func (o *csvOut) value(v []byte) error {
	if err := o.sep(); err != nil {
		return err
	}
	_, err := o.w.Write(appendCanonicalField(o.w.AvailableBuffer(), v))
	return err
}

// appendCanonicalField appends v as a canonical CSV field: as it is, or quoted
// when it is empty (an unquoted empty field is NULL) or holds a comma, a
// quote or a line break. Quoting only what needs it spares DuckDB's quote
// handling when it parses the file.
func appendCanonicalField(dst, v []byte) []byte {
	if len(v) > 0 && !needsQuotes(v) {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for _, c := range v {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

func (o *csvOut) endRow() error {
	if o.field < o.n {
		return badCopy("missing data for column %q", o.fields[o.field].Name)
	}
	o.field = 0
	return o.w.WriteByte('\n')
}

// needsQuotes reports whether a non-empty value must be quoted in
// canonical CSV: it holds a comma, a quote or a line break.
func needsQuotes(v []byte) bool {
	for _, c := range v {
		if quoted[c] {
			return true
		}
	}
	return false
}

// quoted marks the bytes that make a CSV field need quotes; a table beats
// a switch in the per-byte loop.
var quoted = [256]bool{',': true, '"': true, '\n': true, '\r': true}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// pendingBuffer accumulates COPY data until a whole row is present.
type pendingBuffer struct {
	buf []byte
	pos int // start of unconsumed data
}

func (p *pendingBuffer) add(data []byte, maxRow int) error {
	if p.pos > 0 {
		n := copy(p.buf, p.buf[p.pos:])
		p.buf, p.pos = p.buf[:n], 0
	}
	// What is left is less than one row; a row may not exceed maxRow.
	if len(p.buf) > maxRow {
		return pgerr.New(pgerr.ProgramLimitExceeded, "COPY row is longer than %d bytes", maxRow)
	}
	p.buf = append(p.buf, data...)
	return nil
}

func (p *pendingBuffer) rest() []byte { return p.buf[p.pos:] }
