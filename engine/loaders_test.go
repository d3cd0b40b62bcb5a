package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestLoaderConnsAreSandboxedAndReportProgress(t *testing.T) {
	dir := t.TempDir()
	e, cat := newEngine(t, dir)
	defer e.Close()
	createProject(t, cat, "p1")
	in, err := e.Instance(context.Background(), "p1")
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(dir, "outside.csv")
	os.WriteFile(outside, []byte("a\n1\n"), 0o640)
	ctx := context.Background()
	var held []func()
	// More loads than loader connections: the extra ones get plain
	// connections, all of them confined to the project folder.
	for i := 0; i < loaderConns+1; i++ {
		conn, release, err := in.LoaderConn()
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, release)
		if _, err := conn.Exec(ctx, "SELECT * FROM read_csv('"+outside+"')"); err == nil {
			t.Fatalf("loader connection %d read a file outside the project", i)
		}
		if pct, _, _ := conn.Progress(); pct != -1 {
			t.Fatalf("progress with no statement = %v", pct)
		}
	}
	for _, r := range held {
		r()
	}
	if len(in.loaders) != loaderConns {
		t.Fatalf("pool holds %d connections after release", len(in.loaders))
	}
}
