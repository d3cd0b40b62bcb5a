package admin

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duckstore/duckstore/engine"
)

func TestIdempotentReplay(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	other := e.key("p", "project_admin", "")
	body := map[string]any{"name": "in.c-a"}
	first := e.must(201, "POST", "/projects/p/buckets", key, body, "X-Idempotency-Key", "k1")
	second := e.must(201, "POST", "/projects/p/buckets", key, body, "X-Idempotency-Key", "k1")
	if string(first.body) != string(second.body) {
		t.Fatalf("replay body differs:\n%s\n%s", first.body, second.body)
	}
	if first.header.Get("X-Idempotency-Replay") != "" || second.header.Get("X-Idempotency-Replay") != "true" {
		t.Fatalf("replay headers: first %q, second %q", first.header.Get("X-Idempotency-Replay"), second.header.Get("X-Idempotency-Replay"))
	}
	if second.header.Get("X-Idempotency-Key") != "k1" || second.header.Get("Content-Type") != "application/json" {
		t.Fatalf("replayed headers = %v", second.header)
	}
	if first.header.Get("X-Request-Id") == second.header.Get("X-Request-Id") {
		t.Fatal("the replay kept the first request's id")
	}
	if n := e.must(200, "GET", "/projects/p/buckets", key, nil).obj()["total"]; n != 1.0 {
		t.Fatalf("%v buckets after a replay", n)
	}

	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"another body", "POST", "/projects/p/buckets", map[string]any{"name": "in.c-b"}},
		{"another path", "POST", "/projects/p/branches/default/buckets", body},
		{"another query", "POST", "/projects/p/buckets?x=1", body},
		{"another method", "DELETE", "/projects/p/buckets", body},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.do(tc.method, tc.path, key, tc.body, "X-Idempotency-Key", "k1")
			if tc.method == "DELETE" && r.status == 405 {
				return // no such route: the router answers before idempotency
			}
			if r.status != 409 || r.errCode() != "idempotency_key_reused" {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}

	// Scoped to the credential: another key with the same idempotency
	// key runs the request (and here finds the bucket taken).
	r := e.must(409, "POST", "/projects/p/buckets", other, body, "X-Idempotency-Key", "k1")
	if r.errCode() != "bucket_exists" || r.header.Get("X-Idempotency-Replay") != "" {
		t.Fatalf("other credential = %s", r.body)
	}
	r = e.must(409, "POST", "/projects/p/buckets", e.admin, body, "X-Idempotency-Key", "k1")
	if r.header.Get("X-Idempotency-Replay") != "" {
		t.Fatal("admin got the project key's replay")
	}
	// Client errors are replayed too; that one is now remembered for other.
	r = e.must(409, "POST", "/projects/p/buckets", other, body, "X-Idempotency-Key", "k1")
	if r.header.Get("X-Idempotency-Replay") != "true" {
		t.Fatal("a 409 was not replayed")
	}
	// Reads ignore the header.
	r = e.must(200, "GET", "/projects/p/buckets", key, nil, "X-Idempotency-Key", "k1")
	if r.header.Get("X-Idempotency-Replay") != "" {
		t.Fatal("a GET was replayed")
	}
	e.must(400, "POST", "/projects/p/buckets", key, body, "X-Idempotency-Key", strings.Repeat("k", 256))
	// Deletes and schema changes replay as well.
	e.must(204, "DELETE", "/projects/p/buckets/in.c-a", key, nil, "X-Idempotency-Key", "d1")
	r = e.must(204, "DELETE", "/projects/p/buckets/in.c-a", key, nil, "X-Idempotency-Key", "d1")
	if r.header.Get("X-Idempotency-Replay") != "true" {
		t.Fatal("delete not replayed")
	}
}

// A duplicate that arrives while the first is running waits for it and
// gets its answer; the change is made once.
func TestIdempotentConcurrentDuplicates(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.table("p", "b", "t", "(1, 'a', 1)")
	ctx := context.Background()
	tb, err := e.cat.Table(ctx, "p", "main", "b", "t")
	if err != nil {
		t.Fatal(err)
	}
	// Hold the table's write lock so that the first request blocks.
	unlock, err := e.eng.LockTable(ctx, tb, "test")
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	results := make([]*resp, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.do("POST", "/projects/p/buckets/b/tables/t/columns", key, map[string]any{"name": "c", "type": "INT"}, "X-Idempotency-Key", "add-c")
		}()
	}
	time.Sleep(300 * time.Millisecond)
	for i, r := range results {
		if r != nil {
			t.Fatalf("request %d answered while the first was blocked: %d %s", i, r.status, r.body)
		}
	}
	unlock()
	wg.Wait()
	firsts := 0
	for i, r := range results {
		if r.status != 201 {
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
		if string(r.body) != string(results[0].body) {
			t.Fatalf("request %d answered differently", i)
		}
		if r.header.Get("X-Idempotency-Replay") == "" {
			firsts++
		}
	}
	if firsts != 1 {
		t.Fatalf("%d requests ran, want 1", firsts)
	}
}

func TestIdempotencyExpiresAndIsBounded(t *testing.T) {
	e := newEnv(t, func(c *Config, _ *engine.Config) {
		c.IdempotencyTTL = 200 * time.Millisecond
		c.IdempotencyMaxEntries = 3
	})
	key := e.project("p")
	body := map[string]any{"name": "b"}
	e.must(201, "POST", "/projects/p/buckets", key, body, "X-Idempotency-Key", "x")
	e.must(201, "POST", "/projects/p/buckets", key, body, "X-Idempotency-Key", "x")
	time.Sleep(300 * time.Millisecond)
	r := e.must(409, "POST", "/projects/p/buckets", key, body, "X-Idempotency-Key", "x")
	if r.header.Get("X-Idempotency-Replay") != "" {
		t.Fatal("replayed after the TTL")
	}
	for i := range 10 {
		e.must(201, "POST", "/projects/p/buckets", key, map[string]any{"name": fmt.Sprintf("b%d", i)}, "X-Idempotency-Key", fmt.Sprintf("k%d", i))
	}
	if n := e.api.idem.Len(); n > 3 {
		t.Fatalf("%d entries kept, cap 3", n)
	}
	// The newest is still replayed.
	r = e.must(201, "POST", "/projects/p/buckets", key, map[string]any{"name": "b9"}, "X-Idempotency-Key", "k9")
	if r.header.Get("X-Idempotency-Replay") != "true" {
		t.Fatal("newest entry evicted")
	}
}

// Large bodies are spooled to a file while the request runs, and the
// handler still reads them whole.
func TestIdempotencyLargeBody(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	big := map[string]any{"name": "b", "description": strings.Repeat("x", idemMemBody)}
	r := e.must(413, "POST", "/projects/p/buckets", key, big, "X-Idempotency-Key", "big")
	if r.errCode() != "too_large" {
		t.Fatalf("error = %s", r.body)
	}
	r = e.must(413, "POST", "/projects/p/buckets", key, big, "X-Idempotency-Key", "big")
	if r.header.Get("X-Idempotency-Replay") != "true" {
		t.Fatal("413 not replayed")
	}
}
