package admin

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// Every registered route has a description and every description a
// route; the router serves each; the document's references resolve.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t)
	s := e.api
	described := map[string]bool{}
	for _, rt := range s.routes {
		if h, _, _ := s.router.Lookup(rt.method, samplePath(rt.pattern)); h == nil {
			t.Errorf("router does not serve %s %s", rt.method, rt.pattern)
		}
		key := docKey(rt)
		d, ok := docOf(key)
		if !ok {
			t.Errorf("route %s %s has no description (add %q to docs in openapi.go)", rt.method, rt.pattern, key)
			continue
		}
		if d.summary == "" || d.tag == "" || d.status == 0 {
			t.Errorf("%s: description lacks summary, tag or status", key)
		}
		described[key] = true
	}
	for _, table := range []map[string]opDoc{docs, dataDocs} {
		for key := range table {
			if !described[key] {
				t.Errorf("description %q has no route", key)
			}
		}
	}

	r := e.must(200, "GET", "/openapi.json", "", nil)
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	ops := 0
	for path, methods := range doc.Paths {
		for method, op := range methods {
			ops++
			if op["description"] == "" || op["summary"] == "" || op["responses"] == nil {
				t.Errorf("%s %s is not fully described", method, path)
			}
		}
	}
	if ops != len(s.routes) || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("document has %d operations for %d routes (openapi %q)", ops, len(s.routes), doc.OpenAPI)
	}
	for _, m := range regexp.MustCompile(`"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(string(r.body), -1) {
		if doc.Components.Schemas[m[1]] == nil {
			t.Errorf("reference to missing schema %s", m[1])
		}
	}
	page := string(e.must(200, "GET", "/docs", "", nil).body)
	if !strings.Contains(page, "openapi.json") || regexp.MustCompile(`(src|href)="https?:`).MatchString(page) {
		t.Error("/docs must render /openapi.json with nothing loaded from elsewhere")
	}
}

// samplePath fills a pattern's parameters.
func samplePath(pattern string) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "x1"
		}
	}
	return strings.Join(parts, "/")
}
