package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// latencyRun is the outcome of clients issuing queries for a while.
type latencyRun struct {
	queries  int
	elapsed  time.Duration
	p50, p99 time.Duration
}

// client is one connection issuing a query in a loop.
type client struct {
	query func(*rand.Rand) error
	close func()
}

// newClient opens one client of a system.
type newClient func(context.Context) (client, error)

// runClients has n clients, each on its own connection, run their query
// in a loop for d (after a short warm-up that also prepares the
// statements), and returns the throughput and latency percentiles of all
// of them.
func runClients(ctx context.Context, n int, d time.Duration, open newClient) (latencyRun, error) {
	clients := make([]client, 0, n)
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	for range n {
		c, err := open(ctx)
		if err != nil {
			return latencyRun{}, err
		}
		clients = append(clients, c)
	}
	lat := make([][]time.Duration, n)
	errs := make([]error, n)
	var ready, wg sync.WaitGroup
	start := make(chan struct{})
	var begin time.Time
	ready.Add(n)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(i)+1, 42))
			warm := time.Now().Add(300 * time.Millisecond)
			for time.Now().Before(warm) {
				if errs[i] = clients[i].query(rnd); errs[i] != nil {
					ready.Done()
					return
				}
			}
			ready.Done()
			<-start
			end := begin.Add(d)
			ds := make([]time.Duration, 0, 1<<14)
			for {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				if errs[i] = clients[i].query(rnd); errs[i] != nil {
					return
				}
				ds = append(ds, time.Since(t0))
			}
			lat[i] = ds
		}()
	}
	ready.Wait()
	begin = time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(begin)
	var all []time.Duration
	for i := range lat {
		if errs[i] != nil {
			return latencyRun{}, errs[i]
		}
		all = append(all, lat[i]...)
	}
	return latencyRun{queries: len(all), elapsed: elapsed, p50: percentile(all, 50), p99: percentile(all, 99)}, nil
}

// pgxClients opens pgx connections that run one query with arguments
// from args. pgx prepares it once per connection and then sends
// Bind/Execute/Sync per query, as applications do.
func pgxClients(dsn, sql string, args func(*rand.Rand) []any) newClient {
	return func(ctx context.Context) (client, error) {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return client{}, err
		}
		return client{
			query: func(rnd *rand.Rand) error {
				r, err := c.Query(ctx, sql, args(rnd)...)
				if err != nil {
					return err
				}
				return drain(r, 1)
			},
			close: func() { c.Close(ctx) },
		}, nil
	}
}

// duckdbClients run the same prepared statement through duckdb-go's
// database/sql in process: DuckDB's own cost per query, with no network.
func (b *bench) duckdbClients(sql string, args func(*rand.Rand) []any) newClient {
	return func(ctx context.Context) (client, error) {
		conn, err := b.duck.Conn(ctx)
		if err != nil {
			return client{}, err
		}
		st, err := conn.PrepareContext(ctx, sql)
		if err != nil {
			conn.Close()
			return client{}, err
		}
		return client{
			query: func(rnd *rand.Rand) error {
				rows, err := st.QueryContext(ctx, args(rnd)...)
				if err != nil {
					return err
				}
				cols, _ := rows.Columns()
				vals := make([]any, len(cols))
				dest := make([]any, len(cols))
				for i := range vals {
					dest[i] = &vals[i]
				}
				n := 0
				for rows.Next() {
					if err := rows.Scan(dest...); err != nil {
						rows.Close()
						return err
					}
					n++
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				if n != 1 {
					return fmt.Errorf("got %d rows, want 1", n)
				}
				return nil
			},
			close: func() { st.Close(); conn.Close() },
		}, nil
	}
}

// drain reads every row of a query's result without decoding it.
func drain(rows pgx.Rows, want int) error {
	n := 0
	for rows.Next() {
		rows.RawValues()
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if want >= 0 && n != want {
		return fmt.Errorf("got %d rows, want %d", n, want)
	}
	return nil
}

// caseSmall runs the prepared point lookup and the tiny aggregate with 1
// and 16 clients on duckstore and PostgreSQL, and in process for
// reference: DuckDB's own floor per query.
func (b *bench) caseSmall(ctx context.Context) error {
	rows := b.sz.Rows
	dimRows := b.sz.DimRows
	queries := []struct {
		name string
		sql  string
		args func(*rand.Rand) []any
	}{
		{"point-lookup", qPoint, func(rnd *rand.Rand) []any { return []any{rnd.Int64N(rows)} }},
		{"tiny-aggregate", qTinyAgg, func(rnd *rand.Rand) []any {
			lo := rnd.Int64N(max(1, dimRows-100))
			return []any{lo, lo + 99}
		}},
	}
	for _, q := range queries {
		targets := []struct {
			sys  string
			open newClient
		}{{sysDuckstore, pgxClients(b.dsDSN, q.sql, q.args)}, {sysDuckDB, b.duckdbClients(q.sql, q.args)}}
		if b.pg != nil {
			targets = append(targets, struct {
				sys  string
				open newClient
			}{sysPostgres, pgxClients(b.pg.dsn("postgres"), q.sql, q.args)})
		}
		for _, n := range b.sz.Clients {
			c := fmt.Sprintf("small/%s/%d-client", q.name, n)
			if n > 1 {
				c += "s"
			}
			for _, t := range targets {
				res, err := runClients(ctx, n, b.sz.Duration, t.open)
				if err != nil {
					return fmt.Errorf("%s on %s: %w", c, t.sys, err)
				}
				qps := float64(res.queries) / res.elapsed.Seconds()
				b.rep.add(c, t.sys, "qps", qps, "")
				b.rep.add(c, t.sys, "p50_ms", ms(res.p50), "")
				b.rep.add(c, t.sys, "p99_ms", ms(res.p99), "")
				b.logf("  %s %s: %.0f qps, p50 %s, p99 %s", c, t.sys, qps, res.p50.Round(time.Microsecond), res.p99.Round(time.Microsecond))
			}
			b.rep.addRatio(c+": duckstore / PostgreSQL qps", b.rep.get(c, sysDuckstore, "qps"), b.rep.get(c, sysPostgres, "qps"), "qps over qps", "", 0)
			b.rep.addRatio(c+": duckstore / in-process DuckDB qps", b.rep.get(c, sysDuckstore, "qps"), b.rep.get(c, sysDuckDB, "qps"), "qps over qps", "", 0)
		}
	}
	return nil
}

// connectOnce connects (TCP, startup, SCRAM-SHA-256), runs the first
// query and returns how long that took; closing is not counted.
func connectOnce(ctx context.Context, cfg *pgconn.Config) (time.Duration, error) {
	start := time.Now()
	c, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer c.Close(ctx)
	rr := c.ExecParams(ctx, qConnect, nil, nil, nil, nil)
	for rr.NextRow() {
	}
	if _, err := rr.Close(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// caseConnect measures connect + SCRAM + first query in a project (or
// database) with few and with many tables. The targets take turns, so
// that a noisy moment on the machine hits all of them alike.
func (b *bench) caseConnect(ctx context.Context) error {
	type target struct {
		sys, c string
		cfg    *pgconn.Config
		lat    []time.Duration
	}
	var targets []*target
	add := func(sys, c, dsn string) error {
		cfg, err := pgconn.ParseConfig(dsn)
		if err != nil {
			return err
		}
		targets = append(targets, &target{sys: sys, c: c, cfg: cfg})
		return nil
	}
	few, many := "connect/10-tables", fmt.Sprintf("connect/%d-tables", b.sz.Tables)
	if err := add(sysDuckstore, few, b.ds.dsn("c10", b.keys["c10"])); err != nil {
		return err
	}
	if err := add(sysDuckstore, many, b.ds.dsn("cmany", b.keys["cmany"])); err != nil {
		return err
	}
	if b.pg != nil {
		add(sysPostgres, few, b.pg.dsn("c10"))
		add(sysPostgres, many, b.pg.dsn("cmany"))
	}
	for i := 0; i < b.sz.Connects+10; i++ {
		for k := range targets {
			t := targets[(i+k)%len(targets)]
			d, err := connectOnce(ctx, t.cfg)
			if err != nil {
				return fmt.Errorf("%s on %s: %w", t.c, t.sys, err)
			}
			if i >= 10 { // the first ten warm up
				t.lat = append(t.lat, d)
			}
		}
	}
	for _, t := range targets {
		p50, p99 := percentile(t.lat, 50), percentile(t.lat, 99)
		b.rep.add(t.c, t.sys, "p50_ms", ms(p50), "")
		b.rep.add(t.c, t.sys, "p99_ms", ms(p99), "")
		b.logf("  %s %s: p50 %s, p99 %s", t.c, t.sys, p50.Round(time.Microsecond), p99.Round(time.Microsecond))
	}
	r := b.rep
	r.addRatio(few+": duckstore / PostgreSQL p50", r.get(few, sysDuckstore, "p50_ms"), r.get(few, sysPostgres, "p50_ms"), "time over time", "<=", 1)
	r.addRatio(many+": duckstore / PostgreSQL p50", r.get(many, sysDuckstore, "p50_ms"), r.get(many, sysPostgres, "p50_ms"), "time over time", "<=", 1)
	r.addRatio(fmt.Sprintf("connect: duckstore p50 %d tables / 10 tables", b.sz.Tables), r.get(many, sysDuckstore, "p50_ms"), r.get(few, sysDuckstore, "p50_ms"),
		"time over time", "<=", 1.2)
	return nil
}
