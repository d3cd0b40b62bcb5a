package wire

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// batchesOf runs binary COPY data through the Arrow path and returns the
// emitted batches' values as text, one string per row.
func batchesOf(t *testing.T, fields []sqlrouter.Field, data []byte) ([]string, []int64, error) {
	t.Helper()
	ab := newArrowBatcher(fields)
	defer ab.release()
	var rows []string
	var sizes []int64
	ab.emit = func(rec arrow.RecordBatch) error {
		defer rec.Release()
		sizes = append(sizes, rec.NumRows())
		for r := 0; r < int(rec.NumRows()); r++ {
			var f []string
			for _, col := range rec.Columns() {
				f = append(f, col.ValueStr(r))
			}
			rows = append(rows, strings.Join(f, "|"))
		}
		return nil
	}
	conv := &binaryCopyIn{spec: &sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyBinary, Fields: fields}, maxRow: 1 << 20, batches: ab}
	err := conv.write(data)
	if err == nil {
		err = conv.finish()
	}
	return rows, sizes, err
}

func TestBinaryCopyToArrow(t *testing.T) {
	numeric150 := []byte{0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x13, 0x88} // 1.50
	fields := []sqlrouter.Field{{Name: "a", TypeOID: oidInt4}, {Name: "b", TypeOID: oidText},
		{Name: "d", TypeOID: oidDate}, {Name: "ts", TypeOID: oidTimestamptz}, {Name: "n", TypeOID: oidNumeric}}
	var tuples [][]byte
	for i := 0; i < sqlrouter.CopyBatchRows+3; i++ {
		tuples = append(tuples, tuple(be32(int32(i)), []byte("x"), be32(int32(i)), be64(int64(i)*1_000_000), numeric150))
	}
	tuples = append(tuples, tuple(nil, []byte{}, be32(math.MaxInt32), be64(math.MinInt64), nil))
	rows, sizes, err := batchesOf(t, fields, binaryCopy(tuples...))
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 2 || sizes[0] != sqlrouter.CopyBatchRows || sizes[1] != 4 {
		t.Errorf("batch sizes %v, want [%d 4]", sizes, sqlrouter.CopyBatchRows)
	}
	// PostgreSQL's epoch is 2000-01-01; infinities keep DuckDB's markers.
	for i, want := range map[int]string{
		0: "0|x|2000-01-01|2000-01-01T00:00:00Z|1.50",
		1: "1|x|2000-01-02|2000-01-01T00:00:01Z|1.50",
		// DuckDB's infinity is MaxInt32 days, its -infinity -MaxInt64 µs.
		sqlrouter.CopyBatchRows + 3: "(null)||5881580-07-11|-290308-12-21T19:59:05.224193Z|(null)",
	} {
		if rows[i] != want {
			t.Errorf("row %d = %q, want %q", i, rows[i], want)
		}
	}
	for _, tc := range []struct {
		name   string
		fields []sqlrouter.Field
		tuple  []byte
		code   pgerr.Code
	}{
		{"bad UTF-8", []sqlrouter.Field{{Name: "b", TypeOID: oidText}}, tuple([]byte{0xff, 0xfe}), pgerr.CharacterNotInRepertoire},
		{"int4 of 2 bytes", []sqlrouter.Field{{Name: "a", TypeOID: oidInt4}}, tuple([]byte{1, 2}), pgerr.InvalidBinaryRepresentation},
		{"timestamp of 4 bytes", []sqlrouter.Field{{Name: "ts", TypeOID: oidTimestamptz}}, tuple(be32(1)), pgerr.InvalidBinaryRepresentation},
		{"date past DuckDB's range", []sqlrouter.Field{{Name: "d", TypeOID: oidDate}}, tuple(be32(math.MaxInt32 - 1)), pgerr.DatetimeFieldOverflow},
	} {
		_, _, err := batchesOf(t, tc.fields, binaryCopy(tc.tuple))
		if pgerr.CodeOf(err) != tc.code || !strings.Contains(err.Error(), "incorrect binary data format") {
			t.Errorf("%s: %v (%s), want %s", tc.name, err, pgerr.CodeOf(err), tc.code)
		}
	}
}

func TestBatchQueue(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	batch := func(rows int) arrow.RecordBatch { // 8 bytes a row and the validity bitmap
		b := array.NewInt64Builder(alloc)
		defer b.Release()
		for i := range rows {
			b.Append(int64(i))
		}
		col := b.NewArray()
		defer col.Release()
		return array.NewRecordBatch(schema, []arrow.Array{col}, int64(rows))
	}
	hundred := batch(100)
	got := batchBytes(hundred)
	hundred.Release()
	if got != 800+16 {
		t.Fatalf("batchBytes of 100 int64 = %d, want 816", got)
	}
	put := func(q *batchQueue, rec arrow.RecordBatch) <-chan error {
		ch := make(chan error, 1)
		go func() { ch <- q.put(rec) }()
		return ch
	}
	blocked := func(ch <-chan error) bool {
		select {
		case err := <-ch:
			t.Errorf("put returned %v while the queue was full", err)
			return false
		case <-time.After(50 * time.Millisecond):
			return true
		}
	}

	// 2000 bytes of room: two batches of 816 fit, the third waits until
	// the portal takes one.
	q := newBatchQueue(2000, 16)
	for range 2 {
		if err := q.put(batch(100)); err != nil {
			t.Fatal(err)
		}
	}
	third := put(q, batch(100))
	if blocked(third) {
		rec, ok := q.get()
		if !ok || rec.NumRows() != 100 {
			t.Fatalf("get = %v, %v", rec, ok)
		}
		rec.Release()
		if err := <-third; err != nil {
			t.Fatal(err)
		}
	}
	// A batch larger than the room still goes, alone, once the queue is
	// empty.
	big := put(q, batch(1000))
	if blocked(big) {
		for range 2 {
			rec, _ := q.get()
			rec.Release()
		}
		if err := <-big; err != nil {
			t.Fatal(err)
		}
	}
	// The portal stops reading while the decoder waits for room: the put
	// ends with errCopyDone and releases its batch; drain releases the rest.
	waiting := put(q, batch(100))
	if blocked(waiting) {
		q.stop()
		if err := <-waiting; err != errCopyDone {
			t.Errorf("put after stop = %v, want errCopyDone", err)
		}
	}
	if err := q.put(batch(1)); err != errCopyDone {
		t.Errorf("put after stop = %v, want errCopyDone", err)
	}
	q.close()
	q.drain()

	// The decoder closes the queue: get drains it, then reports the end.
	q = newBatchQueue(1<<20, 16)
	q.put(batch(3))
	q.close()
	if rec, ok := q.get(); !ok || rec.NumRows() != 3 {
		t.Errorf("first get = %v, %v", rec, ok)
	} else {
		rec.Release()
	}
	if _, ok := q.get(); ok {
		t.Error("get after the last batch returned one")
	}
	q.stop()
}
