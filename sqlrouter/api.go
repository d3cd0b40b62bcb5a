package sqlrouter

import (
	"context"
	"io"
	"net"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/duckstore/duckstore/engine/duck"
)

// This file is the contract between the protocol layer (package wire) and
// the router. wire drives a *Session through these types and never sees
// DuckDB: rows arrive as Arrow record batches, described by Fields.

// Startup is what a client asked for when it connected.
type Startup struct {
	User     string
	Database string
	// Params holds every other StartupMessage parameter (application_name,
	// client_encoding, DateStyle, TimeZone, options, ...).
	Params     map[string]string
	RemoteAddr net.Addr
	TLS        bool
}

// SCRAMKey is one SCRAM-SHA-256 verifier (RFC 5802, RFC 7677) a login may
// match. ID names the credential (an API key id or a workspace id) and is
// handed back to Open once the client proved it knows the secret.
type SCRAMKey struct {
	ID        string
	StoredKey [32]byte
	ServerKey [32]byte
}

// SCRAMSecret is what the server needs to run a SCRAM exchange for a user:
// one salt and iteration count shared by every candidate verifier. A user
// that does not exist gets a deterministic fake salt and no keys, so the
// exchange looks the same and fails at the proof.
type SCRAMSecret struct {
	Salt       []byte
	Iterations int
	Keys       []SCRAMKey
}

// Field describes one result column as RowDescription sends it.
type Field struct {
	Name     string
	TableOID uint32
	AttNum   int16
	TypeOID  uint32
	TypeSize int16
	TypeMod  int32
}

// TxStatus is the transaction status a ReadyForQuery reports.
type TxStatus byte

const (
	TxIdle   TxStatus = 'I' // not in a transaction block
	TxActive TxStatus = 'T' // in a transaction block
	TxFailed TxStatus = 'E' // in a failed transaction block; 25P02 until ROLLBACK
)

// FormatSettings are the session settings that change how values are
// written on the wire.
type FormatSettings struct {
	TimeZone         *time.Location // timestamptz output; never nil
	ExtraFloatDigits int            // PostgreSQL's extra_float_digits, -15..3, default 1
	DateStyle        string         // "ISO, MDY" unless the client changed it
	IntervalStyle    string         // "postgres" unless the client changed it
	ByteaOutput      string         // "hex" or "escape"
}

// Param is a run-time parameter reported to the client with ParameterStatus.
type Param struct {
	Name  string
	Value string
}

// Notice is a NoticeResponse to send before the statement's completion.
type Notice struct {
	Severity string // "NOTICE", "WARNING", ...
	Code     string // SQLSTATE
	Message  string
	Detail   string
	Hint     string
}

// Result is how an executed portal completed.
type Result struct {
	// Tag is the CommandComplete tag as PostgreSQL writes it: "SELECT 3",
	// "INSERT 0 1", "UPDATE 2", "COPY 10", "BEGIN", "CREATE TABLE", ...
	Tag string
	// Suspended is true when Execute stopped at maxRows with rows left;
	// wire then sends PortalSuspended instead of CommandComplete.
	Suspended bool
}

// RowSink receives a statement's rows. Rows from..to-1 of rec are to be
// sent; rec is valid only during the call.
type RowSink interface {
	WriteRows(rec arrow.RecordBatch, from, to int) error
}

// CopyFormat is the format of COPY data.
type CopyFormat int

const (
	CopyText CopyFormat = iota
	CopyCSV
	CopyBinary
)

// CopySpec describes a COPY FROM STDIN or COPY TO STDOUT, with the options
// PostgreSQL's COPY takes. Defaults follow PostgreSQL: text uses tab and
// \N, csv uses comma, empty string for NULL, '"' for quote and escape.
type CopySpec struct {
	In         bool // FROM STDIN; false means TO STDOUT
	Format     CopyFormat
	Fields     []Field // the columns copied, in order
	Delimiter  byte
	Null       string
	Quote      byte
	Escape     byte
	Header     bool
	ForceQuote []bool // per column, TO only (FORCE_QUOTE); nil for none
}

// Stmt is a prepared statement: the result of parsing and planning one SQL
// statement. Its parameter and column types are known without running it.
type Stmt interface {
	// SQL returns the statement text as the client sent it.
	SQL() string
	// ParamOIDs returns the PostgreSQL type OID of each $n parameter.
	ParamOIDs() []uint32
	// Fields returns the result columns, or nil when the statement returns
	// no rows (NoData).
	Fields() []Field
	// Bind fixes the parameter values and returns a portal ready to run.
	// Each arg is nil (NULL), a string (text format, to be cast to the
	// parameter's type), or a Go value decoded from binary format: bool,
	// int16, int32, int64, float32, float64, []byte, time.Time,
	// [16]byte (uuid), or a string for numeric.
	Bind(ctx context.Context, args []any) (Portal, error)
	// Close releases the statement.
	Close() error
}

// Portal is a bound statement, possibly partially executed.
type Portal interface {
	// Fields is the same as the statement's.
	Fields() []Field
	// Copy is non-nil for COPY FROM STDIN and COPY TO STDOUT.
	Copy() *CopySpec
	// Execute runs the portal or continues it, passing at most maxRows rows
	// to sink (0 means all). For COPY TO STDOUT it passes every row and
	// wire encodes them as COPY data.
	Execute(ctx context.Context, sink RowSink, maxRows int) (Result, error)
	// CopyIn loads COPY FROM STDIN data. wire converts whatever format the
	// client sends into CSV (RFC 4180: comma, '"' quote and escape, an
	// unquoted empty field is NULL, "" is the empty string, no header)
	// with exactly len(Copy().Fields) fields per record. Binary data goes
	// to CopyInBatches instead when the portal implements BatchCopyIn.
	CopyIn(ctx context.Context, csv io.Reader) (Result, error)
	// Close releases the portal.
	Close() error
}

// CopyBatchRows is the most rows a batch given to CopyInBatches holds:
// one DuckDB data chunk, which the appender takes at a time.
const CopyBatchRows = duck.MaxAppendRows

// BatchCopyIn is implemented by portals that load binary COPY FROM STDIN
// data as Arrow record batches, which wire decodes from the client's
// binary tuples: no text on the way. The schema has one column per field
// of Copy().Fields, in order, of these Arrow types: boolean, int16,
// int32, int64, float32, float64, date32, timestamp[us] (with time zone
// UTC for timestamptz), binary (bytea) and string, which holds the
// column's text form for every other type. next returns the batches, at
// most CopyBatchRows rows each, then io.EOF, or the error that ended the
// COPY on the client's side.
type BatchCopyIn interface {
	CopyInBatches(ctx context.Context, schema *arrow.Schema, next func() (arrow.RecordBatch, error)) (Result, error)
}

// Conn is what wire needs of a session; *Session implements it.
type Conn interface {
	// Prepare parses query. The simple query protocol passes every
	// statement of a message at once and gets them back in order (none for
	// an empty query); the extended protocol's Parse accepts at most one.
	// paramOIDs are the types the client declared (0 = infer).
	Prepare(ctx context.Context, query string, paramOIDs []uint32) ([]Stmt, error)
	// BeginImplicit and EndImplicit bracket the statements of one simple
	// Query message, which PostgreSQL runs as one implicit transaction.
	BeginImplicit(ctx context.Context, n int) error
	EndImplicit(ctx context.Context, failed bool) error
	// Sync is called at an extended-protocol Sync; it ends an implicit
	// transaction the extended protocol started.
	Sync(ctx context.Context) error
	TxStatus() TxStatus
	// Params are the run-time parameters to report at startup.
	Params() []Param
	// ChangedParams returns (and forgets) parameters changed since the last
	// call, for ParameterStatus messages.
	ChangedParams() []Param
	// Notices returns (and forgets) notices raised since the last call.
	Notices() []Notice
	Format() FormatSettings
	// StatementTimeout is the session's statement_timeout; 0 means none.
	StatementTimeout() time.Duration
	// CursorFields returns the result columns of the SQL cursor name
	// (DECLARE): PostgreSQL keeps cursors and protocol portals in one
	// namespace, so Describe of a portal finds a cursor too (psycopg 3
	// describes its server-side cursors that way). ok is false when there
	// is no such cursor.
	CursorFields(name string) (fields []Field, ok bool)
	Close() error
}
