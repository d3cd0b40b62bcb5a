package engine

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// ValueAt returns row i of an Arrow column as a value encoding/json writes
// faithfully: exact decimals as json.Number, temporal values as ISO 8601
// text, lists as slices, structs and maps as objects, blobs as base64.
func ValueAt(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return uint64(a.Value(i))
	case *array.Uint16:
		return uint64(a.Value(i))
	case *array.Uint32:
		return uint64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	case *array.Float32:
		return floatValue(float64(a.Value(i)))
	case *array.Float64:
		return floatValue(a.Value(i))
	case *array.Decimal128:
		typ := a.DataType().(*arrow.Decimal128Type)
		return json.Number(DecimalString(a.Value(i), typ.Scale))
	case *array.String:
		// The batch's buffers are reused after it is released: copy.
		return strings.Clone(a.Value(i))
	case *array.LargeString:
		return strings.Clone(a.Value(i))
	case *array.Binary:
		return base64.StdEncoding.EncodeToString(a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return a.Value(i).ToTime(unit).Format("15:04:05.999999999")
	case *array.Timestamp:
		typ := a.DataType().(*arrow.TimestampType)
		t := a.Value(i).ToTime(typ.Unit)
		if typ.TimeZone != "" {
			return t.UTC().Format(time.RFC3339Nano)
		}
		return t.Format("2006-01-02T15:04:05.999999999")
	case *array.MonthDayNanoInterval:
		v := a.Value(i)
		return fmt.Sprintf("%d mons %d days %s", v.Months, v.Days, time.Duration(v.Nanoseconds))
	case *array.List:
		start, end := a.ValueOffsets(i)
		return listValues(a.ListValues(), int(start), int(end))
	case *array.FixedSizeList:
		n := int(a.DataType().(*arrow.FixedSizeListType).Len())
		return listValues(a.ListValues(), i*n, (i+1)*n)
	case *array.Map:
		start, end := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		m := make(map[string]any, end-start)
		for j := int(start); j < int(end); j++ {
			m[fmt.Sprint(ValueAt(keys, j))] = ValueAt(items, j)
		}
		return m
	case *array.Struct:
		typ := a.DataType().(*arrow.StructType)
		m := make(map[string]any, a.NumField())
		for f := 0; f < a.NumField(); f++ {
			m[typ.Field(f).Name] = ValueAt(a.Field(f), i)
		}
		return m
	case *array.Dictionary:
		return ValueAt(a.Dictionary(), a.GetValueIndex(i))
	}
	return arr.ValueStr(i)
}

func listValues(values arrow.Array, start, end int) []any {
	out := make([]any, 0, end-start)
	for j := start; j < end; j++ {
		out = append(out, ValueAt(values, j))
	}
	return out
}

// floatValue keeps NaN and infinities, which JSON numbers cannot hold, as
// the strings PostgreSQL writes for them.
func floatValue(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return f
}

// DecimalString writes a decimal with exactly scale digits after the point.
func DecimalString(n decimal128.Num, scale int32) string {
	s := n.BigInt().String()
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if scale > 0 {
		if len(s) <= int(scale) {
			s = strings.Repeat("0", int(scale)-len(s)+1) + s
		}
		s = s[:len(s)-int(scale)] + "." + s[len(s)-int(scale):]
	}
	if neg {
		s = "-" + s
	}
	return s
}
