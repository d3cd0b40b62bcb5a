package wire

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// The extended query protocol
// (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY),
// following PostgreSQL 15's postgres.c:
//   - Parse into a named statement that does not exist yet, or the unnamed
//     one (replaced). Named statements live until Close or the session ends.
//   - Bind into a named portal that does not exist yet, or the unnamed one
//     (replaced). Portals live until Close or the end of the transaction;
//     outside a transaction block that is the next Sync.
//   - Describe(S): ParameterDescription, then RowDescription with format
//     codes 0 (formats are not known before Bind) or NoData.
//   - Describe(P): RowDescription with the Bind result formats, or NoData.
//   - Execute: DataRows, then CommandComplete, or PortalSuspended when
//     maxRows stopped it (the portal stays, and the next Execute goes on).
//     Like PostgreSQL, Execute never sends a RowDescription: a client that
//     skips Describe knows what it asked for.
//   - Any error: ErrorResponse, then every message up to Sync is ignored
//     (loop applies the rule); Sync sends ReadyForQuery.

// prepared is a statement made by Parse.
type prepared struct {
	name      string
	stmt      sqlrouter.Stmt // nil for an empty query string
	paramOIDs []uint32
}

func (s *prepared) close() {
	if s.stmt != nil {
		s.stmt.Close()
	}
}

func (s *prepared) fields() []sqlrouter.Field {
	if s.stmt == nil {
		return nil
	}
	return s.stmt.Fields()
}

// portal is a statement bound by Bind.
type portal struct {
	name    string
	stmt    *prepared
	p       sqlrouter.Portal // nil for an empty query string
	formats []int16          // result format per column; nil for all text
}

func (p *portal) close() {
	if p.p != nil {
		p.p.Close()
	}
}

// fields returns the portal's columns, or nil when it returns no rows (a
// COPY portal describes as NoData, as in PostgreSQL).
func (p *portal) fields() []sqlrouter.Field {
	if p.p == nil || p.p.Copy() != nil {
		return nil
	}
	return p.p.Fields()
}

// extendedError queues the error of an extended-protocol message and enters
// the ignore-until-Sync state.
func (c *conn) extendedError(e *pgerr.Error) error {
	if err := c.reportError(e); err != nil {
		return err
	}
	c.ignoreTillSync = true
	return nil
}

func statementName(name string) string {
	if name == "" {
		return "unnamed prepared statement"
	}
	return fmt.Sprintf("prepared statement %q", name)
}

func (c *conn) handleParse(m *pgproto3.Parse) error {
	if m.Name != "" {
		if _, ok := c.stmts[m.Name]; ok {
			return c.extendedError(pgerr.New(pgerr.DuplicatePreparedStatement, "prepared statement %q already exists", m.Name))
		}
	} else {
		c.closeStatement("")
	}
	oids := append([]uint32(nil), m.ParameterOIDs...)
	ctx, end := c.beginStatement()
	stmts, err := c.sess.Prepare(ctx, m.Query, oids)
	end()
	if err != nil {
		c.sendNotices()
		return c.extendedError(statementError(ctx, err))
	}
	if len(stmts) > 1 {
		for _, s := range stmts {
			s.Close()
		}
		return c.extendedError(pgerr.New(pgerr.SyntaxError, "cannot insert multiple commands into a prepared statement"))
	}
	ps := &prepared{name: m.Name, paramOIDs: oids}
	if len(stmts) == 1 {
		ps.stmt = stmts[0]
		ps.paramOIDs = stmts[0].ParamOIDs()
	}
	c.stmts[m.Name] = ps
	c.sendNotices()
	c.out.send(&pgproto3.ParseComplete{})
	return c.out.maybeFlush()
}

func (c *conn) handleBind(m *pgproto3.Bind) error {
	ps, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return c.extendedError(pgerr.New(pgerr.InvalidSQLStatementName, "%s does not exist", statementName(m.PreparedStatement)))
	}
	if m.DestinationPortal == "" {
		c.closePortal("")
	} else if _, ok := c.portals[m.DestinationPortal]; ok {
		return c.extendedError(pgerr.New(pgerr.DuplicateCursor, "portal %q already exists", m.DestinationPortal))
	}
	args, err := bindArgs(ps, m)
	if err != nil {
		return c.extendedError(pgerr.From(err))
	}
	pt := &portal{name: m.DestinationPortal, stmt: ps}
	if ps.stmt != nil {
		ctx, end := c.beginStatement()
		p, err := ps.stmt.Bind(ctx, args)
		end()
		if err != nil {
			c.sendNotices()
			return c.extendedError(statementError(ctx, err))
		}
		pt.p = p
		if pt.formats, err = resultFormats(m.ResultFormatCodes, len(pt.fields())); err != nil {
			p.Close()
			return c.extendedError(pgerr.From(err))
		}
	}
	c.portals[pt.name] = pt
	c.sendNotices()
	c.out.send(&pgproto3.BindComplete{})
	return c.out.maybeFlush()
}

// bindArgs checks the parameter counts and formats of a Bind and decodes
// its values.
func bindArgs(ps *prepared, m *pgproto3.Bind) ([]any, error) {
	n := len(ps.paramOIDs)
	if len(m.Parameters) != n {
		return nil, pgerr.New(pgerr.ProtocolViolation, "bind message supplies %d parameters, but %s requires %d",
			len(m.Parameters), statementName(ps.name), n)
	}
	if f := len(m.ParameterFormatCodes); f > 1 && f != n {
		return nil, pgerr.New(pgerr.ProtocolViolation, "bind message has %d parameter formats but %d parameters", f, n)
	}
	args := make([]any, n)
	for i, v := range m.Parameters {
		format := formatText
		switch len(m.ParameterFormatCodes) {
		case 0:
		case 1:
			format = m.ParameterFormatCodes[0]
		default:
			format = m.ParameterFormatCodes[i]
		}
		a, err := decodeParam(i, ps.paramOIDs[i], format, v)
		if err != nil {
			return nil, err
		}
		args[i] = a
	}
	return args, nil
}

// resultFormats expands Bind's result format codes to one per column: none
// means all text, one applies to all.
func resultFormats(codes []int16, ncols int) ([]int16, error) {
	for _, f := range codes {
		if f != formatText && f != formatBinary {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "unsupported format code: %d", f)
		}
	}
	switch len(codes) {
	case 0:
		return nil, nil
	case 1:
		formats := make([]int16, ncols)
		for i := range formats {
			formats[i] = codes[0]
		}
		return formats, nil
	case ncols:
		return append([]int16(nil), codes...), nil
	}
	return nil, pgerr.New(pgerr.ProtocolViolation, "bind message has %d result formats but query has %d columns", len(codes), ncols)
}

func (c *conn) handleDescribe(m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		ps, ok := c.stmts[m.Name]
		if !ok {
			return c.extendedError(pgerr.New(pgerr.InvalidSQLStatementName, "%s does not exist", statementName(m.Name)))
		}
		c.out.send(&pgproto3.ParameterDescription{ParameterOIDs: ps.paramOIDs})
		c.describeRows(ps.fields(), nil)
	case 'P':
		pt, ok := c.portals[m.Name]
		if !ok {
			fields, isCursor := c.sess.CursorFields(m.Name)
			if !isCursor {
				return c.extendedError(pgerr.New(pgerr.InvalidCursorName, "portal %q does not exist", m.Name))
			}
			c.describeRows(fields, nil)
			break
		}
		c.describeRows(pt.fields(), pt.formats)
	default:
		return c.extendedError(pgerr.New(pgerr.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType))
	}
	return c.out.maybeFlush()
}

func (c *conn) describeRows(fields []sqlrouter.Field, formats []int16) {
	if fields == nil {
		c.out.send(&pgproto3.NoData{})
		return
	}
	c.out.send(rowDescription(fields, formats))
}

func (c *conn) handleExecute(m *pgproto3.Execute) error {
	pt, ok := c.portals[m.Portal]
	if !ok {
		return c.extendedError(pgerr.New(pgerr.InvalidCursorName, "portal %q does not exist", m.Portal))
	}
	if pt.p == nil {
		c.out.send(&pgproto3.EmptyQueryResponse{})
		return c.out.maybeFlush()
	}
	// maxRows is an int32 on the wire; zero or negative means all rows.
	maxRows := int(int32(m.MaxRows))
	if maxRows < 0 {
		maxRows = 0
	}
	ctx, end := c.beginStatement()
	run := c.startRun(pt.stmt.stmt.SQL())
	var res sqlrouter.Result
	var err error
	if spec := pt.p.Copy(); spec != nil {
		res, err = c.runCopy(ctx, pt.p, spec)
	} else {
		res, err = c.execute(ctx, pt.p, pt.formats, maxRows)
	}
	end()
	run.done(res.Tag, err)
	c.sendNotices()
	if err != nil {
		return c.extendedError(statementError(ctx, err))
	}
	if res.Suspended {
		c.out.send(&pgproto3.PortalSuspended{})
	} else {
		c.out.send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag)})
	}
	return c.out.maybeFlush()
}

func (c *conn) handleClose(m *pgproto3.Close) error {
	switch m.ObjectType {
	case 'S':
		c.closeStatement(m.Name)
	case 'P':
		c.closePortal(m.Name)
	default:
		return c.extendedError(pgerr.New(pgerr.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType))
	}
	// Closing something that does not exist is not an error.
	c.out.send(&pgproto3.CloseComplete{})
	return c.out.maybeFlush()
}

// handleSync ends the extended-protocol cycle: it leaves the
// ignore-until-Sync state, lets the session end an implicit transaction,
// drops the portals if no transaction block remains, and sends
// ReadyForQuery.
func (c *conn) handleSync() error {
	c.ignoreTillSync = false
	if err := c.sess.Sync(c.ctx); err != nil {
		if err := c.reportError(statementError(c.ctx, err)); err != nil {
			return err
		}
	}
	if c.sess.TxStatus() == sqlrouter.TxIdle {
		c.closeAllPortals()
	}
	c.sendNotices()
	return c.readyForQuery()
}

// handleFunctionCall refuses the fast-path function call interface.
func (c *conn) handleFunctionCall() error {
	if err := c.reportError(pgerr.New(pgerr.FeatureNotSupported, "fast-path function calls are not supported")); err != nil {
		return err
	}
	return c.readyForQuery()
}

// closeStatement drops a prepared statement and, as PostgreSQL does, the
// portals made from it.
func (c *conn) closeStatement(name string) {
	ps, ok := c.stmts[name]
	if !ok {
		return
	}
	for pn, pt := range c.portals {
		if pt.stmt == ps {
			pt.close()
			delete(c.portals, pn)
		}
	}
	ps.close()
	delete(c.stmts, name)
}

func (c *conn) closePortal(name string) {
	if pt, ok := c.portals[name]; ok {
		pt.close()
		delete(c.portals, name)
	}
}

func (c *conn) closeAllPortals() {
	for name, pt := range c.portals {
		pt.close()
		delete(c.portals, name)
	}
}
