package wire

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/duckstore/duckstore/sqlrouter"
)

// build makes an Arrow array of dt from Go values; nil is NULL, lists are
// []any, structs []any of their fields, maps [][2]any.
func build(dt arrow.DataType, vals ...any) arrow.Array {
	b := array.NewBuilder(alloc, dt)
	for _, v := range vals {
		appendValue(b, v)
	}
	return b.NewArray()
}

func appendValue(b array.Builder, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(v.(bool))
	case *array.Int8Builder:
		b.Append(int8(v.(int)))
	case *array.Int16Builder:
		b.Append(int16(v.(int)))
	case *array.Int32Builder:
		b.Append(int32(v.(int)))
	case *array.Int64Builder:
		b.Append(toInt64(v))
	case *array.Uint8Builder:
		b.Append(uint8(v.(int)))
	case *array.Uint16Builder:
		b.Append(uint16(v.(int)))
	case *array.Uint32Builder:
		b.Append(uint32(v.(int)))
	case *array.Uint64Builder:
		b.Append(v.(uint64))
	case *array.Float32Builder:
		b.Append(float32(v.(float64)))
	case *array.Float64Builder:
		b.Append(v.(float64))
	case *array.StringBuilder:
		b.Append(v.(string))
	case *array.BinaryBuilder:
		b.Append(v.([]byte))
	case *array.FixedSizeBinaryBuilder:
		b.Append(v.([]byte))
	case *array.Date32Builder:
		b.Append(arrow.Date32(v.(int)))
	case *array.Time64Builder:
		b.Append(arrow.Time64(toInt64(v)))
	case *array.Time32Builder:
		b.Append(arrow.Time32(v.(int)))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(toInt64(v)))
	case *array.MonthDayNanoIntervalBuilder:
		b.Append(v.(arrow.MonthDayNanoInterval))
	case *array.Decimal128Builder:
		if n, ok := v.(decimal128.Num); ok {
			b.Append(n)
			return
		}
		t := b.Type().(*arrow.Decimal128Type)
		n, err := decimal128.FromString(v.(string), t.Precision, t.Scale)
		if err != nil {
			panic(err)
		}
		b.Append(n)
	case *array.ListBuilder:
		b.Append(true)
		for _, e := range v.([]any) {
			appendValue(b.ValueBuilder(), e)
		}
	case *array.FixedSizeListBuilder:
		b.Append(true)
		for _, e := range v.([]any) {
			appendValue(b.ValueBuilder(), e)
		}
	case *array.StructBuilder:
		b.Append(true)
		for i, f := range v.([]any) {
			appendValue(b.FieldBuilder(i), f)
		}
	case *array.MapBuilder:
		b.Append(true)
		for _, kv := range v.([][2]any) {
			appendValue(b.KeyBuilder(), kv[0])
			appendValue(b.ItemBuilder(), kv[1])
		}
	default:
		panic(fmt.Sprintf("no append for %T", b))
	}
}

func hexBytes(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	}
	panic(fmt.Sprintf("not an int: %T", v))
}

func defaultFormat() sqlrouter.FormatSettings {
	return sqlrouter.FormatSettings{TimeZone: time.UTC, ExtraFloatDigits: 1, DateStyle: "ISO, MDY",
		IntervalStyle: "postgres", ByteaOutput: "hex"}
}

// encodeColumn encodes every value of arr as a one-column DataRow and
// returns the values (nil for NULL).
func encodeColumn(t testing.TB, oid uint32, arr arrow.Array, format int16, fs sqlrouter.FormatSettings) ([][]byte, error) {
	t.Helper()
	w := newWriter(discard{})
	sink := newRowSink(context.Background(), w, []sqlrouter.Field{{Name: "c", TypeOID: oid}}, []int16{format}, fs)
	schema := arrow.NewSchema([]arrow.Field{{Name: "c", Type: arr.DataType(), Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
	if err := sink.WriteRows(rec, 0, arr.Len()); err != nil {
		return nil, err
	}
	return parseDataRows(t, w.buf), nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func parseDataRows(t testing.TB, buf []byte) [][]byte {
	t.Helper()
	var vals [][]byte
	for len(buf) > 0 {
		if buf[0] != 'D' {
			t.Fatalf("message type %q, want DataRow", buf[0])
		}
		n := int(binary.BigEndian.Uint32(buf[1:]))
		var dr pgproto3.DataRow
		if err := dr.Decode(buf[5 : 1+n]); err != nil {
			t.Fatal(err)
		}
		if len(dr.Values) != 1 {
			t.Fatalf("%d values in a DataRow, want 1", len(dr.Values))
		}
		var v []byte
		if dr.Values[0] != nil {
			v = append([]byte{}, dr.Values[0]...)
		}
		vals = append(vals, v)
		buf = buf[1+n:]
	}
	return vals
}

// canon renders what pgtype scanned into a comparable string.
func canon(v any) string {
	switch x := v.(type) {
	case *bool:
		return strconv.FormatBool(*x)
	case *int64:
		return strconv.FormatInt(*x, 10)
	case *float64:
		return strconv.FormatFloat(*x, 'g', -1, 64)
	case *float32:
		return strconv.FormatFloat(float64(*x), 'g', -1, 32)
	case *string:
		return *x
	case *[]byte:
		return fmt.Sprintf("%x", *x)
	case *pgtype.Numeric:
		switch {
		case x.NaN:
			return "NaN"
		case x.InfinityModifier == pgtype.Infinity:
			return "Infinity"
		case x.InfinityModifier == pgtype.NegativeInfinity:
			return "-Infinity"
		}
		r := new(big.Rat).SetInt(x.Int)
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs32(x.Exp))), nil)
		if x.Exp >= 0 {
			r.Mul(r, new(big.Rat).SetInt(p))
		} else {
			r.Quo(r, new(big.Rat).SetInt(p))
		}
		return r.RatString()
	case *pgtype.Date:
		if x.InfinityModifier != pgtype.Finite {
			return x.InfinityModifier.String()
		}
		return x.Time.Format("2006-01-02")
	case *pgtype.Time:
		return strconv.FormatInt(x.Microseconds, 10) + "us"
	case *pgtype.Timestamp:
		if x.InfinityModifier != pgtype.Finite {
			return x.InfinityModifier.String()
		}
		return x.Time.UTC().Format("2006-01-02T15:04:05.999999")
	case *pgtype.Timestamptz:
		if x.InfinityModifier != pgtype.Finite {
			return x.InfinityModifier.String()
		}
		return x.Time.UTC().Format("2006-01-02T15:04:05.999999Z")
	case *pgtype.Interval:
		return fmt.Sprintf("%dm%dd%dus", x.Months, x.Days, x.Microseconds)
	case *pgtype.UUID:
		return fmt.Sprintf("%x", x.Bytes)
	case *pgtype.Bits:
		return fmt.Sprintf("%d:%x", x.Len, x.Bytes)
	case *[]*int32:
		return fmtPtrs(*x)
	case *[]*time.Time:
		s := make([]string, len(*x))
		for i, e := range *x {
			s[i] = e.UTC().Format("2006-01-02T15:04:05.999999")
		}
		return strings.Join(s, ",")
	case *[]*string:
		return fmtPtrs(*x)
	case *pgtype.Array[*int64]:
		return fmt.Sprintf("%v %s", x.Dims, fmtPtrs(x.Elements))
	case *pgtype.Array[*pgtype.Numeric]:
		s := make([]string, len(x.Elements))
		for i, e := range x.Elements {
			s[i] = canon(e)
		}
		return strings.Join(s, ",")
	}
	panic(fmt.Sprintf("canon: %T", v))
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

func fmtPtrs[T any](xs []*T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		if x == nil {
			s[i] = "NULL"
		} else {
			s[i] = fmt.Sprint(*x)
		}
	}
	return strings.Join(s, ",")
}

const null = "\x00NULL"

type encCase struct {
	name string
	oid  uint32
	arr  arrow.Array
	dst  func() any // pgtype destination for scanning
	// text holds the exact text form of each value, null for NULL.
	text []string
	// want holds canon() of each value as pgtype reads it, from text and
	// from binary alike; nil means the same as text.
	want []string
	// wantBinary, when set, replaces want for the binary format (whose
	// values are exact where text may round).
	wantBinary []string
	// noTextScan skips reading text back (pgx reads bytea only in hex).
	noTextScan bool
	fs         *sqlrouter.FormatSettings
}

func ts(unit arrow.TimeUnit, tz string) arrow.DataType {
	return &arrow.TimestampType{Unit: unit, TimeZone: tz}
}

func mustTime(s string) int64 {
	t, err := time.Parse("2006-01-02 15:04:05.999999", s)
	if err != nil {
		panic(err)
	}
	return t.UnixMicro()
}

func days(s string) int {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return int(t.Unix() / 86400)
}

func encodeCases() []encCase {
	prague, _ := time.LoadLocation("Europe/Prague")
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	pragueFS := defaultFormat()
	pragueFS.TimeZone = prague
	kolkataFS := defaultFormat()
	kolkataFS.TimeZone = kolkata
	escapeFS := defaultFormat()
	escapeFS.ByteaOutput = "escape"
	efd0 := defaultFormat()
	efd0.ExtraFloatDigits = 0
	newInt := func() any { return new(int64) }
	newStr := func() any { return new(string) }
	newNum := func() any { return new(pgtype.Numeric) }
	newF64 := func() any { return new(float64) }

	dict := func() arrow.Array {
		b := array.NewDictionaryBuilder(alloc, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Uint8, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
		b.AppendString("red")
		b.AppendNull()
		b.AppendString("green")
		b.AppendString("red")
		return b.NewArray()
	}
	union := func() arrow.Array {
		ints := build(arrow.PrimitiveTypes.Int32, 7, 0, 0)
		strs := build(arrow.BinaryTypes.String, "", "seven", nil)
		codes := build(arrow.PrimitiveTypes.Int8, 0, 1, 1).(*array.Int8)
		u, err := array.NewSparseUnionFromArraysWithFields(codes, []arrow.Array{ints, strs}, []string{"i", "s"})
		if err != nil {
			panic(err)
		}
		return u
	}
	// DuckDB's BIT: a byte of padding count, then the bits with the padding
	// first. 10110 is padding 3: 000(1)0110 -> 0b11110110 with pad bits set.
	bits := build(arrow.BinaryTypes.Binary, []byte{3, 0xf6}, []byte{0, 0xff, 0x01}, nil)

	return []encCase{
		{name: "bool", oid: oidBool, arr: build(arrow.FixedWidthTypes.Boolean, true, false, nil),
			dst: func() any { return new(bool) }, text: []string{"t", "f", null}, want: []string{"true", "false", null}},
		{name: "tinyint as int2", oid: oidInt2, arr: build(arrow.PrimitiveTypes.Int8, -128, 127, nil),
			dst: newInt, text: []string{"-128", "127", null}},
		{name: "smallint", oid: oidInt2, arr: build(arrow.PrimitiveTypes.Int16, -32768, 32767),
			dst: newInt, text: []string{"-32768", "32767"}},
		{name: "integer", oid: oidInt4, arr: build(arrow.PrimitiveTypes.Int32, math.MinInt32, 0, math.MaxInt32),
			dst: newInt, text: []string{"-2147483648", "0", "2147483647"}},
		{name: "bigint", oid: oidInt8, arr: build(arrow.PrimitiveTypes.Int64, int64(math.MinInt64), int64(math.MaxInt64)),
			dst: newInt, text: []string{"-9223372036854775808", "9223372036854775807"}},
		{name: "utinyint as int2", oid: oidInt2, arr: build(arrow.PrimitiveTypes.Uint8, 255), dst: newInt, text: []string{"255"}},
		{name: "usmallint as int4", oid: oidInt4, arr: build(arrow.PrimitiveTypes.Uint16, 65535), dst: newInt, text: []string{"65535"}},
		{name: "uinteger as int8", oid: oidInt8, arr: build(arrow.PrimitiveTypes.Uint32, math.MaxUint32), dst: newInt, text: []string{"4294967295"}},
		{name: "ubigint as numeric", oid: oidNumeric, arr: build(arrow.PrimitiveTypes.Uint64, uint64(math.MaxUint64), uint64(0), uint64(10000)),
			dst: newNum, text: []string{"18446744073709551615", "0", "10000"}},
		{name: "hugeint as numeric", oid: oidNumeric,
			arr: build(&arrow.Decimal128Type{Precision: 38, Scale: 0}, decimal128.New(math.MaxInt64, math.MaxUint64),
				decimal128.New(math.MinInt64, 0), "-12345678901234567890123", "0"),
			dst: newNum, text: []string{"170141183460469231731687303715884105727", "-170141183460469231731687303715884105728",
				"-12345678901234567890123", "0"}},
		{name: "varint (DuckDB BIGNUM blobs) as numeric", oid: oidNumeric,
			arr: build(arrow.BinaryTypes.Binary, hexBytes("80000100"), hexBytes("80000101"), hexBytes("7ffffefe"),
				hexBytes("8000020100"), hexBytes("7ffffdfeff"), hexBytes("80000d018ee90ff6c373e0ee4e3f0ad2"),
				hexBytes("7ffff2fe7116f0093c8c1f11b1c0f52d"), hexBytes("800001ff"), hexBytes("7ffffe00"), nil),
			dst: newNum, text: []string{"0", "1", "-1", "256", "-256", "123456789012345678901234567890",
				"-123456789012345678901234567890", "255", "-255", null}},
		{name: "decimal keeps its scale", oid: oidNumeric,
			arr: build(&arrow.Decimal128Type{Precision: 18, Scale: 2}, "1.50", "-0.05", "0", "12345678.90", "100", nil),
			dst: newNum, text: []string{"1.50", "-0.05", "0.00", "12345678.90", "100.00", null},
			want: []string{"3/2", "-1/20", "0", "123456789/10", "100", null}},
		{name: "decimal with scale 9", oid: oidNumeric,
			arr: build(&arrow.Decimal128Type{Precision: 38, Scale: 9}, "0.000000001", "-123456789012.123456789"),
			dst: newNum, text: []string{"0.000000001", "-123456789012.123456789"},
			want: []string{"1/1000000000", "-123456789012123456789/1000000000"}},
		{name: "double", oid: oidFloat8,
			arr: build(arrow.PrimitiveTypes.Float64, 0.1, 1e15, 1e14, 123456789012345678.0, 1e-5, 0.0001, math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 1.0/3),
			dst: newF64, text: []string{"0.1", "1e+15", "100000000000000", "1.2345678901234568e+17", "1e-05", "0.0001", "Infinity", "-Infinity", "-0", "0.3333333333333333"},
			want: []string{"0.1", "1e+15", "1e+14", "1.2345678901234568e+17", "1e-05", "0.0001", "+Inf", "-Inf", "-0", "0.3333333333333333"}},
		{name: "float", oid: oidFloat4,
			arr: build(arrow.PrimitiveTypes.Float32, 1e6, 123456.7, 1234567.0, 0.1),
			dst: func() any { return new(float32) }, text: []string{"1e+06", "123456.7", "1.234567e+06", "0.1"},
			want: []string{"1e+06", "123456.7", "1.234567e+06", "0.1"}},
		{name: "double with extra_float_digits 0", oid: oidFloat8, fs: &efd0,
			arr: build(arrow.PrimitiveTypes.Float64, 0.1, 1.0/3, 1e16),
			dst: newF64, text: []string{"0.1", "0.333333333333333", "1e+16"},
			want:       []string{"0.1", "0.333333333333333", "1e+16"},
			wantBinary: []string{"0.1", "0.3333333333333333", "1e+16"}},
		{name: "varchar", oid: oidText, arr: build(arrow.BinaryTypes.String, "héllo", "", nil),
			dst: newStr, text: []string{"héllo", "", null}},
		{name: "blob as bytea", oid: oidBytea, arr: build(arrow.BinaryTypes.Binary, []byte{0, 1, 0xff}, []byte{}),
			dst: func() any { return new([]byte) }, text: []string{`\x0001ff`, `\x`}, want: []string{"0001ff", ""}},
		{name: "bytea escape", oid: oidBytea, fs: &escapeFS, arr: build(arrow.BinaryTypes.Binary, []byte("a\\b\x00\xff~")),
			dst: func() any { return new([]byte) }, text: []string{`a\\b\000\377~`}, want: []string{"615c6200ff7e"}, noTextScan: true},
		{name: "date", oid: oidDate,
			arr:  build(arrow.FixedWidthTypes.Date32, days("2024-01-02"), days("0001-01-01")-1, math.MaxInt32, -math.MaxInt32, days("1970-01-01")),
			dst:  func() any { return new(pgtype.Date) },
			text: []string{"2024-01-02", "0001-12-31 BC", "infinity", "-infinity", "1970-01-01"},
			want: []string{"2024-01-02", "0000-12-31", "infinity", "-infinity", "1970-01-01"}},
		{name: "time", oid: oidTime, arr: build(arrow.FixedWidthTypes.Time64us, int64(0), (4*3600+5*60+6)*1000000+500000, int64(86400000000)),
			dst: func() any { return new(pgtype.Time) }, text: []string{"00:00:00", "04:05:06.5", "24:00:00"},
			want: []string{"0us", "14706500000us", "86400000000us"}},
		{name: "time from seconds", oid: oidTime, arr: build(arrow.FixedWidthTypes.Time32s, 3661),
			dst: func() any { return new(pgtype.Time) }, text: []string{"01:01:01"}, want: []string{"3661000000us"}},
		{name: "timestamp", oid: oidTimestamp,
			arr:  build(ts(arrow.Microsecond, ""), mustTime("2024-01-02 03:04:05.120000"), mustTime("1999-12-31 23:59:59"), int64(math.MaxInt64), -int64(math.MaxInt64)),
			dst:  func() any { return new(pgtype.Timestamp) },
			text: []string{"2024-01-02 03:04:05.12", "1999-12-31 23:59:59", "infinity", "-infinity"},
			want: []string{"2024-01-02T03:04:05.12", "1999-12-31T23:59:59", "infinity", "-infinity"}},
		{name: "timestamp in ns and s", oid: oidTimestamp,
			arr: build(ts(arrow.Nanosecond, ""), mustTime("2024-01-02 03:04:05.123456")*1000+789),
			dst: func() any { return new(pgtype.Timestamp) }, text: []string{"2024-01-02 03:04:05.123456"},
			want: []string{"2024-01-02T03:04:05.123456"}},
		{name: "timestamp BC", oid: oidTimestamp, arr: build(ts(arrow.Second, ""), time.Date(-3, 3, 15, 12, 0, 0, 0, time.UTC).Unix()),
			dst: func() any { return new(pgtype.Timestamp) }, text: []string{"0004-03-15 12:00:00 BC"},
			want: []string{"-0003-03-15T12:00:00"}},
		{name: "timestamptz in Europe/Prague", oid: oidTimestamptz, fs: &pragueFS,
			arr:  build(ts(arrow.Microsecond, "Etc/UTC"), mustTime("2024-01-02 03:04:05"), mustTime("2024-07-01 12:00:00.5"), mustTime("1800-01-01 00:00:00")),
			dst:  func() any { return new(pgtype.Timestamptz) },
			text: []string{"2024-01-02 04:04:05+01", "2024-07-01 14:00:00.5+02", "1800-01-01 00:57:44+00:57:44"},
			want: []string{"2024-01-02T03:04:05Z", "2024-07-01T12:00:00.5Z", "1800-01-01T00:00:00Z"}},
		{name: "timestamptz in Asia/Kolkata", oid: oidTimestamptz, fs: &kolkataFS,
			arr: build(ts(arrow.Microsecond, "Etc/UTC"), mustTime("2024-01-02 03:04:05")),
			dst: func() any { return new(pgtype.Timestamptz) }, text: []string{"2024-01-02 08:34:05+05:30"},
			want: []string{"2024-01-02T03:04:05Z"}},
		{name: "interval", oid: oidInterval,
			arr: build(arrow.FixedWidthTypes.MonthDayNanoInterval,
				arrow.MonthDayNanoInterval{Months: 14, Days: 3, Nanoseconds: (4*3600 + 5*60 + 6.5) * 1e9},
				arrow.MonthDayNanoInterval{Months: -14, Days: 3, Nanoseconds: -(4*3600 + 5*60 + 6) * 1e9},
				arrow.MonthDayNanoInterval{},
				arrow.MonthDayNanoInterval{Days: -1},
				arrow.MonthDayNanoInterval{Months: -1, Days: 1, Nanoseconds: 3600e9},
				arrow.MonthDayNanoInterval{Nanoseconds: 100000 * 3600e9}),
			dst: func() any { return new(pgtype.Interval) },
			text: []string{"1 year 2 mons 3 days 04:05:06.5", "-1 years -2 mons +3 days -04:05:06", "00:00:00", "-1 days",
				"-1 mons +1 day 01:00:00", "100000:00:00"},
			want: []string{"14m3d14706500000us", "-14m3d-14706000000us", "0m0d0us", "0m-1d0us", "-1m1d3600000000us", "0m0d360000000000000us"}},
		{name: "uuid", oid: oidUUID, arr: build(arrow.BinaryTypes.String, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
			dst: func() any { return new(pgtype.UUID) }, text: []string{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
			want: []string{"a0eebc999c0b4ef8bb6d6bb9bd380a11"}},
		{name: "json", oid: oidJSON, arr: build(arrow.BinaryTypes.String, `{"a": [1, 2]}`),
			dst: newStr, text: []string{`{"a": [1, 2]}`}},
		{name: "list as int4[]", oid: 1007, arr: build(arrow.ListOf(arrow.PrimitiveTypes.Int32), []any{1, 2, nil}, []any{}, nil),
			dst: func() any { return new([]*int32) }, text: []string{"{1,2,NULL}", "{}", null}, want: []string{"1,2,NULL", "", null}},
		{name: "list of strings quoted", oid: 1009,
			arr:  build(arrow.ListOf(arrow.BinaryTypes.String), []any{"a b", "", "NULL", `x"y`, `back\slash`, "{", "ok", nil}),
			dst:  func() any { return new([]*string) },
			text: []string{`{"a b","","NULL","x\"y","back\\slash","{",ok,NULL}`},
			want: []string{`a b,,NULL,x"y,back\slash,{,ok,NULL`}},
		{name: "nested list as 2-d int8[]", oid: 1016,
			arr: build(arrow.ListOf(arrow.ListOf(arrow.PrimitiveTypes.Int64)), []any{[]any{1, 2}, []any{3, nil}}),
			dst: func() any { return new(pgtype.Array[*int64]) }, text: []string{"{{1,2},{3,NULL}}"},
			want: []string{"[{2 1} {2 1}] 1,2,3,NULL"}},
		{name: "fixed-size list of decimals as numeric[]", oid: 1231,
			arr: build(arrow.FixedSizeListOf(2, &arrow.Decimal128Type{Precision: 10, Scale: 1}), []any{"1.5", "-2.0"}),
			dst: func() any { return new(pgtype.Array[*pgtype.Numeric]) }, text: []string{"{1.5,-2.0}"}, want: []string{"3/2,-2"}},
		{name: "list of timestamps quoted", oid: 1115,
			arr: build(arrow.ListOf(ts(arrow.Microsecond, "")), []any{mustTime("2024-01-02 03:04:05")}),
			dst: func() any { return new([]*time.Time) }, text: []string{`{"2024-01-02 03:04:05"}`}, want: []string{"2024-01-02T03:04:05"}},
		{name: "struct as json", oid: oidJSON,
			arr: build(arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
				arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
				arrow.Field{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true}),
				[]any{1, "x\"\n", []any{1.5, math.NaN()}}, []any{nil, nil, nil}),
			dst: newStr, text: []string{`{"a":1,"b":"x\"\n","l":[1.5,"NaN"]}`, `{"a":null,"b":null,"l":null}`}},
		{name: "map as json", oid: oidJSON,
			arr: build(arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), [][2]any{{"k1", 1}, {"k2", nil}}),
			dst: newStr, text: []string{`{"k1":1,"k2":null}`}},
		{name: "enum as text", oid: oidText, arr: dict(), dst: newStr, text: []string{"red", null, "green", "red"}},
		{name: "union as text", oid: oidText, arr: union(), dst: newStr, text: []string{"7", "seven", null}},
		{name: "null column", oid: oidInt4, arr: array.NewNull(2), dst: newInt, text: []string{null, null}},
		{name: "all-null int32", oid: oidInt4, arr: build(arrow.PrimitiveTypes.Int32, nil, nil), dst: newInt, text: []string{null, null}},
		{name: "bit", oid: oidVarbit, arr: bits, dst: func() any { return new(pgtype.Bits) },
			text: []string{"10110", "1111111100000001", null}, want: []string{"5:b0", "16:ff01", null}},
	}
}

// TestEncoders encodes Arrow columns in text and binary and reads them
// back with pgx's pgtype, the codec real Go clients use.
func TestEncoders(t *testing.T) {
	m := pgtype.NewMap()
	for _, tc := range encodeCases() {
		t.Run(tc.name, func(t *testing.T) {
			fs := defaultFormat()
			if tc.fs != nil {
				fs = *tc.fs
			}
			want := tc.want
			if want == nil {
				want = tc.text
			}
			for _, format := range []int16{formatText, formatBinary} {
				if format == formatBinary && tc.wantBinary != nil {
					want = tc.wantBinary
				}
				vals, err := encodeColumn(t, tc.oid, tc.arr, format, fs)
				if err != nil {
					t.Fatalf("format %d: %v", format, err)
				}
				if len(vals) != len(tc.text) {
					t.Fatalf("format %d: %d values, want %d", format, len(vals), len(tc.text))
				}
				for i, v := range vals {
					if tc.text[i] == null {
						if v != nil {
							t.Errorf("format %d row %d: got %q, want NULL", format, i, v)
						}
						continue
					}
					if v == nil {
						t.Errorf("format %d row %d: got NULL", format, i)
						continue
					}
					if format == formatText && string(v) != tc.text[i] {
						t.Errorf("text row %d: got %q, want %q", i, v, tc.text[i])
					}
					if format == formatText && tc.noTextScan {
						continue
					}
					dst := tc.dst()
					if err := m.Scan(tc.oid, format, v, dst); err != nil {
						t.Errorf("format %d row %d: pgtype cannot read %x: %v", format, i, v, err)
						continue
					}
					if got := canon(dst); got != want[i] {
						t.Errorf("format %d row %d: pgtype read %q, want %q (bytes %x)", format, i, got, want[i], v)
					}
				}
			}
		})
	}
}
