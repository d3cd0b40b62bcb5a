package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duckstore/duckstore/wire/pgtest"
)

// Target is a server a client suite connects to.
type Target struct {
	Name     string // "duckstore" or "postgres"
	Host     string
	Port     string
	User     string
	Password string
	Database string
}

// DSN is a libpq keyword/value connection string.
func (t Target) DSN() string {
	return fmt.Sprintf("host=%s port=%s user=%s password=%s dbname=%s sslmode=disable", t.Host, t.Port, t.User, t.Password, t.Database)
}

// URL is a postgres:// URL.
func (t Target) URL() string {
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", t.User, t.Password, net.JoinHostPort(t.Host, t.Port), t.Database)
}

// Env is the PG* environment for command-line clients.
func (t Target) Env() []string {
	return append(os.Environ(), "PGHOST="+t.Host, "PGPORT="+t.Port, "PGUSER="+t.User,
		"PGPASSWORD="+t.Password, "PGDATABASE="+t.Database, "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
}

const adminKey = "e2e-admin-key"

// Duckstore is a running duckstore binary.
type Duckstore struct {
	HTTP, PG string
	DataDir  string
	cmd      *exec.Cmd
	out      *bytes.Buffer
	mu       sync.Mutex
}

func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// binary returns bin/duckstore, building it when missing (make test
// builds it first).
func binary(t testing.TB) string {
	root := repoRoot(t)
	bin := filepath.Join(root, "bin", "duckstore")
	if _, err := os.Stat(bin); err == nil && os.Getenv("E2E_REBUILD") == "" {
		return bin
	}
	cmd := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", bin, "./cmd/duckstore")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building duckstore: %v\n%s", err, out)
	}
	return bin
}

// StartDuckstore runs the binary on free loopback ports over dataDir.
func StartDuckstore(t testing.TB, dataDir string, extra ...string) *Duckstore {
	t.Helper()
	args := append([]string{"serve", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0", "--pg-addr", "127.0.0.1:0", "--log-level", "warn"}, extra...)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "ADMIN_API_KEY="+adminKey)
	stdout, _ := cmd.StdoutPipe()
	d := &Duckstore{DataDir: dataDir, cmd: cmd, out: &bytes.Buffer{}}
	cmd.Stderr = &lockedWriter{mu: &d.mu, w: d.out}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "duckstore listening ") {
				addrs <- line
			}
			d.mu.Lock()
			d.out.WriteString(line + "\n")
			d.mu.Unlock()
		}
	}()
	select {
	case line := <-addrs:
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "http="); ok {
				d.HTTP = v
			}
			if v, ok := strings.CutPrefix(f, "pg="); ok {
				d.PG = v
			}
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("duckstore did not start:\n%s", d.Output())
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Error(err)
		}
	})
	return d
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Output returns what the server printed.
func (d *Duckstore) Output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

// Stop ends the server with SIGTERM; it must exit 0 within a minute.
func (d *Duckstore) Stop() error {
	if d.cmd.ProcessState != nil {
		return nil
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("duckstore exited with %v:\n%s", err, d.Output())
		}
		return nil
	case <-time.After(60 * time.Second):
		d.cmd.Process.Kill()
		return fmt.Errorf("duckstore did not stop within a minute")
	}
}

// CreateProject makes a project and returns a target logged in with its
// first (project_admin) key on the default branch.
func (d *Duckstore) CreateProject(t testing.TB, id string) Target {
	t.Helper()
	code, resp := call(d, adminKey, "POST", "/projects", map[string]any{"id": id, "name": id})
	key, _ := resp["api_key"].(string)
	if code != http.StatusCreated || key == "" {
		t.Fatalf("create project %s: status %d %v", id, code, resp)
	}
	host, port, _ := net.SplitHostPort(d.PG)
	return Target{Name: "duckstore", Host: host, Port: port, User: id, Password: key, Database: "main"}
}

// loadFixture runs testdata/fixture.sql on the target, one statement at a
// time through the simple protocol.
func loadFixture(t testing.TB, target Target) {
	t.Helper()
	sql, err := os.ReadFile(filepath.Join(repoRoot(t), "e2e", "testdata", "fixture.sql"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, target.URL())
	if err != nil {
		t.Fatalf("%s: connect: %v", target.Name, err)
	}
	defer conn.Close(ctx)
	for _, stmt := range splitSQL(string(sql)) {
		if _, err := conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: %s: %v", target.Name, firstLine(stmt), err)
		}
	}
}

// splitSQL splits a script at semicolons that end a line, dropping
// comment lines.
func splitSQL(s string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		cur.WriteString(line + "\n")
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

var (
	envOnce  sync.Once
	envErr   error
	env      *clientEnv
	envSetup = time.Minute
)

// clientEnv is the pair of servers every client suite runs against: one
// duckstore (project "compat", plus project "other" that must stay
// invisible) and one PostgreSQL 15, both holding the fixture.
type clientEnv struct {
	ds      *Duckstore
	targets []Target
	other   Target
}

// Targets returns duckstore and PostgreSQL, set up once per test binary.
func Targets(t *testing.T) []Target {
	t.Helper()
	e := sharedEnv(t)
	return e.targets
}

func sharedEnv(t *testing.T) *clientEnv {
	envOnce.Do(func() {
		env = &clientEnv{}
		pg := pgtest.SharedPostgres(t)
		dir, err := os.MkdirTemp("", "e2e-duckstore-")
		if err != nil {
			envErr = err
			return
		}
		env.ds = startShared(t, dir)
		compat := env.ds.CreateProject(t, "compat")
		env.other = env.ds.CreateProject(t, "other")
		loadOther(t, env.other)
		loadFixture(t, compat)
		pgTarget := postgresTarget(t, pg)
		loadFixture(t, pgTarget)
		env.targets = []Target{compat, pgTarget}
	})
	if envErr != nil {
		t.Fatal(envErr)
	}
	if env == nil || len(env.targets) != 2 {
		t.Fatal("client environment failed to start in an earlier test")
	}
	return env
}

// loadOther gives project "other" objects whose names must never show up
// in project "compat".
func loadOther(t testing.TB, other Target) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, other.URL())
	if err != nil {
		t.Fatalf("other: %v", err)
	}
	defer conn.Close(ctx)
	for _, s := range []string{`CREATE SCHEMA "in.c-secret"`, `CREATE TABLE "in.c-secret".leaked (secret_column text)`, `INSERT INTO "in.c-secret".leaked VALUES ('top secret')`} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("other: %s: %v", s, err)
		}
	}
}

// postgresTarget makes role and database "compat" on the PostgreSQL
// server, without the public schema so both servers hold the same schemas.
func postgresTarget(t testing.TB, pg *pgtest.Postgres) Target {
	ctx := context.Background()
	host, port, _ := net.SplitHostPort(pg.Addr)
	super := Target{Name: "postgres", Host: host, Port: port, User: pg.User, Password: pg.Password, Database: "postgres"}
	conn, err := pgx.Connect(ctx, super.URL())
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	for _, s := range []string{`CREATE ROLE compat LOGIN PASSWORD 'compat-secret'`, `CREATE DATABASE main OWNER compat`} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("postgres: %s: %v", s, err)
		}
	}
	conn.Close(ctx)
	super.Database = "main"
	conn, err = pgx.Connect(ctx, super.URL())
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := conn.Exec(ctx, `DROP SCHEMA public`); err != nil {
		t.Fatalf("postgres: drop public: %v", err)
	}
	conn.Close(ctx)
	return Target{Name: "postgres", Host: host, Port: port, User: "compat", Password: "compat-secret", Database: "main"}
}

// shared is the duckstore of the client suites; TestMain stops it.
var shared *Duckstore

func startShared(t testing.TB, dir string) *Duckstore {
	// It lives for the whole test binary, not the first test: TestMain
	// stops it.
	d := StartDuckstore(sharedT{t}, dir)
	shared = d
	return d
}

// sharedT drops the cleanup StartDuckstore registers.
type sharedT struct{ testing.TB }

func (sharedT) Cleanup(func()) {}

func TestMain(m *testing.M) {
	code := m.Run()
	printCheckCounts()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
		os.RemoveAll(shared.DataDir)
	}
	pgtest.StopShared()
	os.Exit(code)
}

// printCheckCounts prints how many client checks each suite ran against
// each target, and writes the same to the file $CLIENT_CHECKS names (make
// test prints it: go test hides a passing package's output).
func printCheckCounts() {
	if len(checkCounts) == 0 {
		return
	}
	suites := map[string]map[string]int{}
	var names []string
	for key, n := range checkCounts {
		suite, target, _ := strings.Cut(key, "/")
		if suites[suite] == nil {
			suites[suite] = map[string]int{}
			names = append(names, suite)
		}
		suites[suite][target] += n
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("client checks (suite: per target)\n")
	total := map[string]int{}
	for _, suite := range names {
		pg := fmt.Sprintf("%4d", suites[suite]["postgres"])
		if _, ok := suites[suite]["postgres"]; !ok {
			pg = "   -"
		}
		fmt.Fprintf(&b, "  %-22s duckstore %4d   postgres %s\n", suite, suites[suite]["duckstore"], pg)
		for target, n := range suites[suite] {
			total[target] += n
		}
	}
	fmt.Fprintf(&b, "  %-22s duckstore %4d   postgres %4d\n", "total", total["duckstore"], total["postgres"])
	fmt.Print(b.String())
	if path := os.Getenv("CLIENT_CHECKS"); path != "" {
		os.WriteFile(path, []byte(b.String()), 0o644)
	}
}
