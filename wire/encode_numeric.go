package wire

import (
	"encoding/binary"
	"math/big"
	"math/bits"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// numeric: DuckDB's DECIMAL(p,s), HUGEINT, UHUGEINT (decimal128) and
// UBIGINT (uint64) are sent as PostgreSQL numeric. Text keeps the scale
// ("1.50"); binary is numeric_send's base-10000 form: ndigits, weight,
// sign, dscale, then the digits
// (https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/utils/adt/numeric.c).

// Sign words of the binary numeric format.
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

// stringBytes views s as bytes without copying; the bytes must not be
// modified.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// numericWriter writes a numeric given as sign, decimal digits of the
// magnitude (no leading zeros; empty for zero) and scale (digits after the
// point).
type numericWriter func(dst []byte, neg bool, digits []byte, scale int) []byte

func numericBinder(dt arrow.DataType, bin bool) binder {
	write := numericWriter(appendNumericText)
	if bin {
		write = appendNumericBinary
	}
	switch t := dt.(type) {
	case *arrow.Decimal128Type:
		scale := int(t.Scale)
		return func(arr arrow.Array) bound {
			vals := arr.(*array.Decimal128).Values()
			// One digit buffer per batch: a stack array would escape
			// through the indirect call to write.
			buf := make([]byte, 0, 48)
			return plain(arr, func(dst []byte, i int) ([]byte, error) {
				neg, digits := decimal128Digits(buf[:0], vals[i])
				return write(dst, neg, digits, scale), nil
			})
		}
	case *arrow.Decimal256Type:
		scale := int(t.Scale)
		return func(arr arrow.Array) bound {
			a := arr.(*array.Decimal256)
			return plain(arr, func(dst []byte, i int) ([]byte, error) {
				b := a.Value(i).BigInt()
				neg := b.Sign() < 0
				digits := b.Abs(b).Append(nil, 10)
				return write(dst, neg, trimZeros(digits), scale), nil
			})
		}
	}
	switch dt.ID() {
	case arrow.INT8:
		return numericInts[int8](write)
	case arrow.INT16:
		return numericInts[int16](write)
	case arrow.INT32:
		return numericInts[int32](write)
	case arrow.INT64:
		return numericInts[int64](write)
	case arrow.UINT8:
		return numericInts[uint8](write)
	case arrow.UINT16:
		return numericInts[uint16](write)
	case arrow.UINT32:
		return numericInts[uint32](write)
	case arrow.UINT64:
		return numericInts[uint64](write)
	case arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL32, arrow.DECIMAL64:
		return numericFromText(bin)
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
		return bignumBinder(write)
	}
	return nil
}

// bignumBinder writes DuckDB's BIGNUM (VARINT), which reaches Arrow as an
// opaque blob: a 3-byte header holding the byte count with the top bit set
// for a positive number (the whole header inverted for a negative one),
// then the magnitude big-endian (inverted, byte by byte, when negative).
func bignumBinder(write numericWriter) binder {
	return func(arr arrow.Array) bound {
		get := bytesOf(arr)
		var mag, digits []byte
		var n big.Int
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			b := get(i)
			if len(b) < 3 {
				return dst, pgerr.New(pgerr.DataCorrupted, "invalid BIGNUM value")
			}
			header := uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
			neg := header&0x800000 == 0
			if neg {
				header = ^header & 0xffffff
			}
			if int(header&0x7fffff) != len(b)-3 {
				return dst, pgerr.New(pgerr.DataCorrupted, "invalid BIGNUM value")
			}
			mag = append(mag[:0], b[3:]...)
			if neg {
				for k := range mag {
					mag[k] = ^mag[k]
				}
			}
			digits = n.SetBytes(mag).Append(digits[:0], 10)
			return write(dst, neg, trimZeros(digits), 0), nil
		})
	}
}

func numericInts[T integer](write numericWriter) binder {
	return func(arr arrow.Array) bound {
		vals := valuesOf[T](arr)
		buf := make([]byte, 0, 24)
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			x := vals[i]
			neg := x < 0
			var mag uint64
			if neg {
				mag = uint64(-int64(x))
			} else {
				mag = uint64(x)
			}
			return write(dst, neg, trimZeros(strconv.AppendUint(buf[:0], mag, 10)), 0), nil
		})
	}
}

// numericFromText writes values whose text form is a decimal number, such
// as floats, by parsing that text; NaN and infinities become numeric's.
func numericFromText(bin bool) binder {
	return func(arr arrow.Array) bound {
		f64, _ := arr.(*array.Float64)
		f32, _ := arr.(*array.Float32)
		buf := make([]byte, 0, 400)
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			var s []byte
			switch {
			case f64 != nil:
				s = appendNumericFloat(buf[:0], f64.Value(i), 64)
			case f32 != nil:
				s = appendNumericFloat(buf[:0], float64(f32.Value(i)), 32)
			default:
				s = append(buf[:0], arr.ValueStr(i)...)
			}
			if !bin {
				return append(dst, s...), nil
			}
			return appendNumericBinaryText(dst, s), nil
		})
	}
}

// appendNumericFloat writes a float as numeric text: plain decimal digits,
// or NaN, Infinity, -Infinity.
func appendNumericFloat(dst []byte, f float64, bitSize int) []byte {
	if s, ok := floatSpecial(f); ok {
		return append(dst, s...)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, bitSize)
}

// appendNumericBinaryText writes the binary form of numeric text such as
// "-12.340", "NaN" or "Infinity".
func appendNumericBinaryText(dst, s []byte) []byte {
	switch string(s) {
	case "NaN":
		return appendNumericSpecial(dst, numericNaN)
	case "Infinity":
		return appendNumericSpecial(dst, numericPInf)
	case "-Infinity":
		return appendNumericSpecial(dst, numericNInf)
	}
	neg := len(s) > 0 && s[0] == '-'
	if neg || (len(s) > 0 && s[0] == '+') {
		s = s[1:]
	}
	var buf [400]byte
	digits := buf[:0]
	scale := 0
	seenPoint := false
	for _, c := range s {
		switch {
		case c == '.':
			seenPoint = true
		case c >= '0' && c <= '9':
			digits = append(digits, c)
			if seenPoint {
				scale++
			}
		}
	}
	return appendNumericBinary(dst, neg, trimZeros(digits), scale)
}

func appendNumericSpecial(dst []byte, sign uint16) []byte {
	dst = appendInt16(dst, 0)
	dst = appendInt16(dst, 0)
	dst = binary.BigEndian.AppendUint16(dst, sign)
	return appendInt16(dst, 0)
}

// trimZeros drops leading zeros, so that zero is the empty digit string.
func trimZeros(d []byte) []byte {
	for len(d) > 0 && d[0] == '0' {
		d = d[1:]
	}
	return d
}

// decimal128Digits appends the decimal digits of |n| to dst. The magnitude
// is read as an unsigned 128-bit number, so even -2^127 (HUGEINT's minimum)
// comes out right.
func decimal128Digits(dst []byte, n decimal128.Num) (neg bool, digits []byte) {
	if n.Sign() < 0 {
		neg = true
		n = n.Negate()
	}
	return neg, trimZeros(appendUint128(dst, uint64(n.HighBits()), n.LowBits()))
}

// appendUint128 appends the decimal form of the unsigned number hi·2^64+lo.
func appendUint128(dst []byte, hi, lo uint64) []byte {
	if hi == 0 {
		return strconv.AppendUint(dst, lo, 10)
	}
	const chunk = 10000000000000000000 // 10^19
	var parts [3]uint64                // 2^128 < 10^39: three chunks of 19 digits
	n := 0
	for hi != 0 || lo != 0 {
		qhi := hi / chunk
		r := hi % chunk
		qlo, rem := bits.Div64(r, lo, chunk)
		parts[n] = rem
		n++
		hi, lo = qhi, qlo
	}
	dst = strconv.AppendUint(dst, parts[n-1], 10)
	for k := n - 2; k >= 0; k-- {
		var pad [19]byte
		s := strconv.AppendUint(pad[:0], parts[k], 10)
		for z := len(s); z < 19; z++ {
			dst = append(dst, '0')
		}
		dst = append(dst, s...)
	}
	return dst
}

// appendNumericText writes digits·10^-scale keeping every digit of the
// scale, as numeric_out does ("1.50", "0.05", "-3").
func appendNumericText(dst []byte, neg bool, digits []byte, scale int) []byte {
	if neg && len(digits) > 0 {
		dst = append(dst, '-')
	}
	if scale <= 0 {
		if len(digits) == 0 {
			return append(dst, '0')
		}
		dst = append(dst, digits...)
		for k := 0; k < -scale; k++ {
			dst = append(dst, '0')
		}
		return dst
	}
	if len(digits) <= scale {
		dst = append(dst, '0', '.')
		for k := len(digits); k < scale; k++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	n := len(digits) - scale
	dst = append(dst, digits[:n]...)
	dst = append(dst, '.')
	return append(dst, digits[n:]...)
}

var pow10x4 = [4]int16{1, 10, 100, 1000}

func floorDiv4(e int) int {
	if e >= 0 {
		return e / 4
	}
	return -((-e + 3) / 4)
}

// appendNumericBinary writes digits·10^-scale in numeric_send's format:
// base-10000 digits aligned on the decimal point, weight the power of
// 10000 of the first, no leading or trailing zero digits, dscale the
// display scale.
func appendNumericBinary(dst []byte, neg bool, digits []byte, scale int) []byte {
	dscale := max(scale, 0)
	first, last := -1, -1
	for k, c := range digits {
		if c != '0' {
			if first < 0 {
				first = k
			}
			last = k
		}
	}
	if first < 0 {
		dst = appendInt16(dst, 0)
		dst = appendInt16(dst, 0)
		dst = binary.BigEndian.AppendUint16(dst, numericPos)
		return appendInt16(dst, int16(dscale))
	}
	intLen := len(digits) - scale // digits before the point
	// The decimal exponent of digit k is intLen-1-k; its base-10000 group
	// is floor(e/4), and the group of the first nonzero digit is the weight.
	weight := floorDiv4(intLen - 1 - first)
	lastGroup := floorDiv4(intLen - 1 - last)
	n := weight - lastGroup + 1
	var groups [128]int16
	if n > len(groups) {
		// Beyond numeric's own limits; PostgreSQL could not hold it either.
		return appendNumericSpecial(dst, numericNaN)
	}
	for k := first; k <= last; k++ {
		e := intLen - 1 - k
		g := floorDiv4(e)
		groups[weight-g] += int16(digits[k]-'0') * pow10x4[e-4*g]
	}
	sign := uint16(numericPos)
	if neg {
		sign = numericNeg
	}
	dst = appendInt16(dst, int16(n))
	dst = appendInt16(dst, int16(weight))
	dst = binary.BigEndian.AppendUint16(dst, sign)
	dst = appendInt16(dst, int16(dscale))
	for _, g := range groups[:n] {
		dst = appendInt16(dst, g)
	}
	return dst
}
