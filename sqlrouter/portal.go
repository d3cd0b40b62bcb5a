package sqlrouter

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// stmt is a prepared statement (sqlrouter.Stmt). It keeps its pristine
// parse tree and, for statements DuckDB runs, a plan: the rewritten SQL
// prepared on the session's connection. The plan is reused by every Bind
// while it is fresh: the catalog generation, search_path and (for plans
// that read settings) the settings are those it was made under.
type stmt struct {
	s   *Session
	sql string
	// query is the whole query string sql came from; the parse tree's
	// locations are offsets into it.
	query    string
	node     *pg_query.Node
	cls      class
	declared []uint32
	plan     *plan
	static   []Field // result columns of router-answered statements
	// described is set once Fields was handed out: a later plan may not
	// change them (PostgreSQL: "cached plan must not change result type").
	described bool
	closed    bool
	created   time.Time // PREPARE's, for pg_prepared_statements
}

var _ Stmt = (*stmt)(nil)

// SQL returns the statement's text.
func (st *stmt) SQL() string { return st.sql }

// ParamOIDs returns the parameter types: the client's where it declared
// them, else DuckDB's inference, else text.
func (st *stmt) ParamOIDs() []uint32 {
	var inferred []uint32
	if st.plan != nil {
		inferred = st.plan.params
	}
	n := max(len(st.declared), len(inferred))
	out := make([]uint32, n)
	for i := range out {
		switch {
		case i < len(st.declared) && st.declared[i] != 0:
			out[i] = st.declared[i]
		case i < len(inferred) && inferred[i] != 0:
			out[i] = inferred[i]
		default:
			out[i] = engine.OIDText
		}
	}
	return out
}

// Fields returns the result columns, nil for none (NoData). A statement
// of a multi-statement query is planned only when it runs; until then its
// columns are unknown and Fields is nil.
func (st *stmt) Fields() []Field {
	st.described = true
	if st.static != nil {
		return st.static
	}
	if st.plan != nil && st.plan.rows {
		return st.plan.fields
	}
	return nil
}

// Close releases the statement.
func (st *stmt) Close() error {
	if st.closed {
		return nil
	}
	st.closed = true
	delete(st.s.stmts, st)
	if st.plan != nil {
		st.plan.retire()
	}
	return nil
}

// plan is a statement rewritten for DuckDB and prepared on the session's
// connection.
type plan struct {
	sql         string
	gen         uint64
	searchPath  string
	settingsVer uint64 // 0 when the plan reads no settings
	refs        []*tableRef
	target      *tableRef // the table written, if any
	locking     bool      // FOR UPDATE: every table is write-locked
	names       aliasNames
	effects     []func() error
	rows        bool // returns rows
	fields      []Field
	params      []uint32
	paramTypes  []duck.Type
	cat         *catalogUse           // the system catalog it reads, if any
	colRefs     []*pg_query.ColumnRef // to position errors naming columns

	ds     *duck.Stmt
	dsBusy bool // a portal is using ds
	dead   bool // replaced or closed; ds closes when no portal uses it
}

func (pl *plan) retire() {
	pl.dead = true
	if pl.dsBusy {
		return // releaseDS retires it again when the portal is done
	}
	if pl.ds != nil {
		pl.closeDS(pl.ds)
		pl.ds = nil
	}
	// The system catalog stays attached while the statement may run.
	pl.cat.release()
}

// fresh reports whether the plan still means what it meant.
func (st *stmt) fresh(pl *plan) bool {
	s := st.s
	return pl != nil && !pl.dead && pl.gen == s.r.cat.Generation(s.project) &&
		pl.searchPath == s.mustSetting("search_path") &&
		(pl.settingsVer == 0 || pl.settingsVer == s.gucs.ver)
}

// portal is a bound statement (sqlrouter.Portal).
type portal struct {
	st     *stmt
	fields []Field
	copy   *CopySpec
	start  time.Time

	// Statements the router answers itself run once through run, which
	// may leave a text result (SHOW, EXPLAIN) to send.
	run    func(ctx context.Context) (Result, error)
	ran    bool
	result Result
	text   *textResult
	// COPY FROM STDIN loads through copyIn.
	copyIn func(ctx context.Context, r io.Reader) (Result, error)
	// copyInBatches is copyIn's path for binary COPY (see BatchCopyIn).
	copyInBatches func(ctx context.Context, schema *arrow.Schema, next func() (arrow.RecordBatch, error)) (Result, error)
	// FETCH sends rows of a cursor's portal, EXECUTE those of sub, the
	// portal of its prepared statement.
	fetch func(ctx context.Context, sink RowSink) (Result, error)
	sub   *portal

	// DuckDB statements stream from rows.
	plan   *plan
	ds     *duck.Stmt
	ownDS  bool
	rows   rowSource
	hold   bool // a cursor WITH HOLD: its rows are buffered
	inTx   bool // a cursor declared in a transaction block
	rec    arrow.RecordBatch
	off    int64
	sent   int64 // rows sent by the last Execute
	ctx    context.Context
	cancel context.CancelFunc
	own    holds // autocommit statements' locks and pins

	done bool
	err  error // set when the portal can no longer run
}

var _ Portal = (*portal)(nil)

func (p *portal) Fields() []Field { return p.fields }
func (p *portal) Copy() *CopySpec { return p.copy }

// Bind fixes the parameters and returns a portal.
func (st *stmt) Bind(ctx context.Context, args []any) (Portal, error) {
	s := st.s
	if st.closed || s.closed {
		return nil, errf(pgerr.InvalidSQLStatementName, "prepared statement is closed")
	}
	if s.tx.state == txFailed && !transactionExit(st.node) {
		return nil, errf(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	p, err := st.bind(ctx, args)
	if err != nil {
		s.r.metrics.observe(st.cls.kind, err, 0)
		return nil, s.fail(err)
	}
	p.start = time.Now()
	s.activity.query, s.activity.start = st.sql, p.start
	return p, nil
}

func (st *stmt) bind(ctx context.Context, args []any) (*portal, error) {
	s := st.s
	p := &portal{st: st, fields: st.static}
	if st.cls.op == opRefuse {
		return nil, st.cls.err
	}
	if st.cls.op != opQuery && st.cls.op != opCopyOut && len(args) > 0 {
		return nil, errf(pgerr.ProtocolViolation, "bind message supplies %d parameters, but the statement takes none", len(args))
	}
	switch st.cls.op {
	case opQuery, opCopyOut:
		if err := st.bindQuery(ctx, p, args); err != nil {
			return nil, err
		}
		if st.cls.op == opCopyOut {
			spec, err := copyOutSpec(st.node.GetCopyStmt(), p.fields)
			if err != nil {
				p.Close()
				return nil, err
			}
			p.copy = spec
		}
		return p, nil
	case opCopyIn:
		return p, st.bindCopyIn(ctx, p)
	case opFetch:
		return p, st.bindFetch(p)
	case opExecute:
		return p, st.bindExecute(ctx, p)
	}
	p.run = func(ctx context.Context) (Result, error) { return s.runUtility(ctx, st, p) }
	return p, nil
}

// bindQuery readies a DuckDB statement: takes its locks and pins (the
// transaction's when one is open), replans if the plan went stale, and
// binds the arguments.
func (st *stmt) bindQuery(ctx context.Context, p *portal, args []any) error {
	s := st.s
	h := s.holdsFor(&p.own)
	pl := st.plan
	ok := st.fresh(pl)
	if ok {
		var err error
		if ok, err = s.holdPlan(ctx, h, pl, st.cls.tag); err != nil {
			p.own.release()
			return err
		}
	}
	if !ok {
		np, err := st.makePlan(ctx, h, true)
		if err != nil {
			p.own.release()
			return err
		}
		if st.described && pl != nil && !sameFields(pl.fields, np.fields) {
			np.retire()
			p.own.release()
			return unsupported("cached plan must not change result type").
				WithDetail("A table the statement reads changed its columns since it was prepared.")
		}
		if pl != nil {
			pl.retire()
		}
		st.plan, pl = np, np
	}
	p.plan, p.fields = pl, nil
	if pl.rows {
		p.fields = pl.fields
	}
	if err := p.takeDS(); err != nil {
		p.own.release()
		return clientError(ctx, err, pl.names)
	}
	args, err := bindArgs(args, pl.paramTypes)
	if err == nil {
		err = pl.bind(p.ds, args)
	}
	if err != nil {
		p.releaseDS()
		p.own.release()
		return clientError(ctx, err, pl.names)
	}
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	return nil
}

// holdPlan takes what a fresh plan needs to run: the write lock of its
// target (and of every table for FOR UPDATE) and pins. It reports false
// when the plan must be made again: the lock went to a different table
// (a dev branch's first write copies it) or the catalog changed while the
// lock was awaited.
func (s *Session) holdPlan(ctx context.Context, h *holds, pl *plan, what string) (bool, error) {
	if pl.target != nil {
		t, err := s.lockForWrite(ctx, h, pl.target.t.Bucket, pl.target.t.Name, what)
		if err != nil {
			return false, err
		}
		if t.ID != pl.target.t.ID {
			return false, nil
		}
	}
	if pl.locking {
		for _, ref := range pl.refs {
			if err := s.checkWritable("SELECT FOR UPDATE"); err != nil {
				return false, err
			}
			t, err := s.lockTable(ctx, h, ref.t.Bucket, ref.t.Name)
			if err != nil {
				return false, err
			}
			if t.ID != ref.t.ID {
				return false, nil
			}
		}
	}
	if pl.gen != s.r.cat.Generation(s.project) {
		return false, nil
	}
	for _, ref := range pl.refs {
		if _, err := s.pin(ctx, h, ref.t); err != nil {
			return false, err
		}
	}
	return true, nil
}

// prepare prepares the plan's SQL where it runs: on the session's
// connection, or on the catalog's own for a statement that reads only the
// system catalog (catalogUse.own), under the catalog's lock.
func (pl *plan) prepare(s *Session) (*duck.Stmt, error) {
	if cu := pl.cat; cu != nil && cu.own {
		var ds *duck.Stmt
		err := cu.slot.locked(func() (err error) {
			ds, err = cu.slot.conn.Prepare(pl.sql)
			return err
		})
		return ds, err
	}
	s.quiesce(nil)
	return s.conn.Prepare(pl.sql)
}

// bind binds arguments to one of the plan's statements.
func (pl *plan) bind(ds *duck.Stmt, args []any) error {
	if cu := pl.cat; cu != nil && cu.own {
		return cu.slot.locked(func() error { return ds.Bind(args) })
	}
	return ds.Bind(args)
}

// closeDS closes one of the plan's statements.
func (pl *plan) closeDS(ds *duck.Stmt) {
	if cu := pl.cat; cu != nil && cu.own {
		cu.slot.locked(func() error { ds.Close(); return nil })
		return
	}
	ds.Close()
}

// takeDS gives the portal the plan's DuckDB statement, or its own when
// another portal is using it.
func (p *portal) takeDS() error {
	pl := p.plan
	if !pl.dsBusy && pl.ds != nil {
		pl.dsBusy = true
		p.ds = pl.ds
		return nil
	}
	ds, err := pl.prepare(p.st.s)
	if err != nil {
		return err
	}
	p.ds, p.ownDS = ds, true
	if pl.cat != nil {
		// The statement keeps the catalog attached even if the plan is
		// replaced first.
		pl.cat.slot.retain()
	}
	return nil
}

func (p *portal) releaseDS() {
	if p.ds == nil {
		return
	}
	if p.ownDS {
		p.plan.closeDS(p.ds)
		if p.plan.cat != nil {
			p.plan.cat.slot.release()
		}
	} else {
		p.plan.dsBusy = false
		if p.plan.dead {
			p.plan.retire()
		}
	}
	p.ds = nil
}

// bindArgs adapts wire's argument values to DuckDB: bytea sent as text
// (PostgreSQL's hex or escape format) becomes bytes, arrays lists.
func bindArgs(args []any, types []duck.Type) ([]any, error) {
	for i, a := range args {
		s, ok := a.(string)
		if !ok || i >= len(types) {
			continue
		}
		if id := types[i].ID; id == duck.TypeList || id == duck.TypeArray {
			// Arrays come in PostgreSQL's text form, which DuckDB does
			// not cast.
			if list, ok := pgArrayText(s); ok {
				args[i] = list
			}
			continue
		}
		if types[i].ID != duck.TypeBlob {
			continue
		}
		b, err := decodeBytea(s)
		if err != nil {
			return nil, err
		}
		args[i] = b
	}
	return args, nil
}

func sameFields(a, b []Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].TypeOID != b[i].TypeOID {
			return false
		}
	}
	return true
}

// Execute runs the portal or continues it.
func (p *portal) Execute(ctx context.Context, sink RowSink, maxRows int) (Result, error) {
	s := p.st.s
	if p.err != nil {
		return Result{}, p.err
	}
	res, err := p.execute(ctx, sink, maxRows)
	if err != nil {
		err = s.fail(err)
	}
	if err != nil || !res.Suspended {
		s.r.metrics.observe(p.st.cls.kind, err, time.Since(p.start))
	}
	return res, err
}

func (p *portal) execute(ctx context.Context, sink RowSink, maxRows int) (Result, error) {
	switch {
	case p.done:
		return p.doneResult(), nil
	case p.copyIn != nil:
		return Result{}, errf(pgerr.ProtocolViolation, "COPY FROM STDIN must be fed with COPY data")
	case p.fetch != nil:
		res, err := p.fetch(ctx, sink)
		p.done, p.result = true, res
		return res, err
	case p.run != nil && !p.ran:
		res, err := p.run(ctx)
		p.ran = true
		if err != nil || p.text == nil {
			p.done, p.result = true, res
			return res, err
		}
		return p.text.send(sink, maxRows, p)
	case p.text != nil:
		return p.text.send(sink, maxRows, p)
	}
	if p.copy != nil {
		maxRows = 0
	}
	return p.executeQuery(ctx, sink, maxRows)
}

// doneResult is what running a finished portal again answers: nothing
// more, with the statement's tag.
func (p *portal) doneResult() Result {
	if p.run != nil || p.text != nil || p.fetch != nil {
		return p.result
	}
	return Result{Tag: p.tag(0)}
}

// executeQuery starts the DuckDB statement or continues it, streaming
// batches to sink as DuckDB produces them; the rows stay open between
// Executes when maxRows stops one.
func (p *portal) executeQuery(ctx context.Context, sink RowSink, maxRows int) (Result, error) {
	s := p.st.s
	stop := context.AfterFunc(ctx, p.cancel)
	defer stop()
	if p.rows == nil {
		s.quiesce(p)
		rows, err := p.open(ctx)
		if err != nil {
			p.finish()
			return Result{}, err
		}
		p.rows = rows
		if _, buffered := rows.(*bufferedRows); !buffered {
			// Only DuckDB's own result occupies the connection.
			s.active = p
		}
	}
	if !p.plan.rows {
		for p.rows.Next() {
		}
		err := p.rows.Err()
		n := p.rows.RowsChanged()
		p.finish()
		if err != nil {
			return Result{}, clientError(ctx, err, p.plan.names)
		}
		return Result{Tag: p.tag(n)}, nil
	}
	var sent int64
	defer func() { p.sent = sent }()
	for {
		if p.rec == nil || p.off >= p.rec.NumRows() {
			if !p.rows.Next() {
				err := p.rows.Err()
				p.finish()
				if err != nil {
					return Result{}, clientError(ctx, err, p.plan.names)
				}
				return Result{Tag: p.tag(sent)}, nil
			}
			p.rec, p.off = p.rows.Record(), 0
		}
		n := p.rec.NumRows() - p.off
		if maxRows > 0 && n > int64(maxRows)-sent {
			n = int64(maxRows) - sent
		}
		if err := sink.WriteRows(p.rec, int(p.off), int(p.off+n)); err != nil {
			p.finish()
			return Result{}, err
		}
		p.off += n
		sent += n
		if maxRows > 0 && sent >= int64(maxRows) {
			return Result{Suspended: true}, nil
		}
	}
}

// open runs the portal's statement: its effects (set_config), then
// DuckDB. A statement that reads the session's state in the system
// catalog runs to completion under the catalog's lock, its rows
// buffered, so that no client holds the lock with a suspended portal; so
// does a cursor WITH HOLD, whose rows outlive their transaction.
func (p *portal) open(ctx context.Context) (rowSource, error) {
	query := func() (rowSource, error) {
		for _, apply := range p.plan.effects {
			if err := apply(); err != nil {
				return nil, err
			}
		}
		rows, err := p.ds.Query(p.ctx)
		if err != nil {
			return nil, clientError(ctx, err, p.plan.names)
		}
		return rows, nil
	}
	cu := p.plan.cat
	locked := cu != nil && cu.locked
	if !locked && !p.hold {
		return query()
	}
	var buf *bufferedRows
	run := func() error {
		rows, err := query()
		if err != nil {
			return err
		}
		buf, err = bufferRows(rows)
		return clientError(ctx, err, p.plan.names)
	}
	var err error
	if locked {
		err = cu.slot.run(p.ctx, p.st.s, cu.needs, run)
	} else {
		err = run()
	}
	if err != nil {
		return nil, err
	}
	return buf, nil
}

// rowSource is a statement's result: DuckDB's rows, or buffered ones.
type rowSource interface {
	Next() bool
	Record() arrow.RecordBatch
	Err() error
	RowsChanged() int64
	Close()
}

// bufferedRows is a result read to its end and kept in memory.
type bufferedRows struct {
	recs    []arrow.RecordBatch
	next    int
	changed int64
}

// bufferRows reads rows to the end and closes them.
func bufferRows(rows rowSource) (*bufferedRows, error) {
	defer rows.Close()
	b := &bufferedRows{}
	for rows.Next() {
		rec := rows.Record()
		rec.Retain()
		b.recs = append(b.recs, rec)
	}
	if err := rows.Err(); err != nil {
		b.Close()
		return nil, err
	}
	b.changed = rows.RowsChanged()
	return b, nil
}

func (b *bufferedRows) Next() bool {
	if b.next > 0 && b.recs[b.next-1] != nil {
		b.recs[b.next-1].Release() // as DuckDB's rows, a batch lives until Next
		b.recs[b.next-1] = nil
	}
	if b.next >= len(b.recs) {
		return false
	}
	b.next++
	return true
}

func (b *bufferedRows) Record() arrow.RecordBatch { return b.recs[b.next-1] }
func (b *bufferedRows) Err() error                { return nil }
func (b *bufferedRows) RowsChanged() int64        { return b.changed }

func (b *bufferedRows) Close() {
	for i, r := range b.recs {
		if r != nil {
			r.Release()
			b.recs[i] = nil
		}
	}
}

// tag writes the CommandComplete tag for n rows.
func (p *portal) tag(n int64) string {
	t := p.st.cls.tag
	switch t {
	case "INSERT":
		return "INSERT 0 " + strconv.FormatInt(n, 10)
	case "SELECT", "UPDATE", "DELETE", "MERGE", "COPY":
		return t + " " + strconv.FormatInt(n, 10)
	}
	return t
}

// finish releases what the portal holds once it is complete (or failed).
func (p *portal) finish() {
	if p.rows != nil {
		p.rows.Close()
		p.rows, p.rec = nil, nil
	}
	if p.st.s.active == p {
		p.st.s.active = nil
	}
	p.releaseDS()
	p.own.release()
	if p.cancel != nil {
		p.cancel()
	}
	if p.sub != nil {
		p.sub.Close()
	}
	p.done = true
}

// Close releases the portal.
func (p *portal) Close() error {
	if !p.done {
		p.finish()
	}
	return nil
}

// quiesce ends the DuckDB result another portal has open on the
// connection: DuckDB runs one statement per connection, and a new one
// would invalidate it anyway. That portal fails if it is run again.
func (s *Session) quiesce(keep *portal) {
	p := s.active
	if p == nil || p == keep {
		return
	}
	p.finish()
	p.err = unsupported("portal was closed because another statement ran before it was read to the end").
		WithDetail("duckstore keeps one open result per connection.")
}

// textResult is a small result made by the router (SHOW, EXPLAIN).
type textResult struct {
	rec arrow.RecordBatch
	off int64
}

func newTextResult(cols []string, rows [][]string) *textResult {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for _, r := range rows {
		for i, v := range r {
			b.Field(i).(*array.StringBuilder).Append(v)
		}
	}
	return &textResult{rec: b.NewRecordBatch()}
}

func textFields(cols ...string) []Field {
	out := make([]Field, len(cols))
	for i, c := range cols {
		out[i] = Field{Name: c, TypeOID: engine.OIDText, TypeSize: -1, TypeMod: -1}
	}
	return out
}

func (t *textResult) send(sink RowSink, maxRows int, p *portal) (Result, error) {
	n := t.rec.NumRows() - t.off
	if maxRows > 0 && int64(maxRows) < n {
		n = int64(maxRows)
	}
	if n > 0 {
		if err := sink.WriteRows(t.rec, int(t.off), int(t.off+n)); err != nil {
			return Result{}, err
		}
	}
	t.off += n
	if t.off < t.rec.NumRows() {
		return Result{Suspended: true}, nil
	}
	p.done = true
	p.result = Result{Tag: p.st.cls.tag}
	return p.result, nil
}

// fieldsOf describes DuckDB columns as RowDescription fields.
func fieldsOf(cols []duck.Column) []Field {
	out := make([]Field, len(cols))
	for i, c := range cols {
		f := Field{Name: c.Name, TypeOID: engine.OIDText, TypeSize: -1, TypeMod: -1}
		if c.Type.ID != duck.TypeInvalid {
			t := engine.PGTypeOf(c.Type)
			f.TypeOID, f.TypeSize, f.TypeMod = t.OID, t.Len, t.Mod
		}
		out[i] = f
	}
	return out
}
