package pgcatalog

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/duckstore/duckstore/engine/duck"
)

// corpusEntry is one query of testdata/corpus (format in
// testdata/README.md).
type corpusEntry struct {
	file, name string
	sql        string
	params     []*string // nil for NULL
	compare    string    // rows (default), ordered, unordered, rowcount, columns, run
	ignore     map[string]bool
	searchPath []string
	note       string
}

func readCorpus(t *testing.T) []corpusEntry {
	t.Helper()
	files, err := filepath.Glob("testdata/corpus/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	var out []corpusEntry
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cur *corpusEntry
		var body []string
		flush := func() {
			if cur != nil {
				cur.sql = strings.TrimSuffix(strings.TrimSpace(strings.Join(body, "\n")), ";")
				out = append(out, *cur)
			}
			body = nil
		}
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "-- name: "); ok {
				flush()
				cur = &corpusEntry{file: filepath.Base(f), name: name, ignore: map[string]bool{}, compare: "unordered"}
				continue
			}
			if cur == nil {
				continue
			}
			if len(body) == 0 && strings.HasPrefix(line, "-- ") {
				key, val, _ := strings.Cut(strings.TrimPrefix(line, "-- "), ": ")
				switch key {
				case "params":
					cur.params = parseParams(t, val)
				case "compare":
					cur.compare = val
				case "ignore":
					for _, c := range strings.Split(val, ",") {
						cur.ignore[strings.TrimSpace(c)] = true
					}
				case "search_path":
					for _, s := range strings.Split(val, ",") {
						s = strings.TrimSpace(s)
						if len(s) > 1 && s[0] == '"' && s[len(s)-1] == '"' {
							s = strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
						}
						cur.searchPath = append(cur.searchPath, s)
					}
				case "note":
					cur.note = val
				default:
					t.Fatalf("%s: %s: unknown header %q", f, cur.name, key)
				}
				continue
			}
			body = append(body, line)
		}
		flush()
	}
	return out
}

// parseParams reads PostgreSQL's log form: $1 = '1186', $2 = NULL.
var paramRe = regexp.MustCompile(`\$\d+ = (NULL|'((?:[^']|'')*)')`)

func parseParams(t *testing.T, s string) []*string {
	var out []*string
	for _, m := range paramRe.FindAllStringSubmatch(s, -1) {
		if m[1] == "NULL" {
			out = append(out, nil)
			continue
		}
		v := strings.ReplaceAll(m[2], "''", "'")
		out = append(out, &v)
	}
	return out
}

// result is a query's answer as PostgreSQL's text format would show it.
type result struct {
	cols []string
	rows [][]string // "\x00NULL" for NULL
}

const nullText = "\x00NULL"

var placeholder = regexp.MustCompile(`\{\{oid:([^}]+)\}\}`)

// symbols names the OIDs of the test schema's objects by what they are, so
// that PostgreSQL's and duckstore's answers compare although the numbers
// differ.
type symbols map[string]string // oid text -> symbol

// pgSymbols reads the OIDs PostgreSQL gave the test schema's objects.
func pgSymbols(t *testing.T, pg *pgconn.PgConn) (symbols, map[string]string) {
	q := `SELECT c.oid::text, 'rel:' || n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname IN ('in.c-sales', 'out.c-reports')
		UNION ALL SELECT oid::text, 'nsp:' || nspname FROM pg_namespace WHERE nspname IN ('in.c-sales', 'out.c-reports')
		UNION ALL SELECT t.oid::text, 'type:' || n.nspname || '.' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
			WHERE n.nspname IN ('in.c-sales', 'out.c-reports')
		UNION ALL SELECT c.oid::text, 'con:' || n.nspname || '.' || c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
			WHERE n.nspname IN ('in.c-sales', 'out.c-reports')
		UNION ALL SELECT d.oid::text, 'def:' || n.nspname || '.' || c.relname || '.' || d.adnum FROM pg_attrdef d
			JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname IN ('in.c-sales', 'out.c-reports')`
	rr := pg.ExecParams(context.Background(), q, nil, nil, nil, nil).Read()
	if rr.Err != nil {
		t.Fatal(rr.Err)
	}
	syms, oids := symbols{}, map[string]string{}
	for _, row := range rr.Rows {
		sym := string(row[1])
		syms[string(row[0])] = sym
		if kind, name, _ := strings.Cut(sym, ":"); kind == "rel" || kind == "nsp" {
			oids[name] = string(row[0])
		}
	}
	return syms, oids
}

// ourSymbols are the same names for the OIDs oid.go derives.
func ourSymbols(s *Snapshot) (symbols, map[string]string) {
	syms, oids := symbols{}, map[string]string{}
	add := func(oid uint32, kind, name string) {
		v := strconv.FormatUint(uint64(oid), 10)
		syms[v] = kind + ":" + name
		if kind == "rel" || kind == "nsp" {
			oids[name] = v
		}
	}
	bucket := map[int64]string{}
	for _, b := range s.Buckets {
		bucket[b.ID] = b.Name
		add(NamespaceOID(b.ID), "nsp", b.Name)
	}
	// Defaults are numbered by table id, then position (oid.go).
	tables := append([]Table(nil), s.Tables...)
	sort.Slice(tables, func(i, j int) bool { return tables[i].ID < tables[j].ID })
	n := 0
	for _, t := range tables {
		for j, c := range t.Columns {
			if c.Default != nil {
				n++
				add(attrDefOID(n), "def", bucket[t.Bucket]+"."+t.Name+"."+strconv.Itoa(j+1))
			}
		}
	}
	for _, t := range s.Tables {
		q := bucket[t.Bucket] + "." + t.Name
		add(RelationOID(t.ID), "rel", q)
		add(RowTypeOID(t.ID), "type", q)
		add(RowArrayTypeOID(t.ID), "type", bucket[t.Bucket]+"._"+t.Name)
		if len(t.PrimaryKey) > 0 {
			add(IndexOID(t.ID), "rel", q+"_pkey")
			add(ConstraintOID(t.ID), "con", q+"_pkey")
		}
	}
	return syms, oids
}

func fillOIDs(sql string, oids map[string]string) string {
	return placeholder.ReplaceAllStringFunc(sql, func(m string) string {
		if v, ok := oids[placeholder.FindStringSubmatch(m)[1]]; ok {
			return v
		}
		return m
	})
}

// regNames maps what PostgreSQL prints for regproc and regtype values to
// their OIDs, which is what duckstore's catalog holds.
type regNames map[uint32]map[string]string

func pgRegNames(t *testing.T, pg *pgconn.PgConn) regNames {
	r := regNames{24: {"-": "0"}, 2206: {"-": "0"}}
	for typ, q := range map[uint32]string{
		24:   "SELECT oid::text, oid::regproc::text FROM pg_proc",
		2206: "SELECT oid::text, oid::regtype::text FROM pg_type",
	} {
		rr := pg.ExecParams(context.Background(), q, nil, nil, nil, nil).Read()
		if rr.Err != nil {
			t.Fatal(rr.Err)
		}
		for _, row := range rr.Rows {
			r[typ][string(row[1])] = string(row[0])
		}
	}
	return r
}

func runPG(ctx context.Context, pg *pgconn.PgConn, e corpusEntry, oids map[string]string, reg regNames) (*result, error) {
	if e.searchPath != nil {
		quoted := make([]string, len(e.searchPath))
		for i, s := range e.searchPath {
			quoted[i] = quoteIdent(s)
		}
		if _, err := pg.Exec(ctx, "SET search_path = "+strings.Join(quoted, ", ")).ReadAll(); err != nil {
			return nil, err
		}
		defer func() { pg.Exec(ctx, "RESET search_path").ReadAll() }()
	}
	var params [][]byte
	for _, p := range e.params {
		if p == nil {
			params = append(params, nil)
			continue
		}
		params = append(params, []byte(fillOIDs(*p, oids)))
	}
	rr := pg.ExecParams(ctx, fillOIDs(e.sql, oids), params, nil, nil, nil)
	res := &result{}
	for rr.NextRow() {
		fds := rr.FieldDescriptions()
		row := rr.Values()
		out := make([]string, len(row))
		for i, v := range row {
			switch {
			case v == nil:
				out[i] = nullText
			case fds[i].DataTypeOID == 22 || fds[i].DataTypeOID == 30:
				// int2vector and oidvector print as "1 2"; duckstore has lists.
				out[i] = "{" + strings.ReplaceAll(string(v), " ", ",") + "}"
			case reg[fds[i].DataTypeOID] != nil && reg[fds[i].DataTypeOID][string(v)] != "":
				// regproc and regtype columns print names; duckstore has OIDs.
				out[i] = reg[fds[i].DataTypeOID][string(v)]
			default:
				out[i] = string(v)
			}
		}
		res.rows = append(res.rows, out)
	}
	for _, f := range rr.FieldDescriptions() {
		res.cols = append(res.cols, f.Name)
	}
	if _, err := rr.Close(); err != nil {
		return nil, err
	}
	return res, nil
}

func runOurs(ctx context.Context, c *duck.Conn, snap *Snapshot, e corpusEntry, oids map[string]string) (*result, string, error) {
	sql, err := rewrite(fillOIDs(e.sql, oids), testAlias)
	if err != nil {
		return nil, "", fmt.Errorf("rewrite: %w", err)
	}
	if e.searchPath != nil {
		s := *snap
		s.Session.SearchPath = e.searchPath
		if err := UpdateSession(ctx, c, testAlias, &s); err != nil {
			return nil, sql, err
		}
		defer UpdateSession(ctx, c, testAlias, snap)
	}
	var args []any
	for _, p := range e.params {
		if p == nil {
			args = append(args, nil)
			continue
		}
		args = append(args, fillOIDs(*p, oids))
	}
	cols, rows, err := query(ctx, c, sql, args...)
	if err != nil {
		return nil, sql, err
	}
	res := &result{}
	for _, col := range cols {
		res.cols = append(res.cols, col.Name)
	}
	for _, row := range rows {
		out := make([]string, len(row))
		for i, v := range row {
			out[i] = pgText(v, cols[i].Type)
		}
		res.rows = append(res.rows, out)
	}
	return res, sql, nil
}

// pgText writes a value the way PostgreSQL's text format does.
func pgText(v any, t duck.Type) string {
	switch x := v.(type) {
	case nil:
		return nullText
	case bool:
		if x {
			return "t"
		}
		return "f"
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		if t.ID == duck.TypeFloat {
			return strconv.FormatFloat(x, 'g', -1, 32)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		switch t.ID {
		case duck.TypeTimestampTZ:
			return strings.Replace(strings.TrimSuffix(x, "Z"), "T", " ", 1) + "+00"
		}
		return x
	case json.Number:
		return string(x)
	case []any:
		var b strings.Builder
		b.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			s := pgText(e, *t.Elem)
			switch {
			case s == nullText:
				b.WriteString("NULL")
			case s == "" || strings.ContainsAny(s, `{},"\ `) || strings.EqualFold(s, "null"):
				b.WriteString(`"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`)
			default:
				b.WriteString(s)
			}
		}
		b.WriteByte('}')
		return b.String()
	case map[string]any:
		// A record: its fields in order.
		var parts []string
		for _, f := range t.Fields {
			parts = append(parts, pgText(x[f.Name], f.Type))
		}
		return "(" + strings.Join(parts, ",") + ")"
	}
	if f, ok := v.(float32); ok {
		return strconv.FormatFloat(float64(f), 'g', -1, 32)
	}
	return fmt.Sprint(v)
}

var notNullName = regexp.MustCompile(`^(\d+)_(\d+)_(\d+)_not_null$`)

// normalize replaces the test schema's OIDs by symbols, also where
// information_schema names NOT NULL constraints after them.
func (r *result) normalize(syms symbols) {
	for _, row := range r.rows {
		for i, v := range row {
			if s, ok := syms[v]; ok {
				row[i] = s
			} else if m := notNullName.FindStringSubmatch(v); m != nil {
				row[i] = syms[m[1]] + "_" + syms[m[2]] + "_" + m[3] + "_not_null"
			}
		}
	}
}

// compare reports how ours differs from PostgreSQL's answer, "" if not.
func compare(e corpusEntry, pg, ours *result) string {
	if e.compare == "run" {
		return ""
	}
	if strings.Join(pg.cols, ",") != strings.Join(ours.cols, ",") {
		return fmt.Sprintf("columns differ:\n  pg:   %v\n  ours: %v", pg.cols, ours.cols)
	}
	if e.compare == "columns" {
		return ""
	}
	if len(pg.rows) != len(ours.rows) && e.compare != "rowcount" {
		return fmt.Sprintf("%d rows, PostgreSQL has %d:\n%s", len(ours.rows), len(pg.rows), diffRows(pg, ours, e.ignore))
	}
	if e.compare == "rowcount" {
		if len(pg.rows) != len(ours.rows) {
			return fmt.Sprintf("%d rows, PostgreSQL has %d", len(ours.rows), len(pg.rows))
		}
		return ""
	}
	if d := diffRows(pg, ours, e.ignore); d != "" && e.compare != "ordered" || e.compare == "ordered" && !sameOrdered(pg, ours, e.ignore) {
		return d
	}
	return ""
}

func project(r *result, ignore map[string]bool) []string {
	var out []string
	for _, row := range r.rows {
		var f []string
		for i, v := range row {
			if !ignore[r.cols[i]] {
				f = append(f, r.cols[i]+"="+v)
			}
		}
		out = append(out, strings.Join(f, " | "))
	}
	return out
}

func sameOrdered(pg, ours *result, ignore map[string]bool) bool {
	return strings.Join(project(pg, ignore), "\n") == strings.Join(project(ours, ignore), "\n")
}

// diffRows lists the rows only one side has.
func diffRows(pg, ours *result, ignore map[string]bool) string {
	a, b := project(pg, ignore), project(ours, ignore)
	count := map[string]int{}
	for _, r := range a {
		count[r]++
	}
	for _, r := range b {
		count[r]--
	}
	var pgOnly, oursOnly []string
	for r, n := range count {
		switch {
		case n > 0:
			pgOnly = append(pgOnly, "  pg only:   "+strings.ReplaceAll(r, nullText, "NULL"))
		case n < 0:
			oursOnly = append(oursOnly, "  ours only: "+strings.ReplaceAll(r, nullText, "NULL"))
		}
	}
	sort.Strings(pgOnly)
	sort.Strings(oursOnly)
	var only []string
	for _, side := range [][]string{oursOnly, pgOnly} {
		if len(side) > 6 {
			side = append(side[:6], fmt.Sprintf("  ... %d more", len(side)-6))
		}
		only = append(only, side...)
	}
	return strings.Join(only, "\n")
}

// addUserTables creates the snapshot's tables as plain DuckDB tables in the
// default catalog, for the corpus's queries of table data (pgjdbc reads a
// table to describe its columns).
func addUserTables(t *testing.T, c *duck.Conn, s *Snapshot) {
	ctx := context.Background()
	bucket := map[int64]string{}
	for _, b := range s.Buckets {
		bucket[b.ID] = b.Name
		if _, err := c.Exec(ctx, "CREATE SCHEMA "+quoteIdent(b.Name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tb := range s.Tables {
		var cols []string
		for _, col := range tb.Columns {
			cols = append(cols, quoteIdent(col.Name)+" "+col.Type)
		}
		if _, err := c.Exec(ctx, "CREATE TABLE "+quoteIdent(bucket[tb.Bucket])+"."+quoteIdent(tb.Name)+" ("+strings.Join(cols, ", ")+")"); err != nil {
			t.Fatal(err)
		}
	}
}

// comparisonSnapshot is testSnapshot as PostgreSQL shows the same schema
// right after CREATE TABLE: no statistics yet.
func comparisonSnapshot() *Snapshot {
	s := testSnapshot()
	for i := range s.Tables {
		s.Tables[i].Rows = -1
	}
	s.Session.SearchPath = []string{"$user", "public"}
	return s
}

// TestCorpus runs every query of testdata/corpus on a real PostgreSQL 15
// holding testdata/schema_pg.sql and, rewritten as the router will, on the
// catalog Build makes of the same schema, and compares the answers.
func TestCorpus(t *testing.T) {
	entries := readCorpus(t)
	pg := startPostgres(t)
	snap := comparisonSnapshot()
	c := openCatalog(t, snap)
	addUserTables(t, c, snap)
	pgSyms, pgOIDs := pgSymbols(t, pg)
	reg := pgRegNames(t, pg)
	ourSyms, ourOIDs := ourSymbols(snap)
	ctx := context.Background()
	passed := 0
	for _, e := range entries {
		t.Run(e.file+"/"+e.name, func(t *testing.T) {
			if e.compare == "skip" {
				t.Skip(e.note)
			}
			want, err := runPG(ctx, pg, e, pgOIDs, reg)
			if err != nil {
				t.Fatalf("PostgreSQL: %v", err)
			}
			got, sql, err := runOurs(ctx, c, snap, e, ourOIDs)
			if err != nil {
				t.Fatalf("duckstore: %v\n%s", err, sql)
			}
			want.normalize(pgSyms)
			got.normalize(ourSyms)
			if d := compare(e, want, got); d != "" {
				t.Errorf("%s\n%s", d, sql)
				return
			}
			t.Logf("%d rows, as PostgreSQL", len(got.rows))
			passed++
		})
	}
	t.Logf("%d of %d corpus queries answer as PostgreSQL 15 does", passed, len(entries))
}
