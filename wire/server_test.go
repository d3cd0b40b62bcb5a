package wire

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/wire/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

// testServer is a Server on a loopback port with a fakeBackend.
type testServer struct {
	srv  *Server
	be   *fakeBackend
	addr string
	reg  *prometheus.Registry
}

func startServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{be: newFakeBackend(), addr: l.Addr().String(), reg: prometheus.NewRegistry()}
	if cfg.Registerer == nil {
		cfg.Registerer = ts.reg
	}
	ts.srv = NewServer(cfg, ts.be)
	served := make(chan error, 1)
	go func() { served <- ts.srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ts.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return ts
}

const scriptDir = "../testdata/pgtest"

// TestScripts runs the protocol scripts, which also pass against a real
// PostgreSQL 15 (see wire/pgtest), against the wire server.
func TestScripts(t *testing.T) {
	ts := startServer(t, Config{})
	paths, err := filepath.Glob(filepath.Join(scriptDir, "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts in %s: %v", scriptDir, err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txt"), func(t *testing.T) {
			pgtest.RunScript(t, ts.addr, p, pgtest.Options{User: fakeUser, Password: fakePassword, Database: "main"})
		})
	}
}
