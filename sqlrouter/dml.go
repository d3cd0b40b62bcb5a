package sqlrouter

import (
	"context"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// Writes other than INSERT, UPDATE, DELETE and MERGE (which run as plans,
// see plan.go): TRUNCATE, LOCK TABLE, and the statements accepted as
// no-ops. EXPLAIN lives here too, since it runs a plan's SQL.

// runTruncate empties tables with DELETE, one table at a time: outside a
// transaction block each commits on its own; inside one, the one-table
// rule applies.
func (s *Session) runTruncate(ctx context.Context, t *pg_query.TruncateStmt) (Result, error) {
	for _, r := range t.Relations {
		rv := r.GetRangeVar()
		if err := s.truncateOne(ctx, rv); err != nil {
			return Result{}, err
		}
	}
	return Result{Tag: "TRUNCATE TABLE"}, nil
}

func (s *Session) truncateOne(ctx context.Context, rv *pg_query.RangeVar) error {
	var own holds
	defer own.release()
	h := s.holdsFor(&own)
	t, err := s.writeTable(ctx, h, s.newResolver(ctx), rv, "TRUNCATE", true)
	if err != nil {
		return err
	}
	alias, err := s.pin(ctx, h, t)
	if err != nil {
		return err
	}
	s.quiesce(nil)
	_, err = s.conn.Exec(ctx, "DELETE FROM "+quoteAlias(alias)+".main.data")
	return clientError(ctx, err, aliasNames{alias: displayName(t), targetAlias: displayName(t)})
}

func quoteAlias(a string) string { return `"` + strings.ReplaceAll(a, `"`, `""`) + `"` }

// runLock runs LOCK TABLE in a transaction block. Reads never wait for
// anything here, so the share modes are no-ops; the exclusive modes take
// the tables' write locks to the end of the transaction.
func (s *Session) runLock(ctx context.Context, l *pg_query.LockStmt) (Result, error) {
	if !s.inTx() {
		return Result{}, errf(pgerr.NoActiveSQLTransaction, "LOCK TABLE can only be used in transaction blocks")
	}
	const rowExclusive = 3
	for _, r := range l.Relations {
		rv := r.GetRangeVar()
		t, err := s.newResolver(ctx).table(rv.Schemaname, rv.Relname)
		if err != nil {
			return Result{}, err
		}
		if l.Mode < rowExclusive {
			continue
		}
		if err := s.checkWritable("LOCK TABLE"); err != nil {
			return Result{}, err
		}
		if _, err := s.lockTable(ctx, &s.tx.holds, t.Bucket, t.Name); err != nil {
			return Result{}, err
		}
	}
	return Result{Tag: "LOCK TABLE"}, nil
}

// runNoop answers VACUUM, ANALYZE, DEALLOCATE ALL and UNLISTEN: DuckDB
// keeps its statistics itself. Named tables must exist.
func (s *Session) runNoop(ctx context.Context, n *pg_query.Node, tag string) (Result, error) {
	if v := n.GetVacuumStmt(); v != nil {
		if v.IsVacuumcmd && s.inTx() {
			return Result{}, errf(pgerr.ActiveSQLTransaction, "VACUUM cannot run inside a transaction block")
		}
		for _, r := range v.Rels {
			rv := r.GetVacuumRelation().GetRelation()
			if rv == nil {
				continue
			}
			if _, err := s.newResolver(ctx).table(rv.Schemaname, rv.Relname); err != nil {
				return Result{}, err
			}
		}
	}
	return Result{Tag: tag}, nil
}

// runExplain runs DuckDB's EXPLAIN [ANALYZE] on the rewritten statement and
// returns its plan as PostgreSQL does, one "QUERY PLAN" row per line, with
// attachment aliases replaced by table names. EXPLAIN ANALYZE runs the
// statement, so a write takes its lock.
func (s *Session) runExplain(ctx context.Context, e *pg_query.ExplainStmt, p *portal) (Result, error) {
	analyze := explainAnalyze(e)
	defer p.own.release()
	h := s.holdsFor(&p.own)
	pl, err := s.rewrite(ctx, h, e.Query, "EXPLAIN", analyze)
	if err != nil {
		return Result{}, err
	}
	defer pl.cat.release()
	for _, apply := range pl.effects {
		if err := apply(); err != nil {
			return Result{}, err
		}
	}
	prefix := "EXPLAIN "
	if analyze {
		prefix = "EXPLAIN ANALYZE "
	}
	s.quiesce(nil)
	rows, err := s.conn.Query(ctx, prefix+pl.sql)
	if err != nil {
		return Result{}, clientError(ctx, err, pl.names)
	}
	defer rows.Close()
	var lines [][]string
	for rows.Next() {
		rec := rows.Record()
		col := rec.Column(int(rec.NumCols()) - 1)
		for i := 0; i < col.Len(); i++ {
			text, _ := valueString(col, i)
			for _, line := range strings.Split(strings.TrimRight(pl.names.replace(text), "\n"), "\n") {
				lines = append(lines, []string{line})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return Result{}, clientError(ctx, err, pl.names)
	}
	p.text = newTextResult([]string{"QUERY PLAN"}, lines)
	return Result{}, nil
}
