package admin

import (
	"os"
	"path/filepath"
	"testing"
)

// A dev branch reads main until its first write to a table copies it;
// main never changes through a branch.
func TestBranches(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.table("p", "in.c-s", "t", "(1, 'a', 1), (2, 'b', 2), (3, 'c', 3)")
	e.table("p", "in.c-s", "other", "(1, 'x', 1)")

	r := e.must(201, "POST", "/projects/p/branches", key, map[string]any{"name": "Feature X", "description": "try"})
	gen := r.obj()["id"].(string)
	if r.obj()["name"] != "Feature X" || r.obj()["table_count"] != 0.0 || len(gen) < 6 {
		t.Fatalf("create = %s", r.body)
	}
	e.must(201, "POST", "/projects/p/branches", key, map[string]any{"id": "dev", "name": "dev"})
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"exists", map[string]any{"id": "dev", "name": "again"}, 409, "branch_exists"},
		{"reserved default", map[string]any{"id": "default", "name": "x"}, 400, "invalid_name"},
		{"reserved main", map[string]any{"id": "main", "name": "x"}, 400, "invalid_name"},
		{"bad id", map[string]any{"id": "../x", "name": "x"}, 400, "invalid_name"},
		{"no name", map[string]any{"id": "x"}, 422, "validation_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			if r := e.must(tc.status, "POST", "/projects/p/branches", key, tc.body); r.errCode() != tc.code {
				t.Fatalf("error = %s", r.body)
			}
		})
	}
	r = e.must(200, "GET", "/projects/p/branches", key, nil)
	if r.obj()["count"] != 2.0 {
		t.Fatalf("list = %s", r.body)
	}
	if n := len(e.must(200, "GET", "/projects/p/branches?limit=1&offset=1", key, nil).obj()["branches"].([]any)); n != 1 {
		t.Fatalf("paged list has %d", n)
	}
	e.must(404, "GET", "/projects/p/branches/nope", key, nil)
	e.must(404, "GET", "/projects/p/branches/nope/buckets", key, nil)
	e.must(400, "GET", "/projects/p/branches/a.b/buckets", key, nil)
	e.must(404, "GET", "/projects/p/branches/default", key, nil)

	const dev = "/projects/p/branches/dev/buckets/in.c-s/tables/t"
	// Before any write the branch reads main.
	r = e.must(200, "GET", dev, key, nil)
	if r.obj()["source"] != "main" || r.obj()["row_count"] != 3.0 {
		t.Fatalf("branch read before write = %s", r.body)
	}
	// The first write copies the table into the branch.
	e.must(200, "DELETE", dev+"/rows", key, map[string]any{"filters": []any{f("id", "eq", 1)}})
	r = e.must(200, "GET", dev, key, nil)
	if r.obj()["source"] != "branch" || r.obj()["row_count"] != 2.0 {
		t.Fatalf("branch after write = %s", r.body)
	}
	if got := ids(e.rows("/projects/p/buckets/in.c-s/tables/t/preview", key)); len(got) != 3 {
		t.Fatalf("main changed through the branch: %v", got)
	}
	// Schema changes through a branch change its copy only.
	e.must(201, "POST", dev+"/columns", key, map[string]any{"name": "extra", "type": "INT"})
	if column(e.must(200, "GET", "/projects/p/buckets/in.c-s/tables/t", key, nil), "extra") != nil {
		t.Fatal("main got the branch's column")
	}
	// Listing merges: the copy and main's other table.
	r = e.must(200, "GET", "/projects/p/branches/dev/buckets/in.c-s/tables", key, nil)
	sources := map[string]any{}
	for _, tb := range r.obj()["tables"].([]any) {
		sources[tb.(map[string]any)["name"].(string)] = tb.(map[string]any)["source"]
	}
	if sources["t"] != "branch" || sources["other"] != "main" {
		t.Fatalf("branch listing = %s", r.body)
	}
	// Buckets and tables created in the branch stay there.
	e.must(201, "POST", "/projects/p/branches/dev/buckets", key, map[string]any{"name": "scratch"})
	e.must(201, "POST", "/projects/p/branches/dev/buckets/scratch/tables", key, map[string]any{"name": "n", "columns": []any{map[string]any{"name": "a", "type": "INT"}}})
	e.must(404, "GET", "/projects/p/buckets/scratch", key, nil)
	e.must(409, "POST", "/projects/p/branches/dev/buckets", key, map[string]any{"name": "in.c-s"})
	// A branch cannot drop main's objects.
	if code := e.must(409, "DELETE", "/projects/p/branches/dev/buckets/in.c-s/tables/other", key, nil).errCode(); code != "table_in_main" {
		t.Fatalf("drop main table through branch: %s", code)
	}
	if code := e.must(409, "DELETE", "/projects/p/branches/dev/buckets/in.c-s?cascade=true", key, nil).errCode(); code != "bucket_in_main" {
		t.Fatalf("drop main bucket through branch: %s", code)
	}

	r = e.must(200, "GET", "/projects/p/branches/dev", key, nil)
	if o := r.obj(); o["table_count"] != 2.0 || len(o["copied_tables"].([]any)) != 2 || o["size_bytes"].(float64) <= 0 {
		t.Fatalf("branch detail = %s", r.body)
	}

	// Deleting the branch removes its files and revokes its keys.
	ba := e.key("p", "branch_admin", "dev")
	e.must(200, "GET", dev, ba, nil)
	folder := filepath.Join(e.dir, "projects", "p", "branches", "dev")
	if _, err := os.Stat(folder); err != nil {
		t.Fatal(err)
	}
	e.must(400, "DELETE", "/projects/p/branches/default", key, nil)
	e.must(204, "DELETE", "/projects/p/branches/dev", key, nil)
	if _, err := os.Stat(folder); !os.IsNotExist(err) {
		t.Fatalf("branch folder left: %v", err)
	}
	e.must(401, "GET", "/projects/p", ba, nil)
	e.must(404, "GET", dev, key, nil)
	if got := ids(e.rows("/projects/p/buckets/in.c-s/tables/t/preview", key)); len(got) != 3 {
		t.Fatalf("main after branch delete: %v", got)
	}
	// A new branch of the same id starts empty and its old keys stay dead.
	e.must(201, "POST", "/projects/p/branches", key, map[string]any{"id": "dev", "name": "dev"})
	e.must(401, "GET", "/projects/p/branches/dev", ba, nil)
	if r := e.must(200, "GET", dev, key, nil); r.obj()["source"] != "main" {
		t.Fatalf("recreated branch = %s", r.body)
	}
}
