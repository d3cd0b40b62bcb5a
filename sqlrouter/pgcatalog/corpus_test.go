package pgcatalog

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/sqlrouter/pgcatalog/pgcatalogtest"
)

// The corpus format, the reading and the comparison are
// pgcatalogtest's, which e2e shares to replay the corpus through the
// binary.
type (
	corpusEntry = pgcatalogtest.Entry
	result      = pgcatalogtest.Result
	symbols     = pgcatalogtest.Symbols
)

const nullText = pgcatalogtest.NullText

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

func runOurs(ctx context.Context, c *duck.Conn, snap *Snapshot, e corpusEntry, oids map[string]string) (*result, string, error) {
	sql, err := rewrite(pgcatalogtest.FillOIDs(e.SQL, oids), testAlias)
	if err != nil {
		return nil, "", fmt.Errorf("rewrite: %w", err)
	}
	if e.SearchPath != nil {
		s := *snap
		s.Session.SearchPath = e.SearchPath
		if err := UpdateSession(ctx, c, testAlias, &s); err != nil {
			return nil, sql, err
		}
		defer UpdateSession(ctx, c, testAlias, snap)
	}
	var args []any
	for _, p := range e.Params {
		if p == nil {
			args = append(args, nil)
			continue
		}
		args = append(args, pgcatalogtest.FillOIDs(*p, oids))
	}
	cols, rows, err := query(ctx, c, sql, args...)
	if err != nil {
		return nil, sql, err
	}
	res := &result{}
	for _, col := range cols {
		res.Cols = append(res.Cols, col.Name)
	}
	for _, row := range rows {
		out := make([]string, len(row))
		for i, v := range row {
			out[i] = pgText(v, cols[i].Type)
		}
		res.Rows = append(res.Rows, out)
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
	entries, err := pgcatalogtest.Read("testdata/corpus", "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	pg := startPostgres(t)
	// The built-in rows (pg_proc, pg_settings, ...) come from the fixtures;
	// a server of another minor release may differ in a few of them.
	if res, err := pg.Exec(context.Background(), "SHOW server_version").ReadAll(); err == nil && len(res) == 1 && len(res[0].Rows) == 1 {
		fixture, _ := fixtureFS.ReadFile("fixtures/VERSION")
		if live := "PostgreSQL " + string(res[0].Rows[0][0]); live != strings.TrimSpace(string(fixture)) {
			t.Logf("the fixtures are from %s, this server is %s: if built-in rows differ, run go generate ./sqlrouter/pgcatalog",
				strings.TrimSpace(string(fixture)), live)
		}
	}
	snap := comparisonSnapshot()
	c := openCatalog(t, snap)
	addUserTables(t, c, snap)
	ctx := context.Background()
	pgSyms, pgOIDs, err := pgcatalogtest.ServerSymbols(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := pgcatalogtest.PostgresRegNames(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	ourSyms, ourOIDs := ourSymbols(snap)
	passed := 0
	for _, e := range entries {
		t.Run(e.File+"/"+e.Name, func(t *testing.T) {
			if e.Compare == "skip" {
				t.Skip(e.Note)
			}
			want, err := pgcatalogtest.Run(ctx, pg, e, pgOIDs, reg)
			if err != nil {
				t.Fatalf("PostgreSQL: %v", err)
			}
			got, sql, err := runOurs(ctx, c, snap, e, ourOIDs)
			if err != nil {
				t.Fatalf("duckstore: %v\n%s", err, sql)
			}
			want.Normalize(pgSyms)
			got.Normalize(ourSyms)
			if d := pgcatalogtest.Compare(e, want, got); d != "" {
				t.Errorf("%s\n%s", d, sql)
				return
			}
			t.Logf("%d rows, as PostgreSQL", len(got.Rows))
			passed++
		})
	}
	t.Logf("%d of %d corpus queries answer as PostgreSQL 15 does", passed, len(entries))
}
