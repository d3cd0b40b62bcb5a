package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

// These tests run the real binary on loopback ports over a temporary
// data directory.

const e2eAdminKey = "admin_e2e_0123456789abcdef"

// buildBinary builds duckstore once per test run (or takes
// DUCKSTORE_TEST_BIN).
var buildBinary = sync.OnceValues(func() (string, error) {
	if bin := os.Getenv("DUCKSTORE_TEST_BIN"); bin != "" {
		return bin, nil
	}
	dir, err := os.MkdirTemp("", "duckstore-e2e-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "duckstore")
	out, err := exec.Command("go", "build", "-tags=duckdb_arrow", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// server is a running duckstore process.
type server struct {
	t       *testing.T
	cmd     *exec.Cmd
	url     string
	logs    *bytes.Buffer
	done    chan error
	stopped bool
}

func startServer(t *testing.T, dataDir string) *server {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--http-addr", "127.0.0.1:0", "--pg-addr", "127.0.0.1:0",
		"--data-dir", dataDir, "--threads", "1", "--memory-limit", "256MB", "--log-format", "json")
	cmd.Env = append(os.Environ(), "ADMIN_API_KEY="+e2eAdminKey)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, logs: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = &lockedWriter{w: s.logs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		re := regexp.MustCompile(`duckstore listening http=(\S+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case a := <-addr:
		s.url = "http://" + a
	case err := <-s.done:
		s.stopped = true
		t.Fatalf("server exited before listening: %v\n%s", err, s.logs)
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("server did not start\n%s", s.logs)
	}
	t.Cleanup(func() {
		if !s.stopped {
			cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// stop sends sig and returns the exit error.
func (s *server) stop(sig syscall.Signal) error {
	s.stopped = true
	s.cmd.Process.Signal(sig)
	select {
	case err := <-s.done:
		return err
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		s.t.Fatalf("server did not stop on %v\n%s", sig, s.logs)
		return nil
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// call sends a JSON request and returns the status and decoded body.
func (s *server) call(method, path, key string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(res.Body)
	json.Unmarshal(b, &m)
	return res.StatusCode, m, nil
}

func (s *server) must(status int, method, path, key string, body any) map[string]any {
	s.t.Helper()
	got, m, err := s.call(method, path, key, body)
	if err != nil || got != status {
		s.t.Fatalf("%s %s: %d %v (%v), want %d", method, path, got, m, err, status)
	}
	return m
}

// seed creates a project with a key, a bucket and a table of 1000 rows
// in process, before the server runs, and returns the key.
func seed(t *testing.T, dataDir string) string {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.Open(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	eng, err := engine.New(ctx, engine.Config{DataDir: dataDir, Threads: 1}, cat)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	now := time.Now().UTC()
	salt, iter := catalog.NewScramSalt()
	p := &catalog.Project{ID: "seed", Name: "seed", CreatedAt: now, UpdatedAt: now, ScramSalt: salt, ScramIterations: iter}
	if err := cat.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	k, secret := catalog.NewAPIKey(p, catalog.ScopeProjectAdmin, "", "seed", nil)
	if err := cat.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := cat.CreateBucket(ctx, &catalog.Bucket{ProjectID: "seed", BranchID: catalog.MainBranch, Name: "in.c-seed", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	in, err := eng.Instance(ctx, "seed")
	if err != nil {
		t.Fatal(err)
	}
	path, err := in.TablePath(catalog.MainBranch, "in.c-seed", "rows")
	if err != nil {
		t.Fatal(err)
	}
	tb := &catalog.Table{ProjectID: "seed", BranchID: catalog.MainBranch, Bucket: "in.c-seed", Name: "rows", Path: path}
	err = in.CreateTable(ctx, tb, func(ctx context.Context, c *duck.Conn, alias string) error {
		cols := []catalog.Column{{Name: "id", Type: "BIGINT"}, {Name: "v", Type: "VARCHAR", Nullable: true}}
		if _, err := c.Exec(ctx, engine.CreateTableSQL(alias, cols, []string{"id"})); err != nil {
			return err
		}
		_, err := c.Exec(ctx, "INSERT INTO "+duck.QuoteIdent(alias)+".data SELECT range, 'v' || range FROM range(1000)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// Data survives SIGKILL during a burst of table creations: after a
// restart every acknowledged object is there, the catalog and the files
// agree, and SIGTERM then exits 0.
func TestKillDuringBurstAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server binary")
	}
	dataDir := t.TempDir()
	seedKey := seed(t, dataDir)

	s := startServer(t, dataDir)
	s.must(200, "GET", "/projects/seed/buckets/in.c-seed/tables/rows", seedKey, nil)
	// An acknowledged data change must survive the kill as well.
	del := s.must(200, "DELETE", "/projects/seed/buckets/in.c-seed/tables/rows/rows", seedKey, map[string]any{
		"filters": []any{map[string]any{"column": "id", "operator": "ge", "values": []any{900}}}})
	if del["deleted_rows"] != 100.0 {
		t.Fatalf("delete rows = %v", del)
	}
	key := s.must(201, "POST", "/projects", e2eAdminKey, map[string]any{"id": "acme"})["api_key"].(string)
	ro := s.must(201, "POST", "/projects/acme/api-keys", key, map[string]any{"description": "bi", "scope": "read_only"})["api_key"].(string)
	s.must(201, "POST", "/projects/acme/buckets", key, map[string]any{"name": "in.c-burst"})
	gone := s.must(201, "POST", "/projects", e2eAdminKey, map[string]any{"id": "gone"})["api_key"].(string)
	s.must(201, "POST", "/projects/gone/buckets", gone, map[string]any{"name": "b"})
	s.must(201, "POST", "/projects/gone/buckets/b/tables", gone, table("t"))
	s.must(204, "DELETE", "/projects/gone", e2eAdminKey, nil)
	if _, err := os.Stat(filepath.Join(dataDir, "projects", "gone")); !os.IsNotExist(err) {
		t.Fatalf("deleted project left files: %v", err)
	}

	// A burst of table creations, killed in the middle.
	var acked sync.Map
	var n atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("t_%d_%d", w, i)
				status, _, err := s.call("POST", "/projects/acme/buckets/in.c-burst/tables", key, table(name))
				if err != nil {
					return // the server is gone
				}
				if status == 201 {
					acked.Store(name, true)
					n.Add(1)
				}
			}
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for n.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	s.stop(syscall.SIGKILL)
	close(stop)
	wg.Wait()
	if n.Load() < 20 {
		t.Fatalf("only %d tables acknowledged before the kill\n%s", n.Load(), s.logs)
	}

	// Restart on the same data directory.
	s = startServer(t, dataDir)
	listed := map[string]bool{}
	for _, tb := range s.must(200, "GET", "/projects/acme/buckets/in.c-burst/tables", ro, nil)["tables"].([]any) {
		listed[tb.(map[string]any)["name"].(string)] = true
	}
	missing := 0
	acked.Range(func(k, _ any) bool {
		if !listed[k.(string)] {
			missing++
			t.Errorf("acknowledged table %s lost", k)
		}
		return true
	})
	t.Logf("%d tables acknowledged before SIGKILL, %d present after restart", n.Load(), len(listed))
	preview := s.must(200, "GET", "/projects/seed/buckets/in.c-seed/tables/rows/preview?limit=5&order_by=id:desc", seedKey, nil)
	if preview["total_row_count"] != 900.0 || preview["rows"].([]any)[0].(map[string]any)["v"] != "v899" {
		t.Fatalf("seeded rows after restart: %v", preview)
	}
	s.must(200, "GET", "/projects/acme", ro, nil)
	s.must(401, "GET", "/projects/gone", gone, nil)
	// Tables created after the restart work, even with names the burst used.
	s.must(201, "POST", "/projects/acme/buckets/in.c-burst/tables", key, table("after_restart"))

	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: exit %v, want 0\n%s", err, s.logs)
	}
	checkConsistent(t, dataDir)
}

// SIGTERM on an idle server exits 0 and keeps everything.
func TestSigtermExitsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server binary")
	}
	dataDir := t.TempDir()
	s := startServer(t, dataDir)
	key := s.must(201, "POST", "/projects", e2eAdminKey, map[string]any{"id": "p"})["api_key"].(string)
	s.must(201, "POST", "/projects/p/buckets", key, map[string]any{"name": "b"})
	s.must(201, "POST", "/projects/p/buckets/b/tables", key, table("t"))
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("exit %v, want 0\n%s", err, s.logs)
	}
	s = startServer(t, dataDir)
	s.must(200, "GET", "/projects/p/buckets/b/tables/t", key, nil)
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("exit %v, want 0\n%s", err, s.logs)
	}
	checkConsistent(t, dataDir)
}

func table(name string) map[string]any {
	return map[string]any{"name": name, "primary_key": []string{"id"}, "columns": []any{
		map[string]any{"name": "id", "type": "BIGINT"}, map[string]any{"name": "v", "type": "VARCHAR", "default": "x"}}}
}

// checkConsistent opens the stopped server's data directory and checks
// that every catalog table has its file, no table file is unknown to the
// catalog, no project folder is unknown, and no staging file is left.
func checkConsistent(t *testing.T, dataDir string) {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.Open(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	projects, _, err := cat.Projects(ctx, -1, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	known := map[string]bool{}
	for _, p := range projects {
		known[p.ID] = true
		branches, _ := cat.Branches(ctx, p.ID)
		ids := []string{catalog.MainBranch}
		for _, b := range branches {
			ids = append(ids, b.ID)
		}
		for _, b := range ids {
			tables, _ := cat.Tables(ctx, p.ID, b, "")
			for _, tb := range tables {
				path := filepath.Join(dataDir, "projects", p.ID, tb.Path)
				want[path] = true
				if _, err := os.Stat(path); err != nil {
					t.Errorf("catalog table %s.%s of %s has no file: %v", tb.Bucket, tb.Name, p.ID, err)
				}
			}
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dataDir, "projects"))
	var orphans []string
	for _, ent := range entries {
		if !known[ent.Name()] {
			orphans = append(orphans, "project folder "+ent.Name())
			continue
		}
		dir := filepath.Join(dataDir, "projects", ent.Name())
		staged, _ := os.ReadDir(filepath.Join(dir, "_staging"))
		for _, f := range staged {
			orphans = append(orphans, "staging file "+f.Name())
		}
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".duckdb") {
				return nil
			}
			rel, _ := filepath.Rel(dir, path)
			if top := strings.Split(rel, string(filepath.Separator))[0]; top != "main" && top != "branches" {
				return nil
			}
			if !want[path] {
				orphans = append(orphans, rel)
			}
			return nil
		})
	}
	sort.Strings(orphans)
	if len(orphans) > 0 {
		t.Errorf("files the catalog does not know: %v", orphans)
	}
}
