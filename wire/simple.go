package wire

import (
	"errors"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/duckstore/duckstore/sqlrouter"
)

// errStatementFailed reports that a statement failed and its ErrorResponse
// is already queued; the connection goes on.
var errStatementFailed = errors.New("wire: statement failed")

// handleQuery runs a simple Query message
// (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SIMPLE-QUERY):
// every statement of the string in order, as one implicit transaction,
// stopping at the first error; EmptyQueryResponse for an empty string; one
// ReadyForQuery at the end.
func (c *conn) handleQuery(q *pgproto3.Query) error {
	// A simple Query destroys the unnamed prepared statement and portal.
	c.closePortal("")
	c.closeStatement("")

	ctx, end := c.beginStatement()
	stmts, err := c.sess.Prepare(ctx, q.String, nil)
	end()
	if err != nil {
		c.sendNotices()
		if err := c.reportError(statementError(ctx, err)); err != nil {
			return err
		}
		return c.readyForQuery()
	}
	defer func() {
		for _, s := range stmts {
			s.Close()
		}
	}()
	if len(stmts) == 0 {
		c.out.send(&pgproto3.EmptyQueryResponse{})
		return c.readyForQuery()
	}
	failed := false
	if err := c.sess.BeginImplicit(c.ctx, len(stmts)); err != nil {
		if err := c.reportError(statementError(c.ctx, err)); err != nil {
			return err
		}
		failed = true
	}
	for _, s := range stmts {
		if failed {
			break
		}
		switch err := c.runSimpleStatement(s); {
		case errors.Is(err, errStatementFailed):
			failed = true
		case err != nil:
			return err
		}
	}
	if err := c.sess.EndImplicit(c.ctx, failed); err != nil && !failed {
		if err := c.reportError(statementError(c.ctx, err)); err != nil {
			return err
		}
	}
	c.sendNotices()
	if c.sess.TxStatus() == sqlrouter.TxIdle {
		c.closeAllPortals()
	}
	return c.readyForQuery()
}

// runSimpleStatement binds and runs one statement of a simple Query, which
// always sends its rows in text format. It returns errStatementFailed after
// queueing the statement's error, or an error that ends the connection.
func (c *conn) runSimpleStatement(s sqlrouter.Stmt) error {
	ctx, end := c.beginStatement()
	run := c.startRun(s.SQL())
	p, err := s.Bind(ctx, nil)
	var res sqlrouter.Result
	if err == nil {
		if spec := p.Copy(); spec != nil {
			res, err = c.runCopy(ctx, p, spec)
		} else {
			fields := p.Fields()
			if fields != nil {
				c.out.send(rowDescription(fields, nil))
			}
			res, err = c.execute(ctx, p, nil, 0)
		}
		p.Close()
	}
	// end clears the write deadline a canceled statement may have set, so
	// it comes before anything is sent about the statement's outcome.
	end()
	run.done(res.Tag, err)
	c.sendNotices()
	if err != nil {
		if err := c.reportError(statementError(ctx, err)); err != nil {
			return err
		}
		return errStatementFailed
	}
	c.out.send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag)})
	return c.out.maybeFlush()
}
