package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // database/sql driver "duckdb": the in-process baseline
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/duckstore/duckstore/wire/pgtest"
)

// The three systems a case compares.
const (
	sysDuckstore = "duckstore"
	sysDuckDB    = "duckdb"   // the same queries through duckdb-go in this process
	sysPostgres  = "postgres" // a throwaway PostgreSQL 15
)

const benchAdminKey = "duckbench-admin-key"

// duckstoreServer is a running bin/duckstore on loopback ports.
type duckstoreServer struct {
	bin, dataDir string
	extra        []string
	HTTP, PG     string
	Pprof        string
	cmd          *exec.Cmd
	exited       chan struct{}
	stderr       *lockedWriter
}

// startDuckstore runs `duckstore serve` on free loopback ports and waits
// for its "duckstore listening" line.
func startDuckstore(bin, dataDir string, extra ...string) (*duckstoreServer, error) {
	pprofAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0", "--pg-addr", "127.0.0.1:0",
		"--pprof-addr", pprofAddr, "--log-level", "warn", "--max-connections", "500"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "ADMIN_API_KEY="+benchAdminKey)
	// The server must not outlive the driver, even when the driver is
	// killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &duckstoreServer{bin: bin, dataDir: dataDir, extra: extra, Pprof: pprofAddr, cmd: cmd,
		exited: make(chan struct{}), stderr: &lockedWriter{w: &bytes.Buffer{}}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { cmd.Wait(); close(s.exited) }()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
	}()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return nil, fmt.Errorf("duckstore exited before listening:\n%s", s.stderrText())
			}
			if rest, ok := strings.CutPrefix(line, "duckstore listening "); ok {
				for _, f := range strings.Fields(rest) {
					if v, ok := strings.CutPrefix(f, "http="); ok {
						s.HTTP = v
					}
					if v, ok := strings.CutPrefix(f, "pg="); ok {
						s.PG = v
					}
				}
				return s, nil
			}
		case <-timeout:
			s.kill()
			return nil, fmt.Errorf("duckstore did not start within 2 minutes:\n%s", s.stderrText())
		}
	}
}

func (s *duckstoreServer) stderrText() string {
	b := s.stderr.String()
	if len(b) > 4000 {
		b = "..." + b[len(b)-4000:]
	}
	return b
}

// stop ends the server as an operator would (SIGTERM: drain, checkpoint)
// and kills it if it takes longer than two minutes.
func (s *duckstoreServer) stop() {
	if s == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(2 * time.Minute):
		s.kill()
	}
}

func (s *duckstoreServer) kill() {
	s.cmd.Process.Kill()
	<-s.exited
}

func (s *duckstoreServer) pid() int { return s.cmd.Process.Pid }

// memory reads the server's current and peak resident set (VmRSS, VmHWM)
// from /proc, in bytes.
func (s *duckstoreServer) memory() (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch name {
		case "VmRSS":
			rss = n << 10
		case "VmHWM":
			hwm = n << 10
		}
	}
	return rss, hwm, nil
}

// api calls the admin HTTP API with key and decodes the JSON answer into
// out (when not nil).
func (s *duckstoreServer) api(ctx context.Context, method, path, key string, body io.Reader, contentType string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+s.HTTP+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (s *duckstoreServer) apiJSON(ctx context.Context, method, path, key string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return s.api(ctx, method, path, key, bytes.NewReader(b), "application/json", out)
}

// createProject makes a project and returns its first API key.
func (s *duckstoreServer) createProject(ctx context.Context, id string) (string, error) {
	var resp struct {
		APIKey string `json:"api_key"`
	}
	err := s.apiJSON(ctx, http.MethodPost, "/projects", benchAdminKey, map[string]string{"id": id, "name": id}, &resp)
	return resp.APIKey, err
}

// dsn is a libpq connection string for a project's default branch.
func (s *duckstoreServer) dsn(project, key string) string {
	host, port, _ := net.SplitHostPort(s.PG)
	return fmt.Sprintf("host=%s port=%s user=%s password=%s dbname=main sslmode=disable", host, port, project, key)
}

// postgresServer is a throwaway PostgreSQL 15 (see wire/pgtest).
type postgresServer struct {
	pg      *pgtest.Postgres
	version string
}

// postgresSettings make the comparison fair to PostgreSQL: durable
// commits like duckstore's (pgtest turns fsync off for tests), and memory
// settings a DBA would give a 24 GiB analytics machine instead of the
// 128 MB defaults. Parallel query stays at its defaults.
var postgresSettings = []string{"fsync=on", "shared_buffers=2GB", "work_mem=64MB", "maintenance_work_mem=512MB",
	"effective_cache_size=8GB", "max_connections=200"}

// startPostgres starts PostgreSQL 15 when its binaries are installed,
// installing Debian's postgresql-15 first when allowed and running as
// root. It returns a reason instead when PostgreSQL cannot run here.
func startPostgres(install bool, logf func(string, ...any)) (*postgresServer, string) {
	bin := filepath.Join(pgtest.BinDir, "postgres")
	if d := os.Getenv("PGTEST_BINDIR"); d != "" {
		bin = filepath.Join(d, "postgres")
	}
	if _, err := os.Stat(bin); err != nil && install && os.Geteuid() == 0 {
		if _, lerr := exec.LookPath("apt-get"); lerr == nil {
			logf("PostgreSQL 15 not found at %s: running apt-get install -y postgresql-15", bin)
			cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", "postgresql-15")
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			if out, err := cmd.CombinedOutput(); err != nil {
				logf("apt-get install postgresql-15 failed: %v\n%s", err, lastLines(string(out), 10))
			}
		}
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Sprintf("PostgreSQL 15 binaries not found (%s); install Debian's postgresql-15 or set PGTEST_BINDIR", bin)
	}
	pg, err := pgtest.Start(postgresSettings...)
	if err != nil {
		return nil, fmt.Sprintf("PostgreSQL 15 did not start: %v", err)
	}
	p := &postgresServer{pg: pg}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgconn.Connect(ctx, p.dsn("postgres"))
	if err != nil {
		pg.Stop()
		return nil, fmt.Sprintf("PostgreSQL 15 started but refused a login: %v", err)
	}
	defer c.Close(ctx)
	rows, err := c.Exec(ctx, "SHOW server_version").ReadAll()
	if err == nil && len(rows) == 1 && len(rows[0].Rows) == 1 {
		p.version = string(rows[0].Rows[0][0])
	}
	return p, ""
}

func (p *postgresServer) stop() {
	if p != nil {
		p.pg.Stop()
	}
}

// dsn is a libpq connection string for database db as the superuser
// (SCRAM-SHA-256 over TCP, as duckstore's logins).
func (p *postgresServer) dsn(db string) string {
	host, port, _ := net.SplitHostPort(p.pg.Addr)
	return fmt.Sprintf("host=%s port=%s user=%s password=%s dbname=%s sslmode=disable", host, port, p.pg.User, p.pg.Password, db)
}

// openDuckDB opens the in-process baseline: a DuckDB file through
// duckdb-go's database/sql driver, with DuckDB's defaults (threads = cores,
// memory_limit = 80% of RAM), as duckstore's instances run.
func openDuckDB(path string) (*sql.DB, error) {
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(64)
	return db, db.Ping()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// lockedWriter keeps the server's stderr for error messages; exec copies
// into it from its own goroutine.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() > 1<<20 {
		l.w.Reset()
	}
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var errSkipped = errors.New("skipped")

// procCPU returns a process's user + system CPU time from /proc (all its
// threads, DuckDB's workers included).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; fields follow the last ')'.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	// USER_HZ is 100 on Linux.
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// selfCPU is this process's user + system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineCPU is the CPU time all processes used (/proc/stat, every state
// but idle and iowait), so that busy cores = its growth over wall time.
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for i, v := range f[1:8] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
