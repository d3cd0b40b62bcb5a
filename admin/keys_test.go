package admin

import (
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
	e := newEnv(t)
	pa := e.project("p")
	e.project("q")
	e.must(201, "POST", "/projects/p/branches", pa, map[string]any{"id": "dev", "name": "dev"})

	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
		scope  string
		branch any
	}{
		{"project_admin by default", map[string]any{"description": "ci"}, 201, "", "project_admin", nil},
		{"read_only", map[string]any{"description": "bi", "scope": "read_only"}, 201, "", "read_only", nil},
		{"read_only bound to a branch", map[string]any{"description": "bi", "scope": "read_only", "branch_id": "dev"}, 201, "", "read_only", "dev"},
		{"branch_read is read_only bound", map[string]any{"description": "bi", "scope": "branch_read", "branch_id": "dev"}, 201, "", "read_only", "dev"},
		{"read_only bound to main", map[string]any{"description": "bi", "scope": "branch_read", "branch_id": "default"}, 201, "", "read_only", "main"},
		{"branch_admin", map[string]any{"description": "dev", "scope": "branch_admin", "branch_id": "dev"}, 201, "", "branch_admin", "dev"},
		{"expiring", map[string]any{"description": "tmp", "expires_in_days": 1}, 201, "", "project_admin", nil},
		{"branch_admin without branch", map[string]any{"description": "x", "scope": "branch_admin"}, 400, "invalid_scope", "", nil},
		{"branch_admin of main", map[string]any{"description": "x", "scope": "branch_admin", "branch_id": "default"}, 400, "invalid_scope", "", nil},
		{"branch_read without branch", map[string]any{"description": "x", "scope": "branch_read"}, 400, "invalid_scope", "", nil},
		{"project_admin with branch", map[string]any{"description": "x", "branch_id": "dev"}, 400, "invalid_scope", "", nil},
		{"unknown branch", map[string]any{"description": "x", "scope": "branch_admin", "branch_id": "nope"}, 404, "branch_not_found", "", nil},
		{"bad branch id", map[string]any{"description": "x", "scope": "branch_admin", "branch_id": "../x"}, 400, "invalid_name", "", nil},
		{"unknown scope", map[string]any{"description": "x", "scope": "root"}, 422, "validation_error", "", nil},
		{"expiry 0", map[string]any{"description": "x", "expires_in_days": 0}, 422, "validation_error", "", nil},
		{"expiry 366", map[string]any{"description": "x", "expires_in_days": 366}, 422, "validation_error", "", nil},
		{"expiry not an integer", map[string]any{"description": "x", "expires_in_days": 1.5}, 422, "validation_error", "", nil},
		{"no description", map[string]any{"scope": "read_only"}, 422, "validation_error", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(tc.status, "POST", "/projects/p/api-keys", pa, tc.body)
			o := r.obj()
			if tc.status != 201 {
				if r.errCode() != tc.code {
					t.Fatalf("error = %s", r.body)
				}
				return
			}
			key, _ := o["api_key"].(string)
			if o["scope"] != tc.scope || o["branch_id"] != tc.branch || !strings.HasPrefix(key, o["key_prefix"].(string)) || o["project_id"] != "p" {
				t.Fatalf("created = %s", r.body)
			}
			if (tc.body["expires_in_days"] != nil) != (o["expires_at"] != nil) {
				t.Fatalf("expires_at = %v", o["expires_at"])
			}
			// The key works, and is never shown again.
			e.must(200, "GET", "/projects/p", key, nil)
			g := e.must(200, "GET", "/projects/p/api-keys/"+o["id"].(string), pa, nil)
			if strings.Contains(string(g.body), key) || g.obj()["api_key"] != nil {
				t.Fatalf("get shows the secret: %s", g.body)
			}
		})
	}

	r := e.must(200, "GET", "/projects/p/api-keys", pa, nil)
	list := r.obj()["api_keys"].([]any)
	if r.obj()["count"] != float64(len(list)) || len(list) != 8 {
		t.Fatalf("list = %s", r.body)
	}
	if strings.Contains(string(r.body), "api_key\"") {
		t.Fatalf("list shows secrets: %s", r.body)
	}
	e.must(404, "GET", "/projects/p/api-keys/000000000000", pa, nil)
	// A key of another project is not found through this one.
	qKeys := e.must(200, "GET", "/projects/q/api-keys", e.admin, nil).obj()["api_keys"].([]any)
	qID := qKeys[0].(map[string]any)["id"].(string)
	e.must(404, "GET", "/projects/p/api-keys/"+qID, pa, nil)
	e.must(404, "DELETE", "/projects/p/api-keys/"+qID, pa, nil)
}

func TestRevokeAndRotate(t *testing.T) {
	e := newEnv(t)
	first := e.project("p")
	firstID := keyID(first)
	second := e.key("p", "project_admin", "")
	ro := e.key("p", "read_only", "")

	// Rotation: a new secret, once; the old one stops working.
	r := e.must(201, "POST", "/projects/p/api-keys/"+keyID(ro)+"/rotate", first, nil)
	rotated := r.obj()["api_key"].(string)
	if rotated == ro || keyID(rotated) != keyID(ro) || r.obj()["scope"] != "read_only" {
		t.Fatalf("rotate = %s", r.body)
	}
	e.must(401, "GET", "/projects/p", ro, nil)
	e.must(200, "GET", "/projects/p", rotated, nil)

	// Revoke: the key stops working; revoking again changes nothing.
	e.must(204, "DELETE", "/projects/p/api-keys/"+keyID(rotated), first, nil)
	if code := e.must(401, "GET", "/projects/p", rotated, nil).errCode(); code != "key_revoked" {
		t.Fatalf("revoked key: %s", code)
	}
	e.must(204, "DELETE", "/projects/p/api-keys/"+keyID(rotated), first, nil)
	if code := e.must(409, "POST", "/projects/p/api-keys/"+keyID(rotated)+"/rotate", first, nil).errCode(); code != "key_revoked" {
		t.Fatalf("rotate revoked: %s", code)
	}
	list := e.must(200, "GET", "/projects/p/api-keys", first, nil).obj()["api_keys"].([]any)
	all := e.must(200, "GET", "/projects/p/api-keys?include_revoked=true", first, nil).obj()["api_keys"].([]any)
	if len(list) != 2 || len(all) != 3 {
		t.Fatalf("%d listed, %d with revoked; want 2 and 3", len(list), len(all))
	}

	// The last active project_admin key cannot be revoked.
	e.must(204, "DELETE", "/projects/p/api-keys/"+keyID(second), first, nil)
	r = e.must(409, "DELETE", "/projects/p/api-keys/"+firstID, first, nil)
	if r.errCode() != "last_admin_key" {
		t.Fatalf("last admin key: %s", r.body)
	}
	e.must(409, "DELETE", "/projects/p/api-keys/"+firstID, e.admin, nil)
	e.must(200, "GET", "/projects/p", first, nil)

	// Rotating the key a request authenticates with works too.
	r = e.must(201, "POST", "/projects/p/api-keys/"+firstID+"/rotate", first, nil)
	e.must(401, "GET", "/projects/p", first, nil)
	e.must(200, "GET", "/projects/p", r.obj()["api_key"].(string), nil)
}
