// Command duckstore is an on-premise Keboola Storage on DuckDB: a
// PostgreSQL wire-protocol server and an HTTP admin API over per-table
// DuckDB files. Run `duckstore serve -h` for its flags.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/duckstore/duckstore/admin"
	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "serve":
		cfg, err := parseServeFlags(args[1:])
		if errors.Is(err, flagHelp) {
			return 0
		}
		if err != nil {
			fmt.Fprintln(stderr, "duckstore serve:", err)
			return 2
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		if err := serve(ctx, cfg, stdout, newLogger(cfg, stderr)); err != nil {
			fmt.Fprintln(stderr, "duckstore serve:", err)
			return 1
		}
		return 0
	case "version", "--version":
		fmt.Fprintf(stdout, "duckstore %s (DuckDB %s)\n", version, engine.DuckDBVersion())
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "duckstore: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: duckstore <command> [flags]

commands:
  serve     run the PostgreSQL protocol server and the admin HTTP API
  version   print the version

Run "duckstore serve -h" for the flags of serve.
`)
}

func newLogger(cfg *config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// serve runs until ctx ends, then shuts down gracefully: stop accepting,
// let running requests and statements finish within the grace period,
// checkpoint every file, close the catalog.
func serve(ctx context.Context, cfg *config, stdout io.Writer, log *slog.Logger) error {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	cat, err := catalog.Open(ctx, cfg.DataDir)
	if err != nil {
		return err
	}
	defer cat.Close()
	eng, err := engine.New(ctx, engine.Config{
		DataDir: cfg.DataDir, MemoryLimit: cfg.MemoryLimit, Threads: cfg.Threads,
		MaxAttached: cfg.MaxAttached, LockTimeout: cfg.LockTimeout,
		Logger: log.With("component", "engine"), Registerer: reg,
	}, cat)
	if err != nil {
		return err
	}
	defer eng.Close()

	keyHash, generated, err := adminKey(ctx, cat)
	if err != nil {
		return err
	}

	api, err := admin.New(admin.Config{
		Logger: log.With("component", "admin"), Registerer: reg, Gatherer: reg,
		AdminKeyHash: keyHash, Version: version,
		Data: admin.DataConfig{MaxUploadBytes: int64(cfg.MaxUploadSize), UploadTTL: cfg.UploadTTL, FileTTL: cfg.FileTTL,
			JanitorEvery: cfg.FileJanitor, MaxParallelJobs: cfg.MaxParallelJobs},
	}, eng)
	if err != nil {
		return err
	}
	defer api.Close()
	httpLn, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	httpErr := make(chan error, 1)
	go func() { httpErr <- httpSrv.Serve(httpLn) }()

	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(ctx, cfg.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}

	pg, pgLn, err := startPG(ctx, cfg, log, reg, eng, cat)
	if err != nil {
		return err
	}
	pgErr := make(chan error, 1)
	go func() { pgErr <- pg.Serve(pgLn) }()

	httpURL := "http://" + httpLn.Addr().String()
	log.Info("duckstore serving", "version", version, "duckdb", engine.DuckDBVersion(),
		"data_dir", cfg.DataDir, "http_addr", httpLn.Addr().String(), "pg_addr", pgLn.Addr().String())
	fmt.Fprintf(stdout, "duckstore listening http=%s pg=%s\n", httpLn.Addr(), pgLn.Addr())
	if generated != "" {
		printAdminKey(stdout, generated, httpURL)
	}

	select {
	case <-ctx.Done():
	case err := <-httpErr:
		return err
	case err := <-pgErr:
		return err
	}
	log.Info("shutting down", "grace", cfg.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
	defer cancel()
	// Both servers drain at once: stop accepting, let running requests and
	// statements finish within the grace period; the deferred closes then
	// checkpoint every file and the catalog.
	done := make(chan struct{})
	go func() {
		if err := pg.Shutdown(sctx); err != nil {
			log.Warn("PostgreSQL server shutdown", "err", err)
		}
		close(done)
	}()
	if err := httpSrv.Shutdown(sctx); err != nil {
		log.Warn("admin API shutdown", "err", err)
	}
	<-done
	return nil
}

// startPG builds the PostgreSQL protocol server over the SQL router and
// binds its listener.
func startPG(ctx context.Context, cfg *config, log *slog.Logger, reg prometheus.Registerer, eng *engine.Engine, cat catalog.Store) (*wire.Server, net.Listener, error) {
	secret, err := serverSecret(ctx, cat)
	if err != nil {
		return nil, nil, err
	}
	router := sqlrouter.New(sqlrouter.Config{
		Logger: log.With("component", "sqlrouter"), Registerer: reg,
		Version: version, LockTimeout: cfg.LockTimeout, Secret: secret,
		// pg_catalog and information_schema, built per project and branch
		// when a client first reads them.
		SystemCatalog: sqlrouter.NewPGCatalog(log.With("component", "pgcatalog")),
	}, eng)
	var tlsCfg *tls.Config
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, nil, fmt.Errorf("TLS: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	srv := wire.NewServer(wire.Config{
		TLS: tlsCfg, AllowCleartextWithoutTLS: cfg.AllowCleartext,
		MaxConnections: cfg.MaxConns, IdleSessionTimeout: cfg.IdleTimeout, ShutdownGrace: cfg.ShutdownGrace,
		Logger: log.With("component", "wire"), Registerer: reg,
		BaseContext: func() context.Context { return context.WithoutCancel(ctx) },
	}, router)
	ln, err := net.Listen("tcp", cfg.PGAddr)
	if err != nil {
		return nil, nil, err
	}
	return srv, ln, nil
}

// servePprof serves Go's profiles (net/http/pprof) on addr, which the
// flag parser has checked to be a loopback address. It is off by default:
// profiles are for measuring (see cmd/duckbench), not for production.
func servePprof(ctx context.Context, addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	go srv.Serve(ln)
	log.Info("pprof serving", "addr", ln.Addr().String())
	return func() { srv.Close() }, nil
}

const serverSecretSetting = "server_secret"

// serverSecret returns the server's own random secret, made on first
// start and kept in the catalog: it keys what must stay stable across
// restarts (the fake SCRAM salts of unknown users).
func serverSecret(ctx context.Context, cat catalog.Store) ([]byte, error) {
	if v, ok, err := cat.Setting(ctx, serverSecretSetting); err != nil {
		return nil, err
	} else if ok {
		return hex.DecodeString(v)
	}
	b := make([]byte, 32)
	rand.Read(b)
	return b, cat.PutSetting(ctx, serverSecretSetting, hex.EncodeToString(b))
}

const adminKeySetting = "admin_key_sha256"

// adminKey returns the SHA-256 of the admin key: from ADMIN_API_KEY when
// set, else the one kept from an earlier start, else a new one, which is
// returned once in generated for printing and never stored in the clear.
func adminKey(ctx context.Context, cat catalog.Store) (hash [32]byte, generated string, err error) {
	if k := os.Getenv("ADMIN_API_KEY"); k != "" {
		hash = sha256.Sum256([]byte(k))
		return hash, "", cat.PutSetting(ctx, adminKeySetting, hex.EncodeToString(hash[:]))
	}
	if v, ok, err := cat.Setting(ctx, adminKeySetting); err != nil {
		return hash, "", err
	} else if ok {
		b, err := hex.DecodeString(v)
		if err != nil || len(b) != len(hash) {
			return hash, "", fmt.Errorf("catalog setting %s is corrupt", adminKeySetting)
		}
		copy(hash[:], b)
		return hash, "", nil
	}
	var raw [24]byte
	rand.Read(raw[:])
	generated = "admin_" + hex.EncodeToString(raw[:])
	hash = sha256.Sum256([]byte(generated))
	return hash, generated, cat.PutSetting(ctx, adminKeySetting, hex.EncodeToString(hash[:]))
}

func printAdminKey(w io.Writer, key, httpURL string) {
	fmt.Fprintf(w, `
An admin API key was generated. It is shown only this once; only its hash is kept.

    ADMIN_API_KEY=%[1]s

Create a project (the answer holds the project's first API key):

    curl -s -X POST %[2]s/projects -H 'Authorization: Bearer %[1]s' \
         -H 'Content-Type: application/json' -d '{"id": "demo", "name": "Demo"}'

Then connect with psql, the project key as the password:

    PGPASSWORD=<project api_key> psql "host=<pg host> port=<pg port> user=demo dbname=main"

`, key, httpURL)
}
