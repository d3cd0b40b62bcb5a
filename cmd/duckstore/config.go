package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// config is everything `duckstore serve` takes. Every flag has an
// environment twin DUCKSTORE_<FLAG> (upper case, '-' as '_'); a flag given
// on the command line wins over its twin.
type config struct {
	DataDir        string
	PGAddr         string
	HTTPAddr       string
	TLSCert        string
	TLSKey         string
	MemoryLimit    string
	Threads        int
	MaxConns       int
	MaxAttached    int
	LockTimeout    time.Duration
	IdleTimeout    time.Duration
	ShutdownGrace  time.Duration
	AllowCleartext bool
	LogFormat      string
	LogLevel       string
	// Files API and async jobs (admin.DataConfig).
	MaxUploadSize   byteSize
	UploadTTL       time.Duration
	FileTTL         time.Duration
	FileJanitor     time.Duration
	MaxParallelJobs int
	// PprofAddr serves net/http/pprof when set; loopback addresses only.
	PprofAddr string
}

// flagHelp is returned when the user asked for -h.
var flagHelp = flag.ErrHelp

func parseServeFlags(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&c.DataDir, "data-dir", "./data", "folder holding catalog.duckdb and the projects' files")
	fs.StringVar(&c.PGAddr, "pg-addr", "127.0.0.1:5432", "PostgreSQL protocol listen address")
	fs.StringVar(&c.HTTPAddr, "http-addr", "127.0.0.1:8080", "admin HTTP API listen address")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "PEM certificate for PostgreSQL TLS (with --tls-key)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "PEM private key for PostgreSQL TLS (with --tls-cert)")
	fs.StringVar(&c.MemoryLimit, "memory-limit", "", "DuckDB memory_limit of each project instance, e.g. 4GB (default: DuckDB's, 80% of RAM)")
	fs.IntVar(&c.Threads, "threads", 0, "DuckDB threads of each project instance (default: one per core)")
	fs.IntVar(&c.MaxConns, "max-connections", 100, "most PostgreSQL connections at once; more get SQLSTATE 53300")
	fs.IntVar(&c.MaxAttached, "max-attached", 512, "most table files attached per project before idle ones are detached")
	fs.DurationVar(&c.LockTimeout, "lock-timeout", 30*time.Second, "longest wait for a table's write lock (then SQLSTATE 55P03)")
	fs.DurationVar(&c.IdleTimeout, "idle-session-timeout", 0, "close PostgreSQL sessions idle this long (0: never)")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", 30*time.Second, "time running statements get to finish on SIGINT/SIGTERM")
	fs.BoolVar(&c.AllowCleartext, "allow-cleartext-password", false, "offer cleartext password auth without TLS (SCRAM-SHA-256 is always offered)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	c.MaxUploadSize = 10 << 30
	fs.Var(&c.MaxUploadSize, "max-upload-size", "largest file upload (all slices), e.g. 10GiB or 500MB; larger ones get 413")
	fs.DurationVar(&c.UploadTTL, "upload-ttl", 24*time.Hour, "how long a prepared upload waits to be registered")
	fs.DurationVar(&c.FileTTL, "file-ttl", 15*24*time.Hour, "how long files that are not permanent are kept")
	fs.DurationVar(&c.FileJanitor, "file-janitor-interval", 10*time.Minute, "how often expired and orphaned files are removed")
	fs.StringVar(&c.PprofAddr, "pprof-addr", "", "serve Go's net/http/pprof profiles on this loopback address, e.g. 127.0.0.1:6060 (off when empty)")
	fs.IntVar(&c.MaxParallelJobs, "max-parallel-jobs", 4, "async jobs (imports, exports) running at once; jobs on one table always run one at a time")

	// Environment twins first, so that command-line flags override them.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "DUCKSTORE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", name, v, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return nil, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	if c.PprofAddr != "" && !isLoopback(c.PprofAddr) {
		return nil, fmt.Errorf("--pprof-addr must be a loopback address (127.0.0.1, ::1 or localhost), not %q", c.PprofAddr)
	}
	if c.MaxConns < 1 {
		return nil, fmt.Errorf("--max-connections must be at least 1")
	}
	return c, nil
}

// isLoopback reports whether a listen address binds only the loopback
// interface: profiles show the server's memory and must not be reachable
// from the network.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
