package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	_ "github.com/lib/pq"
)

// The Go clients: pgx (binary formats, CopyFrom, Batch, prepared
// statements, cancel) and lib/pq (database/sql, as Grafana uses it).

func pgxConnect(t *testing.T, target Target) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), target.URL())
	if err != nil {
		t.Fatalf("%s: %v", target.Name, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestPgx(t *testing.T) {
	ctx := context.Background()
	for _, target := range Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			n := 0
			check := func(name string, f func(t *testing.T, c *pgx.Conn)) {
				n++
				t.Run(name, func(t *testing.T) { f(t, pgxConnect(t, target)) })
			}
			for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
				check("every type/"+mode.String(), func(t *testing.T, c *pgx.Conn) {
					var (
						id                   int32
						customer             string
						amount               pgtype.Numeric
						quantity             int16
						bigv                 int64
						ratio                float64
						score                float32
						paid                 bool
						orderDate            time.Time
						orderTime            pgtype.Time
						createdAt, updatedAt time.Time
						duration             pgtype.Interval
						uid                  [16]byte
						payload              map[string]any
						raw                  []byte
						tags                 []string
						nums                 []int32
					)
					err := c.QueryRow(ctx, `SELECT * FROM "in.c-sales".orders WHERE id = $1`, mode, 1).Scan(&id, &customer, &amount, &quantity, &bigv,
						&ratio, &score, &paid, &orderDate, &orderTime, &createdAt, &updatedAt, &duration, &uid, &payload, &raw, &tags, &nums)
					if err != nil {
						t.Fatal(err)
					}
					if id != 1 || customer != "Alice" || quantity != 3 || bigv != 9007199254740993 || ratio != 0.1 || score != 1.5 || !paid {
						t.Errorf("scalars: %v %q %v %v %v %v %v", id, customer, quantity, bigv, ratio, score, paid)
					}
					if amount.Int.Cmp(big.NewInt(123450)) != 0 || amount.Exp != -2 {
						t.Errorf("amount = %v e%d", amount.Int, amount.Exp)
					}
					if orderDate.Format("2006-01-02") != "2024-01-15" || orderTime.Microseconds != (13*3600+45*60+30)*1e6+500000 {
						t.Errorf("date/time = %v %v", orderDate, orderTime)
					}
					if !createdAt.Equal(time.Date(2024, 1, 15, 13, 45, 30, 123456000, time.UTC)) || !updatedAt.Equal(time.Date(2024, 1, 15, 13, 45, 30, 123456000, time.UTC)) {
						t.Errorf("timestamps = %v %v", createdAt, updatedAt)
					}
					if duration.Days != 1 || duration.Microseconds != (2*3600+3*60+4)*1e6 || duration.Months != 0 {
						t.Errorf("interval = %+v", duration)
					}
					if uid != [16]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11} {
						t.Errorf("uuid = %x", uid)
					}
					if len(payload) != 1 || len(raw) != 4 || raw[0] != 0xde || strings.Join(tags, "|") != "x|y z" || len(nums) != 3 || nums[2] != 3 {
						t.Errorf("json/bytea/arrays = %v %x %v %v", payload, raw, tags, nums)
					}
				})
			}
			check("nulls", func(t *testing.T, c *pgx.Conn) {
				var amount pgtype.Numeric
				var score pgtype.Float4
				var uid pgtype.UUID
				if err := c.QueryRow(ctx, `SELECT amount, score, uid FROM "in.c-sales".orders WHERE id = 3`).Scan(&amount, &score, &uid); err != nil {
					t.Fatal(err)
				}
				if amount.Valid || score.Valid || uid.Valid {
					t.Errorf("NULLs came back valid: %v %v %v", amount, score, uid)
				}
			})
			check("CopyFrom (binary)", func(t *testing.T, c *pgx.Conn) {
				rows := [][]any{}
				for i := 0; i < 500; i++ {
					rows = append(rows, []any{time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC), "R" + string(rune('A'+i%26)) + strings.Repeat("x", i%7) + "-" + itoa(i), pgtype.Numeric{Int: big.NewInt(int64(i)), Exp: -1, Valid: true}})
				}
				got, err := c.CopyFrom(ctx, pgx.Identifier{"out.c-reports", "daily"}, []string{"day", "region", "total"}, pgx.CopyFromRows(rows))
				if err != nil || got != 500 {
					t.Fatalf("CopyFrom = %d, %v", got, err)
				}
				var count int
				var sum string
				c.QueryRow(ctx, `SELECT count(*), sum(total)::text FROM "out.c-reports".daily WHERE day = '2034-01-01'`).Scan(&count, &sum)
				if count != 500 || sum != "12475.00" {
					t.Errorf("copied: %d rows, sum %s", count, sum)
				}
				if tag, err := c.Exec(ctx, `DELETE FROM "out.c-reports".daily WHERE day = '2034-01-01'`); err != nil || tag.RowsAffected() != 500 {
					t.Errorf("delete: %v %v", tag, err)
				}
			})
			check("Batch with an error in the middle", func(t *testing.T, _ *pgx.Conn) {
				// Exec mode pipelines Parse/Bind/Execute without preparing
				// first, so the error comes from the middle of the batch.
				cfg, _ := pgx.ParseConfig(target.URL())
				cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
				c, err := pgx.ConnectConfig(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close(ctx)
				b := &pgx.Batch{}
				b.Queue(`SELECT count(*) FROM "in.c-sales".orders`)
				b.Queue(`SELECT * FROM "in.c-sales".nope`)
				b.Queue(`SELECT 1`)
				br := c.SendBatch(ctx, b)
				var n int
				if err := br.QueryRow().Scan(&n); err != nil || n != 3 {
					t.Errorf("first = %d, %v", n, err)
				}
				var pe *pgconn.PgError
				if _, err := br.Exec(); !errors.As(err, &pe) || pe.Code != "42P01" {
					t.Errorf("second = %v", err)
				}
				br.Close()
				if err := c.QueryRow(ctx, `SELECT 2`).Scan(&n); err != nil || n != 2 {
					t.Errorf("after batch = %d, %v", n, err)
				}
			})
			check("prepared statement", func(t *testing.T, c *pgx.Conn) {
				sd, err := c.Prepare(ctx, "by_day", `SELECT region, total FROM "out.c-reports".daily WHERE day = $1 ORDER BY region`)
				if err != nil {
					t.Fatal(err)
				}
				if len(sd.ParamOIDs) != 1 || sd.ParamOIDs[0] != 1082 || len(sd.Fields) != 2 || sd.Fields[1].DataTypeOID != 1700 {
					t.Errorf("described: params %v fields %+v", sd.ParamOIDs, sd.Fields)
				}
				rows, _ := c.Query(ctx, "by_day", "2024-01-15")
				regions, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
					var s string
					var n pgtype.Numeric
					return s, r.Scan(&s, &n)
				})
				if err != nil || strings.Join(regions, ",") != "EU,US" {
					t.Errorf("regions = %v, %v", regions, err)
				}
			})
			check("catalog in binary: tables, types and keys, nothing of another project", func(t *testing.T, c *pgx.Conn) {
				// pgx reads oid, name and "char" columns in binary.
				rows, _ := c.Query(ctx, `SELECT c.oid, n.nspname, c.relname, c.relkind, a.attname, a.atttypid, a.atttypmod,
						pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull
					FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
					JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
					WHERE c.relkind = 'r' AND a.attnum > 0 AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
					ORDER BY 2, 3, a.attnum`)
				var got []string
				for rows.Next() {
					var oid, typ uint32
					var nsp, rel, att, format string
					var kind byte
					var mod int32
					var notNull bool
					if err := rows.Scan(&oid, &nsp, &rel, &kind, &att, &typ, &mod, &format, &notNull); err != nil {
						t.Fatal(err)
					}
					if oid < 16384 || kind != 'r' {
						t.Errorf("%s.%s: oid %d kind %c", nsp, rel, oid, kind)
					}
					if rel == "daily" || att == "amount" || att == "updated_at" {
						got = append(got, fmt.Sprintf("%s.%s.%s %d %s %v", nsp, rel, att, typ, format, notNull))
					}
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				want := "in.c-sales.orders.amount 1700 numeric(12,2) false|in.c-sales.orders.updated_at 1184 timestamp with time zone false|" +
					"out.c-reports.daily.day 1082 date true|out.c-reports.daily.region 25 text true|out.c-reports.daily.total 1700 numeric(14,2) false"
				if strings.Join(got, "|") != want {
					t.Errorf("columns:\n got %s\nwant %s", strings.Join(got, "|"), want)
				}
				var pk string
				err := c.QueryRow(ctx, `SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
					WHERE conrelid = '"out.c-reports".daily'::regclass AND contype = 'p'`).Scan(&pk)
				if err != nil || pk != "PRIMARY KEY (day, region)" {
					t.Errorf("primary key = %q, %v", pk, err)
				}
				var leaked int
				if err := c.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'in.c-secret'`).Scan(&leaked); err != nil || leaked != 0 {
					t.Errorf("another project's tables: %d, %v", leaked, err)
				}
			})
			check("array parameter: = ANY($1)", func(t *testing.T, c *pgx.Conn) {
				var n int
				if err := c.QueryRow(ctx, `SELECT count(*) FROM "in.c-sales".orders WHERE id = ANY($1)`, []int32{1, 3, 99}).Scan(&n); err != nil || n != 2 {
					t.Errorf("ids: %d, %v", n, err)
				}
				if err := c.QueryRow(ctx, `SELECT count(*) FROM "in.c-sales".orders WHERE customer = ANY($1)`, []string{"Alice", `Bob "B"`}).Scan(&n); err != nil || n != 2 {
					t.Errorf("names: %d, %v", n, err)
				}
			})
			check("cancel", func(t *testing.T, c *pgx.Conn) {
				qctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				defer cancel()
				start := time.Now()
				_, err := c.Exec(qctx, `SELECT count(*) FROM generate_series(1, 10000000000) a`)
				// pgx sends a CancelRequest when the context ends and
				// reports the context's error.
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("canceled query: %v", err)
				}
				if d := time.Since(start); d > 3*time.Second {
					t.Errorf("cancel took %v", d)
				}
				var one int
				if err := pgxConnect(t, target).QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
					t.Errorf("after cancel: %d, %v", one, err)
				}
			})
			countChecks(t, n)
		})
	}
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

func TestLibPQ(t *testing.T) {
	for _, target := range Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			db, err := sql.Open("postgres", target.DSN())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var customer string
			var amount string
			var updated time.Time
			err = db.QueryRow(`SELECT customer, amount, updated_at FROM "in.c-sales".orders WHERE id = $1`, 2).Scan(&customer, &amount, &updated)
			if err != nil || customer != `Bob "B"` || amount != "-0.01" || !updated.Equal(time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)) {
				t.Errorf("row = %q %q %v, %v", customer, amount, updated, err)
			}
			// Grafana's version probe.
			var version int
			if err := db.QueryRow(`SELECT current_setting('server_version_num')::int/100 AS version`).Scan(&version); err != nil || version != 1500 {
				t.Errorf("server_version_num/100 = %d, %v", version, err)
			}
			rows, err := db.Query(`SELECT day, region FROM "out.c-reports".daily ORDER BY region`)
			if err != nil {
				t.Fatal(err)
			}
			var regions []string
			for rows.Next() {
				var day time.Time
				var region string
				rows.Scan(&day, &region)
				regions = append(regions, day.Format("2006-01-02")+" "+region)
			}
			rows.Close()
			if strings.Join(regions, ",") != "2024-01-15 EU,2024-01-15 US" {
				t.Errorf("rows = %v", regions)
			}
			countChecks(t, 3)
		})
	}
}
