package admin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Names that could leave their folder are refused with 400 before
// anything touches the disk, for buckets, tables and columns alike.
var badNames = []struct{ name, value string }{
	{"dot dot", "../x"},
	{"slash", "a/b"},
	{"backslash", `a\b`},
	{"NUL", "a\x00b"},
	{"leading dot", ".hidden"},
	{"dot", "."},
	{"control character", "a\nb"},
	{"empty", ""},
	{"too long", strings.Repeat("x", 64)},
}

func TestBuckets(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	r := e.must(201, "POST", "/projects/p/buckets", key, map[string]any{"name": "in.c-sales", "description": "Sales"})
	if o := r.obj(); o["name"] != "in.c-sales" || o["description"] != "Sales" || o["table_count"] != 0.0 || o["source"] != "main" {
		t.Fatalf("create = %s", r.body)
	}
	e.must(201, "POST", "/projects/p/branches/default/buckets", key, map[string]any{"name": "out_c_main"})
	if code := e.must(409, "POST", "/projects/p/buckets", key, map[string]any{"name": "in.c-sales"}).errCode(); code != "bucket_exists" {
		t.Fatalf("duplicate: %s", code)
	}
	e.must(422, "POST", "/projects/p/buckets", key, map[string]any{"description": "no name"})
	for _, bad := range badNames {
		t.Run("bad name "+bad.name, func(t *testing.T) {
			e := e.with(t)
			if code := e.must(400, "POST", "/projects/p/buckets", key, map[string]any{"name": bad.value}).errCode(); code != "invalid_name" {
				t.Fatalf("error %s", code)
			}
		})
	}
	e.must(400, "GET", "/projects/p/buckets/.hidden", key, nil)
	e.must(400, "GET", "/projects/p/buckets/a%00b", key, nil)

	r = e.must(200, "GET", "/projects/p/buckets", key, nil)
	if o := r.obj(); o["total"] != 2.0 || o["buckets"].([]any)[0].(map[string]any)["name"] != "in.c-sales" {
		t.Fatalf("list = %s", r.body)
	}
	e.must(200, "GET", "/projects/p/branches/default/buckets/in.c-sales", key, nil)
	if code := e.must(404, "GET", "/projects/p/buckets/nope", key, nil).errCode(); code != "bucket_not_found" {
		t.Fatalf("missing bucket: %s", code)
	}
	e.must(404, "DELETE", "/projects/p/buckets/nope", key, nil)

	// Not empty: 409 unless cascade.
	e.table("p", "in.c-sales", "orders", "(1, 'a', 1)")
	e.table("p", "in.c-sales", "items", "")
	r = e.must(200, "GET", "/projects/p/buckets/in.c-sales", key, nil)
	if r.obj()["table_count"] != 2.0 {
		t.Fatalf("get = %s", r.body)
	}
	r = e.must(409, "DELETE", "/projects/p/buckets/in.c-sales", key, nil)
	if r.errCode() != "bucket_not_empty" {
		t.Fatalf("delete non-empty = %s", r.body)
	}
	e.must(422, "DELETE", "/projects/p/buckets/in.c-sales?cascade=maybe", key, nil)
	folder := filepath.Join(e.dir, "projects", "p", "main", "in.c-sales")
	if _, err := os.Stat(filepath.Join(folder, "orders.duckdb")); err != nil {
		t.Fatal(err)
	}
	e.must(204, "DELETE", "/projects/p/buckets/in.c-sales?cascade=true", key, nil)
	if _, err := os.Stat(folder); !os.IsNotExist(err) {
		t.Fatalf("bucket folder left after cascade: %v", err)
	}
	e.must(404, "GET", "/projects/p/buckets/in.c-sales", key, nil)
	e.must(204, "DELETE", "/projects/p/buckets/out_c_main", key, nil)
	r = e.must(200, "GET", "/projects/p/buckets", key, nil)
	if r.obj()["total"] != 0.0 {
		t.Fatalf("after deletes = %s", r.body)
	}
}
