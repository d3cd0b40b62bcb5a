//go:build duckdb_arrow

package duck

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var appendSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "amount", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
}, nil)

// appendBatch makes rows [from, to) of the test data; row 7 has NULLs but
// for its id.
func appendBatch(from, to int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, appendSchema)
	defer b.Release()
	for i := from; i < to; i++ {
		if i == 7 {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			for _, f := range b.Fields()[1:] {
				f.AppendNull()
			}
			continue
		}
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("row, \"%d\"", i))
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("%d.25", i))
		b.Field(3).(*array.Date32Builder).Append(arrow.Date32(19000 + i%100))
		b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(i) * 1_000_000))
		b.Field(5).(*array.BooleanBuilder).Append(i%2 == 0)
	}
	return b.NewRecordBatch()
}

func TestAppenderRunsItsQueryInTheTransaction(t *testing.T) {
	c := openConn(t)
	ctx := context.Background()
	for _, q := range []string{"SET TimeZone = 'UTC'",
		"CREATE TABLE t (id BIGINT PRIMARY KEY, s VARCHAR, amount DECIMAL(12,2), day DATE, ts TIMESTAMPTZ, ok BOOLEAN)"} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const query = "INSERT INTO t SELECT id, s, CAST(amount AS DECIMAL(12,2)), day, ts, ok FROM batch"
	load := func(n int) error {
		a, err := c.NewAppender(query, "batch", appendSchema)
		if err != nil {
			return err
		}
		for from := 0; from < n; from += MaxAppendRows {
			rec := appendBatch(from, min(from+MaxAppendRows, n))
			err := a.Append(rec)
			rec.Release()
			if err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	}
	if _, err := c.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if err := load(5000); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	rows, err := c.Query(ctx, "SELECT count(*), count(s), sum(amount)::VARCHAR, min(day)::VARCHAR, max(ts)::VARCHAR, count(*) FILTER (ok), (SELECT s FROM t WHERE id = 3) FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	var got []string
	for _, col := range rows.Record().Columns() {
		got = append(got, col.ValueStr(0))
	}
	// 5000 rows, row 7 NULL but for its id; sum of i + 0.25 over i != 7.
	want := []string{"5000", "4999", "12498742.75", "2022-01-08", "1970-01-01 01:23:19+00", "2500", `row, "3"`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	rows.Close()

	// A duplicate key fails the query; in a transaction nothing stays.
	if _, err := c.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	err = load(3000)
	if err == nil {
		t.Fatal("appending duplicate keys succeeded")
	}
	if de, ok := err.(*Error); !ok || de.Type != ErrorConstraint {
		t.Errorf("error %v (%T), want a constraint error", err, err)
	}
	c.Exec(ctx, "ROLLBACK")
	rows, err = c.Query(ctx, "SELECT count(*) FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() || rows.Record().Column(0).(*array.Int64).Value(0) != 5000 {
		t.Errorf("rows after the failed append: %v", rows.Record())
	}
}

func TestAppenderRefusesUnknownTypesAndLargeBatches(t *testing.T) {
	c := openConn(t)
	s := arrow.NewSchema([]arrow.Field{{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}}}, nil)
	if _, err := c.NewAppender("SELECT * FROM x", "x", s); err == nil {
		t.Error("a decimal column was accepted")
	}
	c.Exec(context.Background(), "CREATE TABLE t (id BIGINT, s VARCHAR, amount VARCHAR, day DATE, ts TIMESTAMPTZ, ok BOOLEAN)")
	a, err := c.NewAppender("INSERT INTO t SELECT * FROM b", "b", appendSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rec := appendBatch(0, MaxAppendRows+1)
	defer rec.Release()
	if err := a.Append(rec); err == nil {
		t.Error("a batch over MaxAppendRows was accepted")
	}
}

func BenchmarkAppender(b *testing.B) {
	c := openConn(b)
	ctx := context.Background()
	c.Exec(ctx, "CREATE TABLE t (id BIGINT, s VARCHAR, amount DECIMAL(12,2), day DATE, ts TIMESTAMPTZ, ok BOOLEAN)")
	var recs []arrow.RecordBatch
	for from := 0; from < 200_000; from += MaxAppendRows {
		recs = append(recs, appendBatch(from, from+MaxAppendRows))
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		a, err := c.NewAppender("INSERT INTO t SELECT id, s, CAST(amount AS DECIMAL(12,2)), day, ts, ok FROM batch", "batch", appendSchema)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range recs {
			if err := a.Append(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := a.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(recs)*MaxAppendRows*b.N)/time.Since(start).Seconds(), "rows/s")
}
