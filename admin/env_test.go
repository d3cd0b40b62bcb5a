package admin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

// env is a real admin API over a real catalog and engine in a temporary
// directory, served on a loopback port.
type env struct {
	t     *testing.T
	dir   string
	cat   *catalog.DuckStore
	eng   *engine.Engine
	api   *Server
	srv   *httptest.Server
	admin string
	reg   *prometheus.Registry
}

type envOption func(*Config, *engine.Config)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := catalog.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	ecfg := engine.Config{DataDir: dir, Threads: 1, MemoryLimit: "256MB", LockTimeout: 5 * time.Second, Registerer: reg}
	const adminKey = "admin_test_key_0123456789"
	cfg := Config{Registerer: reg, Gatherer: reg, AdminKeyHash: sha256.Sum256([]byte(adminKey)), Version: "test"}
	if testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	for _, o := range opts {
		o(&cfg, &ecfg)
	}
	eng, err := engine.New(ctx, ecfg, cat)
	if err != nil {
		t.Fatal(err)
	}
	api, err := New(cfg, eng)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(func() {
		srv.Close()
		api.Close()
		eng.Close()
		cat.Close()
	})
	return &env{t: t, dir: dir, cat: cat, eng: eng, api: api, srv: srv, admin: adminKey, reg: reg}
}

// with returns the env reporting to t (a subtest).
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// resp is an answer read in full.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// obj decodes the body as a JSON object.
func (r *resp) obj() map[string]any {
	var m map[string]any
	json.Unmarshal(r.body, &m)
	return m
}

// errCode is detail.error of an error answer.
func (r *resp) errCode() string {
	d, _ := r.obj()["detail"].(map[string]any)
	s, _ := d["error"].(string)
	return s
}

// do sends a request with key as bearer token ("" for none). body is
// marshalled unless it is a string or []byte. hdr holds header pairs.
func (e *env) do(method, path, key string, body any, hdr ...string) *resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &resp{status: res.StatusCode, header: res.Header, body: b}
}

// must sends a request and fails the test unless it answers status.
func (e *env) must(status int, method, path, key string, body any, hdr ...string) *resp {
	e.t.Helper()
	r := e.do(method, path, key, body, hdr...)
	if r.status != status {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, r.body)
	}
	return r
}

// project creates a project and returns its project_admin key.
func (e *env) project(id string) string {
	e.t.Helper()
	r := e.must(201, "POST", "/projects", e.admin, map[string]any{"id": id})
	return r.obj()["api_key"].(string)
}

// key creates an API key and returns it.
func (e *env) key(project, scope, branch string) string {
	e.t.Helper()
	body := map[string]any{"description": scope, "scope": scope}
	if branch != "" {
		body["branch_id"] = branch
	}
	r := e.must(201, "POST", "/projects/"+project+"/api-keys", e.admin, body)
	return r.obj()["api_key"].(string)
}

// table creates bucket (if needed) and a table id BIGINT PK, name
// VARCHAR, score DOUBLE, and fills it with sql VALUES rows.
func (e *env) table(project, bucket, table, values string) {
	e.t.Helper()
	if r := e.do("GET", "/projects/"+project+"/buckets/"+bucket, e.admin, nil); r.status == 404 {
		e.must(201, "POST", "/projects/"+project+"/buckets", e.admin, map[string]any{"name": bucket})
	}
	e.must(201, "POST", "/projects/"+project+"/buckets/"+bucket+"/tables", e.admin, map[string]any{
		"name": table, "primary_key": []string{"id"},
		"columns": []map[string]any{{"name": "id", "type": "BIGINT"}, {"name": "name", "type": "VARCHAR"}, {"name": "score", "type": "DOUBLE"}},
	})
	if values != "" {
		e.exec(project, catalog.MainBranch, bucket, table, "INSERT INTO {t} VALUES "+values)
	}
}

// exec runs SQL on a table's file in process; {t} names the table.
func (e *env) exec(project, branch, bucket, table, sql string, args ...any) {
	e.t.Helper()
	ctx := context.Background()
	t, err := e.cat.Table(ctx, project, branch, bucket, table)
	if err != nil {
		e.t.Fatal(err)
	}
	in, err := e.eng.Instance(ctx, project)
	if err != nil {
		e.t.Fatal(err)
	}
	alias, release, err := in.Pin(ctx, t)
	if err != nil {
		e.t.Fatal(err)
	}
	defer release()
	conn, err := in.Conn()
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(ctx, strings.ReplaceAll(sql, "{t}", duck.QuoteIdent(alias)+".data"), args...); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
}

// rows returns the rows of a preview.
func (e *env) rows(path, key string) []map[string]any {
	e.t.Helper()
	r := e.must(200, "GET", path, key, nil)
	var p struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		e.t.Fatal(err)
	}
	return p.Rows
}

// ids returns the id column of rows.
func ids(rows []map[string]any) []int {
	out := []int{}
	for _, r := range rows {
		out = append(out, int(r["id"].(float64)))
	}
	return out
}
