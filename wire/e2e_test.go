package wire

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/duckstore/duckstore/sqlrouter"
)

// typedResult is one row with a column of each common type, as DuckDB
// would hand it over in Arrow.
func typedResult() fakeResult {
	cols := []struct {
		field sqlrouter.Field
		arr   arrow.Array
	}{
		{sqlrouter.Field{Name: "b", TypeOID: oidBool}, build(arrow.FixedWidthTypes.Boolean, true)},
		{sqlrouter.Field{Name: "i2", TypeOID: oidInt2}, build(arrow.PrimitiveTypes.Int8, -7)},
		{sqlrouter.Field{Name: "i4", TypeOID: oidInt4}, build(arrow.PrimitiveTypes.Int32, 123456)},
		{sqlrouter.Field{Name: "i8", TypeOID: oidInt8}, build(arrow.PrimitiveTypes.Int64, int64(-9007199254740993))},
		{sqlrouter.Field{Name: "n", TypeOID: oidNumeric, TypeMod: (10<<16 | 2) + 4}, build(&arrow.Decimal128Type{Precision: 10, Scale: 2}, "1.50")},
		{sqlrouter.Field{Name: "u8", TypeOID: oidNumeric}, build(arrow.PrimitiveTypes.Uint64, uint64(18446744073709551615))},
		{sqlrouter.Field{Name: "f8", TypeOID: oidFloat8}, build(arrow.PrimitiveTypes.Float64, 0.1)},
		{sqlrouter.Field{Name: "t", TypeOID: oidText}, build(arrow.BinaryTypes.String, "héllo")},
		{sqlrouter.Field{Name: "by", TypeOID: oidBytea}, build(arrow.BinaryTypes.Binary, []byte{0, 1, 2})},
		{sqlrouter.Field{Name: "d", TypeOID: oidDate}, build(arrow.FixedWidthTypes.Date32, days("2024-01-02"))},
		{sqlrouter.Field{Name: "ts", TypeOID: oidTimestamp}, build(&arrow.TimestampType{Unit: arrow.Microsecond}, mustTime("2024-01-02 03:04:05.5"))},
		{sqlrouter.Field{Name: "tz", TypeOID: oidTimestamptz}, build(&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Etc/UTC"}, mustTime("2024-01-02 03:04:05"))},
		{sqlrouter.Field{Name: "iv", TypeOID: oidInterval}, build(arrow.FixedWidthTypes.MonthDayNanoInterval, ival(14, 3, 14706500000))},
		{sqlrouter.Field{Name: "u", TypeOID: oidUUID}, build(arrow.BinaryTypes.String, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")},
		{sqlrouter.Field{Name: "j", TypeOID: oidJSON}, build(arrow.StructOf(arrow.Field{Name: "k", Type: arrow.PrimitiveTypes.Int32}), []any{5})},
		{sqlrouter.Field{Name: "arr", TypeOID: 1007}, build(arrow.ListOf(arrow.PrimitiveTypes.Int32), []any{1, nil, 3})},
		{sqlrouter.Field{Name: "nul", TypeOID: oidInt4}, build(arrow.PrimitiveTypes.Int32, nil)},
	}
	var fields []sqlrouter.Field
	var arrs []arrow.Array
	var afs []arrow.Field
	for _, c := range cols {
		fields = append(fields, c.field)
		arrs = append(arrs, c.arr)
		afs = append(afs, arrow.Field{Name: c.field.Name, Type: c.arr.DataType(), Nullable: true})
	}
	rec := array.NewRecordBatch(arrow.NewSchema(afs, nil), arrs, 1)
	return fakeResult{fields: fields, batches: []arrow.RecordBatch{rec}}
}

// TestPgxTypes reads a row of every common type with pgx, which asks for
// binary results wherever it can in the extended protocol and gets text
// in the simple one.
func TestPgxTypes(t *testing.T) {
	ts := startServer(t, Config{})
	ts.be.custom["select * from typed"] = typedResult()
	conn := connect(t, ts, "")
	ctx := context.Background()
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			var (
				b     bool
				i2    int16
				i4    int32
				i8    int64
				n, u8 pgtype.Numeric
				f8    float64
				text  string
				by    []byte
				d     time.Time
				tsv   time.Time
				tz    time.Time
				iv    pgtype.Interval
				u     pgtype.UUID
				j     map[string]any
				arr   []*int32
				nul   *int32
			)
			err := conn.QueryRow(ctx, "SELECT * FROM typed", mode).Scan(&b, &i2, &i4, &i8, &n, &u8, &f8, &text, &by, &d, &tsv, &tz, &iv, &u, &j, &arr, &nul)
			if err != nil {
				t.Fatal(err)
			}
			u8want, _ := new(big.Int).SetString("18446744073709551615", 10)
			checks := []struct {
				name string
				ok   bool
				got  any
			}{
				{"bool", b, b},
				{"int2", i2 == -7, i2},
				{"int4", i4 == 123456, i4},
				{"int8", i8 == -9007199254740993, i8},
				{"numeric", n.Int.Int64() == 150 && n.Exp == -2, n},
				{"ubigint", u8.Int.Cmp(u8want) == 0 && u8.Exp == 0, u8},
				{"float8", f8 == 0.1, f8},
				{"text", text == "héllo", text},
				{"bytea", bytes.Equal(by, []byte{0, 1, 2}), by},
				{"date", d.Equal(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)), d},
				{"timestamp", tsv.Equal(time.Date(2024, 1, 2, 3, 4, 5, 500000000, time.UTC)), tsv},
				{"timestamptz", tz.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)), tz},
				{"interval", iv == pgtype.Interval{Months: 14, Days: 3, Microseconds: 14706500000, Valid: true}, iv},
				{"uuid", fmt.Sprintf("%x", u.Bytes) == "a0eebc999c0b4ef8bb6d6bb9bd380a11", u},
				{"json", reflect.DeepEqual(j, map[string]any{"k": float64(5)}), j},
				{"int4[]", len(arr) == 3 && *arr[0] == 1 && arr[1] == nil && *arr[2] == 3, arr},
				{"null", nul == nil, nul},
			}
			for _, c := range checks {
				if !c.ok {
					t.Errorf("%s: got %v", c.name, c.got)
				}
			}
		})
	}
}

// TestBindParameters sends parameters the way pgx encodes them, binary
// wherever it can, and checks the Go values the statement receives.
func TestBindParameters(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts, "")
	ctx := context.Background()
	when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		typ  string
		arg  any
		want string
	}{
		{"int2", int16(-3), "int16:-3"},
		{"int4", int32(7), "int32:7"},
		{"int8", int64(42), "int64:42"},
		{"bool", true, "bool:true"},
		{"float4", float32(2.5), "float32:2.5"},
		{"float8", 1.5, "float64:1.5"},
		{"text", "hi there", "string:hi there"},
		{"numeric", pgtype.Numeric{Int: big.NewInt(-150), Exp: -2, Valid: true}, "string:-1.50"},
		{"numeric", pgtype.Numeric{Int: big.NewInt(12345678), Exp: 3, Valid: true}, "string:12345678000"},
		{"bytea", []byte{1, 2}, "[]uint8:[1 2]"},
		{"uuid", [16]byte{0xa0, 0xee, 1}, "[16]uint8:[160 238 1 0 0 0 0 0 0 0 0 0 0 0 0 0]"},
		{"timestamptz", when, "time.Time:2024-01-02 03:04:05 +0000 UTC"},
		{"timestamp", when, "time.Time:2024-01-02 03:04:05 +0000 UTC"},
		{"date", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), "time.Time:2024-01-02 00:00:00 +0000 UTC"},
		{"date", pgtype.Date{InfinityModifier: pgtype.Infinity, Valid: true}, "string:infinity"},
		{"interval", pgtype.Interval{Months: 14, Days: 3, Microseconds: 14706500000, Valid: true}, "string:1 year 2 mons 3 days 04:05:06.5"},
		{"time", pgtype.Time{Microseconds: 14706500000, Valid: true}, "string:04:05:06.5"},
		{"jsonb", map[string]any{"a": 1}, `string:{"a":1}`},
		{"int4[]", []int32{1, 2, 3}, "string:{1,2,3}"},
		{"text[]", []string{"a b", "c", ""}, `string:{"a b",c,""}`},
		{"int4", nil, "<nil>:<nil>"},
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec} {
		for _, tc := range cases {
			var got string
			err := conn.QueryRow(ctx, "SELECT echo($1::"+tc.typ+")", mode, tc.arg).Scan(&got)
			if err != nil && mode == pgx.QueryExecModeExec && strings.Contains(err.Error(), "failed to encode") {
				continue // pgx itself cannot send this one as text
			}
			if err != nil {
				t.Errorf("%v %s %v: %v", mode, tc.typ, tc.arg, err)
				continue
			}
			switch mode {
			case pgx.QueryExecModeCacheStatement:
				// pgx knows the parameter types and sends binary where it can.
				if got != tc.want {
					t.Errorf("%s %v: got %q, want %q", tc.typ, tc.arg, got, tc.want)
				}
			default:
				// Without a Describe, pgx sends text, which arrives as is.
				if tc.arg != nil && !strings.HasPrefix(got, "string:") {
					t.Errorf("exec mode %s %v: got %q", tc.typ, tc.arg, got)
				}
			}
		}
	}
	// A binary value of the wrong length is 22P03.
	_, err := conn.PgConn().ExecParams(ctx, "SELECT echo($1::int8)", [][]byte{{1, 2}}, []uint32{oidInt8}, []int16{1}, nil).Close()
	if pgCode(err) != "22P03" {
		t.Fatalf("short int8: %v", err)
	}
}

// TestPgxCopy loads rows with pgx's CopyFrom, which uses the binary
// format, and reads them back with COPY TO in each format.
func TestPgxCopy(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts, "")
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE TEMP TABLE copy_t (a int, b text)"); err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for i := 1; i <= 2000; i++ {
		var b any = fmt.Sprintf("row %d, \"quoted\"\ttab\nnewline\\", i)
		if i%7 == 0 {
			b = nil
		}
		rows = append(rows, []any{int32(i), b})
	}
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"copy_t"}, []string{"a", "b"}, pgx.CopyFromRows(rows))
	if err != nil || n != 2000 {
		t.Fatalf("CopyFrom: %d, %v", n, err)
	}
	got, err := pgx.CollectRows(mustQuery(t, conn, "SELECT a, b FROM copy_t ORDER BY a"), func(r pgx.CollectableRow) ([]any, error) {
		var a int32
		var b *string
		err := r.Scan(&a, &b)
		if b == nil {
			return []any{a, nil}, err
		}
		return []any{a, *b}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rows) {
		t.Fatalf("rows differ after CopyFrom; first: %v", got[0])
	}
	for _, tc := range []struct {
		sql   string
		first string
	}{
		{"COPY copy_t TO STDOUT", "1\trow 1, \"quoted\"\\ttab\\nnewline\\\\\n"},
		{"COPY copy_t TO STDOUT WITH (FORMAT csv, HEADER true)", "a,b\n1,\"row 1, \"\"quoted\"\"\ttab\nnewline\\\"\n"},
	} {
		var buf bytes.Buffer
		tag, err := conn.PgConn().CopyTo(ctx, &buf, tc.sql)
		if err != nil || tag.RowsAffected() != 2000 {
			t.Fatalf("%s: %v %v", tc.sql, tag, err)
		}
		if !strings.HasPrefix(buf.String(), tc.first) {
			t.Fatalf("%s starts %q, want %q", tc.sql, buf.String()[:60], tc.first)
		}
	}
	// The text output loads back unchanged through COPY FROM, and so does
	// the csv.
	for _, format := range []string{"", " WITH (FORMAT csv, HEADER true)"} {
		var buf bytes.Buffer
		if _, err := conn.PgConn().CopyTo(ctx, &buf, "COPY copy_t TO STDOUT"+format); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "CREATE TEMP TABLE copy_t (a int, b text)"); err != nil {
			t.Fatal(err)
		}
		tag, err := conn.PgConn().CopyFrom(ctx, &buf, "COPY copy_t FROM STDIN"+format)
		if err != nil || tag.RowsAffected() != 2000 {
			t.Fatalf("COPY FROM%s: %v %v", format, tag, err)
		}
		got, err := pgx.CollectRows(mustQuery(t, conn, "SELECT a, b FROM copy_t ORDER BY a"), func(r pgx.CollectableRow) ([]any, error) {
			var a int32
			var b *string
			err := r.Scan(&a, &b)
			if b == nil {
				return []any{a, nil}, err
			}
			return []any{a, *b}, err
		})
		if err != nil || !reflect.DeepEqual(got, rows) {
			t.Fatalf("round trip%s: %v", format, err)
		}
	}
}

func mustQuery(t testing.TB, conn *pgx.Conn, sql string) pgx.Rows {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
