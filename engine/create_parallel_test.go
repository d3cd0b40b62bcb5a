package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/duck"
)

// Creates of different tables of one project at once must all succeed:
// the CHECKPOINT that seals each staged file must not trip over the
// others' write transactions.
func TestParallelCreatesOfDifferentTables(t *testing.T) {
	ctx := context.Background()
	e, cat := newEngine(t, t.TempDir())
	defer e.Close()
	createProject(t, cat, "p")
	in, err := e.Instance(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("t%d_%d", w, i)
				if err := createTableErr(ctx, in, name); err != nil {
					errs <- fmt.Errorf("%s: %w", name, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A create must not wait for a write transaction left open on another
// table of the project, nor disturb it.
func TestCreateBesideAnOpenWriteTransaction(t *testing.T) {
	ctx := context.Background()
	e, cat := newEngine(t, t.TempDir())
	defer e.Close()
	createProject(t, cat, "p")
	in, err := e.Instance(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	a := createTable(t, in, "b", "a", 10)
	alias, release, err := in.Pin(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	c, err := in.Conn()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Exec(ctx, "BEGIN; INSERT INTO "+alias+".data SELECT id + 1000, v FROM "+alias+".data"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- createTableErr(ctx, in, "n") }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("create beside an open write: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("create waited for a write transaction on another table")
	}
	if _, err := c.Exec(ctx, "COMMIT"); err != nil {
		t.Fatalf("commit after the create: %v", err)
	}
	if n := count(t, in, a); n != 20 {
		t.Fatalf("table a has %d rows, want 20", n)
	}
}

func createTableErr(ctx context.Context, in *Instance, name string) error {
	path, err := in.TablePath(catalog.MainBranch, "b", name)
	if err != nil {
		return err
	}
	tb := &catalog.Table{ProjectID: in.Project(), BranchID: catalog.MainBranch, Bucket: "b", Name: name, Path: path}
	return in.CreateTable(ctx, tb, func(ctx context.Context, c *duck.Conn, alias string) error {
		_, err := c.Exec(ctx, CreateTableSQL(alias, []catalog.Column{{Name: "id", Type: "BIGINT"}}, nil))
		return err
	})
}
