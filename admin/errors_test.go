package admin

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/duckstore/duckstore/engine"
)

func TestErrorAnswers(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	r := e.must(404, "GET", "/nowhere", key, nil)
	d := r.obj()["detail"].(map[string]any)
	if d["error"] != "route_not_found" || d["details"].(map[string]any)["request_id"] != r.header.Get("X-Request-Id") {
		t.Fatalf("404 = %s", r.body)
	}
	r = e.must(405, "PATCH", "/projects", e.admin, nil)
	if r.errCode() != "method_not_allowed" || !strings.Contains(r.header.Get("Allow"), "GET") {
		t.Fatalf("405 = %s %v", r.body, r.header)
	}
	r = e.must(413, "POST", "/projects/p/buckets", key, map[string]any{"name": "b", "description": strings.Repeat("x", maxJSONBody)})
	if r.errCode() != "too_large" {
		t.Fatalf("413 = %s", r.body)
	}
	r = e.must(422, "POST", "/projects/p/buckets", key, `{"name": `)
	if errs := r.obj()["detail"].(map[string]any)["details"].(map[string]any)["errors"].([]any); errs[0].(map[string]any)["type"] != "json_invalid" {
		t.Fatalf("bad JSON = %s", r.body)
	}
	r = e.must(422, "POST", "/projects/p/buckets", key, map[string]any{"name": []int{1}})
	loc := r.obj()["detail"].(map[string]any)["details"].(map[string]any)["errors"].([]any)[0].(map[string]any)["loc"].([]any)
	if len(loc) != 2 || loc[1] != "name" {
		t.Fatalf("wrong type = %s", r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q", ct)
	}
}

// A panic answers 500 with the request id, and the server goes on.
func TestPanicIsA500(t *testing.T) {
	e := newEnv(t)
	e.api.handle("GET", "/test-panic", accessPublic, func(*call) error { panic("boom") })
	r := e.must(500, "GET", "/test-panic", "", nil)
	d := r.obj()["detail"].(map[string]any)
	if d["error"] != "internal_error" || d["details"].(map[string]any)["request_id"] != r.header.Get("X-Request-Id") || strings.Contains(string(r.body), "boom") {
		t.Fatalf("500 = %s", r.body)
	}
	e.must(200, "GET", "/health", "", nil)
}

// A write that cannot get the table's lock in time answers 409 with
// Retry-After.
func TestLockTimeoutIsA409(t *testing.T) {
	e := newEnv(t, func(_ *Config, ec *engine.Config) { ec.LockTimeout = 100 * time.Millisecond })
	key := e.project("p")
	e.table("p", "b", "t", "(1, 'a', 1)")
	ctx := context.Background()
	tb, _ := e.cat.Table(ctx, "p", "main", "b", "t")
	unlock, err := e.eng.LockTable(ctx, tb, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	r := e.must(409, "DELETE", "/projects/p/buckets/b/tables/t/rows", key, map[string]any{"filters": []any{}})
	if r.errCode() != "table_locked" || r.header.Get("Retry-After") == "" {
		t.Fatalf("locked = %s", r.body)
	}
	// Reads do not wait for the lock.
	e.must(200, "GET", "/projects/p/buckets/b/tables/t/preview", key, nil)
}

func TestToAPIErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{engine.ValidateName("table", "../x"), http.StatusBadRequest, "invalid_name"},
		{mustErr(engine.NormalizeType("MONEY")), http.StatusBadRequest, "invalid_type"},
		{context.Canceled, http.StatusServiceUnavailable, "canceled"},
		{errorf(418, "teapot", "short and stout"), 418, "teapot"},
		{errPlain("disk on fire"), http.StatusInternalServerError, "internal_error"},
	} {
		e := toAPIError(tc.err)
		if e.Status != tc.status || e.Code != tc.code {
			t.Errorf("%v: %d %s, want %d %s", tc.err, e.Status, e.Code, tc.status, tc.code)
		}
		if e.Status == 500 && strings.Contains(e.Message, "fire") {
			t.Errorf("500 message leaks the cause: %s", e.Message)
		}
	}
}

func mustErr(_ string, err error) error { return err }

type errPlain string

func (e errPlain) Error() string { return string(e) }
