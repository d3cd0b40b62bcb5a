package sqlrouter

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// SQL cursors: DECLARE ... CURSOR FOR, FETCH and MOVE [FORWARD] n, CLOSE,
// as psycopg2's named cursors (and so pandas' chunked reads) use them. A
// cursor is a portal of the session kept under its name: FETCH streams
// its next rows, and the transaction block that declared it closes it. A
// cursor WITH HOLD outlives its transaction, as PostgreSQL's does by
// materializing it at COMMIT: its rows are read into memory when it is
// declared (also outside a transaction block, where PostgreSQL allows
// it). Cursors scan forward only, as PostgreSQL's without SCROLL.

// Cursor options of DeclareCursorStmt (PostgreSQL's parsenodes.h).
const (
	cursorBinary = 0x0001
	cursorScroll = 0x0002
	cursorHold   = 0x0020
)

// declareCursor runs DECLARE name CURSOR FOR query.
func (s *Session) declareCursor(ctx context.Context, d *pg_query.DeclareCursorStmt, text string) (Result, error) {
	hold := d.Options&cursorHold != 0
	switch {
	case d.Options&(cursorBinary|cursorScroll) != 0:
		return Result{}, unsupported("BINARY and SCROLL cursors are not supported")
	case !hold && !s.inTx():
		return Result{}, errf(pgerr.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if _, ok := s.cursors[d.Portalname]; ok {
		return Result{}, errf(pgerr.DuplicateCursor, "cursor %q already exists", d.Portalname)
	}
	st := &stmt{s: s, sql: text, query: s.text, node: d.Query, cls: classify(d.Query)}
	if st.cls.op != opQuery || st.cls.kind != kindRead {
		return Result{}, errf(pgerr.SyntaxError, "DECLARE CURSOR needs a SELECT or VALUES query")
	}
	p, err := st.bind(ctx, nil)
	if err != nil {
		st.Close()
		return Result{}, err
	}
	p.start, p.hold, p.inTx = time.Now(), hold, s.inTx()
	if hold {
		if err := p.materialize(ctx); err != nil {
			st.Close()
			return Result{}, err
		}
	}
	if s.cursors == nil {
		s.cursors = map[string]*portal{}
	}
	s.cursors[d.Portalname] = p
	return Result{Tag: "DECLARE CURSOR"}, nil
}

// materialize reads a portal's rows into memory and lets go of its DuckDB
// statement, locks and pins: a cursor WITH HOLD.
func (p *portal) materialize(ctx context.Context) error {
	p.st.s.quiesce(nil)
	rows, err := p.open(ctx)
	if err != nil {
		p.finish()
		return err
	}
	p.rows = rows
	p.releaseDS()
	p.own.release()
	return nil
}

// CursorFields returns the result columns of a SQL cursor.
func (s *Session) CursorFields(name string) ([]Field, bool) {
	p, ok := s.cursors[name]
	if !ok {
		return nil, false
	}
	return p.fields, true
}

// cursorFields are a FETCH's result columns: its cursor's; MOVE has none.
func (s *Session) cursorFields(f *pg_query.FetchStmt) []Field {
	if p := s.cursors[f.GetPortalname()]; p != nil && !f.Ismove {
		return p.fields
	}
	return nil
}

// bindFetch readies FETCH, which sends its cursor's next rows, and MOVE,
// which skips them.
func (st *stmt) bindFetch(p *portal) error {
	s := st.s
	f := st.node.GetFetchStmt()
	verb := "FETCH"
	if f.Ismove {
		verb = "MOVE"
	}
	switch {
	case f.Direction == pg_query.FetchDirection_FETCH_BACKWARD || f.HowMany < 0:
		return errf(pgerr.ObjectNotInPrerequisiteState, "cursor can only scan forward").
			WithHint("Declare it with SCROLL option to enable backward scan.")
	case f.Direction != pg_query.FetchDirection_FETCH_FORWARD:
		return unsupported("only %s [FORWARD] n, NEXT and ALL are supported", verb)
	}
	c := s.cursors[f.Portalname]
	if c == nil {
		return errf(pgerr.InvalidCursorName, "cursor %q does not exist", f.Portalname)
	}
	n := 0
	if f.HowMany != math.MaxInt64 {
		n = int(f.HowMany)
	}
	if !f.Ismove {
		p.fields = c.fields
	}
	p.fetch = func(ctx context.Context, sink RowSink) (Result, error) {
		if c.err != nil {
			return Result{}, c.err
		}
		if c.done || f.HowMany == 0 {
			// FETCH 0 would re-read the current row of a scrollable
			// cursor; a forward one has none to give.
			return Result{Tag: verb + " 0"}, nil
		}
		if f.Ismove {
			sink = discard{}
		}
		_, err := c.executeQuery(ctx, sink, n)
		return Result{Tag: verb + " " + strconv.FormatInt(c.sent, 10)}, err
	}
	return nil
}

// discard is the sink of MOVE.
type discard struct{}

func (discard) WriteRows(arrow.RecordBatch, int, int) error { return nil }

// closeCursor runs CLOSE name and CLOSE ALL.
func (s *Session) closeCursor(c *pg_query.ClosePortalStmt) (Result, error) {
	if c.Portalname == "" {
		s.closeCursors(func(*portal) bool { return true })
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

// closeCursors closes the cursors which says to: at the end of a
// transaction, those it declared without HOLD, and on ROLLBACK those it
// declared at all.
func (s *Session) closeCursors(which func(*portal) bool) {
	for name, p := range s.cursors {
		if which(p) {
			p.Close()
			p.st.Close()
			delete(s.cursors, name)
		}
	}
}
