package pgcatalog

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/duckstore/duckstore/engine/duck"
)

func TestRelation(t *testing.T) {
	for _, c := range []struct {
		schema, name   string
		pgCatalogFirst bool
		want           string
		ok             bool
	}{
		{"pg_catalog", "pg_class", false, "pg_class", true},
		{"", "pg_class", true, "pg_class", true},
		{"", "pg_class", false, "", false},
		{"information_schema", "columns", true, "information_schema_columns", true},
		{"", "columns", true, "", false},
		{"information_schema", "pg_class", true, "", false},
		{"pg_catalog", "columns", true, "", false},
		{"pg_catalog", "duckstore_tables", true, "", false},
		{"in.c-sales", "pg_class", true, "", false},
		{"pg_catalog", "pg_stat_user_tables", true, "pg_stat_user_tables", true},
	} {
		got, ok := Relation(c.schema, c.name, c.pgCatalogFirst)
		if got != c.want || ok != c.ok {
			t.Errorf("Relation(%q, %q, %v) = %q, %v; want %q, %v", c.schema, c.name, c.pgCatalogFirst, got, ok, c.want, c.ok)
		}
	}
	if n := len(Relations()); n < 100 {
		t.Errorf("Relations() lists %d relations", n)
	}
}

func TestFunctionAndRegCast(t *testing.T) {
	for _, c := range []struct{ schema, name, want string }{
		{"pg_catalog", "format_type", "format_type"},
		{"", "pg_get_expr", "pg_get_expr"},
		{"", "current_user", "duckstore_user"},
		{"", "current_catalog", "current_database"},
		{"information_schema", "_pg_expandarray", "information_schema__pg_expandarray"},
		{"pg_catalog", "set_config", ""},
		{"pg_catalog", "lower", ""},
		{"public", "format_type", ""},
	} {
		got, ok := Function(c.schema, c.name)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Function(%q, %q) = %q, %v; want %q", c.schema, c.name, got, ok, c.want)
		}
	}
	if m, ok := RegCast("pg_catalog.regclass", true); m != "regclassin" || !ok {
		t.Errorf("RegCast(regclass, in) = %q, %v", m, ok)
	}
	if m, ok := RegCast("regtype", false); m != "regtypeout" || !ok {
		t.Errorf("RegCast(regtype, out) = %q, %v", m, ok)
	}
	if _, ok := RegCast("text", true); ok {
		t.Error("RegCast(text) is a reg* cast")
	}
}

// TestFunctionsExist checks that every macro Function names exists with
// the arities PostgreSQL's callers use.
func TestFunctionsExist(t *testing.T) {
	c := openCatalog(t, testSnapshot())
	rows := mustQuery(t, c, "SELECT DISTINCT function_name FROM duckdb_functions() WHERE database_name = '"+testAlias+"'")
	have := map[string]bool{}
	for _, r := range rows {
		have[r[0].(string)] = true
	}
	for name, macro := range functions {
		if !have[macro] {
			t.Errorf("Function(%q) names macro %q, which Build did not create", name, macro)
		}
	}
	for name := range informationSchemaFunctions {
		if m, _ := Function("information_schema", name); !have[m] {
			t.Errorf("information_schema.%s has no macro", name)
		}
	}
}

func TestOIDs(t *testing.T) {
	if RelationOID(1) != 16385 || NamespaceOID(7) != 16391 {
		t.Errorf("RelationOID(1) = %d, NamespaceOID(7) = %d", RelationOID(1), NamespaceOID(7))
	}
	seen := map[uint32]string{}
	for _, id := range []int64{1, 2, MaxID} {
		for name, oid := range map[string]uint32{"rel": RelationOID(id), "idx": IndexOID(id), "con": ConstraintOID(id),
			"type": RowTypeOID(id), "array": RowArrayTypeOID(id)} {
			key := fmt.Sprintf("%s(%d)", name, id)
			if other, dup := seen[oid]; dup {
				t.Errorf("%s and %s share OID %d", key, other, oid)
			}
			seen[oid] = key
			if oid < FirstUserOID || oid >= 1<<31 {
				t.Errorf("%s = %d, outside %d..2^31", key, oid, FirstUserOID)
			}
		}
	}
}

func TestSnapshotCheck(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*Snapshot)
		want string
	}{
		{"duplicate id", func(s *Snapshot) { s.Tables[0].ID = 1 }, "share id 1"},
		{"id out of range", func(s *Snapshot) { s.Buckets[0].ID = MaxID + 1 }, "outside"},
		{"unknown bucket", func(s *Snapshot) { s.Tables[0].Bucket = 99 }, "unknown bucket"},
		{"bad primary key", func(s *Snapshot) { s.Tables[0].PrimaryKey = []string{"nope"} }, "primary key column nope"},
		{"public bucket missing", func(s *Snapshot) { s.PublicBucket = 42 }, "public bucket 42"},
		{"reserved name", func(s *Snapshot) { s.Buckets[1].Name = "pg_catalog" }, "reserved"},
		{"two publics", func(s *Snapshot) { s.Buckets[1].Name = "public"; s.PublicBucket = 1 }, "two buckets"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := testSnapshot()
			c.edit(s)
			err := s.check()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("check() = %v, want %q", err, c.want)
			}
		})
	}
}

func TestColumnType(t *testing.T) {
	for _, c := range []struct {
		duck string
		oid  uint32
		name string
		mod  int32
	}{
		{"VARCHAR", 25, "text", -1},
		{"DECIMAL(12,2)", 1700, "numeric", 12<<16 | 2 + 4},
		{"TIMESTAMP WITH TIME ZONE", 1184, "timestamptz", -1},
		{"timestamptz", 1184, "timestamptz", -1},
		{"VARCHAR[]", 1009, "_text", -1},
		{"DECIMAL(12,2)[]", 1231, "_numeric", 12<<16 | 2 + 4},
		{"INTEGER[][]", 114, "json", -1},
		{"HUGEINT", 1700, "numeric", -1},
		{"UBIGINT", 1700, "numeric", -1},
		{"UTINYINT", 21, "int2", -1},
		{"USMALLINT", 23, "int4", -1},
		{"UINTEGER", 20, "int8", -1},
		{"JSON", 114, "json", -1},
		{"BLOB", 17, "bytea", -1},
		{"UUID", 2950, "uuid", -1},
		{"INTERVAL", 1186, "interval", -1},
		{`STRUCT(a INTEGER, "b c" VARCHAR[])`, 114, "json", -1},
		{"MAP(VARCHAR, INTEGER)", 114, "json", -1},
		{"INTEGER[3]", 1007, "_int4", -1},
		{"ENUM('a', 'b''c')", 25, "text", -1},
		{"no such type", 25, "text", -1},
	} {
		got := ColumnType(c.duck)
		if got.OID != c.oid || got.Name != c.name || got.Mod != c.mod {
			t.Errorf("ColumnType(%q) = %d %s %d, want %d %s %d", c.duck, got.OID, got.Name, got.Mod, c.oid, c.name, c.mod)
		}
	}
}

// TestBuildShared builds two sessions' catalogs over one static part, as
// an instance serving several sessions does, and checks they see their
// own snapshots and share PostgreSQL's built-in rows.
func TestBuildShared(t *testing.T) {
	db, err := duck.Open("", map[string]string{"threads": "2"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Connect()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []string{"ATTACH ':memory:' AS pgstatic", "ATTACH ':memory:' AS s1", "ATTACH ':memory:' AS s2"} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := BuildShared(ctx, c, "s1", "pgstatic", testSnapshot()); err == nil {
		t.Fatal("BuildShared before BuildStatic succeeded")
	}
	if err := BuildStatic(ctx, c, "pgstatic"); err != nil {
		t.Fatal(err)
	}
	other := testSnapshot()
	other.User, other.Database = "p2", "project2"
	other.Tables = other.Tables[:1]
	for alias, snap := range map[string]*Snapshot{"s1": testSnapshot(), "s2": other} {
		if err := BuildShared(ctx, c, alias, "pgstatic", snap); err != nil {
			t.Fatal(err)
		}
	}
	one := func(q string) any {
		_, rows, err := query(ctx, c, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return rows[0][0]
	}
	if n := one("SELECT count(*) FROM s1.main.pg_class WHERE relkind = 'r' AND oid >= 16384"); n != int64(5) {
		t.Errorf("s1 sees %v tables", n)
	}
	if n := one("SELECT count(*) FROM s2.main.pg_class WHERE relkind = 'r' AND oid >= 16384"); n != int64(1) {
		t.Errorf("s2 sees %v tables", n)
	}
	if u := one("SELECT s2.main.duckstore_user() || '/' || s2.main.current_database()"); u != "p2/project2" {
		t.Errorf("s2 session is %v", u)
	}
	if n := one("SELECT count(*) FROM s2.main.pg_proc"); n.(int64) < 3000 {
		t.Errorf("s2 sees %v functions", n)
	}
	if acl := one("SELECT nspacl[1] FROM s2.main.pg_namespace WHERE nspname = 'pg_catalog'"); acl != "p2=UC/p2" {
		t.Errorf("pg_catalog's ACL in s2 is %v", acl)
	}
	other.Session.SearchPath = []string{"in.c-sales"}
	if err := UpdateSession(ctx, c, "s2", other); err != nil {
		t.Fatal(err)
	}
	if v := one("SELECT s2.main.regclassin('orders')"); v != uint64(RelationOID(3)) {
		t.Errorf("orders on s2's new search path is %v", v)
	}
	// Rebuilding replaces the catalog.
	if err := BuildShared(ctx, c, "s1", "pgstatic", other); err != nil {
		t.Fatal(err)
	}
	if n := one("SELECT count(*) FROM s1.main.pg_class WHERE relkind = 'r' AND oid >= 16384"); n != int64(1) {
		t.Errorf("rebuilt s1 sees %v tables", n)
	}
}

// TestReload refreshes a catalog with another snapshot in place: every
// relation then answers as a catalog built from that snapshot does.
func TestReload(t *testing.T) {
	db, err := duck.Open("", map[string]string{"threads": "2"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Connect()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []string{"ATTACH ':memory:' AS pgstatic", "ATTACH ':memory:' AS reloaded", "ATTACH ':memory:' AS fresh"} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := BuildStatic(ctx, c, "pgstatic"); err != nil {
		t.Fatal(err)
	}
	before := testSnapshot()
	before.Tables = before.Tables[1:3]
	before.Buckets[0].Description = "old"
	before.Tables[0].Columns = before.Tables[0].Columns[:2]
	if err := BuildShared(ctx, c, "reloaded", "pgstatic", before); err != nil {
		t.Fatal(err)
	}
	after := testSnapshot()
	if err := Reload(ctx, c, "reloaded", "pgstatic", after); err != nil {
		t.Fatal(err)
	}
	if err := BuildShared(ctx, c, "fresh", "pgstatic", after); err != nil {
		t.Fatal(err)
	}
	dump := func(alias, table string) string {
		_, rows, err := query(ctx, c, "SELECT * FROM "+alias+".main."+quoteIdent(table))
		if err != nil {
			t.Fatalf("%s.%s: %v", alias, table, err)
		}
		lines := make([]string, len(rows))
		for i, r := range rows {
			lines[i] = fmt.Sprint(r)
		}
		sort.Strings(lines)
		return strings.Join(lines, "\n")
	}
	for _, rel := range Relations() {
		schema, name, _ := strings.Cut(rel, ".")
		table, _ := Relation(schema, name, true)
		if got, want := dump("reloaded", table), dump("fresh", table); got != want {
			t.Errorf("%s after Reload differs from a fresh build:\n%.300s\n---\n%.300s", rel, got, want)
		}
	}
}

// TestUpdateSession changes the search path and settings without a
// rebuild.
func TestUpdateSession(t *testing.T) {
	snap := testSnapshot()
	c := openCatalog(t, snap)
	ctx := context.Background()
	check := func(q string, want string) {
		t.Helper()
		rows := mustQuery(t, c, q)
		if got := fmt.Sprint(rows); got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
	check("SELECT $A.current_schema(), $A.current_schemas(true), $A.pg_table_is_visible(16387)", "[[public [pg_catalog public] false]]")
	check("SELECT $A.regclassin('orders')", "[[<nil>]]")
	snap.Session.SearchPath = []string{"in.c-sales", "$user"}
	snap.Session.Settings = append(snap.Session.Settings, Setting{"application_name", "DBeaver"}, Setting{"my.custom", "x"})
	snap.Session.Cursors = []Cursor{{Name: "c1", Statement: "DECLARE c1 CURSOR FOR SELECT 1", Holdable: true}}
	snap.Session.Prepared = []PreparedStatement{{Name: "s1", Statement: "SELECT $1", ParamTypes: []uint32{23}, FromSQL: true}}
	if err := UpdateSession(ctx, c, testAlias, snap); err != nil {
		t.Fatal(err)
	}
	check("SELECT $A.current_schema(), $A.current_schemas(false), $A.pg_table_is_visible(16387)", "[[in.c-sales [in.c-sales] true]]")
	check("SELECT $A.regclassin('orders'), $A.regclassout(16387)", "[[16387 orders]]")
	check("SELECT $A.current_setting('search_path'), $A.current_setting('APPLICATION_NAME'), $A.current_setting('my.custom')",
		`[["in.c-sales", "$user" DBeaver x]]`)
	check("SELECT setting, source FROM $A.pg_settings WHERE name IN ('application_name', 'my.custom') ORDER BY name",
		"[[DBeaver session] [x session]]")
	check("SELECT name, is_holdable FROM $A.pg_cursors", "[[c1 true]]")
	check("SELECT name, parameter_types, from_sql FROM $A.pg_prepared_statements", "[[s1 [23] true]]")
	check("SELECT application_name, pid, state FROM $A.pg_stat_activity", "[[pgcatalog test 4242 active]]")
}

// TestWorkspaceFlavour shows a workspace's own schema as public, with
// storage tables read-only.
func TestWorkspaceFlavour(t *testing.T) {
	snap := testSnapshot()
	snap.Buckets = append(snap.Buckets, Bucket{ID: 100, Name: "WORKSPACE_123", Description: "my workspace"})
	snap.Tables = append(snap.Tables, Table{ID: 101, Bucket: 100, Name: "scratch", Rows: 3,
		Columns: []Column{{Name: "x", Type: "INTEGER"}}})
	for i := range snap.Tables {
		snap.Tables[i].ReadOnly = snap.Tables[i].Bucket != 100
	}
	for i := range snap.Buckets {
		snap.Buckets[i].ReadOnly = snap.Buckets[i].ID != 100
	}
	snap.PublicBucket = 100
	c := openCatalog(t, snap)
	check := func(q string, want string) {
		t.Helper()
		if got := fmt.Sprint(mustQuery(t, c, q)); got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
	check("SELECT oid, nspname, $A.obj_description(oid, 'pg_namespace') FROM $A.pg_namespace WHERE nspname IN ('public', 'WORKSPACE_123')",
		"[[2200 public my workspace]]")
	check("SELECT n.nspname, c.relname FROM $A.pg_class c JOIN $A.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'scratch'",
		"[[public scratch]]")
	check("SELECT $A.current_schema(), $A.pg_table_is_visible(16485), $A.regclassin('scratch')", "[[public true 16485]]")
	check("SELECT $A.has_table_privilege('scratch', 'INSERT'), $A.has_table_privilege('\"in.c-sales\".orders', 'INSERT'), "+
		"$A.has_table_privilege('\"in.c-sales\".orders', 'SELECT'), $A.has_schema_privilege('public', 'CREATE'), "+
		"$A.has_schema_privilege('in.c-sales', 'CREATE'), $A.has_schema_privilege('in.c-sales', 'USAGE')",
		"[[true false true true false true]]")
	check("SELECT table_schema, privilege_type FROM $A.information_schema_table_privileges WHERE table_name IN ('scratch', 'orders') ORDER BY 1, 2",
		"[[in.c-sales SELECT] [public DELETE] [public INSERT] [public REFERENCES] [public SELECT] [public TRIGGER] [public TRUNCATE] [public UPDATE]]")
}

// TestHidePublic leaves the built-in public schema out, as the router's
// sessions see a project: nothing can be created in a public schema that
// is no bucket.
func TestHidePublic(t *testing.T) {
	snap := testSnapshot()
	snap.HidePublic = true
	c := openCatalog(t, snap)
	check := func(q string, want string) {
		t.Helper()
		if got := fmt.Sprint(mustQuery(t, c, q)); got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
	check("SELECT count(*) FROM $A.pg_namespace WHERE nspname = 'public'", "[[0]]")
	check("SELECT count(*) FROM $A.information_schema_schemata WHERE schema_name = 'public'", "[[0]]")
	check("SELECT count(*) FROM $A.pg_description WHERE objoid = 2200", "[[0]]")
	check("SELECT $A.current_schemas(true)", "[[[pg_catalog]]]")
	check("SELECT nspname FROM $A.pg_namespace WHERE nspname LIKE '%.c-%' ORDER BY 1", "[[in.c-sales] [out.c-reports]]")
}

// TestMacroHygiene calls catalog functions with unqualified arguments
// named like the columns of the tables the macros read.
func TestMacroHygiene(t *testing.T) {
	c := openCatalog(t, testSnapshot())
	for q, want := range map[string]string{
		"SELECT $A.pg_get_userbyid(oid) FROM $A.pg_roles WHERE rolname = 'postgres'":                          "[[postgres]]",
		"SELECT $A.format_type(oid, NULL) FROM $A.pg_type WHERE typname = 'int4'":                             "[[integer]]",
		"SELECT $A.obj_description(oid, 'pg_class') FROM $A.pg_class WHERE relname = 'orders'":                "[[One row per order]]",
		"SELECT $A.pg_table_size(oid) FROM $A.pg_class WHERE relname = 'orders'":                              "[[786432]]",
		"SELECT $A.regclassout(oid) FROM $A.pg_class WHERE relname = 'orders'":                                "[[\"in.c-sales\".orders]]",
		"SELECT $A.pg_get_constraintdef(oid) FROM $A.pg_constraint WHERE conname = 'order_lines_pkey'":        "[[PRIMARY KEY (order_id, line_no)]]",
		"SELECT $A.has_table_privilege(oid, 'SELECT') FROM $A.pg_class WHERE relname = 'orders'":              "[[true]]",
		"SELECT $A.pg_encoding_to_char(encoding) FROM $A.pg_database":                                         "[[UTF8]]",
		"SELECT $A.col_description(attrelid, attnum) FROM $A.pg_attribute WHERE attrelid = 16387 LIMIT 1":     "[[<nil>]]",
		"SELECT $A.pg_size_pretty(CAST(bytes AS BIGINT)) FROM $A.duckstore_tables WHERE name = 'order_lines'": "[[1024 kB]]",
	} {
		if got := fmt.Sprint(mustQuery(t, c, q)); got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
}

func TestColumnTypeOID(t *testing.T) {
	for _, c := range []struct {
		table, column string
		want          uint32
	}{
		{"pg_class", "oid", 26}, {"pg_class", "relname", 19}, {"pg_class", "relkind", 18},
		{"pg_type", "typinput", 24}, {"pg_index", "indkey", 22}, {"pg_attribute", "attnum", 21},
		{"information_schema_columns", "column_name", 19}, {"information_schema_columns", "ordinal_position", 23},
		{"pg_settings", "setting", 25},
	} {
		if got, ok := ColumnTypeOID(c.table, c.column); got != c.want || !ok {
			t.Errorf("ColumnTypeOID(%s, %s) = %d, %v; want %d", c.table, c.column, got, ok, c.want)
		}
	}
	if _, ok := ColumnTypeOID("pg_class", "nope"); ok {
		t.Error("ColumnTypeOID found a column pg_class lacks")
	}
}

// TestOddNames builds names and texts with the bytes the encoding uses
// (workspace tables may have any name) and reads them back unchanged.
func TestOddNames(t *testing.T) {
	odd := []string{"a\x1cb", "c\x1dd\x1de", "f\x1eg", "h\x1fi", "[j", "k\x01l", "m'n\"o", "p\nq", "žluťoučký", "select"}
	snap := testSnapshot()
	tb := Table{ID: 50, Bucket: 2, Name: "odd\x1fname", Description: "desc\x1e\x1d\x1c\x1f'\"", Rows: 1,
		PrimaryKey: []string{odd[0], odd[5]}}
	for _, n := range odd {
		tb.Columns = append(tb.Columns, Column{Name: n, Type: "VARCHAR", Description: "col " + n,
			Default: ptr("'" + strings.ReplaceAll(n, "'", "''") + "'")})
	}
	snap.Tables = append(snap.Tables, tb, Table{ID: 51, Bucket: 2, Name: "brackets", Rows: -1,
		Columns: []Column{{Name: "[x]", Type: "INTEGER"}, {Name: "y z", Type: "INTEGER"}}})
	c := openCatalog(t, snap)
	if got := fmt.Sprint(mustQuery(t, c, "SELECT attname FROM $A.pg_attribute WHERE attrelid = 16435 AND attnum > 0 ORDER BY attnum")); got != "[[[x]] [y z]]" {
		t.Errorf("brackets' columns = %s", got)
	}
	rows := mustQuery(t, c, "SELECT attname, $A.col_description(attrelid, attnum), $A.pg_get_expr(d.adbin, d.adrelid) FROM $A.pg_attribute a "+
		"LEFT JOIN $A.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE attrelid = 16434 AND attnum > 0 ORDER BY attnum")
	if len(rows) != len(odd) {
		t.Fatalf("%d columns, want %d", len(rows), len(odd))
	}
	for i, r := range rows {
		want := "'" + strings.ReplaceAll(odd[i], "'", "''") + "'::text"
		if r[0] != odd[i] || r[1] != "col "+odd[i] || r[2] != want {
			t.Errorf("column %d = %q %q %q, want %q", i+1, r[0], r[1], r[2], odd[i])
		}
	}
	check := mustQuery(t, c, "SELECT relname, $A.obj_description(oid, 'pg_class') FROM $A.pg_class WHERE oid = 16434")
	if fmt.Sprint(check) != fmt.Sprint([][]any{{tb.Name, tb.Description}}) {
		t.Errorf("table = %q", check)
	}
	pk := mustQuery(t, c, "SELECT $A.pg_get_constraintdef(oid) FROM $A.pg_constraint WHERE conrelid = 16434")
	if want := `PRIMARY KEY ("a` + "\x1c" + `b", "k` + "\x01" + `l")`; fmt.Sprint(pk) != fmt.Sprint([][]any{{want}}) {
		t.Errorf("primary key = %q, want %q", pk, want)
	}
}
