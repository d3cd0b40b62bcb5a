package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// pgjdbcJar is Debian's libpostgresql-jdbc-java, which .ci/run installs.
const pgjdbcJar = "/usr/share/java/postgresql.jar"

func TestJDBC(t *testing.T) {
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatal("java not installed (.ci/run installs default-jdk-headless)")
	}
	if _, err := os.Stat(pgjdbcJar); err != nil {
		t.Fatalf("pgjdbc missing (.ci/run installs libpostgresql-jdbc-java): %v", err)
	}
	src := filepath.Join(repoRoot(t), "e2e", "testdata", "java", "JdbcSuite.java")
	for _, target := range Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			url := "jdbc:postgresql://" + target.Host + ":" + target.Port + "/" + target.Database + "?sslmode=disable&ApplicationName=jdbc-suite"
			cmd := exec.Command(java, "-cp", pgjdbcJar, src, url, target.User, target.Password)
			out, err := cmd.CombinedOutput()
			m := regexp.MustCompile(`checks (\d+) failed (\d+)`).FindSubmatch(out)
			if err != nil || m == nil || string(m[2]) != "0" {
				t.Fatalf("pgjdbc suite against %s: %v\n%s", target.Name, err, out)
			}
			n, _ := strconv.Atoi(string(m[1]))
			countChecks(t, n)
		})
	}
}
