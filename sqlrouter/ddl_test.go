package sqlrouter

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

func TestCreateAndDropSchema(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.open(e.keys["admin"], "")
	mustTag(t, s, `CREATE SCHEMA "in.c-new"`, "CREATE SCHEMA")
	if _, err := e.cat.Bucket(ctx, "p1", "main", "in.c-new"); err != nil {
		t.Fatalf("bucket not in the catalog: %v", err)
	}
	wantCode(t, s, `CREATE SCHEMA "in.c-new"`, pgerr.DuplicateSchema)
	mustTag(t, s, `CREATE SCHEMA IF NOT EXISTS "in.c-new"`, "CREATE SCHEMA")
	if n := s.Notices(); len(n) != 1 || n[0].Code != string(pgerr.DuplicateSchema) {
		t.Fatalf("notices = %+v", n)
	}
	wantCode(t, s, `CREATE SCHEMA pg_mine`, "42939")
	wantCode(t, s, `CREATE SCHEMA "../x"`, pgerr.InvalidName)
	wantCode(t, s, `CREATE SCHEMA s CREATE TABLE t (a int)`, pgerr.FeatureNotSupported)

	mustRun(t, s, `CREATE TABLE "in.c-new".t (a int)`)
	e1 := wantCode(t, s, `DROP SCHEMA "in.c-new"`, codeDependentObjectsExist)
	if e1.Hint == "" || e1.Detail == "" {
		t.Fatalf("2BP01 without detail or hint: %+v", e1)
	}
	mustTag(t, s, `DROP SCHEMA in_c_new CASCADE`, "DROP SCHEMA")
	if _, err := e.cat.Bucket(ctx, "p1", "main", "in.c-new"); err == nil {
		t.Fatal("bucket still in the catalog")
	}
	if tables, _ := e.cat.Tables(ctx, "p1", "main", "in.c-new"); len(tables) != 0 {
		t.Fatalf("tables left: %v", tables)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "projects", "p1", "main", "in.c-new")); !os.IsNotExist(err) {
		t.Fatalf("bucket folder left: %v", err)
	}
	wantCode(t, s, `DROP SCHEMA "in.c-new"`, pgerr.InvalidSchemaName)
	mustTag(t, s, `DROP SCHEMA IF EXISTS "in.c-new"`, "DROP SCHEMA")
}

func TestCreateTableVisibleEverywhere(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.open(e.keys["admin"], "")
	mustTag(t, s, `CREATE TABLE "in.c-sales".orders (id bigint PRIMARY KEY, amount numeric(12,2) NOT NULL DEFAULT 0, note varchar(20), at timestamptz, tags text[])`, "CREATE TABLE")
	tb, err := e.cat.Table(ctx, "p1", "main", "in.c-sales", "orders")
	if err != nil {
		t.Fatalf("not in the catalog: %v", err)
	}
	if len(tb.Columns) != 5 || tb.Columns[1].Type != "DECIMAL(12,2)" || tb.Columns[1].Nullable || len(tb.PrimaryKey) != 1 || tb.PrimaryKey[0] != "id" {
		t.Fatalf("catalog table = %+v", tb)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "projects", "p1", tb.Path)); err != nil {
		t.Fatalf("no file: %v", err)
	}
	wantCode(t, s, `CREATE TABLE "in.c-sales".orders (id int)`, pgerr.DuplicateTable)
	mustTag(t, s, `CREATE TABLE IF NOT EXISTS "in.c-sales".orders (id int)`, "CREATE TABLE")
	// A table the admin API creates is visible to SQL at once, even to a
	// session that prepared statements before.
	other := e.open(e.keys["admin"], "")
	wantCode(t, other, `SELECT * FROM "out.c-reports".made_by_api`, pgerr.UndefinedTable)
	e.apiTable("p1", "out.c-reports", "made_by_api", 4)
	if n := one(t, other, `SELECT count(*) FROM "out.c-reports".made_by_api`); n != int64(4) {
		t.Fatalf("count = %v", n)
	}
	// Unqualified CREATE TABLE goes to the first bucket on the path.
	wantCode(t, s, `CREATE TABLE nowhere (a int)`, pgerr.InvalidSchemaName)
	mustRun(t, s, `SET search_path TO "out.c-reports"`)
	mustRun(t, s, `CREATE TABLE here (a int)`)
	if _, err := e.cat.Table(ctx, "p1", "main", "out.c-reports", "here"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE x (id serial)`,
		`CREATE TABLE x (id int REFERENCES here (a))`,
		`CREATE TABLE x (id int GENERATED ALWAYS AS IDENTITY)`,
		`CREATE TABLE x (LIKE here)`,
		`CREATE TEMP TABLE x (a int)`,
		`CREATE VIEW v AS SELECT 1`,
		`CREATE INDEX i ON here (a)`,
		`CREATE SEQUENCE s`,
		`CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql`,
		`CREATE MATERIALIZED VIEW m AS SELECT 1`,
	} {
		wantCode(t, s, q, pgerr.FeatureNotSupported)
	}
	wantCode(t, s, `CREATE TABLE x (a int DEFAULT nextval('seq'))`, pgerr.InsufficientPrivilege)
	wantCode(t, s, `CREATE TABLE "../x" (a int)`, pgerr.InvalidName)
	if tables, _ := e.cat.Tables(ctx, "p1", "main", ""); len(tables) != 3 {
		t.Fatalf("tables = %d, want 3", len(tables))
	}
}

func TestCreateTableAs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.apiTable("p1", "in.c-sales", "src", 10)
	s := e.open(e.keys["admin"], "")
	mustTag(t, s, `CREATE TABLE "out.c-reports".even AS SELECT id, v FROM "in.c-sales".src WHERE id % 2 = 0`, "SELECT 5")
	mustTag(t, s, `CREATE TABLE "out.c-reports".named (a, b) AS SELECT id, v FROM src`, "SELECT 10")
	mustTag(t, s, `CREATE TABLE "out.c-reports".empty AS SELECT * FROM src WITH NO DATA`, "CREATE TABLE AS")
	mustTag(t, s, `SELECT count(*), max(id) INTO "out.c-reports".stats FROM src`, "SELECT 1")
	if got := fmtRows(mustRun(t, s, `SELECT * FROM "out.c-reports".stats`)); got != "[10 9]" {
		t.Fatalf("stats = %s", got)
	}
	tb, _ := e.cat.Table(ctx, "p1", "main", "out.c-reports", "named")
	if tb == nil || tb.Columns[0].Name != "a" || tb.Columns[1].Name != "b" {
		t.Fatalf("named = %+v", tb)
	}
	tb, _ = e.cat.Table(ctx, "p1", "main", "out.c-reports", "stats")
	if tb == nil || tb.Columns[0].Name != "count" || tb.Columns[1].Name != "max" {
		t.Fatalf("stats columns = %+v", tb)
	}
	if n := one(t, s, `SELECT count(*) FROM "out.c-reports".empty`); n != int64(0) {
		t.Fatalf("empty = %v", n)
	}
	e1 := wantCode(t, s, `CREATE TABLE "out.c-reports".bad AS SELECT nope FROM src`, pgerr.UndefinedColumn)
	assertNoAlias(t, e1.Message)
	if _, err := e.cat.Table(ctx, "p1", "main", "out.c-reports", "bad"); err == nil {
		t.Fatal("failed CTAS left a table")
	}
	staging, _ := os.ReadDir(filepath.Join(e.dir, "projects", "p1", "_staging"))
	if len(staging) != 0 {
		t.Fatalf("staging not empty: %v", staging)
	}
}

func TestDropTable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tb := e.apiTable("p1", "in.c-sales", "a", 1)
	e.apiTable("p1", "in.c-sales", "b", 1)
	s := e.open(e.keys["admin"], "")
	mustTag(t, s, `DROP TABLE "in.c-sales".a, in_c_sales.b`, "DROP TABLE")
	if tables, _ := e.cat.Tables(ctx, "p1", "main", ""); len(tables) != 0 {
		t.Fatalf("tables left: %v", tables)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "projects", "p1", tb.Path)); !os.IsNotExist(err) {
		t.Fatalf("file left: %v", err)
	}
	wantCode(t, s, `DROP TABLE "in.c-sales".a`, pgerr.UndefinedTable)
	mustTag(t, s, `DROP TABLE IF EXISTS "in.c-sales".a`, "DROP TABLE")
	if n := s.Notices(); len(n) != 1 {
		t.Fatalf("notices = %+v", n)
	}
	mustTag(t, s, `DROP VIEW IF EXISTS v`, "DROP VIEW")
	wantCode(t, s, `DROP INDEX i`, pgerr.UndefinedObject)
}

func TestAlterTable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.open(e.keys["admin"], "")
	mustRun(t, s, `CREATE TABLE "in.c-sales".t (id int PRIMARY KEY, a text)`)
	mustRun(t, s, `INSERT INTO "in.c-sales".t VALUES (1, 'x')`)
	steps := []string{
		`ALTER TABLE "in.c-sales".t ADD COLUMN b int NOT NULL DEFAULT 7`,
		`ALTER TABLE "in.c-sales".t ADD COLUMN IF NOT EXISTS b int`,
		`ALTER TABLE "in.c-sales".t ALTER COLUMN a SET NOT NULL`,
		`ALTER TABLE "in.c-sales".t ALTER COLUMN a DROP NOT NULL`,
		`ALTER TABLE "in.c-sales".t ALTER COLUMN b SET DEFAULT 9`,
		`ALTER TABLE "in.c-sales".t ALTER COLUMN b DROP DEFAULT`,
		`ALTER TABLE "in.c-sales".t ALTER COLUMN b TYPE bigint`,
		`ALTER TABLE "in.c-sales".t RENAME COLUMN a TO aa`,
		`ALTER TABLE "in.c-sales".t ADD COLUMN c text, DROP COLUMN aa`,
	}
	for _, q := range steps {
		mustTag(t, s, q, "ALTER TABLE")
	}
	tb, _ := e.cat.Table(ctx, "p1", "main", "in.c-sales", "t")
	names := ""
	for _, c := range tb.Columns {
		names += c.Name + ":" + c.Type + " "
	}
	if names != "id:INTEGER b:BIGINT c:VARCHAR " || tb.Columns[1].Nullable || tb.Columns[1].Default != nil {
		t.Fatalf("catalog columns after ALTER = %s %+v", names, tb.Columns)
	}
	if got := fmtRows(mustRun(t, s, `SELECT * FROM "in.c-sales".t`)); got != "[1 7 <nil>]" {
		t.Fatalf("rows = %s", got)
	}
	// Rename and move are catalog changes; the file stays.
	path := tb.Path
	mustTag(t, s, `ALTER TABLE "in.c-sales".t RENAME TO t2`, "ALTER TABLE")
	mustTag(t, s, `ALTER TABLE "in.c-sales".t2 SET SCHEMA "out.c-reports"`, "ALTER TABLE")
	moved, err := e.cat.Table(ctx, "p1", "main", "out.c-reports", "t2")
	if err != nil || moved.Path != path || moved.ID != tb.ID {
		t.Fatalf("moved = %+v, %v", moved, err)
	}
	if n := one(t, s, `SELECT count(*) FROM "out.c-reports".t2`); n != int64(1) {
		t.Fatalf("count after move = %v", n)
	}
	wantCode(t, s, `ALTER TABLE "in.c-sales".t ADD COLUMN x int`, pgerr.UndefinedTable)
	mustTag(t, s, `ALTER TABLE IF EXISTS "in.c-sales".t ADD COLUMN x int`, "ALTER TABLE")
	wantCode(t, s, `ALTER TABLE "out.c-reports".t2 ADD COLUMN b int`, pgerr.DuplicateObject)
	wantCode(t, s, `ALTER TABLE "out.c-reports".t2 ADD COLUMN z int REFERENCES x (a)`, pgerr.FeatureNotSupported)
	wantCode(t, s, `ALTER TABLE "out.c-reports".t2 OWNER TO bob`, pgerr.FeatureNotSupported)
	wantCode(t, s, `ALTER SCHEMA "out.c-reports" RENAME TO y`, pgerr.FeatureNotSupported)
	// A failing command leaves the others of the statement undone.
	wantCode(t, s, `ALTER TABLE "out.c-reports".t2 ADD COLUMN d int, ADD COLUMN b int`, pgerr.DuplicateObject)
	tb, _ = e.cat.Table(ctx, "p1", "main", "out.c-reports", "t2")
	if tb.Column("d") != nil {
		t.Fatal("half of a failed ALTER applied")
	}
	_ = catalog.MainBranch
}

// DuckDB cannot add a column whose default must be computed inside an
// explicit transaction once its configuration is locked; the router adds,
// then fills such columns.
func TestAddColumnWithComputedDefault(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	mustRun(t, s, `CREATE TABLE "in.c-sales".t (id int)`)
	mustRun(t, s, `INSERT INTO "in.c-sales".t VALUES (1)`)
	mustRun(t, s, `ALTER TABLE "in.c-sales".t ADD COLUMN d date DEFAULT '2020-01-01'::date`)
	mustRun(t, s, `ALTER TABLE "in.c-sales".t ADD COLUMN e int NOT NULL DEFAULT 1 + 1`)
	mustRun(t, s, `BEGIN; ALTER TABLE "in.c-sales".t ADD COLUMN f int DEFAULT 2 * 2; COMMIT`)
	wantCode(t, s, `BEGIN; ALTER TABLE "in.c-sales".t ADD COLUMN g int NOT NULL DEFAULT 1 + 2`, pgerr.FeatureNotSupported)
	mustRun(t, s, `ROLLBACK`)
	wantCode(t, s, `ALTER TABLE "in.c-sales".t ADD COLUMN g int NOT NULL`, pgerr.NotNullViolation)
	mustRun(t, s, `INSERT INTO "in.c-sales".t (id) VALUES (2)`)
	got := fmtRows(mustRun(t, s, `SELECT id, d::text, e, f FROM "in.c-sales".t ORDER BY id`))
	if got != "[1 2020-01-01 2 4][2 2020-01-01 2 4]" {
		t.Fatalf("rows = %s", got)
	}
	tb, _ := e.cat.Table(context.Background(), "p1", "main", "in.c-sales", "t")
	if len(tb.Columns) != 4 || tb.Column("e").Nullable || tb.Column("g") != nil {
		t.Fatalf("columns = %+v", tb.Columns)
	}
}
