package admin

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCreateTable(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.must(201, "POST", "/projects/p/buckets", key, map[string]any{"name": "in.c-s"})
	const tables = "/projects/p/buckets/in.c-s/tables"
	r := e.must(201, "POST", tables, key, map[string]any{
		"name": "orders",
		"columns": []map[string]any{
			{"name": "id", "type": "int8"},
			{"name": "region", "type": "text", "nullable": false, "default": "EU"},
			{"name": "amount", "type": "numeric(12,2)", "default": "0"},
			{"name": "at", "type": "timestamp with time zone"},
			{"name": "ok", "type": "bool", "default": "true"},
			{"name": "u", "type": "uuid"},
		},
		"primary_key": []string{"id"},
	})
	o := r.obj()
	cols := o["columns"].([]any)
	want := []struct {
		name, typ string
		nullable  bool
		def       bool
	}{{"id", "BIGINT", false, false}, {"region", "VARCHAR", false, true}, {"amount", "DECIMAL(12,2)", true, true},
		{"at", "TIMESTAMP WITH TIME ZONE", true, false}, {"ok", "BOOLEAN", true, true}, {"u", "UUID", true, false}}
	if len(cols) != len(want) {
		t.Fatalf("columns = %v", cols)
	}
	for i, w := range want {
		c := cols[i].(map[string]any)
		if c["name"] != w.name || c["type"] != w.typ || c["nullable"] != w.nullable || (c["default"] != nil) != w.def || c["ordinal_position"] != float64(i+1) {
			t.Errorf("column %d = %v, want %+v", i, c, w)
		}
	}
	if pk := o["primary_key"].([]any); len(pk) != 1 || pk[0] != "id" || o["row_count"] != 0.0 || o["source"] != "main" || o["bucket"] != "in.c-s" {
		t.Fatalf("create = %s", r.body)
	}
	if o["size_bytes"].(float64) <= 0 || o["created_at"] == "" || o["updated_at"] == "" {
		t.Fatalf("create = %s", r.body)
	}
	// Defaults apply to rows that leave the column out.
	e.exec("p", "main", "in.c-s", "orders", "INSERT INTO {t} (id) VALUES (1), (2)")
	rows := e.rows(tables+"/orders/preview", key)
	if len(rows) != 2 || rows[0]["region"] != "EU" || rows[0]["amount"] != 0.0 || rows[0]["ok"] != true {
		t.Fatalf("defaults not applied: %v", rows)
	}
	r = e.must(200, "GET", tables+"/orders", key, nil)
	if r.obj()["row_count"] != 2.0 {
		t.Fatalf("get = %s", r.body)
	}

	col := func(name, typ string) map[string]any { return map[string]any{"name": name, "type": typ} }
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"exists", map[string]any{"name": "orders", "columns": []any{col("a", "INT")}}, 409, "table_exists"},
		{"unknown type", map[string]any{"name": "t1", "columns": []any{col("a", "MONEY")}}, 400, "invalid_type"},
		{"type with SQL", map[string]any{"name": "t1", "columns": []any{col("a", "INT); DROP TABLE x; --")}}, 400, "invalid_type"},
		{"bad decimal", map[string]any{"name": "t1", "columns": []any{col("a", "DECIMAL(40,2)")}}, 400, "invalid_value"},
		{"bad default", map[string]any{"name": "t1", "columns": []any{map[string]any{"name": "a", "type": "INT", "default": "abc"}}}, 400, "invalid_value"},
		{"default with SQL", map[string]any{"name": "t1", "columns": []any{map[string]any{"name": "a", "type": "VARCHAR", "default": "x'); DROP TABLE y; --"}}}, 201, ""},
		{"pk of no column", map[string]any{"name": "t2", "columns": []any{col("a", "INT")}, "primary_key": []string{"b"}}, 400, "column_not_found"},
		{"pk twice", map[string]any{"name": "t2", "columns": []any{col("a", "INT")}, "primary_key": []string{"a", "a"}}, 400, "invalid_primary_key"},
		{"duplicate column", map[string]any{"name": "t2", "columns": []any{col("a", "INT"), col("A", "INT")}}, 400, "duplicate_column"},
		{"no columns", map[string]any{"name": "t2", "columns": []any{}}, 422, "validation_error"},
		{"columns missing", map[string]any{"name": "t2"}, 422, "validation_error"},
		{"column without type", map[string]any{"name": "t2", "columns": []any{map[string]any{"name": "a"}}}, 422, "validation_error"},
		{"columns not a list", map[string]any{"name": "t2", "columns": "a"}, 422, "validation_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(tc.status, "POST", tables, key, tc.body)
			if tc.code != "" && r.errCode() != tc.code {
				t.Fatalf("error = %s", r.body)
			}
		})
	}
	for _, bad := range badNames {
		t.Run("bad table name "+bad.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(400, "POST", tables, key, map[string]any{"name": bad.value, "columns": []any{col("a", "INT")}})
			if r.errCode() != "invalid_name" {
				t.Fatalf("error = %s", r.body)
			}
		})
		t.Run("bad column name "+bad.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(400, "POST", tables, key, map[string]any{"name": "t3", "columns": []any{col(bad.value, "INT")}})
			if r.errCode() != "invalid_name" {
				t.Fatalf("error = %s", r.body)
			}
		})
	}
	e.must(404, "POST", "/projects/p/buckets/nope/tables", key, map[string]any{"name": "x", "columns": []any{col("a", "INT")}})
	// Nothing refused reached the disk.
	files, _ := filepath.Glob(filepath.Join(e.dir, "projects", "p", "main", "in.c-s", "*.duckdb"))
	if len(files) != 2 {
		t.Fatalf("files in the bucket: %v", files)
	}
	staged, _ := os.ReadDir(filepath.Join(e.dir, "projects", "p", "_staging"))
	if len(staged) != 0 {
		t.Fatalf("staging leftovers: %v", staged)
	}
}

func TestListGetDeleteTables(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.table("p", "in.c-s", "b_table", "(1, 'a', 1), (2, 'b', 2), (3, 'c', 3)")
	e.table("p", "in.c-s", "a_table", "")
	const tables = "/projects/p/buckets/in.c-s/tables"
	r := e.must(200, "GET", tables, key, nil)
	o := r.obj()
	list := o["tables"].([]any)
	if o["total"] != 2.0 || list[0].(map[string]any)["name"] != "a_table" || list[1].(map[string]any)["row_count"] != 3.0 {
		t.Fatalf("list = %s", r.body)
	}
	e.must(404, "GET", "/projects/p/buckets/nope/tables", key, nil)
	if code := e.must(404, "GET", tables+"/nope", key, nil).errCode(); code != "table_not_found" {
		t.Fatalf("missing table: %s", code)
	}
	e.must(400, "GET", tables+"/.x", key, nil)
	r = e.must(200, "GET", "/projects/p/branches/default/buckets/in.c-s/tables/b_table", key, nil)
	if o := r.obj(); o["row_count"] != 3.0 || o["source"] != "main" {
		t.Fatalf("get = %s", r.body)
	}
	created, _ := time.Parse(time.RFC3339Nano, r.obj()["created_at"].(string))
	if time.Since(created) > time.Minute {
		t.Fatalf("created_at = %v", created)
	}
	path := filepath.Join(e.dir, "projects", "p", "main", "in.c-s", "b_table.duckdb")
	e.must(204, "DELETE", tables+"/b_table", key, nil)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file left: %v", err)
	}
	e.must(404, "GET", tables+"/b_table", key, nil)
	e.must(404, "DELETE", tables+"/b_table", key, nil)
	// The name can be used again.
	e.table("p", "in.c-s", "b_table", "(7, 'x', 1)")
	if got := ids(e.rows(tables+"/b_table/preview", key)); len(got) != 1 || got[0] != 7 {
		t.Fatalf("recreated table rows: %v", got)
	}
}
