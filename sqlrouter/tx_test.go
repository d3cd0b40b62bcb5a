package sqlrouter

import (
	"context"
	"testing"

	"github.com/duckstore/duckstore/wire/pgerr"
)

func TestTransactionStates(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "a", 3)
	s := e.open(e.keys["admin"], "")
	status := func(want TxStatus) {
		t.Helper()
		if got := s.TxStatus(); got != want {
			t.Fatalf("status %c, want %c", got, want)
		}
	}
	status(TxIdle)
	mustTag(t, s, `BEGIN`, "BEGIN")
	status(TxActive)
	mustTag(t, s, `BEGIN`, "BEGIN")
	if n := s.Notices(); len(n) != 1 || n[0].Code != string(pgerr.ActiveSQLTransaction) || n[0].Severity != "WARNING" {
		t.Fatalf("nested BEGIN notices = %+v", n)
	}
	mustRun(t, s, `SELECT * FROM a`)
	wantCode(t, s, `SELECT * FROM nope`, pgerr.UndefinedTable)
	status(TxFailed)
	wantCode(t, s, `SELECT 1`, pgerr.InFailedSQLTransaction)
	wantCode(t, s, `SELECT 1 +`, pgerr.SyntaxError)
	status(TxFailed)
	mustTag(t, s, `COMMIT`, "ROLLBACK")
	status(TxIdle)
	mustTag(t, s, `COMMIT`, "COMMIT")
	if n := s.Notices(); len(n) != 1 || n[0].Code != string(pgerr.NoActiveSQLTransaction) {
		t.Fatalf("COMMIT outside notices = %+v", n)
	}
	mustTag(t, s, `ROLLBACK`, "ROLLBACK")
	s.Notices()
	mustTag(t, s, `START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE`, "START TRANSACTION")
	if v := one(t, s, `SHOW transaction_isolation`); v != "serializable" {
		t.Fatalf("isolation = %v", v)
	}
	wantCode(t, s, `SAVEPOINT x`, pgerr.FeatureNotSupported)
	status(TxFailed)
	mustTag(t, s, `ROLLBACK`, "ROLLBACK")
	mustTag(t, s, `BEGIN READ ONLY`, "BEGIN")
	wantCode(t, s, `INSERT INTO a VALUES (10, 'x')`, pgerr.ReadOnlySQLTransaction)
	mustTag(t, s, `END`, "ROLLBACK")
	status(TxIdle)
	// Statements in one query string with BEGIN and COMMIT.
	mustTag(t, s, `BEGIN; INSERT INTO a VALUES (10, 'x'); INSERT INTO a VALUES (11, 'y'); COMMIT`, "COMMIT")
	if n := one(t, s, `SELECT count(*) FROM a`); n != int64(5) {
		t.Fatalf("count = %v", n)
	}
	// An error inside leaves the block failed after the query ends.
	wantCode(t, s, `BEGIN; INSERT INTO a VALUES (12, 'z'); INSERT INTO a VALUES (12, 'z')`, pgerr.UniqueViolation)
	status(TxFailed)
	mustTag(t, s, `ABORT`, "ROLLBACK")
	if n := one(t, s, `SELECT count(*) FROM a`); n != int64(5) {
		t.Fatalf("count after failed block = %v", n)
	}
}

func TestOneTableWritePerTransaction(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "a", 3)
	e.apiTable("p1", "in.c-sales", "b", 3)
	s := e.open(e.keys["admin"], "")
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO a VALUES (100, 'x')`)
	mustRun(t, s, `UPDATE a SET v = 'y' WHERE id = 0`)
	mustRun(t, s, `SELECT count(*) FROM b`) // reading another table is fine
	pe := wantCode(t, s, `INSERT INTO b VALUES (100, 'x')`, pgerr.FeatureNotSupported)
	if pe.Hint == "" || pe.Detail == "" {
		t.Fatalf("0A000 without detail and hint: %+v", pe)
	}
	assertNoAlias(t, pe.Message)
	mustTag(t, s, `COMMIT`, "ROLLBACK")
	if n := one(t, s, `SELECT count(*) FROM a`); n != int64(3) {
		t.Fatalf("a was half-applied: %v rows", n)
	}
	if n := one(t, s, `SELECT count(*) FROM b`); n != int64(3) {
		t.Fatalf("b changed: %v rows", n)
	}
	// The extended protocol finds it at Parse, before anything runs.
	ctx := context.Background()
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `DELETE FROM a WHERE id = 0`)
	if _, err := s.Prepare(ctx, `DELETE FROM b WHERE id = $1`, nil); pgerr.CodeOf(err) != pgerr.FeatureNotSupported {
		t.Fatalf("Parse of a second table's write: %v", err)
	}
	mustRun(t, s, `ROLLBACK`)
	// Outside a block, a query string may write several tables.
	mustTag(t, s, `INSERT INTO a VALUES (200, 'x'); INSERT INTO b VALUES (200, 'x')`, "INSERT 0 1")
	if one(t, s, `SELECT count(*) FROM a`) != int64(4) || one(t, s, `SELECT count(*) FROM b`) != int64(4) {
		t.Fatal("multi-statement query did not write both tables")
	}
}

func TestDDLInTransaction(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.apiTable("p1", "in.c-sales", "a", 3)
	s := e.open(e.keys["admin"], "")
	// ROLLBACK undoes CREATE SCHEMA, CREATE TABLE and renames.
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `CREATE SCHEMA tmp`)
	mustRun(t, s, `CREATE TABLE tmp.t (a int)`)
	mustRun(t, s, `INSERT INTO tmp.t VALUES (1)`)
	mustRun(t, s, `CREATE TABLE "in.c-sales".copy AS SELECT * FROM a`)
	mustRun(t, s, `ROLLBACK`)
	if _, err := e.cat.Bucket(ctx, "p1", "main", "tmp"); err == nil {
		t.Fatal("schema survived ROLLBACK")
	}
	if tables, _ := e.cat.Tables(ctx, "p1", "main", ""); len(tables) != 1 {
		t.Fatalf("tables after ROLLBACK: %d", len(tables))
	}
	mustRun(t, s, `BEGIN; ALTER TABLE a RENAME TO a2`)
	mustRun(t, s, `ROLLBACK`)
	if _, err := e.cat.Table(ctx, "p1", "main", "in.c-sales", "a"); err != nil {
		t.Fatal("rename survived ROLLBACK")
	}
	// ALTER runs in the transaction; the catalog follows at COMMIT.
	mustRun(t, s, `BEGIN; ALTER TABLE a ADD COLUMN extra int DEFAULT 1; INSERT INTO a VALUES (5, 'x', 2)`)
	mustRun(t, s, `COMMIT`)
	tb, _ := e.cat.Table(ctx, "p1", "main", "in.c-sales", "a")
	if tb.Column("extra") == nil {
		t.Fatalf("catalog did not follow ALTER: %+v", tb.Columns)
	}
	mustRun(t, s, `BEGIN; ALTER TABLE a DROP COLUMN extra`)
	mustRun(t, s, `ROLLBACK`)
	if n := one(t, s, `SELECT sum(extra) FROM a`); n == nil {
		t.Fatal("ALTER survived ROLLBACK")
	}
	// pandas' to_sql(if_exists='replace'): DROP and CREATE in one block.
	mustRun(t, s, `BEGIN; DROP TABLE a; CREATE TABLE "in.c-sales".a (x int); INSERT INTO "in.c-sales".a VALUES (1); COMMIT`)
	if got := fmtRows(mustRun(t, s, `SELECT * FROM a`)); got != "[1]" {
		t.Fatalf("replaced table = %s", got)
	}
	// DROP cannot be undone, and ROLLBACK says so.
	mustRun(t, s, `BEGIN; DROP TABLE a`)
	mustRun(t, s, `ROLLBACK`)
	if n := s.Notices(); len(n) != 1 || n[0].Severity != "WARNING" {
		t.Fatalf("ROLLBACK after DROP notices = %+v", n)
	}
}

func TestTransactionHoldsTheWriteLock(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "a", 3)
	s1 := e.open(e.keys["admin"], "")
	s2 := e.open(e.keys["admin"], "")
	mustRun(t, s1, `BEGIN; INSERT INTO a VALUES (10, 'x')`)
	mustRun(t, s2, `SET lock_timeout = '200ms'`)
	pe := wantCode(t, s2, `INSERT INTO a VALUES (11, 'y')`, pgerr.LockNotAvailable)
	assertNoAlias(t, pe.Message)
	// Readers do not wait, and see the committed state.
	if n := one(t, s2, `SELECT count(*) FROM a`); n != int64(3) {
		t.Fatalf("reader saw %v rows", n)
	}
	mustRun(t, s1, `COMMIT`)
	mustTag(t, s2, `INSERT INTO a VALUES (11, 'y')`, "INSERT 0 1")
	if n := one(t, s1, `SELECT count(*) FROM a`); n != int64(5) {
		t.Fatalf("count = %v", n)
	}
}

func TestSetIsTransactional(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	mustRun(t, s, `SET application_name = 'before'`)
	mustRun(t, s, `BEGIN; SET application_name = 'inside'; SET LOCAL TimeZone = 'Europe/Prague'`)
	if v := one(t, s, `SHOW TimeZone`); v != "Europe/Prague" {
		t.Fatalf("SET LOCAL: %v", v)
	}
	mustRun(t, s, `ROLLBACK`)
	if v := one(t, s, `SHOW application_name`); v != "before" {
		t.Fatalf("SET survived ROLLBACK: %v", v)
	}
	mustRun(t, s, `BEGIN; SET application_name = 'inside'; SET LOCAL TimeZone = 'Europe/Prague'; COMMIT`)
	if v := one(t, s, `SHOW application_name`); v != "inside" {
		t.Fatalf("SET lost at COMMIT: %v", v)
	}
	if v := one(t, s, `SHOW TimeZone`); v != "UTC" {
		t.Fatalf("SET LOCAL outlived its transaction: %v", v)
	}
	mustRun(t, s, `SET LOCAL TimeZone = 'Europe/Prague'`)
	if n := s.Notices(); len(n) != 1 || n[0].Code != string(pgerr.NoActiveSQLTransaction) {
		t.Fatalf("SET LOCAL outside notices = %+v", n)
	}
}
