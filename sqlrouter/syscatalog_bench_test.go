package sqlrouter

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/duckstore/duckstore/catalog"
)

// catalogBench is a project of n tables of 20 columns, made in the catalog
// only (the system catalog reads the catalog, not the files), with a
// router that has the system catalog.
func catalogBench(b *testing.B, n int) (*env, string) {
	e := newEnv(b)
	e.r = New(Config{Version: "bench", Secret: []byte("secret"), SystemCatalog: NewPGCatalog(nil)}, e.eng)
	ctx := context.Background()
	types := []string{"VARCHAR", "INTEGER", "BIGINT", "DECIMAL(12,2)", "TIMESTAMP", "DOUBLE", "BOOLEAN", "DATE", "VARCHAR[]", "JSON"}
	for i := 0; i < n; i++ {
		cols := make([]catalog.Column, 20)
		for c := range cols {
			cols[c] = catalog.Column{Name: "c" + strconv.Itoa(c), Type: types[c%len(types)], Nullable: c > 0}
		}
		tb := &catalog.Table{ProjectID: "p1", BranchID: catalog.MainBranch, Bucket: "in.c-sales", Name: "t" + strconv.Itoa(i),
			Path: "main/in.c-sales/t" + strconv.Itoa(i) + ".duckdb", Columns: cols, PrimaryKey: []string{"c0"},
			CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := e.cat.CreateTable(ctx, tb); err != nil {
			b.Fatal(err)
		}
	}
	return e, e.keys["admin"]
}

// BenchmarkConnectFirstQuery is a client's connect and first ordinary
// query: the system catalog must cost nothing there, however many tables
// the project has.
func BenchmarkConnectFirstQuery(b *testing.B) {
	for _, n := range []int{10, 10000} {
		// One project per size for all runs: making 10,000 tables took
		// most of make bench's time when each run made its own.
		e, key := catalogBench(b, n)
		b.Run(strconv.Itoa(n)+"_tables", func(b *testing.B) {
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s := e.openB(b, key)
				if _, _, err := run(ctx, s, `SELECT current_setting('server_version'), version(), 1`); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	}
}

// BenchmarkCatalogFirstQuery is the first catalog query after the
// catalog changed (after_ddl: a table was created, so the branch's
// catalog is reloaded), the first after a start (cold: the instance's
// built-in rows and the branch's catalog are built), and one with
// nothing to do first (warm).
func BenchmarkCatalogFirstQuery(b *testing.B) {
	const q = `SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND pg_catalog.pg_table_is_visible(c.oid) AND c.relname = 't5'`
	for _, n := range []int{10, 10000} {
		e, key := catalogBench(b, n) // shared, as in BenchmarkConnectFirstQuery
		created := 0                 // tables after_ddl made in it
		for _, mode := range []string{"after_ddl", "cold", "warm"} {
			name := strconv.Itoa(n) + "_tables/" + mode
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				s := e.openB(b, key)
				mustRunB(b, s, `SET search_path = "in.c-sales"`)
				mustRunB(b, s, q) // built-in rows built once
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					switch mode {
					case "cold":
						e.r.cfg.SystemCatalog = NewPGCatalog(nil)
					case "after_ddl":
						created++
						mustRunB(b, s, `CREATE TABLE "out.c-reports".x`+strconv.Itoa(created)+` (x int)`)
					}
					b.StartTimer()
					if _, _, err := run(ctx, s, q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func (e *env) openB(b *testing.B, key string) *Session {
	ctx := context.Background()
	project, _, _ := catalog.ParseKey(key)
	st := Startup{User: project, Database: "main"}
	id, err := e.r.CheckPassword(ctx, st, key)
	if err != nil {
		b.Fatal(err)
	}
	c, err := e.r.Open(ctx, st, id)
	if err != nil {
		b.Fatal(err)
	}
	return c.(*Session)
}

func mustRunB(b *testing.B, s *Session, sql string) {
	if _, _, err := run(context.Background(), s, sql); err != nil {
		b.Fatalf("%s: %v", sql, err)
	}
}
