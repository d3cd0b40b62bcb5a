package sqlrouter

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/duckstore/duckstore/wire/pgerr"
)

func TestEmptyQueriesAndPings(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	for _, q := range []string{"", ";", "  ;  ; ", "-- ping", "/* nothing */"} {
		stmts, err := s.Prepare(context.Background(), q, nil)
		if err != nil || len(stmts) != 0 {
			t.Errorf("%q: %d statements, %v", q, len(stmts), err)
		}
	}
	stmts, err := s.Prepare(context.Background(), "SELECT 1; SELECT 2;", nil)
	if err != nil || len(stmts) != 2 || stmts[0].SQL() != "SELECT 1" || stmts[1].SQL() != "SELECT 2" {
		t.Fatalf("split: %v %v", stmts, err)
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	pe := wantCode(t, s, "SELECT 1;\nSELEC 2", pgerr.SyntaxError)
	if pe.Position != 11 || !strings.Contains(pe.Message, `"SELEC"`) {
		t.Fatalf("error = %+v", pe)
	}
	// Nothing of a query string with a syntax error runs.
	wantCode(t, s, `CREATE SCHEMA first; SELECT (`, pgerr.SyntaxError)
	wantCode(t, s, `DROP SCHEMA first`, pgerr.InvalidSchemaName)
}

func TestUtilityStatements(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "a", 3)
	s := e.open(e.keys["admin"], "")
	other := e.open(e.keys["admin"], "")
	mustRun(t, other, `SET lock_timeout = 100`)
	mustTag(t, s, `VACUUM`, "VACUUM")
	mustTag(t, s, `ANALYZE a`, "ANALYZE")
	mustTag(t, s, `VACUUM ANALYZE "in.c-sales".a`, "VACUUM")
	wantCode(t, s, `ANALYZE nope`, pgerr.UndefinedTable)
	wantCode(t, s, `BEGIN; VACUUM`, pgerr.ActiveSQLTransaction)
	mustRun(t, s, `ROLLBACK`)
	mustTag(t, s, `DEALLOCATE ALL`, "DEALLOCATE ALL")
	mustTag(t, s, `UNLISTEN *`, "UNLISTEN")
	mustTag(t, s, `LISTEN x`, "LISTEN")
	wantCode(t, s, `NOTIFY x`, pgerr.FeatureNotSupported)
	wantCode(t, s, `LOCK TABLE a`, pgerr.NoActiveSQLTransaction)
	// LOCK TABLE and SELECT FOR UPDATE hold the table's write lock to the
	// end of the transaction; share modes lock nothing.
	mustTag(t, s, `BEGIN; LOCK TABLE a IN ACCESS SHARE MODE`, "LOCK TABLE")
	mustTag(t, other, `INSERT INTO a VALUES (10, 'x')`, "INSERT 0 1")
	mustTag(t, s, `LOCK TABLE a`, "LOCK TABLE")
	wantCode(t, other, `INSERT INTO a VALUES (11, 'x')`, pgerr.LockNotAvailable)
	mustRun(t, s, `COMMIT`)
	mustRun(t, s, `BEGIN`)
	if got := fmtRows(mustRun(t, s, `SELECT v FROM a WHERE id = 0 FOR UPDATE`)); got != "[v0]" {
		t.Fatalf("FOR UPDATE rows = %s", got)
	}
	wantCode(t, other, `UPDATE a SET v = 'other' WHERE id = 0`, pgerr.LockNotAvailable)
	mustRun(t, s, `UPDATE a SET v = 'mine' WHERE id = 0; COMMIT`)
	mustTag(t, other, `UPDATE a SET v = 'other' WHERE id = 0`, "UPDATE 1")
	// EXPLAIN and EXPLAIN ANALYZE, which runs the statement.
	rows := mustRun(t, s, `EXPLAIN SELECT * FROM a WHERE id > 1`)
	plan := fmtRows(rows)
	if len(rows) < 3 || !strings.Contains(plan, `"in.c-sales".a`) {
		t.Fatalf("EXPLAIN = %s", plan)
	}
	assertNoAlias(t, plan)
	mustTag(t, s, `EXPLAIN ANALYZE DELETE FROM a WHERE id = 10`, "EXPLAIN")
	if n := one(t, s, `SELECT count(*) FROM a`); n != int64(3) {
		t.Fatalf("EXPLAIN ANALYZE did not run the DELETE: %v rows", n)
	}
	ro := e.open(e.keys["ro"], "")
	wantCode(t, ro, `EXPLAIN ANALYZE DELETE FROM a`, pgerr.InsufficientPrivilege)
	mustRun(t, ro, `EXPLAIN SELECT * FROM a`)
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "a", 3)
	s := e.open(e.keys["admin"], "")
	mustRun(t, s, `SELECT * FROM a`)
	mustRun(t, s, `INSERT INTO a VALUES (5, 'x')`)
	mustRun(t, s, `SET application_name = 'x'`)
	wantCode(t, s, `SELECT * FROM nope`, pgerr.UndefinedTable)
	holder := e.open(e.keys["admin"], "")
	mustRun(t, holder, `BEGIN; DELETE FROM a WHERE id = 0`)
	mustRun(t, s, `SET lock_timeout = 50`)
	wantCode(t, s, `DELETE FROM a`, pgerr.LockNotAvailable)
	m := e.r.metrics
	checks := []struct {
		kind, class string
		want        float64
	}{{"read", "00", 1}, {"write", "00", 2}, {"set", "00", 2}, {"tx", "00", 1}, {"read", "42", 1}, {"write", "55", 1}}
	for _, c := range checks {
		if got := counterValue(m.statements.WithLabelValues(c.kind, c.class)); got != c.want {
			t.Errorf("statements{%s,%s} = %v, want %v", c.kind, c.class, got, c.want)
		}
	}
	if got := counterValue(m.lockTimeouts); got != 1 {
		t.Errorf("lock timeouts = %v", got)
	}
	var h dto.Metric
	m.duration.WithLabelValues("read").(prometheus.Metric).Write(&h)
	if h.GetHistogram().GetSampleCount() != 1 {
		t.Errorf("read duration samples = %d", h.GetHistogram().GetSampleCount())
	}
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	c.Write(&m)
	return m.GetCounter().GetValue()
}
