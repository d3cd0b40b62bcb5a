package wire

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// Binary values from clients (Bind parameters, binary COPY FROM STDIN)
// turned into PostgreSQL's text form, which is what the router casts from.
// Every length is checked against the bytes actually present before
// anything is allocated or indexed.

func binaryFormatError(format string, args ...any) error {
	return pgerr.New(pgerr.InvalidBinaryRepresentation, format, args...)
}

// appendBinaryAsText appends the text form of the binary value v of type
// oid.
func appendBinaryAsText(dst []byte, oid uint32, v []byte) ([]byte, error) {
	if isTextLike(oid) || oid == 0 {
		return append(dst, v...), nil
	}
	if elem, ok := arrayElem[oid]; ok {
		return appendArrayFromBinary(dst, elem, v)
	}
	return appendScalarFromBinary(dst, oid, v)
}

// binaryToText returns how values of type oid turn from binary to text,
// chosen once for a column, and whether that text is plain: it never
// holds a comma, a quote or a line break, so CSV needs no quotes for it.
func binaryToText(oid uint32) (decode func(dst, v []byte) ([]byte, error), plain bool) {
	if isTextLike(oid) || oid == 0 {
		return func(dst, v []byte) ([]byte, error) { return append(dst, v...), nil }, false
	}
	if elem, ok := arrayElem[oid]; ok {
		return func(dst, v []byte) ([]byte, error) { return appendArrayFromBinary(dst, elem, v) }, false
	}
	switch oid {
	case oidBool, oidInt2, oidInt4, oidInt8, oidOID, oidXID, oidCID, oidFloat4, oidFloat8, oidNumeric,
		oidBytea, oidUUID, oidBit, oidVarbit, oidDate, oidTime, oidTimetz, oidTimestamp, oidTimestamptz, oidInterval:
		plain = true
	}
	return func(dst, v []byte) ([]byte, error) { return appendScalarFromBinary(dst, oid, v) }, plain
}

// appendScalarFromBinary is appendBinaryAsText for the types that are
// neither text nor arrays.
func appendScalarFromBinary(dst []byte, oid uint32, v []byte) ([]byte, error) {
	if n := fixedBinaryLen(oid); n > 0 && len(v) != n {
		return dst, binaryFormatError("wrong length %d for type %d", len(v), oid)
	}
	switch oid {
	case oidBool:
		if v[0] != 0 {
			return append(dst, 't'), nil
		}
		return append(dst, 'f'), nil
	case oidChar:
		return append(dst, v[0]), nil
	case oidInt2:
		return strconv.AppendInt(dst, int64(int16(binary.BigEndian.Uint16(v))), 10), nil
	case oidInt4:
		return strconv.AppendInt(dst, int64(int32(binary.BigEndian.Uint32(v))), 10), nil
	case oidInt8:
		return strconv.AppendInt(dst, int64(binary.BigEndian.Uint64(v)), 10), nil
	case oidOID, oidXID, oidCID, oidRegproc, oidRegclass, oidRegtype:
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(v)), 10), nil
	case oidFloat4:
		return appendFloat4(dst, math.Float32frombits(binary.BigEndian.Uint32(v)), 1), nil
	case oidFloat8:
		return appendFloat8(dst, math.Float64frombits(binary.BigEndian.Uint64(v)), 1), nil
	case oidNumeric:
		return appendNumericFromBinary(dst, v)
	case oidBytea:
		return appendByteaHex(dst, v), nil
	case oidJSONB:
		if len(v) == 0 || v[0] != 1 {
			return dst, binaryFormatError("unsupported jsonb version number")
		}
		return append(dst, v[1:]...), nil
	case oidUUID:
		return appendUUIDText(dst, (*[16]byte)(v)), nil
	case oidBit, oidVarbit:
		return appendBitsFromBinary(dst, v)
	}
	return appendTemporalFromBinary(dst, oid, v)
}

// fixedBinaryLen is the length of the binary form of fixed-size types, 0
// for the others.
func fixedBinaryLen(oid uint32) int {
	switch oid {
	case oidBool, oidChar:
		return 1
	case oidInt2:
		return 2
	case oidInt4, oidFloat4, oidDate, oidOID, oidXID, oidCID, oidRegproc, oidRegclass, oidRegtype:
		return 4
	case oidInt8, oidFloat8, oidTime, oidTimestamp, oidTimestamptz:
		return 8
	case oidTimetz:
		return 12
	case oidInterval, oidUUID:
		return 16
	}
	return 0
}

// appendTemporalFromBinary handles the date and time types.
func appendTemporalFromBinary(dst []byte, oid uint32, v []byte) ([]byte, error) {
	switch oid {
	case oidDate:
		switch d := int32(binary.BigEndian.Uint32(v)); d {
		case math.MaxInt32:
			return append(dst, textInfinity...), nil
		case math.MinInt32:
			return append(dst, textNegInfinity...), nil
		default:
			dst, bc := appendDateISO(dst, int64(d)+pgEpochDays)
			if bc {
				dst = append(dst, " BC"...)
			}
			return dst, nil
		}
	case oidTime, oidTimetz:
		us := int64(binary.BigEndian.Uint64(v))
		if us < 0 || us > usecPerDay {
			return dst, binaryFormatError("time out of range")
		}
		dst = appendClock(dst, us)
		if oid == oidTimetz {
			// The zone is stored in seconds west of UTC.
			zone := int32(binary.BigEndian.Uint32(v[8:]))
			if zone < -15*3600-59*60 || zone > 15*3600+59*60 {
				return dst, binaryFormatError("time zone displacement out of range")
			}
			dst = appendOffset(dst, -int(zone))
		}
		return dst, nil
	case oidTimestamp, oidTimestamptz:
		us := int64(binary.BigEndian.Uint64(v))
		switch {
		case us == math.MaxInt64:
			return append(dst, textInfinity...), nil
		case us == math.MinInt64:
			return append(dst, textNegInfinity...), nil
		case us > math.MaxInt64-pgEpochMicros:
			return dst, binaryFormatError("timestamp out of range")
		}
		dst, bc := appendTimestampText(dst, us+pgEpochMicros)
		if oid == oidTimestamptz {
			dst = append(dst, '+', '0', '0')
		}
		if bc {
			dst = append(dst, " BC"...)
		}
		return dst, nil
	case oidInterval:
		us := int64(binary.BigEndian.Uint64(v))
		days := int32(binary.BigEndian.Uint32(v[8:]))
		months := int32(binary.BigEndian.Uint32(v[12:]))
		return appendInterval(dst, styPostgres, months, days, us), nil
	}
	return dst, pgerr.New(pgerr.FeatureNotSupported, "binary format for type %d is not supported", oid)
}

// appendNumericFromBinary writes numeric_send's format as numeric_out text.
func appendNumericFromBinary(dst, v []byte) ([]byte, error) {
	if len(v) < 8 {
		return dst, binaryFormatError("insufficient data for numeric")
	}
	nd := int(int16(binary.BigEndian.Uint16(v)))
	weight := int(int16(binary.BigEndian.Uint16(v[2:])))
	sign := binary.BigEndian.Uint16(v[4:])
	dscale := int(binary.BigEndian.Uint16(v[6:]))
	if nd < 0 || len(v) != 8+2*nd || dscale > 0x3fff {
		return dst, binaryFormatError("invalid numeric length")
	}
	switch sign {
	case numericNaN:
		return append(dst, "NaN"...), nil
	case numericPInf:
		return append(dst, "Infinity"...), nil
	case numericNInf:
		return append(dst, "-Infinity"...), nil
	case numericPos, numericNeg:
	default:
		return dst, binaryFormatError("invalid sign in external \"numeric\" value")
	}
	digit := func(i int) int {
		if i < 0 || i >= nd {
			return 0
		}
		return int(binary.BigEndian.Uint16(v[8+2*i:]))
	}
	for i := 0; i < nd; i++ {
		if digit(i) > 9999 {
			return dst, binaryFormatError("invalid digit in external \"numeric\" value")
		}
	}
	if sign == numericNeg {
		dst = append(dst, '-')
	}
	// Digit i stands for 10000^(weight-i).
	if weight < 0 {
		dst = append(dst, '0')
	} else {
		dst = strconv.AppendInt(dst, int64(digit(0)), 10)
		for p := weight - 1; p >= 0; p-- {
			dst = appendDigits4(dst, digit(weight-p), 4)
		}
	}
	if dscale > 0 {
		dst = append(dst, '.')
		for p := -1; dscale > 0; p-- {
			n := min(dscale, 4)
			dst = appendDigits4(dst, digit(weight-p), n)
			dscale -= n
		}
	}
	return dst, nil
}

// appendDigits4 writes the first n of the four digits of g (0..9999).
func appendDigits4(dst []byte, g, n int) []byte {
	d := [4]byte{byte('0' + g/1000), byte('0' + g/100%10), byte('0' + g/10%10), byte('0' + g%10)}
	return append(dst, d[:n]...)
}

// appendBitsFromBinary writes varbit_send's format (bit length, packed
// bits) as a string of '0' and '1'.
func appendBitsFromBinary(dst, v []byte) ([]byte, error) {
	if len(v) < 4 {
		return dst, binaryFormatError("insufficient data for bit string")
	}
	n := int64(int32(binary.BigEndian.Uint32(v)))
	if n < 0 || (n+7)/8 != int64(len(v)-4) {
		return dst, binaryFormatError("invalid length in external bit string")
	}
	for k := int64(0); k < n; k++ {
		if v[4+k/8]&(0x80>>(k%8)) != 0 {
			dst = append(dst, '1')
		} else {
			dst = append(dst, '0')
		}
	}
	return dst, nil
}

// appendArrayFromBinary writes array_send's format as array_out text.
// The element type in the value must be the array's.
func appendArrayFromBinary(dst []byte, elem uint32, v []byte) ([]byte, error) {
	if len(v) < 12 {
		return dst, binaryFormatError("insufficient data for array")
	}
	ndim := int(int32(binary.BigEndian.Uint32(v)))
	flags := int32(binary.BigEndian.Uint32(v[4:]))
	got := binary.BigEndian.Uint32(v[8:])
	if ndim < 0 || ndim > maxArrayDims {
		return dst, binaryFormatError("invalid number of dimensions: %d", ndim)
	}
	if flags != 0 && flags != 1 {
		return dst, binaryFormatError("invalid array flags")
	}
	if got != elem {
		return dst, binaryFormatError("binary data has array element type %d instead of expected %d", got, elem)
	}
	v = v[12:]
	if len(v) < 8*ndim {
		return dst, binaryFormatError("insufficient data for array dimensions")
	}
	dims := make([]int, ndim)
	lbounds := make([]int32, ndim)
	total := int64(1)
	for k := range dims {
		n := int32(binary.BigEndian.Uint32(v[8*k:]))
		lbounds[k] = int32(binary.BigEndian.Uint32(v[8*k+4:]))
		if n < 0 {
			return dst, binaryFormatError("invalid array dimension")
		}
		dims[k] = int(n)
		total *= int64(n)
		// Each element takes at least its 4-byte length.
		if total*4 > int64(len(v)) {
			return dst, binaryFormatError("array size exceeds the data")
		}
	}
	v = v[8*ndim:]
	if ndim == 0 || total == 0 {
		if len(v) != 0 {
			return dst, binaryFormatError("trailing data in empty array")
		}
		return append(dst, '{', '}'), nil
	}
	if nonDefaultBounds(lbounds) {
		for k := range dims {
			dst = append(dst, '[')
			dst = strconv.AppendInt(dst, int64(lbounds[k]), 10)
			dst = append(dst, ':')
			dst = strconv.AppendInt(dst, int64(lbounds[k])+int64(dims[k])-1, 10)
			dst = append(dst, ']')
		}
		dst = append(dst, '=')
	}
	r := arrayReader{elem: elem, data: v}
	dst, err := r.level(dst, dims)
	if err == nil && len(r.data) != 0 {
		err = binaryFormatError("trailing data in array")
	}
	return dst, err
}

func nonDefaultBounds(lbounds []int32) bool {
	for _, lb := range lbounds {
		if lb != 1 {
			return true
		}
	}
	return false
}

type arrayReader struct {
	elem    uint32
	data    []byte
	scratch []byte
}

// level writes one dimension's braces and its elements.
func (r *arrayReader) level(dst []byte, dims []int) ([]byte, error) {
	dst = append(dst, '{')
	for k := 0; k < dims[0]; k++ {
		if k > 0 {
			dst = append(dst, ',')
		}
		var err error
		if len(dims) > 1 {
			if dst, err = r.level(dst, dims[1:]); err != nil {
				return dst, err
			}
			continue
		}
		if dst, err = r.element(dst); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func (r *arrayReader) element(dst []byte) ([]byte, error) {
	if len(r.data) < 4 {
		return dst, binaryFormatError("insufficient data for array element")
	}
	n := int64(int32(binary.BigEndian.Uint32(r.data)))
	r.data = r.data[4:]
	if n == -1 {
		return append(dst, "NULL"...), nil
	}
	if n < 0 || n > int64(len(r.data)) {
		return dst, binaryFormatError("invalid array element length")
	}
	var err error
	if r.scratch, err = appendBinaryAsText(r.scratch[:0], r.elem, r.data[:n]); err != nil {
		return dst, err
	}
	r.data = r.data[n:]
	return appendArrayElement(dst, r.scratch), nil
}
