package sqlrouter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// Eight sessions write eight tables at once.
func TestConcurrentWritersOfDifferentTables(t *testing.T) {
	e := newEnv(t)
	setup := e.open(e.keys["admin"], "")
	for i := 0; i < 8; i++ {
		mustRun(t, setup, fmt.Sprintf(`CREATE TABLE "in.c-sales".t%d (id int PRIMARY KEY, v int)`, i))
	}
	const rows = 50
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		s := e.open(e.keys["admin"], "")
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for r := 0; r < rows; r++ {
				q := fmt.Sprintf(`INSERT INTO "in.c-sales".t%d VALUES (%d, %d)`, i, r, r*i)
				if r%10 == 0 {
					q = fmt.Sprintf(`BEGIN; INSERT INTO "in.c-sales".t%d VALUES (%d, %d); COMMIT`, i, r, r*i)
				}
				if _, _, err := run(context.Background(), s, q); err != nil {
					errs <- fmt.Errorf("t%d row %d: %w", i, r, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := 0; i < 8; i++ {
		got := fmtRows(mustRun(t, setup, fmt.Sprintf(`SELECT count(*), sum(id), sum(v) FROM "in.c-sales".t%d`, i)))
		want := fmt.Sprintf("[%d %d %d]", rows, rows*(rows-1)/2, i*rows*(rows-1)/2)
		if got != want {
			t.Errorf("t%d: %s, want %s", i, got, want)
		}
	}
}

// Eight sessions upsert the same keys of one table: the write lock
// serializes them, so every increment lands and none fails.
func TestConcurrentUpsertsOfOneTable(t *testing.T) {
	e := newEnv(t)
	setup := e.open(e.keys["admin"], "")
	mustRun(t, setup, `CREATE TABLE "in.c-sales".counters (k int PRIMARY KEY, n int NOT NULL)`)
	const keys, rounds = 5, 20
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		s := e.open(e.keys["admin"], "")
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx := context.Background()
			ins := `INSERT INTO "in.c-sales".counters AS c VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET n = c.n + 1`
			stmts, err := s.Prepare(ctx, ins, nil)
			if err != nil {
				errs <- err
				return
			}
			for r := 0; r < rounds; r++ {
				for k := 0; k < keys; k++ {
					if i%2 == 1 && r%5 == 0 {
						// Some in explicit transactions, via the simple protocol.
						if _, _, err := run(ctx, s, fmt.Sprintf(`BEGIN; INSERT INTO "in.c-sales".counters AS c VALUES (%d, 1) ON CONFLICT (k) DO UPDATE SET n = c.n + 1; COMMIT`, k)); err != nil {
							errs <- err
							return
						}
						continue
					}
					p, err := stmts[0].Bind(ctx, []any{int64(k)})
					if err == nil {
						_, err = p.Execute(ctx, &sink{}, 0)
						p.Close()
					}
					if err != nil {
						errs <- fmt.Errorf("session %d: %w", i, err)
						return
					}
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := fmtRows(mustRun(t, setup, `SELECT k, n FROM "in.c-sales".counters ORDER BY k`))
	want := ""
	for k := 0; k < keys; k++ {
		want += fmt.Sprintf("[%d %d]", k, 8*rounds)
	}
	if got != want {
		t.Fatalf("counters %s, want %s", got, want)
	}
}

// A long write to one table blocks neither readers of it nor writers of
// another table.
func TestLongWriteBlocksNothingElse(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "a", 10)
	e.apiTable("p1", "in.c-sales", "b", 10)
	writer := e.open(e.keys["admin"], "")
	reader := e.open(e.keys["admin"], "")
	other := e.open(e.keys["admin"], "")
	mustRun(t, writer, `BEGIN; INSERT INTO a SELECT range + 100, 'x' FROM range(100000)`)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A statement that runs for a while, holding a's lock.
		run(context.Background(), writer, `INSERT INTO a SELECT range + 1000000, 'y' FROM range(2000000)`)
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if n := one(t, reader, `SELECT count(*) FROM a`); n != int64(10) {
		t.Errorf("reader saw %v rows of a", n)
	}
	mustTag(t, other, `INSERT INTO b VALUES (100, 'z')`, "INSERT 0 1")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("reader and other writer took %v", d)
	}
	<-done
	mustRun(t, writer, `COMMIT`)
	if n := one(t, reader, `SELECT count(*) FROM a`); n != int64(2100010) {
		t.Errorf("after commit: %v", n)
	}
}

// A canceled statement stops within a second and leaves the session
// usable, in and out of a transaction block.
func TestCancel(t *testing.T) {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "a", 10)
	s := e.open(e.keys["admin"], "")
	long := `SELECT count(*) FROM range(1000000000000) x, range(10) y WHERE x.range % 7 = y.range`
	for _, inTx := range []bool{false, true} {
		if inTx {
			mustRun(t, s, `BEGIN; INSERT INTO a VALUES (100, 'x')`)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		_, _, err := run(ctx, s, long)
		if d := time.Since(start); d > 1200*time.Millisecond {
			t.Errorf("cancel took %v", d)
		}
		pe := pgerr.From(err)
		if pe == nil || pe.Code != pgerr.QueryCanceled || pe.Message != "canceling statement due to user request" {
			t.Fatalf("err = %v", err)
		}
		if inTx {
			if s.TxStatus() != TxFailed {
				t.Fatalf("status %c after cancel in a block", s.TxStatus())
			}
			mustRun(t, s, `ROLLBACK`)
		}
		if n := one(t, s, `SELECT count(*) FROM a`); n != int64(10) {
			t.Fatalf("after cancel: %v", n)
		}
	}
	// A deadline (statement_timeout) says so.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, _, err := run(ctx, s, long)
	if pe := pgerr.From(err); pe == nil || pe.Code != pgerr.QueryCanceled || pe.Message != "canceling statement due to statement timeout" {
		t.Fatalf("timeout err = %v", err)
	}
	// A cancel while waiting for a write lock.
	holder := e.open(e.keys["admin"], "")
	mustRun(t, holder, `BEGIN; DELETE FROM a WHERE id = 0`)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	_, _, err = run(ctx2, s, `DELETE FROM a WHERE id = 1`)
	if !errors.Is(err, context.DeadlineExceeded) && pgerr.CodeOf(err) != pgerr.QueryCanceled {
		t.Fatalf("lock wait cancel: %v", err)
	}
	mustRun(t, holder, `ROLLBACK`)
	mustTag(t, s, `DELETE FROM a WHERE id = 1`, "DELETE 1")
}
