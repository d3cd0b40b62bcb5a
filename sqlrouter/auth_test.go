package sqlrouter

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

func TestSCRAMSecret(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p, _ := e.cat.Project(ctx, "p1")
	sec, err := e.r.SCRAM(ctx, Startup{User: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sec.Salt, p.ScramSalt) || sec.Iterations != p.ScramIterations || len(sec.Keys) != 2 {
		t.Fatalf("secret = %+v", sec)
	}
	// Revoked and expired keys offer no verifier.
	keys, _ := e.cat.Keys(ctx, "p1")
	now := time.Now()
	keys[0].RevokedAt = &now
	e.cat.UpdateKey(ctx, keys[0])
	past := now.Add(-time.Hour)
	keys[1].ExpiresAt = &past
	e.cat.UpdateKey(ctx, keys[1])
	if sec, _ := e.r.SCRAM(ctx, Startup{User: "p1"}); len(sec.Keys) != 0 {
		t.Fatalf("inactive keys offered: %+v", sec.Keys)
	}
	// Unknown users get a stable fake salt and no keys.
	a, _ := e.r.SCRAM(ctx, Startup{User: "nobody"})
	b, _ := e.r.SCRAM(ctx, Startup{User: "nobody"})
	c, _ := e.r.SCRAM(ctx, Startup{User: "other"})
	if len(a.Keys) != 0 || !bytes.Equal(a.Salt, b.Salt) || bytes.Equal(a.Salt, c.Salt) || len(a.Salt) != 16 || a.Iterations != 4096 {
		t.Fatalf("fake secrets %+v %+v %+v", a, b, c)
	}
}

func TestCheckPassword(t *testing.T) {
	e := newEnv(t)
	e.project("p2")
	other := e.key("p2", catalog.ScopeProjectAdmin, "")
	ctx := context.Background()
	good := e.keys["admin"]
	bad := good[:len(good)-1] + "0"
	if bad == good {
		bad = good[:len(good)-1] + "1"
	}
	cases := []struct {
		name, user, password string
		ok                   bool
	}{
		{"key of the project", "p1", good, true},
		{"any user name", "analyst", good, true},
		{"wrong secret", "p1", bad, false},
		{"not a key", "p1", "hunter2", false},
		{"key of another project", "p1", other, false},
		{"unknown key id", "p1", "proj_p1_aaaaaaaaaaaa_0123456789abcdef0123456789abcdef", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, err := e.r.CheckPassword(ctx, Startup{User: tc.user}, tc.password)
			if tc.ok != (err == nil) {
				t.Fatalf("id=%q err=%v", id, err)
			}
			if err != nil {
				pe := pgerr.From(err)
				if pe.Code != pgerr.InvalidPassword || pe.Severity != pgerr.SeverityFatal || pe.Message != `password authentication failed for user "`+tc.user+`"` {
					t.Fatalf("error = %+v", pe)
				}
			}
		})
	}
	// Expired keys fail like wrong ones.
	p, _ := e.cat.Project(ctx, "p1")
	past := time.Now().Add(-time.Minute)
	k, full := catalog.NewAPIKey(p, catalog.ScopeProjectAdmin, "", "", &past)
	e.cat.CreateKey(ctx, k)
	if _, err := e.r.CheckPassword(ctx, Startup{User: "p1"}, full); pgerr.CodeOf(err) != pgerr.InvalidPassword {
		t.Fatalf("expired key: %v", err)
	}
}

func TestOpenDatabases(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.cat.CreateBranch(ctx, &catalog.Branch{ID: "b1", ProjectID: "p1", Name: "feature-x", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	branchKey := e.key("p1", catalog.ScopeBranchAdmin, "b1")
	cases := []struct {
		name, key, db, branch string
		code                  pgerr.Code
	}{
		{"empty", e.keys["admin"], "", "main", ""},
		{"main", e.keys["admin"], "main", "main", ""},
		{"project id", e.keys["admin"], "p1", "main", ""},
		{"branch id", e.keys["admin"], "b1", "b1", ""},
		{"branch name", e.keys["admin"], "feature-x", "b1", ""},
		{"unknown", e.keys["admin"], "nope", "", pgerr.InvalidCatalogName},
		{"branch key, its branch", branchKey, "b1", "b1", ""},
		{"branch key, default", branchKey, "", "b1", ""},
		{"branch key, main", branchKey, "main", "", pgerr.InsufficientPrivilege},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := e.tryOpen(tc.key, tc.db, nil)
			if tc.code != "" {
				if pgerr.CodeOf(err) != tc.code {
					t.Fatalf("err = %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.branch != tc.branch {
				t.Fatalf("branch = %q, want %q", s.branch, tc.branch)
			}
		})
	}
	// A key revoked after the proof cannot open a session.
	id, err := e.r.CheckPassword(ctx, Startup{User: "p1"}, e.keys["ro"])
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := e.cat.Keys(ctx, "p1")
	for _, k := range keys {
		if credKeyPrefix+k.ID == id {
			now := time.Now()
			k.RevokedAt = &now
			e.cat.UpdateKey(ctx, k)
		}
	}
	if _, err := e.r.Open(ctx, Startup{User: "p1"}, id); pgerr.CodeOf(err) != pgerr.InvalidPassword {
		t.Fatalf("revoked key opened a session: %v", err)
	}
}

func TestReadOnlyKey(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "orders", 3)
	s := e.open(e.keys["ro"], "")
	if n := one(t, s, `SELECT count(*) FROM "in.c-sales".orders`); n != int64(3) {
		t.Fatalf("count = %v", n)
	}
	for _, q := range []string{
		`INSERT INTO "in.c-sales".orders VALUES (9, 'x')`,
		`UPDATE "in.c-sales".orders SET v = 'y'`,
		`DELETE FROM "in.c-sales".orders`,
		`MERGE INTO "in.c-sales".orders o USING (SELECT 1 AS id) s ON o.id = s.id WHEN MATCHED THEN DELETE`,
		`TRUNCATE "in.c-sales".orders`,
		`CREATE TABLE "in.c-sales".x (a int)`,
		`CREATE TABLE "in.c-sales".x AS SELECT 1 AS a`,
		`SELECT 1 AS a INTO "in.c-sales".x`,
		`DROP TABLE "in.c-sales".orders`,
		`ALTER TABLE "in.c-sales".orders ADD COLUMN z int`,
		`ALTER TABLE "in.c-sales".orders RENAME TO o2`,
		`CREATE SCHEMA s2`,
		`DROP SCHEMA "out.c-reports"`,
		`SELECT * FROM "in.c-sales".orders FOR UPDATE`,
		`COPY "in.c-sales".orders FROM STDIN`,
	} {
		t.Run(q, func(t *testing.T) { wantCode(t, s, q, pgerr.InsufficientPrivilege) })
	}
	if n := one(t, s, `SELECT count(*) FROM "in.c-sales".orders`); n != int64(3) {
		t.Fatalf("count after refused writes = %v", n)
	}
	tables, _ := e.cat.Tables(context.Background(), "p1", "main", "")
	buckets, _ := e.cat.Buckets(context.Background(), "p1", "main")
	if len(tables) != 1 || len(buckets) != 2 {
		t.Fatalf("catalog changed: %d tables, %d buckets", len(tables), len(buckets))
	}
}
