//go:build duckdb_arrow

package duck

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	bindings "github.com/duckdb/duckdb-go-bindings"
)

// MaxAppendRows is the most rows one batch given to Appender.Append may
// hold: one DuckDB data chunk.
const MaxAppendRows = 2048

// Appender feeds Arrow record batches to a query that reads them as a
// table (DuckDB's query appender): the query runs over the rows appended
// so far whenever DuckDB flushes them, and once more at Close, on the
// connection and so inside its open transaction. Values arrive in
// DuckDB's vectors without any text in between.
type Appender struct {
	c      *Conn
	app    bindings.Appender
	schema bindings.ArrowConvertedSchema
	closed bool
}

// NewAppender readies query, which reads the appended rows as table
// `table` with the schema's columns. The schema's types must be among
// those appendType knows.
func (c *Conn) NewAppender(query, table string, schema *arrow.Schema) (*Appender, error) {
	types := make([]bindings.LogicalType, schema.NumFields())
	names := make([]string, schema.NumFields())
	defer func() {
		for i := range types {
			bindings.DestroyLogicalType(&types[i])
		}
	}()
	for i, f := range schema.Fields() {
		t, ok := appendType(f.Type)
		if !ok {
			return nil, &Error{Type: ErrorNotImplemented, Msg: fmt.Sprintf("no appender type for Arrow %s", f.Type)}
		}
		types[i] = bindings.CreateLogicalType(t)
		names[i] = f.Name
	}
	a := &Appender{c: c}
	if bindings.AppenderCreateQuery(c.c, query, types, table, names, &a.app) == bindings.StateError {
		err := errorData(bindings.AppenderErrorData(a.app))
		bindings.AppenderDestroy(&a.app)
		if err == nil {
			err = &Error{Type: ErrorInvalid, Msg: "cannot create the appender"}
		}
		return nil, err
	}
	var ed bindings.ErrorData
	a.schema, ed = bindings.SchemaFromArrow(c.c, schema)
	if err := errorData(ed); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// appendType is the DuckDB type an Arrow column of type t arrives as.
func appendType(t arrow.DataType) (bindings.Type, bool) {
	switch t := t.(type) {
	case *arrow.BooleanType:
		return bindings.TypeBoolean, true
	case *arrow.Int16Type:
		return bindings.TypeSmallInt, true
	case *arrow.Int32Type:
		return bindings.TypeInteger, true
	case *arrow.Int64Type:
		return bindings.TypeBigInt, true
	case *arrow.Float32Type:
		return bindings.TypeFloat, true
	case *arrow.Float64Type:
		return bindings.TypeDouble, true
	case *arrow.StringType:
		return bindings.TypeVarchar, true
	case *arrow.BinaryType:
		return bindings.TypeBlob, true
	case *arrow.Date32Type:
		return bindings.TypeDate, true
	case *arrow.TimestampType:
		if t.Unit != arrow.Microsecond {
			return 0, false
		}
		if t.TimeZone != "" {
			return bindings.TypeTimestampTZ, true
		}
		return bindings.TypeTimestamp, true
	}
	return 0, false
}

// Append adds a batch of at most MaxAppendRows rows.
func (a *Appender) Append(rec arrow.RecordBatch) error {
	if rec.NumRows() > MaxAppendRows {
		return &Error{Type: ErrorInvalid, Msg: fmt.Sprintf("an appended batch holds %d rows, at most %d", rec.NumRows(), MaxAppendRows)}
	}
	chunk, ed := bindings.DataChunkFromArrow(a.c.c, rec, a.schema)
	if err := errorData(ed); err != nil {
		return err
	}
	defer bindings.DestroyDataChunk(&chunk)
	if bindings.AppendDataChunk(a.app, chunk) == bindings.StateError {
		return a.err()
	}
	return nil
}

// Close runs the query over the rows not flushed yet and releases the
// appender; it reports the query's error, if any.
func (a *Appender) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	var err error
	if a.app.Ptr != nil && bindings.AppenderClose(a.app) == bindings.StateError {
		err = a.err()
	}
	bindings.AppenderDestroy(&a.app)
	bindings.DestroyArrowConvertedSchema(&a.schema)
	return err
}

// Abandon drops the rows not flushed yet and releases the appender; the
// caller rolls back what was flushed.
func (a *Appender) Abandon() {
	if a.closed {
		return
	}
	a.closed = true
	bindings.AppenderClear(a.app)
	bindings.AppenderDestroy(&a.app)
	bindings.DestroyArrowConvertedSchema(&a.schema)
}

func (a *Appender) err() error {
	if err := errorData(bindings.AppenderErrorData(a.app)); err != nil {
		return err
	}
	return &Error{Type: ErrorInvalid, Msg: "append failed"}
}
