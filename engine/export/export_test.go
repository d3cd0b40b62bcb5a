package export

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/engine/load"
)

type fixture struct {
	t   *testing.T
	e   *engine.Engine
	cat *catalog.DuckStore
	in  *engine.Instance
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := catalog.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(ctx, engine.Config{DataDir: dir, Threads: 2}, cat)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cat.CreateProject(ctx, &catalog.Project{ID: "p", Name: "p", CreatedAt: now, UpdatedAt: now, ScramSalt: []byte("s"), ScramIterations: 4096})
	in, err := e.Instance(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(); cat.Close() })
	return &fixture{t: t, e: e, cat: cat, in: in}
}

func (f *fixture) table(name string, cols []catalog.Column, pk []string, values string) *catalog.Table {
	f.t.Helper()
	path, _ := f.in.TablePath(catalog.MainBranch, "b", name)
	tb := &catalog.Table{ProjectID: "p", BranchID: catalog.MainBranch, Bucket: "b", Name: name, Path: path}
	err := f.in.CreateTable(context.Background(), tb, func(ctx context.Context, c *duck.Conn, alias string) error {
		if _, err := c.Exec(ctx, engine.CreateTableSQL(alias, cols, pk)); err != nil {
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

func (f *fixture) export(tb *catalog.Table, q Query, o Options) (string, *Result) {
	f.t.Helper()
	dir, _ := os.MkdirTemp(filepath.Join(f.in.Dir()), "out")
	res, err := ToDir(context.Background(), f.in, tb, q, o, dir)
	if err != nil {
		f.t.Fatal(err)
	}
	return dir, res
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(zr)
	}
	return string(b)
}

var people = []catalog.Column{{Name: "id", Type: "INTEGER"}, {Name: "name", Type: "VARCHAR", Nullable: true}, {Name: "age", Type: "INTEGER", Nullable: true}}

func TestCSVExportOptions(t *testing.T) {
	f := newFixture(t)
	tb := f.table("people", people, []string{"id"}, `(1, 'Ann', 30), (2, 'Bob, "B"', 40), (3, NULL, 50), (4, 'Dan', NULL)`)
	cases := []struct {
		name string
		q    Query
		o    Options
		file string
		want string
	}{
		{"all", Query{OrderBy: []Order{{Column: "id"}}}, Options{Format: CSV}, "data.csv",
			"id,name,age\n1,Ann,30\n2,\"Bob, \"\"B\"\"\",40\n3,,50\n4,Dan,\n"},
		{"columns, filter, order, limit, gzip", Query{Columns: []string{"name", "id"}, Where: `"age" >= $1`, Args: []any{int64(40)},
			OrderBy: []Order{{Column: "id", Desc: true}}, Limit: 1}, Options{Format: CSV, Compression: "gzip"}, "data.csv.gz", "name,id\n,3\n"},
		{"no header", Query{Columns: []string{"id"}, OrderBy: []Order{{Column: "id"}}}, Options{NoHeader: true}, "data.csv", "1\n2\n3\n4\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, res := f.export(tb, tc.q, tc.o)
			if got := read(t, filepath.Join(dir, tc.file)); got != tc.want {
				t.Fatalf("file:\n%s\nwant:\n%s", got, tc.want)
			}
			if want := int64(strings.Count(tc.want, "\n") - map[bool]int{true: 0, false: 1}[tc.o.NoHeader]); res.Rows != want {
				t.Fatalf("rows = %d, want %d", res.Rows, want)
			}
		})
	}
	for _, bad := range []Query{{Columns: []string{"nope"}}, {OrderBy: []Order{{Column: "nope"}}}, {Limit: -1}} {
		if _, err := ToDir(context.Background(), f.in, tb, bad, Options{}, f.in.Dir()); err == nil {
			t.Errorf("query %+v accepted", bad)
		}
	}
	if _, err := ToDir(context.Background(), f.in, tb, Query{}, Options{Format: Parquet, Compression: "lz77"}, f.in.Dir()); err == nil {
		t.Error("unknown compression accepted")
	}
}

func TestSlicedExport(t *testing.T) {
	f := newFixture(t)
	tb := f.table("big", []catalog.Column{{Name: "id", Type: "BIGINT"}, {Name: "v", Type: "VARCHAR"}}, nil, "")
	conn, _ := f.in.Conn()
	alias, release, _ := f.in.Pin(context.Background(), tb)
	conn.Exec(context.Background(), "INSERT INTO "+alias+".data SELECT range, repeat('x', 50) FROM range(100000)")
	release()
	conn.Close()
	dir, res := f.export(tb, Query{}, Options{Format: CSV, SliceBytes: 1 << 20})
	entries, _ := os.ReadDir(dir)
	if res.Rows != 100000 || len(entries) < 3 {
		t.Fatalf("rows %d in %d slices", res.Rows, len(entries))
	}
	var lines int
	for _, e := range entries {
		c := read(t, filepath.Join(dir, e.Name()))
		if !strings.HasPrefix(c, "id,v\n") {
			t.Fatalf("slice %s has no header", e.Name())
		}
		lines += strings.Count(c, "\n") - 1
	}
	if lines != 100000 {
		t.Fatalf("slices hold %d rows", lines)
	}
}

// TestParquetRoundTrip exports a table of many types to Parquet and
// imports it into a table of the same schema: same rows, same types.
func TestParquetRoundTrip(t *testing.T) {
	f := newFixture(t)
	cols := []catalog.Column{
		{Name: "id", Type: "BIGINT"}, {Name: "small", Type: "SMALLINT", Nullable: true}, {Name: "flag", Type: "BOOLEAN", Nullable: true},
		{Name: "price", Type: "DECIMAL(18,4)", Nullable: true}, {Name: "ratio", Type: "DOUBLE", Nullable: true},
		{Name: "day", Type: "DATE", Nullable: true}, {Name: "at", Type: "TIMESTAMP", Nullable: true},
		{Name: "atz", Type: "TIMESTAMP WITH TIME ZONE", Nullable: true}, {Name: "u", Type: "UUID", Nullable: true},
		{Name: "txt", Type: "VARCHAR", Nullable: true}, {Name: "raw", Type: "BLOB", Nullable: true}, {Name: "list", Type: "INTEGER[]", Nullable: true},
	}
	src := f.table("src", cols, []string{"id"}, `
		(1, -3, true, 12345.6789, 0.5, '2024-02-29', '2024-02-29 23:59:59.999999', '2024-01-01 00:00:00+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'žluťoučký "kůň", a
nový řádek', '\x00\xff'::BLOB, [1, NULL, 3]),
		(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
		(3, 32767, false, -0.0001, -1e300, '0001-01-01', '1970-01-01 00:00:00', '2038-01-19 03:14:08+00', '00000000-0000-0000-0000-000000000000', '', ''::BLOB, [])`)
	dir, res := f.export(src, Query{}, Options{Format: Parquet, Compression: "zstd"})
	if res.Rows != 3 {
		t.Fatalf("exported %d rows", res.Rows)
	}
	dst := f.table("dst", cols, []string{"id"}, "")
	ctx := context.Background()
	cur, unlock, err := f.e.TableForWrite(ctx, "p", catalog.MainBranch, "b", "dst", f)
	if err != nil {
		t.Fatal(err)
	}
	_, err = load.File(ctx, f.in, cur, load.Source{Format: load.Parquet, Paths: []string{filepath.Join(dir, "data.parquet")}}, load.Options{Mode: load.Full})
	unlock()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.cat.TableByID(ctx, dst.ID)
	if !reflect.DeepEqual(got.Columns, src.Columns) {
		t.Fatalf("types changed:\n%v\n%v", got.Columns, src.Columns)
	}
	a, b := f.dump(src), f.dump(got)
	if a != b || !strings.Contains(a, "nový") {
		t.Fatalf("rows differ:\n%s\n%s", a, b)
	}
}

// dump renders every row as text through DuckDB's own casts.
func (f *fixture) dump(tb *catalog.Table) string {
	ctx := context.Background()
	alias, release, _ := f.in.Pin(ctx, tb)
	defer release()
	conn, _ := f.in.Conn()
	defer conn.Close()
	rows, err := conn.Query(ctx, "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "+alias+".data ORDER BY id")
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		rec := rows.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			for j := 0; j < int(rec.NumCols()); j++ {
				b.WriteString(rec.Column(j).ValueStr(i) + "|")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
