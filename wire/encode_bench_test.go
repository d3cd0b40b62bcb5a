package wire

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/duckstore/duckstore/sqlrouter"
)

// benchBatch is 10,000 rows of the column types most results carry.
func benchBatch() (arrow.RecordBatch, []sqlrouter.Field) {
	const n = 10000
	ib := array.NewInt64Builder(alloc)
	fb := array.NewFloat64Builder(alloc)
	db := array.NewDecimal128Builder(alloc, &arrow.Decimal128Type{Precision: 18, Scale: 2})
	sb := array.NewStringBuilder(alloc)
	tb := array.NewTimestampBuilder(alloc, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Etc/UTC"})
	dtb := array.NewDate32Builder(alloc)
	for i := 0; i < n; i++ {
		ib.Append(int64(i) * 7919)
		fb.Append(float64(i) / 3)
		db.Append(decimalOf(int64(i) * 12345))
		sb.Append("customer name number " + string(rune('a'+i%26)))
		tb.Append(arrow.Timestamp(1700000000000000 + int64(i)*1000003))
		dtb.Append(arrow.Date32(19000 + i%1000))
	}
	cols := []arrow.Array{ib.NewArray(), fb.NewArray(), db.NewArray(), sb.NewArray(), tb.NewArray(), dtb.NewArray()}
	fields := []sqlrouter.Field{
		{Name: "id", TypeOID: oidInt8}, {Name: "ratio", TypeOID: oidFloat8}, {Name: "amount", TypeOID: oidNumeric},
		{Name: "name", TypeOID: oidText}, {Name: "at", TypeOID: oidTimestamptz}, {Name: "day", TypeOID: oidDate},
	}
	var afs []arrow.Field
	for i, f := range fields {
		afs = append(afs, arrow.Field{Name: f.Name, Type: cols[i].DataType(), Nullable: true})
	}
	return array.NewRecordBatch(arrow.NewSchema(afs, nil), cols, n), fields
}

func benchmarkRows(b *testing.B, format int16) {
	rec, fields := benchBatch()
	formats := make([]int16, len(fields))
	for i := range formats {
		formats[i] = format
	}
	w := newWriter(discard{})
	fs := defaultFormat()
	b.ReportAllocs()
	b.ResetTimer()
	var bytes int64
	for b.Loop() {
		sink := newRowSink(context.Background(), w, fields, formats, fs)
		if err := sink.WriteRows(rec, 0, int(rec.NumRows())); err != nil {
			b.Fatal(err)
		}
		bytes += int64(len(w.buf))
		w.flush()
	}
	b.ReportMetric(float64(rec.NumRows())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkRowsText and BenchmarkRowsBinary encode 10,000 rows of six
// columns (int8, float8, numeric, text, timestamptz, date) into DataRows.
func BenchmarkRowsText(b *testing.B)   { benchmarkRows(b, formatText) }
func BenchmarkRowsBinary(b *testing.B) { benchmarkRows(b, formatBinary) }

// BenchmarkCopyOutText encodes the same rows as COPY TO STDOUT text data.
func BenchmarkCopyOutText(b *testing.B) {
	rec, fields := benchBatch()
	spec := withCopyDefaults(sqlrouter.CopySpec{Fields: fields})
	w := newWriter(discard{})
	b.ReportAllocs()
	for b.Loop() {
		sink := newCopySink(context.Background(), w, &spec, defaultFormat())
		if err := sink.WriteRows(rec, 0, int(rec.NumRows())); err != nil {
			b.Fatal(err)
		}
		w.flush()
	}
}

// BenchmarkCopyInText converts 10,000 text-format rows into the CSV the
// router reads.
func BenchmarkCopyInText(b *testing.B) {
	var data []byte
	for i := 0; i < 10000; i++ {
		data = append(data, "12345\tsome text with a \\t tab\n"...)
	}
	spec := sqlrouter.CopySpec{In: true, Fields: twoCols}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := runConverter(spec, [][]byte{data[:len(data)/2], data[len(data)/2:]}, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}

func decimalOf(v int64) decimal128.Num { return decimal128.FromI64(v) }
