package admin

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.table("p", "b", "t", "(1, 'a', 1)")
	e.must(200, "GET", "/projects/p", key, nil)
	e.must(404, "GET", "/projects/p/buckets/b/tables/nope", key, nil)
	e.must(404, "GET", "/no/such/route", key, nil)
	e.must(200, "DELETE", "/projects/p/buckets/b/tables/t/rows", key, map[string]any{"filters": []any{f("id", "eq", 9)}})
	text := string(e.must(200, "GET", "/metrics", "", nil).body)
	for _, want := range []string{
		`duckstore_http_requests_total{method="GET",route="/projects/:project_id",status="200"} 1`,
		`duckstore_http_requests_total{method="GET",route="/projects/:project_id/buckets/:bucket_name/tables/:table_name",status="404"} 1`,
		`duckstore_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`duckstore_http_request_duration_seconds_count{method="POST",route="/projects",status="201"} 1`,
		"duckstore_projects 1",
		"duckstore_buckets 1",
		"duckstore_tables 1",
		`duckstore_table_lock_wait_seconds_count{outcome="acquired"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, `route="/projects/p"`) || strings.Contains(text, "nope") {
		t.Error("a raw path reached a label")
	}
	m := regexp.MustCompile(`(?m)^duckstore_table_bytes (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("no duckstore_table_bytes")
	}
	if v, _ := strconv.ParseFloat(m[1], 64); v <= 0 {
		t.Fatalf("duckstore_table_bytes = %s", m[1])
	}
}
