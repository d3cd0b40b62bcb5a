package pgcatalog

import (
	"strings"
	"sync"
)

// viewSQL holds the relations Build makes views of, as SELECTs that yield
// every column of the PostgreSQL relation by name. createViews wraps each
// in a SELECT that orders and casts the columns as fixtures/columns.csv
// says, so a view cannot drift from PostgreSQL's shape. The definitions
// follow PostgreSQL 15's system_views.sql and information_schema.sql for
// what the session can see.
var viewSQL = map[string]string{
	"pg_tables": `
SELECT n.nspname AS schemaname, c.relname AS tablename, r.rolname AS tableowner, ts.spcname AS tablespace,
	c.relhasindex AS hasindexes, c.relhasrules AS hasrules, c.relhastriggers AS hastriggers, c.relrowsecurity AS rowsecurity
FROM $A.pg_class c LEFT JOIN $A.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN $A.pg_tablespace ts ON ts.oid = c.reltablespace LEFT JOIN $A.pg_roles r ON r.oid = c.relowner
WHERE c.relkind IN ('r', 'p')`,

	"pg_views": `
SELECT n.nspname AS schemaname, c.relname AS viewname, r.rolname AS viewowner, d.definition
FROM $A.pg_class c LEFT JOIN $A.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN $A.pg_roles r ON r.oid = c.relowner
LEFT JOIN $S.duckstore_viewdefs d ON d.oid = c.oid
WHERE c.relkind = 'v'`,

	"pg_matviews": `
SELECT NULL AS schemaname, NULL AS matviewname, NULL AS matviewowner, NULL AS tablespace, NULL AS hasindexes,
	NULL AS ispopulated, NULL AS definition WHERE false`,

	"pg_indexes": `
SELECT n.nspname AS schemaname, c.relname AS tablename, i.relname AS indexname, ts.spcname AS tablespace, d.def AS indexdef
FROM $A.pg_index x JOIN $A.pg_class c ON c.oid = x.indrelid JOIN $A.pg_class i ON i.oid = x.indexrelid
LEFT JOIN $A.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN $A.pg_tablespace ts ON ts.oid = i.reltablespace
LEFT JOIN (SELECT idx_oid AS oid, 'CREATE UNIQUE INDEX ' || pkname || ' ON ' || typfmt || ' USING btree (' || pkcols || ')' AS def
	FROM $A.duckstore_tables) d ON d.oid = i.oid
WHERE c.relkind IN ('r', 'm', 'p') AND i.relkind IN ('i', 'I')`,

	"pg_stat_all_tables":    statTables(false),
	"pg_stat_user_tables":   statTables(true),
	"pg_statio_all_tables":  statioTables(false),
	"pg_statio_user_tables": statioTables(true),

	"pg_stat_user_indexes": `
SELECT c.oid AS relid, i.oid AS indexrelid, n.nspname AS schemaname, c.relname, i.relname AS indexrelname,
	0 AS idx_scan, 0 AS idx_tup_read, 0 AS idx_tup_fetch
FROM $A.pg_index x JOIN $A.pg_class c ON c.oid = x.indrelid JOIN $A.pg_class i ON i.oid = x.indexrelid
JOIN $A.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`,

	"pg_statio_user_indexes": `
SELECT c.oid AS relid, i.oid AS indexrelid, n.nspname AS schemaname, c.relname, i.relname AS indexrelname,
	0 AS idx_blks_read, 0 AS idx_blks_hit
FROM $A.pg_index x JOIN $A.pg_class c ON c.oid = x.indrelid JOIN $A.pg_class i ON i.oid = x.indexrelid
JOIN $A.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`,

	"pg_user": `
SELECT rolname AS usename, oid AS usesysid, rolcreatedb AS usecreatedb, rolsuper AS usesuper,
	rolreplication AS userepl, rolbypassrls AS usebypassrls, '********' AS passwd, rolvaliduntil AS valuntil,
	rolconfig AS useconfig
FROM $A.pg_roles WHERE rolcanlogin`,

	"pg_stat_database": `
SELECT d.oid AS datid, d.datname, 1 AS numbackends, 0 AS xact_commit, 0 AS xact_rollback, 0 AS blks_read,
	0 AS blks_hit, 0 AS tup_returned, 0 AS tup_fetched, 0 AS tup_inserted, 0 AS tup_updated, 0 AS tup_deleted,
	0 AS conflicts, 0 AS temp_files, 0 AS temp_bytes, 0 AS deadlocks, 0 AS checksum_failures,
	NULL AS checksum_last_failure, 0 AS blk_read_time, 0 AS blk_write_time, 0 AS session_time, 0 AS active_time,
	0 AS idle_in_transaction_time, 1 AS sessions, 0 AS sessions_abandoned, 0 AS sessions_fatal,
	0 AS sessions_killed, NULL AS stats_reset
FROM $A.pg_database d`,

	"pg_sequences": `
SELECT NULL AS schemaname, NULL AS sequencename, NULL AS sequenceowner, NULL AS data_type, NULL AS start_value,
	NULL AS min_value, NULL AS max_value, NULL AS increment_by, NULL AS cycle, NULL AS cache_size, NULL AS last_value
WHERE false`,

	// information_schema.

	"information_schema_information_schema_catalog_name": `SELECT database AS catalog_name FROM $A.duckstore_session`,

	"information_schema_enabled_roles": `SELECT usr AS role_name FROM $A.duckstore_session`,

	"information_schema_schemata": `
SELECT s.database AS catalog_name, n.nspname AS schema_name, r.rolname AS schema_owner,
	NULL AS default_character_set_catalog, NULL AS default_character_set_schema, NULL AS default_character_set_name,
	NULL AS sql_path
FROM $A.pg_namespace n LEFT JOIN $A.pg_roles r ON r.oid = n.nspowner, $A.duckstore_session s`,

	"information_schema_tables": `
SELECT s.database AS table_catalog, nc.nspname AS table_schema, c.relname AS table_name,
	CASE WHEN nc.oid = 0 THEN 'LOCAL TEMPORARY' WHEN c.relkind IN ('r', 'p') THEN 'BASE TABLE' WHEN c.relkind = 'v' THEN 'VIEW'
		WHEN c.relkind = 'f' THEN 'FOREIGN' ELSE NULL END AS table_type,
	NULL AS self_referencing_column_name, NULL AS reference_generation,
	CASE WHEN c.reloftype <> 0 THEN s.database ELSE NULL END AS user_defined_type_catalog,
	NULL AS user_defined_type_schema, NULL AS user_defined_type_name,
	CASE WHEN c.relkind IN ('r', 'p') THEN 'YES' ELSE 'NO' END AS is_insertable_into,
	CASE WHEN c.reloftype <> 0 THEN 'YES' ELSE 'NO' END AS is_typed, NULL AS commit_action
FROM $A.pg_namespace nc JOIN $A.pg_class c ON nc.oid = c.relnamespace, $A.duckstore_session s
WHERE c.relkind IN ('r', 'v', 'f', 'p')`,

	"information_schema_views": `
SELECT s.database AS table_catalog, nc.nspname AS table_schema, c.relname AS table_name, d.definition AS view_definition,
	'NONE' AS check_option, 'NO' AS is_updatable, 'NO' AS is_insertable_into, 'NO' AS is_trigger_updatable,
	'NO' AS is_trigger_deletable, 'NO' AS is_trigger_insertable_into
FROM $A.pg_namespace nc JOIN $A.pg_class c ON nc.oid = c.relnamespace
LEFT JOIN $S.duckstore_viewdefs d ON d.oid = c.oid, $A.duckstore_session s
WHERE c.relkind = 'v'`,

	"information_schema_columns": `
SELECT s.database AS table_catalog, nc.nspname AS table_schema, c.relname AS table_name, a.attname AS column_name,
	a.attnum AS ordinal_position,
	CASE WHEN a.attgenerated = '' THEN ad.adbin END AS column_default,
	CASE WHEN a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) THEN 'NO' ELSE 'YES' END AS is_nullable,
	CASE WHEN t.typtype = 'd' THEN
		CASE WHEN bt.typelem <> 0 AND bt.typlen = -1 THEN 'ARRAY' WHEN nbt.nspname = 'pg_catalog' THEN bf.fmt ELSE 'USER-DEFINED' END
	ELSE
		CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN 'ARRAY' WHEN nt.nspname = 'pg_catalog' THEN tf.fmt ELSE 'USER-DEFINED' END
	END AS data_type,
	` + infoSchemaCall("_pg_char_max_length", "tt.typid", "tt.typmod") + ` AS character_maximum_length,
	` + infoSchemaCall("_pg_char_octet_length", "tt.typid", "tt.typmod") + ` AS character_octet_length,
	` + infoSchemaCall("_pg_numeric_precision", "tt.typid", "tt.typmod") + ` AS numeric_precision,
	` + infoSchemaCall("_pg_numeric_precision_radix", "tt.typid", "tt.typmod") + ` AS numeric_precision_radix,
	` + infoSchemaCall("_pg_numeric_scale", "tt.typid", "tt.typmod") + ` AS numeric_scale,
	` + infoSchemaCall("_pg_datetime_precision", "tt.typid", "tt.typmod") + ` AS datetime_precision,
	` + infoSchemaCall("_pg_interval_type", "tt.typid", "tt.typmod") + ` AS interval_type,
	NULL AS interval_precision, NULL AS character_set_catalog, NULL AS character_set_schema, NULL AS character_set_name,
	CASE WHEN co.nspname IS NOT NULL THEN s.database END AS collation_catalog, co.nspname AS collation_schema,
	co.collname AS collation_name,
	CASE WHEN t.typtype = 'd' THEN s.database ELSE NULL END AS domain_catalog,
	CASE WHEN t.typtype = 'd' THEN nt.nspname ELSE NULL END AS domain_schema,
	CASE WHEN t.typtype = 'd' THEN t.typname ELSE NULL END AS domain_name,
	s.database AS udt_catalog, coalesce(nbt.nspname, nt.nspname) AS udt_schema, coalesce(bt.typname, t.typname) AS udt_name,
	NULL AS scope_catalog, NULL AS scope_schema, NULL AS scope_name, NULL AS maximum_cardinality,
	CAST(a.attnum AS VARCHAR) AS dtd_identifier, 'NO' AS is_self_referencing,
	CASE WHEN a.attidentity IN ('a', 'd') THEN 'YES' ELSE 'NO' END AS is_identity,
	NULL AS identity_generation, NULL AS identity_start, NULL AS identity_increment, NULL AS identity_maximum,
	NULL AS identity_minimum, 'NO' AS identity_cycle,
	CASE WHEN a.attgenerated <> '' THEN 'ALWAYS' ELSE 'NEVER' END AS is_generated,
	NULL AS generation_expression,
	CASE WHEN c.relkind IN ('r', 'p') THEN 'YES' ELSE 'NO' END AS is_updatable
FROM $A.pg_attribute a
LEFT JOIN $A.pg_attrdef ad ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
JOIN $A.pg_class c ON a.attrelid = c.oid JOIN $A.pg_namespace nc ON c.relnamespace = nc.oid
JOIN $A.pg_type t ON a.atttypid = t.oid JOIN $A.pg_namespace nt ON t.typnamespace = nt.oid
LEFT JOIN $A.duckstore_types tf ON tf.oid = t.oid
LEFT JOIN $A.pg_type bt ON t.typtype = 'd' AND t.typbasetype = bt.oid
LEFT JOIN $A.pg_namespace nbt ON bt.typnamespace = nbt.oid
LEFT JOIN $A.duckstore_types bf ON bf.oid = bt.oid
LEFT JOIN (SELECT c.oid, c.collname, n.nspname FROM $A.pg_collation c JOIN $A.pg_namespace n ON c.collnamespace = n.oid
	WHERE NOT (n.nspname = 'pg_catalog' AND c.collname = 'default')) co ON a.attcollation = co.oid,
LATERAL (SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END AS typid,
	CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod) tt,
$A.duckstore_session s
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'f', 'p')`,

	// PostgreSQL 15 lists NOT NULL columns as CHECK constraints named
	// <nsp oid>_<rel oid>_<attnum>_not_null.
	"information_schema_table_constraints": `
SELECT s.database AS constraint_catalog, nc.nspname AS constraint_schema, c.conname AS constraint_name,
	s.database AS table_catalog, nr.nspname AS table_schema, r.relname AS table_name,
	CASE c.contype WHEN 'c' THEN 'CHECK' WHEN 'f' THEN 'FOREIGN KEY' WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE' END AS constraint_type,
	CASE WHEN c.condeferrable THEN 'YES' ELSE 'NO' END AS is_deferrable,
	CASE WHEN c.condeferred THEN 'YES' ELSE 'NO' END AS initially_deferred, 'YES' AS enforced,
	CASE WHEN c.contype = 'u' THEN 'YES' END AS nulls_distinct
FROM $A.pg_constraint c JOIN $A.pg_namespace nc ON nc.oid = c.connamespace
JOIN $A.pg_class r ON r.oid = c.conrelid JOIN $A.pg_namespace nr ON nr.oid = r.relnamespace, $A.duckstore_session s
WHERE c.contype NOT IN ('t', 'x') AND r.relkind IN ('r', 'p')
UNION ALL
SELECT s.database, nr.nspname, nr.oid || '_' || r.oid || '_' || a.attnum || '_not_null', s.database, nr.nspname,
	r.relname, 'CHECK', 'NO', 'NO', 'YES', NULL
FROM $A.pg_namespace nr JOIN $A.pg_class r ON nr.oid = r.relnamespace JOIN $A.pg_attribute a ON r.oid = a.attrelid,
	$A.duckstore_session s
WHERE a.attnotnull AND a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r', 'p')`,

	"information_schema_check_constraints": `
SELECT s.database AS constraint_catalog, rs.nspname AS constraint_schema, con.conname AS constraint_name,
	substring(d.def, 7) AS check_clause
FROM $A.pg_constraint con JOIN $A.pg_namespace rs ON rs.oid = con.connamespace
LEFT JOIN (SELECT con_oid AS oid, condef AS def FROM $A.duckstore_tables) d ON d.oid = con.oid, $A.duckstore_session s
WHERE con.contype = 'c'
UNION ALL
SELECT s.database, n.nspname, n.oid || '_' || r.oid || '_' || a.attnum || '_not_null', a.attname || ' IS NOT NULL'
FROM $A.pg_namespace n JOIN $A.pg_class r ON n.oid = r.relnamespace JOIN $A.pg_attribute a ON r.oid = a.attrelid,
	$A.duckstore_session s
WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull AND r.relkind IN ('r', 'p')`,

	"information_schema_key_column_usage": `
SELECT s.database AS constraint_catalog, nc.nspname AS constraint_schema, k.conname AS constraint_name,
	s.database AS table_catalog, nr.nspname AS table_schema, r.relname AS table_name, a.attname AS column_name,
	k.pos AS ordinal_position,
	CASE WHEN k.contype = 'f' THEN k.pos END AS position_in_unique_constraint
FROM (SELECT oid, conname, connamespace, conrelid, contype, unnest(conkey) AS attnum, generate_subscripts(conkey, 1) AS pos
	FROM $A.pg_constraint WHERE contype IN ('p', 'u', 'f')) k
JOIN $A.pg_namespace nc ON nc.oid = k.connamespace JOIN $A.pg_class r ON r.oid = k.conrelid
JOIN $A.pg_namespace nr ON nr.oid = r.relnamespace
JOIN $A.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.attnum, $A.duckstore_session s
WHERE r.relkind IN ('r', 'p')`,

	"information_schema_constraint_column_usage": `
SELECT s.database AS table_catalog, nr.nspname AS table_schema, r.relname AS table_name, a.attname AS column_name,
	s.database AS constraint_catalog, nc.nspname AS constraint_schema, k.conname AS constraint_name
FROM (SELECT conname, connamespace, conrelid, unnest(conkey) AS attnum FROM $A.pg_constraint WHERE contype IN ('p', 'u')) k
JOIN $A.pg_namespace nc ON nc.oid = k.connamespace JOIN $A.pg_class r ON r.oid = k.conrelid
JOIN $A.pg_namespace nr ON nr.oid = r.relnamespace
JOIN $A.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.attnum, $A.duckstore_session s
WHERE r.relkind IN ('r', 'p')`,

	"information_schema_constraint_table_usage": `
SELECT s.database AS table_catalog, nr.nspname AS table_schema, r.relname AS table_name,
	s.database AS constraint_catalog, nc.nspname AS constraint_schema, c.conname AS constraint_name
FROM $A.pg_constraint c JOIN $A.pg_namespace nc ON nc.oid = c.connamespace JOIN $A.pg_class r ON r.oid = c.conrelid
JOIN $A.pg_namespace nr ON nr.oid = r.relnamespace, $A.duckstore_session s
WHERE c.contype IN ('p', 'u') AND r.relkind IN ('r', 'p')`,

	"information_schema_character_sets": `
SELECT NULL AS character_set_catalog, NULL AS character_set_schema, e.name AS character_set_name,
	CASE WHEN e.name = 'UTF8' THEN 'UCS' ELSE e.name END AS character_repertoire, e.name AS form_of_use,
	s.database AS default_collate_catalog, nc.nspname AS default_collate_schema, c.collname AS default_collate_name
FROM $A.pg_database d JOIN $S.duckstore_encodings e ON e.id = d.encoding
LEFT JOIN ($A.pg_collation c JOIN $A.pg_namespace nc ON c.collnamespace = nc.oid)
	ON d.datcollate = c.collcollate AND d.datctype = c.collctype, $A.duckstore_session s
ORDER BY length(c.collname) DESC, c.collname LIMIT 1`,

	"information_schema_collations": `
SELECT s.database AS collation_catalog, nc.nspname AS collation_schema, c.collname AS collation_name,
	'NO PAD' AS pad_attribute
FROM $A.pg_collation c JOIN $A.pg_namespace nc ON c.collnamespace = nc.oid, $A.duckstore_session s
WHERE c.collencoding IN (-1, 6)`,

	// The session owns what it sees; PostgreSQL lists an owner's implicit
	// privileges with the owner as grantor and grantee.
	"information_schema_table_privileges":  tablePrivileges,
	"information_schema_role_table_grants": tablePrivileges,
}

const tablePrivileges = `
SELECT s.usr AS grantor, s.usr AS grantee, s.database AS table_catalog, nc.nspname AS table_schema,
	c.relname AS table_name, p.privilege_type, 'YES' AS is_grantable,
	CASE WHEN p.privilege_type = 'SELECT' THEN 'YES' ELSE 'NO' END AS with_hierarchy
FROM $A.pg_class c JOIN $A.pg_namespace nc ON nc.oid = c.relnamespace
LEFT JOIN $A.duckstore_tables t ON t.oid = c.oid,
	(SELECT unnest(['INSERT', 'SELECT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS privilege_type) p,
	$A.duckstore_session s
WHERE c.relkind IN ('r', 'v', 'f', 'p') AND (p.privilege_type = 'SELECT' OR NOT coalesce(t.readonly, true))`

// statTables is pg_stat_all_tables or pg_stat_user_tables: every counter
// 0, the live tuples from the snapshot's row counts.
func statTables(user bool) string {
	return `
SELECT c.oid AS relid, n.nspname AS schemaname, c.relname, 0 AS seq_scan, 0 AS seq_tup_read,
	CASE WHEN c.relhasindex THEN 0 END AS idx_scan, CASE WHEN c.relhasindex THEN 0 END AS idx_tup_fetch,
	0 AS n_tup_ins, 0 AS n_tup_upd, 0 AS n_tup_del, 0 AS n_tup_hot_upd, greatest(coalesce(t.nrows, 0), 0) AS n_live_tup,
	0 AS n_dead_tup, 0 AS n_mod_since_analyze, 0 AS n_ins_since_vacuum, NULL AS last_vacuum, NULL AS last_autovacuum,
	NULL AS last_analyze, NULL AS last_autoanalyze, 0 AS vacuum_count, 0 AS autovacuum_count, 0 AS analyze_count,
	0 AS autoanalyze_count
FROM $A.pg_class c LEFT JOIN $A.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN $A.duckstore_tables t ON t.oid = c.oid
WHERE c.relkind IN ('r', 't', 'm', 'p')` + userFilter(user)
}

func statioTables(user bool) string {
	return `
SELECT c.oid AS relid, n.nspname AS schemaname, c.relname, 0 AS heap_blks_read, 0 AS heap_blks_hit,
	CASE WHEN c.relhasindex THEN 0 END AS idx_blks_read, CASE WHEN c.relhasindex THEN 0 END AS idx_blks_hit,
	CASE WHEN t.hastoast THEN 0 END AS toast_blks_read, CASE WHEN t.hastoast THEN 0 END AS toast_blks_hit,
	CASE WHEN t.hastoast THEN 0 END AS tidx_blks_read, CASE WHEN t.hastoast THEN 0 END AS tidx_blks_hit
FROM $A.pg_class c LEFT JOIN $A.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN $A.duckstore_tables t ON t.oid = c.oid
WHERE c.relkind IN ('r', 't', 'm', 'p')` + userFilter(user)
}

func userFilter(user bool) string {
	if !user {
		return ""
	}
	return " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' ESCAPE '\\'"
}

// selectCols is a SELECT of every column of a relation in order, each the
// given expression cast to the column's type, or NULL.
func selectCols(rel string, exprs map[string]string, from string) string {
	r := defs.byTable[rel]
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range r.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		e, ok := exprs[c.name]
		if !ok {
			e = "NULL"
		}
		b.WriteString("CAST(" + e + " AS " + c.duck + ") AS " + quoteIdent(c.name))
		delete(exprs, c.name)
	}
	for name := range exprs {
		panic("pgcatalog: " + rel + " has no column " + name)
	}
	b.WriteString(" FROM ")
	b.WriteString(from)
	return b.String()
}

var allViews struct {
	once sync.Once
	m    map[string]string
}

// viewDefs is viewSQL with the views that join the built-in rows to the
// snapshot's.
func viewDefs() map[string]string {
	allViews.once.Do(func() {
		m := make(map[string]string, len(viewSQL)+8)
		for k, v := range viewSQL {
			m[k] = v
		}
		for k, v := range snapshotViews() {
			m[k] = v
		}
		allViews.m = m
	})
	return allViews.m
}

// ownerACL replaces the built-in rows' placeholder for their owner in an
// aclitem[] column by the session's user.
func ownerACL(col string) string {
	return "list_transform(" + col + ", lambda m_x: replace(m_x, '{{owner}}', $OWNER)) AS " + col
}

// attrdefSQL is pg_attrdef: the defaults a table's coldefs lists by
// position, numbered from its defoid.
const attrdefSQL = `SELECT CAST(d.defoid + row_number() OVER (PARTITION BY d.adrelid ORDER BY d.adnum) - 1 AS UINTEGER) AS oid,
	d.adrelid, CAST(d.adnum AS SMALLINT) AS adnum, d.adbin
FROM (SELECT t.oid AS adrelid, t.defoid, unnest(t.coldefs) AS adbin, generate_subscripts(t.coldefs, 1) AS adnum
	FROM $A.duckstore_tables t WHERE t.coldefs IS NOT NULL) d WHERE d.adbin IS NOT NULL`

// materialized are the relations of snapshotViews Build fills as tables:
// every catalog query and every view reads them, and DuckDB binds a table
// much faster than a view. pg_attribute and pg_attrdef stay views, so the
// snapshot's columns are stored once, as lists; so do pg_description and
// pg_depend, which few queries read.
var materialized = []string{"pg_namespace", "pg_class", "pg_index", "pg_constraint"}

// fillDerived fills the materialized relations and duckstore_types.
func (b *builder) fillDerived() error {
	views := viewDefs()
	var q strings.Builder
	for _, name := range materialized {
		q.WriteString("INSERT INTO $A." + name + " " + views[name] + ";\n")
	}
	q.WriteString("INSERT INTO $A.duckstore_types " + views["duckstore_types"] + ";\n")
	return b.exec(q.String())
}

// snapshotViews show the snapshot's objects as PostgreSQL 15 stores what
// `CREATE SCHEMA` and `CREATE TABLE t (... PRIMARY KEY (...))` make: the
// table and its index in pg_class, their columns in pg_attribute, the row
// type and its array type in pg_type, pg_index, pg_constraint and
// pg_depend rows. Views cost nothing at Build and DuckDB applies a filter
// on the OIDs before it unnests the column lists.
func snapshotViews() map[string]string {
	const tables = "$A.duckstore_tables t"
	const keyed = "$A.duckstore_tables t WHERE t.pkname IS NOT NULL"
	classCommon := map[string]string{
		"relnamespace": "t.nsp", "reloftype": "0", "relowner": "10", "reltablespace": "0", "relallvisible": "0",
		"reltoastrelid": "0", "relisshared": "false", "relpersistence": "'p'", "relchecks": "0",
		"relhasrules": "false", "relhastriggers": "false", "relhassubclass": "false", "relrowsecurity": "false",
		"relforcerowsecurity": "false", "relispopulated": "true", "relispartition": "false", "relrewrite": "0",
		"relfrozenxid": "0", "reltuples": "CASE WHEN t.nrows < 0 THEN -1 ELSE t.nrows END",
	}
	with := func(base map[string]string, more map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range more {
			m[k] = v
		}
		return m
	}
	attCommon := map[string]string{
		"atttypid": "k.atttypid", "attstattarget": "-1", "attlen": "k.attlen", "attcacheoff": "-1",
		"atttypmod": "k.atttypmod", "attbyval": "k.attbyval", "attalign": "k.attalign", "attstorage": "k.attstorage",
		"attcompression": "''", "atthasmissing": "false", "attidentity": "''", "attgenerated": "''",
		"attisdropped": "false", "attislocal": "true", "attinhcount": "0", "attcollation": "k.attcollation",
	}
	// The fixed fields of a table's row type and its array type are those
	// of pg_class's own (OID 83) and its array's.
	typeFrom := func(oid string) string {
		return tables + ", (SELECT * FROM $S.duckstore_sys_pg_type WHERE oid = " + oid + ") r"
	}
	typeCols := []string{"typlen", "typbyval", "typtype", "typcategory", "typispreferred", "typisdefined", "typdelim",
		"typsubscript", "typinput", "typoutput", "typreceive", "typsend", "typmodin", "typmodout", "typanalyze",
		"typalign", "typstorage", "typnotnull", "typbasetype", "typtypmod", "typndims", "typcollation"}
	typeExprs := func(more map[string]string) map[string]string {
		m := map[string]string{"typnamespace": "t.nsp", "typowner": "10"}
		for _, c := range typeCols {
			m[c] = "r." + c
		}
		return with(m, more)
	}
	return map[string]string{
		"pg_namespace": `SELECT * REPLACE (` + ownerACL("nspacl") + `) FROM $S.duckstore_sys_pg_namespace
			WHERE nspname NOT IN (SELECT name FROM $A.duckstore_namespaces) AND NOT (nspname = 'public' AND $HIDEPUBLIC) UNION ALL ` +
			selectCols("pg_namespace", map[string]string{"oid": "n.oid", "nspname": "n.name", "nspowner": "10"},
				"$A.duckstore_namespaces n"),

		"pg_class": `SELECT * REPLACE (` + ownerACL("relacl") + `) FROM $S.duckstore_sys_pg_class UNION ALL ` +
			selectCols("pg_class", with(classCommon, map[string]string{
				"oid": "t.oid", "relname": "t.name", "reltype": "t.type_oid", "relam": "2", "relfilenode": "t.oid",
				"relpages": "(greatest(t.bytes, 0) + 8191) // 8192", "relhasindex": "t.pkname IS NOT NULL",
				"relkind": "'r'", "relnatts": "len(t.colnames)", "relreplident": "'d'", "relminmxid": "1",
			}), tables) + ` UNION ALL ` +
			selectCols("pg_class", with(classCommon, map[string]string{
				"oid": "t.idx_oid", "relname": "t.pkname", "reltype": "0", "relam": "403", "relfilenode": "t.idx_oid",
				"relpages": "1", "relhasindex": "false", "relkind": "'i'", "relnatts": "len(t.pkey)",
				"reltuples":    "greatest(t.nrows, 0)",
				"relreplident": "'n'", "relminmxid": "0",
			}), keyed),

		"pg_attribute": `SELECT * FROM $S.duckstore_sys_pg_attribute UNION ALL ` +
			selectCols("pg_attribute", with(attCommon, map[string]string{
				"attrelid": "c.attrelid", "attname": "c.attname", "attnum": "c.attnum", "attndims": "k.attndims",
				"attnotnull": "(CAST(substr(c.flags, c.attnum, 1) AS INTEGER) & 1) = 1",
				"atthasdef":  "(CAST(substr(c.flags, c.attnum, 1) AS INTEGER) & 2) = 2",
			}), `(SELECT t.oid AS attrelid, unnest(t.colnames) AS attname, generate_subscripts(t.colnames, 1) AS attnum,
				unnest(t.coltkeys) AS tkey, t.colflags AS flags FROM $A.duckstore_tables t) c
				JOIN $A.duckstore_coltypes k ON k.tkey = c.tkey`) + ` UNION ALL ` +
			selectCols("pg_attribute", with(attCommon, map[string]string{
				"attrelid": "c.attrelid", "attname": "c.attname", "attnum": "c.attnum", "attndims": "0",
				"attnotnull": "false", "atthasdef": "false",
			}), `(SELECT t.idx_oid AS attrelid, unnest(list_transform(t.pkey, lambda x: t.colnames[x])) AS attname,
				generate_subscripts(t.pkey, 1) AS attnum, unnest(list_transform(t.pkey, lambda x: t.coltkeys[x])) AS tkey
				FROM `+keyed+`) c JOIN $A.duckstore_coltypes k ON k.tkey = c.tkey`) + ` UNION ALL ` +
			// The system columns every table has.
			selectCols("pg_attribute", map[string]string{
				"attrelid": "t.oid", "attname": "s.name", "atttypid": "s.typ", "attstattarget": "0", "attlen": "s.len",
				"attnum": "s.num", "attndims": "0", "attcacheoff": "-1", "atttypmod": "-1", "attbyval": "s.len = 4",
				"attalign": "CASE WHEN s.len = 4 THEN 'i' ELSE 's' END", "attstorage": "'p'", "attcompression": "''",
				"attnotnull": "true", "atthasdef": "false", "atthasmissing": "false", "attidentity": "''",
				"attgenerated": "''", "attisdropped": "false", "attislocal": "true", "attinhcount": "0", "attcollation": "0",
			}, `$A.duckstore_tables t, (VALUES ('tableoid', 26, 4, -6), ('cmax', 29, 4, -5), ('xmax', 28, 4, -4),
				('cmin', 29, 4, -3), ('xmin', 28, 4, -2), ('ctid', 27, 6, -1)) s(name, typ, len, num)`),

		"pg_attrdef": attrdefSQL,

		"pg_type": `SELECT * REPLACE (` + ownerACL("typacl") + `) FROM $S.duckstore_sys_pg_type UNION ALL ` +
			selectCols("pg_type", typeExprs(map[string]string{
				"oid": "t.type_oid", "typname": "t.name", "typrelid": "t.oid", "typelem": "0", "typarray": "t.arr_oid",
			}), typeFrom("83")) + ` UNION ALL ` +
			selectCols("pg_type", typeExprs(map[string]string{
				"oid": "t.arr_oid", "typname": "'_' || t.name", "typrelid": "0", "typelem": "t.type_oid", "typarray": "0",
			}), typeFrom("(SELECT typarray FROM $S.duckstore_sys_pg_type WHERE oid = 83)")),

		"pg_index": selectCols("pg_index", map[string]string{
			"indexrelid": "t.idx_oid", "indrelid": "t.oid", "indnatts": "len(t.pkey)", "indnkeyatts": "len(t.pkey)",
			"indisunique": "true", "indnullsnotdistinct": "false", "indisprimary": "true", "indisexclusion": "false",
			"indimmediate": "true", "indisclustered": "false", "indisvalid": "true", "indcheckxmin": "false",
			"indisready": "true", "indislive": "true", "indisreplident": "false", "indkey": "t.pkey",
			"indcollation": "t.pkcoll", "indclass": "t.pkclass",
			"indoption": "list_transform(t.pkey, lambda x: CAST(0 AS SMALLINT))",
		}, keyed),

		"pg_constraint": selectCols("pg_constraint", map[string]string{
			"oid": "t.con_oid", "conname": "t.pkname", "connamespace": "t.nsp", "contype": "'p'",
			"condeferrable": "false", "condeferred": "false", "convalidated": "true", "conrelid": "t.oid",
			"contypid": "0", "conindid": "t.idx_oid", "conparentid": "0", "confrelid": "0", "confupdtype": "' '",
			"confdeltype": "' '", "confmatchtype": "' '", "conislocal": "true", "coninhcount": "0",
			"connoinherit": "true", "conkey": "t.pkey",
		}, keyed),

		"pg_depend": `
SELECT 1259 AS classid, oid AS objid, 0 AS objsubid, 2615 AS refclassid, nsp AS refobjid, 0 AS refobjsubid, 'n' AS deptype FROM $A.duckstore_tables
UNION ALL SELECT 1247, type_oid, 0, 1259, oid, 0, 'i' FROM $A.duckstore_tables
UNION ALL SELECT 1247, arr_oid, 0, 1247, type_oid, 0, 'i' FROM $A.duckstore_tables
UNION ALL SELECT 2606, con_oid, 0, 1259, oid, unnest(pkey), 'a' FROM $A.duckstore_tables WHERE pkname IS NOT NULL
UNION ALL SELECT 1259, idx_oid, 0, 2606, con_oid, 0, 'i' FROM $A.duckstore_tables WHERE pkname IS NOT NULL
UNION ALL SELECT 2604, oid, 0, 1259, adrelid, adnum, 'a' FROM (` + attrdefSQL + `)`,

		// A bucket shown as public replaces the built-in public schema.
		"pg_description": `SELECT * FROM $S.duckstore_sys_pg_description WHERE NOT (objoid = 2200 AND classoid = 2615
				AND ($HIDEPUBLIC OR EXISTS (SELECT 1 FROM $A.duckstore_namespaces WHERE name = 'public'))) UNION ALL
			SELECT objoid, classoid, objsubid, description FROM $A.duckstore_descriptions`,

		// format_type's names.
		"duckstore_types": `SELECT oid, fmt, elem, isarray FROM $S.duckstore_sys_types
			UNION ALL SELECT type_oid, typfmt, 0, false FROM $A.duckstore_tables
			UNION ALL SELECT arr_oid, typfmt || '[]', type_oid, true FROM $A.duckstore_tables`,
	}
}

// createViews creates the views, each wrapped to PostgreSQL's column
// order and types. When the built-in rows are shared, their relations
// are views of the shared tables.
func (b *builder) createViews(shared bool) error {
	var q strings.Builder
	if shared {
		for _, name := range staticRelations {
			q.WriteString("CREATE OR REPLACE VIEW $A." + quoteIdent(name) + " AS SELECT * FROM $S." + quoteIdent(name) + ";\n")
		}
	}
	views := viewDefs()
	// Views are bound when created: the ones over the snapshot first, as
	// the others read them.
	first := snapshotViews()
	for _, pass := range []bool{true, false} {
		for _, r := range defs.rels {
			inner, ok := views[r.table]
			if _, isFirst := first[r.table]; !ok || isFirst != pass || contains(materialized, r.table) {
				continue
			}
			q.WriteString("CREATE OR REPLACE VIEW $A.")
			q.WriteString(quoteIdent(r.table))
			q.WriteString(" AS SELECT ")
			for i, c := range r.cols {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("CAST(v.")
				q.WriteString(quoteIdent(c.name))
				q.WriteString(" AS ")
				q.WriteString(c.duck)
				q.WriteString(") AS ")
				q.WriteString(quoteIdent(c.name))
			}
			q.WriteString(" FROM (")
			q.WriteString(inner)
			q.WriteString(") v;\n")
		}
	}
	return b.exec(q.String())
}

func (b *builder) createMacros() error {
	return b.exec(b.sessionMacros(&b.snap.Session) + baseMacros + macros + infoSchemaMacros())
}
