package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Postgres is a PostgreSQL server started for tests.
type Postgres struct {
	Addr     string // host:port on 127.0.0.1
	User     string // a superuser
	Password string // its password; TCP logins use SCRAM-SHA-256
	dir      string
	cmd      *exec.Cmd
}

// BinDir is where the PostgreSQL 15 binaries are looked for; the
// PGTEST_BINDIR environment variable overrides it.
var BinDir = "/usr/lib/postgresql/15/bin"

func binDir() string {
	if d := os.Getenv("PGTEST_BINDIR"); d != "" {
		return d
	}
	return BinDir
}

var (
	shared     *Postgres
	sharedErr  error
	sharedOnce sync.Once
)

// SharedPostgres returns a PostgreSQL 15 server shared by the tests of the
// process, starting it on first use, and skips t when the binaries are
// missing. Call StopShared from TestMain to stop it.
func SharedPostgres(t testing.TB) *Postgres {
	t.Helper()
	if _, err := os.Stat(filepath.Join(binDir(), "postgres")); err != nil {
		t.Skipf("PostgreSQL binaries not found in %s (set PGTEST_BINDIR): %v", binDir(), err)
	}
	sharedOnce.Do(func() { shared, sharedErr = Start() })
	if sharedErr != nil {
		t.Fatalf("starting PostgreSQL: %v", sharedErr)
	}
	return shared
}

// StopShared stops the server SharedPostgres started, if any.
func StopShared() {
	if shared != nil {
		shared.Stop()
	}
}

// Start runs initdb in a new temporary directory and starts postgres on a
// free loopback port with SCRAM-SHA-256 for TCP logins. As root, it runs
// the server as the "postgres" user, which PostgreSQL requires.
//
// Tests get fsync=off. settings ("name=value") are passed as -c options
// after the defaults and win over them: a benchmark that compares
// durable writes passes "fsync=on".
func Start(settings ...string) (*Postgres, error) {
	runAs, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	p := &Postgres{User: "postgres", Password: "pgtest-secret", dir: dir}
	if err := p.initdb(runAs); err != nil {
		p.cleanup()
		return nil, err
	}
	if err := p.start(runAs, settings); err != nil {
		p.cleanup()
		return nil, err
	}
	return p, nil
}

// serverUser returns the account to run PostgreSQL as when the tests run
// as root, or nil.
func serverUser() (*user.User, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root and no postgres user to run the server as: %w", err)
	}
	return u, nil
}

func (p *Postgres) command(runAs *user.User, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(binDir(), name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if runAs != nil {
		uid, _ := strconv.Atoi(runAs.Uid)
		gid, _ := strconv.Atoi(runAs.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	return cmd
}

func (p *Postgres) chown(runAs *user.User, path string) error {
	if runAs == nil {
		return nil
	}
	uid, _ := strconv.Atoi(runAs.Uid)
	gid, _ := strconv.Atoi(runAs.Gid)
	return os.Chown(path, uid, gid)
}

func (p *Postgres) initdb(runAs *user.User) error {
	if err := p.chown(runAs, p.dir); err != nil {
		return err
	}
	pwfile := filepath.Join(p.dir, "pw")
	if err := os.WriteFile(pwfile, []byte(p.Password+"\n"), 0o600); err != nil {
		return err
	}
	if err := p.chown(runAs, pwfile); err != nil {
		return err
	}
	cmd := p.command(runAs, "initdb", "-D", filepath.Join(p.dir, "data"), "-U", p.User,
		"--pwfile="+pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

func (p *Postgres) start(runAs *user.User, settings []string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	p.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	logf, err := os.Create(filepath.Join(p.dir, "log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"-D", filepath.Join(p.dir, "data"), "-p", strconv.Itoa(port),
		"-k", p.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "TimeZone=UTC"}
	for _, s := range settings {
		args = append(args, "-c", s)
	}
	p.cmd = p.command(runAs, "postgres", args...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", p.Addr, time.Second); err == nil {
			c.Close()
			// The port opens before the server accepts logins; give it a
			// moment past "database system is ready".
			if ready(filepath.Join(p.dir, "log")) {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(p.dir, "log"))
	return fmt.Errorf("postgres did not start on %s:\n%s", p.Addr, log)
}

func ready(logPath string) bool {
	b, _ := os.ReadFile(logPath)
	return strings.Contains(string(b), "ready to accept connections")
}

// Stop stops the server and removes its directory.
func (p *Postgres) Stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-done
		}
	}
	p.cleanup()
}

func (p *Postgres) cleanup() { os.RemoveAll(p.dir) }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
