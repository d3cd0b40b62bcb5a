package engine

import (
	"context"
	"sync"
	"testing"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Two creates of one table name get the same path from TablePath; the
// loser must fail with 42P07 and leave the winner's file and rows alone.
func TestConcurrentCreatesOfOneName(t *testing.T) {
	ctx := context.Background()
	e, cat := newEngine(t, t.TempDir())
	defer e.Close()
	createProject(t, cat, "p")
	in, err := e.Instance(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	tables := make([]*catalog.Table, n)
	for i := range n {
		path, err := in.TablePath(catalog.MainBranch, "b", "t")
		if err != nil {
			t.Fatal(err)
		}
		tables[i] = &catalog.Table{ProjectID: "p", BranchID: catalog.MainBranch, Bucket: "b", Name: "t", Path: path}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = in.CreateTable(ctx, tables[i], func(ctx context.Context, c *duck.Conn, alias string) error {
				if _, err := c.Exec(ctx, CreateTableSQL(alias, []catalog.Column{{Name: "id", Type: "BIGINT"}}, nil)); err != nil {
					return err
				}
				_, err := c.Exec(ctx, "INSERT INTO "+duck.QuoteIdent(alias)+".data SELECT range FROM range(100)")
				return err
			})
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
			if got := count(t, in, tables[i]); got != 100 {
				t.Errorf("winner's table has %d rows, want 100", got)
			}
		case pgerr.CodeOf(err) != pgerr.DuplicateTable:
			t.Errorf("loser %d: %v (%s), want 42P07", i, err, pgerr.CodeOf(err))
		}
	}
	if won != 1 {
		t.Fatalf("%d creates succeeded, want 1", won)
	}
}
