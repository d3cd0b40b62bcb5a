package pgcatalog

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

// Build fills the attached database alias (an empty in-memory database:
// `ATTACH ':memory:' AS <alias>`) with the PostgreSQL 15 catalog of snap:
// a table or view in <alias>.main for every relation Relation maps, the
// macros Function maps, and helper tables named duckstore_*. It loads
// PostgreSQL's built-in rows into alias too; BuildShared reads them from a
// database BuildStatic filled instead. Build may run again on the same
// alias to rebuild it; UpdateSession refreshes only the session-dependent
// parts.
func Build(ctx context.Context, conn *duck.Conn, alias string, snap *Snapshot) error {
	return BuildShared(ctx, conn, alias, "", snap)
}

// BuildShared is Build reading PostgreSQL's built-in rows from the
// attached database static, which BuildStatic filled; static "" is Build.
// The views it creates in alias refer to static, which must stay attached
// under that name while alias is used.
func BuildShared(ctx context.Context, conn *duck.Conn, alias, static string, snap *Snapshot) error {
	if err := loadDefs(); err != nil {
		return err
	}
	if err := snap.check(); err != nil {
		return err
	}
	b := &builder{ctx: ctx, conn: conn, a: quoteIdent(alias) + ".main", s: quoteIdent(alias) + ".main", snap: snap}
	shared := static != "" && static != alias
	if shared {
		b.s = quoteIdent(static) + ".main"
	}
	steps := []struct {
		name string
		run  func() error
	}{
		{"load built-in rows", func() error {
			if shared {
				return b.exec("SELECT version FROM $S.duckstore_static")
			}
			return b.loadStatic()
		}},
		{"create tables", b.createTables},
		{"load snapshot", b.loadSnapshot},
		{"derive rows", b.fillDerived},
		{"create views", func() error { return b.createViews(shared) }},
		{"create macros", b.createMacros},
		{"load session", func() error { return b.loadSession(&snap.Session) }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return fmt.Errorf("pgcatalog: build %s: %w", s.name, err)
		}
	}
	return nil
}

// Reload refreshes a catalog BuildShared (or Build) made in alias with a
// new snapshot, as the catalog behind it changes: the snapshot's rows are
// replaced in one transaction, while the tables, views and macros, whose
// creation is most of a build's cost, stay. Readers see the old rows or
// the new ones, never a mix. snap must have the Database, User,
// PublicBucket and HidePublic the catalog was built with (they are part
// of its definitions); static is what BuildShared was given.
func Reload(ctx context.Context, conn *duck.Conn, alias, static string, snap *Snapshot) (err error) {
	if err := loadDefs(); err != nil {
		return err
	}
	if err := snap.check(); err != nil {
		return err
	}
	b := &builder{ctx: ctx, conn: conn, a: quoteIdent(alias) + ".main", s: quoteIdent(alias) + ".main", snap: snap}
	if static != "" && static != alias {
		b.s = quoteIdent(static) + ".main"
	}
	if _, err := conn.Exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("pgcatalog: reload: %w", err)
	}
	defer func() {
		if err != nil {
			conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	clear := []string{"duckstore_tables", "duckstore_namespaces", "duckstore_coltypes", "duckstore_descriptions", "duckstore_types"}
	var q strings.Builder
	for _, t := range append(clear, materialized...) {
		q.WriteString("DELETE FROM $A." + quoteIdent(t) + ";\n")
	}
	steps := []struct {
		name string
		run  func() error
	}{
		{"clear", func() error { return b.exec(q.String()) }},
		{"load snapshot", b.loadSnapshot},
		{"derive rows", b.fillDerived},
		{"load session", func() error { return b.loadSession(&snap.Session) }},
		{"commit", func() error { return b.exec("COMMIT") }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return fmt.Errorf("pgcatalog: reload: %s: %w", s.name, err)
		}
	}
	return nil
}

type builder struct {
	ctx  context.Context
	conn *duck.Conn
	a    string // "<alias>".main, the prefix of every name Build creates
	s    string // the prefix of the built-in rows' tables
	snap *Snapshot
}

// sql replaces $A and $S with the prefixes of the session's and the
// built-in tables, $OWNER with the session's user as an ACL names it, and
// $HIDEPUBLIC with whether the built-in public schema is left out.
func (b *builder) sql(q string) string {
	owner, hide := "", "false"
	if b.snap != nil {
		owner = aclName(b.snap.User)
		if b.snap.HidePublic && b.snap.PublicBucket == 0 {
			hide = "true"
		}
	}
	return strings.NewReplacer("$A", b.a, "$S", b.s, "$OWNER", quoteString(owner), "$HIDEPUBLIC", hide).Replace(q)
}

// aclName is a role name as an aclitem writes it: quoted unless it is
// letters, digits and underscores.
func aclName(s string) string {
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
	}
	return s
}

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

// helperTables are the session's own tables, filled from the snapshot and
// read by the views and the macros.
var helperTables = []string{
	// One row per table of the snapshot: its columns as lists
	// (pg_attribute unnests them; DuckDB applies a filter on attrelid
	// before the unnest), each column's flags as one character (1: not
	// null, 2: has a default), its defaults, its primary key, and the OIDs
	// oid.go derives from its id.
	`duckstore_tables (id BIGINT, nsp UINTEGER, name VARCHAR, nrows BIGINT, bytes BIGINT, readonly BOOLEAN, hastoast BOOLEAN,
		typfmt VARCHAR, colnames VARCHAR[], coltkeys INTEGER[], colflags VARCHAR, coldefs VARCHAR[], defoid UINTEGER,
		pkname VARCHAR, pkey SMALLINT[], pkclass UINTEGER[], pkcoll UINTEGER[], pkcols VARCHAR, condef VARCHAR,
		oid UINTEGER AS (CAST(16384 + id AS UINTEGER)),
		idx_oid UINTEGER AS (CAST(16384 + 134217728 + id AS UINTEGER)),
		con_oid UINTEGER AS (CAST(16384 + 2 * 134217728 + id AS UINTEGER)),
		type_oid UINTEGER AS (CAST(16384 + 3 * 134217728 + id AS UINTEGER)),
		arr_oid UINTEGER AS (CAST(16384 + 4 * 134217728 + id AS UINTEGER)))`,
	`duckstore_namespaces (oid UINTEGER, name VARCHAR, readonly BOOLEAN)`,
	// What pg_attribute shows for each distinct column type of the snapshot.
	`duckstore_coltypes (tkey INTEGER, atttypid UINTEGER, atttypmod INTEGER, attlen SMALLINT, attbyval BOOLEAN,
		attalign VARCHAR, attstorage VARCHAR, attcollation UINTEGER, attndims SMALLINT)`,
	`duckstore_descriptions (objoid UINTEGER, classoid UINTEGER, objsubid INTEGER, description VARCHAR)`,
	`duckstore_settings (name VARCHAR, value VARCHAR)`,
	// format_type's names.
	`duckstore_types (oid UINTEGER, fmt VARCHAR, elem UINTEGER, isarray BOOLEAN)`,
	`duckstore_session (database VARCHAR, usr VARCHAR, version VARCHAR, search_path VARCHAR, schemas VARCHAR[],
		schemas_implicit VARCHAR[], pid INTEGER, server_addr VARCHAR, server_port INTEGER, client_addr VARCHAR,
		client_port INTEGER, server_start TIMESTAMPTZ, txid BIGINT)`,
	// The effective search path: namespace OIDs in search order.
	`duckstore_search_path (pos INTEGER, nspoid UINTEGER)`,
	`duckstore_visible_rel (oid UINTEGER)`,
	`duckstore_visible_type (oid UINTEGER)`,
}

// sessionDDL is the CREATE statements of the session's tables: every
// relation that is neither a view nor built in, and the helpers.
var sessionDDL struct {
	once sync.Once
	sql  string
}

func tablesDDL() string {
	sessionDDL.once.Do(func() {
		views := viewDefs()
		var b strings.Builder
		for _, r := range defs.rels {
			if _, isView := views[r.table]; isView && !contains(materialized, r.table) || contains(staticRelations, r.table) {
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
		sessionDDL.sql = b.String()
	})
	return sessionDDL.sql
}

// createTables creates the session's tables and writes the one database
// and the one role of the session: PostgreSQL's rows for a fresh database
// and a plain login role, renamed.
func (b *builder) createTables() error {
	return b.exec(tablesDDL() + `
		INSERT INTO $A.pg_database SELECT * REPLACE (5 AS oid, ` + quoteString(b.snap.Database) + ` AS datname, 10 AS datdba)
		FROM $S.duckstore_sys_pg_database;
		INSERT INTO $A.pg_roles SELECT * REPLACE (` + quoteString(b.snap.User) + ` AS rolname, 10 AS oid)
		FROM $S.duckstore_sys_pg_roles WHERE rolname = 'duckstore_template';
		INSERT INTO $A.pg_roles SELECT * FROM $S.duckstore_sys_pg_roles WHERE rolname <> 'duckstore_template';
		CREATE OR REPLACE TABLE $A.duckstore_default_settings AS SELECT * FROM $S.duckstore_sys_pg_settings`)
}

// loadSnapshot encodes the snapshot's buckets, tables, columns, defaults
// and descriptions into the helper tables and pg_attrdef.
func (b *builder) loadSnapshot() error {
	s := b.snap
	var nsp, desc rowEncoder
	nspOID := make(map[int64]uint32, len(s.Buckets))
	for _, bk := range s.Buckets {
		oid, name := NamespaceOID(bk.ID), bk.Name
		if bk.ID == s.PublicBucket {
			oid, name = OIDPublic, "public"
		}
		nspOID[bk.ID] = oid
		nsp.row()
		nsp.int(int64(oid))
		nsp.str(name)
		nsp.bool(bk.ReadOnly)
		if bk.Description != "" {
			desc.row()
			desc.int(int64(oid))
			desc.int(classPgNsp)
			desc.int(0)
			desc.str(bk.Description)
		}
	}

	var tables, coltypes rowEncoder
	type colType struct {
		key int64
		pg  engine.PGType
	}
	tkeys := map[string]colType{}
	tkey := func(typ string) colType {
		if k, ok := tkeys[typ]; ok {
			return k
		}
		k := colType{int64(len(tkeys)), ColumnType(typ)}
		tkeys[typ] = k
		ti := builtinType(k.pg.OID)
		coltypes.row()
		coltypes.int(k.key)
		coltypes.int(int64(k.pg.OID))
		coltypes.int(int64(k.pg.Mod))
		coltypes.int(ti.len)
		coltypes.bool(ti.byval)
		coltypes.str(ti.align)
		coltypes.str(ti.storage)
		coltypes.int(int64(ti.collation))
		if ti.category == "A" {
			coltypes.int(1)
		} else {
			coltypes.int(0)
		}
		return k
	}
	taken := map[uint32]map[string]bool{} // relation names per namespace, for index names
	for i := range s.Tables {
		t := &s.Tables[i]
		ns := nspOID[t.Bucket]
		if taken[ns] == nil {
			taken[ns] = map[string]bool{}
		}
		taken[ns][t.Name] = true
	}
	order := make([]int, len(s.Tables))
	for i := range order {
		order[i] = i
	}
	// Defaults are numbered by table id and position (see attrDefOID).
	sort.Slice(order, func(i, j int) bool { return s.Tables[order[i]].ID < s.Tables[order[j]].ID })
	ndef := 0
	var names, defs, pkquoted []string
	var keys, pkey, pkclass, pkcoll []int64
	flags := []byte{}
	for _, ti := range order {
		t := &s.Tables[ti]
		oid, ns := RelationOID(t.ID), nspOID[t.Bucket]
		names, keys, flags, defs = names[:0], keys[:0], flags[:0], defs[:0]
		firstDef := ndef + 1
		// PostgreSQL gives a table a TOAST table when a column may be
		// stored out of line; pg_statio shows its counters then.
		toast := false
		for j := range t.Columns {
			c := &t.Columns[j]
			ct := tkey(c.Type)
			names = append(names, c.Name)
			keys = append(keys, ct.key)
			if ti := builtinType(ct.pg.OID); ti.len == -1 && ti.storage != "p" {
				toast = true
			}
			f := byte('0')
			if c.NotNull {
				f |= 1
			}
			if c.Default != nil {
				f |= 2
				ndef++
				for len(defs) < j {
					defs = append(defs, "")
				}
				defs = append(defs, pgDefault(*c.Default, ct.pg.OID))
			}
			flags = append(flags, f)
			if c.Description != "" {
				desc.row()
				desc.int(int64(oid))
				desc.int(classPgClass)
				desc.int(int64(j + 1))
				desc.str(c.Description)
			}
		}
		if t.Description != "" {
			desc.row()
			desc.int(int64(oid))
			desc.int(classPgClass)
			desc.int(0)
			desc.str(t.Description)
		}
		tables.row()
		tables.int(t.ID)
		tables.int(int64(ns))
		tables.str(t.Name)
		tables.int(t.Rows)
		tables.int(t.Bytes)
		tables.bool(t.ReadOnly)
		tables.bool(toast)
		tables.str(pgQuoteIdent(b.nspName(t.Bucket)) + "." + pgQuoteIdent(t.Name))
		tables.names(names)
		tables.splitInts(keys)
		tables.str(string(flags))
		if len(defs) == 0 {
			tables.null()
			tables.null()
		} else {
			// "" marks a column without a default: JSON null.
			tables.sep()
			tables.buf = append(tables.buf, '[')
			for j, d := range defs {
				if j > 0 {
					tables.buf = append(tables.buf, ',')
				}
				if d == "" {
					tables.buf = append(tables.buf, "null"...)
				} else {
					tables.buf = appendJSONString(tables.buf, d)
				}
			}
			tables.buf = append(tables.buf, ']')
			tables.int(int64(attrDefOID(firstDef)))
		}
		if len(t.PrimaryKey) == 0 {
			for i := 0; i < 6; i++ {
				tables.null()
			}
			continue
		}
		pkey, pkclass, pkcoll, pkquoted = pkey[:0], pkclass[:0], pkcoll[:0], pkquoted[:0]
		pkname := chooseName(taken[ns], t.Name, "pkey")
		taken[ns][pkname] = true
		for _, k := range t.PrimaryKey {
			j := t.column(k)
			info := builtinType(tkey(t.Columns[j].Type).pg.OID)
			pkey = append(pkey, int64(j+1))
			pkclass = append(pkclass, int64(info.opclass))
			pkcoll = append(pkcoll, int64(info.collation))
			pkquoted = append(pkquoted, pgQuoteIdent(k))
		}
		cols := strings.Join(pkquoted, ", ")
		tables.str(pkname)
		tables.splitInts(pkey)
		tables.splitInts(pkclass)
		tables.splitInts(pkcoll)
		tables.str(cols)
		tables.str("PRIMARY KEY (" + cols + ")")
	}
	loads := []struct {
		table        string
		names, types []string
		e            *rowEncoder
	}{
		{"duckstore_namespaces", []string{"oid", "name", "readonly"}, []string{"UINTEGER", "VARCHAR", "BOOLEAN"}, &nsp},
		{"duckstore_tables", []string{"id", "nsp", "name", "nrows", "bytes", "readonly", "hastoast", "typfmt", "colnames", "coltkeys",
			"colflags", "coldefs", "defoid", "pkname", "pkey", "pkclass", "pkcoll", "pkcols", "condef"},
			[]string{"BIGINT", "UINTEGER", "VARCHAR", "BIGINT", "BIGINT", "BOOLEAN", "BOOLEAN", "VARCHAR", "VARCHAR[] NAMES", "INTEGER[] SPLIT",
				"VARCHAR", "VARCHAR[]", "UINTEGER", "VARCHAR", "SMALLINT[] SPLIT", "UINTEGER[] SPLIT", "UINTEGER[] SPLIT",
				"VARCHAR", "VARCHAR"}, &tables},
		{"duckstore_coltypes", []string{"tkey", "atttypid", "atttypmod", "attlen", "attbyval", "attalign", "attstorage",
			"attcollation", "attndims"},
			[]string{"INTEGER", "UINTEGER", "INTEGER", "SMALLINT", "BOOLEAN", "VARCHAR", "VARCHAR", "UINTEGER", "SMALLINT"}, &coltypes},
		{"duckstore_descriptions", []string{"objoid", "classoid", "objsubid", "description"}, []string{"UINTEGER", "UINTEGER", "INTEGER", "VARCHAR"}, &desc},
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

// pgDefault shows a DuckDB default expression as pg_get_expr would show
// the PostgreSQL one for a column of type typ: PostgreSQL keeps a quoted
// literal as '<text>'::<type>, so the typed literals duckstore writes,
// CAST('<text>' AS <type>), and plain string literals are shown that
// way; anything else is shown as DuckDB has it.
func pgDefault(expr string, typ uint32) string {
	lit := expr
	if rest, ok := strings.CutPrefix(expr, "CAST("); ok && strings.HasSuffix(rest, ")") {
		if i := strings.LastIndex(rest, "' AS "); i > 0 {
			lit = rest[:i+1]
		}
	}
	if isStringLiteral(lit) {
		return lit + "::" + formatTypeName(typ)
	}
	return expr
}

// isStringLiteral reports whether s is one SQL string literal: 'it”s'.
func isStringLiteral(s string) bool {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if s[i] == '\'' {
			if s[i+1] != '\'' || i+1 == len(s)-1 {
				return false
			}
			i++
		}
	}
	return true
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
