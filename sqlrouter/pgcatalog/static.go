package pgcatalog

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/duckstore/duckstore/engine/duck"
)

// The built-in part of the catalog: PostgreSQL 15's own rows from
// fixtures/, the same for every project and session. It is loaded into
// the session's database by Build, or once per DuckDB instance into a
// database of its own by BuildStatic, which BuildShared then reads.

// staticRelations hold nothing but built-in rows; they are tables of the
// static part, and views of them when it is shared.
var staticRelations = []string{
	"pg_aggregate", "pg_am", "pg_cast", "pg_collation", "pg_conversion", "pg_language", "pg_opclass",
	"pg_opfamily", "pg_operator", "pg_proc", "pg_range", "pg_shdescription", "pg_tablespace", "pg_ts_config",
	"pg_ts_dict", "pg_ts_parser", "pg_ts_template",
}

// sysRelations have built-in rows kept in duckstore_sys_<name>, to which
// the session's views add the snapshot's rows. pg_database, pg_roles and
// pg_settings are templates the session's own rows are made from.
var sysRelations = []string{
	"pg_attribute", "pg_class", "pg_database", "pg_description", "pg_namespace", "pg_roles", "pg_settings", "pg_type",
}

// staticHelpers are the static part's own tables.
var staticHelpers = map[string][]string{
	"duckstore_encodings":      {"id INTEGER", "name VARCHAR"},
	"duckstore_keywords":       {"word VARCHAR", "catcode VARCHAR"},
	"duckstore_viewdefs":       {"oid UINTEGER", "definition VARCHAR"},
	"duckstore_sys_types":      {"oid UINTEGER", "fmt VARCHAR", "elem UINTEGER", "isarray BOOLEAN"},
	"duckstore_sys_type_names": {"name VARCHAR", "oid UINTEGER"},
	"duckstore_static":         {"version VARCHAR"},
}

// BuildStatic loads PostgreSQL's built-in catalog rows into the attached
// database alias, for BuildShared to read: one DuckDB instance can keep
// them once for all its sessions instead of once per Build. It may run
// again to reload them.
func BuildStatic(ctx context.Context, conn *duck.Conn, alias string) error {
	if err := loadDefs(); err != nil {
		return err
	}
	b := &builder{ctx: ctx, conn: conn, a: quoteIdent(alias) + ".main", s: quoteIdent(alias) + ".main"}
	if err := b.loadStatic(); err != nil {
		return fmt.Errorf("pgcatalog: build static: %w", err)
	}
	return nil
}

// staticData is the static part's DDL and encoded rows, prepared once per
// process.
var staticData struct {
	once  sync.Once
	ddl   string
	loads []fixtureLoad
}

func prepareStatic() {
	var ddl strings.Builder
	table := func(name string, cols []string) {
		ddl.WriteString("CREATE OR REPLACE TABLE $S.")
		ddl.WriteString(quoteIdent(name))
		ddl.WriteString(" (")
		ddl.WriteString(strings.Join(cols, ", "))
		ddl.WriteString(");\n")
	}
	relCols := func(r *relDef) []string {
		cols := make([]string, len(r.cols))
		for i, c := range r.cols {
			cols[i] = quoteIdent(c.name) + " " + c.duck
		}
		return cols
	}
	load := func(table, fixture string, r *relDef) {
		fx := defs.fixtures[fixture]
		l := fixtureLoad{table: table, names: fx.header}
		for _, h := range fx.header {
			if r != nil {
				i := r.col(h)
				if i < 0 {
					panic("pgcatalog: fixture " + fixture + " has column " + h + " unknown to " + r.name)
				}
				l.types = append(l.types, r.cols[i].duck)
				continue
			}
			for _, c := range staticHelpers[table] {
				if n, t, _ := strings.Cut(c, " "); n == h {
					l.types = append(l.types, t)
				}
			}
		}
		var e rowEncoder
		for _, row := range fx.rows {
			e.row()
			for _, v := range row {
				e.raw(v)
			}
		}
		l.data, l.rows = string(e.buf), e.rows
		staticData.loads = append(staticData.loads, l)
	}
	for _, name := range staticRelations {
		r := defs.byTable[name]
		table(name, relCols(r))
		load(name, name, r)
	}
	for _, name := range sysRelations {
		r := defs.byTable[name]
		table("duckstore_sys_"+name, relCols(r))
		load("duckstore_sys_"+name, name, r)
	}
	helpers := make([]string, 0, len(staticHelpers))
	for h := range staticHelpers {
		helpers = append(helpers, h)
	}
	sort.Strings(helpers)
	for _, h := range helpers {
		table(h, staticHelpers[h])
	}
	load("duckstore_encodings", "encodings", nil)
	load("duckstore_keywords", "keywords", nil)
	load("duckstore_viewdefs", "viewdefs", nil)

	// format_type's names, and every spelling regtypein accepts.
	var fmts, names rowEncoder
	for _, row := range defs.fixtures["type_names"].rows {
		oid, _ := strconv.ParseUint(row[0], 10, 32)
		t := builtinType(uint32(oid))
		fmts.row()
		fmts.raw(row[0])
		fmts.raw(row[1])
		fmts.int(int64(t.elem))
		fmts.bool(t.elem != 0 && t.len == -1)
		names.row()
		names.raw(row[1])
		names.raw(row[0])
	}
	for _, row := range defs.fixtures["pg_type"].rows {
		names.row()
		names.raw(row[1])
		names.raw(row[0])
	}
	for alias, typ := range typeAliases {
		names.row()
		names.str(alias)
		names.int(typ)
	}
	staticData.loads = append(staticData.loads,
		fixtureLoad{table: "duckstore_sys_types", names: []string{"oid", "fmt", "elem", "isarray"},
			types: []string{"UINTEGER", "VARCHAR", "UINTEGER", "BOOLEAN"}, data: string(fmts.buf), rows: fmts.rows},
		fixtureLoad{table: "duckstore_sys_type_names", names: []string{"name", "oid"},
			types: []string{"VARCHAR", "UINTEGER"}, data: string(names.buf), rows: names.rows})
	staticData.ddl = ddl.String()
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

func (b *builder) loadStatic() error {
	staticData.once.Do(prepareStatic)
	if err := b.exec(staticData.ddl); err != nil {
		return err
	}
	for _, l := range staticData.loads {
		if l.rows == 0 {
			continue
		}
		q := "INSERT INTO $S." + quoteIdent(l.table) + " (" + joinQuoted(l.names) + ") " + unpackSQL(l.names, l.types)
		if err := b.exec(q, l.data); err != nil {
			return err
		}
	}
	return b.exec("INSERT INTO $S.duckstore_static VALUES (" + quoteString(defs.version) + ")")
}

// typeInfo is what a column of a built-in type takes from its pg_type row.
type typeInfo struct {
	len       int64
	byval     bool
	align     string
	storage   string
	collation uint32
	elem      uint32
	category  string
	opclass   uint32 // default btree operator class, 0 for none
}

var builtinTypes struct {
	once sync.Once
	m    map[uint32]typeInfo
}

// builtinType describes a built-in type from the pg_type and pg_opclass
// fixtures.
func builtinType(oid uint32) typeInfo {
	builtinTypes.once.Do(func() {
		m := map[uint32]typeInfo{}
		fx := defs.fixtures["pg_type"]
		col := func(name string) int { return fx.col(name) }
		iOID, iLen, iByval, iAlign, iStorage, iColl, iElem, iCat := col("oid"), col("typlen"), col("typbyval"),
			col("typalign"), col("typstorage"), col("typcollation"), col("typelem"), col("typcategory")
		for _, row := range fx.rows {
			oid, _ := strconv.ParseUint(row[iOID], 10, 32)
			n, _ := strconv.ParseInt(row[iLen], 10, 64)
			coll, _ := strconv.ParseUint(row[iColl], 10, 32)
			elem, _ := strconv.ParseUint(row[iElem], 10, 32)
			m[uint32(oid)] = typeInfo{len: n, byval: row[iByval] == "true", align: row[iAlign], storage: row[iStorage],
				collation: uint32(coll), elem: uint32(elem), category: row[iCat]}
		}
		oc := defs.fixtures["pg_opclass"]
		iOID, iMethod, iType, iDefault := oc.col("oid"), oc.col("opcmethod"), oc.col("opcintype"), oc.col("opcdefault")
		var arrayOps uint32
		for _, row := range oc.rows {
			if row[iMethod] != strconv.Itoa(oidBtree) || row[iDefault] != "true" {
				continue
			}
			oid, _ := strconv.ParseUint(row[iOID], 10, 32)
			typ, _ := strconv.ParseUint(row[iType], 10, 32)
			if typ == oidArrayOps {
				arrayOps = uint32(oid)
			}
			if t, ok := m[uint32(typ)]; ok && t.opclass == 0 {
				t.opclass = uint32(oid)
				m[uint32(typ)] = t
			}
		}
		for oid, t := range m {
			if t.category == "A" && t.opclass == 0 {
				t.opclass = arrayOps
				m[oid] = t
			}
		}
		builtinTypes.m = m
	})
	return builtinTypes.m[oid]
}
