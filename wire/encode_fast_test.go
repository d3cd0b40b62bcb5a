package wire

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/duckstore/duckstore/sqlrouter"
)

// encodeRows encodes every row of rec with the fast path on or off and
// returns the DataRow bytes.
func encodeRows(t *testing.T, rec arrow.RecordBatch, fields []sqlrouter.Field, formats []int16, general bool) []byte {
	t.Helper()
	w := newWriter(discard{})
	sink := newRowSink(context.Background(), w, fields, formats, defaultFormat())
	sink.general = general
	if err := sink.WriteRows(rec, 0, int(rec.NumRows())); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), w.buf...)
}

// fastCases are columns of every fast kind, with NULLs and the values
// that must leave the fast path (infinities, extremes).
func fastCases(rnd *rand.Rand) []struct {
	name string
	oid  uint32
	arr  arrow.Array
} {
	const n = 300
	nullable := func(i int) bool { return i%7 == 3 }
	strs := func(dt arrow.DataType) arrow.Array {
		b := array.NewBuilder(alloc, dt)
		for i := range n {
			if nullable(i) {
				b.AppendNull()
				continue
			}
			s := make([]byte, rnd.IntN(40))
			for k := range s {
				s[k] = byte(rnd.IntN(256))
			}
			switch b := b.(type) {
			case *array.StringBuilder:
				b.Append(string(s))
			case *array.LargeStringBuilder:
				b.Append(string(s))
			case *array.BinaryBuilder:
				b.Append(s)
			}
		}
		return b.NewArray()
	}
	ints := func(dt arrow.DataType, special ...int64) arrow.Array {
		b := array.NewBuilder(alloc, dt)
		for i := range n {
			v := rnd.Int64()
			if i < len(special) {
				v = special[i]
			}
			if nullable(i) {
				b.AppendNull()
				continue
			}
			switch b := b.(type) {
			case *array.Int16Builder:
				b.Append(int16(v))
			case *array.Int32Builder:
				b.Append(int32(v))
			case *array.Int64Builder:
				b.Append(v)
			}
		}
		return b.NewArray()
	}
	floats := func(dt arrow.DataType) arrow.Array {
		special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, math.MaxFloat64, math.SmallestNonzeroFloat64}
		vals := make([]any, n)
		for i := range vals {
			switch {
			case nullable(i):
			case i < len(special):
				vals[i] = special[i]
			default:
				vals[i] = rnd.NormFloat64() * 1e6
			}
		}
		return build(dt, vals...)
	}
	bools := func() arrow.Array {
		vals := make([]any, n)
		for i := range vals {
			if !nullable(i) {
				vals[i] = rnd.IntN(2) == 0
			}
		}
		return build(arrow.FixedWidthTypes.Boolean, vals...)
	}
	dates := func() arrow.Array {
		special := []int32{math.MaxInt32, math.MinInt32, -math.MaxInt32, math.MinInt32 + pgEpochDays, math.MinInt32 + pgEpochDays + 1, 0, pgEpochDays}
		b := array.NewDate32Builder(alloc)
		for i := range n {
			switch {
			case nullable(i):
				b.AppendNull()
			case i < len(special):
				b.Append(arrow.Date32(special[i]))
			default:
				b.Append(arrow.Date32(rnd.Int32N(200000) - 100000))
			}
		}
		return b.NewArray()
	}
	stamps := func(tz string) arrow.Array {
		special := []int64{math.MaxInt64, math.MinInt64, -math.MaxInt64, math.MinInt64 + pgEpochMicros + 1, math.MinInt64 + pgEpochMicros + 2, 0, pgEpochMicros}
		b := array.NewTimestampBuilder(alloc, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: tz})
		for i := range n {
			switch {
			case nullable(i):
				b.AppendNull()
			case i < len(special):
				b.Append(arrow.Timestamp(special[i]))
			default:
				b.Append(arrow.Timestamp(rnd.Int64N(1<<62) - 1<<61))
			}
		}
		return b.NewArray()
	}
	decimals := func(scale int32) arrow.Array {
		b := array.NewDecimal128Builder(alloc, &arrow.Decimal128Type{Precision: 38, Scale: scale})
		special := []decimal128.Num{decimal128.FromI64(0), decimal128.FromI64(1), decimal128.FromI64(-1),
			decimal128.FromI64(9999), decimal128.FromI64(10000), decimal128.FromI64(-10000), decimal128.FromI64(1e17),
			decimal128.FromI64(1e18 - 1), decimal128.FromI64(1e18), decimal128.FromI64(-1e18 + 1), decimal128.FromI64(math.MinInt64),
			decimal128.FromI64(math.MaxInt64), decimal128.New(1, 5), decimal128.New(-1, 5), decimal128.FromI64(100000000)}
		for i := range n {
			switch {
			case nullable(i):
				b.AppendNull()
			case i < len(special):
				b.Append(special[i])
			default:
				v := rnd.Int64N(1 << (rnd.IntN(62) + 1))
				if rnd.IntN(2) == 0 {
					v = -v
				}
				b.Append(decimal128.FromI64(v))
			}
		}
		return b.NewArray()
	}
	type tc = struct {
		name string
		oid  uint32
		arr  arrow.Array
	}
	cases := []tc{
		{"text", oidText, strs(arrow.BinaryTypes.String)},
		{"varchar", oidVarchar, strs(arrow.BinaryTypes.String)},
		{"bpchar", oidBPChar, strs(arrow.BinaryTypes.String)},
		{"name", oidName, strs(arrow.BinaryTypes.String)},
		{"large string", oidText, strs(arrow.BinaryTypes.LargeString)},
		{"bytea", oidBytea, strs(arrow.BinaryTypes.Binary)},
		{"bool", oidBool, bools()},
		{"int2", oidInt2, ints(arrow.PrimitiveTypes.Int16, math.MaxInt16, math.MinInt16)},
		{"int4", oidInt4, ints(arrow.PrimitiveTypes.Int32, math.MaxInt32, math.MinInt32)},
		{"int8", oidInt8, ints(arrow.PrimitiveTypes.Int64, math.MaxInt64, math.MinInt64)},
		{"float4", oidFloat4, floats(arrow.PrimitiveTypes.Float32)},
		{"float8", oidFloat8, floats(arrow.PrimitiveTypes.Float64)},
		{"date", oidDate, dates()},
		{"timestamp", oidTimestamp, stamps("")},
		{"timestamptz", oidTimestamptz, stamps("UTC")},
	}
	for _, scale := range []int32{0, 1, 2, 3, 4, 5, 7, 8, 12, 18, 19, 30, 38} {
		cases = append(cases, tc{"numeric scale " + itoa(int(scale)), oidNumeric, decimals(scale)})
	}
	return cases
}

func itoa(i int) string { return string(appendInt(nil, i)) }

func appendInt(dst []byte, i int) []byte {
	if i >= 10 {
		dst = appendInt(dst, i/10)
	}
	return append(dst, byte('0'+i%10))
}

// TestFastPathMatchesGeneral: the fast path writes exactly what the
// general encoders write, in both formats, also for sliced arrays (a
// non-zero offset) and the values it hands back to them.
func TestFastPathMatchesGeneral(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, tc := range fastCases(rnd) {
		for _, format := range []int16{formatText, formatBinary} {
			for _, arr := range []arrow.Array{tc.arr, array.NewSlice(tc.arr, 5, int64(tc.arr.Len()-3))} {
				fields := []sqlrouter.Field{{Name: "a", TypeOID: tc.oid}, {Name: "b", TypeOID: oidInt8}}
				schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arr.DataType(), Nullable: true},
					{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
				other := array.NewSlice(build(arrow.PrimitiveTypes.Int64, make([]any, arr.Len()+10)...), 0, int64(arr.Len()))
				rec := array.NewRecordBatch(schema, []arrow.Array{arr, other}, int64(arr.Len()))
				formats := []int16{format, format}
				fast := encodeRows(t, rec, fields, formats, false)
				general := encodeRows(t, rec, fields, formats, true)
				if !bytes.Equal(fast, general) {
					i := 0
					for i < len(fast) && i < len(general) && fast[i] == general[i] {
						i++
					}
					t.Errorf("%s, format %d, offset %d: fast path differs at byte %d of %d/%d", tc.name, format, arr.Data().Offset(), i, len(fast), len(general))
				}
			}
		}
	}
}
