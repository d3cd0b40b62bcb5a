package wire

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// reportError queues e, or, for a FATAL error, sends it and ends the
// connection (errConnDone). It returns an error only when the connection
// must end.
func (c *conn) reportError(e *pgerr.Error) error {
	if e.Severity == pgerr.SeverityFatal {
		return c.fatal(e)
	}
	c.sendError(e)
	return c.out.err
}

// run measures one statement for the metrics.
type run struct {
	m     *metrics
	sql   string
	start time.Time
}

func (c *conn) startRun(sql string) run {
	return run{m: c.srv.metrics, sql: sql, start: time.Now()}
}

func (r run) done(tag string, err error) {
	r.m.observeStatement(commandLabel(tag, r.sql), err, time.Since(r.start))
}

// execute runs a portal, encoding its rows into DataRows in formats (one
// per column, nil for all text).
func (c *conn) execute(ctx context.Context, p sqlrouter.Portal, formats []int16, maxRows int) (sqlrouter.Result, error) {
	sink := newRowSink(ctx, c.out, p.Fields(), formats, c.sess.Format())
	res, err := p.Execute(ctx, sink, maxRows)
	if err == nil {
		err = c.out.err
	}
	return res, err
}

// rowDescription describes fields sent in formats (nil for all text).
func rowDescription(fields []sqlrouter.Field, formats []int16) *pgproto3.RowDescription {
	fds := make([]pgproto3.FieldDescription, len(fields))
	for i, f := range fields {
		fds[i] = pgproto3.FieldDescription{
			Name:                 []byte(f.Name),
			TableOID:             f.TableOID,
			TableAttributeNumber: uint16(f.AttNum),
			DataTypeOID:          f.TypeOID,
			DataTypeSize:         f.TypeSize,
			TypeModifier:         f.TypeMod,
			Format:               formatAt(formats, i),
		}
	}
	return &pgproto3.RowDescription{Fields: fds}
}
