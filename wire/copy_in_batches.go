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
	"golang.org/x/sync/semaphore"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Binary COPY FROM STDIN to a portal that takes Arrow batches
// (sqlrouter.BatchCopyIn): the tuples are decoded straight into Arrow
// builders, a batch of sqlrouter.CopyBatchRows rows at a time, and handed
// to the portal through a batchQueue while the next ones arrive. Types with
// a native Arrow form travel as values; the others as their text form,
// which the router casts. Converting to CSV and parsing it again cost
// binary COPY most of its time (cmd/duckbench's load case).

// copyInBatches runs a binary COPY whose CopyInResponse has been sent.
func (c *conn) copyInBatches(ctx context.Context, p sqlrouter.BatchCopyIn, spec *sqlrouter.CopySpec) (sqlrouter.Result, error) {
	ab := newArrowBatcher(spec.Fields)
	defer ab.release()
	q := newBatchQueue(copyInQueueBytes, copyInQueueBatches)
	defer q.stop()
	var feedErr error // set before q is closed
	type outcome struct {
		res sqlrouter.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := p.CopyInBatches(ctx, ab.schema, func() (arrow.RecordBatch, error) {
			rec, ok := q.get()
			if !ok {
				if feedErr != nil {
					return nil, feedErr
				}
				return nil, io.EOF
			}
			return rec, nil
		})
		q.stop()
		done <- outcome{res, err}
	}()
	ab.emit = q.put
	conv := &binaryCopyIn{spec: spec, maxRow: c.srv.cfg.MaxMessageSize, batches: ab}
	feedErr = c.feedCopy(ctx, conv, nil)
	q.close()
	o := <-done
	q.drain()
	return o.res, copyOutcome(feedErr, o.err)
}

// The decoded batches waiting for the portal: at most copyInQueueBytes of
// Arrow buffers, at most copyInQueueBatches batches. DuckDB appends in
// bursts: the appender runs its insert over about 200k rows at a time
// and writes full row groups, 0.15 to 0.4 s each; the decoder needs room
// to go on reading the client meanwhile. With room for 2 batches the
// portal waited 2.4 s of a 7 s COPY of 2M rows for the decoder; with 64
// or more (13 to 26 MB of the benchmark's rows) the COPY took 15 to 25%
// less time than with 2 or 16 (cmd/duckbench -cases load).
const (
	copyInQueueBytes   = 32 << 20
	copyInQueueBatches = 256
)

// batchQueue hands batches from the decoder to the portal, holding at
// most maxBytes of them (and at most a channel's worth).
type batchQueue struct {
	ch       chan queuedBatch
	room     *semaphore.Weighted
	maxBytes int64
	stopped  context.Context // done once the portal reads no more
	stop     context.CancelFunc
}

type queuedBatch struct {
	rec  arrow.RecordBatch
	size int64
}

// newBatchQueue makes a queue. Only the portal stopping ends a wait for
// room. A canceled statement ends both the portal (whose error the client
// gets) and feedCopy's reads; ending the wait on the statement's context
// as well could hand the portal errCopyDone as its input's error.
func newBatchQueue(maxBytes int64, maxBatches int) *batchQueue {
	q := &batchQueue{ch: make(chan queuedBatch, maxBatches), room: semaphore.NewWeighted(maxBytes), maxBytes: maxBytes}
	q.stopped, q.stop = context.WithCancel(context.Background())
	return q
}

// put queues rec, waiting for room. Once the portal stopped reading it
// releases rec and returns errCopyDone.
func (q *batchQueue) put(rec arrow.RecordBatch) error {
	size := min(max(batchBytes(rec), 1), q.maxBytes)
	if q.stopped.Err() != nil || q.room.Acquire(q.stopped, size) != nil {
		rec.Release()
		return errCopyDone
	}
	select {
	case q.ch <- queuedBatch{rec, size}:
		return nil
	case <-q.stopped.Done():
		q.room.Release(size)
		rec.Release()
		return errCopyDone
	}
}

// get returns the next batch, or false once the queue is closed and empty.
func (q *batchQueue) get() (arrow.RecordBatch, bool) {
	b, ok := <-q.ch
	if !ok {
		return nil, false
	}
	q.room.Release(b.size)
	return b.rec, true
}

// close tells the portal no more batches come.
func (q *batchQueue) close() { close(q.ch) }

// drain releases what the portal left in the closed queue.
func (q *batchQueue) drain() {
	for b := range q.ch {
		b.rec.Release()
	}
}

// batchBytes is the size of a batch's buffers (the columns are flat).
func batchBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, col := range rec.Columns() {
		for _, b := range col.Data().Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
	}
	return n
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
	ab.reserve(nil)
	return ab
}

// arrowColumn returns the Arrow type a column of PostgreSQL type oid
// travels as and how one binary value is appended to its builder.
func arrowColumn(oid uint32) (arrow.DataType, func(array.Builder, []byte) error) {
	t, add := nativeColumn(oid)
	if add == nil {
		return textColumn(oid)
	}
	n := fixedBinaryLen(oid)
	if n == 0 {
		return t, add
	}
	return t, func(b array.Builder, v []byte) error {
		if len(v) != n {
			return binaryFormatError("wrong length %d for type %d", len(v), oid)
		}
		return add(b, v)
	}
}

// nativeColumn is arrowColumn for the types that travel as Arrow values
// (nil for the others); fixed-size values arrive with their length
// checked.
func nativeColumn(oid uint32) (arrow.DataType, func(array.Builder, []byte) error) {
	switch oid {
	case oidBool:
		return arrow.FixedWidthTypes.Boolean, func(b array.Builder, v []byte) error {
			b.(*array.BooleanBuilder).Append(v[0] != 0)
			return nil
		}
	case oidInt2:
		return arrow.PrimitiveTypes.Int16, func(b array.Builder, v []byte) error {
			b.(*array.Int16Builder).Append(int16(binary.BigEndian.Uint16(v)))
			return nil
		}
	case oidInt4:
		return arrow.PrimitiveTypes.Int32, func(b array.Builder, v []byte) error {
			b.(*array.Int32Builder).Append(int32(binary.BigEndian.Uint32(v)))
			return nil
		}
	case oidInt8:
		return arrow.PrimitiveTypes.Int64, func(b array.Builder, v []byte) error {
			b.(*array.Int64Builder).Append(int64(binary.BigEndian.Uint64(v)))
			return nil
		}
	case oidFloat4:
		return arrow.PrimitiveTypes.Float32, func(b array.Builder, v []byte) error {
			b.(*array.Float32Builder).Append(math.Float32frombits(binary.BigEndian.Uint32(v)))
			return nil
		}
	case oidFloat8:
		return arrow.PrimitiveTypes.Float64, func(b array.Builder, v []byte) error {
			b.(*array.Float64Builder).Append(math.Float64frombits(binary.BigEndian.Uint64(v)))
			return nil
		}
	case oidBytea:
		return arrow.BinaryTypes.Binary, func(b array.Builder, v []byte) error {
			b.(*array.BinaryBuilder).Append(v)
			return nil
		}
	case oidDate:
		return arrow.FixedWidthTypes.Date32, func(b array.Builder, v []byte) error {
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
			us, err := duckTimestamp(int64(binary.BigEndian.Uint64(v)))
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(us))
			return err
		}
	}
	return nil, nil
}

// textColumn is arrowColumn for the types that travel as text: text
// types as they come (checked to be UTF-8), every other type as its text
// form, which the router casts.
func textColumn(oid uint32) (arrow.DataType, func(array.Builder, []byte) error) {
	if isTextLike(oid) || oid == 0 {
		return arrow.BinaryTypes.String, func(b array.Builder, v []byte) error {
			if !utf8.Valid(v) {
				return pgerr.New(pgerr.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
			}
			b.(*array.StringBuilder).BinaryBuilder.Append(v)
			return nil
		}
	}
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
	rec := ab.b.NewRecordBatch()
	ab.reserve(rec)
	return ab.emit(rec)
}

// reserve sizes the builders for a batch like last (nil: rows only).
// NewRecordBatch leaves them empty; growing them again by doubling made
// the decoder about 15% slower (BenchmarkCopyInBinaryArrow: 9.2 to 10.1
// ms per 10,000 rows without, 7.3 to 8.6 ms with).
func (ab *arrowBatcher) reserve(last arrow.RecordBatch) {
	for i, bld := range ab.b.Fields() {
		bld.Reserve(sqlrouter.CopyBatchRows)
		vb, ok := bld.(interface{ ReserveData(int) })
		if !ok || last == nil {
			continue
		}
		if col, ok := last.Column(i).(interface{ ValueBytes() []byte }); ok {
			vb.ReserveData(len(col.ValueBytes()))
		}
	}
}

func (ab *arrowBatcher) release() { ab.b.Release() }
