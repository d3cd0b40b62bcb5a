package sqlrouter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Transactions.
//
// States and transitions (TxStatus in brackets):
//
//	txNone   [I] --BEGIN-->            txOpen
//	txOpen   [T] --COMMIT/ROLLBACK-->  txNone
//	txOpen   [T] --any error-->        txFailed
//	txFailed [E] --COMMIT/ROLLBACK-->  txNone (both roll back)
//
// Outside a transaction block every statement commits on its own
// (autocommit). That includes the statements of a multi-statement simple
// query: PostgreSQL runs them as one implicit transaction, but DuckDB lets
// one transaction write only one attached file, so `INSERT INTO a ...;
// INSERT INTO b ...` would fail as one transaction. Each statement of such
// a query therefore commits when it completes, and a failing statement
// stops the query without undoing the earlier ones. Inside BEGIN ...
// COMMIT, PostgreSQL's rules hold, with DuckDB's: one transaction may
// write one table (0A000 at the first write to a second, before it runs).
//
// A transaction holds, until it ends: the write lock of the table it
// writes (and of tables it locked or created), and a pin on every file it
// touched, so no file it read is detached under its snapshot.
//
// DDL inside a transaction block takes effect at once, as it goes through
// the catalog and builds files outside the transaction: CREATE SCHEMA,
// CREATE TABLE [AS] and ALTER TABLE ... RENAME are undone by ROLLBACK;
// other ALTER TABLE forms run in the transaction on the table's file (and
// count as its write); DROP cannot be undone, and ROLLBACK says so.

type txState int

const (
	txNone txState = iota
	txOpen
	txFailed
)

type transaction struct {
	state     txState
	start     time.Time
	xid       int64 // txid_current(), assigned on first use
	readOnly  bool
	isolation string
	holds
	// write is the one table this transaction writes through DuckDB.
	write *catalog.Table
	undo  []func(ctx context.Context) error // run in reverse by ROLLBACK
	// altered tables get their catalog schema refreshed after COMMIT.
	altered      []*catalog.Table
	irreversible []string
}

// TxStatus reports the status for ReadyForQuery.
func (s *Session) TxStatus() TxStatus {
	switch s.tx.state {
	case txOpen:
		return TxActive
	case txFailed:
		return TxFailed
	}
	return TxIdle
}

func (s *Session) inTx() bool { return s.tx.state != txNone }

// txid is txid_current(): a transaction block keeps its number, and each
// statement outside one is a transaction of its own.
func (s *Session) txid() int64 {
	if !s.inTx() {
		return s.r.xids.Add(1) + 1000
	}
	if s.tx.xid == 0 {
		s.tx.xid = s.r.xids.Add(1) + 1000
	}
	return s.tx.xid
}

func (s *Session) txIsolation() string {
	if s.inTx() && s.tx.isolation != "" {
		return s.tx.isolation
	}
	return s.mustSetting("default_transaction_isolation")
}

func (s *Session) txReadOnly() bool {
	if s.inTx() {
		return s.tx.readOnly
	}
	return false
}

// fail marks an open transaction failed after an error, as PostgreSQL
// does for every error in a transaction block. It returns err.
func (s *Session) fail(err error) error {
	if err != nil && s.tx.state == txOpen {
		s.tx.state = txFailed
	}
	return err
}

// BeginImplicit and EndImplicit bracket a multi-statement simple query.
// Its statements autocommit one by one (see above), so there is nothing
// to open or close here.
func (s *Session) BeginImplicit(ctx context.Context, n int) error { return nil }

// EndImplicit ends a simple query's statements.
func (s *Session) EndImplicit(ctx context.Context, failed bool) error { return nil }

// Sync ends what the extended protocol started outside a transaction
// block. Statements autocommit as they complete, so only a portal still
// suspended holds anything, and wire closes portals at Sync.
func (s *Session) Sync(ctx context.Context) error { return nil }

// runTx executes BEGIN, COMMIT and ROLLBACK.
func (s *Session) runTx(ctx context.Context, t *pg_query.TransactionStmt, tag string) (Result, error) {
	switch t.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
		return Result{Tag: tag}, s.begin(ctx, t.Options)
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
		if t.Chain {
			return Result{}, unsupported("COMMIT AND CHAIN is not supported")
		}
		if s.tx.state == txNone {
			s.notice("WARNING", pgerr.NoActiveSQLTransaction, "there is no transaction in progress")
			return Result{Tag: "COMMIT"}, nil
		}
		if s.tx.state == txFailed {
			return Result{Tag: "ROLLBACK"}, s.endTx(ctx, false)
		}
		return Result{Tag: "COMMIT"}, s.endTx(ctx, true)
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		if t.Chain {
			return Result{}, unsupported("ROLLBACK AND CHAIN is not supported")
		}
		if s.tx.state == txNone {
			s.notice("WARNING", pgerr.NoActiveSQLTransaction, "there is no transaction in progress")
			return Result{Tag: "ROLLBACK"}, nil
		}
		return Result{Tag: "ROLLBACK"}, s.endTx(ctx, false)
	}
	return Result{}, unsupported("unsupported transaction statement")
}

// begin opens a transaction block with its modes.
func (s *Session) begin(ctx context.Context, modes []*pg_query.Node) error {
	if s.tx.state != txNone {
		s.notice("WARNING", pgerr.ActiveSQLTransaction, "there is already a transaction in progress")
		return s.txModes(modes)
	}
	s.quiesce(nil)
	if _, err := s.conn.Exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return clientError(ctx, err, nil)
	}
	s.tx = transaction{state: txOpen, start: time.Now()}
	s.tx.readOnly = s.mustSetting("default_transaction_read_only") == "on"
	s.tx.isolation = s.mustSetting("default_transaction_isolation")
	s.gucTxBegin()
	return s.txModes(modes)
}

// txModes applies ISOLATION LEVEL and READ ONLY/WRITE. Every level is
// accepted; what a transaction gets is DuckDB's snapshot isolation, taken
// per table at its first use.
func (s *Session) txModes(modes []*pg_query.Node) error {
	for _, m := range modes {
		d := m.GetDefElem()
		if d == nil {
			continue
		}
		v, _ := constString(d.Arg)
		switch d.Defname {
		case "transaction_isolation":
			iso, err := checkIsolation(s, v)
			if err != nil {
				return invalidValue("transaction_isolation", v, err)
			}
			s.tx.isolation = iso
		case "transaction_read_only":
			ro, _ := constBool(d.Arg)
			s.tx.readOnly = ro
		}
	}
	return nil
}

// endTx commits or rolls back the transaction block and releases what it
// held. A commit that fails rolls back and reports why.
func (s *Session) endTx(ctx context.Context, commit bool) error {
	s.closeCursors(func(p *portal) bool { return !p.hold || !commit && p.inTx })
	for _, p := range s.cursors {
		p.inTx = false // held past its transaction: the session's now
	}
	s.quiesce(nil)
	tx := s.tx
	s.tx = transaction{}
	var err error
	if commit {
		if _, cerr := s.conn.Exec(ctx, "COMMIT"); cerr != nil {
			err = clientError(ctx, cerr, tx.names())
			commit = false
			s.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	} else {
		s.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
	}
	tx.releasePins()
	if commit {
		for _, t := range tx.altered {
			if rerr := s.in.RefreshSchema(context.WithoutCancel(ctx), t); rerr != nil && err == nil {
				err = rerr
			}
		}
	} else {
		s.undo(ctx, &tx)
	}
	tx.releaseLocks()
	s.gucTxEnd(commit)
	return err
}

// undo reverts the DDL a rolled back transaction did at once.
func (s *Session) undo(ctx context.Context, tx *transaction) {
	uctx := context.WithoutCancel(ctx)
	for i := len(tx.undo) - 1; i >= 0; i-- {
		if err := tx.undo[i](uctx); err != nil {
			s.log.Warn("could not undo DDL of a rolled back transaction", "err", err)
			s.notice("WARNING", pgerr.Warning, "could not undo a change of the rolled back transaction: %v", err)
		}
	}
	if len(tx.irreversible) > 0 {
		s.notice("WARNING", pgerr.Warning, "ROLLBACK does not undo %s", strings.Join(tx.irreversible, ", "))
	}
}

// names maps the aliases of the tables a transaction holds to their names.
func (tx *transaction) names() aliasNames {
	out := aliasNames{}
	for _, p := range tx.pins {
		out[p.alias] = p.name
	}
	return out
}

// lockedTable is a write lock held on a table.
type lockedTable struct {
	t      *catalog.Table
	unlock func()
}

// pinned is a table file kept attached.
type pinned struct {
	alias   string
	name    string // the client's name for it, for error messages
	release func()
}

// holds are write locks and pins, held by a statement or a transaction.
type holds struct {
	locks map[string]lockedTable // by bucket\x00table
	pins  map[string]pinned      // by file path
}

func (h *holds) releasePins() {
	for _, p := range h.pins {
		p.release()
	}
	h.pins = nil
}

func (h *holds) releaseLocks() {
	for _, l := range h.locks {
		l.unlock()
	}
	h.locks = nil
}

func (h *holds) release() {
	h.releasePins()
	h.releaseLocks()
}

func lockKey(bucket, name string) string { return bucket + "\x00" + name }

// holdsFor returns where a statement's locks and pins go: the transaction
// when one is open, else the statement's own.
func (s *Session) holdsFor(own *holds) *holds {
	if s.inTx() {
		return &s.tx.holds
	}
	return own
}

// pin keeps a table's file attached in h and returns its alias.
func (s *Session) pin(ctx context.Context, h *holds, t *catalog.Table) (string, error) {
	if p, ok := h.pins[t.Path]; ok {
		return p.alias, nil
	}
	alias, release, err := s.in.Pin(ctx, t)
	if err != nil {
		return "", err
	}
	if h.pins == nil {
		h.pins = map[string]pinned{}
	}
	h.pins[t.Path] = pinned{alias: alias, name: displayName(t), release: release}
	return alias, nil
}

// lockForWrite takes the write lock of the table bucket.name for a write
// (through engine.TableForWrite, which copies a main table into a dev
// branch on its first write) and returns the table to write. In a
// transaction the lock is kept to its end, and the table becomes the one
// table the transaction may write.
func (s *Session) lockForWrite(ctx context.Context, h *holds, bucket, name, what string) (*catalog.Table, error) {
	if err := s.checkWritable(what); err != nil {
		return nil, err
	}
	if s.inTx() && s.tx.write != nil && (s.tx.write.Bucket != bucket || s.tx.write.Name != name) {
		return nil, unsupported("a transaction can write only one table: this one already wrote %s, so it cannot also write %s",
			displayName(s.tx.write), quoteIdentIfNeeded(bucket)+"."+quoteIdentIfNeeded(name)).
			WithDetail("duckstore keeps each table in its own DuckDB file, and DuckDB lets one transaction write one file.").
			WithHint("COMMIT before writing another table, or write each table in its own transaction.")
	}
	t, err := s.lockTable(ctx, h, bucket, name)
	if err != nil {
		return nil, err
	}
	if s.inTx() {
		s.tx.write = t
	}
	return t, nil
}

// lockTable takes a table's write lock into h, once.
func (s *Session) lockTable(ctx context.Context, h *holds, bucket, name string) (*catalog.Table, error) {
	key := lockKey(bucket, name)
	if l, ok := h.locks[key]; ok {
		return l.t, nil
	}
	lctx, cancel := ctx, context.CancelFunc(func() {})
	timeout := s.lockTimeout()
	if timeout > 0 {
		lctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	t, unlock, err := s.r.eng.TableForWrite(lctx, s.project, s.branch, bucket, name, s)
	if err != nil {
		return nil, s.lockError(ctx, err, bucket, name)
	}
	if h.locks == nil {
		h.locks = map[string]lockedTable{}
	}
	h.locks[key] = lockedTable{t: t, unlock: unlock}
	return t, nil
}

// lockError words a lock failure with the client's table name.
func (s *Session) lockError(ctx context.Context, err error, bucket, name string) error {
	if errors.Is(err, catalog.ErrNotFound) {
		return errf(pgerr.UndefinedTable, "relation %s does not exist", quoteIdentIfNeeded(bucket)+"."+quoteIdentIfNeeded(name))
	}
	timedOut := pgerr.CodeOf(err) == pgerr.LockNotAvailable || (errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil)
	if timedOut {
		return pgerr.Wrap(err, pgerr.LockNotAvailable, fmt.Sprintf("could not obtain the write lock on table %s: another session is writing it",
			quoteIdentIfNeeded(bucket)+"."+quoteIdentIfNeeded(name)))
	}
	return clientError(ctx, err, nil)
}
