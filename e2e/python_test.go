package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// pythonBin is Debian's python3, which has the client packages .ci/run
// installs (python3-psycopg2, python3-psycopg, python3-sqlalchemy,
// python3-pandas).
const pythonBin = "/usr/bin/python3"

func TestPython(t *testing.T) {
	if _, err := os.Stat(pythonBin); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	probe := exec.Command(pythonBin, "-c", "import psycopg2, psycopg, sqlalchemy, pandas")
	if out, err := probe.CombinedOutput(); err != nil {
		t.Fatalf("python client packages missing (.ci/run installs them): %s", out)
	}
	script := filepath.Join(repoRoot(t), "e2e", "testdata", "python", "suite.py")
	for _, target := range Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			cmd := exec.Command(pythonBin, script, target.DSN())
			out, err := cmd.CombinedOutput()
			m := regexp.MustCompile(`checks (\d+) failed (\d+)`).FindSubmatch(out)
			if err != nil || m == nil || string(m[2]) != "0" {
				t.Fatalf("python suite against %s: %v\n%s", target.Name, err, out)
			}
			n, _ := strconv.Atoi(string(m[1]))
			countChecks(t, n)
		})
	}
}
