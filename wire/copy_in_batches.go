package wire

import (
	"context"
	"encoding/binary"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Binary COPY FROM STDIN to a portal that takes Arrow batches
// (sqlrouter.BatchCopyIn): the tuples are decoded straight into Arrow
// builders, a batch of sqlrouter.CopyBatchRows rows at a time, and handed
// to the portal through a channel while the next ones arrive. Types with
// a native Arrow form travel as values; the others as their text form,
// which the router casts. Converting to CSV and parsing it again cost
// binary COPY most of its time (cmd/duckbench's load case).

// copyInBatches runs a binary COPY whose CopyInResponse has been sent.
func (c *conn) copyInBatches(ctx context.Context, p sqlrouter.BatchCopyIn, spec *sqlrouter.CopySpec) (sqlrouter.Result, error) {
	ab := newArrowBatcher(spec.Fields)
	defer ab.release()
	batches := make(chan arrow.RecordBatch, 2)
	stop := make(chan struct{})
	var feedErr error // set before batches is closed
	type outcome struct {
		res sqlrouter.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := p.CopyInBatches(ctx, ab.schema, func() (arrow.RecordBatch, error) {
			rec, ok := <-batches
			if !ok {
				if feedErr != nil {
					return nil, feedErr
				}
				return nil, io.EOF
			}
			return rec, nil
		})
		close(stop)
		done <- outcome{res, err}
	}()
	ab.emit = func(rec arrow.RecordBatch) error {
		select {
		case batches <- rec:
			return nil
		case <-stop:
			rec.Release()
			return errCopyDone
		}
	}
	conv := &binaryCopyIn{spec: spec, maxRow: c.srv.cfg.MaxMessageSize, batches: ab}
	feedErr = c.feedCopy(ctx, conv, nil)
	close(batches)
	o := <-done
	for rec := range batches {
		rec.Release()
	}
	return o.res, copyOutcome(feedErr, o.err)
}

// arrowBatcher builds Arrow batches from binary tuples.
type arrowBatcher struct {
	fields  []sqlrouter.Field
	schema  *arrow.Schema
	b       *array.RecordBuilder
	columns []func(array.Builder, []byte) error
	rows    int
	emit    func(arrow.RecordBatch) error
}

func newArrowBatcher(fields []sqlrouter.Field) *arrowBatcher {
	ab := &arrowBatcher{fields: fields, columns: make([]func(array.Builder, []byte) error, len(fields))}
	af := make([]arrow.Field, len(fields))
	for i, f := range fields {
		var t arrow.DataType
		t, ab.columns[i] = arrowColumn(f.TypeOID)
		af[i] = arrow.Field{Name: "c" + strconv.Itoa(i), Type: t, Nullable: true}
	}
	ab.schema = arrow.NewSchema(af, nil)
	ab.b = array.NewRecordBuilder(memory.DefaultAllocator, ab.schema)
	return ab
}

// arrowColumn returns the Arrow type a column of PostgreSQL type oid
// travels as and how one binary value is appended to its builder.
func arrowColumn(oid uint32) (arrow.DataType, func(array.Builder, []byte) error) {
	fixed := func(n int, f func(array.Builder, []byte)) func(array.Builder, []byte) error {
		return func(b array.Builder, v []byte) error {
			if len(v) != n {
				return binaryFormatError("wrong length %d for type %d", len(v), oid)
			}
			f(b, v)
			return nil
		}
	}
	switch oid {
	case oidBool:
		return arrow.FixedWidthTypes.Boolean, fixed(1, func(b array.Builder, v []byte) { b.(*array.BooleanBuilder).Append(v[0] != 0) })
	case oidInt2:
		return arrow.PrimitiveTypes.Int16, fixed(2, func(b array.Builder, v []byte) {
			b.(*array.Int16Builder).Append(int16(binary.BigEndian.Uint16(v)))
		})
	case oidInt4:
		return arrow.PrimitiveTypes.Int32, fixed(4, func(b array.Builder, v []byte) {
			b.(*array.Int32Builder).Append(int32(binary.BigEndian.Uint32(v)))
		})
	case oidInt8:
		return arrow.PrimitiveTypes.Int64, fixed(8, func(b array.Builder, v []byte) {
			b.(*array.Int64Builder).Append(int64(binary.BigEndian.Uint64(v)))
		})
	case oidFloat4:
		return arrow.PrimitiveTypes.Float32, fixed(4, func(b array.Builder, v []byte) {
			b.(*array.Float32Builder).Append(math.Float32frombits(binary.BigEndian.Uint32(v)))
		})
	case oidFloat8:
		return arrow.PrimitiveTypes.Float64, fixed(8, func(b array.Builder, v []byte) {
			b.(*array.Float64Builder).Append(math.Float64frombits(binary.BigEndian.Uint64(v)))
		})
	case oidBytea:
		return arrow.BinaryTypes.Binary, func(b array.Builder, v []byte) error {
			b.(*array.BinaryBuilder).Append(v)
			return nil
		}
	case oidDate:
		return arrow.FixedWidthTypes.Date32, func(b array.Builder, v []byte) error {
			if len(v) != 4 {
				return binaryFormatError("wrong length %d for type date", len(v))
			}
			d, err := duckDate(int32(binary.BigEndian.Uint32(v)))
			b.(*array.Date32Builder).Append(arrow.Date32(d))
			return err
		}
	case oidTimestamp, oidTimestamptz:
		t := &arrow.TimestampType{Unit: arrow.Microsecond}
		if oid == oidTimestamptz {
			t.TimeZone = "UTC"
		}
		return t, func(b array.Builder, v []byte) error {
			if len(v) != 8 {
				return binaryFormatError("wrong length %d for type %d", len(v), oid)
			}
			us, err := duckTimestamp(int64(binary.BigEndian.Uint64(v)))
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(us))
			return err
		}
	}
	if isTextLike(oid) || oid == 0 {
		return arrow.BinaryTypes.String, func(b array.Builder, v []byte) error {
			if !utf8.Valid(v) {
				return pgerr.New(pgerr.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
			}
			b.(*array.StringBuilder).BinaryBuilder.Append(v)
			return nil
		}
	}
	// Every other type travels as its text form; the router casts it.
	toText, _ := binaryToText(oid)
	var scratch []byte
	return arrow.BinaryTypes.String, func(b array.Builder, v []byte) error {
		var err error
		if scratch, err = toText(scratch[:0], v); err != nil {
			return err
		}
		b.(*array.StringBuilder).BinaryBuilder.Append(scratch)
		return nil
	}
}

// duckDate turns PostgreSQL's days since 2000-01-01 into DuckDB's days
// since 1970-01-01, infinities included.
func duckDate(d int32) (int32, error) {
	switch {
	case d == math.MaxInt32:
		return math.MaxInt32, nil
	case d == math.MinInt32:
		return -math.MaxInt32, nil
	case d > math.MaxInt32-pgEpochDays-1:
		return 0, pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range")
	}
	return d + pgEpochDays, nil
}

// duckTimestamp turns PostgreSQL's µs since 2000-01-01 into DuckDB's µs
// since 1970-01-01, infinities included.
func duckTimestamp(us int64) (int64, error) {
	switch {
	case us == math.MaxInt64:
		return math.MaxInt64, nil
	case us == math.MinInt64:
		return -math.MaxInt64, nil
	case us > math.MaxInt64-pgEpochMicros-1:
		return 0, pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range")
	}
	return us + pgEpochMicros, nil
}

// add appends one tuple's fields (after the field count, which the caller
// checked) and emits a full batch.
func (ab *arrowBatcher) add(b []byte) error {
	for f, col := range ab.columns {
		n := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		bld := ab.b.Field(f)
		if n == -1 {
			bld.AppendNull()
			continue
		}
		if err := col(bld, b[:n]); err != nil {
			e := pgerr.From(err)
			return pgerr.Wrap(err, e.Code, "incorrect binary data format").WithDetail("column %q: %s", ab.fields[f].Name, e.Message)
		}
		b = b[n:]
	}
	if ab.rows++; ab.rows == sqlrouter.CopyBatchRows {
		return ab.flush()
	}
	return nil
}

// flush emits the rows built so far.
func (ab *arrowBatcher) flush() error {
	if ab.rows == 0 {
		return nil
	}
	ab.rows = 0
	return ab.emit(ab.b.NewRecordBatch())
}

func (ab *arrowBatcher) release() { ab.b.Release() }
