package admin

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestPublicRoutes(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "GET", "/health", "", nil)
	if o := r.obj(); o["status"] != "healthy" || o["storage_available"] != true || o["version"] != "test" {
		t.Fatalf("health = %s", r.body)
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id")
	}
	for _, path := range []string{"/metrics", "/openapi.json", "/docs"} {
		e.must(200, "GET", path, "", nil)
	}
	r = e.must(200, "GET", "/health", "", nil, "X-Request-Id", "my-req-1")
	if got := r.header.Get("X-Request-Id"); got != "my-req-1" {
		t.Fatalf("client request id not kept: %q", got)
	}
}

func TestBackend(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "POST", "/backend/init", e.admin, nil)
	if r.obj()["success"] != true {
		t.Fatalf("init = %s", r.body)
	}
	e.must(200, "POST", "/backend/remove", e.admin, nil)
	key := e.project("p")
	e.must(403, "POST", "/backend/init", key, nil)
	e.must(401, "POST", "/backend/init", "", nil)
}

func TestProjects(t *testing.T) {
	e := newEnv(t)
	r := e.must(201, "POST", "/projects", e.admin, map[string]any{"id": "acme", "name": "Acme", "settings": map[string]any{"tier": "gold"}})
	o := r.obj()
	if o["id"] != "acme" || o["name"] != "Acme" || o["db_path"] != "projects/acme" || o["status"] != "active" || o["created_at"] == "" {
		t.Fatalf("create = %s", r.body)
	}
	key, _ := o["api_key"].(string)
	if len(key) < 40 {
		t.Fatalf("api_key = %q", key)
	}
	e.must(200, "GET", "/projects/acme", key, nil)
	if code := e.must(409, "POST", "/projects", e.admin, map[string]any{"id": "acme"}).errCode(); code != "project_exists" {
		t.Fatalf("duplicate: %s", code)
	}
	e.project("beta")
	e.project("gamma")

	for _, tc := range []struct {
		name, query string
		status      int
		ids         []string
		total       float64
	}{
		{"all", "", 200, []string{"acme", "beta", "gamma"}, 3},
		{"limit", "?limit=2", 200, []string{"acme", "beta"}, 3},
		{"offset", "?limit=2&offset=2", 200, []string{"gamma"}, 3},
		{"past the end", "?offset=10", 200, []string{}, 3},
		{"deleted", "?status=deleted", 200, []string{}, 0},
		{"limit 0", "?limit=0", 422, nil, 0},
		{"limit too big", "?limit=1001", 422, nil, 0},
		{"limit not a number", "?limit=x", 422, nil, 0},
		{"negative offset", "?offset=-1", 422, nil, 0},
		{"bad status", "?status=gone", 422, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(tc.status, "GET", "/projects"+tc.query, e.admin, nil)
			if tc.status != 200 {
				if r.errCode() != "validation_error" {
					t.Fatalf("error = %s", r.body)
				}
				return
			}
			o := r.obj()
			var got []string
			for _, p := range o["projects"].([]any) {
				got = append(got, p.(map[string]any)["id"].(string))
			}
			if len(got) != len(tc.ids) || o["total"] != tc.total {
				t.Fatalf("got %v total %v, want %v total %v", got, o["total"], tc.ids, tc.total)
			}
			for i := range got {
				if got[i] != tc.ids[i] {
					t.Fatalf("got %v, want %v", got, tc.ids)
				}
			}
		})
	}

	r = e.must(200, "PUT", "/projects/acme", key, map[string]any{"name": "Acme Inc", "settings": map[string]any{"tier": "silver"}})
	if o := r.obj(); o["name"] != "Acme Inc" || o["settings"].(map[string]any)["tier"] != "silver" {
		t.Fatalf("update = %s", r.body)
	}
	r = e.must(200, "PUT", "/projects/acme", key, map[string]any{})
	if o := r.obj(); o["name"] != "Acme Inc" {
		t.Fatalf("empty update changed the name: %s", r.body)
	}
	e.must(422, "PUT", "/projects/acme", key, map[string]any{"name": ""})
	e.must(404, "PUT", "/projects/nope", e.admin, map[string]any{"name": "x"})

	e.table("acme", "in.c-sales", "orders", "(1, 'a', 1.5), (2, 'b', 2.5)")
	r = e.must(200, "GET", "/projects/acme/stats", key, nil)
	if o := r.obj(); o["table_count"] != 1.0 || o["bucket_count"] != 1.0 || o["size_bytes"].(float64) <= 0 || o["branch_count"] != 0.0 {
		t.Fatalf("stats = %s", r.body)
	}
	r = e.must(200, "GET", "/projects/acme", key, nil)
	if o := r.obj(); o["table_count"] != 1.0 || o["size_bytes"].(float64) <= 0 {
		t.Fatalf("get = %s", r.body)
	}
}

func TestProjectIDsAreValidated(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"dot dot", map[string]any{"id": "../x"}, 400, "invalid_name"},
		{"slash", map[string]any{"id": "a/b"}, 400, "invalid_name"},
		{"NUL", map[string]any{"id": "a\x00b"}, 400, "invalid_name"},
		{"leading dot", map[string]any{"id": ".x"}, 400, "invalid_name"},
		{"space", map[string]any{"id": "a b"}, 400, "invalid_name"},
		{"empty", map[string]any{"id": ""}, 400, "invalid_name"},
		{"too long", map[string]any{"id": string(make([]byte, 64))}, 400, "invalid_name"},
		{"missing", map[string]any{"name": "x"}, 422, "validation_error"},
		{"null", map[string]any{"id": nil}, 422, "validation_error"},
		{"not a string", map[string]any{"id": 5}, 422, "validation_error"},
		{"not JSON", "{", 422, "validation_error"},
		{"not an object", "[1]", 422, "validation_error"},
		{"name too long", map[string]any{"id": "ok", "name": string(make([]byte, 300))}, 422, "validation_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(tc.status, "POST", "/projects", e.admin, tc.body)
			if r.errCode() != tc.code {
				t.Fatalf("error = %s", r.body)
			}
		})
	}
	r := e.must(422, "POST", "/projects", e.admin, map[string]any{})
	errs := r.obj()["detail"].(map[string]any)["details"].(map[string]any)["errors"].([]any)
	loc := errs[0].(map[string]any)["loc"].([]any)
	if loc[0] != "body" || loc[1] != "id" || errs[0].(map[string]any)["type"] != "missing" {
		t.Fatalf("validation detail = %s", r.body)
	}
	// A path id that could leave the projects folder is refused too.
	// (An encoded slash makes the path another route's: 404.)
	e.must(404, "GET", "/projects/..%2Fx", e.admin, nil)
	e.must(400, "GET", "/projects/.x", e.admin, nil)
	e.must(400, "GET", "/projects/a%00b", e.admin, nil)
	e.must(400, "DELETE", "/projects/..", e.admin, nil)
	entries, _ := os.ReadDir(filepath.Join(e.dir, "projects"))
	if len(entries) != 0 {
		t.Fatalf("refused ids touched the disk: %v", entries)
	}
}

// Deleting a project removes its catalog rows and every file of it:
// tables, branch copies, everything under its folder.
func TestDeleteProjectLeavesNothing(t *testing.T) {
	e := newEnv(t)
	key := e.project("doomed")
	other := e.project("kept")
	e.table("doomed", "in.c-a", "t1", "(1, 'a', 1), (2, 'b', 2)")
	e.table("doomed", "in.c-b", "t2", "(1, 'a', 1)")
	e.table("kept", "in.c-a", "t1", "(1, 'a', 1)")
	e.must(201, "POST", "/projects/doomed/branches", key, map[string]any{"id": "dev", "name": "dev"})
	e.must(200, "DELETE", "/projects/doomed/branches/dev/buckets/in.c-a/tables/t1/rows", key,
		map[string]any{"filters": []any{map[string]any{"column": "id", "operator": "eq", "values": []any{1}}}})
	dir := filepath.Join(e.dir, "projects", "doomed")
	if _, err := os.Stat(filepath.Join(dir, "branches", "dev", "in.c-a", "t1.duckdb")); err != nil {
		t.Fatalf("branch copy missing before the delete: %v", err)
	}

	e.must(204, "DELETE", "/projects/doomed", key, nil)

	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		var left []string
		filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { left = append(left, p); return nil })
		t.Fatalf("project folder still there: %v", left)
	}
	ctx := context.Background()
	if _, err := e.cat.Project(ctx, "doomed"); err == nil {
		t.Fatal("project still in the catalog")
	}
	if keys, _ := e.cat.Keys(ctx, "doomed"); len(keys) != 0 {
		t.Fatalf("%d keys left", len(keys))
	}
	if tables, _ := e.cat.Tables(ctx, "doomed", "main", ""); len(tables) != 0 {
		t.Fatalf("%d tables left", len(tables))
	}
	if branches, _ := e.cat.Branches(ctx, "doomed"); len(branches) != 0 {
		t.Fatalf("%d branches left", len(branches))
	}
	e.must(401, "GET", "/projects/doomed", key, nil)
	e.must(404, "GET", "/projects/doomed", e.admin, nil)
	e.must(200, "GET", "/projects/kept/buckets/in.c-a/tables/t1", other, nil)
	if _, err := os.Stat(filepath.Join(e.dir, "projects", "kept", "main", "in.c-a", "t1.duckdb")); err != nil {
		t.Fatalf("other project's file: %v", err)
	}
}
