package wire

import (
	"encoding/binary"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// The fast path of row encoding. Profiles of `SELECT *` over ten mixed
// columns (cmd/duckbench, wire case) showed the closures of the general
// encoders costing more than the values: two indirect calls per value
// (isNull, value), a returned (slice, error) pair and a length prefix
// written then patched. For the types most results carry, WriteRows
// instead switches on a kind chosen once per column and reads the batch's
// typed slices and bitmaps directly; everything else, and any unusual
// value of a fast type (infinities, out-of-range dates), still goes
// through the general encoder, which stays the reference:
// TestFastPathMatchesGeneral compares the two byte for byte.

// fastKind is a column's fast encoding, fastNone when it has none.
type fastKind uint8

const (
	fastNone     fastKind = iota
	fastBytes             // text-like strings (either format), bytea binary: the bytes as they are
	fastBoolText          // 't' / 'f'
	fastBoolBin           // one byte
	fastInt16Text
	fastInt32Text
	fastInt64Text
	fastInt16Bin
	fastInt32Bin
	fastInt64Bin
	fastFloat4Bin
	fastFloat8Bin
	fastDateBin      // date32 days → int32 days since 2000-01-01
	fastTimestampBin // µs since 1970 → int64 µs since 2000-01-01 (timestamp and timestamptz)
	fastNumericBin   // decimal128 whose value fits an int64 → numeric_send
)

// fastKindOf returns the fast encoding of values of Arrow type dt sent as
// type oid, or fastNone. It picks only combinations whose general encoder
// does exactly what the fast one does (no range checks, no conversions).
func fastKindOf(oid uint32, dt arrow.DataType, bin bool) fastKind {
	id := dt.ID()
	switch oid {
	case oidText, oidVarchar, oidBPChar, oidName:
		if id == arrow.STRING || id == arrow.LARGE_STRING {
			return fastBytes
		}
	case oidBytea:
		if bin && (id == arrow.BINARY || id == arrow.LARGE_BINARY) {
			return fastBytes
		}
	case oidBool:
		if id == arrow.BOOL {
			return map[bool]fastKind{false: fastBoolText, true: fastBoolBin}[bin]
		}
	case oidInt2:
		if id == arrow.INT16 {
			return map[bool]fastKind{false: fastInt16Text, true: fastInt16Bin}[bin]
		}
	case oidInt4:
		if id == arrow.INT32 {
			return map[bool]fastKind{false: fastInt32Text, true: fastInt32Bin}[bin]
		}
	case oidInt8:
		if id == arrow.INT64 {
			return map[bool]fastKind{false: fastInt64Text, true: fastInt64Bin}[bin]
		}
	case oidFloat4:
		if bin && id == arrow.FLOAT32 {
			return fastFloat4Bin
		}
	case oidFloat8:
		if bin && id == arrow.FLOAT64 {
			return fastFloat8Bin
		}
	case oidDate:
		if bin && id == arrow.DATE32 {
			return fastDateBin
		}
	case oidTimestamp, oidTimestamptz:
		if t, ok := dt.(*arrow.TimestampType); ok && bin && t.Unit == arrow.Microsecond {
			return fastTimestampBin
		}
	case oidNumeric:
		if bin && id == arrow.DECIMAL128 {
			return fastNumericBin
		}
	}
	return fastNone
}

// fastView is one batch's column as the fast path reads it.
type fastView struct {
	// nulls is the validity bitmap from bit nullOff, nil when the batch
	// has no NULL in the column.
	nulls   []byte
	nullOff int

	i16    []int16
	i32    []int32
	i64    []int64
	f32    []float32
	f64    []float64
	date   []arrow.Date32
	ts     []arrow.Timestamp
	dec    []decimal128.Num
	scale  int
	bits   []byte // booleans, from bit bitOff
	bitOff int
	offs   []int32 // string offsets into data (absolute)
	loffs  []int64
	data   []byte
}

// viewOf makes the fast view of arr for kind.
func viewOf(kind fastKind, arr arrow.Array) fastView {
	var v fastView
	d := arr.Data()
	if arr.NullN() > 0 {
		v.nulls, v.nullOff = arr.NullBitmapBytes(), d.Offset()
	}
	switch kind {
	case fastBytes:
		switch a := arr.(type) {
		case *array.String:
			v.offs = a.ValueOffsets()
		case *array.LargeString:
			v.loffs = a.ValueOffsets()
		case *array.Binary:
			v.offs = a.ValueOffsets()
		case *array.LargeBinary:
			v.loffs = a.ValueOffsets()
		}
		if b := d.Buffers()[2]; b != nil {
			v.data = b.Bytes()
		}
	case fastBoolText, fastBoolBin:
		v.bits, v.bitOff = d.Buffers()[1].Bytes(), d.Offset()
	case fastInt16Text, fastInt16Bin:
		v.i16 = valuesOf[int16](arr)
	case fastInt32Text, fastInt32Bin:
		v.i32 = valuesOf[int32](arr)
	case fastDateBin:
		v.date = valuesOf[arrow.Date32](arr)
	case fastInt64Text, fastInt64Bin:
		v.i64 = valuesOf[int64](arr)
	case fastTimestampBin:
		v.ts = valuesOf[arrow.Timestamp](arr)
	case fastFloat4Bin:
		v.f32 = valuesOf[float32](arr)
	case fastFloat8Bin:
		v.f64 = valuesOf[float64](arr)
	case fastNumericBin:
		v.dec = arr.(*array.Decimal128).Values()
		v.scale = int(arr.DataType().(*arrow.Decimal128Type).Scale)
	}
	return v
}

// isNull reports whether value r is NULL.
func (v *fastView) isNull(r int) bool {
	if v.nulls == nil {
		return false
	}
	i := v.nullOff + r
	return v.nulls[i>>3]&(1<<(i&7)) == 0
}

// appendBytesValue appends value r of a string or binary column with its
// length prefix.
func (v *fastView) appendBytesValue(buf []byte, r int) []byte {
	var b []byte
	if v.offs != nil {
		b = v.data[v.offs[r]:v.offs[r+1]]
	} else {
		b = v.data[v.loffs[r]:v.loffs[r+1]]
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(b)))
	return append(buf, b...)
}

// appendNumericInt64 writes mag·10^-scale (negated when neg) in
// numeric_send's format, as appendNumericBinary does from decimal digits:
// base-10000 digits aligned on the decimal point, no leading or trailing
// zero digits, weight the power of 10000 of the first. It reports false
// when the value is beyond what it handles (mag ≥ 10^18 or scale > 38).
func appendNumericInt64(dst []byte, neg bool, mag uint64, scale int) ([]byte, bool) {
	if mag >= 1e18 || scale < 0 || scale > 38 {
		return dst, false
	}
	if mag == 0 {
		dst = append(dst, 0, 0, 0, 0, 0, 0)
		return binary.BigEndian.AppendUint16(dst, uint16(scale)), true
	}
	// Groups align on the decimal point: pad the magnitude with zeros up
	// to a scale that is a multiple of 4. mag·10^pad may not fit 64 bits,
	// so the lowest group is split off first. groups[0] is the least
	// significant, of exponent -(scale+pad)/4.
	pad := (4 - scale%4) % 4
	split := 10000 / pow10u[pad]
	var groups [8]uint16
	groups[0] = uint16(mag % split * pow10u[pad])
	rest := mag / split
	n := 1
	for rest > 0 {
		groups[n] = uint16(rest % 10000)
		rest /= 10000
		n++
	}
	lowExp := -(scale + pad) / 4
	// Trailing (least significant) zero groups are not sent.
	first := 0
	for groups[first] == 0 {
		first++
	}
	weight := lowExp + n - 1
	ndigits := n - first
	dst = binary.BigEndian.AppendUint16(dst, uint16(ndigits))
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(weight)))
	sign := uint16(numericPos)
	if neg {
		sign = numericNeg
	}
	dst = binary.BigEndian.AppendUint16(dst, sign)
	dst = binary.BigEndian.AppendUint16(dst, uint16(scale))
	for k := n - 1; k >= first; k-- {
		dst = binary.BigEndian.AppendUint16(dst, groups[k])
	}
	return dst, true
}

var pow10u = [4]uint64{1, 10, 100, 1000}

// decimalInt64 returns a decimal128 as sign and magnitude when it fits in
// 63 bits.
func decimalInt64(n decimal128.Num) (neg bool, mag uint64, ok bool) {
	hi, lo := n.HighBits(), n.LowBits()
	switch {
	case hi == 0 && lo <= math.MaxInt64:
		return false, lo, true
	case hi == -1 && lo > math.MaxInt64:
		return true, -lo, true
	}
	return false, 0, false
}
