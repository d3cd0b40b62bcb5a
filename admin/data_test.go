package admin

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/duckstore/duckstore/engine"
)

// upload prepares, uploads (one multipart request with the parts) and
// registers a file, and returns its id.
func (e *env) upload(project, key, name string, prepare map[string]any, parts ...string) string {
	e.t.Helper()
	body := map[string]any{"filename": name}
	for k, v := range prepare {
		body[k] = v
	}
	pr := e.must(200, "POST", "/projects/"+project+"/files/prepare", key, body).obj()
	up := e.multipart(pr["upload_url"].(string), key, name, parts...)
	if up.status != 200 {
		e.t.Fatalf("upload: %d %s", up.status, up.body)
	}
	reg := e.must(201, "POST", "/projects/"+project+"/files", key, map[string]any{"upload_key": pr["upload_key"]}).obj()
	return reg["id"].(string)
}

// multipart posts parts as file parts named <name>.<i> (or name when one).
func (e *env) multipart(path, key, name string, parts ...string) *resp {
	e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("note", "ignored")
	for i, p := range parts {
		n := name
		if len(parts) > 1 {
			n = fmt.Sprintf("%s.%d", name, i+1)
		}
		w, _ := mw.CreateFormFile("file", n)
		w.Write([]byte(p))
	}
	mw.Close()
	return e.do("POST", path, key, b.Bytes(), "Content-Type", mw.FormDataContentType())
}

func gz(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.String()
}

// newTable creates bucket b and a table with columns "name TYPE".
func (e *env) newTable(project, table string, pk []string, cols ...string) {
	e.t.Helper()
	if r := e.do("GET", "/projects/"+project+"/buckets/b", e.admin, nil); r.status == 404 {
		e.must(201, "POST", "/projects/"+project+"/buckets", e.admin, map[string]any{"name": "b"})
	}
	var defs []map[string]any
	for _, c := range cols {
		n, t, _ := strings.Cut(c, " ")
		defs = append(defs, map[string]any{"name": n, "type": t})
	}
	e.must(201, "POST", "/projects/"+project+"/buckets/b/tables", e.admin, map[string]any{"name": table, "columns": defs, "primary_key": pk})
}

// dump returns a table's rows, each as its values joined by |, sorted.
func (e *env) dump(project, table string) []string {
	e.t.Helper()
	var out []string
	for _, r := range e.rows("/projects/"+project+"/buckets/b/tables/"+table+"/preview?limit=10000", e.admin) {
		keys := make([]string, 0, len(r))
		for k := range r {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var vals []string
		for _, k := range keys {
			vals = append(vals, fmt.Sprint(r[k]))
		}
		out = append(out, strings.Join(vals, "|"))
	}
	sort.Strings(out)
	return out
}

func withData(d DataConfig) envOption {
	return func(c *Config, _ *engine.Config) { c.Data = d }
}

func TestFilesAPI(t *testing.T) {
	e := newEnv(t, withData(DataConfig{MaxUploadBytes: 1 << 20}))
	key := e.project("p")
	ro := e.key("p", "read_only", "")

	id := e.upload("p", key, "data.csv", map[string]any{"tags": map[string]string{"src": "crm"}, "content_type": "text/csv"}, "a,b\n1,2\n")
	f := e.must(200, "GET", "/projects/p/files/"+id, ro, nil).obj()
	if f["size_bytes"] != 8.0 || f["name"] != "data.csv" || f["is_staged"] != false || f["expires_at"] == nil ||
		f["checksum_sha256"] != "a3b4c5a0f55cde3f4e2ee9b2a27b1f5fcf3aa1d29e2c6d5e9b7dca5a5f3b9f1e" && len(f["checksum_sha256"].(string)) != 64 {
		t.Fatalf("file = %v", f)
	}
	// Download: whole, then a range.
	d := e.must(200, "GET", "/projects/p/files/"+id+"/download", ro, nil)
	if string(d.body) != "a,b\n1,2\n" || d.header.Get("Content-Length") != "8" || d.header.Get("Content-Type") != "text/csv" {
		t.Fatalf("download = %q %v", d.body, d.header)
	}
	rg := e.must(206, "GET", "/projects/p/files/"+id+"/download", ro, nil, "Range", "bytes=2-4")
	if string(rg.body) != "b\n1" || rg.header.Get("Content-Range") != "bytes 2-4/8" {
		t.Fatalf("range = %q %v", rg.body, rg.header)
	}

	// Keboola's shapes: name, tags as a list, permanent.
	id2 := e.upload("p", key, "other.csv", map[string]any{"tags": []string{"x", "y"}, "isPermanent": true}, "x\n")
	if f2 := e.must(200, "GET", "/projects/p/files/"+id2, key, nil).obj(); f2["expires_at"] != nil || f2["is_permanent"] != true {
		t.Fatalf("permanent file = %v", f2)
	}
	for _, tc := range []struct {
		query string
		want  []string
		total float64
	}{{"", []string{id2, id}, 2}, {"?tags=src", []string{id}, 1}, {"?tags=src=crm,y", []string{id2, id}, 2}, {"?tags=src=erp", nil, 0},
		{"?limit=1&offset=1", []string{id}, 2}} {
		l := e.must(200, "GET", "/projects/p/files"+tc.query, ro, nil).obj()
		var got []string
		for _, it := range l["files"].([]any) {
			got = append(got, it.(map[string]any)["id"].(string))
		}
		if !reflect.DeepEqual(got, tc.want) || l["total"] != tc.total {
			t.Errorf("list%s = %v (total %v), want %v", tc.query, got, l["total"], tc.want)
		}
	}
	tagged := e.must(200, "PUT", "/projects/p/files/"+id+"/tags", key, map[string]any{"tags": []string{"new"}}).obj()
	if tags := tagged["tags"].(map[string]any); tags["new"] != "" || tags["src"] != "crm" {
		t.Fatalf("tags = %v", tags)
	}
	e.must(204, "DELETE", "/projects/p/files/"+id+"/tags/src", key, nil)
	e.must(404, "DELETE", "/projects/p/files/"+id+"/tags/src", key, nil)

	// Refusals: read-only keys, bad names, unknown keys, the size cap.
	if r := e.do("POST", "/projects/p/files/prepare", ro, map[string]any{"filename": "a"}); r.status != 403 {
		t.Fatalf("read_only prepare = %d", r.status)
	}
	for _, name := range []string{"../etc/passwd", "a/b", ".hidden"} {
		if r := e.do("POST", "/projects/p/files/prepare", key, map[string]any{"filename": name}); r.status != 400 {
			t.Errorf("name %q: %d %s", name, r.status, r.body)
		}
	}
	if r := e.do("POST", "/projects/p/files/prepare", key, map[string]any{"filename": "big", "size_bytes": 2 << 20}); r.status != 413 {
		t.Fatalf("prepare over the cap = %d", r.status)
	}
	pr := e.must(200, "POST", "/projects/p/files/prepare", key, map[string]any{"filename": "big"}).obj()
	if r := e.multipart(pr["upload_url"].(string), key, "big", strings.Repeat("x", 1<<20+1)); r.status != 413 || r.errCode() != "file_too_large" {
		t.Fatalf("upload over the cap = %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/projects/p/files", key, map[string]any{"upload_key": pr["upload_key"]}); r.status != 409 {
		t.Fatalf("register of an empty upload = %d %s", r.status, r.body)
	}
	e.must(404, "POST", "/projects/p/files/upload/nope", key, "x", "Content-Type", "application/octet-stream")
	e.must(404, "GET", "/projects/p/files/12345", key, nil)

	e.must(204, "DELETE", "/projects/p/files/"+id, key, nil)
	e.must(404, "GET", "/projects/p/files/"+id+"/download", key, nil)
}

// importFile posts an import and returns the answer.
func (e *env) importFile(project, table string, body map[string]any, query string) *resp {
	e.t.Helper()
	return e.do("POST", "/projects/"+project+"/buckets/b/tables/"+table+"/import/file"+query, e.admin, body)
}

func TestImportFileOptionsOverHTTP(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.newTable("p", "t", []string{"id"}, "id INTEGER", "name VARCHAR", "city VARCHAR")

	// Header matched by name, quoted delimiters, newlines and unicode.
	id := e.upload("p", key, "a.csv", nil, "city,id,name\n\"Brno, CZ\",1,\"Řehoř\nNový\"\nPraha,2,\"Ann \"\"A\"\"\"\n")
	r := e.importFile("p", "t", map[string]any{"file_id": id}, "")
	if r.status != 200 || r.obj()["imported_rows"] != 2.0 || r.obj()["table_rows_after"] != 2.0 {
		t.Fatalf("import = %d %s", r.status, r.body)
	}
	want := []string{"Brno, CZ|1|Řehoř\nNový", "Praha|2|Ann \"A\""}
	if got := e.dump("p", "t"); !reflect.DeepEqual(got, want) {
		t.Fatalf("rows = %q", got)
	}

	// Keboola's flat options: a gzip file without header, columns given,
	// semicolons, null markers, incremental upsert with a duplicate key.
	id = e.upload("p", key, "b.csv.gz", nil, gz("2;Bob;NULL\n3;Cy;Ostrava\n3;Cyril;Olomouc\n"))
	r = e.importFile("p", "t", map[string]any{"dataFileId": json.Number(id), "delimiter": ";", "columns": []string{"id", "name", "city"},
		"treatValuesAsNull": []string{"NULL"}, "incremental": 1}, "")
	if r.status != 200 || r.obj()["duplicates_removed"] != 1.0 || r.obj()["table_rows_after"] != 3.0 || len(r.obj()["warnings"].([]any)) != 1 {
		t.Fatalf("import = %d %s", r.status, r.body)
	}
	want = []string{"<nil>|2|Bob", "Brno, CZ|1|Řehoř\nNový", "Olomouc|3|Cyril"}
	if got := e.dump("p", "t"); !reflect.DeepEqual(got, want) {
		t.Fatalf("rows = %q", got)
	}

	// Errors leave the table as it was.
	for _, tc := range []struct {
		content, code string
		body          map[string]any
		status        int
		details       map[string]any
	}{
		{"id,nmae,town\n1,x,y\n", "column_mismatch", nil, 400, map[string]any{"missing": []any{"name", "city"}, "unknown": []any{"nmae", "town"}}},
		{"id,name,city\n1,x,y\nzz,x,y\n", "invalid_value", nil, 400, map[string]any{"row": 2.0, "column": "id", "value": "zz"}},
		{"id,name,city\n1,x,y\n", "duplicate_key", map[string]any{"import_options": map[string]any{"incremental": true, "dedup_mode": "fail_on_duplicates"}}, 409, nil},
		{"id,name,city\n9,x,y\n", "invalid_option", map[string]any{"import_options": map[string]any{"incremental": true, "dedup_mode": "insert_duplicates"}}, 400, nil},
	} {
		fid := e.upload("p", key, "bad.csv", nil, tc.content)
		body := map[string]any{"file_id": fid}
		for k, v := range tc.body {
			body[k] = v
		}
		r := e.importFile("p", "t", body, "")
		if r.status != tc.status || r.errCode() != tc.code {
			t.Fatalf("%q: %d %s", tc.content, r.status, r.body)
		}
		details := r.obj()["detail"].(map[string]any)["details"].(map[string]any)
		for k, v := range tc.details {
			if !reflect.DeepEqual(details[k], v) {
				t.Errorf("%q: details[%s] = %v, want %v", tc.content, k, details[k], v)
			}
		}
		if got := e.dump("p", "t"); !reflect.DeepEqual(got, want) {
			t.Fatalf("rows after a refused import = %q", got)
		}
	}
	e.must(404, "POST", "/projects/p/buckets/b/tables/t/import/file", e.admin, map[string]any{"file_id": "424242"})
	e.must(422, "POST", "/projects/p/buckets/b/tables/t/import/file", e.admin, map[string]any{})
}

func TestSlicedUploadImportsAsOneFile(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.newTable("p", "t", nil, "id INTEGER", "v VARCHAR")
	id := e.upload("p", key, "sliced.csv", map[string]any{"is_sliced": true}, "1,a\n2,b\n", "3,c\n")
	f := e.must(200, "GET", "/projects/p/files/"+id, key, nil).obj()
	if f["is_sliced"] != true || len(f["slices"].([]any)) != 2 {
		t.Fatalf("file = %v", f)
	}
	r := e.importFile("p", "t", map[string]any{"file_id": id, "csv_options": map[string]any{"header": false}}, "")
	if r.status != 200 || r.obj()["imported_rows"] != 3.0 {
		t.Fatalf("import = %d %s", r.status, r.body)
	}
	// Two files given as one import.
	a := e.upload("p", key, "a.csv", nil, "v,id\nx,7\n")
	b := e.upload("p", key, "b.csv", nil, "v,id\ny,8\n")
	r = e.importFile("p", "t", map[string]any{"file_ids": []string{a, b}}, "")
	if r.status != 200 || r.obj()["table_rows_after"] != 2.0 {
		t.Fatalf("import = %d %s", r.status, r.body)
	}
	if got := e.dump("p", "t"); !reflect.DeepEqual(got, []string{"7|x", "8|y"}) {
		t.Fatalf("rows = %q", got)
	}
}

// waitJob polls a job until it ends.
func (e *env) waitJob(project, id string) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		j := e.must(200, "GET", "/projects/"+project+"/jobs/"+id, e.admin, nil).obj()
		if s := j["status"]; s == "success" || s == "error" {
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("job %s did not end", id)
	return nil
}

func TestAsyncJobsRunInOrderPerTable(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.newTable("p", "t", []string{"id"}, "id INTEGER", "v VARCHAR")
	var ids []string
	for i := range 5 {
		fid := e.upload("p", key, "f.csv", nil, fmt.Sprintf("id,v\n1,%d\n%d,x\n", i, 100+i))
		r := e.importFile("p", "t", map[string]any{"file_id": fid, "import_options": map[string]any{"incremental": i > 0}}, "?async=true")
		if r.status != 202 || r.obj()["status"] != "waiting" || r.header.Get("Location") == "" {
			t.Fatalf("async import = %d %s", r.status, r.body)
		}
		ids = append(ids, r.obj()["id"].(string))
	}
	bad := e.upload("p", key, "bad.csv", nil, "id,v\nnope,x\n")
	r := e.importFile("p", "t", map[string]any{"file_id": bad, "import_options": map[string]any{"incremental": true}}, "?async=true")
	badID := r.obj()["id"].(string)
	for _, id := range ids {
		j := e.waitJob("p", id)
		if j["status"] != "success" || j["result"].(map[string]any)["imported_rows"] != 2.0 || j["operation"] != "tableImport" ||
			j["table_id"] != "b.t" || j["started_at"] == nil || j["progress"].(map[string]any)["bytes"] == 0.0 {
			t.Fatalf("job = %v", j)
		}
	}
	j := e.waitJob("p", badID)
	if j["status"] != "error" || j["error"].(map[string]any)["error"] != "invalid_value" {
		t.Fatalf("failed job = %v", j)
	}
	// In order: the last import's value of key 1 won; every id arrived.
	if got := e.dump("p", "t"); !reflect.DeepEqual(got, []string{"100|x", "101|x", "102|x", "103|x", "104|x", "1|4"}) {
		t.Fatalf("rows = %q", got)
	}
	l := e.must(200, "GET", "/projects/p/jobs?status=error", e.admin, nil).obj()
	if l["total"] != 1.0 {
		t.Fatalf("error jobs = %v", l)
	}
	l = e.must(200, "GET", "/projects/p/jobs?operation=tableImport&table=b.t&limit=2", e.admin, nil).obj()
	if l["total"] != 6.0 || len(l["jobs"].([]any)) != 2 || l["jobs"].([]any)[0].(map[string]any)["id"] != badID {
		t.Fatalf("jobs = %v", l)
	}
	e.must(404, "GET", "/projects/p/jobs/999999", e.admin, nil)
}

func TestCreateTableFromFileAndImportTable(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.must(201, "POST", "/projects/p/buckets", e.admin, map[string]any{"name": "b"})
	id := e.upload("p", key, "people.csv", nil, "id,name\n1,Ann\n2,Bob\n1,Ann2\n")
	r := e.must(201, "POST", "/projects/p/buckets/b/tables-async", e.admin, map[string]any{"name": "people", "dataFileId": id, "primaryKey": "id"}).obj()
	tb := r["table"].(map[string]any)
	if tb["row_count"] != 2.0 || !reflect.DeepEqual(tb["primary_key"], []any{"id"}) || tb["columns"].([]any)[0].(map[string]any)["type"] != "VARCHAR" ||
		r["import"].(map[string]any)["duplicates_removed"] != 1.0 {
		t.Fatalf("created = %v", r)
	}
	if got := e.dump("p", "people"); !reflect.DeepEqual(got, []string{"1|Ann2", "2|Bob"}) {
		t.Fatalf("rows = %q", got)
	}
	e.must(409, "POST", "/projects/p/buckets/b/tables-async", e.admin, map[string]any{"name": "people", "file_id": id})
	e.must(400, "POST", "/projects/p/buckets/b/tables-async", e.admin, map[string]any{"name": "x", "file_id": id, "primary_key": []string{"nope"}})

	// Async creation, then import/table with a mapping.
	j := e.must(202, "POST", "/projects/p/buckets/b/tables-async?async=true", e.admin, map[string]any{"name": "copy", "file_id": id}).obj()
	if done := e.waitJob("p", j["id"].(string)); done["status"] != "success" || done["operation"] != "tableCreate" {
		t.Fatalf("job = %v", done)
	}
	e.newTable("p", "renamed", []string{"key"}, "key VARCHAR", "label VARCHAR")
	ir := e.must(200, "POST", "/projects/p/buckets/b/tables/renamed/import/table", e.admin, map[string]any{
		"source":         map[string]any{"bucket": "b", "table": "people"},
		"column_mapping": []map[string]string{{"source": "id", "destination": "key"}, {"source": "name", "destination": "label"}},
	}).obj()
	if ir["imported_rows"] != 2.0 {
		t.Fatalf("import/table = %v", ir)
	}
	if got := e.dump("p", "renamed"); !reflect.DeepEqual(got, []string{"1|Ann2", "2|Bob"}) {
		t.Fatalf("rows = %q", got)
	}
	e.must(404, "POST", "/projects/p/buckets/b/tables/renamed/import/table", e.admin, map[string]any{"source": map[string]any{"bucket": "b", "table": "nope"}})
	e.must(501, "POST", "/projects/p/buckets/b/tables/renamed/import/table", e.admin, map[string]any{"source": map[string]any{"workspace_id": "w", "object": "o"}})
}

func TestExportThenImportOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.project("p")
	e.newTable("p", "src", []string{"id"}, "id BIGINT", "amount DECIMAL(12,3)", "at TIMESTAMP", "flag BOOLEAN", "note VARCHAR")
	e.exec("p", "main", "b", "src", `INSERT INTO {t} VALUES (1, 1.5, '2024-01-02 03:04:05.123456', true, 'a, "quoted"'),
		(2, NULL, NULL, false, NULL), (3, -2.25, '1999-12-31 23:59:59', NULL, 'ř')`)

	// CSV with columns, filters, order and limit, gzipped.
	r := e.must(200, "POST", "/projects/p/buckets/b/tables/src/export", e.admin, map[string]any{
		"columns": []string{"note", "id"}, "filters": []map[string]any{{"column": "id", "operator": "ge", "values": []string{"2"}}},
		"order_by": "id:desc", "limit": 5, "compression": "gzip"}).obj()
	if r["rows_exported"] != 2.0 {
		t.Fatalf("export = %v", r)
	}
	d := e.must(200, "GET", "/projects/p/files/"+r["file_id"].(string)+"/download", e.admin, nil)
	zr, err := gzip.NewReader(bytes.NewReader(d.body))
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(zr)
	if string(csv) != "note,id\nř,3\n,2\n" {
		t.Fatalf("csv = %q", csv)
	}
	e.must(400, "POST", "/projects/p/buckets/b/tables/src/export", e.admin, map[string]any{"where_filter": "1=1"})
	e.must(400, "POST", "/projects/p/buckets/b/tables/src/export", e.admin, map[string]any{"columns": []string{"nope"}})

	// Parquet round trip: same rows, same types.
	j := e.must(202, "POST", "/projects/p/buckets/b/tables/src/export?async=true", e.admin, map[string]any{"format": "parquet", "compression": "zstd"}).obj()
	done := e.waitJob("p", j["id"].(string))
	if done["status"] != "success" {
		t.Fatalf("export job = %v", done)
	}
	fid := done["result"].(map[string]any)["file_id"].(string)
	e.newTable("p", "dst", []string{"id"}, "id BIGINT", "amount DECIMAL(12,3)", "at TIMESTAMP", "flag BOOLEAN", "note VARCHAR")
	if r := e.importFile("p", "dst", map[string]any{"file_id": fid}, ""); r.status != 200 || r.obj()["imported_rows"] != 3.0 {
		t.Fatalf("import = %d %s", r.status, r.body)
	}
	if a, b := e.dump("p", "src"), e.dump("p", "dst"); !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip:\n%q\n%q", a, b)
	}
	src := e.must(200, "GET", "/projects/p/buckets/b/tables/src", e.admin, nil).obj()["columns"]
	dst := e.must(200, "GET", "/projects/p/buckets/b/tables/dst", e.admin, nil).obj()["columns"]
	if !reflect.DeepEqual(src, dst) {
		t.Fatalf("types: %v vs %v", src, dst)
	}
	m := string(e.must(200, "GET", "/metrics", "", nil).body)
	for _, want := range []string{`duckstore_data_rows_total{direction="export",format="parquet",outcome="success"} 3`,
		`duckstore_data_rows_total{direction="import",format="parquet",outcome="success"} 3`, `duckstore_files_stored{origin="export"} 2`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	_ = http.StatusOK
}
