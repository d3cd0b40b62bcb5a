package pgcatalog

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/duckstore/duckstore/engine/duck"
)

// Build fills the attached database alias (an empty in-memory database:
// `ATTACH ':memory:' AS <alias>`) with the PostgreSQL 15 catalog of snap:
// a table or view in <alias>.main for every relation Relation maps, the
// macros Function maps, and helper tables named duckstore_*. Build may run
// again on the same alias to rebuild it; UpdateSession refreshes only the
// session-dependent parts.
//
// Build runs statements on conn and leaves no transaction open; the
// catalog is consistent once it returns nil.
func Build(ctx context.Context, conn *duck.Conn, alias string, snap *Snapshot) error {
	if err := loadDefs(); err != nil {
		return err
	}
	if err := snap.check(); err != nil {
		return err
	}
	b := &builder{ctx: ctx, conn: conn, a: quoteIdent(alias) + ".main", snap: snap}
	steps := []struct {
		name string
		run  func() error
	}{
		{"create tables", b.createTables},
		{"load fixtures", b.loadFixtures},
		{"load snapshot", b.loadSnapshot},
		{"derive rows", b.derive},
		{"create macros", b.createMacros},
		{"create views", b.createViews},
		{"load session", func() error { return b.loadSession(&snap.Session) }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return fmt.Errorf("pgcatalog: build %s: %w", s.name, err)
		}
	}
	return nil
}

type builder struct {
	ctx  context.Context
	conn *duck.Conn
	a    string // "<alias>".main, the prefix of every name Build creates
	snap *Snapshot
}

// sql replaces $A with the catalog's prefix.
func (b *builder) sql(q string) string { return strings.ReplaceAll(q, "$A", b.a) }

func (b *builder) exec(q string, args ...any) error {
	if _, err := b.conn.Exec(b.ctx, b.sql(q), args...); err != nil {
		return fmt.Errorf("%w\n%s", err, abbreviate(q))
	}
	return nil
}

func abbreviate(q string) string {
	if len(q) > 300 {
		return q[:300] + "..."
	}
	return q
}

// insert unpacks rows encoded by e into table, whose columns are given by
// name with their DuckDB types.
func (b *builder) insert(table string, names, types []string, e *rowEncoder) error {
	if e.rows == 0 {
		return nil
	}
	q := "INSERT INTO $A." + quoteIdent(table) + " (" + joinQuoted(names) + ") " + unpackSQL(names, types)
	return b.exec(q, string(e.buf))
}

func joinQuoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}

// helperTables are Build's own tables, filled from the snapshot and read by
// the derived rows, the views and the macros.
var helperTables = []string{
	// One row per table of the snapshot, with its derived OIDs.
	`duckstore_tables (id BIGINT, oid UINTEGER, nsp UINTEGER, name VARCHAR, natts SMALLINT, nrows BIGINT,
		bytes BIGINT, readonly BOOLEAN, idx_oid UINTEGER, con_oid UINTEGER, type_oid UINTEGER, arr_oid UINTEGER,
		pkname VARCHAR, pkey SMALLINT[])`,
	`duckstore_namespaces (oid UINTEGER, name VARCHAR, readonly BOOLEAN)`,
	// Columns travel as (table, position, name, type key, flags); the
	// type key indexes duckstore_coltypes, so the PostgreSQL type of each
	// distinct DuckDB type is computed once.
	`duckstore_columns (attrelid UINTEGER, attnum SMALLINT, attname VARCHAR, tkey INTEGER, isnotnull BOOLEAN, hasdef BOOLEAN)`,
	`duckstore_coltypes (tkey INTEGER, duck VARCHAR, atttypid UINTEGER, atttypmod INTEGER)`,
	`duckstore_indexes (oid UINTEGER, def VARCHAR, cols VARCHAR[])`,
	`duckstore_constraints (oid UINTEGER, def VARCHAR)`,
	// format_type's names: PostgreSQL's own for built-in types.
	`duckstore_types (oid UINTEGER, fmt VARCHAR, elem UINTEGER, isarray BOOLEAN)`,
	// Every spelling regtypein accepts.
	`duckstore_type_names (name VARCHAR, oid UINTEGER)`,
	`duckstore_encodings (id INTEGER, name VARCHAR)`,
	`duckstore_keywords (word VARCHAR, catcode VARCHAR)`,
	`duckstore_viewdefs (oid UINTEGER, definition VARCHAR)`,
	`duckstore_settings (name VARCHAR, value VARCHAR)`,
	`duckstore_session (database VARCHAR, usr VARCHAR, version VARCHAR, search_path VARCHAR, schemas VARCHAR[],
		schemas_implicit VARCHAR[], pid INTEGER, server_addr VARCHAR, server_port INTEGER, client_addr VARCHAR,
		client_port INTEGER, server_start TIMESTAMPTZ, txid BIGINT)`,
	// The effective search path: namespace OIDs in search order.
	`duckstore_search_path (pos INTEGER, nspoid UINTEGER)`,
	`duckstore_visible_rel (oid UINTEGER)`,
	`duckstore_visible_type (oid UINTEGER)`,
}

// ddl is the CREATE statements of every table, computed once.
var ddl struct {
	once sync.Once
	sql  string
}

func tablesDDL() string {
	ddl.once.Do(func() {
		var b strings.Builder
		for _, r := range defs.rels {
			if _, isView := viewSQL[r.table]; isView {
				continue
			}
			b.WriteString("CREATE OR REPLACE TABLE $A.")
			b.WriteString(quoteIdent(r.table))
			b.WriteString(" (")
			for i, c := range r.cols {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(quoteIdent(c.name))
				b.WriteByte(' ')
				b.WriteString(c.duck)
			}
			b.WriteString(");\n")
		}
		for _, h := range helperTables {
			b.WriteString("CREATE OR REPLACE TABLE $A.")
			b.WriteString(h)
			b.WriteString(";\n")
		}
		ddl.sql = b.String()
	})
	return ddl.sql
}

func (b *builder) createTables() error { return b.exec(tablesDDL()) }

// fixtureLoad is one fixture's rows, encoded once per process.
type fixtureLoad struct {
	table        string
	names, types []string
	data         string
	rows         int
}

var fixtureLoads struct {
	once  sync.Once
	loads []fixtureLoad
}

// fixtureTables maps a fixture file to the table it fills; files named
// after a relation fill that relation.
var fixtureTables = map[string]string{
	"pg_description":   "pg_description",
	"pg_shdescription": "pg_shdescription",
	"type_names":       "",
	"encodings":        "duckstore_encodings",
	"keywords":         "duckstore_keywords",
	"viewdefs":         "duckstore_viewdefs",
	// Templates Build fills itself.
	"pg_database": "",
	"pg_roles":    "",
	"pg_settings": "",
}

var helperColumnTypes = map[string][]string{
	"duckstore_encodings": {"INTEGER", "VARCHAR"},
	"duckstore_keywords":  {"VARCHAR", "VARCHAR"},
	"duckstore_viewdefs":  {"UINTEGER", "VARCHAR"},
}

func encodedFixtures() []fixtureLoad {
	fixtureLoads.once.Do(func() {
		names := make([]string, 0, len(defs.fixtures))
		for n := range defs.fixtures {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			fx := defs.fixtures[name]
			table, mapped := fixtureTables[name]
			if !mapped {
				table = name
			}
			if table == "" {
				continue
			}
			l := fixtureLoad{table: table, names: fx.header}
			if r := defs.byTable[table]; r != nil {
				for _, h := range fx.header {
					i := r.col(h)
					if i < 0 {
						panic("pgcatalog: fixture " + name + " has column " + h + " unknown to " + table)
					}
					l.types = append(l.types, r.cols[i].duck)
				}
			} else {
				l.types = helperColumnTypes[table]
			}
			var e rowEncoder
			for _, row := range fx.rows {
				e.row()
				for _, v := range row {
					e.raw(v)
				}
			}
			l.data, l.rows = string(e.buf), e.rows
			fixtureLoads.loads = append(fixtureLoads.loads, l)
		}
	})
	return fixtureLoads.loads
}

func (b *builder) loadFixtures() error {
	for _, l := range encodedFixtures() {
		if l.rows == 0 {
			continue
		}
		q := "INSERT INTO $A." + quoteIdent(l.table) + " (" + joinQuoted(l.names) + ") " + unpackSQL(l.names, l.types)
		if err := b.exec(q, l.data); err != nil {
			return err
		}
	}
	// format_type's and regtypein's names of the built-in types.
	var fmts, names rowEncoder
	fx := defs.fixtures["type_names"]
	for _, row := range fx.rows {
		fmts.row()
		fmts.raw(row[0])
		fmts.raw(row[1])
		names.row()
		names.raw(row[1])
		names.raw(row[0])
	}
	for alias, typ := range typeAliases {
		names.row()
		names.str(alias)
		names.int(typ)
	}
	if err := b.insert("duckstore_type_names", []string{"name", "oid"}, []string{"VARCHAR", "UINTEGER"}, &names); err != nil {
		return err
	}
	if err := b.insert("duckstore_types", []string{"oid", "fmt"}, []string{"UINTEGER", "VARCHAR"}, &fmts); err != nil {
		return err
	}
	return b.exec(`
		UPDATE $A.duckstore_types f SET elem = t.typelem, isarray = (t.typelem <> 0 AND t.typlen = -1)
			FROM $A.pg_type t WHERE t.oid = f.oid;
		INSERT INTO $A.duckstore_type_names SELECT typname, oid FROM $A.pg_type`)
}

// typeAliases are the spellings of built-in types PostgreSQL's grammar
// accepts besides typname and format_type's output (gram.y's
// SimpleTypename), for regtypein.
var typeAliases = map[string]int64{
	"int": 23, "integer": 23, "smallint": 21, "bigint": 20, "real": 700, "float": 701,
	"double precision": 701, "decimal": 1700, "dec": 1700, "numeric": 1700, "boolean": 16,
	"char": 1042, "character": 1042, "varchar": 1043, "character varying": 1043, "char varying": 1043,
	"timestamp": 1114, "timestamp without time zone": 1114, "timestamp with time zone": 1184,
	"time": 1083, "time without time zone": 1083, "time with time zone": 1266, "bit varying": 1562,
	"\"char\"": 18,
}

// loadSnapshot encodes the snapshot's buckets, tables, columns, defaults
// and descriptions into the helper tables, pg_namespace, pg_attrdef and
// pg_description.
func (b *builder) loadSnapshot() error {
	s := b.snap
	publicIsBucket := false
	var nsp rowEncoder
	nspOID := make(map[int64]uint32, len(s.Buckets))
	var desc rowEncoder
	for _, bk := range s.Buckets {
		oid, name := NamespaceOID(bk.ID), bk.Name
		if bk.ID == s.PublicBucket {
			oid, name = OIDPublic, "public"
		}
		if name == "public" {
			publicIsBucket = true
		}
		nspOID[bk.ID] = oid
		nsp.row()
		nsp.int(int64(oid))
		nsp.str(name)
		nsp.bool(false)
		if bk.Description != "" {
			desc.row()
			desc.int(int64(oid))
			desc.int(classPgNsp)
			desc.int(0)
			desc.str(bk.Description)
		}
	}
	if publicIsBucket {
		// The fixture's empty public schema gives way to the bucket.
		if err := b.exec(`DELETE FROM $A.pg_namespace WHERE oid = 2200;
			DELETE FROM $A.pg_description WHERE objoid = 2200 AND classoid = 2615`); err != nil {
			return err
		}
	}
	if err := b.insert("duckstore_namespaces", []string{"oid", "name", "readonly"}, []string{"UINTEGER", "VARCHAR", "BOOLEAN"}, &nsp); err != nil {
		return err
	}

	var tables, cols, defaults, coltypes, indexes, cons rowEncoder
	tkeys := map[string]int{}
	relnames := map[uint32]map[string]bool{} // names taken per namespace, for index names
	for i := range s.Tables {
		t := &s.Tables[i]
		ns := nspOID[t.Bucket]
		if relnames[ns] == nil {
			relnames[ns] = map[string]bool{}
		}
		relnames[ns][t.Name] = true
	}
	ndef := 0
	order := make([]int, len(s.Tables))
	for i := range order {
		order[i] = i
	}
	// Defaults are numbered by table id and position (see attrDefOID).
	sort.Slice(order, func(i, j int) bool { return s.Tables[order[i]].ID < s.Tables[order[j]].ID })
	for _, ti := range order {
		t := &s.Tables[ti]
		oid, ns := RelationOID(t.ID), nspOID[t.Bucket]
		pkname := ""
		var pkey []int64
		if len(t.PrimaryKey) > 0 {
			pkname = chooseName(relnames[ns], t.Name, "pkey")
			relnames[ns][pkname] = true
			var quoted []string
			for _, k := range t.PrimaryKey {
				pkey = append(pkey, int64(t.column(k)+1))
				quoted = append(quoted, pgQuoteIdent(k))
			}
			cols := strings.Join(quoted, ", ")
			indexes.row()
			indexes.int(int64(IndexOID(t.ID)))
			indexes.str("CREATE UNIQUE INDEX " + pgQuoteIdent(pkname) + " ON " + pgQuoteIdent(b.nspName(t.Bucket)) + "." +
				pgQuoteIdent(t.Name) + " USING btree (" + cols + ")")
			indexes.sep()
			indexes.buf = append(indexes.buf, '[')
			for j, k := range t.PrimaryKey {
				if j > 0 {
					indexes.buf = append(indexes.buf, ',')
				}
				indexes.buf = appendJSONString(indexes.buf, pgQuoteIdent(k))
			}
			indexes.buf = append(indexes.buf, ']')
			cons.row()
			cons.int(int64(ConstraintOID(t.ID)))
			cons.str("PRIMARY KEY (" + cols + ")")
		}
		tables.row()
		tables.int(t.ID)
		tables.int(int64(oid))
		tables.int(int64(ns))
		tables.str(t.Name)
		tables.int(int64(len(t.Columns)))
		tables.int(t.Rows)
		tables.int(t.Bytes)
		tables.bool(t.ReadOnly)
		tables.int(int64(IndexOID(t.ID)))
		tables.int(int64(ConstraintOID(t.ID)))
		tables.int(int64(RowTypeOID(t.ID)))
		tables.int(int64(RowArrayTypeOID(t.ID)))
		tables.optStr(pkname)
		tables.ints(pkey)
		if t.Description != "" {
			desc.row()
			desc.int(int64(oid))
			desc.int(classPgClass)
			desc.int(0)
			desc.str(t.Description)
		}
		for j := range t.Columns {
			c := &t.Columns[j]
			k, ok := tkeys[c.Type]
			if !ok {
				k = len(tkeys)
				tkeys[c.Type] = k
				pt := ColumnType(c.Type)
				coltypes.row()
				coltypes.int(int64(k))
				coltypes.str(c.Type)
				coltypes.int(int64(pt.OID))
				coltypes.int(int64(pt.Mod))
			}
			cols.row()
			cols.int(int64(oid))
			cols.int(int64(j + 1))
			cols.str(c.Name)
			cols.int(int64(k))
			cols.bool(c.NotNull)
			cols.bool(c.Default != nil)
			if c.Default != nil {
				ndef++
				defaults.row()
				defaults.int(int64(attrDefOID(ndef)))
				defaults.int(int64(oid))
				defaults.int(int64(j + 1))
				defaults.str(pgDefault(*c.Default, ColumnType(c.Type).OID))
			}
			if c.Description != "" {
				desc.row()
				desc.int(int64(oid))
				desc.int(classPgClass)
				desc.int(int64(j + 1))
				desc.str(c.Description)
			}
		}
	}
	loads := []struct {
		table        string
		names, types []string
		e            *rowEncoder
	}{
		{"duckstore_tables", []string{"id", "oid", "nsp", "name", "natts", "nrows", "bytes", "readonly", "idx_oid", "con_oid", "type_oid", "arr_oid", "pkname", "pkey"},
			[]string{"BIGINT", "UINTEGER", "UINTEGER", "VARCHAR", "SMALLINT", "BIGINT", "BIGINT", "BOOLEAN", "UINTEGER", "UINTEGER", "UINTEGER", "UINTEGER", "VARCHAR", "SMALLINT[]"}, &tables},
		{"duckstore_coltypes", []string{"tkey", "duck", "atttypid", "atttypmod"}, []string{"INTEGER", "VARCHAR", "UINTEGER", "INTEGER"}, &coltypes},
		{"duckstore_columns", []string{"attrelid", "attnum", "attname", "tkey", "isnotnull", "hasdef"}, []string{"UINTEGER", "SMALLINT", "VARCHAR", "INTEGER", "BOOLEAN", "BOOLEAN"}, &cols},
		{"pg_attrdef", []string{"oid", "adrelid", "adnum", "adbin"}, []string{"UINTEGER", "UINTEGER", "SMALLINT", "VARCHAR"}, &defaults},
		{"pg_description", []string{"objoid", "classoid", "objsubid", "description"}, []string{"UINTEGER", "UINTEGER", "INTEGER", "VARCHAR"}, &desc},
		{"duckstore_indexes", []string{"oid", "def", "cols"}, []string{"UINTEGER", "VARCHAR", "VARCHAR[]"}, &indexes},
		{"duckstore_constraints", []string{"oid", "def"}, []string{"UINTEGER", "VARCHAR"}, &cons},
	}
	for _, l := range loads {
		if err := b.insert(l.table, l.names, l.types, l.e); err != nil {
			return err
		}
	}
	return nil
}

// nspName is the schema name a bucket is shown under.
func (b *builder) nspName(bucket int64) string {
	if bucket == b.snap.PublicBucket {
		return "public"
	}
	for _, bk := range b.snap.Buckets {
		if bk.ID == bucket {
			return bk.Name
		}
	}
	return ""
}

// chooseName picks an index name the way PostgreSQL's ChooseRelationName
// does: <table>_<suffix>, truncated to 63 bytes, with a number appended
// until it is unique in the namespace.
func chooseName(taken map[string]bool, table, suffix string) string {
	for n := 0; ; n++ {
		tail := "_" + suffix
		if n > 0 {
			tail += strconv.Itoa(n)
		}
		head := table
		for len(head)+len(tail) > 63 {
			head = truncateUTF8(head, 63-len(tail))
		}
		if name := head + tail; !taken[name] {
			return name
		}
	}
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}

var (
	castLiteral   = regexp.MustCompile(`^CAST\('((?:[^']|'')*)' AS [^)]+\)$`)
	stringLiteral = regexp.MustCompile(`^'((?:[^']|'')*)'$`)
)

// pgDefault shows a DuckDB default expression as pg_get_expr would show
// the PostgreSQL one for a column of type typ: PostgreSQL keeps a quoted
// literal as '<text>'::<type>, so the typed literals duckstore writes,
// CAST('<text>' AS <type>), and plain string literals are shown that
// way; anything else is shown as DuckDB has it.
func pgDefault(expr string, typ uint32) string {
	if m := castLiteral.FindStringSubmatch(expr); m != nil {
		return "'" + m[1] + "'::" + formatTypeName(typ)
	}
	if stringLiteral.MatchString(expr) {
		return expr + "::" + formatTypeName(typ)
	}
	return expr
}

var typeNames struct {
	once sync.Once
	m    map[uint32]string
}

// formatTypeName is format_type(oid, NULL) of a built-in type.
func formatTypeName(oid uint32) string {
	typeNames.once.Do(func() {
		typeNames.m = map[uint32]string{}
		for _, row := range defs.fixtures["type_names"].rows {
			n, _ := strconv.ParseUint(row[0], 10, 32)
			typeNames.m[uint32(n)] = row[1]
		}
	})
	if n, ok := typeNames.m[oid]; ok {
		return n
	}
	return "text"
}

// pgQuoteIdent quotes an identifier the way PostgreSQL's quote_ident does:
// only when it is not a lower-case identifier or is a keyword.
func pgQuoteIdent(s string) string {
	safe := s != "" && (s[0] >= 'a' && s[0] <= 'z' || s[0] == '_')
	for i := 0; safe && i < len(s); i++ {
		c := s[i]
		safe = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
	}
	if safe && !isKeyword(s) {
		return s
	}
	return quoteIdent(s)
}

var keywords struct {
	once sync.Once
	set  map[string]bool
}

// isKeyword reports whether quote_ident must quote s: any keyword that is
// not unreserved.
func isKeyword(s string) bool {
	keywords.once.Do(func() {
		keywords.set = map[string]bool{}
		if fx := defs.fixtures["keywords"]; fx != nil {
			for _, row := range fx.rows {
				if row[1] != "U" {
					keywords.set[row[0]] = true
				}
			}
		}
	})
	return keywords.set[s]
}
