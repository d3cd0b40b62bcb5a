package admin

import (
	"encoding/json"
	"net/url"
	"testing"
)

func filtersQuery(fs ...map[string]any) string {
	b, _ := json.Marshal(fs)
	return "filters=" + url.QueryEscape(string(b))
}

func f(column, op string, values ...any) map[string]any {
	m := map[string]any{"column": column, "operator": op}
	if values != nil {
		m["values"] = values
	}
	return m
}

func TestPreview(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.table("p", "in.c-s", "t", "(3, 'carol', 30.5), (1, 'alice', 10), (2, 'bob', NULL), (5, 'eve', 50), (4, NULL, 40)")
	const p = "/projects/p/buckets/in.c-s/tables/t/preview"

	r := e.must(200, "GET", p, key, nil)
	o := r.obj()
	if o["total_row_count"] != 5.0 || o["preview_row_count"] != 5.0 || len(o["columns"].([]any)) != 3 {
		t.Fatalf("preview = %s", r.body)
	}
	for _, tc := range []struct {
		name, query string
		want        []int
	}{
		{"default order is the primary key", "", []int{1, 2, 3, 4, 5}},
		{"limit", "limit=2", []int{1, 2}},
		{"order desc", "order_by=score:desc", []int{5, 4, 3, 1, 2}},
		{"order by two", "order_by=name:asc,id:desc&limit=3", []int{1, 2, 3}},
		{"eq", filtersQuery(f("name", "eq", "bob")), []int{2}},
		{"eq number as text", filtersQuery(f("id", "eq", "3")), []int{3}},
		{"ne", filtersQuery(f("name", "ne", "bob")), []int{1, 3, 5}},
		{"gt", filtersQuery(f("score", "gt", 30)), []int{3, 4, 5}},
		{"ge", filtersQuery(f("score", "ge", "30.5")), []int{3, 4, 5}},
		{"lt", filtersQuery(f("id", "lt", 3)), []int{1, 2}},
		{"le", filtersQuery(f("id", "le", 3)), []int{1, 2, 3}},
		{"numeric not lexical", filtersQuery(f("score", "gt", "5")), []int{1, 3, 4, 5}},
		{"in", filtersQuery(f("id", "in", 1, 5, 9)), []int{1, 5}},
		{"not_in", filtersQuery(f("name", "not_in", "alice", "bob")), []int{3, 5}},
		{"is_null", filtersQuery(f("score", "is_null")), []int{2}},
		{"not_null", filtersQuery(f("name", "not_null")), []int{1, 2, 3, 5}},
		{"ANDed", filtersQuery(f("score", "not_null"), f("id", "ge", 3), f("name", "ne", "eve")), []int{3}},
		{"injection in a value matches nothing", filtersQuery(f("name", "eq", "x' OR '1'='1")), []int{}},
		{"filters with order and limit", filtersQuery(f("id", "gt", 1)) + "&order_by=id:desc&limit=2", []int{5, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			got := ids(e.rows(p+"?"+tc.query, key))
			if len(got) != len(tc.want) {
				t.Fatalf("ids %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("ids %v, want %v", got, tc.want)
				}
			}
		})
	}

	r = e.must(200, "GET", p+"?columns=score,id&limit=1", key, nil)
	o = r.obj()
	cols := o["columns"].([]any)
	row := o["rows"].([]any)[0].(map[string]any)
	if len(cols) != 2 || cols[0].(map[string]any)["name"] != "score" || len(row) != 2 || row["id"] != 1.0 || row["score"] != 10.0 {
		t.Fatalf("columns = %s", r.body)
	}

	for _, tc := range []struct {
		name, query string
		status      int
		code        string
	}{
		{"limit 0", "limit=0", 422, "validation_error"},
		{"limit too big", "limit=10001", 422, "validation_error"},
		{"unknown column", "columns=id,nope", 400, "column_not_found"},
		{"column twice", "columns=id,id", 400, "duplicate_column"},
		{"unknown order column", "order_by=nope", 400, "column_not_found"},
		{"bad direction", "order_by=id:sideways", 400, "invalid_order"},
		{"order by SQL", "order_by=" + url.QueryEscape("id; DROP TABLE x"), 400, "column_not_found"},
		{"filters not JSON", "filters=" + url.QueryEscape("id > 3"), 400, "invalid_filter"},
		{"filter column unknown", filtersQuery(f("nope", "eq", 1)), 400, "column_not_found"},
		{"filter column is SQL", filtersQuery(f("1=1 OR id", "eq", 1)), 400, "column_not_found"},
		{"unknown operator", filtersQuery(f("id", "like", "1")), 400, "invalid_filter"},
		{"operator as SQL", filtersQuery(f("id", "= 1 OR 1 =", "1")), 400, "invalid_filter"},
		{"eq with two values", filtersQuery(f("id", "eq", 1, 2)), 400, "invalid_filter"},
		{"in without values", filtersQuery(f("id", "in")), 400, "invalid_filter"},
		{"is_null with a value", filtersQuery(f("id", "is_null", 1)), 400, "invalid_filter"},
		{"null value", filtersQuery(f("id", "eq", nil)), 400, "invalid_filter"},
		{"object value", filtersQuery(f("id", "eq", map[string]any{"a": 1})), 400, "invalid_filter"},
		{"value not of the type", filtersQuery(f("id", "eq", "abc")), 400, "invalid_value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(tc.status, "GET", p+"?"+tc.query, key, nil)
			if r.errCode() != tc.code {
				t.Fatalf("error = %s", r.body)
			}
		})
	}
	e.must(404, "GET", "/projects/p/buckets/in.c-s/tables/nope/preview", key, nil)
}

// Without a primary key, rows come ordered by every column; values of
// every type come out as JSON.
func TestPreviewTypesAndDefaultOrder(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.must(201, "POST", "/projects/p/buckets", key, map[string]any{"name": "b"})
	e.must(201, "POST", "/projects/p/buckets/b/tables", key, map[string]any{"name": "t", "columns": []any{
		map[string]any{"name": "k", "type": "VARCHAR"}, map[string]any{"name": "d", "type": "DECIMAL(10,2)"},
		map[string]any{"name": "ts", "type": "TIMESTAMP"}, map[string]any{"name": "day", "type": "DATE"},
		map[string]any{"name": "b", "type": "BOOLEAN"}, map[string]any{"name": "j", "type": "JSON"},
		map[string]any{"name": "note", "type": "VARCHAR", "default": "x'); DROP TABLE y; --"},
	}})
	e.exec("p", "main", "b", "t", `INSERT INTO {t} (k, d, ts, day, b, j) VALUES
		('b', 1.25, '2024-01-02 03:04:05', '2024-01-02', true, '{"a": 1}'),
		('a', 2.50, NULL, NULL, false, NULL)`)
	rows := e.rows("/projects/p/buckets/b/tables/t/preview", key)
	if len(rows) != 2 || rows[0]["k"] != "a" || rows[1]["k"] != "b" {
		t.Fatalf("rows = %v", rows)
	}
	r := rows[1]
	if r["d"] != 1.25 || r["ts"] != "2024-01-02T03:04:05" || r["day"] != "2024-01-02" || r["b"] != true || r["note"] != "x'); DROP TABLE y; --" {
		t.Fatalf("row = %v", r)
	}
	fs := filtersQuery(f("d", "ge", "2"), f("day", "is_null"))
	if rows := e.rows("/projects/p/buckets/b/tables/t/preview?"+fs, key); len(rows) != 1 || rows[0]["k"] != "a" {
		t.Fatalf("decimal/date filters: %v", rows)
	}
	fs = filtersQuery(f("ts", "lt", "2025-01-01"))
	if rows := e.rows("/projects/p/buckets/b/tables/t/preview?"+fs, key); len(rows) != 1 || rows[0]["k"] != "b" {
		t.Fatalf("timestamp filter: %v", rows)
	}
}
