package admin

import (
	"math"
	"testing"
)

func TestDeleteRows(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.table("p", "b", "t", "(1, 'a', 1), (2, 'b', 2), (3, 'c', 3), (4, NULL, 4), (5, 'e', NULL)")
	const T = "/projects/p/buckets/b/tables/t"
	before := e.must(200, "GET", T, key, nil).obj()["updated_at"].(string)

	r := e.must(200, "DELETE", T+"/rows", key, map[string]any{"filters": []any{f("id", "in", 1, 2), f("score", "not_null")}})
	if o := r.obj(); o["deleted_rows"] != 2.0 || o["table_rows_after"] != 3.0 {
		t.Fatalf("delete = %s", r.body)
	}
	if got := ids(e.rows(T+"/preview", key)); len(got) != 3 || got[0] != 3 {
		t.Fatalf("rows left: %v", got)
	}
	if after := e.must(200, "GET", T, key, nil).obj()["updated_at"].(string); after <= before {
		t.Fatalf("updated_at %s not after %s", after, before)
	}
	r = e.must(200, "DELETE", T+"/rows", key, map[string]any{"filters": []any{f("name", "eq", "nobody")}})
	if o := r.obj(); o["deleted_rows"] != 0.0 || o["table_rows_after"] != 3.0 {
		t.Fatalf("delete nothing = %s", r.body)
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"raw SQL", map[string]any{"where_clause": "1=1", "filters": []any{}}, 400, "raw_sql_refused"},
		{"no filters", map[string]any{}, 422, "validation_error"},
		{"filters not a list", map[string]any{"filters": "id > 1"}, 422, "validation_error"},
		{"unknown column", map[string]any{"filters": []any{f("nope", "eq", 1)}}, 400, "column_not_found"},
		{"bad operator", map[string]any{"filters": []any{f("id", "between", 1)}}, 400, "invalid_filter"},
		{"value of the wrong type", map[string]any{"filters": []any{f("id", "gt", "x")}}, 400, "invalid_value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			if r := e.must(tc.status, "DELETE", T+"/rows", key, tc.body); r.errCode() != tc.code {
				t.Fatalf("error = %s", r.body)
			}
		})
	}
	e.must(404, "DELETE", "/projects/p/buckets/b/tables/nope/rows", key, map[string]any{"filters": []any{}})
	// An empty list deletes every row.
	r = e.must(200, "DELETE", T+"/rows", key, map[string]any{"filters": []any{}})
	if o := r.obj(); o["deleted_rows"] != 3.0 || o["table_rows_after"] != 0.0 {
		t.Fatalf("delete all = %s", r.body)
	}
}

func TestProfile(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.table("p", "b", "t", "(1, 'a', 1), (2, 'b', 2), (3, 'b', 3), (4, NULL, 6)")
	r := e.must(200, "POST", "/projects/p/buckets/b/tables/t/profile", key, nil)
	o := r.obj()
	if o["row_count"] != 4.0 || o["column_count"] != 3.0 || o["table_name"] != "t" || o["bucket_name"] != "b" {
		t.Fatalf("profile = %s", r.body)
	}
	stats := map[string]map[string]any{}
	for _, s := range o["statistics"].([]any) {
		s := s.(map[string]any)
		stats[s["column_name"].(string)] = s
	}
	id, name, score := stats["id"], stats["name"], stats["score"]
	if id["null_count"] != 0.0 || id["distinct_count"] != 4.0 || id["min"] != 1.0 || id["max"] != 4.0 || id["mean"] != 2.5 || id["column_type"] != "BIGINT" {
		t.Fatalf("id stats = %v", id)
	}
	if sd := id["stddev"].(float64); math.Abs(sd-1.2909944) > 1e-6 {
		t.Fatalf("id stddev = %v", sd)
	}
	if name["null_count"] != 1.0 || name["count"] != 3.0 || name["distinct_count"] != 2.0 || name["min"] != "a" || name["max"] != "b" ||
		name["mean"] != nil || name["stddev"] != nil || name["null_percentage"] != 25.0 {
		t.Fatalf("name stats = %v", name)
	}
	if score["mean"] != 3.0 || score["avg"] != 3.0 || score["max"] != 6.0 {
		t.Fatalf("score stats = %v", score)
	}
	// An empty table profiles too.
	e.table("p", "b", "empty", "")
	r = e.must(200, "POST", "/projects/p/buckets/b/tables/empty/profile", key, nil)
	if s := r.obj()["statistics"].([]any)[0].(map[string]any); r.obj()["row_count"] != 0.0 || s["min"] != nil || s["mean"] != nil {
		t.Fatalf("empty profile = %s", r.body)
	}
	e.must(404, "POST", "/projects/p/buckets/b/tables/nope/profile", key, nil)
}
