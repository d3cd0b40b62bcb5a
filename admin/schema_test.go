package admin

import (
	"os"
	"path/filepath"
	"testing"
)

// column returns the named column of a table answer, or nil.
func column(r *resp, name string) map[string]any {
	for _, c := range r.obj()["columns"].([]any) {
		if c := c.(map[string]any); c["name"] == name {
			return c
		}
	}
	return nil
}

func pkOf(r *resp) []any { return r.obj()["primary_key"].([]any) }

func TestSchemaChanges(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.table("p", "b", "t", "(1, 'a', 1.5), (2, NULL, 2.5), (3, 'c', NULL)")
	const T = "/projects/p/buckets/b/tables/t"

	// Add columns.
	r := e.must(201, "POST", T+"/columns", key, map[string]any{"name": "note", "type": "text"})
	if c := column(r, "note"); c == nil || c["type"] != "VARCHAR" || c["nullable"] != true || r.obj()["row_count"] != 3.0 {
		t.Fatalf("add nullable = %s", r.body)
	}
	r = e.must(201, "POST", T+"/columns", key, map[string]any{"name": "qty", "type": "int4", "nullable": false, "default": "7"})
	if c := column(r, "qty"); c == nil || c["type"] != "INTEGER" || c["nullable"] != false || c["default"] == nil {
		t.Fatalf("add not null with default = %s", r.body)
	}
	if rows := e.rows(T+"/preview", key); rows[0]["qty"] != 7.0 {
		t.Fatalf("existing rows did not get the default: %v", rows)
	}
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"not null without default on rows", map[string]any{"name": "x", "type": "INT", "nullable": false}, 409, "not_null_violation"},
		{"exists", map[string]any{"name": "NAME", "type": "INT"}, 409, "column_exists"},
		{"bad type", map[string]any{"name": "x", "type": "SERIAL"}, 400, "invalid_type"},
		{"bad default", map[string]any{"name": "x", "type": "DATE", "default": "tomorrow-ish"}, 400, "invalid_value"},
		{"bad name", map[string]any{"name": "../x", "type": "INT"}, 400, "invalid_name"},
		{"no type", map[string]any{"name": "x"}, 422, "validation_error"},
	} {
		t.Run("add "+tc.name, func(t *testing.T) {
			e := e.with(t)
			if r := e.must(tc.status, "POST", T+"/columns", key, tc.body); r.errCode() != tc.code {
				t.Fatalf("error = %s", r.body)
			}
		})
	}
	if c := column(e.must(200, "GET", T, key, nil), "x"); c != nil {
		t.Fatal("a refused column was added")
	}

	// Alter columns.
	r = e.must(200, "PUT", T+"/columns/note", key, map[string]any{"new_name": "comment", "new_type": "VARCHAR", "set_default": "none"})
	if c := column(r, "comment"); c == nil || c["default"] == nil || column(r, "note") != nil {
		t.Fatalf("rename with default = %s", r.body)
	}
	r = e.must(200, "PUT", T+"/columns/comment", key, map[string]any{"set_default": ""})
	if c := column(r, "comment"); c["default"] != nil {
		t.Fatalf("drop default = %s", r.body)
	}
	r = e.must(200, "PUT", T+"/columns/score", key, map[string]any{"new_type": "DECIMAL(10,1)"})
	if c := column(r, "score"); c["type"] != "DECIMAL(10,1)" {
		t.Fatalf("retype = %s", r.body)
	}
	if code := e.must(409, "PUT", T+"/columns/name", key, map[string]any{"set_not_null": true}).errCode(); code != "not_null_violation" {
		t.Fatalf("set not null over NULLs: %s", code)
	}
	r = e.must(200, "PUT", T+"/columns/qty", key, map[string]any{"set_not_null": false})
	if c := column(r, "qty"); c["nullable"] != true {
		t.Fatalf("drop not null = %s", r.body)
	}
	r = e.must(200, "PUT", T+"/columns/qty", key, map[string]any{"set_not_null": true})
	if c := column(r, "qty"); c["nullable"] != false {
		t.Fatalf("set not null = %s", r.body)
	}
	// Retyping a key column rebuilds the table, keeping rows and key.
	r = e.must(200, "PUT", T+"/columns/id", key, map[string]any{"new_type": "VARCHAR", "new_name": "key"})
	if c := column(r, "key"); c == nil || c["type"] != "VARCHAR" || len(pkOf(r)) != 1 || pkOf(r)[0] != "key" || r.obj()["row_count"] != 3.0 {
		t.Fatalf("retype key column = %s", r.body)
	}
	if rows := e.rows(T+"/preview?order_by=key", key); rows[2]["key"] != "3" || rows[2]["comment"] != nil {
		t.Fatalf("rows after rebuild: %v", rows)
	}
	for _, tc := range []struct {
		name, column string
		body         map[string]any
		status       int
		code         string
	}{
		{"nothing to change", "qty", map[string]any{}, 422, "validation_error"},
		{"missing column", "nope", map[string]any{"new_name": "x"}, 404, "column_not_found"},
		{"bad column name", ".x", map[string]any{"new_name": "x"}, 400, "invalid_name"},
		{"rename onto another", "qty", map[string]any{"new_name": "Comment"}, 409, "column_exists"},
		{"bad new name", "qty", map[string]any{"new_name": "a/b"}, 400, "invalid_name"},
		{"bad new type", "qty", map[string]any{"new_type": "INT PRIMARY KEY"}, 400, "invalid_type"},
		{"values that do not cast", "name", map[string]any{"new_type": "INTEGER"}, 400, "invalid_value"},
		{"drop not null of the key", "key", map[string]any{"set_not_null": false}, 409, "column_in_primary_key"},
		{"bad default", "qty", map[string]any{"set_default": "seven"}, 400, "invalid_value"},
	} {
		t.Run("alter "+tc.name, func(t *testing.T) {
			e := e.with(t)
			if r := e.must(tc.status, "PUT", T+"/columns/"+tc.column, key, tc.body); r.errCode() != tc.code {
				t.Fatalf("error = %s", r.body)
			}
		})
	}

	// Drop columns.
	r = e.must(200, "DELETE", T+"/columns/comment", key, nil)
	if column(r, "comment") != nil {
		t.Fatalf("drop = %s", r.body)
	}
	if code := e.must(409, "DELETE", T+"/columns/key", key, nil).errCode(); code != "column_in_primary_key" {
		t.Fatalf("drop key column: %s", code)
	}
	e.must(404, "DELETE", T+"/columns/comment", key, nil)

	// Primary key: drop, refuse duplicates and NULLs, add.
	r = e.must(200, "DELETE", T+"/primary-key", key, nil)
	if len(pkOf(r)) != 0 || r.obj()["row_count"] != 3.0 {
		t.Fatalf("drop pk = %s", r.body)
	}
	if code := e.must(400, "DELETE", T+"/primary-key", key, nil).errCode(); code != "no_primary_key" {
		t.Fatalf("drop missing pk: %s", code)
	}
	e.exec("p", "main", "b", "t", "INSERT INTO {t} (key, name, score, qty) VALUES ('3', 'dup', 1, 1)")
	r = e.must(409, "POST", T+"/primary-key", key, map[string]any{"columns": []string{"key"}})
	if r.errCode() != "duplicate_primary_key" {
		t.Fatalf("pk over duplicates = %s", r.body)
	}
	if code := e.must(409, "POST", T+"/primary-key", key, map[string]any{"columns": []string{"name"}}).errCode(); code != "primary_key_nulls" {
		t.Fatalf("pk over NULLs: %s", code)
	}
	e.must(400, "POST", T+"/primary-key", key, map[string]any{"columns": []string{"nope"}})
	e.must(422, "POST", T+"/primary-key", key, map[string]any{"columns": []string{}})
	e.must(422, "POST", T+"/primary-key", key, map[string]any{})
	r = e.must(201, "POST", T+"/primary-key", key, map[string]any{"columns": []string{"key", "qty"}})
	if pk := pkOf(r); len(pk) != 2 || pk[0] != "key" || pk[1] != "qty" {
		t.Fatalf("add pk = %s", r.body)
	}
	if code := e.must(409, "POST", T+"/primary-key", key, map[string]any{"columns": []string{"qty"}}).errCode(); code != "primary_key_exists" {
		t.Fatalf("second pk: %s", code)
	}
	// The last column cannot go.
	e.must(201, "POST", "/projects/p/buckets/b/tables", key, map[string]any{"name": "one", "columns": []any{map[string]any{"name": "a", "type": "INT"}}})
	if code := e.must(400, "DELETE", "/projects/p/buckets/b/tables/one/columns/a", key, nil).errCode(); code != "last_column" {
		t.Fatalf("drop last column: %s", code)
	}
	staged, _ := os.ReadDir(filepath.Join(e.dir, "projects", "p", "_staging"))
	if len(staged) != 0 {
		t.Fatalf("staging leftovers: %v", staged)
	}
}
