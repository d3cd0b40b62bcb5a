package wire

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// A test Backend whose sessions serve a handful of canned statements with
// real Arrow batches, behaving as PostgreSQL does for them: enough for the
// protocol scripts in testdata/pgtest and the protocol tests.

const (
	fakeUser     = "alice"
	fakePassword = "s3cret"
)

type fakeBackend struct {
	secret sqlrouter.SCRAMSecret

	mu     sync.Mutex
	opened int
	conns  []*fakeConn
	custom map[string]fakeResult // extra statements by normalized SQL
}

// fakeResult is a canned SELECT: its columns and rows.
type fakeResult struct {
	fields  []sqlrouter.Field
	batches []arrow.RecordBatch
}

func scramKey(id, password string, salt []byte, iter int) sqlrouter.SCRAMKey {
	salted, _ := pbkdf2.Key(sha256.New, password, salt, iter, 32)
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	k := sqlrouter.SCRAMKey{ID: id}
	k.StoredKey = sha256.Sum256(mac(salted, "Client Key"))
	copy(k.ServerKey[:], mac(salted, "Server Key"))
	return k
}

// fakeSecret is computed once: PBKDF2 with 4096 rounds is slow enough to
// dominate a fuzzing run.
var fakeSecret = sync.OnceValue(func() sqlrouter.SCRAMSecret {
	salt := []byte("fake-salt-123456")
	return sqlrouter.SCRAMSecret{Salt: salt, Iterations: 4096, Keys: []sqlrouter.SCRAMKey{
		// Two credentials of one user: the login must find the second.
		scramKey("other-key", "not-the-password", salt, 4096),
		scramKey("key-1", fakePassword, salt, 4096),
	}}
})

func newFakeBackend() *fakeBackend {
	return &fakeBackend{secret: fakeSecret(), custom: make(map[string]fakeResult)}
}

func (b *fakeBackend) SCRAM(ctx context.Context, st sqlrouter.Startup) (sqlrouter.SCRAMSecret, error) {
	if st.User != fakeUser {
		return sqlrouter.SCRAMSecret{Salt: []byte("deterministic-fake"), Iterations: 4096}, nil
	}
	return b.secret, nil
}

func authFailed(user string) error {
	return &pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.InvalidPassword,
		Message: fmt.Sprintf("password authentication failed for user %q", user)}
}

func (b *fakeBackend) CheckPassword(ctx context.Context, st sqlrouter.Startup, password string) (string, error) {
	if st.User != fakeUser || password != fakePassword {
		return "", authFailed(st.User)
	}
	return "key-1", nil
}

func (b *fakeBackend) Open(ctx context.Context, st sqlrouter.Startup, credentialID string) (sqlrouter.Conn, error) {
	if credentialID != "key-1" {
		return nil, fmt.Errorf("unexpected credential %q", credentialID)
	}
	c := &fakeConn{be: b, st: st, tx: sqlrouter.TxIdle, tables: map[string][]fakeRow{}}
	c.fs = sqlrouter.FormatSettings{TimeZone: time.UTC, ExtraFloatDigits: 1, DateStyle: "ISO, MDY",
		IntervalStyle: "postgres", ByteaOutput: "hex"}
	b.mu.Lock()
	b.opened++
	b.conns = append(b.conns, c)
	b.mu.Unlock()
	return c, nil
}

func (b *fakeBackend) openConns() []*fakeConn {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*fakeConn(nil), b.conns...)
}

type fakeRow struct {
	a int32
	b *string
}

// fakeConn is a session. Its transaction model follows PostgreSQL: an
// explicit block (BEGIN) becomes failed at an error; implicit transactions
// (a simple Query, or extended messages up to Sync) just end.
type fakeConn struct {
	be      *fakeBackend
	st      sqlrouter.Startup
	mu      sync.Mutex
	tx      sqlrouter.TxStatus
	tables  map[string][]fakeRow
	changed []sqlrouter.Param
	notices []sqlrouter.Notice
	timeout time.Duration
	fs      sqlrouter.FormatSettings
	closed  bool
	syncs   int
}

func normalize(sql string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.TrimSpace(sql)), " "))
}

// splitStatements splits on semicolons; the canned SQL has none in strings.
func splitStatements(q string) []string {
	var out []string
	for _, s := range strings.Split(q, ";") {
		if strings.TrimSpace(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

func isExit(sql string) bool {
	n := normalize(sql)
	return n == "commit" || n == "rollback" || n == "end" || n == "abort"
}

var errAborted = pgerr.New(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")

func (c *fakeConn) Prepare(ctx context.Context, query string, paramOIDs []uint32) ([]sqlrouter.Stmt, error) {
	parts := splitStatements(query)
	var out []sqlrouter.Stmt
	for _, p := range parts {
		if c.TxStatus() == sqlrouter.TxFailed && !isExit(p) && len(parts) == 1 {
			return nil, errAborted
		}
		s, err := c.prepareOne(p, paramOIDs)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

var (
	reSeries   = regexp.MustCompile(`^select generate_series\(1, (\d+)\)$`)
	reIntLit   = regexp.MustCompile(`^select '?(-?\d+)'? ?::int4$`)
	reParam    = regexp.MustCompile(`^select echo\(\$1::([a-z0-9_\[\]]+)\)$`)
	reTimeout  = regexp.MustCompile(`^set statement_timeout = (\d+)$`)
	reTimeZone = regexp.MustCompile(`(?i)^set timezone = '([^']+)'$`)
	reSleep    = regexp.MustCompile(`^select pg_sleep\(([\d.]+)\)$`)
	reCopyIn   = regexp.MustCompile(`^copy copy_t from stdin( with \(format (csv|binary)(, header true)?\))?$|^copy "copy_t" \( "a", "b" \) from stdin (binary)$`)
	reCopyOut  = regexp.MustCompile(`^copy copy_t to stdout( with \(format (csv|binary)(, header true)?\))?$`)
)

func int4Field(name string) sqlrouter.Field {
	return sqlrouter.Field{Name: name, TypeOID: oidInt4, TypeSize: 4, TypeMod: -1}
}

func (c *fakeConn) prepareOne(sql string, paramOIDs []uint32) (*fakeStmt, error) {
	n := normalize(sql)
	s := &fakeStmt{c: c, sql: sql, norm: n, kind: "select"}
	if r, ok := c.be.lookupCustom(n); ok {
		s.fields = r.fields
		return s, nil
	}
	switch {
	case n == "select 1" || n == "select 1/0":
		s.fields = []sqlrouter.Field{int4Field("?column?")}
	case reSeries.MatchString(n):
		s.fields = []sqlrouter.Field{int4Field("generate_series")}
	case n == "select count(*) from generate_series(1, 100000) a, generate_series(1, 100000) b":
		s.fields = []sqlrouter.Field{{Name: "count", TypeOID: oidInt8, TypeSize: 8, TypeMod: -1}}
	case reSleep.MatchString(n):
		s.fields = []sqlrouter.Field{{Name: "pg_sleep", TypeOID: 2278, TypeSize: 4, TypeMod: -1}}
	case n == "select $1::int4":
		s.params = []uint32{oidInt4}
		s.fields = []sqlrouter.Field{int4Field("int4")}
	case reIntLit.MatchString(n):
		s.fields = []sqlrouter.Field{int4Field("int4")}
	case reParam.MatchString(n):
		s.params = []uint32{typeOIDs[reParam.FindStringSubmatch(n)[1]]}
		if len(paramOIDs) > 0 && paramOIDs[0] != 0 {
			s.params[0] = paramOIDs[0]
		}
		s.fields = []sqlrouter.Field{{Name: "echo", TypeOID: oidText, TypeSize: -1, TypeMod: -1}}
	case n == "select a, b from copy_t order by a" || n == `select "a", "b" from "copy_t"`:
		s.fields = []sqlrouter.Field{int4Field("a"), {Name: "b", TypeOID: oidText, TypeSize: -1, TypeMod: -1}}
	case reCopyIn.MatchString(n), reCopyOut.MatchString(n):
		s.kind = "copy"
		s.copy = copySpecFor(n)
	case n == "begin" || n == "commit" || n == "rollback" || reTimeout.MatchString(n) || reTimeZone.MatchString(n) ||
		n == "create temp table copy_t (a int, b text)" || n == "delete from copy_t where a > 4":
		s.kind = "utility"
	default:
		word, _, _ := strings.Cut(sql, " ")
		return nil, pgerr.New(pgerr.SyntaxError, "syntax error at or near %q", word).WithPosition(1).WithDetail("%s", n)
	}
	return s, nil
}

var typeOIDs = map[string]uint32{"int2": oidInt2, "int4": oidInt4, "int8": oidInt8, "text": oidText,
	"numeric": oidNumeric, "timestamp": oidTimestamp, "timestamptz": oidTimestamptz, "bytea": oidBytea,
	"bool": oidBool, "float4": oidFloat4, "float8": oidFloat8, "uuid": oidUUID, "date": oidDate,
	"interval": oidInterval, "time": oidTime, "jsonb": oidJSONB, "int4[]": 1007, "text[]": 1009,
	"unknown": 0, "varbit": oidVarbit, "timetz": oidTimetz}

func copySpecFor(n string) *sqlrouter.CopySpec {
	m := reCopyIn.FindStringSubmatch(n)
	in := m != nil
	if !in {
		m = reCopyOut.FindStringSubmatch(n)
	}
	spec := &sqlrouter.CopySpec{In: in, Fields: []sqlrouter.Field{int4Field("a"),
		{Name: "b", TypeOID: oidText, TypeSize: -1, TypeMod: -1}}}
	if len(m) > 4 && m[4] == "binary" {
		m[2] = "binary"
	}
	switch m[2] {
	case "csv":
		spec.Format = sqlrouter.CopyCSV
	case "binary":
		spec.Format = sqlrouter.CopyBinary
	}
	spec.Header = m[3] != ""
	return spec
}

func (b *fakeBackend) lookupCustom(n string) (fakeResult, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.custom[n]
	return r, ok
}

func (c *fakeConn) BeginImplicit(ctx context.Context, n int) error     { return nil }
func (c *fakeConn) EndImplicit(ctx context.Context, failed bool) error { return nil }
func (c *fakeConn) Sync(ctx context.Context) error                     { c.syncs++; return nil }
func (c *fakeConn) Params() []sqlrouter.Param {
	return []sqlrouter.Param{{Name: "server_version", Value: "15.8 (duckstore)"}}
}
func (c *fakeConn) Format() sqlrouter.FormatSettings { return c.fs }

func (c *fakeConn) CursorFields(string) ([]sqlrouter.Field, bool) { return nil, false }
func (c *fakeConn) StatementTimeout() time.Duration               { return c.timeout }
func (c *fakeConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}
func (c *fakeConn) TxStatus() sqlrouter.TxStatus     { c.mu.Lock(); defer c.mu.Unlock(); return c.tx }
func (c *fakeConn) setTx(s sqlrouter.TxStatus)       { c.mu.Lock(); c.tx = s; c.mu.Unlock() }
func (c *fakeConn) ChangedParams() []sqlrouter.Param { p := c.changed; c.changed = nil; return p }
func (c *fakeConn) Notices() []sqlrouter.Notice      { n := c.notices; c.notices = nil; return n }
func (c *fakeConn) notice(code pgerr.Code, msg string) {
	c.notices = append(c.notices, sqlrouter.Notice{Severity: "WARNING", Code: string(code), Message: msg})
}

// fail marks an explicit transaction block failed, as any error does.
func (c *fakeConn) fail(err error) error {
	if c.TxStatus() == sqlrouter.TxActive {
		c.setTx(sqlrouter.TxFailed)
	}
	return err
}

type fakeStmt struct {
	c      *fakeConn
	sql    string
	norm   string
	kind   string // select, copy, utility
	params []uint32
	fields []sqlrouter.Field
	copy   *sqlrouter.CopySpec
}

func (s *fakeStmt) SQL() string               { return s.sql }
func (s *fakeStmt) ParamOIDs() []uint32       { return s.params }
func (s *fakeStmt) Fields() []sqlrouter.Field { return s.fields }
func (s *fakeStmt) Close() error              { return nil }

func (s *fakeStmt) Bind(ctx context.Context, args []any) (sqlrouter.Portal, error) {
	if s.c.TxStatus() == sqlrouter.TxFailed && !isExit(s.sql) {
		return nil, errAborted
	}
	if len(args) != len(s.params) {
		return nil, fmt.Errorf("got %d args for %d params", len(args), len(s.params))
	}
	if s.norm == "select 1/0" {
		// PostgreSQL folds the constant while planning, before any row.
		return nil, s.c.fail(pgerr.New(pgerr.DivisionByZero, "division by zero"))
	}
	return &fakePortal{s: s, args: args}, nil
}

type fakePortal struct {
	s       *fakeStmt
	args    []any
	started bool
	batches []arrow.RecordBatch
	bi, ri  int // next row: batch and row within it
	tag     string
}

func (p *fakePortal) Fields() []sqlrouter.Field { return p.s.fields }
func (p *fakePortal) Copy() *sqlrouter.CopySpec { return p.s.copy }
func (p *fakePortal) Close() error              { return nil }

func (p *fakePortal) Execute(ctx context.Context, sink sqlrouter.RowSink, maxRows int) (sqlrouter.Result, error) {
	if !p.started {
		p.started = true
		var err error
		if p.batches, p.tag, err = p.s.run(ctx, p.args); err != nil {
			return sqlrouter.Result{}, p.s.c.fail(err)
		}
	}
	sent := 0
	for p.bi < len(p.batches) {
		b := p.batches[p.bi]
		n := int(b.NumRows()) - p.ri
		if maxRows > 0 && sent+n > maxRows {
			n = maxRows - sent
		}
		if n > 0 {
			if err := sink.WriteRows(b, p.ri, p.ri+n); err != nil {
				return sqlrouter.Result{}, p.s.c.fail(err)
			}
		}
		sent += n
		p.ri += n
		if p.ri == int(b.NumRows()) {
			p.bi, p.ri = p.bi+1, 0
		}
		if maxRows > 0 && sent == maxRows {
			break
		}
	}
	for p.bi < len(p.batches) && p.ri == int(p.batches[p.bi].NumRows()) {
		p.bi++
	}
	if p.bi < len(p.batches) {
		return sqlrouter.Result{Suspended: true}, nil
	}
	if p.s.kind == "select" {
		return sqlrouter.Result{Tag: "SELECT " + strconv.Itoa(sent)}, nil
	}
	if p.s.kind == "copy" {
		return sqlrouter.Result{Tag: "COPY " + strconv.Itoa(sent)}, nil
	}
	return sqlrouter.Result{Tag: p.tag}, nil
}

var alloc = memory.NewGoAllocator()

func int32Batch(name string, vals ...int32) arrow.RecordBatch {
	b := array.NewInt32Builder(alloc)
	b.AppendValues(vals, nil)
	arr := b.NewArray()
	schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{arr}, int64(len(vals)))
}

func (s *fakeStmt) run(ctx context.Context, args []any) ([]arrow.RecordBatch, string, error) {
	c := s.c
	n := s.norm
	if r, ok := c.be.lookupCustom(n); ok {
		return r.batches, "", nil
	}
	switch {
	case n == "select 1":
		return []arrow.RecordBatch{int32Batch("?column?", 1)}, "", nil
	case reSeries.MatchString(n):
		total, _ := strconv.Atoi(reSeries.FindStringSubmatch(n)[1])
		var out []arrow.RecordBatch
		for i := 1; i <= total; i += 2 {
			vals := []int32{int32(i)}
			if i+1 <= total {
				vals = append(vals, int32(i+1))
			}
			out = append(out, int32Batch("generate_series", vals...))
		}
		return out, "", nil
	case strings.HasPrefix(n, "select count(*)"):
		<-ctx.Done()
		return nil, "", ctx.Err()
	case reSleep.MatchString(n):
		secs, _ := strconv.ParseFloat(reSleep.FindStringSubmatch(n)[1], 64)
		select {
		case <-ctx.Done():
			return nil, "", ctx.Err()
		case <-time.After(time.Duration(secs * float64(time.Second))):
		}
		b := array.NewNullBuilder(alloc)
		b.AppendNull()
		schema := arrow.NewSchema([]arrow.Field{{Name: "pg_sleep", Type: arrow.Null, Nullable: true}}, nil)
		return []arrow.RecordBatch{array.NewRecordBatch(schema, []arrow.Array{b.NewArray()}, 1)}, "", nil
	case reIntLit.MatchString(n):
		v, _ := strconv.Atoi(reIntLit.FindStringSubmatch(n)[1])
		return []arrow.RecordBatch{int32Batch("int4", int32(v))}, "", nil
	case n == "select $1::int4":
		var v int32
		switch a := args[0].(type) {
		case int32:
			v = a
		case string:
			i, err := strconv.ParseInt(a, 10, 32)
			if err != nil {
				return nil, "", pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type integer: %q", a)
			}
			v = int32(i)
		default:
			return nil, "", fmt.Errorf("unexpected %T", a)
		}
		return []arrow.RecordBatch{int32Batch("int4", v)}, "", nil
	case reParam.MatchString(n):
		return []arrow.RecordBatch{stringBatch("echo", fmt.Sprintf("%T:%v", args[0], args[0]))}, "", nil
	case n == "select a, b from copy_t order by a" || n == `select "a", "b" from "copy_t"`:
		return []arrow.RecordBatch{c.tableBatch()}, "", nil
	case s.kind == "copy" && !s.copy.In:
		return []arrow.RecordBatch{c.tableBatch()}, "", nil
	}
	return c.utility(s.sql, n)
}

func stringBatch(name string, vals ...string) arrow.RecordBatch {
	b := array.NewStringBuilder(alloc)
	b.AppendValues(vals, nil)
	schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{b.NewArray()}, int64(len(vals)))
}

func (c *fakeConn) tableBatch() arrow.RecordBatch {
	rows := c.tables["copy_t"]
	ab := array.NewInt32Builder(alloc)
	bb := array.NewStringBuilder(alloc)
	for _, r := range rows {
		ab.Append(r.a)
		if r.b == nil {
			bb.AppendNull()
		} else {
			bb.Append(*r.b)
		}
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{ab.NewArray(), bb.NewArray()}, int64(len(rows)))
}

func (c *fakeConn) utility(sql, n string) ([]arrow.RecordBatch, string, error) {
	switch {
	case n == "begin":
		if c.TxStatus() != sqlrouter.TxIdle {
			c.notice(pgerr.ActiveSQLTransaction, "there is already a transaction in progress")
		}
		c.setTx(sqlrouter.TxActive)
		return nil, "BEGIN", nil
	case n == "commit":
		tag := "COMMIT"
		switch c.TxStatus() {
		case sqlrouter.TxFailed:
			tag = "ROLLBACK"
		case sqlrouter.TxIdle:
			c.notice(pgerr.NoActiveSQLTransaction, "there is no transaction in progress")
		}
		c.setTx(sqlrouter.TxIdle)
		return nil, tag, nil
	case n == "rollback":
		if c.TxStatus() == sqlrouter.TxIdle {
			c.notice(pgerr.NoActiveSQLTransaction, "there is no transaction in progress")
		}
		c.setTx(sqlrouter.TxIdle)
		return nil, "ROLLBACK", nil
	case reTimeout.MatchString(n):
		ms, _ := strconv.Atoi(reTimeout.FindStringSubmatch(n)[1])
		c.timeout = time.Duration(ms) * time.Millisecond
		return nil, "SET", nil
	case reTimeZone.MatchString(n):
		name := reTimeZone.FindStringSubmatch(strings.Join(strings.Fields(sql), " "))[1]
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"TimeZone\": %q", name)
		}
		c.fs.TimeZone = loc
		c.changed = append(c.changed, sqlrouter.Param{Name: "TimeZone", Value: loc.String()})
		return nil, "SET", nil
	case strings.HasPrefix(n, "create temp table"):
		c.tables["copy_t"] = nil
		return nil, "CREATE TABLE", nil
	case strings.HasPrefix(n, "delete from copy_t"):
		var keep []fakeRow
		for _, r := range c.tables["copy_t"] {
			if r.a <= 4 {
				keep = append(keep, r)
			}
		}
		deleted := len(c.tables["copy_t"]) - len(keep)
		c.tables["copy_t"] = keep
		return nil, "DELETE " + strconv.Itoa(deleted), nil
	}
	return nil, "", errors.New("unreachable: " + n)
}

// CopyIn reads the canonical CSV wire produces: every non-NULL value
// quoted, NULL an empty unquoted field.
func (p *fakePortal) CopyIn(ctx context.Context, r io.Reader) (sqlrouter.Result, error) {
	c := p.s.c
	rows, err := readCanonicalCSV(bufio.NewReader(r), len(p.s.copy.Fields))
	if err != nil {
		io.Copy(io.Discard, r)
		return sqlrouter.Result{}, c.fail(err)
	}
	var add []fakeRow
	for _, rec := range rows {
		if rec[0] == nil {
			return sqlrouter.Result{}, c.fail(pgerr.New(pgerr.NotNullViolation, "null a"))
		}
		a, err := strconv.ParseInt(*rec[0], 10, 32)
		if err != nil {
			return sqlrouter.Result{}, c.fail(pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type integer: %q", *rec[0]))
		}
		add = append(add, fakeRow{a: int32(a), b: rec[1]})
	}
	c.tables["copy_t"] = append(c.tables["copy_t"], add...)
	return sqlrouter.Result{Tag: "COPY " + strconv.Itoa(len(add))}, nil
}

// readCanonicalCSV parses wire's CSV strictly: it fails on anything wire
// should never produce. Values are quoted, except those COPY csv passes on
// unchanged, which are unquoted and hold no quote or carriage return.
func readCanonicalCSV(r *bufio.Reader, n int) ([][]*string, error) {
	var rows [][]*string
	for {
		var rec []*string
		for {
			c, err := r.ReadByte()
			if err == io.EOF && len(rec) == 0 {
				return rows, nil
			}
			if err != nil {
				return nil, err
			}
			switch c {
			case ',', '\n':
				rec = append(rec, nil)
			case '"':
				var v []byte
				for {
					c, err := r.ReadByte()
					if err != nil {
						return nil, fmt.Errorf("unterminated quoted value: %w", err)
					}
					if c == '"' {
						if next, _ := r.Peek(1); len(next) == 1 && next[0] == '"' {
							r.ReadByte()
							v = append(v, '"')
							continue
						}
						break
					}
					v = append(v, c)
				}
				s := string(v)
				rec = append(rec, &s)
				if c, err = r.ReadByte(); err != nil || (c != ',' && c != '\n') {
					return nil, fmt.Errorf("bad byte %q after a quoted value", c)
				}
			default:
				// An unquoted value (COPY csv passes simple records on as
				// they came): up to the next comma or line end, without
				// quotes or carriage returns.
				v := []byte{c}
				for {
					c, err = r.ReadByte()
					if err != nil {
						return nil, fmt.Errorf("unterminated record: %w", err)
					}
					if c == ',' || c == '\n' {
						break
					}
					if c == '"' || c == '\r' {
						return nil, fmt.Errorf("byte %q in an unquoted value", c)
					}
					v = append(v, c)
				}
				s := string(v)
				rec = append(rec, &s)
			}
			if c == '\n' {
				break
			}
		}
		if len(rec) != n {
			return nil, fmt.Errorf("record with %d fields, want %d", len(rec), n)
		}
		rows = append(rows, rec)
	}
}
