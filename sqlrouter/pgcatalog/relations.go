package pgcatalog

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed fixtures/*.csv fixtures/VERSION
var fixtureFS embed.FS

// relDef is one emulated relation: its PostgreSQL name and columns (from
// fixtures/columns.csv) and the table or view Build makes for it.
type relDef struct {
	schema string // "pg_catalog" or "information_schema"
	name   string
	table  string // its name in <alias>.main
	cols   []colDef
}

type colDef struct {
	name   string
	pgType string // PostgreSQL's type name (a domain for information_schema)
	pgBase string // the same, domains resolved to their base type
	duck   string // the DuckDB type Build gives the column
}

// col returns the position of a column, or -1.
func (r *relDef) col(name string) int {
	for i, c := range r.cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// tableName is the name of a relation's table in <alias>.main. DuckDB
// reserves the schema names pg_catalog and information_schema in every
// catalog, so both live in main; pg_catalog relations keep their names
// (they all start with pg_), information_schema ones get a prefix.
func tableName(schema, name string) string {
	if schema == "information_schema" {
		return "information_schema_" + name
	}
	return name
}

// duckTypeOf maps the PostgreSQL type of a catalog column to the DuckDB
// type that holds it. OIDs and reg* types are UINTEGER (PostgreSQL's oid
// is unsigned 32-bit); int2vector and oidvector are lists (note: lists are
// 1-based in DuckDB, int2vector is 0-based in PostgreSQL).
func duckTypeOf(pg string) string {
	switch pg {
	case "oid", "regproc", "regprocedure", "regtype", "regclass", "regnamespace", "regrole", "regconfig",
		"regdictionary", "regoper", "regoperator", "regcollation", "xid", "cid":
		return "UINTEGER"
	case "xid8":
		return "UBIGINT"
	case "int2":
		return "SMALLINT"
	case "int4":
		return "INTEGER"
	case "int8":
		return "BIGINT"
	case "float4":
		return "FLOAT"
	case "float8", "numeric":
		return "DOUBLE"
	case "bool":
		return "BOOLEAN"
	case "timestamptz":
		return "TIMESTAMPTZ"
	case "timestamp":
		return "TIMESTAMP"
	case "date":
		return "DATE"
	case "interval":
		return "INTERVAL"
	case "bytea":
		return "BLOB"
	case "int2vector", "_int2":
		return "SMALLINT[]"
	case "oidvector", "_oid", "_regtype", "_regproc", "_regclass":
		return "UINTEGER[]"
	case "_int4":
		return "INTEGER[]"
	case "_int8":
		return "BIGINT[]"
	case "_float4":
		return "FLOAT[]"
	case "_float8":
		return "DOUBLE[]"
	case "_bool":
		return "BOOLEAN[]"
	}
	if strings.HasPrefix(pg, "_") {
		return "VARCHAR[]" // _text, _name, _aclitem, _char, _varchar, ...
	}
	return "VARCHAR" // name, text, "char", varchar, pg_node_tree, inet, pg_lsn, anyarray, aclitem, ...
}

// fixture is the rows of one fixture file; NULL is nullField.
type fixture struct {
	header []string
	rows   [][]string
}

func (f *fixture) col(name string) int {
	for i, h := range f.header {
		if h == name {
			return i
		}
	}
	return -1
}

const nullField = "\x1c"

var defs struct {
	once     sync.Once
	err      error
	rels     []*relDef
	byTable  map[string]*relDef
	fixtures map[string]*fixture
	version  string
}

// loadDefs reads the embedded fixtures once per process.
func loadDefs() error {
	defs.once.Do(func() { defs.err = readDefs() })
	return defs.err
}

func readFixture(name string) (*fixture, error) {
	f, err := fixtureFS.Open("fixtures/" + name + ".csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("pgcatalog: fixture %s: %w", name, err)
	}
	fx := &fixture{header: header}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("pgcatalog: fixture %s: %w", name, err)
		}
		for i, v := range rec {
			if v == `\N` {
				rec[i] = nullField
			}
		}
		fx.rows = append(fx.rows, rec)
	}
	return fx, nil
}

func readDefs() error {
	cols, err := readFixture("columns")
	if err != nil {
		return err
	}
	defs.byTable = map[string]*relDef{}
	iSchema, iRel, iName, iType, iBase := cols.col("schema"), cols.col("relation"), cols.col("attname"), cols.col("type"), cols.col("base_type")
	for _, row := range cols.rows {
		table := tableName(row[iSchema], row[iRel])
		r := defs.byTable[table]
		if r == nil {
			r = &relDef{schema: row[iSchema], name: row[iRel], table: table}
			defs.byTable[table] = r
			defs.rels = append(defs.rels, r)
		}
		r.cols = append(r.cols, colDef{name: row[iName], pgType: row[iType], pgBase: row[iBase], duck: duckTypeOf(row[iBase])})
	}
	sort.Slice(defs.rels, func(i, j int) bool { return defs.rels[i].table < defs.rels[j].table })
	defs.fixtures = map[string]*fixture{}
	entries, err := fixtureFS.ReadDir("fixtures")
	if err != nil {
		return err
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".csv")
		if !ok || name == "columns" {
			continue
		}
		fx, err := readFixture(name)
		if err != nil {
			return err
		}
		defs.fixtures[name] = fx
	}
	v, err := fixtureFS.ReadFile("fixtures/VERSION")
	if err != nil {
		return err
	}
	defs.version = strings.TrimSpace(string(v))
	return nil
}

// rowEncoder packs rows into one string that DuckDB unpacks with
// string_split: records end at \x1e, fields at \x1f, \x1c alone is NULL,
// and \x1d escapes those four bytes inside values. Binding one string per
// relation and splitting it in SQL is an order of magnitude faster than
// binding each value (a cgo call per value) or parsing JSON.
type rowEncoder struct {
	buf    []byte
	rows   int
	fields int
}

func (e *rowEncoder) row() {
	if e.rows > 0 {
		e.buf = append(e.buf, 0x1e)
	}
	e.rows++
	e.fields = 0
}

func (e *rowEncoder) sep() {
	if e.fields > 0 {
		e.buf = append(e.buf, 0x1f)
	}
	e.fields++
}

func (e *rowEncoder) str(s string) {
	e.sep()
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x1c && c <= 0x1f {
			e.buf = append(e.buf, 0x1d, 'c'+c-0x1c)
			continue
		}
		e.buf = append(e.buf, c)
	}
}

// raw appends a field from a fixture, where nullField already marks NULL.
func (e *rowEncoder) raw(s string) {
	if s == nullField {
		e.null()
		return
	}
	e.str(s)
}

func (e *rowEncoder) null() {
	e.sep()
	e.buf = append(e.buf, 0x1c)
}

func (e *rowEncoder) int(v int64) {
	e.sep()
	e.buf = strconv.AppendInt(e.buf, v, 10)
}

func (e *rowEncoder) bool(v bool) {
	e.sep()
	if v {
		e.buf = append(e.buf, 't')
	} else {
		e.buf = append(e.buf, 'f')
	}
}

// optStr appends s, or NULL when s is "".
func (e *rowEncoder) optStr(s string) {
	if s == "" {
		e.null()
		return
	}
	e.str(s)
}

// ints appends a list of integers as a JSON array.
func (e *rowEncoder) ints(v []int64) {
	e.sep()
	e.buf = append(e.buf, '[')
	for i, n := range v {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = strconv.AppendInt(e.buf, n, 10)
	}
	e.buf = append(e.buf, ']')
}

// bools appends a list of booleans as a JSON array.
func (e *rowEncoder) bools(v []bool) {
	e.sep()
	e.buf = append(e.buf, '[')
	for i, b := range v {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if b {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	}
	e.buf = append(e.buf, ']')
}

// names appends a list of names separated by \x01, which DuckDB splits
// faster than it parses JSON, or as a JSON array when a name holds a
// control byte or starts the list with '[' (catalog names never do).
func (e *rowEncoder) names(v []string) {
	plain := len(v) > 0 && !strings.HasPrefix(v[0], "[")
	for _, s := range v {
		for i := 0; plain && i < len(s); i++ {
			plain = s[i] >= 0x20
		}
	}
	if !plain {
		e.strs(v)
		return
	}
	e.sep()
	for i, s := range v {
		if i > 0 {
			e.buf = append(e.buf, 0x01)
		}
		e.buf = append(e.buf, s...)
	}
}

// splitInts appends a list of integers separated by spaces (cheaper for
// DuckDB to read than JSON), or NULL for an empty list.
func (e *rowEncoder) splitInts(v []int64) {
	if len(v) == 0 {
		e.null()
		return
	}
	e.sep()
	for i, n := range v {
		if i > 0 {
			e.buf = append(e.buf, ' ')
		}
		e.buf = strconv.AppendInt(e.buf, n, 10)
	}
}

// fixtureLoad is a table's rows, encoded once per process.
type fixtureLoad struct {
	table        string
	names, types []string
	data         string
	rows         int
}

// unpackSQL returns the SELECT that unpacks an encoded string bound as $1
// into columns of the given DuckDB types, named as given. Lists travel as
// JSON arrays, except that a type "T[] SPLIT" is a list of numbers written
// by splitInts.
func unpackSQL(names, types []string) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, t := range types {
		if i > 0 {
			b.WriteString(", ")
		}
		f := "f[" + strconv.Itoa(i+1) + "]"
		switch {
		case t == "VARCHAR[] NAMES":
			// Written by names: split at \x01, or JSON after a '['.
			b.WriteString("CASE WHEN " + f + " = chr(28) THEN NULL WHEN starts_with(" + f + ", '[') THEN CAST(CAST(" + f +
				" AS JSON) AS VARCHAR[]) ELSE string_split(" + f + ", chr(1)) END")
		case strings.HasSuffix(t, " SPLIT"):
			// Lists of numbers written by splitInts.
			b.WriteString("CAST(string_split(nullif(" + f + ", chr(28)), ' ') AS " + strings.TrimSuffix(t, " SPLIT") + ")")
		case t == "VARCHAR":
			b.WriteString(decodeExpr(f))
		case strings.HasSuffix(t, "]"):
			// Lists travel as JSON arrays.
			b.WriteString("CAST(CAST(" + decodeExpr(f) + " AS JSON) AS " + t + ")")
		default:
			b.WriteString("CAST(nullif(" + f + ", chr(28)) AS " + t + ")")
		}
		b.WriteString(" AS ")
		b.WriteString(quoteIdent(names[i]))
	}
	b.WriteString(" FROM (SELECT string_split(r, chr(31)) AS f FROM (SELECT unnest(string_split($1::VARCHAR, chr(30))) AS r))")
	return b.String()
}

// decodeExpr undoes rowEncoder.str in SQL. Replacing the escape byte last
// is what keeps the sequence of replaces exact.
func decodeExpr(f string) string {
	return "CASE WHEN " + f + " = chr(28) THEN NULL WHEN contains(" + f + ", chr(29)) THEN " +
		"replace(replace(replace(replace(" + f + ", chr(29) || 'c', chr(28)), chr(29) || 'e', chr(30)), chr(29) || 'f', chr(31)), chr(29) || 'd', chr(29)) " +
		"ELSE " + f + " END"
}

// quoteIdent quotes an identifier for DuckDB.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteString quotes a string literal for DuckDB.
func quoteString(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}
