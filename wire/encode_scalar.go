package wire

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Encoders of booleans, integers, floats, strings and byte strings.

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

type valuer[T any] interface{ Values() []T }

// valuesOf returns the typed values of a numeric array.
func valuesOf[T any](arr arrow.Array) []T { return arr.(valuer[T]).Values() }

func appendInt16(dst []byte, v int16) []byte {
	return binary.BigEndian.AppendUint16(dst, uint16(v))
}

func appendInt32(dst []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(dst, uint32(v))
}

func appendInt64(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v))
}

// boolBinder writes booleans: text 't'/'f' (boolout), binary one byte.
func boolBinder(dt arrow.DataType, bin bool) binder {
	if dt.ID() != arrow.BOOL {
		return nil
	}
	return func(arr arrow.Array) bound {
		a := arr.(*array.Boolean)
		if bin {
			return plain(arr, func(dst []byte, i int) ([]byte, error) {
				if a.Value(i) {
					return append(dst, 1), nil
				}
				return append(dst, 0), nil
			})
		}
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			if a.Value(i) {
				return append(dst, 't'), nil
			}
			return append(dst, 'f'), nil
		})
	}
}

// intBinder writes any Arrow integer as int2, int4, int8, or a 4-byte
// unsigned type of the oid family (oid, xid, regclass, ...). A value that
// does not fit the promised type is an error (22003), never truncated.
func intBinder(oid uint32, dt arrow.DataType, bin bool) binder {
	switch dt.ID() {
	case arrow.INT8:
		return intsBinder[int8](oid, bin)
	case arrow.INT16:
		return intsBinder[int16](oid, bin)
	case arrow.INT32:
		return intsBinder[int32](oid, bin)
	case arrow.INT64:
		return intsBinder[int64](oid, bin)
	case arrow.UINT8:
		return intsBinder[uint8](oid, bin)
	case arrow.UINT16:
		return intsBinder[uint16](oid, bin)
	case arrow.UINT32:
		return intsBinder[uint32](oid, bin)
	case arrow.UINT64:
		return intsBinder[uint64](oid, bin)
	}
	return nil
}

// intRange is the range of values the integer type oid holds.
func intRange(oid uint32) (lo, hi int64, size int, name string) {
	switch oid {
	case oidInt2:
		return math.MinInt16, math.MaxInt16, 2, "smallint"
	case oidInt4:
		return math.MinInt32, math.MaxInt32, 4, "integer"
	case oidInt8:
		return math.MinInt64, math.MaxInt64, 8, "bigint"
	}
	return 0, math.MaxUint32, 4, "oid"
}

// asInt64 converts x, reporting false for a uint64 above MaxInt64.
func asInt64[T integer](x T) (int64, bool) {
	if x < 0 {
		return int64(x), true
	}
	if uint64(x) > math.MaxInt64 {
		return 0, false
	}
	return int64(x), true
}

func intsBinder[T integer](oid uint32, bin bool) binder {
	lo, hi, size, name := intRange(oid)
	check := func(x T) (int64, error) {
		v, ok := asInt64(x)
		if !ok || v < lo || v > hi {
			return 0, pgerr.New(pgerr.NumericValueOutOfRange, "%s out of range", name)
		}
		return v, nil
	}
	return func(arr arrow.Array) bound {
		vals := valuesOf[T](arr)
		if !bin {
			return plain(arr, func(dst []byte, i int) ([]byte, error) {
				v, err := check(vals[i])
				return strconv.AppendInt(dst, v, 10), err
			})
		}
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			v, err := check(vals[i])
			switch size {
			case 2:
				return appendInt16(dst, int16(v)), err
			case 4:
				return binary.BigEndian.AppendUint32(dst, uint32(v)), err
			}
			return appendInt64(dst, v), err
		})
	}
}

// floatBinder writes float4 and float8 from Arrow floats, integers and
// decimals: binary is IEEE 754 big-endian, text follows float4out and
// float8out under extra_float_digits.
func floatBinder(oid uint32, dt arrow.DataType, bin bool, fs *sqlrouter.FormatSettings) binder {
	var get func(arr arrow.Array) func(i int) float64
	switch dt.ID() {
	case arrow.FLOAT64:
		get = func(arr arrow.Array) func(int) float64 {
			v := valuesOf[float64](arr)
			return func(i int) float64 { return v[i] }
		}
	case arrow.FLOAT32:
		get = func(arr arrow.Array) func(int) float64 {
			v := valuesOf[float32](arr)
			return func(i int) float64 { return float64(v[i]) }
		}
	case arrow.FLOAT16:
		get = func(arr arrow.Array) func(int) float64 {
			a := arr.(*array.Float16)
			return func(i int) float64 { return float64(a.Value(i).Float32()) }
		}
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.DECIMAL128, arrow.DECIMAL256:
		get = func(arr arrow.Array) func(int) float64 {
			return func(i int) float64 {
				f, _ := strconv.ParseFloat(arr.ValueStr(i), 64)
				return f
			}
		}
	default:
		return nil
	}
	efd := fs.ExtraFloatDigits
	return func(arr arrow.Array) bound {
		f := get(arr)
		switch {
		case oid == oidFloat4 && bin:
			return plain(arr, func(dst []byte, i int) ([]byte, error) {
				return binary.BigEndian.AppendUint32(dst, float4Bits(float32(f(i)))), nil
			})
		case oid == oidFloat4:
			return plain(arr, func(dst []byte, i int) ([]byte, error) { return appendFloat4(dst, float32(f(i)), efd), nil })
		case bin:
			return plain(arr, func(dst []byte, i int) ([]byte, error) {
				return binary.BigEndian.AppendUint64(dst, float8Bits(f(i))), nil
			})
		}
		return plain(arr, func(dst []byte, i int) ([]byte, error) { return appendFloat8(dst, f(i), efd), nil })
	}
}

// float8Bits returns f's IEEE 754 bits, with every NaN as the one quiet NaN
// PostgreSQL itself sends.
func float8Bits(f float64) uint64 {
	if f != f {
		return 0x7ff8000000000000
	}
	return math.Float64bits(f)
}

func float4Bits(f float32) uint32 {
	if f != f {
		return 0x7fc00000
	}
	return math.Float32bits(f)
}

// Float digits of PostgreSQL's float8out and float4out (DBL_DIG, FLT_DIG).
const (
	dblDig = 15
	fltDig = 6
)

// appendFloat8 writes f as float8out does: with extra_float_digits > 0 the
// shortest text that reads back exactly (PostgreSQL 12+), else
// "%.{15+efd}g"; NaN, Infinity and -Infinity spelled out.
func appendFloat8(dst []byte, f float64, efd int) []byte {
	if s, ok := floatSpecial(f); ok {
		return append(dst, s...)
	}
	if efd > 0 {
		return appendShortestFloat(dst, f, 64, dblDig)
	}
	return strconv.AppendFloat(dst, f, 'g', max(dblDig+efd, 1), 64)
}

// appendFloat4 writes f as float4out does; see appendFloat8.
func appendFloat4(dst []byte, f float32, efd int) []byte {
	if s, ok := floatSpecial(float64(f)); ok {
		return append(dst, s...)
	}
	if efd > 0 {
		return appendShortestFloat(dst, float64(f), 32, fltDig)
	}
	return strconv.AppendFloat(dst, float64(f), 'g', max(fltDig+efd, 1), 32)
}

func floatSpecial(f float64) (string, bool) {
	switch {
	case math.IsNaN(f):
		return "NaN", true
	case math.IsInf(f, 1):
		return "Infinity", true
	case math.IsInf(f, -1):
		return "-Infinity", true
	}
	return "", false
}

// appendShortestFloat writes the shortest round-trip digits of f the way
// PostgreSQL's Ryu-based output does: fixed notation when the decimal
// exponent is in [-4, dig), else d.ddde±XX.
func appendShortestFloat(dst []byte, f float64, bits, dig int) []byte {
	var scratch [32]byte
	e := strconv.AppendFloat(scratch[:0], f, 'e', -1, bits)
	// e is [-]d[.ddd]e±XX
	neg := e[0] == '-'
	if neg {
		e = e[1:]
	}
	ePos := 0
	for e[ePos] != 'e' {
		ePos++
	}
	exp, _ := strconv.Atoi(string(e[ePos+1:]))
	if exp < -4 || exp >= dig {
		if neg {
			dst = append(dst, '-')
		}
		return append(dst, e...)
	}
	var digits [24]byte
	nd := 0
	for _, c := range e[:ePos] {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	if neg {
		dst = append(dst, '-')
	}
	if exp < 0 {
		dst = append(dst, '0', '.')
		for k := 0; k < -exp-1; k++ {
			dst = append(dst, '0')
		}
		return append(dst, digits[:nd]...)
	}
	intDigits := exp + 1
	if nd <= intDigits {
		dst = append(dst, digits[:nd]...)
		for k := nd; k < intDigits; k++ {
			dst = append(dst, '0')
		}
		return dst
	}
	dst = append(dst, digits[:intDigits]...)
	dst = append(dst, '.')
	return append(dst, digits[intDigits:nd]...)
}

// bytesOf returns a function reading value i of any Arrow string or binary
// array as bytes without copying, or nil for other arrays.
func bytesOf(arr arrow.Array) func(i int) []byte {
	switch a := arr.(type) {
	case *array.String:
		return func(i int) []byte { return stringBytes(a.Value(i)) }
	case *array.LargeString:
		return func(i int) []byte { return stringBytes(a.Value(i)) }
	case *array.StringView:
		return func(i int) []byte { return stringBytes(a.Value(i)) }
	case *array.Binary:
		return a.Value
	case *array.LargeBinary:
		return a.Value
	case *array.BinaryView:
		return a.Value
	case *array.FixedSizeBinary:
		return a.Value
	}
	return nil
}

// isBytesType reports whether bytesOf reads arrays of dt.
func isBytesType(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.BINARY, arrow.LARGE_BINARY,
		arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return true
	}
	return false
}

// stringBinder writes strings as they are, for text-like types, whose text
// and binary forms are the same bytes.
func stringBinder(dt arrow.DataType, _ bool) binder {
	if !isBytesType(dt) {
		return nil
	}
	return func(arr arrow.Array) bound {
		get := bytesOf(arr)
		return plain(arr, func(dst []byte, i int) ([]byte, error) { return append(dst, get(i)...), nil })
	}
}

// charBinder writes PostgreSQL's one-byte "char" type: its first byte.
func charBinder(dt arrow.DataType, bin bool) binder {
	if !isBytesType(dt) {
		return nil
	}
	return func(arr arrow.Array) bound {
		get := bytesOf(arr)
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			b := get(i)
			if len(b) == 0 {
				if bin {
					return append(dst, 0), nil
				}
				return dst, nil
			}
			return append(dst, b[0]), nil
		})
	}
}

const hexDigits = "0123456789abcdef"

// byteaBinder writes bytea: binary raw, text as byteaout does in hex
// ("\x0a1b") or, with bytea_output=escape, in escape format.
func byteaBinder(dt arrow.DataType, bin bool, fs *sqlrouter.FormatSettings) binder {
	if !isBytesType(dt) {
		return nil
	}
	escape := fs.ByteaOutput == "escape"
	return func(arr arrow.Array) bound {
		get := bytesOf(arr)
		switch {
		case bin:
			return plain(arr, func(dst []byte, i int) ([]byte, error) { return append(dst, get(i)...), nil })
		case escape:
			return plain(arr, func(dst []byte, i int) ([]byte, error) { return appendByteaEscape(dst, get(i)), nil })
		}
		return plain(arr, func(dst []byte, i int) ([]byte, error) { return appendByteaHex(dst, get(i)), nil })
	}
}

func appendByteaHex(dst, b []byte) []byte {
	dst = append(dst, '\\', 'x')
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

// appendByteaEscape writes byteaout's escape format: backslash doubled,
// bytes outside 0x20..0x7e as \ooo.
func appendByteaEscape(dst, b []byte) []byte {
	for _, c := range b {
		switch {
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c < 0x20 || c > 0x7e:
			dst = append(dst, '\\', '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// uuidBinder writes uuid from DuckDB's canonical text or 16 raw bytes:
// text as 8-4-4-4-12 lower-case hex, binary as the 16 bytes.
func uuidBinder(dt arrow.DataType, bin bool) binder {
	raw := dt.ID() == arrow.FIXED_SIZE_BINARY && dt.(*arrow.FixedSizeBinaryType).ByteWidth == 16
	if !raw && !isBytesType(dt) {
		return nil
	}
	return func(arr arrow.Array) bound {
		get := bytesOf(arr)
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			var u [16]byte
			if raw {
				copy(u[:], get(i))
			} else if !parseUUID(get(i), &u) {
				return dst, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type uuid: %q", get(i))
			}
			if bin {
				return append(dst, u[:]...), nil
			}
			return appendUUIDText(dst, &u), nil
		})
	}
}

func appendUUIDText(dst []byte, u *[16]byte) []byte {
	for k, c := range u {
		if k == 4 || k == 6 || k == 8 || k == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

// parseUUID reads the forms uuid_in accepts that matter here: 32 hex digits,
// optionally in 8-4-4-4-12 groups and braces.
func parseUUID(s []byte, u *[16]byte) bool {
	if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
		s = s[1 : len(s)-1]
	}
	n := 0
	for k := 0; k < len(s); k++ {
		c := s[k]
		if c == '-' && n > 0 && n%4 == 0 && n < 32 {
			continue
		}
		v, ok := hexVal(c)
		if !ok || n >= 32 {
			return false
		}
		if n%2 == 0 {
			u[n/2] = v << 4
		} else {
			u[n/2] |= v
		}
		n++
	}
	return n == 32
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// bitBinder writes bit and varbit from DuckDB's BIT layout: a first byte
// holding the number of padding bits, which lead the first data byte.
// PostgreSQL's varbit puts the bits first and pads at the end: text is a
// string of '0' and '1', binary a 4-byte bit length and the packed bits.
func bitBinder(dt arrow.DataType, bin bool) binder {
	switch dt.ID() {
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
	default:
		return nil
	}
	return func(arr arrow.Array) bound {
		get := bytesOf(arr)
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			b := get(i)
			if len(b) == 0 || (len(b) == 1 && b[0] != 0) || b[0] > 7 {
				return dst, pgerr.New(pgerr.DataCorrupted, "invalid BIT value")
			}
			pad := int(b[0])
			nbits := (len(b)-1)*8 - pad
			bit := func(k int) bool { // k-th bit of the value
				p := k + pad
				return b[1+p/8]&(0x80>>(p%8)) != 0
			}
			if !bin {
				for k := 0; k < nbits; k++ {
					if bit(k) {
						dst = append(dst, '1')
					} else {
						dst = append(dst, '0')
					}
				}
				return dst, nil
			}
			dst = appendInt32(dst, int32(nbits))
			var cur byte
			for k := 0; k < nbits; k++ {
				if bit(k) {
					cur |= 0x80 >> (k % 8)
				}
				if k%8 == 7 {
					dst = append(dst, cur)
					cur = 0
				}
			}
			if nbits%8 != 0 {
				dst = append(dst, cur)
			}
			return dst, nil
		})
	}
}

// dictionaryBinder writes a dictionary-encoded column (DuckDB's ENUM)
// through the encoder of its values.
func dictionaryBinder(inner binder) binder {
	return func(arr arrow.Array) bound {
		d := arr.(*array.Dictionary)
		vals := inner(d.Dictionary())
		return bound{
			value:  func(dst []byte, i int) ([]byte, error) { return vals.value(dst, d.GetValueIndex(i)) },
			isNull: func(i int) bool { return d.IsNull(i) || vals.isNull(d.GetValueIndex(i)) },
		}
	}
}

// extensionBinder writes an extension type through its storage type; the
// arrow.uuid extension is written as uuid.
func extensionBinder(oid uint32, t arrow.ExtensionType, bin bool, fs *sqlrouter.FormatSettings) (binder, error) {
	var inner binder
	if t.ExtensionName() == "arrow.uuid" && (oid == oidUUID || isTextLike(oid)) {
		inner = uuidBinder(t.StorageType(), bin && oid == oidUUID)
	} else {
		var err error
		if inner, err = newBinder(oid, t.StorageType(), bin, fs); err != nil {
			return nil, err
		}
	}
	return func(arr arrow.Array) bound {
		return inner(arr.(array.ExtensionArray).Storage())
	}, nil
}

// unionBinder writes each value of a union through the encoder of its
// member type.
func unionBinder(t arrow.UnionType, member func(arrow.DataType) binder) binder {
	fields := t.Fields()
	members := make([]binder, len(fields))
	for k, f := range fields {
		members[k] = member(f.Type)
	}
	return func(arr arrow.Array) bound {
		u := arr.(array.Union)
		children := make([]bound, len(members))
		for k, m := range members {
			children[k] = m(u.Field(k))
		}
		dense, _ := arr.(*array.DenseUnion)
		at := func(i int) int {
			if dense != nil {
				return int(dense.ValueOffset(i))
			}
			return i
		}
		return bound{
			value: func(dst []byte, i int) ([]byte, error) {
				return children[u.ChildID(i)].value(dst, at(i))
			},
			isNull: func(i int) bool { return children[u.ChildID(i)].isNull(at(i)) },
		}
	}
}
