package sqlrouter

import (
	"context"
	"math"
	"strconv"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// SQL cursors: DECLARE ... CURSOR FOR, FETCH [FORWARD] n, CLOSE, as
// psycopg2's named cursors (and so pandas' chunked reads) use them. A
// cursor is a portal of the session kept under its name: FETCH streams
// its next rows, and the transaction block that declared it closes it.
// Only forward fetching, and no WITH HOLD (which would keep a result past
// its transaction).

// Cursor options of DeclareCursorStmt (PostgreSQL's parsenodes.h).
const (
	cursorBinary = 0x0001
	cursorScroll = 0x0002
	cursorHold   = 0x0020
)

// declareCursor runs DECLARE name CURSOR FOR query.
func (s *Session) declareCursor(ctx context.Context, d *pg_query.DeclareCursorStmt) (Result, error) {
	switch {
	case d.Options&cursorHold != 0:
		return Result{}, unsupported("cursors WITH HOLD are not supported")
	case d.Options&(cursorBinary|cursorScroll) != 0:
		return Result{}, unsupported("BINARY and SCROLL cursors are not supported")
	case !s.inTx():
		return Result{}, errf(pgerr.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if _, ok := s.cursors[d.Portalname]; ok {
		return Result{}, errf(pgerr.DuplicateCursor, "cursor %q already exists", d.Portalname)
	}
	st := &stmt{s: s, node: d.Query, cls: classify(d.Query)}
	if st.cls.op != opQuery || st.cls.kind != kindRead {
		return Result{}, errf(pgerr.SyntaxError, "DECLARE CURSOR needs a SELECT or VALUES query")
	}
	p, err := st.bind(ctx, nil)
	if err != nil {
		st.Close()
		return Result{}, err
	}
	if s.cursors == nil {
		s.cursors = map[string]*portal{}
	}
	s.cursors[d.Portalname] = p
	return Result{Tag: "DECLARE CURSOR"}, nil
}

// CursorFields returns the result columns of a SQL cursor.
func (s *Session) CursorFields(name string) ([]Field, bool) {
	p, ok := s.cursors[name]
	if !ok {
		return nil, false
	}
	return p.fields, true
}

// cursorFields are a FETCH's result columns: its cursor's.
func (s *Session) cursorFields(f *pg_query.FetchStmt) []Field {
	if p := s.cursors[f.GetPortalname()]; p != nil {
		return p.fields
	}
	return nil
}

// bindFetch readies FETCH: it sends its cursor's next rows.
func (st *stmt) bindFetch(p *portal) error {
	s := st.s
	f := st.node.GetFetchStmt()
	if f.Ismove {
		return unsupported("MOVE is not supported")
	}
	if f.Direction != pg_query.FetchDirection_FETCH_FORWARD || f.HowMany < 0 {
		return unsupported("only FETCH [FORWARD] n, NEXT and ALL are supported")
	}
	c := s.cursors[f.Portalname]
	if c == nil {
		return errf(pgerr.InvalidCursorName, "cursor %q does not exist", f.Portalname)
	}
	n := 0
	if f.HowMany != math.MaxInt64 {
		n = int(f.HowMany)
	}
	p.fields = c.fields
	p.fetch = func(ctx context.Context, sink RowSink) (Result, error) {
		if c.err != nil {
			return Result{}, c.err
		}
		if c.done {
			return Result{Tag: "FETCH 0"}, nil
		}
		_, err := c.executeQuery(ctx, sink, n)
		return Result{Tag: "FETCH " + strconv.FormatInt(c.sent, 10)}, err
	}
	return nil
}

// closeCursor runs CLOSE name and CLOSE ALL.
func (s *Session) closeCursor(c *pg_query.ClosePortalStmt) (Result, error) {
	if c.Portalname == "" {
		s.closeCursors()
		return Result{Tag: "CLOSE CURSOR ALL"}, nil
	}
	p := s.cursors[c.Portalname]
	if p == nil {
		return Result{}, errf(pgerr.InvalidCursorName, "cursor %q does not exist", c.Portalname)
	}
	p.Close()
	p.st.Close()
	delete(s.cursors, c.Portalname)
	return Result{Tag: "CLOSE CURSOR"}, nil
}

// closeCursors closes every cursor, as the end of a transaction does.
func (s *Session) closeCursors() {
	for name, p := range s.cursors {
		p.Close()
		p.st.Close()
		delete(s.cursors, name)
	}
}
