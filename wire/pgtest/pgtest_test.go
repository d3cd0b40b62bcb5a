package pgtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// ScriptDir is where the repository's protocol scripts are, seen from
// this package.
const scriptDir = "../../testdata/pgtest"

// TestScriptsAgainstPostgres pins the scripts to PostgreSQL 15 itself:
// whatever they expect of duckstore, a real PostgreSQL does.
func TestScriptsAgainstPostgres(t *testing.T) {
	pg := SharedPostgres(t)
	paths, err := filepath.Glob(filepath.Join(scriptDir, "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts in %s: %v", scriptDir, err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txt"), func(t *testing.T) {
			RunScript(t, pg.Addr, p, Options{User: pg.User, Password: pg.Password, Database: "postgres"})
		})
	}
}
