package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// The data: every system builds the same rows from the row number with
// the same SQL (the expressions below are valid in DuckDB and PostgreSQL
// alike), so nothing random is involved and each run sees the same bytes.
//
// b.t    the fact table: rows × 10 mixed columns, id is the primary key
// b.dim  the join table: dimRows × 3 columns, id is the primary key
// c.t<n> the small tables of the connection projects

// factColumns are the ten columns of mixed types the issue asks for.
var factColumns = []string{
	"id BIGINT", "dim_id INTEGER", "price DOUBLE PRECISION", "amount DECIMAL(12,2)", "name VARCHAR",
	"active BOOLEAN", "day DATE", "ts TIMESTAMP", "tstz TIMESTAMPTZ", "note VARCHAR",
}

// factDDL creates a fact-shaped table; pk adds the primary key on id.
func factDDL(name string, pk bool) string {
	cols := append([]string(nil), factColumns...)
	if pk {
		cols[0] += " PRIMARY KEY"
	}
	return "CREATE TABLE " + name + " (" + strings.Join(cols, ", ") + ")"
}

// factSelect computes fact rows from the row numbers i of rangeFrom. name
// is 10 to 35 characters long, note is NULL on every fifth row.
func factSelect(rangeFrom string) string {
	return `SELECT i,
	CAST((i * 7919) % 100000 AS INTEGER),
	CAST((i * 37) % 100000 AS DOUBLE PRECISION) / 100,
	CAST(CAST((i * 7919) % 10000000 AS DECIMAL(12,0)) * 0.01 AS DECIMAL(12,2)),
	'customer ' || (i % 100003) || repeat('x', CAST(i % 20 AS INTEGER)),
	i % 3 = 0,
	DATE '2020-01-01' + CAST(i % 1500 AS INTEGER),
	TIMESTAMP '2020-01-01 00:00:00' + INTERVAL '1 second' * i,
	TIMESTAMPTZ '2020-01-01 00:00:00+00' + INTERVAL '1 second' * (i * 3),
	CASE WHEN i % 5 = 0 THEN NULL ELSE 'note ' || i END
FROM ` + rangeFrom
}

const dimDDL = "CREATE TABLE b.dim (id BIGINT PRIMARY KEY, category VARCHAR, weight DOUBLE PRECISION)"

func dimSelect(rangeFrom string) string {
	return "SELECT i, 'category ' || (i % 50), CAST(i % 1000 AS DOUBLE PRECISION) / 10 FROM " + rangeFrom
}

// duckRange and pgRange are the row-number sources of each dialect.
func duckRange(from, to int64) string { return fmt.Sprintf("range(%d, %d) AS r(i)", from, to) }
func pgRange(from, to int64) string {
	return fmt.Sprintf("generate_series(%d::bigint, %d::bigint) AS g(i)", from, to-1)
}

// The analytics queries and small queries, the same text everywhere.
const (
	qScan    = "SELECT * FROM b.t"
	qGroupBy = "SELECT day, count(*) AS n, sum(amount) AS amount, avg(price) AS price FROM b.t GROUP BY day ORDER BY day"
	qJoin    = "SELECT d.category, count(*) AS n, sum(f.amount) AS amount, avg(d.weight) AS weight " +
		"FROM b.t f JOIN b.dim d ON f.dim_id = d.id GROUP BY d.category ORDER BY d.category"
	qPoint   = "SELECT * FROM b.t WHERE id = $1"
	qTinyAgg = "SELECT count(*), sum(weight) FROM b.dim WHERE id BETWEEN $1 AND $2"
	qConnect = "SELECT count(*) FROM c.t7"
)

// execAll runs statements one after another on a pgconn.
func execAll(ctx context.Context, c *pgconn.PgConn, stmts ...string) error {
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s).ReadAll(); err != nil {
			return fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 100 {
		s = s[:100] + "..."
	}
	return s
}

// insertChunks fills a table from a row-number source in chunks of two
// million rows, so that no statement runs for minutes.
func insertChunks(rows int64, exec func(from, to int64) error) error {
	const chunk = 2_000_000
	for from := int64(0); from < rows; from += chunk {
		if err := exec(from, min(from+chunk, rows)); err != nil {
			return err
		}
	}
	return nil
}

// setupDuckstore creates the bench project's tables over pgwire.
func setupDuckstore(ctx context.Context, dsn string, sz sizes) error {
	c, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if err := execAll(ctx, c, "CREATE SCHEMA b", factDDL("b.t", true), dimDDL,
		"INSERT INTO b.dim "+dimSelect(duckRange(0, sz.DimRows))); err != nil {
		return err
	}
	return insertChunks(sz.Rows, func(from, to int64) error {
		return execAll(ctx, c, "INSERT INTO b.t "+factSelect(duckRange(from, to)))
	})
}

// setupDuckDB creates the same tables in the in-process baseline's file.
func setupDuckDB(ctx context.Context, db *sql.DB, sz sizes) error {
	for _, s := range []string{"CREATE SCHEMA b", factDDL("b.t", true), dimDDL,
		"INSERT INTO b.dim " + dimSelect(duckRange(0, sz.DimRows))} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	err := insertChunks(sz.Rows, func(from, to int64) error {
		_, err := db.ExecContext(ctx, "INSERT INTO b.t "+factSelect(duckRange(from, to)))
		return err
	})
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "CHECKPOINT")
	return err
}

// setupPostgres creates the same tables in PostgreSQL's postgres
// database, then VACUUM ANALYZE so that its planner and visibility map
// are as a DBA would leave them.
func setupPostgres(ctx context.Context, dsn string, sz sizes) error {
	c, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if err := execAll(ctx, c, "CREATE SCHEMA b", factDDL("b.t", true), dimDDL,
		"INSERT INTO b.dim "+dimSelect(pgRange(0, sz.DimRows))); err != nil {
		return err
	}
	err = insertChunks(sz.Rows, func(from, to int64) error {
		return execAll(ctx, c, "INSERT INTO b.t "+factSelect(pgRange(from, to)))
	})
	if err != nil {
		return err
	}
	return execAll(ctx, c, "VACUUM ANALYZE b.t", "VACUUM ANALYZE b.dim", "CHECKPOINT")
}

// createSmallTables creates c.t1 .. c.t<n> (a few rows each) over
// parallel pgwire connections: the connection case's projects.
func createSmallTables(ctx context.Context, dsn string, n, parallel int, progress func(done int)) error {
	setup, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	err = execAll(ctx, setup, "CREATE SCHEMA c")
	setup.Close(ctx)
	if err != nil {
		return err
	}
	var next, done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, parallel)
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := pgconn.Connect(ctx, dsn)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close(ctx)
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				q := fmt.Sprintf("CREATE TABLE c.t%d AS SELECT i AS id, 'row ' || i AS v FROM (VALUES (1), (2), (3)) AS v(i)", i)
				if err := execAll(ctx, c, q); err != nil {
					errs <- err
					return
				}
				if d := done.Add(1); progress != nil && d%500 == 0 {
					progress(int(d))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// createPostgresSmallTables makes database db with c.t1 .. c.t<n>.
func createPostgresSmallTables(ctx context.Context, p *postgresServer, db string, n int) error {
	admin, err := pgconn.Connect(ctx, p.dsn("postgres"))
	if err != nil {
		return err
	}
	err = execAll(ctx, admin, "CREATE DATABASE "+db)
	admin.Close(ctx)
	if err != nil {
		return err
	}
	c, err := pgconn.Connect(ctx, p.dsn(db))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if err := execAll(ctx, c, "CREATE SCHEMA c"); err != nil {
		return err
	}
	// One DO block per 500 tables: a transaction creating thousands of
	// tables runs out of lock slots (max_locks_per_transaction).
	for from := 1; from <= n; from += 500 {
		err := execAll(ctx, c, fmt.Sprintf(`DO $$
BEGIN
	FOR i IN %d..%d LOOP
		EXECUTE format('CREATE TABLE c.t%%s AS SELECT i AS id, ''row '' || i AS v FROM (VALUES (1), (2), (3)) AS v(i)', i);
	END LOOP;
END $$`, from, min(from+499, n)))
		if err != nil {
			return err
		}
	}
	return execAll(ctx, c, "VACUUM ANALYZE", "CHECKPOINT")
}

// since formats a setup step's duration for the log.
func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }
