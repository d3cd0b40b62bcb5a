package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// readResult is what reading one result set took.
type readResult struct {
	rows  int64
	bytes int64 // value bytes received (wire) or 0 (in process)
	d     time.Duration
	// serverCPU is the CPU time of the process serving the query
	// (duckstore, or the PostgreSQL backend); clientCPU is this process's
	// (for the in-process baseline, DuckDB's too). On a shared machine CPU
	// time is steadier than wall time.
	serverCPU, clientCPU time.Duration
}

// serverPID finds the process that serves a connection: the duckstore
// server, or the connection's PostgreSQL backend.
type serverPID func(ctx context.Context, c *pgconn.PgConn) int

func (b *bench) duckstorePID(context.Context, *pgconn.PgConn) int { return b.ds.pid() }

func postgresBackendPID(ctx context.Context, c *pgconn.PgConn) int {
	return int(c.PID())
}

// readPG runs query over a new connection with the extended protocol,
// asking for every column in format (0 text, 1 binary), and reads every
// row without decoding it: the client does as little as a client can, so
// the figure is the server's and the wire's.
func readPG(ctx context.Context, dsn, query string, format int16, pid serverPID) (readResult, error) {
	c, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		return readResult{}, err
	}
	defer c.Close(ctx)
	spid := pid(ctx, c)
	s0, c0 := procCPU(spid), selfCPU()
	start := time.Now()
	rr := c.ExecParams(ctx, query, nil, nil, nil, []int16{format})
	var res readResult
	for rr.NextRow() {
		res.rows++
		for _, v := range rr.Values() {
			res.bytes += int64(len(v))
		}
	}
	if _, err := rr.Close(); err != nil {
		return res, err
	}
	res.d = time.Since(start)
	res.serverCPU, res.clientCPU = procCPU(spid)-s0, selfCPU()-c0
	return res, nil
}

// readDuckDB reads query through duckdb-go's database/sql driver into
// generic values (each Scan destination an *any): the ceiling a Go
// program reading DuckDB in process reaches.
func (b *bench) readDuckDB(ctx context.Context, query string) (readResult, error) {
	c0 := selfCPU()
	start := time.Now()
	rows, err := b.duck.QueryContext(ctx, query)
	if err != nil {
		return readResult{}, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return readResult{}, err
	}
	vals := make([]any, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var res readResult
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return res, err
		}
		res.rows++
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	res.d = time.Since(start)
	res.clientCPU = selfCPU() - c0
	return res, nil
}

// bestOf runs each side reps times, rotating which goes first (the
// machine may be shared and caches warm up), and keeps each side's
// fastest run.
func bestOf(reps int, sides ...func() (readResult, error)) ([]readResult, error) {
	best := make([]readResult, len(sides))
	for r := 0; r < reps; r++ {
		for k := range sides {
			i := (k + r) % len(sides)
			res, err := sides[i]()
			if err != nil {
				return nil, err
			}
			if best[i].d == 0 || res.d < best[i].d {
				best[i] = res
			}
		}
	}
	return best, nil
}

// caseWire is the wire throughput case: SELECT * of the fact table read
// in text and binary format, against the same query in process.
func (b *bench) caseWire(ctx context.Context) error {
	// No separate warm-up: each system has just written the table, and
	// of each side's runs the fastest counts.
	for _, f := range []struct {
		name   string
		format int16
	}{{"text", 0}, {"binary", 1}} {
		sides := []func() (readResult, error){
			func() (readResult, error) { return readPG(ctx, b.dsDSN, qScan, f.format, b.duckstorePID) },
			func() (readResult, error) { return b.readDuckDB(ctx, qScan) },
		}
		if b.pg != nil {
			sides = append(sides, func() (readResult, error) {
				return readPG(ctx, b.pg.dsn("postgres"), qScan, f.format, postgresBackendPID)
			})
		}
		res, err := bestOf(b.sz.Repeat, sides...)
		if err != nil {
			return err
		}
		c := "wire/" + f.name
		for i, sys := range []string{sysDuckstore, sysDuckDB, sysPostgres}[:len(res)] {
			r := res[i]
			if r.rows != b.sz.Rows {
				return fmt.Errorf("%s on %s: read %d rows, want %d", c, sys, r.rows, b.sz.Rows)
			}
			b.rep.add(c, sys, "rows/s", float64(r.rows)/r.d.Seconds(), "")
			b.rep.add(c, sys, "s", r.d.Seconds(), "")
			if r.bytes > 0 {
				b.rep.add(c, sys, "MB/s", float64(r.bytes)/(1<<20)/r.d.Seconds(), "value bytes")
			}
			if r.serverCPU > 0 {
				b.rep.add(c, sys, "server CPU s", r.serverCPU.Seconds(), "")
			}
			b.rep.add(c, sys, "client CPU s", r.clientCPU.Seconds(), "")
			b.logf("  %s %s: %d rows in %s (%.0f rows/s)", c, sys, r.rows, r.d.Round(time.Millisecond), float64(r.rows)/r.d.Seconds())
		}
	}
	rep := b.rep
	for _, f := range []string{"text", "binary"} {
		c := "wire/" + f
		op, bound := "", 0.0
		if f == "binary" {
			op, bound = ">=", 0.5
		}
		rep.addRatio(c+": duckstore / in-process duckdb-go", rep.get(c, sysDuckstore, "rows/s"), rep.get(c, sysDuckDB, "rows/s"),
			"rows/s over rows/s", op, bound)
		if f == "binary" {
			bound = 2
		}
		rep.addRatio(c+": duckstore / PostgreSQL", rep.get(c, sysDuckstore, "rows/s"), rep.get(c, sysPostgres, "rows/s"),
			"rows/s over rows/s", op, bound)
		rep.addRatio(c+": PostgreSQL / duckstore server CPU time", rep.get(c, sysPostgres, "server CPU s"), rep.get(c, sysDuckstore, "server CPU s"),
			"CPU time over CPU time (steadier on a shared machine)", "", 0)
	}
	return nil
}

// caseAnalytics times the group-by and the join on every system.
func (b *bench) caseAnalytics(ctx context.Context) error {
	for _, q := range []struct{ name, sql string }{{"group-by", qGroupBy}, {"join", qJoin}} {
		sides := []func() (readResult, error){
			func() (readResult, error) { return readPG(ctx, b.dsDSN, q.sql, 0, b.duckstorePID) },
			func() (readResult, error) { return b.readDuckDB(ctx, q.sql) },
		}
		if b.pg != nil {
			sides = append(sides, func() (readResult, error) { return readPG(ctx, b.pg.dsn("postgres"), q.sql, 0, postgresBackendPID) })
		}
		// One warm-up round, then the best of five runs (of two for
		// PostgreSQL, whose seconds-long runs need no finer figure).
		if _, err := bestOf(1, sides...); err != nil {
			return err
		}
		res, err := bestOf(max(5, b.sz.Repeat), sides[:2]...)
		if err != nil {
			return err
		}
		if len(sides) > 2 {
			pg, err := bestOf(max(2, b.sz.Repeat), sides[2])
			if err != nil {
				return err
			}
			res = append(res, pg...)
		}
		c := "analytics/" + q.name
		for i, sys := range []string{sysDuckstore, sysDuckDB, sysPostgres}[:len(res)] {
			b.rep.add(c, sys, "ms", ms(res[i].d), fmt.Sprintf("%d result rows", res[i].rows))
			b.logf("  %s %s: %s", c, sys, res[i].d.Round(time.Microsecond))
		}
		ds, duck := b.rep.get(c, sysDuckstore, "ms"), b.rep.get(c, sysDuckDB, "ms")
		// The target allows 1.1x DuckDB's time plus 2 ms for the round trips:
		// ds <= 1.1*duck + 2 ms.
		b.rep.addRatio(c+": (duckstore time - 2 ms) / in-process time", ds-2, duck, "time over time", "<=", 1.1)
		b.rep.addRatio(c+": PostgreSQL time / duckstore time", b.rep.get(c, sysPostgres, "ms"), ds, "time over time", ">=", 1)
	}
	return nil
}
