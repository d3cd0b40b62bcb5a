// Command duckbench measures duckstore side by side with DuckDB in process
// and with PostgreSQL 15, on the same machine in one run, and prints a
// table of figures and ratios (also written as JSON under bench/results).
//
// It generates its data deterministically, starts bin/duckstore on
// loopback ports, starts a throwaway PostgreSQL 15 when its binaries are
// installed (installing Debian's postgresql-15 first when run as root),
// and runs these cases:
//
//	wire       SELECT * of the fact table read by a client in text and in
//	           binary format, against duckdb-go's database/sql in process
//	analytics  a group-by aggregate and a join with the dimension table
//	small      a prepared point lookup and a tiny aggregate, 1 and 16 clients
//	connect    connect + SCRAM + first query with 10 and many tables
//	load       COPY FROM STDIN (csv, binary) and the HTTP file import of a
//	           CSV, against DuckDB's read_csv and PostgreSQL's COPY; the
//	           HTTP import of the same rows as Parquet, against read_parquet
//	writes     INSERTs into 1, 2 and 4 tables at once
//	memory     the server's peak RSS while a slow client reads the fact table
//
// Run `make bench` or `go run -tags duckdb_arrow ./cmd/duckbench -h`.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// sizes are what a run measured; the JSON keeps them with the figures.
type sizes struct {
	Rows       int64         `json:"rows"`
	DimRows    int64         `json:"dim_rows"`
	Tables     int           `json:"tables"`
	LoadRows   int64         `json:"load_rows"`
	LoadMB     float64       `json:"load_csv_mb"`
	Duration   time.Duration `json:"-"`
	DurationS  float64       `json:"duration_s"`
	Connects   int           `json:"connects"`
	Repeat     int           `json:"repeat"`
	LoadRepeat int           `json:"load_repeat"`
	Clients    []int         `json:"clients"`
}

// The issue's sizes: the goal of a full run.
const (
	issueRows    = 10_000_000
	issueDimRows = 100_000
	issueTables  = 10_000
	issueCSVMB   = 1024
)

var allCases = []string{"wire", "analytics", "small", "connect", "load", "writes", "memory"}

// bench is one run: the systems, their data and the report.
type bench struct {
	sz          sizes
	rep         *report
	logf        func(string, ...any)
	bin         string
	work        string
	dataDir     string
	serverFlags []string

	ds    *duckstoreServer
	dsDSN string
	keys  map[string]string // project → API key
	duck  *sql.DB
	pg    *postgresServer

	csvPath, binPath, parquetPath string

	ctx     context.Context // the run's, for the setup steps
	setupMu sync.Mutex      // guards rep.Setup while the setups run at once
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("duckbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sz sizes
	fs.Int64Var(&sz.Rows, "rows", issueRows, "rows of the 10-column fact table")
	fs.Int64Var(&sz.DimRows, "dim-rows", issueDimRows, "rows of the join (dimension) table")
	fs.IntVar(&sz.Tables, "tables", issueTables, "tables in the large project of the connection case")
	fs.Int64Var(&sz.LoadRows, "load-rows", 0, "rows of the CSV the loading case loads (default: -rows; 10M rows are about 1.1 GB)")
	fs.DurationVar(&sz.Duration, "duration", 3*time.Second, "how long each small-query and write configuration runs")
	fs.IntVar(&sz.Connects, "connects", 200, "measured connections per target in the connection case")
	fs.IntVar(&sz.Repeat, "repeat", 2, "runs of each read per side; the best counts")
	fs.IntVar(&sz.LoadRepeat, "load-repeat", 1, "runs of each load per side; the best counts")
	clients := fs.String("clients", "1,16", "client counts of the small-query case")
	cases := fs.String("cases", strings.Join(allCases, ","), "cases to run, comma-separated")
	bin := fs.String("bin", "bin/duckstore", "the duckstore binary")
	out := fs.String("out", "bench/results", "folder for the JSON results")
	work := fs.String("work", "", "working folder for data and files (default: a new temporary folder, removed at the end)")
	pgMode := fs.String("postgres", "auto", "auto: compare with PostgreSQL 15 when it can run here (installing it as root); off: do not")
	serverFlags := fs.String("server-flags", "", "extra flags for duckstore serve, e.g. \"--memory-limit 4GB\"")
	profileDir := fs.String("profile-dir", "", "save CPU profiles of the duckstore server, one per case, in this folder")
	profileSeconds := fs.Int("profile-seconds", 20, "length of each CPU profile (from the start of its case)")
	quick := fs.Bool("quick", false, "tiny sizes for a smoke test (200k rows, 100 tables, 1s runs)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if *quick {
		sz.Rows, sz.DimRows, sz.Tables, sz.Duration, sz.Connects, sz.Repeat = 200_000, 10_000, 100, time.Second, 30, 1
	}
	if sz.LoadRows <= 0 || sz.LoadRows > sz.Rows {
		sz.LoadRows = sz.Rows
	}
	sz.DurationS = sz.Duration.Seconds()
	for _, f := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "duckbench: bad -clients %q\n", *clients)
			return 2
		}
		sz.Clients = append(sz.Clients, n)
	}
	selected := strings.Split(*cases, ",")
	for _, c := range selected {
		if !slices.Contains(allCases, c) {
			fmt.Fprintf(stderr, "duckbench: unknown case %q (cases: %s)\n", c, strings.Join(allCases, ", "))
			return 2
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, a...))
	}
	b := &bench{sz: sz, logf: logf, bin: *bin, keys: map[string]string{}, serverFlags: strings.Fields(*serverFlags)}
	b.rep = &report{Started: start.UTC(), Command: "duckbench " + strings.Join(args, " "), Machine: machine(),
		Versions: versions(ctx, *bin), Setup: map[string]string{}}
	if *work == "" {
		dir, err := os.MkdirTemp("", "duckbench-")
		if err != nil {
			fmt.Fprintln(stderr, "duckbench:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		b.work = dir
	} else {
		b.work = *work
		if err := os.MkdirAll(b.work, 0o755); err != nil {
			fmt.Fprintln(stderr, "duckbench:", err)
			return 1
		}
	}
	b.dataDir = filepath.Join(b.work, "data")
	b.ctx = ctx
	defer b.close()
	failed := b.runAll(ctx, selected, *pgMode, *profileDir, *profileSeconds)
	b.describe()
	b.close()

	b.rep.Finished = time.Now().UTC()
	b.rep.Sizes = b.sz
	b.rep.Machine["load_average_at_end"] = loadAverage()
	path, err := b.rep.writeJSON(*out)
	if err != nil {
		fmt.Fprintln(stderr, "duckbench: writing results:", err)
		return 1
	}
	b.rep.printTable(stdout)
	fmt.Fprintln(stdout)
	for _, n := range b.rep.Notes {
		fmt.Fprintln(stdout, "- "+n)
	}
	fmt.Fprintf(stdout, "\nresults: %s (%s)\n", path, time.Since(start).Round(time.Second))
	if failed {
		return 1
	}
	return 0
}

// runAll sets up what the selected cases need and runs them. It reports
// whether any failed; a failed case is noted and the others still run.
func (b *bench) runAll(ctx context.Context, selected []string, pgMode, profileDir string, profileSeconds int) bool {
	need := func(cs ...string) bool {
		for _, c := range cs {
			if slices.Contains(selected, c) {
				return true
			}
		}
		return false
	}
	fail := func(what string, err error) bool {
		b.logf("FAILED %s: %v", what, err)
		b.rep.note("FAILED %s: %v", what, err)
		return true
	}
	if pgMode != "off" {
		t := time.Now()
		pg, why := startPostgres(true, b.logf)
		if pg == nil {
			b.logf("without PostgreSQL: %s", why)
			b.rep.Skipped = append(b.rep.Skipped, "PostgreSQL 15: "+why)
		} else {
			b.pg = pg
			b.rep.Versions["postgres"] = pg.version
			b.rep.Setup["postgres start"] = since(t)
			b.logf("PostgreSQL %s on %s", pg.version, pg.pg.Addr)
		}
	} else {
		b.rep.Skipped = append(b.rep.Skipped, "PostgreSQL 15: -postgres off")
	}

	t := time.Now()
	ds, err := startDuckstore(b.bin, b.dataDir, b.serverFlags...)
	if err != nil {
		return fail("starting duckstore", err)
	}
	b.ds = ds
	b.logf("duckstore on pg=%s http=%s pprof=%s", ds.PG, ds.HTTP, ds.Pprof)
	for _, p := range []string{"bench", "c10", "cmany"} {
		key, err := ds.createProject(ctx, p)
		if err != nil {
			return fail("creating project "+p, err)
		}
		b.keys[p] = key
	}
	b.dsDSN = ds.dsn("bench", b.keys["bench"])
	b.rep.Setup["duckstore start"] = since(t)

	// The three systems are set up at once (setup is not measured). A
	// failed setup skips the cases that need it; the others still run.
	failed := false
	broken := map[string]bool{}
	dataCases := []string{"wire", "analytics", "small", "load", "memory"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	track := func(cases []string, steps ...func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, step := range steps {
				if err := step(); err != nil {
					mu.Lock()
					failed = fail("setup", err)
					for _, c := range cases {
						broken[c] = true
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	if need(dataCases...) {
		track(dataCases, b.setupDuckstoreData)
		track(dataCases, b.setupDuckDBData)
		if b.pg != nil {
			track(dataCases, b.setupPostgresData)
		}
	}
	if need("connect") {
		track([]string{"connect"}, b.setupDuckstoreConnect)
		if b.pg != nil {
			track([]string{"connect"}, b.setupPostgresConnect)
		}
	}
	wg.Wait()
	b.logf("setup done")
	if need("load") && !broken["load"] {
		t := time.Now()
		if err := b.loadFiles(ctx); err != nil {
			failed = fail("writing the load files", err)
			broken["load"] = true
		} else {
			b.rep.Setup["load files"] = since(t)
			b.logf("load files: %.0f MB of CSV (%s)", b.sz.LoadMB, since(t))
		}
	}

	for _, c := range allCases {
		if !need(c) || broken[c] || ctx.Err() != nil {
			continue
		}
		b.logf("case %s", c)
		stopProfile := b.profile(profileDir, c, profileSeconds)
		err := b.runCase(ctx, c)
		stopProfile()
		if err != nil {
			failed = fail("case "+c, err) || failed
		}
	}
	if ctx.Err() != nil {
		return fail("run", ctx.Err())
	}
	return failed
}

func (b *bench) runCase(ctx context.Context, c string) error {
	switch c {
	case "wire":
		return b.caseWire(ctx)
	case "analytics":
		return b.caseAnalytics(ctx)
	case "small":
		return b.caseSmall(ctx)
	case "connect":
		return b.caseConnect(ctx)
	case "load":
		return b.caseLoad(ctx)
	case "writes":
		return b.caseWrites(ctx)
	case "memory":
		return b.caseMemory(ctx)
	}
	return fmt.Errorf("unknown case %q", c)
}

// timed runs a setup step and records how long it took.
func (b *bench) timed(name string, fn func() error) error {
	t := time.Now()
	b.logf("setup: %s", name)
	if err := fn(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	b.setupMu.Lock()
	b.rep.Setup[name] = since(t)
	b.setupMu.Unlock()
	b.logf("setup: %s done (%s)", name, since(t))
	return nil
}

// setupDuckstoreData builds the fact and dimension tables in duckstore.
func (b *bench) setupDuckstoreData() error {
	return b.timed(fmt.Sprintf("duckstore data (%d + %d rows)", b.sz.Rows, b.sz.DimRows), func() error {
		return setupDuckstore(b.ctx, b.dsDSN, b.sz)
	})
}

// setupDuckDBData builds them in the in-process DuckDB.
func (b *bench) setupDuckDBData() error {
	return b.timed("duckdb data", func() error {
		db, err := openDuckDB(filepath.Join(b.work, "duckdb.db"))
		if err != nil {
			return err
		}
		b.duck = db
		if _, err := db.ExecContext(b.ctx, "SET TimeZone = 'UTC'"); err != nil {
			return err
		}
		return setupDuckDB(b.ctx, db, b.sz)
	})
}

// setupPostgresData builds them in PostgreSQL.
func (b *bench) setupPostgresData() error {
	return b.timed("postgres data", func() error { return setupPostgres(b.ctx, b.pg.dsn("postgres"), b.sz) })
}

// setupDuckstoreConnect makes the connection case's projects: one with 10
// small tables, one with sz.Tables.
func (b *bench) setupDuckstoreConnect() error {
	return b.timed(fmt.Sprintf("duckstore connection projects (10 and %d tables)", b.sz.Tables), func() error {
		if err := createSmallTables(b.ctx, b.ds.dsn("c10", b.keys["c10"]), 10, 2, nil); err != nil {
			return err
		}
		return createSmallTables(b.ctx, b.ds.dsn("cmany", b.keys["cmany"]), b.sz.Tables, 4, func(done int) {
			if done%2000 == 0 {
				b.logf("  %d tables", done)
			}
		})
	})
}

// setupPostgresConnect makes the same as databases in PostgreSQL.
func (b *bench) setupPostgresConnect() error {
	return b.timed("postgres connection databases", func() error {
		if err := createPostgresSmallTables(b.ctx, b.pg, "c10", 10); err != nil {
			return err
		}
		return createPostgresSmallTables(b.ctx, b.pg, "cmany", b.sz.Tables)
	})
}

// profile saves a CPU profile of the server for the first seconds of a
// case; the returned func waits for it.
func (b *bench) profile(dir, c string, seconds int) func() {
	if dir == "" || b.ds == nil {
		return func() {}
	}
	os.MkdirAll(dir, 0o755)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", b.ds.Pprof, seconds))
		if err != nil {
			b.logf("profile of %s: %v", c, err)
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(filepath.Join(dir, c+".pprof"))
		if err != nil {
			return
		}
		io.Copy(f, resp.Body)
		f.Close()
	}()
	return func() { <-done }
}

// describe notes how the run compares with the issue's sizes and how the
// systems were set up.
func (b *bench) describe() {
	sz := b.sz
	if sz.Rows != issueRows || sz.DimRows != issueDimRows || sz.Tables != issueTables {
		b.rep.note("sizes differ from the issue's (%d rows, %d-row join table, %d tables, a 1 GB CSV): ran %d rows, %d-row join table, %d tables, a %.0f MB CSV",
			issueRows, issueDimRows, issueTables, sz.Rows, sz.DimRows, sz.Tables, sz.LoadMB)
	}
	b.rep.note("wire and analytics read with pgconn (extended protocol, values not decoded); in process, duckdb-go's database/sql scans every value into an any")
	b.rep.note("small queries and writes use pgx with its default statement cache (prepare once per connection)")
	if b.pg != nil {
		b.rep.note("PostgreSQL runs with %s", strings.Join(postgresSettings, ", "))
	}
}

func (b *bench) close() {
	if b.ds != nil {
		b.ds.stop()
		b.ds = nil
	}
	if b.pg != nil {
		b.pg.stop()
		b.pg = nil
	}
	if b.duck != nil {
		b.duck.Close()
		b.duck = nil
	}
}
