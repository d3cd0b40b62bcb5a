// Package pgcatalogtest reads the catalog query corpus of package
// pgcatalog (../testdata/corpus, format in ../testdata/README.md) and
// compares answers to it the way pgcatalog's TestCorpus does, so that the
// corpus can be replayed against any server: pgcatalog's own catalog in
// DuckDB, or duckstore's binary over the wire (e2e). It is a test helper:
// only tests import it.
package pgcatalogtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Entry is one query of the corpus.
type Entry struct {
	File, Name string
	SQL        string
	Params     []*string // nil for NULL
	// Compare is unordered (the default), ordered, rowcount, columns,
	// run or skip.
	Compare    string
	Ignore     map[string]bool // columns left out of the comparison
	SearchPath []string        // set for this query only, unquoted
	Note       string
}

// Dir is the corpus directory.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(filepath.Dir(file)), "testdata", "corpus")
}

// Read reads the corpus files of dir matching pattern ("*.sql" for all).
func Read(dir, pattern string) ([]Entry, error) {
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no corpus in %s: %v", dir, err)
	}
	var out []Entry
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		entries, err := parse(filepath.Base(f), string(b))
		if err != nil {
			return nil, err
		}
		out = append(out, entries...)
	}
	return out, nil
}

func parse(file, text string) ([]Entry, error) {
	var out []Entry
	var cur *Entry
	var body []string
	flush := func() {
		if cur != nil {
			cur.SQL = strings.TrimSuffix(strings.TrimSpace(strings.Join(body, "\n")), ";")
			out = append(out, *cur)
		}
		body = nil
	}
	for _, line := range strings.Split(text, "\n") {
		if name, ok := strings.CutPrefix(line, "-- name: "); ok {
			flush()
			cur = &Entry{File: file, Name: name, Ignore: map[string]bool{}, Compare: "unordered"}
			continue
		}
		if cur == nil {
			continue
		}
		if len(body) == 0 && strings.HasPrefix(line, "-- ") {
			key, val, _ := strings.Cut(strings.TrimPrefix(line, "-- "), ": ")
			switch key {
			case "params":
				cur.Params = parseParams(val)
			case "compare":
				cur.Compare = val
			case "ignore":
				for _, c := range strings.Split(val, ",") {
					cur.Ignore[strings.TrimSpace(c)] = true
				}
			case "search_path":
				for _, s := range strings.Split(val, ",") {
					s = strings.TrimSpace(s)
					if len(s) > 1 && s[0] == '"' && s[len(s)-1] == '"' {
						s = strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
					}
					cur.SearchPath = append(cur.SearchPath, s)
				}
			case "note":
				cur.Note = val
			default:
				return nil, fmt.Errorf("%s: %s: unknown header %q", file, cur.Name, key)
			}
			continue
		}
		body = append(body, line)
	}
	flush()
	return out, nil
}

// paramRe reads PostgreSQL's log form: $1 = '1186', $2 = NULL.
var paramRe = regexp.MustCompile(`\$\d+ = (NULL|'((?:[^']|'')*)')`)

func parseParams(s string) []*string {
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

// Result is a query's answer as PostgreSQL's text format shows it.
type Result struct {
	Cols []string
	Rows [][]string // NullText for NULL
}

// NullText stands for NULL in Result.Rows.
const NullText = "\x00NULL"

var placeholder = regexp.MustCompile(`\{\{oid:([^}]+)\}\}`)

// FillOIDs replaces {{oid:in.c-sales.orders}} by that object's OID.
func FillOIDs(sql string, oids map[string]string) string {
	return placeholder.ReplaceAllStringFunc(sql, func(m string) string {
		if v, ok := oids[placeholder.FindStringSubmatch(m)[1]]; ok {
			return v
		}
		return m
	})
}

// Symbols names the OIDs of the test schema's objects by what they are
// (rel:in.c-sales.orders), so that answers of two servers compare
// although the numbers differ.
type Symbols map[string]string // oid text -> symbol

// Schemas are the test schema's schemas.
var Schemas = []string{"in.c-sales", "out.c-reports"}

// ServerSymbols reads the OIDs a server gave the test schema's objects,
// through its own catalog, and the OIDs of relations and schemas by name
// for FillOIDs.
func ServerSymbols(ctx context.Context, conn *pgconn.PgConn) (Symbols, map[string]string, error) {
	in := "('" + strings.Join(Schemas, "', '") + "')"
	q := `SELECT c.oid::text, 'rel:' || n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname IN ` + in + `
		UNION ALL SELECT oid::text, 'nsp:' || nspname FROM pg_namespace WHERE nspname IN ` + in + `
		UNION ALL SELECT t.oid::text, 'type:' || n.nspname || '.' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
			WHERE n.nspname IN ` + in + `
		UNION ALL SELECT c.oid::text, 'con:' || n.nspname || '.' || c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
			WHERE n.nspname IN ` + in + `
		UNION ALL SELECT d.oid::text, 'def:' || n.nspname || '.' || c.relname || '.' || d.adnum FROM pg_attrdef d
			JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname IN ` + in
	rr := conn.ExecParams(ctx, q, nil, nil, nil, nil).Read()
	if rr.Err != nil {
		return nil, nil, rr.Err
	}
	syms, oids := Symbols{}, map[string]string{}
	for _, row := range rr.Rows {
		sym := string(row[1])
		syms[string(row[0])] = sym
		if kind, name, _ := strings.Cut(sym, ":"); kind == "rel" || kind == "nsp" {
			oids[name] = string(row[0])
		}
	}
	return syms, oids, nil
}

// RegNames maps what PostgreSQL prints for regproc (24) and regtype (2206)
// values to their OIDs, which is what duckstore's catalog holds.
type RegNames map[uint32]map[string]string

// PostgresRegNames reads RegNames from a PostgreSQL server.
func PostgresRegNames(ctx context.Context, conn *pgconn.PgConn) (RegNames, error) {
	r := RegNames{24: {"-": "0"}, 2206: {"-": "0"}}
	for typ, q := range map[uint32]string{
		24:   "SELECT oid::text, oid::regproc::text FROM pg_proc",
		2206: "SELECT oid::text, oid::regtype::text FROM pg_type",
	} {
		rr := conn.ExecParams(ctx, q, nil, nil, nil, nil).Read()
		if rr.Err != nil {
			return nil, rr.Err
		}
		for _, row := range rr.Rows {
			r[typ][string(row[1])] = string(row[0])
		}
	}
	return r, nil
}

// Run runs an entry over the extended protocol in text format, with its
// search path and parameters, and returns the answer. reg, when not nil,
// turns regproc and regtype names into OIDs; int2vector and oidvector
// values are written as arrays, as duckstore holds them.
func Run(ctx context.Context, conn *pgconn.PgConn, e Entry, oids map[string]string, reg RegNames) (*Result, error) {
	if e.SearchPath != nil {
		quoted := make([]string, len(e.SearchPath))
		for i, s := range e.SearchPath {
			quoted[i] = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		if _, err := conn.Exec(ctx, "SET search_path = "+strings.Join(quoted, ", ")).ReadAll(); err != nil {
			return nil, err
		}
		defer func() { conn.Exec(ctx, "RESET search_path").ReadAll() }()
	}
	var params [][]byte
	for _, p := range e.Params {
		if p == nil {
			params = append(params, nil)
			continue
		}
		params = append(params, []byte(FillOIDs(*p, oids)))
	}
	rr := conn.ExecParams(ctx, FillOIDs(e.SQL, oids), params, nil, nil, nil)
	res := &Result{}
	for rr.NextRow() {
		fds := rr.FieldDescriptions()
		row := rr.Values()
		out := make([]string, len(row))
		for i, v := range row {
			switch {
			case v == nil:
				out[i] = NullText
			case fds[i].DataTypeOID == 22 || fds[i].DataTypeOID == 30:
				// int2vector and oidvector print as "1 2"; duckstore has lists.
				out[i] = "{" + strings.ReplaceAll(string(v), " ", ",") + "}"
			case reg[fds[i].DataTypeOID] != nil && reg[fds[i].DataTypeOID][string(v)] != "":
				out[i] = reg[fds[i].DataTypeOID][string(v)]
			default:
				out[i] = string(v)
			}
		}
		res.Rows = append(res.Rows, out)
	}
	for _, f := range rr.FieldDescriptions() {
		res.Cols = append(res.Cols, f.Name)
	}
	if _, err := rr.Close(); err != nil {
		return nil, err
	}
	return res, nil
}

var notNullName = regexp.MustCompile(`^(\d+)_(\d+)_(\d+)_not_null$`)

// Normalize replaces the test schema's OIDs by symbols, also where
// information_schema names NOT NULL constraints after them.
func (r *Result) Normalize(syms Symbols) {
	for _, row := range r.Rows {
		for i, v := range row {
			if s, ok := syms[v]; ok {
				row[i] = s
			} else if m := notNullName.FindStringSubmatch(v); m != nil {
				row[i] = syms[m[1]] + "_" + syms[m[2]] + "_" + m[3] + "_not_null"
			}
		}
	}
}

// Compare reports how ours differs from PostgreSQL's answer, "" if not,
// as the entry's compare and ignore headers ask.
func Compare(e Entry, pg, ours *Result) string {
	if e.Compare == "run" {
		return ""
	}
	if strings.Join(pg.Cols, ",") != strings.Join(ours.Cols, ",") {
		return fmt.Sprintf("columns differ:\n  pg:   %v\n  ours: %v", pg.Cols, ours.Cols)
	}
	if e.Compare == "columns" {
		return ""
	}
	if e.Compare == "rowcount" {
		if len(pg.Rows) != len(ours.Rows) {
			return fmt.Sprintf("%d rows, PostgreSQL has %d", len(ours.Rows), len(pg.Rows))
		}
		return ""
	}
	if len(pg.Rows) != len(ours.Rows) {
		return fmt.Sprintf("%d rows, PostgreSQL has %d:\n%s", len(ours.Rows), len(pg.Rows), diffRows(pg, ours, e.Ignore))
	}
	if e.Compare == "ordered" {
		if strings.Join(project(pg, e.Ignore), "\n") != strings.Join(project(ours, e.Ignore), "\n") {
			return "rows differ or come in another order:\n" + diffRows(pg, ours, e.Ignore)
		}
		return ""
	}
	return diffRows(pg, ours, e.Ignore)
}

// serverLocal are the columns holding a PostgreSQL server's own storage
// parameters (attribute and relation options). A server may fill them on
// its own, the catalog never has any, so no comparison looks at them.
var serverLocal = map[string]bool{"attoptions": true, "reloptions": true}

func project(r *Result, ignore map[string]bool) []string {
	var out []string
	for _, row := range r.Rows {
		var f []string
		for i, v := range row {
			if !ignore[r.Cols[i]] && !serverLocal[r.Cols[i]] {
				f = append(f, r.Cols[i]+"="+v)
			}
		}
		out = append(out, strings.Join(f, " | "))
	}
	return out
}

// diffRows lists the rows only one side has.
func diffRows(pg, ours *Result, ignore map[string]bool) string {
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
			pgOnly = append(pgOnly, "  pg only:   "+strings.ReplaceAll(r, NullText, "NULL"))
		case n < 0:
			oursOnly = append(oursOnly, "  ours only: "+strings.ReplaceAll(r, NullText, "NULL"))
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
