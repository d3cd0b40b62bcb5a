package wire

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"strconv"
	"strings"
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

// wideBatch is 10,000 rows of the ten columns cmd/duckbench reads (its
// fact table): bigint, integer, double, decimal(12,2), varchar of 10 to 35
// bytes, boolean, date, timestamp, timestamptz, and a varchar that is NULL
// on every fifth row.
func wideBatch() (arrow.RecordBatch, []sqlrouter.Field) {
	const n = 10000
	id := array.NewInt64Builder(alloc)
	dim := array.NewInt32Builder(alloc)
	price := array.NewFloat64Builder(alloc)
	amount := array.NewDecimal128Builder(alloc, &arrow.Decimal128Type{Precision: 12, Scale: 2})
	name := array.NewStringBuilder(alloc)
	active := array.NewBooleanBuilder(alloc)
	day := array.NewDate32Builder(alloc)
	ts := array.NewTimestampBuilder(alloc, &arrow.TimestampType{Unit: arrow.Microsecond})
	tstz := array.NewTimestampBuilder(alloc, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	note := array.NewStringBuilder(alloc)
	for i := int64(0); i < n; i++ {
		id.Append(i)
		dim.Append(int32(i * 7919 % 100000))
		price.Append(float64(i*37%100000) / 100)
		amount.Append(decimalOf(i * 7919 % 10000000))
		name.Append("customer " + strconv.FormatInt(i%100003, 10) + strings.Repeat("x", int(i%20)))
		active.Append(i%3 == 0)
		day.Append(arrow.Date32(18262 + i%1500))
		ts.Append(arrow.Timestamp(1577836800000000 + i*1000000))
		tstz.Append(arrow.Timestamp(1577836800000000 + i*3000000))
		if i%5 == 0 {
			note.AppendNull()
		} else {
			note.Append("note " + strconv.FormatInt(i, 10))
		}
	}
	cols := []arrow.Array{id.NewArray(), dim.NewArray(), price.NewArray(), amount.NewArray(), name.NewArray(),
		active.NewArray(), day.NewArray(), ts.NewArray(), tstz.NewArray(), note.NewArray()}
	fields := []sqlrouter.Field{{Name: "id", TypeOID: oidInt8}, {Name: "dim_id", TypeOID: oidInt4},
		{Name: "price", TypeOID: oidFloat8}, {Name: "amount", TypeOID: oidNumeric}, {Name: "name", TypeOID: oidVarchar},
		{Name: "active", TypeOID: oidBool}, {Name: "day", TypeOID: oidDate}, {Name: "ts", TypeOID: oidTimestamp},
		{Name: "tstz", TypeOID: oidTimestamptz}, {Name: "note", TypeOID: oidVarchar}}
	var afs []arrow.Field
	for i, f := range fields {
		afs = append(afs, arrow.Field{Name: f.Name, Type: cols[i].DataType(), Nullable: true})
	}
	return array.NewRecordBatch(arrow.NewSchema(afs, nil), cols, n), fields
}

func benchmarkWide(b *testing.B, format int16, general bool) {
	rec, fields := wideBatch()
	formats := make([]int16, len(fields))
	for i := range formats {
		formats[i] = format
	}
	w := newWriter(discard{})
	fs := defaultFormat()
	b.ReportAllocs()
	for b.Loop() {
		sink := newRowSink(context.Background(), w, fields, formats, fs)
		sink.general = general
		if err := sink.WriteRows(rec, 0, int(rec.NumRows())); err != nil {
			b.Fatal(err)
		}
		w.flush()
	}
	b.ReportMetric(float64(rec.NumRows())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkRowsWide encodes the ten columns of cmd/duckbench's table, in
// both formats, through the fast path and through the general encoders
// alone (the comparison that justifies encode_fast.go).
func BenchmarkRowsWide(b *testing.B) {
	for _, f := range []struct {
		name   string
		format int16
	}{{"text", formatText}, {"binary", formatBinary}} {
		b.Run(f.name+"/fast", func(b *testing.B) { benchmarkWide(b, f.format, false) })
		b.Run(f.name+"/general", func(b *testing.B) { benchmarkWide(b, f.format, true) })
	}
}

// BenchmarkCopyInCSV converts 10,000 CSV rows shaped like cmd/duckbench's
// load file (ten columns, some quoted, some NULL) into canonical CSV: as
// they pass through, and decoded and re-quoted field by field.
func BenchmarkCopyInCSV(b *testing.B) {
	var data []byte
	for i := 0; i < 10000; i++ {
		data = append(data, strconv.Itoa(i)+",7919,123.45,79.19,customer "+strconv.Itoa(i)+"xxxx,true,2020-01-02,"+
			"2020-01-01 00:00:01,2020-01-01 00:00:03+00,"...)
		if i%5 != 0 {
			data = append(data, "\"note, "+strconv.Itoa(i)+"\""...)
		}
		data = append(data, '\n')
	}
	fields := make([]sqlrouter.Field, 10)
	for i := range fields {
		fields[i] = sqlrouter.Field{Name: "c" + strconv.Itoa(i), TypeOID: oidText}
	}
	spec := withCopyDefaults(sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyCSV, Fields: fields})
	for _, pass := range []bool{true, false} {
		name := map[bool]string{true: "pass-through", false: "decoded"}[pass]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				bw := bufio.NewWriterSize(io.Discard, flushThreshold)
				conv := newCopyConverter(&spec, &csvOut{w: bw, n: len(fields), fields: fields}, 1<<20)
				conv.(*csvCopyIn).passThrough = pass
				for off := 0; off < len(data); off += 65536 {
					if err := conv.write(data[off:min(off+65536, len(data))]); err != nil {
						b.Fatal(err)
					}
				}
				if err := conv.finish(); err != nil {
					b.Fatal(err)
				}
				bw.Flush()
			}
		})
	}
}

// wideCopyData is wideBatch as binary COPY data: the tuples duckstore's
// own COPY TO STDOUT (FORMAT binary) writes (the row encoder's binary
// values with a field count) between the header and the trailer.
func wideCopyData(b *testing.B) ([]byte, []sqlrouter.Field) {
	rec, fields := wideBatch()
	var rows bytes.Buffer
	w := newWriter(&rows)
	formats := make([]int16, len(fields))
	for i := range formats {
		formats[i] = formatBinary
	}
	sink := newRowSink(context.Background(), w, fields, formats, defaultFormat())
	if err := sink.WriteRows(rec, 0, int(rec.NumRows())); err != nil {
		b.Fatal(err)
	}
	w.flush()
	data := append([]byte(nil), binaryCopySignature...)
	data = append(data, 0, 0, 0, 0, 0, 0, 0, 0)
	for buf := rows.Bytes(); len(buf) > 0; {
		n := int(binary.BigEndian.Uint32(buf[1:]))
		data = append(data, buf[5:1+n]...) // a DataRow's body is a tuple
		buf = buf[1+n:]
	}
	return append(data, 0xff, 0xff), fields
}

// feedChunks writes data to conv in 64 KiB pieces, as CopyData messages
// arrive, and finishes it.
func feedChunks(b *testing.B, conv copyConverter, data []byte) {
	for off := 0; off < len(data); off += 65536 {
		if err := conv.write(data[off:min(off+65536, len(data))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := conv.finish(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCopyInBinary converts 10,000 binary COPY tuples of the ten
// columns of cmd/duckbench's table into canonical CSV.
func BenchmarkCopyInBinary(b *testing.B) {
	data, fields := wideCopyData(b)
	spec := sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyBinary, Fields: fields}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		bw := bufio.NewWriterSize(io.Discard, flushThreshold)
		feedChunks(b, newCopyConverter(&spec, &csvOut{w: bw, n: len(fields), fields: fields}, 1<<20), data)
		bw.Flush()
	}
}

// BenchmarkCopyInBinaryArrow decodes the same tuples into Arrow batches
// (the path binary COPY into a table takes).
func BenchmarkCopyInBinaryArrow(b *testing.B) {
	data, fields := wideCopyData(b)
	spec := sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyBinary, Fields: fields}
	ab := newArrowBatcher(fields)
	defer ab.release()
	ab.emit = func(rec arrow.RecordBatch) error {
		rec.Release()
		return nil
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		feedChunks(b, &binaryCopyIn{spec: &spec, maxRow: 1 << 20, batches: ab}, data)
	}
	b.ReportMetric(10000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
