package sqlrouter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/wire/pgerr"
)

func copyIn(t *testing.T, s *Session, sql, data string) (Result, error) {
	t.Helper()
	p := bind(t, prepare(t, s, sql))
	spec := p.Copy()
	if spec == nil || !spec.In {
		t.Fatalf("%s: copy spec %+v", sql, spec)
	}
	return p.CopyIn(context.Background(), strings.NewReader(data))
}

func TestCopyIn(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	mustRun(t, s, `CREATE TABLE "in.c-sales".t (id int PRIMARY KEY, name text, amount numeric(10,2), ok boolean, at timestamptz, raw bytea, tags int[])`)
	p := bind(t, prepare(t, s, `COPY "in.c-sales".t FROM STDIN WITH (FORMAT csv, HEADER true)`))
	spec := p.Copy()
	if spec.Format != CopyCSV || !spec.Header || spec.Delimiter != ',' || spec.Quote != '"' || len(spec.Fields) != 7 ||
		spec.Fields[2].TypeOID != engine.OIDNumeric || spec.Fields[6].TypeOID != 1007 {
		t.Fatalf("spec = %+v", spec)
	}
	data := "1,a,1.50,t,2024-01-02 03:04:05+02,\\x0102,\"{1,2}\"\n" +
		"2,\"with, comma\",,f,,,\n" +
		"3,\"\",2,true,infinity,,{}\n"
	res, err := p.CopyIn(context.Background(), strings.NewReader(data))
	if err != nil || res.Tag != "COPY 3" {
		t.Fatalf("COPY: %+v %v", res, err)
	}
	got := fmtRows(mustRun(t, s, `SELECT id, name, amount::text, ok, at::text, hex(raw), tags FROM "in.c-sales".t ORDER BY id`))
	want := "[1 a 1.50 true 2024-01-02 01:04:05+00 0102 [1 2]][2 with, comma <nil> false <nil> <nil> <nil>][3  2.00 true infinity <nil> []]"
	if got != want {
		t.Fatalf("rows\n got %s\nwant %s", got, want)
	}
	// A column list, and text format defaults.
	p = bind(t, prepare(t, s, `COPY "in.c-sales".t (name, id) FROM STDIN`))
	if spec := p.Copy(); spec.Format != CopyText || spec.Delimiter != '\t' || spec.Null != `\N` || len(spec.Fields) != 2 || spec.Fields[0].Name != "name" {
		t.Fatalf("text spec = %+v", spec)
	}
	if res, err := p.CopyIn(context.Background(), strings.NewReader("x,10\ny,11\n")); err != nil || res.Tag != "COPY 2" {
		t.Fatalf("COPY with columns: %+v %v", res, err)
	}
	// A bad value fails the whole COPY with 22P02; nothing is added.
	_, err = copyIn(t, s, `COPY "in.c-sales".t (id, name) FROM STDIN (FORMAT csv)`, "20,ok\nnot-a-number,bad\n")
	if pgerr.CodeOf(err) != pgerr.InvalidTextRepresentation {
		t.Fatalf("bad value: %v", err)
	}
	assertNoAlias(t, pgerr.From(err).Message)
	_, err = copyIn(t, s, `COPY "in.c-sales".t (id) FROM STDIN (FORMAT csv)`, "1\n")
	if pgerr.CodeOf(err) != pgerr.UniqueViolation {
		t.Fatalf("duplicate key: %v", err)
	}
	if n := one(t, s, `SELECT count(*) FROM "in.c-sales".t`); n != int64(5) {
		t.Fatalf("count after failed COPYs = %v", n)
	}
	if res, err := copyIn(t, s, `COPY "in.c-sales".t FROM STDIN`, ""); err != nil || res.Tag != "COPY 0" {
		t.Fatalf("empty COPY: %+v %v", res, err)
	}
	staging, _ := os.ReadDir(filepath.Join(e.dir, "projects", "p1", "_staging"))
	if len(staging) != 0 {
		t.Fatalf("staging not empty: %v", staging)
	}
	wantCode(t, s, `COPY "in.c-sales".t (nope) FROM STDIN`, pgerr.UndefinedColumn)
	wantCode(t, s, `COPY "in.c-sales".t FROM STDIN (FORMAT xml)`, pgerr.InvalidParameterValue)
	// In a transaction block, COPY is the block's write.
	mustRun(t, s, `BEGIN`)
	if _, err := copyIn(t, s, `COPY "in.c-sales".t (id) FROM STDIN (FORMAT csv)`, "30\n31\n"); err != nil {
		t.Fatal(err)
	}
	mustRun(t, s, `ROLLBACK`)
	if n := one(t, s, `SELECT count(*) FROM "in.c-sales".t`); n != int64(5) {
		t.Fatalf("count after rolled back COPY = %v", n)
	}
}

func TestCopyOut(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "t", 3000)
	s := e.open(e.keys["admin"], "")
	ctx := context.Background()
	p := bind(t, prepare(t, s, `COPY "in.c-sales".t TO STDOUT`))
	spec := p.Copy()
	if spec == nil || spec.In || spec.Format != CopyText || len(spec.Fields) != 2 {
		t.Fatalf("spec = %+v", spec)
	}
	k := &sink{}
	res, err := p.Execute(ctx, k, 100)
	if err != nil || res.Tag != "COPY 3000" || len(k.rows) != 3000 {
		t.Fatalf("COPY TO: %+v %v %d", res, err, len(k.rows))
	}
	p = bind(t, prepare(t, s, `COPY (SELECT id * 2 AS x FROM t WHERE id < 5 ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE *)`))
	spec = p.Copy()
	if spec.Format != CopyCSV || !spec.Header || len(spec.ForceQuote) != 1 || !spec.ForceQuote[0] || spec.Fields[0].Name != "x" {
		t.Fatalf("spec = %+v", spec)
	}
	k = &sink{}
	if res, err := p.Execute(ctx, k, 0); err != nil || res.Tag != "COPY 5" || fmtRows(k.rows) != "[0][2][4][6][8]" {
		t.Fatalf("COPY query: %+v %v %v", res, err, k.rows)
	}
	p = bind(t, prepare(t, s, `COPY t (v) TO STDOUT (FORMAT binary)`))
	if spec := p.Copy(); spec.Format != CopyBinary || len(spec.Fields) != 1 {
		t.Fatalf("binary spec = %+v", spec)
	}
}

// TestCopyInSlices loads COPY data in many slices (stageSlices): the rows
// arrive whole and in order, a bad value or a duplicate key in a later
// slice names its row in the whole COPY and leaves the table unchanged,
// in a transaction block too.
func TestCopyInSlices(t *testing.T) {
	defer func(n int) { copySliceBytes = n }(copySliceBytes)
	copySliceBytes = 100
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	mustRun(t, s, `CREATE TABLE "in.c-sales".sliced (id int PRIMARY KEY, note text)`)
	var data strings.Builder
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&data, "%d,\"note %d,\nsecond line \"\"%d\"\"\"\n", i, i, i)
	}
	const sql = `COPY "in.c-sales".sliced FROM STDIN (FORMAT csv)`
	if res, err := copyIn(t, s, sql, data.String()); err != nil || res.Tag != "COPY 300" {
		t.Fatalf("COPY: %+v %v", res, err)
	}
	rows := mustRun(t, s, `SELECT count(*), min(id), max(id), max(note) FILTER (WHERE id = 257) FROM "in.c-sales".sliced`)
	if got := fmtRows(rows); got != `[300 1 300 note 257,
second line "257"]` {
		t.Fatalf("rows after the sliced COPY: %s", got)
	}
	// Row 250 of the next COPY is bad: the error counts rows across slices.
	var bad strings.Builder
	for i := 301; i <= 400; i++ {
		fmt.Fprintf(&bad, "%d,\"n\"\n", i)
	}
	bad.WriteString("nope,\"n\"\n")
	_, err := copyIn(t, s, sql, bad.String())
	if pgerr.CodeOf(err) != pgerr.InvalidTextRepresentation || !strings.Contains(pgerr.From(err).Message, "row 101,") {
		t.Errorf("bad value in a later slice: %v (%s), want 22P02 naming row 101", err, pgerr.CodeOf(err))
	}
	// A key repeated from an earlier COPY, far into this one.
	dup := strings.ReplaceAll(bad.String(), "nope,", "7,")
	if _, err := copyIn(t, s, sql, dup); pgerr.CodeOf(err) != pgerr.UniqueViolation {
		t.Errorf("duplicate key in a later slice: %v, want 23505", err)
	}
	mustRun(t, s, `BEGIN`)
	if _, err := copyIn(t, s, sql, dup); pgerr.CodeOf(err) != pgerr.UniqueViolation {
		t.Errorf("duplicate key in a later slice in a transaction: %v, want 23505", err)
	}
	mustRun(t, s, `ROLLBACK`)
	if n := one(t, s, `SELECT count(*) FROM "in.c-sales".sliced`); n != int64(300) {
		t.Fatalf("rows after the failed COPYs = %v, want 300", n)
	}
	staging, _ := os.ReadDir(filepath.Join(e.dir, "projects", "p1", "_staging"))
	if len(staging) != 0 {
		t.Fatalf("staging not empty: %v", staging)
	}
}
