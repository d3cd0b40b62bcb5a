package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// A pin that lost a race with a drop fails with 42P01 and leaves no empty
// database behind (ATTACH would create the missing file).
func TestPinOfDroppedTable(t *testing.T) {
	ctx := context.Background()
	e, cat := newEngine(t, t.TempDir())
	defer e.Close()
	createProject(t, cat, "p")
	in, err := e.Instance(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	tb := createTable(t, in, "b", "t", 3)
	stale := *tb
	unlock, err := e.LockTable(ctx, tb, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := in.DropTable(ctx, tb); err != nil {
		t.Fatal(err)
	}
	unlock()
	if _, _, err := in.Pin(ctx, &stale); pgerr.CodeOf(err) != pgerr.UndefinedTable {
		t.Fatalf("pin of a dropped table: %v, want 42P01", err)
	}
	if _, err := os.Stat(filepath.Join(in.Dir(), stale.Path)); !os.IsNotExist(err) {
		t.Fatalf("the pin recreated the file: %v", err)
	}
}
