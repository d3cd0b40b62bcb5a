package admin

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

var requestIDRe = regexp.MustCompile(`"request_id":"[^"]*"`)

// A missing or bad credential gets 401 with the same answer whether the
// project exists or not.
func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	key := e.project("p1")
	revoked := e.key("p1", "read_only", "")
	expired := e.key("p1", "read_only", "")
	ctx := context.Background()
	k, _ := e.cat.Key(ctx, keyID(revoked))
	now := time.Now().UTC()
	k.RevokedAt = &now
	e.cat.UpdateKey(ctx, k)
	k, _ = e.cat.Key(ctx, keyID(expired))
	past := now.Add(-time.Hour)
	k.ExpiresAt = &past
	e.cat.UpdateKey(ctx, k)
	wrongSecret := key[:len(key)-32] + strings.Repeat("0", 32)

	for _, tc := range []struct {
		name, header string
		code         string
	}{
		{"no header", "", "unauthorized"},
		{"not bearer", "Basic " + key, "unauthorized"},
		{"empty bearer", "Bearer ", "unauthorized"},
		{"garbage", "Bearer nonsense", "unauthorized"},
		{"wrong admin key", "Bearer admin_test_key_0123456780", "unauthorized"},
		{"unknown key id", "Bearer proj_p1_000000000000_" + strings.Repeat("a", 32), "unauthorized"},
		{"wrong secret", "Bearer " + wrongSecret, "unauthorized"},
		{"key of another project id", "Bearer " + strings.Replace(key, "proj_p1_", "proj_p2_", 1), "unauthorized"},
		{"too long", "Bearer " + strings.Repeat("x", 600), "unauthorized"},
		{"revoked", "Bearer " + revoked, "key_revoked"},
		{"expired", "Bearer " + expired, "key_expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			var bodies []string
			for _, path := range []string{"/projects/p1", "/projects/nope", "/projects/p1/buckets/b/tables/t/preview"} {
				r := e.do("GET", path, "", nil, "Authorization", tc.header)
				if r.status != 401 || r.errCode() != tc.code {
					t.Fatalf("%s: %d %s, want 401 %s", path, r.status, r.body, tc.code)
				}
				bodies = append(bodies, requestIDRe.ReplaceAllString(string(r.body), ""))
			}
			if bodies[0] != bodies[1] {
				t.Fatalf("401 differs for an existing and a missing project:\n%s\n%s", bodies[0], bodies[1])
			}
		})
	}
	e.must(200, "GET", "/projects/p1", key, nil, "Authorization", "bearer "+key)
}

func keyID(key string) string {
	parts := strings.Split(key, "_")
	return parts[len(parts)-2]
}

// Scopes: what each kind of key may do, across projects and branches.
func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	pa := e.project("a")
	paB := e.project("b")
	e.table("a", "in.c-s", "t", "(1, 'x', 1)")
	e.table("b", "in.c-s", "t", "(1, 'x', 1)")
	e.must(201, "POST", "/projects/a/branches", pa, map[string]any{"id": "dev", "name": "dev"})
	e.must(201, "POST", "/projects/a/branches", pa, map[string]any{"id": "dev2", "name": "dev2"})
	ro := e.key("a", "read_only", "")
	roDev := e.key("a", "branch_read", "dev")
	ba := e.key("a", "branch_admin", "dev")
	keys := map[string]string{"admin": e.admin, "pa": pa, "paB": paB, "ro": ro, "roDev": roDev, "ba": ba}

	const (
		main = "/projects/a/buckets/in.c-s/tables/t"
		dev  = "/projects/a/branches/dev/buckets/in.c-s/tables/t"
		dev2 = "/projects/a/branches/dev2/buckets/in.c-s/tables/t"
		def  = "/projects/a/branches/default/buckets/in.c-s/tables/t"
	)
	noRows := map[string]any{"filters": []any{map[string]any{"column": "id", "operator": "eq", "values": []any{99}}}}
	for _, tc := range []struct {
		method, path string
		body         any
		want         map[string]int
	}{
		{"GET", "/projects", nil, map[string]int{"admin": 200, "pa": 403, "ro": 403}},
		{"POST", "/projects", map[string]any{"id": "zz"}, map[string]int{"pa": 403, "ba": 403}},
		{"POST", "/backend/init", nil, map[string]int{"admin": 200, "pa": 403}},
		{"GET", "/projects/a", nil, map[string]int{"admin": 200, "pa": 200, "ro": 200, "ba": 200, "roDev": 200, "paB": 403}},
		{"GET", "/projects/nope", nil, map[string]int{"admin": 404, "paB": 403, "pa": 403}},
		{"GET", "/projects/a/stats", nil, map[string]int{"ro": 200, "paB": 403}},
		{"PUT", "/projects/a", map[string]any{"name": "A"}, map[string]int{"pa": 200, "ro": 403, "ba": 403, "paB": 403}},
		{"DELETE", "/projects/a", nil, map[string]int{"ro": 403, "ba": 403, "paB": 403}},
		{"GET", "/projects/a/api-keys", nil, map[string]int{"pa": 200, "ro": 403, "ba": 403, "paB": 403}},
		{"POST", "/projects/a/api-keys", map[string]any{"description": "x"}, map[string]int{"ro": 403, "ba": 403, "paB": 403}},
		{"POST", "/projects/a/branches", map[string]any{"name": "x"}, map[string]int{"ba": 403, "ro": 403}},
		{"GET", "/projects/a/branches", nil, map[string]int{"ro": 200, "ba": 200, "paB": 403}},
		{"GET", "/projects/a/branches/dev", nil, map[string]int{"ba": 200, "roDev": 200, "ro": 200, "paB": 403}},
		{"GET", "/projects/a/branches/dev2", nil, map[string]int{"ba": 403, "roDev": 403, "ro": 200}},
		{"DELETE", "/projects/a/branches/dev2", nil, map[string]int{"ba": 403, "ro": 403}},
		{"GET", main, nil, map[string]int{"pa": 200, "ro": 200, "roDev": 403, "ba": 403, "paB": 403, "admin": 200}},
		{"GET", def + "/preview", nil, map[string]int{"ro": 200, "roDev": 403, "ba": 403}},
		{"GET", dev + "/preview", nil, map[string]int{"ro": 200, "roDev": 200, "ba": 200, "paB": 403}},
		{"GET", dev2 + "/preview", nil, map[string]int{"ro": 200, "roDev": 403, "ba": 403}},
		{"POST", main + "/profile", nil, map[string]int{"ro": 200, "roDev": 403, "ba": 403}},
		{"POST", dev + "/profile", nil, map[string]int{"roDev": 200, "ba": 200}},
		{"DELETE", main + "/rows", noRows, map[string]int{"pa": 200, "ro": 403, "roDev": 403, "ba": 403, "paB": 403}},
		{"DELETE", dev + "/rows", noRows, map[string]int{"ba": 200, "ro": 403, "roDev": 403}},
		{"DELETE", dev2 + "/rows", noRows, map[string]int{"ba": 403}},
		{"POST", "/projects/a/buckets", map[string]any{"name": "in.c-new"}, map[string]int{"ro": 403, "ba": 403, "paB": 403}},
		{"POST", "/projects/a/branches/dev/buckets", map[string]any{"name": "in.c-devonly"}, map[string]int{"ro": 403, "roDev": 403, "ba": 201}},
		{"POST", "/projects/a/branches/dev2/buckets", map[string]any{"name": "in.c-x"}, map[string]int{"ba": 403}},
		{"POST", main + "/columns", map[string]any{"name": "c", "type": "INT"}, map[string]int{"ro": 403, "ba": 403}},
		{"DELETE", main, nil, map[string]int{"ro": 403, "ba": 403, "roDev": 403, "paB": 403}},
		{"GET", "/projects/b/buckets/in.c-s/tables/t/preview", nil, map[string]int{"pa": 403, "ro": 403, "ba": 403, "paB": 200}},
	} {
		for who, want := range tc.want {
			t.Run(tc.method+" "+tc.path+" as "+who, func(t *testing.T) {
				e := e.with(t)
				r := e.do(tc.method, tc.path, keys[who], tc.body)
				if r.status != want {
					t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
				}
				if want == 403 && r.errCode() != "forbidden" {
					t.Fatalf("403 error = %s", r.body)
				}
			})
		}
	}
}

// A key's use is recorded, at most once a minute.
func TestLastUsedIsRecorded(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	ctx := context.Background()
	k, _ := e.cat.Key(ctx, keyID(key))
	if k.LastUsedAt != nil {
		t.Fatal("used before any use")
	}
	e.must(200, "GET", "/projects/p", key, nil)
	k, _ = e.cat.Key(ctx, keyID(key))
	if k.LastUsedAt == nil {
		t.Fatal("use not recorded")
	}
	first := *k.LastUsedAt
	e.must(200, "GET", "/projects/p", key, nil)
	k, _ = e.cat.Key(ctx, keyID(key))
	if !k.LastUsedAt.Equal(first) {
		t.Fatal("second use within a minute was written")
	}
	r := e.must(200, "GET", "/projects/p/api-keys/"+k.ID, key, nil)
	if r.obj()["last_used_at"] == nil {
		t.Fatalf("last_used_at not answered: %s", r.body)
	}
}
