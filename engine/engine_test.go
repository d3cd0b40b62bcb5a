package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

func newEngine(t *testing.T, dir string) (*Engine, *catalog.DuckStore) {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(ctx, Config{DataDir: dir, Threads: 2, MemoryLimit: "512MB"}, cat)
	if err != nil {
		t.Fatal(err)
	}
	return e, cat
}

func createProject(t *testing.T, cat catalog.Store, id string) {
	t.Helper()
	now := time.Now()
	if err := cat.CreateProject(context.Background(), &catalog.Project{ID: id, Name: id, CreatedAt: now, UpdatedAt: now, ScramSalt: []byte("s"), ScramIterations: 4096}); err != nil {
		t.Fatal(err)
	}
}

func createTable(t *testing.T, in *Instance, bucket, name string, rows int) *catalog.Table {
	t.Helper()
	ctx := context.Background()
	path, err := in.TablePath(catalog.MainBranch, bucket, name)
	if err != nil {
		t.Fatal(err)
	}
	tb := &catalog.Table{ProjectID: in.Project(), BranchID: catalog.MainBranch, Bucket: bucket, Name: name, Path: path}
	err = in.CreateTable(ctx, tb, func(ctx context.Context, c *duck.Conn, alias string) error {
		cols := []catalog.Column{{Name: "id", Type: "BIGINT"}, {Name: "v", Type: "VARCHAR", Nullable: true}}
		if _, err := c.Exec(ctx, CreateTableSQL(alias, cols, []string{"id"})); err != nil {
			return err
		}
		_, err := c.Exec(ctx, "INSERT INTO "+duck.QuoteIdent(alias)+".data SELECT range, 'v' || range FROM range($1::BIGINT)", int64(rows))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func count(t *testing.T, in *Instance, tb *catalog.Table) int64 {
	t.Helper()
	ctx := context.Background()
	alias, release, err := in.Pin(ctx, tb)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	c, _ := in.Conn()
	defer c.Close()
	rows, err := c.Query(ctx, "SELECT count(*) FROM "+alias+".data")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rows.Next()
	return rows.Record().Column(0).(*array.Int64).Value(0)
}

func TestCreateRecordsSchemaFromTheFile(t *testing.T) {
	dir := t.TempDir()
	e, cat := newEngine(t, dir)
	defer e.Close()
	createProject(t, cat, "p1")
	in, err := e.Instance(context.Background(), "p1")
	if err != nil {
		t.Fatal(err)
	}
	tb := createTable(t, in, "in.c-sales", "orders", 10)
	got, err := cat.Table(context.Background(), "p1", catalog.MainBranch, "in.c-sales", "orders")
	if err != nil {
		t.Fatal(err)
	}
	if got.Path != filepath.Join("main", "in.c-sales", "orders.duckdb") || len(got.Columns) != 2 || got.Columns[0].Nullable || got.PrimaryKey[0] != "id" {
		t.Fatalf("catalog table = %+v", got)
	}
	if n := count(t, in, tb); n != 10 {
		t.Fatalf("count = %d", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "projects", "p1", tb.Path)); err != nil {
		t.Fatal(err)
	}
	staging, _ := os.ReadDir(filepath.Join(dir, "projects", "p1", stagingDir))
	if len(staging) != 0 {
		t.Fatalf("staging not empty: %v", staging)
	}
}

func TestSandboxConfinesTheInstance(t *testing.T) {
	dir := t.TempDir()
	e, cat := newEngine(t, dir)
	defer e.Close()
	createProject(t, cat, "p1")
	createProject(t, cat, "p2")
	in, _ := e.Instance(context.Background(), "p1")
	other, _ := e.Instance(context.Background(), "p2")
	createTable(t, other, "b", "secret", 1)
	c, _ := in.Conn()
	defer c.Close()
	outside := filepath.Join(dir, "projects", "p2", "main", "b", "secret.duckdb")
	for _, q := range []string{
		"ATTACH '" + outside + "' AS x",
		"SELECT * FROM read_csv('/etc/passwd')",
		"COPY (SELECT 1) TO '" + filepath.Join(dir, "x.csv") + "'",
		"SET enable_external_access=true",
		"SET allowed_directories=['/']",
	} {
		if _, err := c.Exec(context.Background(), q); err == nil {
			t.Errorf("%s: succeeded", q)
		}
	}
}

func TestReplaceWhileReading(t *testing.T) {
	dir := t.TempDir()
	e, cat := newEngine(t, dir)
	defer e.Close()
	createProject(t, cat, "p1")
	ctx := context.Background()
	in, _ := e.Instance(ctx, "p1")
	tb := createTable(t, in, "b", "t", 1000)

	var stop atomic.Bool
	var wg sync.WaitGroup
	var bad atomic.Int64
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				n := count(t, in, tb)
				if n != 1000 && n != 5000 {
					bad.Add(1)
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	unlock, err := e.LockTable(ctx, tb, "loader")
	if err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = in.ReplaceTable(tctx, tb, func(ctx context.Context, c *duck.Conn, alias string) error {
		cols := []catalog.Column{{Name: "id", Type: "BIGINT"}, {Name: "v", Type: "VARCHAR", Nullable: true}, {Name: "w", Type: "INTEGER", Nullable: true}}
		if _, err := c.Exec(ctx, CreateTableSQL(alias, cols, []string{"id"})); err != nil {
			return err
		}
		_, err := c.Exec(ctx, "INSERT INTO "+alias+".data SELECT range, 'n', 1 FROM range(5000)")
		return err
	})
	cancel()
	unlock()
	time.Sleep(20 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if bad.Load() != 0 {
		t.Fatalf("%d reads saw neither the old nor the new rows", bad.Load())
	}
	if n := count(t, in, tb); n != 5000 {
		t.Fatalf("after replace count = %d", n)
	}
	got, _ := cat.TableByID(ctx, tb.ID)
	if len(got.Columns) != 3 {
		t.Fatalf("catalog columns after replace = %v", got.Columns)
	}
}

func TestDropAndRecoverOrphans(t *testing.T) {
	dir := t.TempDir()
	e, cat := newEngine(t, dir)
	createProject(t, cat, "p1")
	ctx := context.Background()
	in, _ := e.Instance(ctx, "p1")
	keep := createTable(t, in, "b", "keep", 3)
	drop := createTable(t, in, "b", "drop", 3)
	count(t, in, drop) // attached
	if err := in.DropTable(ctx, drop); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(in.Dir(), drop.Path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("dropped file still there: %v", err)
	}
	e.Close()
	// Leave what a crash would: a staged file, an unrecorded table file and
	// the folder of a project that has no catalog row.
	pdir := filepath.Join(dir, "projects", "p1")
	os.WriteFile(filepath.Join(pdir, stagingDir, "x.duckdb"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(pdir, "main", "b", "orphan.duckdb"), []byte("x"), 0o600)
	os.MkdirAll(filepath.Join(dir, "projects", "ghost", "main"), 0o750)
	cat.Close()

	e, cat = newEngine(t, dir)
	defer e.Close()
	defer cat.Close()
	if _, err := os.Stat(filepath.Join(pdir, "main", "b", "orphan.duckdb")); !errors.Is(err, os.ErrNotExist) {
		t.Error("orphaned file survived recovery")
	}
	if _, err := os.Stat(filepath.Join(pdir, stagingDir, "x.duckdb")); !errors.Is(err, os.ErrNotExist) {
		t.Error("staged file survived recovery")
	}
	if _, err := os.Stat(filepath.Join(dir, "projects", "ghost")); !errors.Is(err, os.ErrNotExist) {
		t.Error("unknown project folder survived recovery")
	}
	in, _ = e.Instance(ctx, "p1")
	if n := count(t, in, keep); n != 3 {
		t.Fatalf("kept table count = %d", n)
	}
}

func TestErrorCodes(t *testing.T) {
	dir := t.TempDir()
	e, cat := newEngine(t, dir)
	defer e.Close()
	createProject(t, cat, "p1")
	in, _ := e.Instance(context.Background(), "p1")
	c, _ := in.Conn()
	defer c.Close()
	c.Exec(context.Background(), "CREATE TABLE k(id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
	cases := []struct {
		sql  string
		want pgerr.Code
	}{
		{"SELECT * FROM nope", pgerr.UndefinedTable},
		{"SELECT nope FROM k", pgerr.UndefinedColumn},
		{"SELEC 1", pgerr.SyntaxError},
		{"SELECT 'x'::INTEGER", pgerr.InvalidTextRepresentation},
		{"INSERT INTO k VALUES (1, NULL)", pgerr.NotNullViolation},
		{"INSERT INTO k VALUES (1, 1), (1, 2)", pgerr.UniqueViolation},
		{"SELECT nofunc(1)", pgerr.UndefinedFunction},
	}
	for _, tc := range cases {
		_, err := c.Exec(context.Background(), tc.sql)
		if got := SQLState(err); got != tc.want {
			t.Errorf("%s: %v → %s, want %s", tc.sql, err, got, tc.want)
		}
	}
}

func TestNormalizeType(t *testing.T) {
	cases := map[string]string{
		"int4": "INTEGER", "TEXT": "VARCHAR", "numeric(12, 2)": "DECIMAL(12,2)",
		"timestamp with time zone": "TIMESTAMPTZ", "Double Precision": "DOUBLE", "varchar(20)": "VARCHAR",
		"jsonb": "JSON", "bytea": "BLOB", "uuid": "UUID", "HUGEINT": "HUGEINT",
	}
	for in, want := range cases {
		if got, err := NormalizeType(in); err != nil || got != want {
			t.Errorf("%q → %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"INTEGER); DROP TABLE x; --", "decimal(40,2)", "geometry", ""} {
		if _, err := NormalizeType(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBranchCopyOnWrite(t *testing.T) {
	dir := t.TempDir()
	e, cat := newEngine(t, dir)
	defer e.Close()
	createProject(t, cat, "p1")
	ctx := context.Background()
	in, _ := e.Instance(ctx, "p1")
	mainT := createTable(t, in, "b", "t", 10)
	if err := cat.CreateBranch(ctx, &catalog.Branch{ID: "dev", ProjectID: "p1", Name: "dev", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// Reads through the branch see main's file until the first write.
	rt, err := e.Table(ctx, "p1", "dev", "b", "t")
	if err != nil || rt.ID != mainT.ID {
		t.Fatalf("read resolves to %+v, %v", rt, err)
	}
	wt, unlock, err := e.TableForWrite(ctx, "p1", "dev", "b", "t", "s1")
	if err != nil {
		t.Fatal(err)
	}
	if wt.ID == mainT.ID || wt.BranchID != "dev" || wt.Path != filepath.Join("branches", "dev", "b", "t.duckdb") {
		t.Fatalf("write resolves to %+v", wt)
	}
	alias, release, err := in.Pin(ctx, wt)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := in.Conn()
	if _, err := c.Exec(ctx, "DELETE FROM "+alias+".data WHERE id < 5"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	release()
	unlock()
	if n := count(t, in, wt); n != 5 {
		t.Errorf("branch count = %d, want 5", n)
	}
	if n := count(t, in, mainT); n != 10 {
		t.Errorf("main changed through the branch: count = %d", n)
	}
	// A second write finds the copy and copies nothing.
	again, unlock, err := e.TableForWrite(ctx, "p1", "dev", "b", "t", "s2")
	if err != nil || again.ID != wt.ID {
		t.Fatalf("second write: %+v, %v", again, err)
	}
	unlock()
	if err := e.DropBranch(ctx, "p1", "dev"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(in.Dir(), "branches", "dev")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("branch folder left: %v", err)
	}
	if n := count(t, in, mainT); n != 10 {
		t.Errorf("main count after branch drop = %d", n)
	}
}

func TestInstanceDividesIntegersLikePostgreSQL(t *testing.T) {
	e, cat := newEngine(t, t.TempDir())
	defer e.Close()
	createProject(t, cat, "p1")
	in, _ := e.Instance(context.Background(), "p1")
	c, _ := in.Conn() // not the connection that applied the settings
	defer c.Close()
	rows, err := c.Query(context.Background(), "SELECT 7/2, current_setting('TimeZone')")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rows.Next()
	rec := rows.Record()
	if got := ValueAt(rec.Column(0), 0); got != int64(3) {
		t.Errorf("7/2 = %v, want 3", got)
	}
	if got := ValueAt(rec.Column(1), 0); got != "UTC" {
		t.Errorf("TimeZone = %v, want UTC", got)
	}
}
