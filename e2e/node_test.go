package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

func TestNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not installed (.ci/run installs nodejs and npm)")
	}
	dir := filepath.Join(repoRoot(t), "e2e", "testdata", "node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "pg-cursor")); err != nil {
		install := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	for _, target := range Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			cmd := exec.Command(node, "suite.js")
			cmd.Dir = dir
			cmd.Env = target.Env()
			out, err := cmd.CombinedOutput()
			m := regexp.MustCompile(`checks (\d+) failed (\d+)`).FindSubmatch(out)
			if err != nil || m == nil || string(m[2]) != "0" {
				t.Fatalf("node-postgres suite against %s: %v\n%s", target.Name, err, out)
			}
			n, _ := strconv.Atoi(string(m[1]))
			countChecks(t, n)
		})
	}
}
