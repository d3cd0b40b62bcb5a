package wire

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// Bind parameters. Text values are passed on as strings for the router to
// cast to the parameter's type. Binary values are decoded by the
// parameter's type OID into the Go values sqlrouter.Stmt.Bind documents:
// bool, int16, int32, int64, float32, float64, []byte, time.Time, [16]byte
// (uuid), and strings in PostgreSQL's text form for numeric, interval,
// time, arrays and the like, which have no Go value of their own.

// decodeParam decodes parameter i (0-based) of type oid in format.
func decodeParam(i int, oid uint32, format int16, v []byte) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch format {
	case formatText:
		return string(v), nil
	case formatBinary:
	default:
		return nil, pgerr.New(pgerr.InvalidParameterValue, "unsupported format code: %d", format)
	}
	a, err := decodeBinary(oid, v)
	if err != nil {
		e := pgerr.From(err)
		if e.Code == pgerr.InternalError {
			e = pgerr.Wrap(err, pgerr.InvalidBinaryRepresentation, "")
		}
		c := *e
		c.Message = "incorrect binary data format in bind parameter " + strconv.Itoa(i+1)
		if e.Message != "" && e.Message != c.Message {
			c.Detail = e.Message
		}
		return nil, &c
	}
	return a, nil
}

var errBinaryLength = pgerr.New(pgerr.InvalidBinaryRepresentation, "wrong length for the type")

func wantLen(v []byte, n int) error {
	if len(v) != n {
		return errBinaryLength
	}
	return nil
}

// decodeBinary decodes one binary value of type oid, the inverse of the
// type's send function.
func decodeBinary(oid uint32, v []byte) (any, error) {
	switch oid {
	case oidBool:
		if err := wantLen(v, 1); err != nil {
			return nil, err
		}
		return v[0] != 0, nil
	case oidInt2:
		if err := wantLen(v, 2); err != nil {
			return nil, err
		}
		return int16(binary.BigEndian.Uint16(v)), nil
	case oidInt4:
		if err := wantLen(v, 4); err != nil {
			return nil, err
		}
		return int32(binary.BigEndian.Uint32(v)), nil
	case oidInt8:
		if err := wantLen(v, 8); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(v)), nil
	case oidOID, oidXID, oidCID, oidRegproc, oidRegclass, oidRegtype, oidRegnamespace, oidRegrole:
		if err := wantLen(v, 4); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint32(v)), nil
	case oidFloat4:
		if err := wantLen(v, 4); err != nil {
			return nil, err
		}
		return math.Float32frombits(binary.BigEndian.Uint32(v)), nil
	case oidFloat8:
		if err := wantLen(v, 8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(v)), nil
	case oidBytea:
		return append([]byte{}, v...), nil
	case oidUUID:
		if err := wantLen(v, 16); err != nil {
			return nil, err
		}
		var u [16]byte
		copy(u[:], v)
		return u, nil
	case oidTimestamp, oidTimestamptz:
		return decodeTimestamp(v)
	case oidDate:
		return decodeDate(v)
	case oidJSONB:
		if len(v) == 0 || v[0] != 1 {
			return nil, pgerr.New(pgerr.InvalidBinaryRepresentation, "unsupported jsonb version number")
		}
		return string(v[1:]), nil
	case 0:
		// An unspecified type's binary form is its text, as unknownrecv
		// reads it.
		return string(v), nil
	}
	if isTextLike(oid) {
		return string(v), nil
	}
	// The rest are passed on in their text form.
	text, err := appendBinaryAsText(nil, oid, v)
	if err != nil {
		return nil, err
	}
	return string(text), nil
}

func decodeTimestamp(v []byte) (any, error) {
	if err := wantLen(v, 8); err != nil {
		return nil, err
	}
	us := int64(binary.BigEndian.Uint64(v))
	switch us {
	case math.MaxInt64:
		return "infinity", nil
	case math.MinInt64:
		return "-infinity", nil
	}
	if us > math.MaxInt64-pgEpochMicros {
		return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range")
	}
	return time.UnixMicro(us + pgEpochMicros).UTC(), nil
}

func decodeDate(v []byte) (any, error) {
	if err := wantLen(v, 4); err != nil {
		return nil, err
	}
	d := int32(binary.BigEndian.Uint32(v))
	switch d {
	case math.MaxInt32:
		return "infinity", nil
	case math.MinInt32:
		return "-infinity", nil
	}
	return time.Unix((int64(d)+pgEpochDays)*86400, 0).UTC(), nil
}
