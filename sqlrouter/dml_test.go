package sqlrouter

import (
	"testing"

	"github.com/duckstore/duckstore/wire/pgerr"
)

func TestDML(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	mustRun(t, s, `CREATE TABLE "out.c-reports".t (id int PRIMARY KEY, name text NOT NULL, amount numeric(10,2) DEFAULT 0)`)
	e.apiTable("p1", "in.c-sales", "src", 5)
	steps := []struct{ sql, tag string }{
		{`INSERT INTO "out.c-reports".t (id, name) VALUES (1, 'a'), (2, 'b')`, "INSERT 0 2"},
		{`INSERT INTO "out.c-reports".t VALUES (3, 'c', 3.5)`, "INSERT 0 1"},
		{`INSERT INTO "out.c-reports".t SELECT id + 10, v, id FROM "in.c-sales".src`, "INSERT 0 5"},
		{`INSERT INTO "out.c-reports".t VALUES (1, 'a2', 1) ON CONFLICT (id) DO UPDATE SET name = excluded.name, amount = t.amount + excluded.amount`, "INSERT 0 1"},
		{`INSERT INTO "out.c-reports".t VALUES (2, 'x', 0) ON CONFLICT DO NOTHING`, "INSERT 0 0"},
		{`UPDATE "out.c-reports".t SET amount = amount * 2 WHERE id >= 10`, "UPDATE 5"},
		{`DELETE FROM "out.c-reports".t WHERE id = 14`, "DELETE 1"},
		{`MERGE INTO "out.c-reports".t AS d USING (SELECT 3 AS id, 'c3' AS name UNION ALL SELECT 4, 'd') s ON d.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)`, "MERGE 2"},
		{`SELECT * FROM "out.c-reports".t`, "SELECT 8"},
	}
	for _, st := range steps {
		mustTag(t, s, st.sql, st.tag)
	}
	rows := mustRun(t, s, `SELECT id, name, amount::text FROM "out.c-reports".t ORDER BY id`)
	want := "[1 a2 1.00][2 b 0.00][3 c3 3.50][4 d 0.00][10 v0 0.00][11 v1 2.00][12 v2 4.00][13 v3 6.00]"
	if got := fmtRows(rows); got != want {
		t.Fatalf("rows:\n got %s\nwant %s", got, want)
	}
	// RETURNING streams the changed rows; the tag counts them.
	rows, tag, err := run(t.Context(), s, `UPDATE "out.c-reports".t SET name = upper(name) WHERE id < 3 RETURNING id, name`)
	if err != nil || tag != "UPDATE 2" || len(rows) != 2 {
		t.Fatalf("RETURNING: %v %q %v", rows, tag, err)
	}
	rows, tag, err = run(t.Context(), s, `DELETE FROM "out.c-reports".t WHERE id = 4 RETURNING *`)
	if err != nil || tag != "DELETE 1" || fmtRows(rows) != "[4 D 0.00]" && fmtRows(rows) != "[4 d 0.00]" {
		t.Fatalf("DELETE RETURNING: %v %q %v", rows, tag, err)
	}
	mustTag(t, s, `TRUNCATE TABLE "out.c-reports".t`, "TRUNCATE TABLE")
	if n := one(t, s, `SELECT count(*) FROM "out.c-reports".t`); n != int64(0) {
		t.Fatalf("after TRUNCATE: %v", n)
	}
	// Constraint and conversion errors keep DuckDB's message, with the
	// client's names.
	mustRun(t, s, `INSERT INTO "out.c-reports".t (id, name) VALUES (1, 'a')`)
	pe := wantCode(t, s, `INSERT INTO "out.c-reports".t (id, name) VALUES (1, 'b')`, pgerr.UniqueViolation)
	pe2 := wantCode(t, s, `INSERT INTO "out.c-reports".t (id, name) VALUES (5, NULL)`, pgerr.NotNullViolation)
	pe3 := wantCode(t, s, `INSERT INTO "out.c-reports".t (id, name) VALUES ('x', 'b')`, pgerr.InvalidTextRepresentation)
	pe4 := wantCode(t, s, `SELECT nope FROM "out.c-reports".t`, pgerr.UndefinedColumn)
	for _, p := range []*pgerr.Error{pe, pe2, pe3, pe4} {
		assertNoAlias(t, p.Message)
	}
	// A NULL in a NOT NULL column is worded as PostgreSQL words it, by
	// UPDATE and COPY too.
	const notNull = `null value in column "name" of relation "t" violates not-null constraint`
	if pe2.Message != notNull {
		t.Errorf("INSERT of a NULL: %q, want %q", pe2.Message, notNull)
	}
	if pe := wantCode(t, s, `UPDATE "out.c-reports".t SET name = NULL`, pgerr.NotNullViolation); pe.Message != notNull {
		t.Errorf("UPDATE to NULL: %q, want %q", pe.Message, notNull)
	}
	_, err = copyIn(t, s, `COPY "out.c-reports".t (id, name) FROM STDIN (FORMAT csv)`, "7,ok\n8,\n")
	if pgerr.CodeOf(err) != pgerr.NotNullViolation || pgerr.From(err).Message != notNull {
		t.Errorf("COPY of a NULL: %v, want %q", err, notNull)
	}
	for display, rel := range map[string]string{`b.t`: "t", `"in.c-sales".t`: "t", `b."x.y"`: "x.y", `"a.b"."say ""hi"""`: `say "hi"`} {
		if got := relationOf(display); got != rel {
			t.Errorf("relationOf(%s) = %q, want %q", display, got, rel)
		}
	}
}

func TestSelectShapes(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "a", 10)
	e.apiTable("p1", "out.c-reports", "b", 5)
	s := e.open(e.keys["admin"], "")
	cases := []struct{ sql, want string }{
		{`SELECT count(*) FROM a JOIN b USING (id)`, "[5]"},
		{`SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM b ORDER BY id LIMIT 3`, "[0 0][1 1][2 3]"},
		{`SELECT id FROM a EXCEPT SELECT id FROM b ORDER BY 1 LIMIT 2`, "[5][6]"},
		{`SELECT id FROM a WHERE id IN (SELECT id + 8 FROM b) ORDER BY id`, "[8][9]"},
		{`WITH x AS (SELECT id FROM a WHERE id > 7) SELECT count(*) FROM x`, "[2]"},
		{`SELECT EXISTS (SELECT 1 FROM b WHERE id = 4)`, "[true]"},
		{`SELECT a.v, b.v FROM a LEFT JOIN b ON a.id = b.id WHERE a.id = 9`, "[v9 <nil>]"},
		// PostgreSQL's semantics where DuckDB's differ.
		{`SELECT count(*) FROM a WHERE v ~ '1'`, "[1]"},
		{`SELECT count(*) FROM a WHERE v !~* '^V[0-4]$'`, "[5]"},
		{`SELECT v FROM a WHERE id < 2 ORDER BY v COLLATE "C" DESC`, "[v1][v0]"},
		{`SELECT 3 = ANY('{1,2,3}'::int[]), '{"x y",NULL}'::text[]`, "[true [x y <nil>]]"},
		{`SELECT 7 / 2, json_build_object('k', 1)::text`, `[3 {"k":1}]`},
	}
	for _, c := range cases {
		if got := fmtRows(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
}

func TestDivisionByZeroFailsAsInPostgreSQL(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	for _, q := range []string{`SELECT 1/0`, `SELECT 1.0/0`, `SELECT 5 % 0`, `SELECT 2.5::double precision / (1 - 1)`} {
		wantCode(t, s, q, pgerr.DivisionByZero)
	}
	if got := one(t, s, `SELECT 7/2`); got != int64(3) {
		t.Errorf("7/2 = %v", got)
	}
	if got := one(t, s, `SELECT 7 % 4`); got != int64(3) {
		t.Errorf("7 %% 4 = %v", got)
	}
}
