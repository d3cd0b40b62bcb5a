package sqlrouter

import (
	"context"
	"fmt"
	"testing"

	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// prepare is the extended protocol's Parse: one statement.
func prepare(t *testing.T, s *Session, sql string, oids ...uint32) Stmt {
	t.Helper()
	stmts, err := s.Prepare(context.Background(), sql, oids)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if len(stmts) != 1 {
		t.Fatalf("%s: %d statements", sql, len(stmts))
	}
	t.Cleanup(func() { stmts[0].Close() })
	return stmts[0]
}

func bind(t *testing.T, st Stmt, args ...any) Portal {
	t.Helper()
	p, err := st.Bind(context.Background(), args)
	if err != nil {
		t.Fatalf("%s: bind: %v", st.SQL(), err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPortalSuspension(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "big", 5000)
	s := e.open(e.keys["admin"], "")
	ctx := context.Background()
	p := bind(t, prepare(t, s, `SELECT id FROM big ORDER BY id`))
	var got []int64
	for i := 0; ; i++ {
		k := &sink{}
		res, err := p.Execute(ctx, k, 1024)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range k.rows {
			got = append(got, r[0].(int64))
		}
		if !res.Suspended {
			// As PostgreSQL: the tag counts the rows of this Execute.
			if res.Tag != "SELECT 904" || len(k.rows) != 904 {
				t.Fatalf("last Execute: %q with %d rows", res.Tag, len(k.rows))
			}
			break
		}
		if len(k.rows) != 1024 {
			t.Fatalf("Execute %d sent %d rows", i, len(k.rows))
		}
	}
	if len(got) != 5000 {
		t.Fatalf("%d rows", len(got))
	}
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("row %d = %d", i, v)
		}
	}
	// Exactly maxRows left: suspended, then an empty completion.
	p2 := bind(t, prepare(t, s, `SELECT * FROM generate_series(1, 10)`))
	k := &sink{}
	if res, err := p2.Execute(ctx, k, 10); err != nil || !res.Suspended || len(k.rows) != 10 {
		t.Fatalf("first: %+v %v %d", res, err, len(k.rows))
	}
	if res, err := p2.Execute(ctx, &sink{}, 10); err != nil || res.Suspended || res.Tag != "SELECT 0" {
		t.Fatalf("second: %+v %v", res, err)
	}
}

func TestDescribeWithoutRunning(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "t", 3)
	s := e.open(e.keys["admin"], "")
	st := prepare(t, s, `INSERT INTO t (id, v) VALUES ($1, $2) RETURNING id, v, 1.5::numeric(10,2) AS amount`)
	if oids := st.ParamOIDs(); len(oids) != 2 || oids[0] != engine.OIDInt8 || oids[1] != engine.OIDText {
		t.Fatalf("param oids = %v", oids)
	}
	f := st.Fields()
	if len(f) != 3 || f[0].Name != "id" || f[0].TypeOID != engine.OIDInt8 || f[2].TypeOID != engine.OIDNumeric || f[2].TypeMod != (10<<16|2)+4 {
		t.Fatalf("fields = %+v", f)
	}
	if n := one(t, s, `SELECT count(*) FROM t`); n != int64(3) {
		t.Fatal("Parse ran the INSERT")
	}
	// Declared types win; undecidable ones are text.
	st = prepare(t, s, `SELECT $1, $2`, engine.OIDInt4)
	if oids := st.ParamOIDs(); len(oids) != 2 || oids[0] != engine.OIDInt4 || oids[1] != engine.OIDText {
		t.Fatalf("param oids = %v", oids)
	}
	// Statements without rows describe as NoData.
	if f := prepare(t, s, `DELETE FROM t WHERE id = $1`).Fields(); f != nil {
		t.Fatalf("DELETE fields = %+v", f)
	}
	if f := prepare(t, s, `SHOW TimeZone`).Fields(); len(f) != 1 || f[0].Name != "TimeZone" {
		t.Fatalf("SHOW fields = %+v", f)
	}
	// Binding text and binary-decoded values.
	ctx := context.Background()
	ins := prepare(t, s, `INSERT INTO t VALUES ($1, $2)`)
	for _, args := range [][]any{{"10", "ten"}, {int64(11), "eleven"}, {int32(12), nil}} {
		p := bind(t, ins, args...)
		if res, err := p.Execute(ctx, &sink{}, 0); err != nil || res.Tag != "INSERT 0 1" {
			t.Fatalf("%v: %+v %v", args, res, err)
		}
	}
	sel := prepare(t, s, `SELECT v FROM t WHERE id = $1`)
	k := &sink{}
	if _, err := bind(t, sel, "11").Execute(ctx, k, 0); err != nil || fmtRows(k.rows) != "[eleven]" {
		t.Fatalf("select by text param: %v %v", k.rows, err)
	}
	// DuckDB casts text parameters when the statement runs.
	if _, err := bind(t, sel, "x").Execute(ctx, &sink{}, 0); pgerr.CodeOf(err) != pgerr.InvalidTextRepresentation {
		t.Fatalf("bad text param: %v", err)
	}
}

func TestPreparedStatementFollowsTheCatalog(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "t", 3)
	s := e.open(e.keys["admin"], "")
	other := e.open(e.keys["admin"], "")
	ctx := context.Background()
	count := prepare(t, s, `SELECT count(*) FROM t`)
	run1 := func() any {
		k := &sink{}
		if _, err := bind(t, count).Execute(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
		return k.rows[0][0]
	}
	if run1() != int64(3) {
		t.Fatal("first run")
	}
	// Another session replaces the table: the plan follows.
	mustRun(t, other, `DROP TABLE t; CREATE TABLE "in.c-sales".t AS SELECT * FROM range(7) r(id)`)
	if n := run1(); n != int64(7) {
		t.Fatalf("after replace: %v", n)
	}
	// A described statement whose columns change fails like PostgreSQL.
	star := prepare(t, s, `SELECT * FROM t`)
	star.Fields()
	mustRun(t, other, `ALTER TABLE t ADD COLUMN extra int`)
	if _, err := star.Bind(ctx, nil); pgerr.CodeOf(err) != pgerr.FeatureNotSupported {
		t.Fatalf("changed result type: %v", err)
	}
}

func TestInterleavedPortals(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	ctx := context.Background()
	a := bind(t, prepare(t, s, `SELECT * FROM range(10000)`))
	if res, err := a.Execute(ctx, &sink{}, 10); err != nil || !res.Suspended {
		t.Fatalf("a: %+v %v", res, err)
	}
	// Another statement runs; the suspended portal cannot go on, and says so.
	if n := one(t, s, `SELECT 42`); n != int32(42) && n != int64(42) {
		t.Fatalf("b = %v", n)
	}
	if _, err := a.Execute(ctx, &sink{}, 10); pgerr.CodeOf(err) != pgerr.FeatureNotSupported {
		t.Fatalf("a after b: %v", err)
	}
}

func TestFieldAttribution(t *testing.T) {
	e := newEnv(t)
	a := e.apiTable("p1", "in.c-sales", "a", 3)
	b := e.apiTable("p1", "out.c-reports", "b", 3)
	s := e.open(e.keys["admin"], "")
	oa, ob := uint32(16384+a.ID), uint32(16384+b.ID)
	cases := []struct {
		sql  string
		want [][2]uint32 // table OID, attnum per column
	}{
		{`SELECT * FROM a`, [][2]uint32{{oa, 1}, {oa, 2}}},
		{`SELECT v, id, id + 1 FROM a`, [][2]uint32{{oa, 2}, {oa, 1}, {0, 0}}},
		{`SELECT x.v, b.* FROM a x JOIN b ON x.id = b.id`, [][2]uint32{{oa, 2}, {ob, 1}, {ob, 2}}},
		{`SELECT * FROM a, b`, [][2]uint32{{oa, 1}, {oa, 2}, {ob, 1}, {ob, 2}}},
		{`SELECT id FROM (SELECT id FROM a) q`, [][2]uint32{{0, 0}}},
		{`SELECT id FROM a UNION SELECT id FROM b`, [][2]uint32{{0, 0}}},
	}
	for _, c := range cases {
		f := prepare(t, s, c.sql).Fields()
		var got [][2]uint32
		for _, x := range f {
			got = append(got, [2]uint32{x.TableOID, uint32(x.AttNum)})
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v, want %v", c.sql, got, c.want)
		}
	}
}

// psycopg2's named cursors.
func TestCursors(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "big", 5000)
	s := e.open(e.keys["admin"], "")
	wantCode(t, s, `DECLARE c CURSOR FOR SELECT 1`, pgerr.NoActiveSQLTransaction)
	mustRun(t, s, `BEGIN`)
	mustTag(t, s, `DECLARE "c" CURSOR WITHOUT HOLD FOR SELECT id FROM big ORDER BY id`, "DECLARE CURSOR")
	if f := prepare(t, s, `FETCH FORWARD 10 FROM "c"`).Fields(); len(f) != 1 || f[0].Name != "id" {
		t.Fatalf("FETCH fields = %+v", f)
	}
	var got []int64
	for _, want := range []string{"FETCH 2000", "FETCH 2000", "FETCH 1000", "FETCH 0"} {
		rows, tag, err := run(context.Background(), s, `FETCH FORWARD 2000 FROM "c"`)
		if err != nil || tag != want {
			t.Fatalf("%q %v, want %q", tag, err, want)
		}
		for _, r := range rows {
			got = append(got, r[0].(int64))
		}
	}
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("row %d = %d", i, v)
		}
	}
	if len(got) != 5000 {
		t.Fatalf("%d rows", len(got))
	}
	mustTag(t, s, `CLOSE "c"`, "CLOSE CURSOR")
	wantCode(t, s, `FETCH 1 FROM c`, pgerr.InvalidCursorName)
	mustRun(t, s, `ROLLBACK; BEGIN; DECLARE a CURSOR FOR SELECT * FROM big; DECLARE b CURSOR FOR VALUES (1)`)
	if got := fmtRows(mustRun(t, s, `FETCH ALL FROM b`)); got != "[1]" {
		t.Fatalf("FETCH ALL = %s", got)
	}
	wantCode(t, s, `DECLARE a CURSOR FOR SELECT 1`, pgerr.DuplicateCursor)
	mustRun(t, s, `ROLLBACK; BEGIN`)
	wantCode(t, s, `FETCH NEXT FROM a`, pgerr.InvalidCursorName) // closed with its transaction
	mustRun(t, s, `ROLLBACK`)
}
