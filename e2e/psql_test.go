package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// psql runs psql with the target's connection settings and returns what
// it printed (stdout and stderr together).
func psql(t *testing.T, target Target, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql not installed")
	}
	cmd := exec.Command(path, append([]string{"-X", "--no-password", "-v", "VERBOSITY=verbose"}, args...)...)
	cmd.Env = append(target.Env(), "PAGER=cat", "PSQL_PAGER=cat", "LC_ALL=C.UTF-8", "COLUMNS=200")
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// check is one expectation on psql's output: it must match (or, with
// absent, must not).
type check struct {
	name   string
	args   []string
	want   []string // regular expressions that must all match
	absent []string // ... and that must not
}

func TestPsql(t *testing.T) {
	dir := t.TempDir()
	csvIn := filepath.Join(dir, "in.csv")
	os.WriteFile(csvIn, []byte("2024-02-01,EU,10.25\n2024-02-01,\"A, \"\"quoted\"\" region\",\n"), 0o600)
	csvOut := filepath.Join(dir, "out.csv")
	checks := []check{
		{name: "select", args: []string{"-c", `SELECT id, customer, amount FROM "in.c-sales".orders ORDER BY id`},
			want: []string{`1 \| Alice\s+\|\s+1234.50`, `2 \| Bob "B"\s+\|\s+-0.01`, `3 \| Čeněk, žluťoučký`, `\(3 rows\)`}},
		{name: "expanded", args: []string{"-c", `\x on`, "-c", `SELECT id, paid FROM "in.c-sales".orders WHERE id = 1`},
			want: []string{`-\[ RECORD 1 \]`, `id\s+\| 1`, `paid\s+\| t`}},
		{name: "conninfo", args: []string{"-c", `\conninfo`},
			want: []string{`You are connected to database "main" as user "compat"`}},
		{name: "list databases", args: []string{"-c", `\l`}, want: []string{`List of databases`, `main`}},
		{name: "schemas", args: []string{"-c", `\dn`},
			want: []string{`List of schemas`, `in\.c-sales`, `out\.c-reports`}, absent: []string{`in\.c-secret`}},
		{name: "tables", args: []string{"-c", `\dt "in.c-sales".*`},
			want: []string{`in\.c-sales \| orders \| table`}},
		{name: "describe", args: []string{"-c", `\d "in.c-sales".orders`},
			want: []string{`Table "in\.c-sales\.orders"`, `id\s+\| integer\s+\|\s+\| not null`, `amount\s+\| numeric\(12,2\)`,
				`quantity\s+\| smallint`, `big\s+\| bigint`, `ratio\s+\| double precision`, `score\s+\| real`, `paid\s+\| boolean`,
				`order_date\s+\| date`, `order_time\s+\| time without time zone`, `created_at\s+\| timestamp without time zone`,
				`updated_at\s+\| timestamp with time zone`, `duration\s+\| interval`, `uid\s+\| uuid`, `payload\s+\| json`,
				`raw\s+\| bytea`, `tags\s+\| text\[\]`, `nums\s+\| integer\[\]`, `"orders_pkey" PRIMARY KEY, btree \(id\)`}},
		{name: "describe composite key", args: []string{"-c", `\d "out.c-reports".daily`},
			want: []string{`"daily_pkey" PRIMARY KEY, btree \(day, region\)`}},
		{name: "functions", args: []string{"-c", `\df`}, want: []string{`List of functions`, `\(0 rows\)`}},
		{name: "functions of pg_catalog", args: []string{"-c", `\df pg_catalog.version`, "-c", `\df pg_catalog.pg_table_is_visible`},
			want: []string{`pg_catalog \| version\s+\| text\s+\|\s+\| func`, `pg_catalog \| pg_table_is_visible \| boolean\s+\| oid\s+\| func`}},
		{name: "error with sqlstate", args: []string{"-c", `SELECT * FROM "in.c-sales".nope`},
			want: []string{`ERROR:  42P01: relation "in\.c-sales\.nope" does not exist`}},
		{name: "syntax error position", args: []string{"-c", `SELEC 1`},
			want: []string{`ERROR:  42601: syntax error at or near "SELEC"`, `LINE 1: SELEC 1`}},
		{name: "copy in", args: []string{"-c", `\copy "out.c-reports".daily FROM '` + csvIn + `' WITH (FORMAT csv)`,
			"-c", `SELECT region, total FROM "out.c-reports".daily WHERE day = '2024-02-01' ORDER BY region`},
			want: []string{`COPY 2`, `A, "quoted" region \|\s*$`, `EU\s+\|\s+10\.25`}},
		{name: "copy out", args: []string{"-c", `\copy (SELECT id, customer FROM "in.c-sales".orders ORDER BY id) TO '` + csvOut + `' WITH CSV HEADER`},
			want: []string{`COPY 3`}},
	}
	for _, target := range Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			for _, c := range checks {
				out := psql(t, target, c.args...)
				for _, w := range c.want {
					if !regexp.MustCompile(`(?m)` + w).MatchString(out) {
						t.Errorf("%s: output lacks %q:\n%s", c.name, w, out)
					}
				}
				for _, a := range c.absent {
					if regexp.MustCompile(a).MatchString(out) {
						t.Errorf("%s: output shows %q:\n%s", c.name, a, out)
					}
				}
				if c.name == "copy out" {
					got, _ := os.ReadFile(csvOut)
					want := "id,customer\n1,Alice\n2,\"Bob \"\"B\"\"\"\n3,\"Čeněk, žluťoučký\"\n"
					if string(got) != want {
						t.Errorf("copy out wrote %q, want %q", got, want)
					}
				}
			}
			// Undo the rows copy in added, so the suites can run in any order.
			psql(t, target, "-c", `DELETE FROM "out.c-reports".daily WHERE day = '2024-02-01'`)
			countChecks(t, len(checks))
		})
	}
}

var checkCounts = map[string]int{}

// countChecks records how many client checks a suite ran, for the summary
// TestMain prints.
func countChecks(t *testing.T, n int) {
	checkCounts[strings.Split(t.Name(), "/")[0]+"/"+targetOf(t)] += n
}

func targetOf(t *testing.T) string {
	parts := strings.Split(t.Name(), "/")
	return parts[len(parts)-1]
}
