package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/duckstore/duckstore/wire/pgtest"
)

// TestProtocolScripts runs the protocol scripts of testdata/pgtest, which
// wire's tests run against PostgreSQL 15, against the real binary. Their
// scratch tables live in a bucket: duckstore has no temporary tables.
func TestProtocolScripts(t *testing.T) {
	e := sharedEnv(t)
	target := e.targets[0]
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, target.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS pgtest`); err != nil {
		t.Fatal(err)
	}
	scripts, _ := filepath.Glob(filepath.Join(repoRoot(t), "testdata", "pgtest", "*.txt"))
	if len(scripts) == 0 {
		t.Fatal("no protocol scripts found")
	}
	for _, path := range scripts {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		t.Run(name, func(t *testing.T) {
			table := "pgtest." + name
			conn.Exec(ctx, "DROP TABLE IF EXISTS "+table)
			pgtest.RunScript(t, e.ds.PG, path, pgtest.Options{
				User: target.User, Password: target.Password, Database: target.Database,
				Vars: map[string]string{"TEMP": "", "COPY_TABLE": table},
			})
			conn.Exec(ctx, "DROP TABLE IF EXISTS "+table)
		})
	}
	// The scripts run against the binary here; wire's tests run them
	// against PostgreSQL 15.
	t.Run("duckstore", func(t *testing.T) { countChecks(t, len(scripts)) })
}
