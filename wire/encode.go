package wire

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Value encoding: Arrow columns to PostgreSQL values, text and binary, byte
// for byte as PostgreSQL 15 writes them.
//
// An encoder is chosen once per result column from (type OID, Arrow type,
// format code) by newBinder. For each record batch the binder is applied to
// the column's array and returns an appendFunc over the typed values: no
// value is boxed into an interface, and every value is appended straight
// into the connection's output buffer.

// appendFunc appends value i of the bound column (known not to be null) in
// its wire form.
type appendFunc func(dst []byte, i int) ([]byte, error)

// nullFunc reports whether value i is NULL.
type nullFunc func(i int) bool

// bound is a binder's product for one array.
type bound struct {
	value  appendFunc
	isNull nullFunc
}

// binder binds one array (a column of one batch) of the Arrow type it was
// chosen for.
type binder func(arr arrow.Array) bound

// plain binds with the array's own validity bitmap.
func plain(arr arrow.Array, f appendFunc) bound {
	return bound{value: f, isNull: arr.IsNull}
}

// formatText and formatBinary are the format codes of Bind and RowDescription.
const (
	formatText   int16 = 0
	formatBinary int16 = 1
)

// encodeError is the error for a value that cannot be sent as promised.
func encodeError(format string, args ...any) error {
	return pgerr.New(pgerr.DatatypeMismatch, format, args...)
}

// column is one result column of a rowSink.
type column struct {
	field  sqlrouter.Field
	format int16
	dtype  arrow.DataType
	bind   binder
	cur    bound
	kind   fastKind // see encode_fast.go
	fv     fastView
}

// rowSink is the sqlrouter.RowSink that encodes rows into DataRow messages
// appended to the connection's output buffer, which is flushed whenever it
// passes flushThreshold.
type rowSink struct {
	ctx  context.Context
	out  *writer
	fs   sqlrouter.FormatSettings
	cols []column
	rows int64
	// general turns the fast path off; tests compare the two.
	general bool
}

// newRowSink returns a sink for rows of fields sent in formats (one code per
// field, or nil for all text).
func newRowSink(ctx context.Context, out *writer, fields []sqlrouter.Field, formats []int16, fs sqlrouter.FormatSettings) *rowSink {
	cols := make([]column, len(fields))
	for i, f := range fields {
		cols[i] = column{field: f, format: formatAt(formats, i)}
	}
	return &rowSink{ctx: ctx, out: out, fs: fs, cols: cols}
}

func formatAt(formats []int16, i int) int16 {
	if i < len(formats) {
		return formats[i]
	}
	return formatText
}

// prepare binds every column to the batch's arrays, choosing encoders the
// first time a column's Arrow type is seen.
func (s *rowSink) prepare(rec arrow.RecordBatch) error {
	if int(rec.NumCols()) != len(s.cols) {
		return pgerr.New(pgerr.InternalError, "result batch has %d columns, but the row description has %d", rec.NumCols(), len(s.cols))
	}
	for i := range s.cols {
		c := &s.cols[i]
		arr := rec.Column(i)
		if c.bind == nil || !arrow.TypeEqual(c.dtype, arr.DataType()) {
			b, err := newBinder(c.field.TypeOID, arr.DataType(), c.format == formatBinary, &s.fs)
			if err != nil {
				return fmt.Errorf("column %q: %w", c.field.Name, err)
			}
			c.bind, c.dtype = b, arr.DataType()
			c.kind = fastNone
			if !s.general {
				c.kind = fastKindOf(c.field.TypeOID, c.dtype, c.format == formatBinary)
			}
		}
		c.cur = c.bind(arr)
		if c.kind != fastNone {
			c.fv = viewOf(c.kind, arr)
		}
	}
	return nil
}

// WriteRows implements sqlrouter.RowSink.
func (s *rowSink) WriteRows(rec arrow.RecordBatch, from, to int) error {
	if err := s.prepare(rec); err != nil {
		return err
	}
	n := len(s.cols)
	for r := from; r < to; r++ {
		buf := s.out.buf
		start := len(buf)
		buf = append(buf, 'D', 0, 0, 0, 0, byte(n>>8), byte(n))
		for i := range s.cols {
			col := &s.cols[i]
			if col.kind != fastNone {
				// The switch is inline on purpose: a call per value is
				// what the fast path exists to avoid.
				fv := &col.fv
				if fv.isNull(r) {
					buf = append(buf, 0xff, 0xff, 0xff, 0xff)
					continue
				}
				switch col.kind {
				case fastBytes:
					buf = fv.appendBytesValue(buf, r)
					continue
				case fastInt64Bin:
					buf = append(buf, 0, 0, 0, 8)
					buf = binary.BigEndian.AppendUint64(buf, uint64(fv.i64[r]))
					continue
				case fastInt32Bin:
					buf = append(buf, 0, 0, 0, 4)
					buf = binary.BigEndian.AppendUint32(buf, uint32(fv.i32[r]))
					continue
				case fastInt16Bin:
					buf = append(buf, 0, 0, 0, 2)
					buf = binary.BigEndian.AppendUint16(buf, uint16(fv.i16[r]))
					continue
				case fastFloat8Bin:
					buf = append(buf, 0, 0, 0, 8)
					buf = binary.BigEndian.AppendUint64(buf, float8Bits(fv.f64[r]))
					continue
				case fastFloat4Bin:
					buf = append(buf, 0, 0, 0, 4)
					buf = binary.BigEndian.AppendUint32(buf, float4Bits(fv.f32[r]))
					continue
				case fastBoolBin, fastBoolText:
					b := fv.bits[(fv.bitOff+r)>>3]&(1<<((fv.bitOff+r)&7)) != 0
					buf = append(buf, 0, 0, 0, 1, boolByte(b, col.kind == fastBoolBin))
					continue
				case fastInt64Text, fastInt32Text, fastInt16Text:
					var v int64
					switch col.kind {
					case fastInt64Text:
						v = fv.i64[r]
					case fastInt32Text:
						v = int64(fv.i32[r])
					default:
						v = int64(fv.i16[r])
					}
					lp := len(buf)
					buf = strconv.AppendInt(append(buf, 0, 0, 0, 0), v, 10)
					binary.BigEndian.PutUint32(buf[lp:], uint32(len(buf)-lp-4))
					continue
				case fastDateBin:
					// Infinities (±MaxInt32 and MinInt32) and dates beyond
					// int32 once shifted take the general path.
					if d := int32(fv.date[r]); d > -math.MaxInt32 && d < math.MaxInt32 && d > math.MinInt32+pgEpochDays {
						buf = append(buf, 0, 0, 0, 4)
						buf = binary.BigEndian.AppendUint32(buf, uint32(d-pgEpochDays))
						continue
					}
				case fastTimestampBin:
					// Infinities (±MaxInt64, MinInt64) and instants that
					// overflow once shifted take the general path.
					if t := int64(fv.ts[r]); t > math.MinInt64+pgEpochMicros+1 && t < math.MaxInt64 {
						buf = append(buf, 0, 0, 0, 8)
						buf = binary.BigEndian.AppendUint64(buf, uint64(t-pgEpochMicros))
						continue
					}
				case fastNumericBin:
					if neg, mag, ok := decimalInt64(fv.dec[r]); ok {
						lp := len(buf)
						var done bool
						if buf, done = appendNumericInt64(append(buf, 0, 0, 0, 0), neg, mag, fv.scale); done {
							binary.BigEndian.PutUint32(buf[lp:], uint32(len(buf)-lp-4))
							continue
						}
						buf = buf[:lp]
					}
				}
			} else if col.cur.isNull(r) {
				buf = append(buf, 0xff, 0xff, 0xff, 0xff)
				continue
			}
			c := &col.cur
			lp := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			var err error
			if buf, err = c.value(buf, r); err != nil {
				s.out.buf = buf[:start]
				return err
			}
			binary.BigEndian.PutUint32(buf[lp:], uint32(len(buf)-lp-4))
		}
		binary.BigEndian.PutUint32(buf[start+1:], uint32(len(buf)-start-1))
		s.out.buf = buf
		s.rows++
		if len(buf) >= flushThreshold {
			// Rows of a canceled statement stay buffered rather than meet
			// the write deadline its cancellation set.
			if err := s.ctx.Err(); err != nil {
				return err
			}
			if err := s.out.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// boolByte is a boolean's one-byte form: binary 1/0, text 't'/'f'.
func boolByte(b, bin bool) byte {
	switch {
	case bin && b:
		return 1
	case bin:
		return 0
	case b:
		return 't'
	}
	return 'f'
}

// newBinder chooses the encoder for values of Arrow type dt sent as type
// oid in the given format. Text requests never fail: a combination with no
// dedicated encoder sends the value's natural text form. Binary requests
// fail for combinations with no encoder rather than send bytes the row
// description did not promise.
func newBinder(oid uint32, dt arrow.DataType, bin bool, fs *sqlrouter.FormatSettings) (binder, error) {
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		inner, err := newBinder(oid, t.ValueType, bin, fs)
		if err != nil {
			return nil, err
		}
		return dictionaryBinder(inner), nil
	case arrow.ExtensionType:
		return extensionBinder(oid, t, bin, fs)
	}
	if dt.ID() == arrow.NULL {
		return nullBinder, nil
	}
	if b := scalarBinder(oid, dt, bin, fs); b != nil {
		return b, nil
	}
	if isTextLike(oid) || oid == oidJSONB || !bin {
		return textBinder(oid, dt, bin, fs), nil
	}
	return nil, encodeError("cannot send %s values as binary type %d", dt, oid)
}

// scalarBinder returns the dedicated encoder for (oid, dt), or nil.
func scalarBinder(oid uint32, dt arrow.DataType, bin bool, fs *sqlrouter.FormatSettings) binder {
	switch oid {
	case oidBool:
		return boolBinder(dt, bin)
	case oidInt2, oidInt4, oidInt8, oidOID, oidXID, oidCID, oidRegproc, oidRegprocedure, oidRegoper,
		oidRegoperator, oidRegclass, oidRegtype, oidRegnamespace, oidRegrole:
		return intBinder(oid, dt, bin)
	case oidFloat4, oidFloat8:
		return floatBinder(oid, dt, bin, fs)
	case oidNumeric:
		return numericBinder(dt, bin)
	case oidBytea:
		return byteaBinder(dt, bin, fs)
	case oidChar:
		return charBinder(dt, bin)
	case oidDate:
		return dateBinder(dt, bin)
	case oidTime, oidTimetz:
		return timeBinder(oid, dt, bin)
	case oidTimestamp, oidTimestamptz:
		return timestampBinder(oid, dt, bin, fs)
	case oidInterval:
		return intervalBinder(dt, bin, fs)
	case oidUUID:
		return uuidBinder(dt, bin)
	case oidBit, oidVarbit:
		return bitBinder(dt, bin)
	case oidJSON, oidJSONB:
		return jsonBinder(oid, dt, bin, fs)
	}
	if isTextLike(oid) {
		return stringBinder(dt, bin)
	}
	if elem, ok := arrayElem[oid]; ok {
		return arrayBinder(oid, elem, dt, bin, fs)
	}
	return nil
}

// textBinder sends the natural text form of dt's values: as the bytes of a
// text-like type in either format, or as text for any type in text format.
func textBinder(oid uint32, dt arrow.DataType, bin bool, fs *sqlrouter.FormatSettings) binder {
	b := naturalTextBinder(dt, fs)
	if oid == oidJSONB && bin {
		return jsonbVersioned(b)
	}
	return b
}

// naturalOID is the type a value of dt is written as when nothing else is
// asked for: its text form is the one PostgreSQL writes for that type.
func naturalOID(dt arrow.DataType) uint32 {
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		return naturalOID(t.ValueType)
	case arrow.ExtensionType:
		if t.ExtensionName() == "arrow.uuid" {
			return oidUUID
		}
		return naturalOID(t.StorageType())
	case arrow.ListLikeType:
		if _, isMap := dt.(*arrow.MapType); isMap {
			return oidJSON
		}
		_, leaf, _ := listLevels(dt) // nested lists are multidimensional arrays
		if arr, ok := arrayOf[naturalOID(leaf)]; ok && naturalOID(leaf) != oidJSON {
			return arr
		}
		return oidJSON
	}
	switch dt.ID() {
	case arrow.BOOL:
		return oidBool
	case arrow.INT8, arrow.INT16, arrow.UINT8:
		return oidInt2
	case arrow.INT32, arrow.UINT16:
		return oidInt4
	case arrow.INT64, arrow.UINT32:
		return oidInt8
	case arrow.UINT64, arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return oidNumeric
	case arrow.FLOAT16, arrow.FLOAT32:
		return oidFloat4
	case arrow.FLOAT64:
		return oidFloat8
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return oidBytea
	case arrow.DATE32, arrow.DATE64:
		return oidDate
	case arrow.TIME32, arrow.TIME64:
		return oidTime
	case arrow.TIMESTAMP:
		if dt.(*arrow.TimestampType).TimeZone != "" {
			return oidTimestamptz
		}
		return oidTimestamp
	case arrow.INTERVAL_MONTHS, arrow.INTERVAL_DAY_TIME, arrow.INTERVAL_MONTH_DAY_NANO, arrow.DURATION:
		return oidInterval
	case arrow.STRUCT:
		return oidJSON
	}
	return oidText
}

// naturalTextBinder writes dt's values as text of their natural type;
// unions write their member's, and anything unknown its Arrow string form.
func naturalTextBinder(dt arrow.DataType, fs *sqlrouter.FormatSettings) binder {
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		return dictionaryBinder(naturalTextBinder(t.ValueType, fs))
	case arrow.UnionType:
		return unionBinder(t, func(m arrow.DataType) binder { return naturalTextBinder(m, fs) })
	}
	if dt.ID() == arrow.NULL {
		return nullBinder
	}
	if oid := naturalOID(dt); oid != oidText {
		if b, err := newBinder(oid, dt, false, fs); err == nil {
			return b
		}
	}
	if b := stringBinder(dt, false); b != nil {
		return b
	}
	return valueStrBinder
}

// valueStrBinder is the last resort: Arrow's own string form of a value.
func valueStrBinder(arr arrow.Array) bound {
	return plain(arr, func(dst []byte, i int) ([]byte, error) {
		return append(dst, arr.ValueStr(i)...), nil
	})
}

// nullBinder binds columns of Arrow's null type: every value is NULL.
func nullBinder(arr arrow.Array) bound {
	return bound{
		value:  func(dst []byte, i int) ([]byte, error) { return dst, nil },
		isNull: func(int) bool { return true },
	}
}
