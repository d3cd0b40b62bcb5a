package load

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

// fixture is one project with its instance, in a temporary data folder.
type fixture struct {
	t   testing.TB
	e   *engine.Engine
	cat *catalog.DuckStore
	in  *engine.Instance
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := catalog.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(ctx, engine.Config{DataDir: dir, Threads: 2, MemoryLimit: "512MB"}, cat)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := cat.CreateProject(ctx, &catalog.Project{ID: "p", Name: "p", CreatedAt: now, UpdatedAt: now, ScramSalt: []byte("s"), ScramIterations: 4096}); err != nil {
		t.Fatal(err)
	}
	in, err := e.Instance(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(); cat.Close() })
	return &fixture{t: t, e: e, cat: cat, in: in}
}

// table creates bucket b, table name with the columns ("name TYPE", a
// trailing " NOT NULL" allowed) and primary key, holding rows (SQL
// VALUES text, "" for none).
func (f *fixture) table(name string, cols []string, pk []string, values string) *catalog.Table {
	f.t.Helper()
	ctx := context.Background()
	path, err := f.in.TablePath(catalog.MainBranch, "b", name)
	if err != nil {
		f.t.Fatal(err)
	}
	var cc []catalog.Column
	for _, c := range cols {
		parts := strings.SplitN(c, " ", 2)
		typ, notNull := strings.CutSuffix(parts[1], " NOT NULL")
		cc = append(cc, catalog.Column{Name: parts[0], Type: typ, Nullable: !notNull && !slices.Contains(pk, parts[0])})
	}
	tb := &catalog.Table{ProjectID: "p", BranchID: catalog.MainBranch, Bucket: "b", Name: name, Path: path}
	err = f.in.CreateTable(ctx, tb, func(ctx context.Context, c *duck.Conn, alias string) error {
		if _, err := c.Exec(ctx, engine.CreateTableSQL(alias, cc, pk)); err != nil {
			return err
		}
		if values == "" {
			return nil
		}
		_, err := c.Exec(ctx, "INSERT INTO "+alias+".data VALUES "+values)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return tb
}

// file writes content under the project's files folder and returns its
// absolute path.
func (f *fixture) file(name, content string) string {
	f.t.Helper()
	p := filepath.Join(f.in.Dir(), "files", "t", name)
	os.MkdirAll(filepath.Dir(p), 0o750)
	if strings.HasSuffix(name, ".gz") {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(content))
		zw.Close()
		content = b.String()
	}
	if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// rows returns the table's rows ordered by every column, each value
// formatted with %v.
func (f *fixture) rows(tb *catalog.Table) [][]string {
	f.t.Helper()
	ctx := context.Background()
	cur, err := f.cat.TableByID(ctx, tb.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	alias, release, err := f.in.Pin(ctx, cur)
	if err != nil {
		f.t.Fatal(err)
	}
	defer release()
	conn, _ := f.in.Conn()
	defer conn.Close()
	rows, err := conn.Query(ctx, "SELECT * FROM "+alias+".data ORDER BY ALL")
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		rec := rows.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			var r []string
			for _, v := range rowValues(rec, i) {
				r = append(r, fmt.Sprint(v))
			}
			out = append(out, r)
		}
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// load runs File under the table's write lock.
func (f *fixture) load(tb *catalog.Table, src Source, opts Options) (*Result, error) {
	ctx := context.Background()
	cur, unlock, err := f.e.TableForWrite(ctx, "p", catalog.MainBranch, tb.Bucket, tb.Name, f)
	if err != nil {
		f.t.Fatal(err)
	}
	defer unlock()
	return File(ctx, f.in, cur, src, opts)
}

func csvSrc(header bool, paths ...string) Source {
	return Source{Format: CSV, Paths: paths, CSV: CSVOptions{Header: header, QuotedNulls: true}}
}

func wantRows(t *testing.T, got [][]string, want ...string) {
	t.Helper()
	var g []string
	for _, r := range got {
		g = append(g, strings.Join(r, "|"))
	}
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(g, want) {
		t.Fatalf("rows:\n got  %q\n want %q", g, want)
	}
}

func loadErr(t *testing.T, err error, kind string) *Error {
	t.Helper()
	var le *Error
	if !errors.As(err, &le) || le.Kind != kind {
		t.Fatalf("error = %v (%T); want kind %s", err, err, kind)
	}
	return le
}

func TestCSVColumnsMatchedByHeaderNameWithQuotingAndUnicode(t *testing.T) {
	f := newFixture(t)
	tb := f.table("t", []string{"id BIGINT", "name VARCHAR", "amount DECIMAL(10,2)"}, nil, "(9, 'old', 1)")
	path := f.file("a.csv", "amount,id,name\n"+
		"1.50,1,\"comma, inside\"\n"+
		"2,2,\"line\nbreak\"\n"+
		"3.25,3,\"say \"\"hi\"\"\"\n"+
		",4,příliš žluťoučký 🐴\n"+
		"5,5,\"\"\n")
	res, err := f.load(tb, csvSrc(true, path), Options{Mode: Full})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImportedRows != 5 || res.TableRows != 5 || res.Bytes == 0 {
		t.Fatalf("result = %+v", res)
	}
	wantRows(t, f.rows(tb),
		"1|comma, inside|1.50", "2|line\nbreak|2.00", `3|say "hi"|3.25`, "4|příliš žluťoučký 🐴|<nil>", "5|<nil>|5.00")
}

func TestCSVDialects(t *testing.T) {
	cases := []struct {
		name    string
		content string
		opts    CSVOptions
		want    []string
	}{
		{"semicolon", "id;v\n1;a,b\n", CSVOptions{Header: true, Delimiter: ";"}, []string{"1|a,b"}},
		{"tab as \\t", "id\tv\n1\tx y\n", CSVOptions{Header: true, Delimiter: `\t`}, []string{"1|x y"}},
		{"backslash escape", "id,v\n1,\"a \\\"q\\\" b\"\n", CSVOptions{Header: true, Escape: `\`}, []string{`1|a "q" b`}},
		{"no enclosure", "id,v\n1,\"x\n", CSVOptions{Header: true, Quote: NoQuote}, []string{`1|"x`}},
		{"null markers", "id,v\n1,NULL\n2,\\N\n3,\n4,\"\"\n", CSVOptions{Header: true, NullValues: []string{"NULL", `\N`}},
			[]string{"1|<nil>", "2|<nil>", "3|", "4|"}},
		{"quoted empty is a string (PostgreSQL)", "id,v\n1,\n2,\"\"\n", CSVOptions{Header: true}, []string{"1|<nil>", "2|"}},
		{"quoted empty is NULL (Keboola)", "id,v\n1,\n2,\"\"\n", CSVOptions{Header: true, QuotedNulls: true}, []string{"1|<nil>", "2|<nil>"}},
		{"without header, columns given", "x,2\ny,1\n", CSVOptions{Columns: []string{"v", "id"}}, []string{"1|y", "2|x"}},
		{"without header, table order", "1,x\n", CSVOptions{}, []string{"1|x"}},
		{"skipped lines", "junk\nmore junk\nid,v\n1,x\n", CSVOptions{Header: true, SkipLines: 2}, []string{"1|x"}},
		{"CRLF and BOM", "\xef\xbb\xbfid,v\r\n1,x\r\n", CSVOptions{Header: true}, []string{"1|x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tb := f.table("t", []string{"id INTEGER", "v VARCHAR"}, nil, "")
			_, err := f.load(tb, Source{Format: CSV, Paths: []string{f.file("a.csv", tc.content)}, CSV: tc.opts}, Options{Mode: Full})
			if err != nil {
				t.Fatal(err)
			}
			wantRows(t, f.rows(tb), tc.want...)
		})
	}
}

func TestGzipAndSlicedFilesLoadAsOne(t *testing.T) {
	f := newFixture(t)
	tb := f.table("t", []string{"id INTEGER", "v VARCHAR"}, nil, "")
	a := f.file("part1.csv.gz", "v,id\na,1\nb,2\n")
	b := f.file("part2.csv.gz", "v,id\nc,3\n")
	res, err := f.load(tb, csvSrc(true, a, b), Options{Mode: Full})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImportedRows != 3 {
		t.Fatalf("imported %d", res.ImportedRows)
	}
	wantRows(t, f.rows(tb), "1|a", "2|b", "3|c")

	// Keboola's sliced files have no header: the columns are given.
	s1 := f.file("s1", "4,d\n")
	s2 := f.file("s2", "5,e\n")
	src := Source{Format: CSV, Paths: []string{s1, s2}, CSV: CSVOptions{Columns: []string{"id", "v"}}}
	if _, err := f.load(tb, src, Options{Mode: Incremental}); err != nil {
		t.Fatal(err)
	}
	wantRows(t, f.rows(tb), "1|a", "2|b", "3|c", "4|d", "5|e")

	// Slices must agree on their header and compression.
	c := f.file("part3.csv", "v,id\nx,9\n")
	_, err = f.load(tb, csvSrc(true, a, c), Options{Mode: Full})
	loadErr(t, err, KindUnreadable)
	d := f.file("part4.csv.gz", "id,v\n9,x\n")
	_, err = f.load(tb, csvSrc(true, a, d), Options{Mode: Full})
	loadErr(t, err, KindInvalidHeader)
}

func TestHeaderMismatchListsUnknownAndMissingColumns(t *testing.T) {
	f := newFixture(t)
	tb := f.table("t", []string{"id INTEGER", "name VARCHAR", "city VARCHAR"}, nil, "(1, 'a', 'b')")
	_, err := f.load(tb, csvSrc(true, f.file("a.csv", "id,nmae,town,city\n1,x,y,z\n")), Options{Mode: Full})
	le := loadErr(t, err, KindColumnMismatch)
	if !reflect.DeepEqual(le.Details["missing"], []string{"name"}) || !reflect.DeepEqual(le.Details["unknown"], []string{"nmae", "town"}) {
		t.Fatalf("details = %v", le.Details)
	}
	if !strings.Contains(le.Error(), `missing columns "name"`) || !strings.Contains(le.Error(), `"nmae", "town"`) {
		t.Fatalf("message = %s", le.Error())
	}
	_, err = f.load(tb, csvSrc(true, f.file("b.csv", "id,id,name,city\n1,1,x,y\n")), Options{Mode: Full})
	loadErr(t, err, KindInvalidHeader)
	wantRows(t, f.rows(tb), "1|a|b")

	// A subset of columns: the others get their defaults; extra file
	// columns are ignored.
	if _, err := f.load(tb, csvSrc(true, f.file("c.csv", "extra,id,city\nq,2,Brno\n")), Options{Mode: Incremental, Columns: []string{"id", "city"}}); err != nil {
		t.Fatal(err)
	}
	wantRows(t, f.rows(tb), "1|a|b", "2|<nil>|Brno")
}

func TestBadValuesNameRowColumnAndValueAndLeaveTheTable(t *testing.T) {
	f := newFixture(t)
	tb := f.table("t", []string{"id INTEGER", "n INTEGER", "d DATE"}, nil, "(1, 1, '2024-01-01')")
	content := "id,n,d\n2,2,2024-01-02\n3,\"multi\nline\",2024-01-03\n"
	for _, mode := range []Mode{Full, Incremental} {
		_, err := f.load(tb, csvSrc(true, f.file("a.csv", "id,n,d\n2,2,2024-01-02\n3,3,2024-13-45\n")), Options{Mode: mode})
		le := loadErr(t, err, KindInvalidValue)
		if le.Details["row"] != int64(2) || le.Details["column"] != "d" || le.Details["value"] != "2024-13-45" || le.Details["file"] != "a.csv" {
			t.Fatalf("details = %v", le.Details)
		}
		if !strings.Contains(le.Error(), `row 2`) || !strings.Contains(le.Error(), `column "d"`) || !strings.Contains(le.Error(), `"2024-13-45"`) {
			t.Fatalf("message = %s", le.Error())
		}
		_, err = f.load(tb, csvSrc(true, f.file("b.csv", content)), Options{Mode: mode})
		le = loadErr(t, err, KindInvalidValue)
		if le.Details["value"] != "multi\nline" || le.Details["column"] != "n" {
			t.Fatalf("details = %v", le.Details)
		}
		_, err = f.load(tb, csvSrc(true, f.file("c.csv", "id,n,d\n2,2,2024-01-02,extra\n")), Options{Mode: mode})
		le = loadErr(t, err, KindInvalidValue)
		if le.Details["error_type"] != "TOO MANY COLUMNS" || le.Details["row"] != int64(1) {
			t.Fatalf("details = %v", le.Details)
		}
		wantRows(t, f.rows(tb), "1|1|2024-01-01")
	}
}

func TestDedupModes(t *testing.T) {
	input := "id,v\n1,first\n2,b\n1,last\n"
	cases := []struct {
		name     string
		pk       []string
		mode     Mode
		dedup    Dedup
		wantKind string
		want     []string
		dups     int64
	}{
		{"full, pk: last of a key wins", []string{"id"}, Full, UpdateDuplicates, "", []string{"1|last", "2|b"}, 1},
		{"incremental upsert", []string{"id"}, Incremental, UpdateDuplicates, "", []string{"1|last", "2|b", "3|old"}, 1},
		{"insert_duplicates refused with a pk", []string{"id"}, Incremental, InsertDuplicates, KindInvalidOption, []string{"1|old", "3|old"}, 0},
		{"fail on duplicates", []string{"id"}, Incremental, FailOnDuplicates, KindDuplicateKey, []string{"1|old", "3|old"}, 0},
		{"full fails on duplicates in the file", []string{"id"}, Full, FailOnDuplicates, KindDuplicateKey, []string{"1|old", "3|old"}, 0},
		{"no pk: incremental appends all", nil, Incremental, InsertDuplicates, "", []string{"1|first", "1|last", "1|old", "2|b", "3|old"}, 0},
		{"no pk: full keeps all", nil, Full, UpdateDuplicates, "", []string{"1|first", "1|last", "2|b"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tb := f.table("t", []string{"id INTEGER", "v VARCHAR"}, tc.pk, "(1, 'old'), (3, 'old')")
			res, err := f.load(tb, csvSrc(true, f.file("a.csv", input)), Options{Mode: tc.mode, Dedup: tc.dedup})
			if tc.wantKind != "" {
				loadErr(t, err, tc.wantKind)
			} else if err != nil {
				t.Fatal(err)
			} else if res.Duplicates != tc.dups || (tc.dups > 0) != (len(res.Warnings) > 0) {
				t.Fatalf("result = %+v", res)
			}
			wantRows(t, f.rows(tb), tc.want...)
		})
	}
	t.Run("fail on a key already in the table", func(t *testing.T) {
		f := newFixture(t)
		tb := f.table("t", []string{"id INTEGER", "v VARCHAR"}, []string{"id"}, "(1, 'old')")
		_, err := f.load(tb, csvSrc(true, f.file("a.csv", "id,v\n2,new\n1,new\n")), Options{Mode: Incremental, Dedup: FailOnDuplicates})
		loadErr(t, err, KindDuplicateKey)
		wantRows(t, f.rows(tb), "1|old")
	})
}

// exportParquet writes the table's rows to a Parquet file in the project.
func (f *fixture) exportParquet(tb *catalog.Table, name string) string {
	f.t.Helper()
	ctx := context.Background()
	alias, release, err := f.in.Pin(ctx, tb)
	if err != nil {
		f.t.Fatal(err)
	}
	defer release()
	conn, _ := f.in.Conn()
	defer conn.Close()
	p := filepath.Join(f.in.Dir(), "files", "t", name)
	os.MkdirAll(filepath.Dir(p), 0o750)
	if _, err := conn.Exec(ctx, "COPY "+alias+".data TO "+duck.QuoteString(p)+" (FORMAT parquet)"); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func TestParquet(t *testing.T) {
	f := newFixture(t)
	src := f.table("src", []string{"id BIGINT", "ts TIMESTAMP", "amount DECIMAL(12,3)", "tags VARCHAR[]", "note VARCHAR"}, nil,
		"(1, '2024-05-01 10:00:00.123456', 12.5, ['a','b'], 'ř'), (2, NULL, -0.001, [], NULL)")
	path := f.exportParquet(src, "src.parquet")
	dst := f.table("dst", []string{"note VARCHAR", "id BIGINT", "ts TIMESTAMP", "amount DECIMAL(12,3)", "tags VARCHAR[]"}, []string{"id"}, "")
	res, err := f.load(dst, Source{Format: Parquet, Paths: []string{path}}, Options{Mode: Full})
	if err != nil || res.ImportedRows != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	wantRows(t, f.rows(dst), "ř|1|2024-05-01T10:00:00.123456|12.500|[a b]", "<nil>|2|<nil>|-0.001|[]")

	// A value that does not fit is named with its row.
	narrow := f.table("narrow", []string{"id BIGINT", "ts TIMESTAMP", "amount DECIMAL(12,3)", "tags VARCHAR[]", "note INTEGER"}, nil, "")
	_, err = f.load(narrow, Source{Format: Parquet, Paths: []string{path}}, Options{Mode: Full})
	le := loadErr(t, err, KindInvalidValue)
	if le.Details["row"] != int64(1) || le.Details["column"] != "note" || le.Details["value"] != "ř" {
		t.Fatalf("details = %v", le.Details)
	}
}

func TestTableToTableWithMappingAndFromItself(t *testing.T) {
	f := newFixture(t)
	src := f.table("src", []string{"key INTEGER", "label VARCHAR"}, nil, "(1, 'a'), (2, 'b')")
	dst := f.table("dst", []string{"id BIGINT", "label VARCHAR"}, []string{"id"}, "(2, 'old'), (5, 'old')")
	ctx := context.Background()
	cur, unlock, err := f.e.TableForWrite(ctx, "p", catalog.MainBranch, "b", "dst", f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Table(ctx, f.in, cur, TableRelation(f.in, src), []ColumnMap{{Source: "key", Destination: "id"}}, Options{Mode: Incremental})
	unlock()
	if err != nil || res.ImportedRows != 2 || res.TableRows != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	wantRows(t, f.rows(dst), "1|a", "2|b", "5|old")

	// A full load of a table from itself swaps in a copy.
	cur, unlock, _ = f.e.TableForWrite(ctx, "p", catalog.MainBranch, "b", "dst", f)
	res, err = Table(ctx, f.in, cur, TableRelation(f.in, cur), nil, Options{Mode: Full})
	unlock()
	if err != nil || res.TableRows != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	wantRows(t, f.rows(dst), "1|a", "2|b", "5|old")

	cur, unlock, _ = f.e.TableForWrite(ctx, "p", catalog.MainBranch, "b", "dst", f)
	_, err = Table(ctx, f.in, cur, TableRelation(f.in, src), nil, Options{Mode: Full})
	unlock()
	le := loadErr(t, err, KindColumnMismatch)
	if !reflect.DeepEqual(le.Details["missing"], []string{"id"}) || !reflect.DeepEqual(le.Details["unknown"], []string{"key"}) {
		t.Fatalf("details = %v", le.Details)
	}
}

func TestAppendRunsInTheCallersTransaction(t *testing.T) {
	f := newFixture(t)
	tb := f.table("t", []string{"id INTEGER", "v VARCHAR"}, []string{"id"}, "(1, 'old')")
	ctx := context.Background()
	cur, unlock, err := f.e.TableForWrite(ctx, "p", catalog.MainBranch, "b", "t", f)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	alias, release, _ := f.in.Pin(ctx, cur)
	defer release()
	conn, _ := f.in.Conn()
	defer conn.Close()
	conn.Exec(ctx, "BEGIN")
	spool := f.file("copy.csv", "2,\"a,b\"\n3,\n4,\"\"\n")
	res, err := Append(ctx, f.in, conn, alias, cur, Source{Format: CSV, Paths: []string{spool}, CSV: CanonicalCSV(nil)}, Options{Dedup: FailOnDuplicates})
	if err != nil || res.ImportedRows != 3 || res.TableRows != 4 {
		t.Fatalf("%+v %v", res, err)
	}
	conn.Exec(ctx, "ROLLBACK")
	wantRows(t, f.rows(tb), "1|old")

	_, err = Append(ctx, f.in, conn, alias, cur, Source{Format: CSV, Paths: []string{spool}, CSV: CanonicalCSV(nil)}, Options{Dedup: FailOnDuplicates})
	if err != nil {
		t.Fatal(err)
	}
	wantRows(t, f.rows(tb), "1|old", "2|a,b", "3|<nil>", "4|")
	_, err = Append(ctx, f.in, conn, alias, cur, Source{Format: CSV, Paths: []string{f.file("bad.csv", "9,x\nz,y\n")}, CSV: CanonicalCSV(nil)}, Options{Dedup: FailOnDuplicates})
	le := loadErr(t, err, KindInvalidValue)
	if le.Details["row"] != int64(2) || le.Details["value"] != "z" || le.SQLState() != "22P02" {
		t.Fatalf("details = %v %s", le.Details, le.SQLState())
	}
	_, err = Append(ctx, f.in, conn, alias, cur, Source{Format: CSV, Paths: []string{spool}, CSV: CanonicalCSV(nil)}, Options{Dedup: FailOnDuplicates})
	if le := loadErr(t, err, KindDuplicateKey); le.SQLState() != "23505" {
		t.Fatalf("sqlstate %s", le.SQLState())
	}
}

func TestProgressIsReported(t *testing.T) {
	f := newFixture(t)
	tb := f.table("t", []string{"id BIGINT", "v VARCHAR"}, nil, "")
	var b strings.Builder
	b.WriteString("id,v\n")
	for i := range 400_000 {
		fmt.Fprintf(&b, "%d,value number %d\n", i, i)
	}
	path := f.file("big.csv", b.String())
	var last Progress
	res, err := f.load(tb, csvSrc(true, path), Options{Mode: Full, Progress: func(p Progress) { last = p }})
	if err != nil || res.TableRows != 400_000 {
		t.Fatalf("%+v %v", res, err)
	}
	// A fast machine may finish before the first report.
	if last.Percent > 0 && (last.Bytes <= 0 || last.Rows <= 0 || last.Percent > 100 || last.Bytes > res.Bytes) {
		t.Fatalf("progress %+v of a %d byte load", last, res.Bytes)
	}
	t.Logf("last progress %+v after %v", last, res.Duration)
}

// copyText converts PostgreSQL's text forms the way COPY FROM STDIN's
// caller does: bytea as \x hex, arrays as {a,b}.
func copyText(c catalog.Column, field string) string {
	switch {
	case c.Type == "BLOB":
		return "CASE WHEN starts_with(" + field + `, '\x') THEN unhex(substr(` + field + ", 3)) ELSE CAST(" + field + " AS BLOB) END"
	case strings.HasSuffix(c.Type, "[]"):
		return "CAST('[' || substr(" + field + ", 2, length(" + field + ") - 2) || ']' AS " + c.Type + ")"
	}
	return "CAST(" + field + " AS " + c.Type + ")"
}

func TestAppendWithTextInputAsCOPYDoes(t *testing.T) {
	f := newFixture(t)
	tb := f.table("t", []string{"id INTEGER", "raw BLOB", "tags INTEGER[]"}, []string{"id"}, "")
	ctx := context.Background()
	cur, unlock, _ := f.e.TableForWrite(ctx, "p", catalog.MainBranch, "b", "t", f)
	defer unlock()
	alias, release, _ := f.in.Pin(ctx, cur)
	defer release()
	conn, _ := f.in.Conn()
	defer conn.Close()
	opts := Options{Dedup: FailOnDuplicates, TextInput: copyText}
	src := func(content string, cols []string) Source {
		return Source{Format: CSV, Paths: []string{f.file("copy.csv", content)}, CSV: CanonicalCSV(cols)}
	}
	res, err := Append(ctx, f.in, conn, alias, cur, src("1,\\x00ff,\"{1,2}\"\n", nil), opts)
	if err != nil || res.ImportedRows != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	// A column list leaves the others NULL; an empty spool adds nothing.
	if _, err := Append(ctx, f.in, conn, alias, cur, src("{3},2\n", []string{"tags", "id"}), Options{Columns: []string{"tags", "id"}, Dedup: FailOnDuplicates, TextInput: copyText}); err != nil {
		t.Fatal(err)
	}
	if res, err := Append(ctx, f.in, conn, alias, cur, src("", nil), opts); err != nil || res.ImportedRows != 0 {
		t.Fatalf("empty spool: %+v %v", res, err)
	}
	wantRows(t, f.rows(tb), "1|AP8=|[1 2]", "2|<nil>|[3]")
	_, err = Append(ctx, f.in, conn, alias, cur, src("5,\\x00,{}\n6,\\xzz,{}\n", nil), opts)
	le := loadErr(t, err, KindInvalidValue)
	if le.Details["row"] != int64(2) || le.Details["column"] != "raw" || le.Details["value"] != `\xzz` {
		t.Fatalf("details = %v", le.Details)
	}
	wantRows(t, f.rows(tb), "1|AP8=|[1 2]", "2|<nil>|[3]")
}
