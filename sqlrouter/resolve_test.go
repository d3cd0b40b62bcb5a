package sqlrouter

import (
	"context"
	"testing"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

func TestNameResolution(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "orders", 3)
	e.apiTable("p1", "out.c-reports", "orders", 5)
	e.apiTable("p1", "in.c-sales", "customers", 2)
	s := e.open(e.keys["admin"], "")
	count := func(q string) any { return one(t, s, "SELECT count(*) FROM "+q) }

	if n := count(`"in.c-sales"."orders"`); n != int64(3) {
		t.Errorf("quoted: %v", n)
	}
	if n := count(`in_c_sales.orders`); n != int64(3) {
		t.Errorf("folded: %v", n)
	}
	if n := count(`OUT_C_REPORTS.orders`); n != int64(5) {
		t.Errorf("folded, upper case: %v", n)
	}
	if n := count(`customers`); n != int64(2) {
		t.Errorf("unqualified, unique: %v", n)
	}
	e1 := wantCode(t, s, `SELECT * FROM orders`, codeAmbiguousAlias)
	if e1.Hint == "" {
		t.Errorf("ambiguity without a hint: %+v", e1)
	}
	wantCode(t, s, `SELECT * FROM nope`, pgerr.UndefinedTable)
	wantCode(t, s, `SELECT * FROM "in.c-sales".nope`, pgerr.UndefinedTable)
	wantCode(t, s, `SELECT * FROM "in.c-nope".orders`, pgerr.InvalidSchemaName)

	mustRun(t, s, `SET search_path TO "out.c-reports", public`)
	if n := count(`orders`); n != int64(5) {
		t.Errorf("search_path: %v", n)
	}
	if v := one(t, s, `SHOW search_path`); v != `"out.c-reports", public` {
		t.Errorf("SHOW search_path = %v", v)
	}
	if v := one(t, s, `SELECT current_schema()`); v != "out.c-reports" {
		t.Errorf("current_schema = %v", v)
	}
	// customers is not on the path any more.
	wantCode(t, s, `SELECT * FROM customers`, pgerr.UndefinedTable)
	mustRun(t, s, `SET search_path TO in_c_sales`)
	if n := count(`orders`); n != int64(3) {
		t.Errorf("search_path by alias: %v", n)
	}
	mustRun(t, s, `RESET search_path`)
	if v := one(t, s, `SELECT current_schema()`); v != nil {
		t.Errorf("current_schema without a bucket on the path = %v", v)
	}

	// A folded alias two buckets share is ambiguous; the exact name wins.
	e.bucket("p1", "in_c-sales")
	wantCode(t, s, `SELECT * FROM in_c_sales.orders`, codeAmbiguousAlias)
	if n := count(`"in.c-sales".orders`); n != int64(3) {
		t.Errorf("exact after ambiguity: %v", n)
	}
	e.bucket("p1", "in_c_sales")
	wantCode(t, s, `SELECT * FROM in_c_sales.orders`, pgerr.UndefinedTable)

	// CTEs shadow tables; table functions are not tables.
	if n := one(t, s, `WITH customers AS (SELECT 1 AS id UNION ALL SELECT 2 UNION ALL SELECT 3) SELECT count(*) FROM customers`); n != int64(3) {
		t.Errorf("CTE: %v", n)
	}
	if n := one(t, s, `SELECT count(*) FROM generate_series(1, 10) g(x)`); n != int64(10) {
		t.Errorf("table function: %v", n)
	}
	// Schema-qualified columns, the same table name in two buckets.
	rows := mustRun(t, s, `SELECT "in.c-sales".orders.id, "out.c-reports".orders.id FROM "in.c-sales".orders JOIN "out.c-reports".orders USING (id) ORDER BY 1`)
	if len(rows) != 3 {
		t.Errorf("join of two tables named orders: %v", rows)
	}
}

func TestBranchDatabase(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.apiTable("p1", "in.c-sales", "orders", 3)
	if err := e.cat.CreateBranch(ctx, &catalog.Branch{ID: "b1", ProjectID: "p1", Name: "dev", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	dev := e.open(e.keys["admin"], "dev")
	main := e.open(e.keys["admin"], "main")
	// The branch reads main's table until its first write copies it.
	if n := one(t, dev, `SELECT count(*) FROM orders`); n != int64(3) {
		t.Fatalf("branch read: %v", n)
	}
	mustTag(t, dev, `INSERT INTO orders VALUES (10, 'dev')`, "INSERT 0 1")
	if n := one(t, dev, `SELECT count(*) FROM orders`); n != int64(4) {
		t.Fatalf("branch after write: %v", n)
	}
	if n := one(t, main, `SELECT count(*) FROM orders`); n != int64(3) {
		t.Fatalf("main changed through the branch: %v", n)
	}
	// Tables created in the branch stay there.
	mustRun(t, dev, `CREATE TABLE "in.c-sales".only_dev AS SELECT 1 AS a`)
	wantCode(t, main, `SELECT * FROM "in.c-sales".only_dev`, pgerr.UndefinedTable)
	if v := one(t, dev, `SELECT current_database()`); v != "dev" {
		t.Fatalf("current_database = %v", v)
	}
}
