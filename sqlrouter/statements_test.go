package sqlrouter

import (
	"context"
	"testing"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// TestSessionStatements runs the session statements clients and pools
// send (issue 4): each step's tag, value or SQLSTATE is PostgreSQL's.
func TestSessionStatements(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "a", 5)
	s := e.open(e.keys["admin"], "")
	type step struct {
		sql  string
		tag  string     // the last statement's tag, when set
		want string     // fmtRows of its rows, when set
		code pgerr.Code // the error, when set
	}
	for _, group := range []struct {
		name  string
		steps []step
	}{
		{"SET, SHOW and RESET", []step{
			{sql: `SET DateStyle = 'ISO, DMY'`, tag: "SET"},
			{sql: `SHOW datestyle`, want: "[ISO, DMY]"},
			{sql: `RESET DateStyle`, tag: "RESET"},
			{sql: `SHOW DateStyle`, want: "[ISO, MDY]"},
			{sql: `SET TIME ZONE 'Europe/Prague'`, tag: "SET"},
			{sql: `SHOW TimeZone`, want: "[Europe/Prague]"},
			{sql: `SET timezone TO DEFAULT; SHOW timezone`, want: "[UTC]"},
			{sql: `SET search_path TO "in.c-sales", public; SHOW search_path`, want: `["in.c-sales", public]`},
			{sql: `SELECT count(*) FROM a`, want: "[5]"},
			{sql: `RESET search_path; SHOW search_path`, want: `["$user", public]`},
			{sql: `SET application_name = 'DBeaver 24'; SHOW application_name`, want: "[DBeaver 24]"},
			{sql: `SET client_encoding = 'UTF8'; SHOW client_encoding`, want: "[UTF8]"},
			{sql: `SET client_encoding = 'LATIN1'`, code: pgerr.InvalidParameterValue},
			{sql: `SET extra_float_digits = 3; SHOW extra_float_digits`, want: "[3]"},
			{sql: `SET statement_timeout = '2s'; SHOW statement_timeout`, want: "[2s]"},
			{sql: `SET statement_timeout = 0; SHOW statement_timeout`, want: "[0]"},
			{sql: `SET standard_conforming_strings = on; SHOW standard_conforming_strings`, want: "[on]"},
			{sql: `SET standard_conforming_strings = off`, code: pgerr.InvalidParameterValue},
			{sql: `SET IntervalStyle = postgres; SHOW intervalstyle`, want: "[postgres]"},
			{sql: `RESET ALL`, tag: "RESET"},
		}},
		{"transactions", []step{
			{sql: `BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE`, tag: "BEGIN"},
			{sql: `SHOW transaction_isolation`, want: "[serializable]"},
			{sql: `SHOW transaction_read_only`, want: "[on]"},
			{sql: `DELETE FROM a`, code: pgerr.ReadOnlySQLTransaction},
			{sql: `ROLLBACK`, tag: "ROLLBACK"},
			{sql: `START TRANSACTION ISOLATION LEVEL REPEATABLE READ`, tag: "START TRANSACTION"},
			{sql: `SHOW transaction_isolation`, want: "[repeatable read]"},
			{sql: `SAVEPOINT s1`, code: pgerr.FeatureNotSupported},
			{sql: `ROLLBACK`, tag: "ROLLBACK"},
		}},
		{"cursors", []step{
			{sql: `BEGIN; DECLARE c CURSOR FOR SELECT id FROM a ORDER BY id`, tag: "DECLARE CURSOR"},
			{sql: `MOVE FORWARD 2 FROM c`, tag: "MOVE 2"},
			{sql: `FETCH NEXT FROM c`, want: "[2]"},
			{sql: `FETCH 0 FROM c`, tag: "FETCH 0"},
			{sql: `MOVE ALL FROM c`, tag: "MOVE 2"},
			{sql: `FETCH BACKWARD 1 FROM c`, code: pgerr.ObjectNotInPrerequisiteState},
			{sql: `ROLLBACK`},
			{sql: `DECLARE h CURSOR WITH HOLD FOR SELECT id FROM a ORDER BY id`, tag: "DECLARE CURSOR"},
			{sql: `BEGIN; DECLARE h2 CURSOR WITH HOLD FOR SELECT id FROM a WHERE id > 2 ORDER BY id; COMMIT`, tag: "COMMIT"},
			{sql: `BEGIN; DECLARE gone CURSOR WITH HOLD FOR SELECT 1; ROLLBACK`, tag: "ROLLBACK"},
			{sql: `FETCH 2 FROM h`, want: "[0][1]"},
			{sql: `INSERT INTO a VALUES (99, 'x')`, tag: "INSERT 0 1"},
			{sql: `FETCH ALL FROM h`, want: "[2][3][4]"},
			{sql: `FETCH ALL FROM h2`, want: "[3][4]"},
			{sql: `FETCH 1 FROM gone`, code: pgerr.InvalidCursorName},
			{sql: `CLOSE h; CLOSE h2`, tag: "CLOSE CURSOR"},
			{sql: `DELETE FROM a WHERE id = 99`, tag: "DELETE 1"},
		}},
		{"prepared statements", []step{
			{sql: `PREPARE byid (int) AS SELECT id, v FROM a WHERE id = $1`, tag: "PREPARE"},
			{sql: `EXECUTE byid(3)`, tag: "SELECT 1", want: "[3 v3]"},
			{sql: `EXECUTE byid('4')`, want: "[4 v4]"},
			{sql: `PREPARE byid AS SELECT 1`, code: "42P05"},
			{sql: `EXECUTE byid`, code: pgerr.SyntaxError},
			{sql: `PREPARE ins (bigint, text) AS INSERT INTO a VALUES ($1, $2)`, tag: "PREPARE"},
			{sql: `EXECUTE ins(7, 'seven')`, tag: "INSERT 0 1"},
			{sql: `PREPARE two AS SELECT $1::int * 2`, tag: "PREPARE"},
			{sql: `EXECUTE two(21)`, want: "[42]"},
			{sql: `DEALLOCATE PREPARE ins`, tag: "DEALLOCATE"},
			{sql: `EXECUTE ins(8, 'x')`, code: pgerr.InvalidSQLStatementName},
			{sql: `DEALLOCATE ALL`, tag: "DEALLOCATE ALL"},
			{sql: `EXECUTE byid(3)`, code: pgerr.InvalidSQLStatementName},
			{sql: `DELETE FROM a WHERE id = 7`, tag: "DELETE 1"},
		}},
		{"pools", []step{
			{sql: `SET application_name = 'pooled'; PREPARE p AS SELECT 1; BEGIN; DECLARE c CURSOR WITH HOLD FOR SELECT 1; COMMIT`},
			{sql: `DISCARD ALL`, tag: "DISCARD ALL"},
			{sql: `SHOW application_name`, want: "[]"},
			{sql: `EXECUTE p`, code: pgerr.InvalidSQLStatementName},
			{sql: `FETCH 1 FROM c`, code: pgerr.InvalidCursorName},
			{sql: `LISTEN jobs`, tag: "LISTEN"},
			{sql: `UNLISTEN *`, tag: "UNLISTEN"},
		}},
	} {
		group := group
		t.Run(group.name, func(t *testing.T) {
			for _, st := range group.steps {
				rows, tag, err := run(context.Background(), s, st.sql)
				switch {
				case st.code != "":
					if pgerr.CodeOf(err) != st.code {
						t.Fatalf("%s: %v, want %s", st.sql, err, st.code)
					}
					run(context.Background(), s, "ROLLBACK")
					continue
				case err != nil:
					t.Fatalf("%s: %v", st.sql, err)
				case st.tag != "" && tag != st.tag:
					t.Errorf("%s: tag %q, want %q", st.sql, tag, st.tag)
				case st.want != "" && fmtRows(rows) != st.want:
					t.Errorf("%s: %s, want %s", st.sql, fmtRows(rows), st.want)
				}
			}
		})
	}
	rows := mustRun(t, s, `SHOW ALL`)
	found := false
	for _, r := range rows {
		found = found || r[0] == "TimeZone" && r[1] == "UTC"
	}
	if len(rows) < 30 || len(rows[0]) != 3 || !found {
		t.Errorf("SHOW ALL = %d rows: %v", len(rows), rows)
	}
}

// TestArrowSafeColumns: UHUGEINT and TIMETZ results are cast before
// DuckDB's Arrow export, which would turn 2^127 and more negative and drop
// a TIMETZ's offset (e2e's TestDuckDBTypes reads them over the wire).
func TestArrowSafeColumns(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	f := prepare(t, s, `SELECT CAST(1 AS UHUGEINT) AS u, CAST('12:34:56+02' AS TIMETZ) AS tz, 1 AS u`).Fields()
	if len(f) != 3 || f[0].TypeOID != 1700 || f[1].TypeOID != 25 || f[2].TypeOID != 23 || f[2].Name != "u" {
		t.Fatalf("fields = %+v", f)
	}
	if got := one(t, s, `SELECT CAST('12:34:56+02' AS TIMETZ)`); got != "12:34:56+02" {
		t.Fatalf("TIMETZ = %v", got)
	}
}

func TestPGArrayText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{1,2,NULL}`, `[1,2,NULL]`},
		{` {"a b","x,y","q\"t}",NULL} `, `["a b","x,y","q\"t}",NULL]`},
		{`{{1,2},{3,4}}`, `[[1,2],[3,4]]`},
		{`{}`, `[]`},
		{`[1:2]={1,2}`, ``},
		{`{1,2`, ``},
		{`{1}{2}`, ``},
		{`plain`, ``},
	} {
		got, ok := pgArrayText(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("pgArrayText(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "a", 5)
	s := e.open(e.keys["admin"], "")
	ctx := context.Background()
	st := prepare(t, s, `SELECT count(*) FROM a WHERE id = ANY($1)`)
	if oids := st.ParamOIDs(); len(oids) != 1 || oids[0] != 1016 {
		t.Fatalf("= ANY($1) described as %v", oids)
	}
	p, err := st.Bind(ctx, []any{"{1,3,99}"})
	if err != nil {
		t.Fatal(err)
	}
	k := &sink{}
	if _, err := p.Execute(ctx, k, 0); err != nil || fmtRows(k.rows) != "[2]" {
		t.Fatalf("= ANY('{1,3,99}') = %v, %v", k.rows, err)
	}
}
