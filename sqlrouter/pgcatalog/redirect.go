package pgcatalog

import (
	"strconv"
	"strings"
	"sync"
)

// Relation maps a reference to a pg_catalog or information_schema relation
// to the table or view Build made for it in <alias>.main. schema is the
// reference's schema, "" when unqualified; names are compared as
// PostgreSQL's parser folded them.
//
// An unqualified name resolves to a pg_catalog relation only when
// searchPathHasPgCatalog: the router passes true when pg_catalog comes
// before any schema holding a relation of that name in the session's
// effective search path (it does unless search_path lists pg_catalog
// after such a schema). An unqualified information_schema name resolves
// only through the schema: the router calls Relation("information_schema",
// name, ...) when information_schema is on the search path.
func Relation(schema, name string, searchPathHasPgCatalog bool) (table string, ok bool) {
	if loadDefs() != nil {
		return "", false
	}
	switch schema {
	case "pg_catalog":
	case "":
		if !searchPathHasPgCatalog {
			return "", false
		}
		schema = "pg_catalog"
	case "information_schema":
	default:
		return "", false
	}
	r, ok := defs.byTable[tableName(schema, name)]
	if !ok || r.schema != schema {
		return "", false
	}
	return r.table, true
}

// IsSystemSchema reports whether a schema is one the package emulates:
// references to any other relation in it must be refused rather than
// reaching DuckDB's own catalog.
func IsSystemSchema(schema string) bool {
	return schema == "pg_catalog" || schema == "information_schema"
}

// Relations lists every emulated relation as schema.name.
func Relations() []string {
	if loadDefs() != nil {
		return nil
	}
	out := make([]string, len(defs.rels))
	for i, r := range defs.rels {
		out[i] = r.schema + "." + r.name
	}
	return out
}

// Function maps a call of a PostgreSQL function to the macro Build made for
// it in <alias>.main. schema is "" for an unqualified call, "pg_catalog"
// or "information_schema". The SQL-standard functions PostgreSQL's grammar
// writes without parentheses (current_user, session_user, user,
// current_role, current_catalog, current_schema) are looked up by those
// names too.
//
// Some of them describe the session as of the last Build or UpdateSession;
// see the package documentation for those the router should substitute.
func Function(schema, name string) (macro string, ok bool) {
	switch schema {
	case "", "pg_catalog":
		m, ok := functions[name]
		return m, ok
	case "information_schema":
		if strings.HasPrefix(name, "_pg_") && informationSchemaFunctions[name] {
			return "information_schema_" + name, true
		}
	}
	return "", false
}

// RegCast maps a cast to a reg* type to the macro that implements it.
// toOID is true for a cast of text to the type (the result compares with
// OIDs: 'pg_class'::regclass, 'int4'::regtype), false for a cast of an
// OID whose result is shown as text (c.oid::regclass, t.oid::regtype::text).
func RegCast(typ string, toOID bool) (macro string, ok bool) {
	base, ok := regTypes[strings.TrimPrefix(typ, "pg_catalog.")]
	if !ok {
		return "", false
	}
	if toOID {
		return base + "in", true
	}
	return base + "out", true
}

var regTypes = map[string]string{
	"regclass": "regclass", "regtype": "regtype", "regproc": "regproc", "regnamespace": "regnamespace",
	"regrole": "regrole",
}

var informationSchemaFunctions = map[string]bool{
	"_pg_expandarray": true, "_pg_char_max_length": true, "_pg_char_octet_length": true,
	"_pg_numeric_precision": true, "_pg_numeric_precision_radix": true, "_pg_numeric_scale": true,
	"_pg_datetime_precision": true, "_pg_interval_type": true,
}

// functions maps PostgreSQL function names to macro names.
var functions = map[string]string{
	"current_user": "duckstore_user", "session_user": "duckstore_user", "user": "duckstore_user",
	"current_role": "duckstore_user", "getpgusername": "duckstore_user", "current_catalog": "current_database",
}

func init() {
	for _, name := range []string{
		"current_database", "version", "current_schema", "current_schemas", "current_setting", "pg_backend_pid",
		"inet_server_addr", "inet_server_port", "inet_client_addr", "inet_client_port", "pg_postmaster_start_time",
		"pg_conf_load_time", "txid_current", "pg_is_in_recovery", "pg_jit_available", "pg_my_temp_schema",
		"pg_is_other_temp_schema", "pg_trigger_depth",
		"format_type", "pg_type_is_visible", "regtypein", "regtypeout", "to_regtype",
		"pg_table_is_visible", "regclassin", "regclassout", "to_regclass",
		"regnamespacein", "regnamespaceout", "to_regnamespace", "regrolein", "regroleout", "to_regrole",
		"pg_get_userbyid", "regprocin", "regprocout", "to_regproc", "pg_function_is_visible",
		"pg_get_function_arguments", "pg_get_function_identity_arguments", "pg_get_function_result",
		"pg_operator_is_visible", "pg_collation_is_visible", "pg_opclass_is_visible",
		"pg_get_expr", "pg_get_indexdef", "pg_get_constraintdef", "pg_get_viewdef", "pg_get_serial_sequence",
		"pg_get_partkeydef", "pg_get_partition_constraintdef", "pg_get_triggerdef", "pg_get_ruledef",
		"pg_get_statisticsobjdef_columns", "pg_relation_is_publishable", "pg_tablespace_location",
		"obj_description", "col_description", "shobj_description",
		"has_table_privilege", "has_any_column_privilege", "has_column_privilege", "has_schema_privilege",
		"has_database_privilege", "has_function_privilege", "has_type_privilege", "has_language_privilege",
		"has_tablespace_privilege", "has_sequence_privilege", "pg_has_role",
		"pg_relation_size", "pg_table_size", "pg_total_relation_size", "pg_indexes_size", "pg_database_size",
		"pg_size_pretty", "pg_encoding_to_char", "pg_char_to_encoding", "pg_encoding_max_length",
		"quote_ident", "quote_literal", "quote_nullable", "parse_ident", "array_upper", "array_lower", "array_length", "cardinality",
	} {
		functions[name] = name
	}
}

// ColumnTypeOID is the PostgreSQL type of a column of an emulated
// relation, by the name Relation returned: ColumnTypeOID("pg_class",
// "oid") is 26 (oid), ("pg_class", "relname") 19 (name). The tables hold
// these as DuckDB types that engine.PGTypeOf shows otherwise (oid as
// UINTEGER, hence int8), so the router can use it to describe a result
// column that is a plain reference to a catalog column as PostgreSQL
// would. information_schema's domains are reported as their base types.
func ColumnTypeOID(table, column string) (uint32, bool) {
	if loadDefs() != nil {
		return 0, false
	}
	r, ok := defs.byTable[table]
	if !ok {
		return 0, false
	}
	i := r.col(column)
	if i < 0 {
		return 0, false
	}
	oid, ok := typeOIDByName()[r.cols[i].pgBase]
	return oid, ok
}

// Columns lists the columns of an emulated relation, by the name Relation
// returned, in order: what a * over it expands to, so that the router can
// describe each with ColumnTypeOID.
func Columns(table string) []string {
	if loadDefs() != nil {
		return nil
	}
	r, ok := defs.byTable[table]
	if !ok {
		return nil
	}
	out := make([]string, len(r.cols))
	for i, c := range r.cols {
		out[i] = c.name
	}
	return out
}

var typeOIDs struct {
	once sync.Once
	m    map[string]uint32
}

func typeOIDByName() map[string]uint32 {
	typeOIDs.once.Do(func() {
		typeOIDs.m = map[string]uint32{}
		fx := defs.fixtures["pg_type"]
		iOID, iName, iNsp := fx.col("oid"), fx.col("typname"), fx.col("typnamespace")
		for _, row := range fx.rows {
			if row[iNsp] != strconv.Itoa(OIDPgCatalog) {
				continue
			}
			oid, _ := strconv.ParseUint(row[iOID], 10, 32)
			typeOIDs.m[row[iName]] = uint32(oid)
		}
	})
	return typeOIDs.m
}
