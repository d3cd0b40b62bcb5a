//go:build duckdb_arrow

package duck

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	bindings "github.com/duckdb/duckdb-go-bindings"
)

// Conn is one DuckDB connection: its own transaction and settings over the
// shared database. Not safe for concurrent use, except Interrupt.
type Conn struct {
	db *DB
	c  bindings.Connection

	mu     sync.Mutex // guards closed against Interrupt
	closed bool
}

// Interrupt stops the statement running on the connection, if any; it
// fails with an ErrorInterrupt error.
func (c *Conn) Interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		bindings.Interrupt(c.c)
	}
}

// Close disconnects. Statements and rows of the connection must be closed
// first.
func (c *Conn) Close() {
	c.db.forget(c)
	c.disconnect()
}

func (c *Conn) disconnect() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	bindings.Disconnect(&c.c)
}

// Prepare prepares one statement.
func (c *Conn) Prepare(query string) (*Stmt, error) {
	var ps bindings.PreparedStatement
	if bindings.Prepare(c.c, query, &ps) == bindings.StateError {
		err := errorFromMessage(bindings.PrepareError(ps))
		bindings.DestroyPrepare(&ps)
		return nil, err
	}
	return &Stmt{conn: c, ps: ps}, nil
}

// Exec runs every statement of query in order (args bind to the last) and
// returns the rows changed by the last.
func (c *Conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var ex bindings.ExtractedStatements
	n := bindings.ExtractStatements(c.c, query, &ex)
	defer bindings.DestroyExtracted(&ex)
	if n == 0 {
		if msg := bindings.ExtractStatementsError(ex); msg != "" {
			return 0, errorFromMessage(msg)
		}
		return 0, nil
	}
	var changed int64
	for i := bindings.IdxT(0); i < n; i++ {
		var ps bindings.PreparedStatement
		if bindings.PrepareExtractedStatement(c.c, ex, i, &ps) == bindings.StateError {
			err := errorFromMessage(bindings.PrepareError(ps))
			bindings.DestroyPrepare(&ps)
			return 0, err
		}
		st := &Stmt{conn: c, ps: ps}
		var err error
		if i == n-1 {
			err = st.Bind(args)
		}
		if err == nil {
			changed, err = st.Exec(ctx)
		}
		st.Close()
		if err != nil {
			return 0, err
		}
	}
	return changed, nil
}

// Query prepares and runs one statement and streams its rows.
func (c *Conn) Query(ctx context.Context, query string, args ...any) (*Rows, error) {
	st, err := c.Prepare(query)
	if err != nil {
		return nil, err
	}
	if err := st.Bind(args); err != nil {
		st.Close()
		return nil, err
	}
	rows, err := st.Query(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	rows.closeStmt = st
	return rows, nil
}

// StmtKind is DuckDB's statement type.
type StmtKind int

// Statement kinds.
const (
	StmtInvalid     = StmtKind(bindings.StatementTypeInvalid)
	StmtSelect      = StmtKind(bindings.StatementTypeSelect)
	StmtInsert      = StmtKind(bindings.StatementTypeInsert)
	StmtUpdate      = StmtKind(bindings.StatementTypeUpdate)
	StmtExplain     = StmtKind(bindings.StatementTypeExplain)
	StmtDelete      = StmtKind(bindings.StatementTypeDelete)
	StmtCreate      = StmtKind(bindings.StatementTypeCreate)
	StmtAlter       = StmtKind(bindings.StatementTypeAlter)
	StmtTransaction = StmtKind(bindings.StatementTypeTransaction)
	StmtCopy        = StmtKind(bindings.StatementTypeCopy)
	StmtDrop        = StmtKind(bindings.StatementTypeDrop)
	StmtSet         = StmtKind(bindings.StatementTypeSet)
	StmtMergeInto   = StmtKind(bindings.StatementTypeMergeInto)
)

// Column is a result column of a prepared statement.
type Column struct {
	Name string
	Type Type
}

// Stmt is a prepared statement.
type Stmt struct {
	conn   *Conn
	ps     bindings.PreparedStatement
	closed bool
}

// Kind returns the statement's type.
func (s *Stmt) Kind() StmtKind { return StmtKind(bindings.PreparedStatementType(s.ps)) }

// NumParams returns the number of parameters.
func (s *Stmt) NumParams() int { return int(bindings.NParams(s.ps)) }

// ParamType returns the type of parameter i (1-based); ID is TypeInvalid
// when DuckDB could not infer it.
func (s *Stmt) ParamType(i int) Type {
	lt := bindings.ParamLogicalType(s.ps, bindings.IdxT(i))
	if lt.Ptr == nil {
		return Type{ID: TypeInvalid}
	}
	defer bindings.DestroyLogicalType(&lt)
	return typeFromLogical(lt)
}

// Columns returns the result columns.
func (s *Stmt) Columns() []Column {
	n := bindings.PreparedStatementColumnCount(s.ps)
	cols := make([]Column, n)
	for i := range cols {
		lt := bindings.PreparedStatementColumnLogicalType(s.ps, bindings.IdxT(i))
		cols[i] = Column{Name: bindings.PreparedStatementColumnName(s.ps, bindings.IdxT(i)), Type: typeFromLogical(lt)}
		bindings.DestroyLogicalType(&lt)
	}
	return cols
}

// Bind sets the parameters. Values: nil, bool, integers, float32/64,
// string (cast by DuckDB to the parameter's type), []byte, time.Time,
// *big.Int, [16]byte (uuid), fmt.Stringer.
func (s *Stmt) Bind(args []any) error {
	if bindings.ClearBindings(s.ps) == bindings.StateError {
		return errors.New("duckdb: cannot clear bindings")
	}
	if want := s.NumParams(); len(args) != want {
		return &Error{Type: ErrorInvalidInput, Msg: fmt.Sprintf("Invalid Input Error: statement has %d parameters, %d given", want, len(args))}
	}
	for i, a := range args {
		if err := s.bindOne(bindings.IdxT(i+1), a); err != nil {
			return err
		}
	}
	return nil
}

func (s *Stmt) bindOne(i bindings.IdxT, a any) error {
	var st bindings.State
	switch v := a.(type) {
	case nil:
		st = bindings.BindNull(s.ps, i)
	case bool:
		st = bindings.BindBoolean(s.ps, i, v)
	case int8:
		st = bindings.BindInt8(s.ps, i, v)
	case int16:
		st = bindings.BindInt16(s.ps, i, v)
	case int32:
		st = bindings.BindInt32(s.ps, i, v)
	case int64:
		st = bindings.BindInt64(s.ps, i, v)
	case int:
		st = bindings.BindInt64(s.ps, i, int64(v))
	case uint8:
		st = bindings.BindUInt8(s.ps, i, v)
	case uint16:
		st = bindings.BindUInt16(s.ps, i, v)
	case uint32:
		st = bindings.BindUInt32(s.ps, i, v)
	case uint64:
		st = bindings.BindUInt64(s.ps, i, v)
	case float32:
		st = bindings.BindFloat(s.ps, i, v)
	case float64:
		st = bindings.BindDouble(s.ps, i, v)
	case string:
		st = bindings.BindVarchar(s.ps, i, v)
	case []byte:
		st = bindings.BindBlob(s.ps, i, v)
	case time.Time:
		// DuckDB casts the ISO text to the parameter's temporal type.
		st = bindings.BindVarchar(s.ps, i, v.Format("2006-01-02 15:04:05.999999-07:00"))
	case *big.Int:
		st = bindings.BindVarchar(s.ps, i, v.String())
	case [16]byte:
		st = bindings.BindVarchar(s.ps, i, fmt.Sprintf("%x-%x-%x-%x-%x", v[0:4], v[4:6], v[6:8], v[8:10], v[10:16]))
	case fmt.Stringer:
		st = bindings.BindVarchar(s.ps, i, v.String())
	default:
		return &Error{Type: ErrorInvalidInput, Msg: fmt.Sprintf("Invalid Input Error: cannot bind parameter $%d of Go type %T", i, a)}
	}
	if st == bindings.StateError {
		return &Error{Type: ErrorConversion, Msg: fmt.Sprintf("Conversion Error: cannot bind parameter $%d", i)}
	}
	return nil
}

// Exec runs the bound statement to completion and returns the rows it
// changed (0 for statements that change none).
func (s *Stmt) Exec(ctx context.Context) (int64, error) {
	rows, err := s.execute(ctx, false)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	return rows.RowsChanged(), nil
}

// Query runs the bound statement and streams its result: DuckDB produces
// chunks as Next asks for them, so memory stays bounded for any size.
func (s *Stmt) Query(ctx context.Context) (*Rows, error) {
	return s.execute(ctx, true)
}

func (s *Stmt) execute(ctx context.Context, streaming bool) (*Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var pending bindings.PendingResult
	var st bindings.State
	if streaming {
		st = bindings.PendingPreparedStreaming(s.ps, &pending)
	} else {
		st = bindings.PendingPrepared(s.ps, &pending)
	}
	if st == bindings.StateError {
		err := errorFromMessage(bindings.PendingError(pending))
		bindings.DestroyPending(&pending)
		return nil, err
	}
	stop := context.AfterFunc(ctx, s.conn.Interrupt)
	var res bindings.Result
	st = bindings.ExecutePending(pending, &res)
	bindings.DestroyPending(&pending)
	if st == bindings.StateError {
		stop()
		err := resultError(&res)
		bindings.DestroyResult(&res)
		return nil, interrupted(ctx, err)
	}
	return &Rows{ctx: ctx, stmt: s, res: res, stop: stop}, nil
}

// interrupted reports an interrupt caused by the context as the context's
// error, so callers can tell a cancel from a statement timeout.
func interrupted(ctx context.Context, err *Error) error {
	if err.Type == ErrorInterrupt && ctx.Err() != nil {
		return errors.Join(ctx.Err(), err)
	}
	return err
}

// Close releases the statement.
func (s *Stmt) Close() {
	if s.closed {
		return
	}
	s.closed = true
	bindings.DestroyPrepare(&s.ps)
}
