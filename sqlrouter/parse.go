package sqlrouter

import (
	"context"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// parsed is one statement of a query string.
type parsed struct {
	sql  string
	node *pg_query.Node
}

// parseStatements parses a query string with PostgreSQL's parser and
// splits it into statements. A syntax error is 42601 with its position,
// unless the failing text is a DuckDB statement the sandbox forbids,
// which is refused as such (42501).
func parseStatements(q string) ([]parsed, error) {
	tree, err := pg_query.Parse(q)
	if err != nil {
		for _, start := range statementStarts(q) {
			if what, ok := deniedStatement(q[start:]); ok {
				return nil, denied("permission denied: %s is not allowed", what)
			}
		}
		return nil, syntaxError(err)
	}
	out := make([]parsed, 0, len(tree.Stmts))
	for _, raw := range tree.Stmts {
		start := int(raw.StmtLocation)
		end := len(q)
		if raw.StmtLen > 0 {
			end = start + int(raw.StmtLen)
		}
		if start < 0 || start > end || end > len(q) {
			start, end = 0, len(q)
		}
		out = append(out, parsed{sql: strings.TrimSpace(q[start:end]), node: raw.Stmt})
	}
	return out, nil
}

// Prepare parses a query string into statements. The only statement of
// a query (always the case for the extended protocol's Parse) is planned
// at once, so its parameter and result types are known and errors in it
// surface now; the statements of a multi-statement query are planned
// when they run, since each may depend on the ones before it.
func (s *Session) Prepare(ctx context.Context, query string, paramOIDs []uint32) ([]Stmt, error) {
	if s.closed {
		return nil, errf("08003", "the session is closed")
	}
	ps, err := parseStatements(query)
	if err != nil {
		s.r.metrics.observe(kindUtility, err, 0)
		return nil, s.fail(err)
	}
	out := make([]Stmt, 0, len(ps))
	for _, p := range ps {
		st := &stmt{s: s, sql: p.sql, query: query, node: p.node, cls: classify(p.node)}
		st.static = staticFields(st)
		s.stmts[st] = struct{}{}
		out = append(out, st)
	}
	if len(out) == 1 {
		st := out[0].(*stmt)
		st.declared = paramOIDs
		if err := st.prepareEager(ctx); err != nil {
			st.Close()
			s.r.metrics.observe(st.cls.kind, err, 0)
			return nil, s.fail(err)
		}
	}
	return out, nil
}

// prepareEager plans a statement at Parse time. Outside a transaction the
// plan's pins are dropped again (Bind takes them anew); inside one they
// stay, and so does the write lock of a write, which is taken here as
// PostgreSQL takes its table locks at parse analysis: the transaction's
// snapshot of the table then cannot predate the lock.
func (st *stmt) prepareEager(ctx context.Context) error {
	s := st.s
	if s.tx.state == txFailed && !transactionExit(st.node) {
		return errf(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	switch st.cls.op {
	case opRefuse:
		return st.cls.err
	case opQuery, opCopyOut:
		var tmp holds
		pl, err := st.makePlan(ctx, s.holdsFor(&tmp), false)
		tmp.release()
		if err != nil {
			return err
		}
		st.plan = pl
	}
	return nil
}

// statementStarts returns the byte offsets where the statements of a query
// string begin, found with PostgreSQL's scanner (which, unlike the parser,
// accepts any input): the first token and every token after a semicolon.
func statementStarts(q string) []int {
	res, err := pg_query.Scan(q)
	if err != nil {
		return []int{0}
	}
	var out []int
	next := true
	for _, tok := range res.Tokens {
		if tok.Token == pg_query.Token_ASCII_59 {
			next = true
			continue
		}
		if next && tok.Token != pg_query.Token_SQL_COMMENT && tok.Token != pg_query.Token_C_COMMENT {
			out = append(out, int(tok.Start))
			next = false
		}
	}
	return out
}
