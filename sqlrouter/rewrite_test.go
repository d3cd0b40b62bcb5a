package sqlrouter

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duckstore/duckstore/wire/pgerr"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/rewrite")

// The golden files under testdata/rewrite hold cases of SQL as a client
// writes it and the SQL DuckDB gets (or the error):
//
//	-- a case's name
//	-- setup: SET search_path TO "in.c-sales"
//	SELECT ...
//	==>
//	SELECT ... (rewritten)
//
// Run with -update to rewrite the expected halves after a deliberate change.

type rewriteCase struct {
	name, setup, input, want string
}

func TestRewriteGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "rewrite", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	e := newGoldenEnv(t)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cases := parseGolden(string(data))
			for i, c := range cases {
				got := rewriteOne(t, e, c)
				if *update {
					cases[i].want = got
					continue
				}
				if got != c.want {
					t.Errorf("%s:\n  input: %s\n  got:   %s\n  want:  %s", c.name, c.input, got, c.want)
				}
			}
			if *update {
				if err := os.WriteFile(file, []byte(formatGolden(cases)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// newGoldenEnv makes tables in a fixed order so their attachment aliases
// (t<catalog id>) are the same in every run.
func newGoldenEnv(t *testing.T) *env {
	e := newEnv(t)
	e.apiTable("p1", "in.c-sales", "orders", 3)
	e.apiTable("p1", "in.c-sales", "customers", 3)
	e.apiTable("p1", "out.c-reports", "orders", 3)
	e.apiTable("p1", "out.c-reports", "summary", 3)
	return e
}

func rewriteOne(t *testing.T, e *env, c rewriteCase) string {
	s := e.open(e.keys["admin"], "")
	defer s.Close()
	ctx := context.Background()
	if c.setup != "" {
		mustRun(t, s, c.setup)
	}
	// Cases marked "(not run)" refer to columns that do not exist; the
	// others must also prepare on DuckDB.
	sql, err := rewriteForTest(ctx, s, c.input, !strings.Contains(c.name, "(not run)"))
	if err != nil {
		pe := pgerr.From(err)
		return "ERROR " + string(pe.Code) + ": " + pe.Message
	}
	return sql
}

// rewriteForTest returns what DuckDB would get for one statement, and
// with check prepares it there.
func rewriteForTest(ctx context.Context, s *Session, sql string, check bool) (string, error) {
	ps, err := parseStatements(sql)
	if err != nil {
		return "", err
	}
	st := &stmt{s: s, sql: ps[0].sql, node: ps[0].node, cls: classify(ps[0].node)}
	if st.cls.op == opRefuse {
		return "", st.cls.err
	}
	var h holds
	defer h.release()
	pl, err := s.rewrite(ctx, &h, queryOf(cloneNode(st.node)), st.cls.tag, false)
	if err != nil {
		return "", err
	}
	if check {
		ds, err := s.conn.Prepare(pl.sql)
		if err != nil {
			return "", fmt.Errorf("DuckDB cannot prepare %s: %w", pl.sql, err)
		}
		ds.Close()
	}
	return pl.sql, nil
}

func parseGolden(data string) []rewriteCase {
	var cases []rewriteCase
	var cur *rewriteCase
	inWant := false
	for _, line := range strings.Split(data, "\n") {
		switch {
		case strings.HasPrefix(line, "-- setup: "):
			cur.setup = strings.TrimPrefix(line, "-- setup: ")
		case strings.HasPrefix(line, "-- "):
			cases = append(cases, rewriteCase{name: strings.TrimPrefix(line, "-- ")})
			cur, inWant = &cases[len(cases)-1], false
		case line == "==>":
			inWant = true
		case cur == nil || strings.TrimSpace(line) == "":
		case inWant:
			cur.want = strings.TrimSpace(cur.want + "\n" + line)
		default:
			cur.input = strings.TrimSpace(cur.input + "\n" + line)
		}
	}
	return cases
}

func formatGolden(cases []rewriteCase) string {
	var b strings.Builder
	for i, c := range cases {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("-- " + c.name + "\n")
		if c.setup != "" {
			b.WriteString("-- setup: " + c.setup + "\n")
		}
		b.WriteString(c.input + "\n==>\n" + c.want + "\n")
	}
	return b.String()
}
