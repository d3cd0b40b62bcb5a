package pgcatalog

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// pgBinDir holds the PostgreSQL 15 binaries the comparison tests start;
// PGCATALOG_PGBIN overrides it.
func pgBinDir() string {
	if d := os.Getenv("PGCATALOG_PGBIN"); d != "" {
		return d
	}
	return "/usr/lib/postgresql/15/bin"
}

// startPostgres runs a throwaway PostgreSQL 15 for t (initdb in a
// temporary directory, trust authentication on a free loopback port), loads
// testdata/schema_pg.sql and stops it in t.Cleanup. It skips t when the
// binaries are missing.
func startPostgres(t *testing.T) *pgconn.PgConn {
	t.Helper()
	bin := pgBinDir()
	if _, err := os.Stat(filepath.Join(bin, "postgres")); err != nil {
		t.Skipf("no PostgreSQL 15 in %s (set PGCATALOG_PGBIN): %v", bin, err)
	}
	dir, err := os.MkdirTemp("", "pgcatalog-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root without a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "TZ=UTC")
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	data := filepath.Join(dir, "data")
	if out, err := command("initdb", "-D", data, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
		"--auth=trust", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	var log bytes.Buffer
	srv := command("postgres", "-D", data, "-p", port, "-k", dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "TimeZone=UTC")
	srv.Stdout, srv.Stderr = &log, &log
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Signal(syscall.SIGINT) // fast shutdown
		done := make(chan struct{})
		go func() { srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			srv.Process.Kill()
			<-done
		}
	})
	ctx := context.Background()
	var conn *pgconn.PgConn
	for i := 0; ; i++ {
		conn, err = pgconn.Connect(ctx, fmt.Sprintf("host=127.0.0.1 port=%s user=postgres dbname=postgres sslmode=disable", port))
		if err == nil {
			break
		}
		if i > 300 {
			t.Fatalf("postgres did not start: %v\n%s", err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	schema, err := os.ReadFile("testdata/schema_pg.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, string(schema)).ReadAll(); err != nil {
		t.Fatalf("loading the schema: %v", err)
	}
	return conn
}
