package sqlrouter

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// TestSandbox runs one statement per sandbox rule: each must fail with
// 42501 before DuckDB sees it, and leave the project's folder, the catalog
// and the files outside it as they were.
func TestSandbox(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "orders", 3)
	e.project("p2")
	secret := e.apiTable("p2", "in.c-sales", "secret", 1)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "x.csv"), []byte("a\n1\n"), 0o644)
	otherFile := filepath.Join(e.dir, "projects", "p2", secret.Path)
	s := e.open(e.keys["admin"], "")
	before := snapshotDir(t, e.dir)
	csv := filepath.Join(outside, "x.csv")
	rules := []struct{ name, sql string }{
		{"read_csv", `SELECT * FROM read_csv('` + csv + `')`},
		{"read_csv_auto", `SELECT * FROM read_csv_auto('` + csv + `')`},
		{"read_parquet", `SELECT * FROM read_parquet('x.parquet')`},
		{"parquet_scan", `SELECT * FROM parquet_scan('x.parquet')`},
		{"read_json", `SELECT * FROM read_json('x.json')`},
		{"read_json_auto", `SELECT * FROM read_json_auto('x.json')`},
		{"read_ndjson", `SELECT * FROM read_ndjson('x.json')`},
		{"read_text", `SELECT * FROM read_text('/etc/passwd')`},
		{"read_blob", `SELECT * FROM read_blob('/etc/passwd')`},
		{"glob", `SELECT * FROM glob('/*')`},
		{"sniff_csv", `SELECT * FROM sniff_csv('` + csv + `')`},
		{"table function in a subquery", `SELECT (SELECT count(*) FROM read_csv('` + csv + `'))`},
		{"table function as scalar", `SELECT read_csv('` + csv + `')`},
		{"quoted function name", `SELECT * FROM "READ_CSV"('` + csv + `')`},
		{"query()", `SELECT * FROM query('SELECT 1')`},
		{"query_table()", `SELECT * FROM query_table('t1')`},
		{"COPY TO a file", `COPY "in.c-sales".orders TO '` + filepath.Join(outside, "out.csv") + `'`},
		{"COPY FROM a file", `COPY "in.c-sales".orders FROM '` + csv + `'`},
		{"COPY query TO a file", `COPY (SELECT 1) TO '` + filepath.Join(outside, "out.csv") + `'`},
		{"COPY PROGRAM", `COPY "in.c-sales".orders TO PROGRAM 'cat'`},
		{"ATTACH", `ATTACH '` + otherFile + `' AS x`},
		{"DETACH", `DETACH t1`},
		{"INSTALL", `INSTALL httpfs`},
		{"FORCE INSTALL", `FORCE INSTALL httpfs`},
		{"LOAD", `LOAD 'httpfs'`},
		{"LOAD DuckDB style", `LOAD httpfs`},
		{"PRAGMA", `PRAGMA database_list`},
		{"CALL", `CALL pragma_database_list()`},
		{"EXPORT DATABASE", `EXPORT DATABASE '` + outside + `'`},
		{"IMPORT DATABASE", `IMPORT DATABASE '` + outside + `'`},
		{"CHECKPOINT", `CHECKPOINT`},
		{"USE", `USE t1`},
		{"SET engine setting", `SET enable_external_access = true`},
		{"SET allowed_directories", `SET allowed_directories = '/'`},
		{"SET GLOBAL", `SET GLOBAL threads = 1`},
		{"RESET engine setting", `RESET memory_limit`},
		{"set_config of an engine setting", `SELECT set_config('threads', '1', false)`},
		{"duckdb_databases()", `SELECT * FROM duckdb_databases()`},
		{"duckdb_tables()", `SELECT * FROM duckdb_tables()`},
		{"duckdb_columns()", `SELECT * FROM duckdb_columns()`},
		{"duckdb_settings()", `SELECT * FROM duckdb_settings()`},
		{"duckdb_extensions()", `SELECT * FROM duckdb_extensions()`},
		{"duckdb_secrets()", `SELECT * FROM duckdb_secrets()`},
		{"duckdb_functions()", `SELECT * FROM duckdb_functions()`},
		{"pragma table function", `SELECT * FROM pragma_table_info('t1.main.data')`},
		{"catalog-qualified table: attachment", `SELECT * FROM t1.main.data`},
		{"catalog-qualified table: system", `SELECT * FROM system.main.duckdb_tables`},
		{"catalog-qualified table: temp", `SELECT * FROM temp.main.x`},
		{"catalog-qualified table: memory", `SELECT * FROM memory.main.x`},
		{"catalog-qualified table: other project", `SELECT * FROM p2."in.c-sales".secret`},
		{"catalog-qualified function", `SELECT system.main.current_setting('threads')`},
		{"schema-qualified function", `SELECT main.lower('x')`},
		{"getenv", `SELECT getenv('HOME')`},
		{"nextval on a name", `SELECT nextval('t1.main.s')`},
		{"json_execute_serialized_sql", `SELECT * FROM json_execute_serialized_sql('{}')`},
		{"CREATE MACRO", `CREATE MACRO m() AS 1`},
		{"CREATE SECRET", `CREATE SECRET s (TYPE s3)`},
		{"CREATE EXTENSION", `CREATE EXTENSION postgres_fdw`},
		{"DO", `DO $$ BEGIN END $$`},
		{"write to a system catalog", `INSERT INTO pg_catalog.pg_class VALUES (1)`},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			pe := wantCode(t, s, r.sql, pgerr.InsufficientPrivilege)
			if strings.Contains(pe.Message, e.dir) {
				t.Errorf("message shows a path: %q", pe.Message)
			}
			if s.TxStatus() != TxIdle {
				t.Fatal("session left in a transaction")
			}
		})
	}
	if after := snapshotDir(t, e.dir); after != before {
		t.Fatalf("the data folder changed:\nbefore %s\nafter  %s", before, after)
	}
	if _, err := os.Stat(filepath.Join(outside, "out.csv")); !os.IsNotExist(err) {
		t.Fatal("a file was written outside the project")
	}
	if tables, _ := e.cat.Tables(context.Background(), "p1", "main", ""); len(tables) != 1 {
		t.Fatalf("catalog changed: %d tables", len(tables))
	}
	// The session is still usable.
	if n := one(t, s, `SELECT count(*) FROM "in.c-sales".orders`); n != int64(3) {
		t.Fatalf("count = %v", n)
	}
}

// snapshotDir lists the files under dir with their sizes, ignoring WAL
// files and the catalog, which change on their own.
func snapshotDir(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.HasSuffix(path, ".wal") || strings.Contains(path, "catalog.duckdb") {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		out = append(out, rel)
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestProjectsCannotSeeEachOther checks that nothing of one project is
// reachable or visible from another's session: not by name, not through
// DuckDB's or PostgreSQL's catalogs, not in error messages.
func TestProjectsCannotSeeEachOther(t *testing.T) {
	e := newEnv(t)
	e.project("p2")
	e.bucket("p2", "in.c-secret")
	e.apiTable("p2", "in.c-secret", "salaries", 5)
	e.apiTable("p1", "in.c-sales", "orders", 3)
	s := e.open(e.keys["admin"], "")
	probes := []string{
		`SELECT * FROM "in.c-secret".salaries`,
		`SELECT * FROM salaries`,
		`SELECT * FROM p2."in.c-secret".salaries`,
		`SELECT * FROM in_c_secret.salaries`,
		`SET search_path TO "in.c-secret"; SELECT * FROM salaries`,
		`SELECT * FROM information_schema.tables`,
		`SELECT * FROM information_schema.schemata`,
		`SELECT * FROM pg_catalog.pg_tables`,
		`SELECT * FROM pg_class`,
		`SELECT * FROM pg_namespace`,
		`SELECT * FROM duckdb_tables()`,
		`SELECT * FROM duckdb_databases()`,
		`SELECT * FROM duckdb_schemas()`,
		`SELECT table_name FROM duckdb_columns()`,
		`SELECT has_table_privilege('"in.c-secret".salaries', 'select')`,
		`SELECT pg_table_is_visible(1)`,
		`SELECT 'salaries'::regclass`,
		`DROP TABLE "in.c-secret".salaries`,
		`INSERT INTO "in.c-secret".salaries VALUES (1, 'x')`,
		`COPY "in.c-secret".salaries TO STDOUT`,
		`SELECT current_setting('allowed_directories')`,
		`SELECT * FROM read_csv('../p2/main/in.c-secret/salaries.duckdb')`,
		`ATTACH '../p2/main/in.c-secret/salaries.duckdb' AS x`,
	}
	for _, q := range probes {
		_, _, err := run(context.Background(), s, q)
		if err == nil {
			t.Errorf("%s: succeeded", q)
			continue
		}
		msg := pgerr.From(err).Message + pgerr.From(err).Detail + pgerr.From(err).Hint
		for _, leak := range []string{"p2", "secret", "salaries", e.dir} {
			if strings.Contains(msg, leak) && !strings.Contains(q, leak) {
				t.Errorf("%s: message leaks %q: %s", q, leak, msg)
			}
		}
		assertNoAlias(t, msg)
		mustRun(t, s, `RESET search_path`)
	}
	// The same answers as for names that exist nowhere.
	a := wantCode(t, s, `SELECT * FROM "in.c-secret".salaries`, pgerr.InvalidSchemaName)
	b := wantCode(t, s, `SELECT * FROM "in.c-nothing".salaries`, pgerr.InvalidSchemaName)
	if strings.Replace(a.Message, "secret", "nothing", 1) != b.Message {
		t.Errorf("messages differ: %q / %q", a.Message, b.Message)
	}
	// p2's key cannot open a session in p1 with p1 as the user.
	p2key := e.key("p2", "project_admin", "")
	if _, err := e.r.CheckPassword(context.Background(), Startup{User: "p1"}, p2key); pgerr.CodeOf(err) != pgerr.InvalidPassword {
		t.Errorf("p2's key logged in as p1: %v", err)
	}
	// A p2 session sees only p2.
	s2 := e.open(p2key, "")
	if n := one(t, s2, `SELECT count(*) FROM salaries`); n != int64(5) {
		t.Errorf("p2 count = %v", n)
	}
	wantCode(t, s2, `SELECT * FROM "in.c-sales".orders`, pgerr.InvalidSchemaName)
}
