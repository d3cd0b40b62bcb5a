package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestBinaryCopy moves rows out and back in with COPY (FORMAT binary), on
// duckstore and on PostgreSQL with the same expectations: every column
// type of the fixture comes back equal, a load of many batches arrives
// whole, and a load that fails (a duplicate key, the client's CopyFail)
// leaves the table as it was, in autocommit and in a transaction block.
func TestBinaryCopy(t *testing.T) {
	for _, target := range Targets(t) {
		t.Run(target.Name, func(t *testing.T) { binaryCopy(t, target) })
	}
}

const copyColumns = `id integer NOT NULL PRIMARY KEY, customer text NOT NULL, amount numeric(12,2), quantity smallint,
  big bigint, ratio double precision, score real, paid boolean, order_date date, order_time time,
  created_at timestamp, updated_at timestamptz, duration interval, uid uuid, payload json, raw bytea,
  tags text[], nums integer[]`

func binaryCopy(t *testing.T, target Target) {
	ctx := context.Background()
	c := pgxConnect(t, target)
	exec := func(sql string) {
		t.Helper()
		if _, err := c.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// Rows rendered as text by the server, to compare tables.
	rowsOf := func(sql string) string {
		t.Helper()
		rows, err := c.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			raw := rows.RawValues()
			f := make([]string, len(raw))
			for i, v := range raw {
				f[i] = "NULL"
				if v != nil {
					f[i] = string(v)
				}
			}
			out = append(out, strings.Join(f, "|"))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, "\n")
	}
	copyOut := func(sql string) []byte {
		t.Helper()
		var buf bytes.Buffer
		if _, err := c.PgConn().CopyTo(ctx, &buf, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return buf.Bytes()
	}
	copyIn := func(r io.Reader, table string) (int64, error) {
		tag, err := c.PgConn().CopyFrom(ctx, r, "COPY "+table+" FROM STDIN (FORMAT binary)")
		return tag.RowsAffected(), err
	}
	codeOf := func(err error) string {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return pe.Code
		}
		return fmt.Sprint(err)
	}
	const dst = `"out.c-reports".copy_types`
	const many = `"out.c-reports".copy_many`
	exec("DROP TABLE IF EXISTS " + dst)
	exec("DROP TABLE IF EXISTS " + many)
	exec("CREATE TABLE " + dst + " (" + copyColumns + ")")
	exec("CREATE TABLE " + many + " (id integer NOT NULL PRIMARY KEY, s text, n numeric(12,2), d date, ts timestamptz)")
	defer c.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+dst)
	defer c.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+many)
	defer countChecks(t, 5)

	t.Run("every type", func(t *testing.T) {
		data := copyOut(`COPY "in.c-sales".orders TO STDOUT (FORMAT binary)`)
		count := rowsOf(`SELECT count(*) FROM "in.c-sales".orders`)
		if n, err := copyIn(bytes.NewReader(data), dst); err != nil || fmt.Sprint(n) != count {
			t.Fatalf("COPY FROM = %d, %v; want %s rows", n, err, count)
		}
		want := rowsOf(`SELECT * FROM "in.c-sales".orders ORDER BY id`)
		if got := rowsOf("SELECT * FROM " + dst + " ORDER BY id"); got != want {
			t.Errorf("copied rows differ:\n got  %s\n want %s", got, want)
		}
	})

	// 5000 rows are three batches of duckstore's 2048.
	exec(`INSERT INTO ` + many + ` SELECT i, 'row ' || i || ', "' || i || '"', i * 1.25, DATE '2024-01-01' + i,
		TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL '1 minute' FROM generate_series(1, 5000) AS g(i)`)
	data := copyOut("COPY " + many + " TO STDOUT (FORMAT binary)")
	want := rowsOf("SELECT * FROM " + many + " ORDER BY id")
	exec("DELETE FROM " + many + " WHERE id > 100")
	before := rowsOf("SELECT count(*), sum(n) FROM " + many)

	t.Run("a duplicate key loads nothing", func(t *testing.T) {
		if _, err := copyIn(bytes.NewReader(data), many); codeOf(err) != "23505" {
			t.Errorf("COPY with duplicate keys: %v, want 23505", err)
		}
		if got := rowsOf("SELECT count(*), sum(n) FROM " + many); got != before {
			t.Errorf("after the failed COPY: %s, want %s", got, before)
		}
		exec("BEGIN")
		if _, err := copyIn(bytes.NewReader(data), many); codeOf(err) != "23505" {
			t.Errorf("COPY with duplicate keys in a transaction: %v, want 23505", err)
		}
		if _, err := c.Exec(ctx, "SELECT 1", pgx.QueryExecModeSimpleProtocol); codeOf(err) != "25P02" {
			t.Errorf("statement after the failed COPY: %v, want 25P02", err)
		}
		exec("ROLLBACK")
		if got := rowsOf("SELECT count(*), sum(n) FROM " + many); got != before {
			t.Errorf("after the rolled back COPY: %s, want %s", got, before)
		}
	})

	t.Run("CopyFail loads nothing", func(t *testing.T) {
		exec("DELETE FROM " + many)
		// The reader fails after most of the data: pgconn sends CopyFail.
		r := io.MultiReader(bytes.NewReader(data[:len(data)*3/4]), errReader{})
		if _, err := copyIn(r, many); err == nil {
			t.Fatal("COPY ended by CopyFail succeeded")
		}
		if got := rowsOf("SELECT count(*) FROM " + many); got != "0" {
			t.Errorf("rows after CopyFail: %s, want 0", got)
		}
	})

	t.Run("a failure while the client still sends", func(t *testing.T) {
		// 400,000 rows of about 170 bytes: the insert fails, or the
		// statement times out, long before the client has sent them all.
		const src, dst = `"out.c-reports".copy_big_src`, `"out.c-reports".copy_big_dst`
		exec("DROP TABLE IF EXISTS " + src)
		exec("DROP TABLE IF EXISTS " + dst)
		defer c.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+src)
		defer c.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+dst)
		exec("CREATE TABLE " + src + " (id integer, s text)")
		exec("CREATE TABLE " + dst + " (id integer, s text NOT NULL)")
		// Row 1000 breaks the NOT NULL constraint, which DuckDB finds when
		// it first inserts (after about 200,000 rows).
		exec(`INSERT INTO ` + src + ` SELECT i, CASE WHEN i = 1000 THEN NULL ELSE repeat('x', 150) || i END
			FROM generate_series(1, 400000) AS g(i)`)
		big := copyOut("COPY " + src + " TO STDOUT (FORMAT binary)")
		if len(big) < 64<<20 {
			t.Fatalf("the COPY data is %d bytes, want over 64 MiB", len(big))
		}
		const notNull = `null value in column "s" of relation "copy_big_dst" violates not-null constraint`
		_, err := copyIn(bytes.NewReader(big), dst)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23502" || pe.Message != notNull {
			t.Errorf("COPY with a NULL in a NOT NULL column: %v, want 23502 %q", err, notNull)
		}
		if got := rowsOf("SELECT count(*) FROM " + dst); got != "0" {
			t.Errorf("rows after the failed COPY: %s, want 0", got)
		}
		exec("UPDATE " + src + " SET s = 'fixed' WHERE id = 1000")
		big = copyOut("COPY " + src + " TO STDOUT (FORMAT binary)")
		// A statement timeout stops the insert while the client sends.
		exec("SET statement_timeout = 100")
		if _, err := copyIn(bytes.NewReader(big), dst); codeOf(err) != "57014" {
			t.Errorf("COPY past statement_timeout: %v, want 57014", err)
		}
		exec("RESET statement_timeout")
		if got := rowsOf("SELECT count(*) FROM " + dst); got != "0" {
			t.Errorf("rows after the COPY that timed out: %s, want 0", got)
		}
		if n, err := copyIn(bytes.NewReader(big), dst); err != nil || n != 400000 {
			t.Fatalf("COPY FROM = %d, %v; want 400000 rows", n, err)
		}
		if got, want := rowsOf("SELECT count(*), sum(length(s)), min(id), max(id) FROM "+dst),
			rowsOf("SELECT count(*), sum(length(s)), min(id), max(id) FROM "+src); got != want {
			t.Errorf("copied table: %s, want %s", got, want)
		}
	})

	t.Run("many batches", func(t *testing.T) {
		if n, err := copyIn(bytes.NewReader(data), many); err != nil || n != 5000 {
			t.Fatalf("COPY FROM = %d, %v", n, err)
		}
		if got := rowsOf("SELECT * FROM " + many + " ORDER BY id"); got != want {
			t.Errorf("the 5000 rows differ after COPY; first lines:\n got  %.200s\n want %.200s", got, want)
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("the client gives up") }
