//go:build duckdb_arrow

package duck

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	bindings "github.com/duckdb/duckdb-go-bindings"
)

// Rows is a running statement's result, read one DuckDB chunk (up to 2048
// rows) at a time as an Arrow record batch.
type Rows struct {
	ctx       context.Context
	stmt      *Stmt
	closeStmt *Stmt // set when Rows owns its statement (Conn.Query)
	res       bindings.Result
	stop      func() bool

	opts    bindings.ArrowOptions
	schema  *arrow.Schema
	cols    []Column
	current arrow.RecordBatch
	err     error
	done    bool
	closed  bool
}

// Columns returns the result's columns.
func (r *Rows) Columns() []Column {
	if r.cols == nil {
		n := bindings.ColumnCount(&r.res)
		r.cols = make([]Column, n)
		for i := range r.cols {
			lt := bindings.ColumnLogicalType(&r.res, bindings.IdxT(i))
			r.cols[i] = Column{Name: bindings.ColumnName(&r.res, bindings.IdxT(i)), Type: typeFromLogical(lt)}
			bindings.DestroyLogicalType(&lt)
		}
	}
	return r.cols
}

// RowsChanged returns the number of rows an INSERT, UPDATE or DELETE
// changed.
func (r *Rows) RowsChanged() int64 { return int64(bindings.RowsChanged(&r.res)) }

// Schema returns the Arrow schema of the batches.
func (r *Rows) Schema() (*arrow.Schema, error) {
	if r.schema != nil {
		return r.schema, nil
	}
	r.opts = bindings.ResultGetArrowOptions(&r.res)
	n := bindings.ColumnCount(&r.res)
	types := make([]bindings.LogicalType, n)
	names := make([]string, n)
	for i := range types {
		types[i] = bindings.ColumnLogicalType(&r.res, bindings.IdxT(i))
		names[i] = bindings.ColumnName(&r.res, bindings.IdxT(i))
	}
	schema, ed := bindings.NewArrowSchema(r.opts, types, names)
	for i := range types {
		bindings.DestroyLogicalType(&types[i])
	}
	if err := errorData(ed); err != nil {
		return nil, err
	}
	r.schema = schema
	return schema, nil
}

// Next fetches the next batch. It returns false at the end or on error
// (see Err).
func (r *Rows) Next() bool {
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
	if r.done || r.err != nil || r.closed {
		return false
	}
	schema, err := r.Schema()
	if err != nil {
		r.err = err
		return false
	}
	chunk := bindings.FetchChunk(r.res)
	if chunk.Ptr == nil {
		r.done = true
		if msg := bindings.ResultError(&r.res); msg != "" {
			r.err = interrupted(r.ctx, &Error{Type: ErrorType(bindings.ResultErrorType(&r.res)), Msg: msg})
		}
		return false
	}
	defer bindings.DestroyDataChunk(&chunk)
	if bindings.DataChunkGetSize(chunk) == 0 {
		r.done = true
		return false
	}
	rec, ed := bindings.DataChunkToArrowArray(r.opts, schema, chunk)
	if err := errorData(ed); err != nil {
		r.err = err
		return false
	}
	r.current = rec
	return true
}

// Record returns the current batch, valid until the next call to Next or
// Close.
func (r *Rows) Record() arrow.RecordBatch { return r.current }

// Err returns the error that ended iteration, if any.
func (r *Rows) Err() error { return r.err }

// Close releases the result (and the statement, when Rows owns it).
func (r *Rows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
	if r.schema != nil {
		bindings.DestroyArrowOptions(&r.opts)
	}
	bindings.DestroyResult(&r.res)
	r.stop()
	if r.closeStmt != nil {
		r.closeStmt.Close()
	}
}
