package pgcatalog

import (
	"sort"
	"strings"
)

// The macros Build creates in <alias>.main, with PostgreSQL 15's semantics
// over the catalog's own tables. DuckDB macros are untyped and overloaded
// by arity only, so PostgreSQL overloads that differ in argument types
// (a relation given by name or by OID) take both: a value that reads as a
// number is an OID, anything else a name, as PostgreSQL's reg* input
// functions do.
//
// DuckDB expands a macro in place, so an argument written into a subquery
// would bind to the subquery's own tables when their columns share its
// names (pg_get_userbyid(oid) would read pg_roles.oid). Every subquery
// therefore takes its arguments from a FROM-less derived table,
// (SELECT <arg> AS a) m_arg, and names its tables m_*.
//
// The functions that report session state are literals, rewritten by
// UpdateSession (sessionMacros), so that they also work where DuckDB
// allows no subquery, such as the arguments of generate_series in FROM.

// baseMacros are needed by the others.
const baseMacros = `
CREATE OR REPLACE MACRO $A.quote_ident(s) AS
	CASE WHEN s IS NULL THEN NULL
	WHEN regexp_full_match(s, '[a-z_][a-z0-9_]*')
		AND NOT EXISTS (SELECT 1 FROM (SELECT s AS a) m_arg, $S.duckstore_keywords m_k
			WHERE m_k.word = m_arg.a AND m_k.catcode <> 'U') THEN s
	ELSE '"' || replace(s, '"', '""') || '"' END;

-- The parts of a possibly qualified, possibly quoted name:
-- '"in.c-sales".Orders' is ['in.c-sales', 'orders'].
CREATE OR REPLACE MACRO $A.duckstore_name_parts(s) AS
	list_transform(regexp_extract_all(trim(s), '"(?:[^"]|"")*"|[^."\s]+'),
		lambda m_p: CASE WHEN m_p[1] = '"' THEN replace(m_p[2:-2], '""', '"') ELSE lower(m_p) END);
`

// macros are all the others.
const macros = `
CREATE OR REPLACE MACRO $A.pg_is_in_recovery() AS false;
CREATE OR REPLACE MACRO $A.pg_jit_available() AS false;
CREATE OR REPLACE MACRO $A.pg_my_temp_schema() AS CAST(0 AS UINTEGER);
CREATE OR REPLACE MACRO $A.pg_is_other_temp_schema(o) AS false;
CREATE OR REPLACE MACRO $A.pg_trigger_depth() AS 0;

-- Types.
CREATE OR REPLACE MACRO $A.duckstore_fmt(t) AS
	(SELECT m_t.fmt FROM (SELECT t AS a) m_arg, $A.duckstore_types m_t WHERE m_t.oid = m_arg.a);
CREATE OR REPLACE MACRO $A.duckstore_typmod(t, m) AS
	CASE t
	WHEN 1700 THEN 'numeric(' || (((m - 4) >> 16) & 65535) || ',' || ((m - 4) & 65535) || ')'
	WHEN 1043 THEN 'character varying(' || (m - 4) || ')'
	WHEN 1042 THEN 'character(' || (m - 4) || ')'
	WHEN 1560 THEN 'bit(' || m || ')'
	WHEN 1562 THEN 'bit varying(' || m || ')'
	WHEN 1083 THEN 'time(' || m || ') without time zone'
	WHEN 1266 THEN 'time(' || m || ') with time zone'
	WHEN 1114 THEN 'timestamp(' || m || ') without time zone'
	WHEN 1184 THEN 'timestamp(' || m || ') with time zone'
	WHEN 1186 THEN CASE WHEN (m & 65535) = 65535 THEN 'interval' ELSE 'interval(' || (m & 65535) || ')' END
	ELSE $A.duckstore_fmt(t) END;
CREATE OR REPLACE MACRO $A.format_type(t, m) AS
	CASE WHEN t IS NULL THEN NULL WHEN t = 0 THEN '-'
	ELSE coalesce((SELECT CASE WHEN m_arg.m IS NULL OR m_arg.m < 0 THEN m_t.fmt
			WHEN m_t.isarray THEN $A.duckstore_typmod(m_t.elem, m_arg.m) || '[]'
			ELSE $A.duckstore_typmod(m_t.oid, m_arg.m) END
		FROM (SELECT t AS a, m AS m) m_arg, $A.duckstore_types m_t WHERE m_t.oid = m_arg.a), '???') END;
CREATE OR REPLACE MACRO $A.pg_type_is_visible(o) AS o IN (SELECT m_v.oid FROM $A.duckstore_visible_type m_v);
CREATE OR REPLACE MACRO $A.duckstore_regtype(n) AS
	(SELECT m_t.oid FROM (SELECT regexp_replace(n, '^pg_catalog\.', '') AS a) m_arg, $S.duckstore_sys_type_names m_t
		WHERE m_t.name = m_arg.a LIMIT 1);
CREATE OR REPLACE MACRO $A.regtypein(s) AS
	CASE WHEN s IS NULL THEN NULL
	WHEN regexp_full_match(trim(s), '[0-9]+') THEN CAST(trim(s) AS UINTEGER)
	ELSE (SELECT CASE WHEN ends_with(m_arg.a, '[]')
			THEN (SELECT m_t.typarray FROM $A.pg_type m_t WHERE m_t.oid = $A.duckstore_regtype(m_arg.a[1:-3]))
			ELSE $A.duckstore_regtype(m_arg.a) END
		FROM (SELECT lower(regexp_replace(regexp_replace(trim(s), '\s*\([^)]*\)', '', 'g'), '\s+', ' ', 'g')) AS a) m_arg) END;
CREATE OR REPLACE MACRO $A.to_regtype(s) AS $A.regtypein(s);
CREATE OR REPLACE MACRO $A.regtypeout(o) AS
	CASE WHEN o IS NULL THEN NULL WHEN o = 0 THEN '-' ELSE $A.format_type(o, NULL) END;

-- Relations.
CREATE OR REPLACE MACRO $A.pg_table_is_visible(o) AS o IN (SELECT m_v.oid FROM $A.duckstore_visible_rel m_v);
CREATE OR REPLACE MACRO $A.regclassin(s) AS
	CASE WHEN s IS NULL THEN NULL
	WHEN regexp_full_match(trim(s), '[0-9]+') THEN CAST(trim(s) AS UINTEGER)
	ELSE (SELECT m_c.oid FROM (SELECT $A.duckstore_name_parts(s) AS p) m_arg, $A.pg_class m_c
		JOIN $A.pg_namespace m_n ON m_n.oid = m_c.relnamespace
		LEFT JOIN $A.duckstore_search_path m_sp ON m_sp.nspoid = m_n.oid
		WHERE m_c.relname = m_arg.p[-1]
			AND CASE WHEN len(m_arg.p) > 1 THEN m_n.nspname = m_arg.p[-2] ELSE m_sp.pos IS NOT NULL END
		ORDER BY m_sp.pos LIMIT 1) END;
CREATE OR REPLACE MACRO $A.to_regclass(s) AS $A.regclassin(s);
CREATE OR REPLACE MACRO $A.regclassout(o) AS
	CASE WHEN o IS NULL THEN NULL WHEN o = 0 THEN '-'
	ELSE coalesce((SELECT CASE WHEN m_c.oid IN (SELECT m_v.oid FROM $A.duckstore_visible_rel m_v) THEN $A.quote_ident(m_c.relname)
			ELSE $A.quote_ident(m_n.nspname) || '.' || $A.quote_ident(m_c.relname) END
		FROM (SELECT o AS a) m_arg, $A.pg_class m_c JOIN $A.pg_namespace m_n ON m_n.oid = m_c.relnamespace
		WHERE m_c.oid = m_arg.a), CAST(o AS VARCHAR)) END;
-- A relation given by OID or by (possibly qualified) name.
CREATE OR REPLACE MACRO $A.duckstore_relid(r) AS $A.regclassin(CAST(r AS VARCHAR));

-- Namespaces and roles.
CREATE OR REPLACE MACRO $A.regnamespacein(s) AS
	CASE WHEN s IS NULL THEN NULL
	WHEN regexp_full_match(trim(s), '[0-9]+') THEN CAST(trim(s) AS UINTEGER)
	ELSE (SELECT m_n.oid FROM (SELECT $A.duckstore_name_parts(s)[1] AS a) m_arg, $A.pg_namespace m_n
		WHERE m_n.nspname = m_arg.a) END;
CREATE OR REPLACE MACRO $A.to_regnamespace(s) AS $A.regnamespacein(s);
CREATE OR REPLACE MACRO $A.regnamespaceout(o) AS
	CASE WHEN o IS NULL THEN NULL WHEN o = 0 THEN '-'
	ELSE coalesce((SELECT $A.quote_ident(m_n.nspname) FROM (SELECT o AS a) m_arg, $A.pg_namespace m_n
		WHERE m_n.oid = m_arg.a), CAST(o AS VARCHAR)) END;
-- Schemas given by name are taken literally (PostgreSQL's name type).
CREATE OR REPLACE MACRO $A.duckstore_nspid(s) AS
	CASE WHEN regexp_full_match(CAST(s AS VARCHAR), '[0-9]+') THEN CAST(CAST(s AS VARCHAR) AS UINTEGER)
	ELSE (SELECT m_n.oid FROM (SELECT CAST(s AS VARCHAR) AS a) m_arg, $A.pg_namespace m_n WHERE m_n.nspname = m_arg.a) END;
CREATE OR REPLACE MACRO $A.regrolein(s) AS
	CASE WHEN s IS NULL THEN NULL
	WHEN regexp_full_match(trim(s), '[0-9]+') THEN CAST(trim(s) AS UINTEGER)
	ELSE (SELECT m_r.oid FROM (SELECT $A.duckstore_name_parts(s)[1] AS a) m_arg, $A.pg_roles m_r
		WHERE m_r.rolname = m_arg.a) END;
CREATE OR REPLACE MACRO $A.to_regrole(s) AS $A.regrolein(s);
CREATE OR REPLACE MACRO $A.regroleout(o) AS
	CASE WHEN o IS NULL THEN NULL WHEN o = 0 THEN '-'
	ELSE coalesce((SELECT $A.quote_ident(m_r.rolname) FROM (SELECT o AS a) m_arg, $A.pg_roles m_r
		WHERE m_r.oid = m_arg.a), CAST(o AS VARCHAR)) END;
CREATE OR REPLACE MACRO $A.pg_get_userbyid(o) AS
	coalesce((SELECT m_r.rolname FROM (SELECT o AS a) m_arg, $A.pg_roles m_r WHERE m_r.oid = m_arg.a),
		'unknown (OID=' || o || ')');

-- Functions.
CREATE OR REPLACE MACRO $A.regprocin(s) AS
	CASE WHEN s IS NULL THEN NULL WHEN trim(s) = '-' THEN CAST(0 AS UINTEGER)
	WHEN regexp_full_match(trim(s), '[0-9]+') THEN CAST(trim(s) AS UINTEGER)
	ELSE (SELECT min(m_p.oid) FROM (SELECT $A.duckstore_name_parts(s) AS q) m_arg, $A.pg_proc m_p
		JOIN $A.pg_namespace m_n ON m_n.oid = m_p.pronamespace
		WHERE m_p.proname = m_arg.q[-1] AND CASE WHEN len(m_arg.q) > 1 THEN m_n.nspname = m_arg.q[-2]
			ELSE m_n.oid IN (SELECT m_sp.nspoid FROM $A.duckstore_search_path m_sp) END) END;
CREATE OR REPLACE MACRO $A.to_regproc(s) AS $A.regprocin(s);
CREATE OR REPLACE MACRO $A.regprocout(o) AS
	CASE WHEN o IS NULL THEN NULL WHEN o = 0 THEN '-'
	ELSE coalesce((SELECT m_p.proname FROM (SELECT o AS a) m_arg, $A.pg_proc m_p WHERE m_p.oid = m_arg.a),
		CAST(o AS VARCHAR)) END;
CREATE OR REPLACE MACRO $A.pg_function_is_visible(o) AS
	(SELECT m_p.pronamespace IN (SELECT m_sp.nspoid FROM $A.duckstore_search_path m_sp)
		FROM (SELECT o AS a) m_arg, $A.pg_proc m_p WHERE m_p.oid = m_arg.a);
-- The argument list as \df shows it: [mode] [name] type, ...
CREATE OR REPLACE MACRO $A.pg_get_function_arguments(o) AS
	(SELECT string_agg(CASE m_x.mode WHEN 'o' THEN 'OUT ' WHEN 'b' THEN 'INOUT ' WHEN 'v' THEN 'VARIADIC ' ELSE '' END
			|| CASE WHEN coalesce(m_x.name, '') <> '' THEN m_x.name || ' ' ELSE '' END
			|| coalesce(m_f.fmt, '???'), ', ' ORDER BY m_x.ord)
	FROM (SELECT unnest(coalesce(m_p.proallargtypes, m_p.proargtypes)) AS typ,
			unnest(m_p.proargmodes) AS mode, unnest(m_p.proargnames) AS name,
			generate_subscripts(coalesce(m_p.proallargtypes, m_p.proargtypes), 1) AS ord
		FROM (SELECT o AS a) m_arg, $A.pg_proc m_p WHERE m_p.oid = m_arg.a) m_x
	LEFT JOIN $A.duckstore_types m_f ON m_f.oid = m_x.typ
	WHERE coalesce(m_x.mode, 'i') <> 't');
CREATE OR REPLACE MACRO $A.pg_get_function_identity_arguments(o) AS $A.pg_get_function_arguments(o);
CREATE OR REPLACE MACRO $A.pg_get_function_result(o) AS
	(SELECT CASE WHEN m_p.prokind = 'p' THEN NULL
		WHEN m_p.proretset THEN 'SETOF ' || $A.format_type(m_p.prorettype, NULL)
		ELSE $A.format_type(m_p.prorettype, NULL) END
	FROM (SELECT o AS a) m_arg, $A.pg_proc m_p WHERE m_p.oid = m_arg.a);

-- Operators, collations, classes.
CREATE OR REPLACE MACRO $A.pg_operator_is_visible(o) AS
	(SELECT m_o.oprnamespace IN (SELECT m_sp.nspoid FROM $A.duckstore_search_path m_sp)
		FROM (SELECT o AS a) m_arg, $A.pg_operator m_o WHERE m_o.oid = m_arg.a);
CREATE OR REPLACE MACRO $A.pg_collation_is_visible(o) AS
	(SELECT m_c.collnamespace IN (SELECT m_sp.nspoid FROM $A.duckstore_search_path m_sp)
		FROM (SELECT o AS a) m_arg, $A.pg_collation m_c WHERE m_c.oid = m_arg.a);
CREATE OR REPLACE MACRO $A.pg_opclass_is_visible(o) AS
	(SELECT m_c.opcnamespace IN (SELECT m_sp.nspoid FROM $A.duckstore_search_path m_sp)
		FROM (SELECT o AS a) m_arg, $A.pg_opclass m_c WHERE m_c.oid = m_arg.a);

-- Definitions.
CREATE OR REPLACE MACRO $A.pg_get_expr(e, r) AS e, (e, r, pretty) AS e;
-- The table is qualified when the search path does not show it.
CREATE OR REPLACE MACRO $A.duckstore_indexdef(idx_name, rel, cols) AS
	'CREATE UNIQUE INDEX ' || $A.quote_ident(idx_name) || ' ON ' || $A.regclassout(rel) || ' USING btree (' || cols || ')';
CREATE OR REPLACE MACRO $A.pg_get_indexdef(o) AS
	(SELECT $A.duckstore_indexdef(m_t.pkname, m_t.oid, m_t.pkcols)
		FROM (SELECT o AS a) m_arg, $A.duckstore_tables m_t WHERE m_t.idx_oid = m_arg.a),
	(o, col, pretty) AS
	(SELECT CASE WHEN m_arg.col = 0 THEN $A.duckstore_indexdef(m_t.pkname, m_t.oid, m_t.pkcols)
			ELSE $A.quote_ident(m_t.colnames[m_t.pkey[m_arg.col]]) END
		FROM (SELECT o AS a, col AS col) m_arg, $A.duckstore_tables m_t WHERE m_t.idx_oid = m_arg.a);
CREATE OR REPLACE MACRO $A.pg_get_constraintdef(o) AS
	(SELECT m_t.condef FROM (SELECT o AS a) m_arg, $A.duckstore_tables m_t WHERE m_t.con_oid = m_arg.a),
	(o, pretty) AS
	(SELECT m_t.condef FROM (SELECT o AS a) m_arg, $A.duckstore_tables m_t WHERE m_t.con_oid = m_arg.a);
CREATE OR REPLACE MACRO $A.pg_get_viewdef(o) AS
	(SELECT m_v.definition FROM (SELECT $A.duckstore_relid(o) AS a) m_arg, $S.duckstore_viewdefs m_v WHERE m_v.oid = m_arg.a),
	(o, pretty) AS
	(SELECT m_v.definition FROM (SELECT $A.duckstore_relid(o) AS a) m_arg, $S.duckstore_viewdefs m_v WHERE m_v.oid = m_arg.a);
CREATE OR REPLACE MACRO $A.pg_get_serial_sequence(t, c) AS CAST(NULL AS VARCHAR);
CREATE OR REPLACE MACRO $A.pg_get_partkeydef(o) AS CAST(NULL AS VARCHAR);
CREATE OR REPLACE MACRO $A.pg_get_partition_constraintdef(o) AS CAST(NULL AS VARCHAR);
CREATE OR REPLACE MACRO $A.pg_get_triggerdef(o) AS CAST(NULL AS VARCHAR), (o, pretty) AS CAST(NULL AS VARCHAR);
CREATE OR REPLACE MACRO $A.pg_get_ruledef(o) AS CAST(NULL AS VARCHAR), (o, pretty) AS CAST(NULL AS VARCHAR);
CREATE OR REPLACE MACRO $A.pg_get_statisticsobjdef_columns(o) AS CAST(NULL AS VARCHAR);
-- Regular tables outside the system schemas.
CREATE OR REPLACE MACRO $A.pg_relation_is_publishable(o) AS
	coalesce((SELECT m_c.relkind IN ('r', 'p') AND m_c.oid >= 16384
		FROM (SELECT $A.duckstore_relid(o) AS a) m_arg, $A.pg_class m_c WHERE m_c.oid = m_arg.a), false);
CREATE OR REPLACE MACRO $A.pg_tablespace_location(o) AS '';

-- Descriptions; catalogs are looked up among the built-in relations.
CREATE OR REPLACE MACRO $A.obj_description(o) AS
	(SELECT min(m_d.description) FROM (SELECT o AS a) m_arg, $A.pg_description m_d
		WHERE m_d.objoid = m_arg.a AND m_d.objsubid = 0),
	(o, cat) AS
	(SELECT m_d.description FROM (SELECT o AS a, cat AS cat) m_arg, $A.pg_description m_d, $S.duckstore_sys_pg_class m_c
		WHERE m_d.objoid = m_arg.a AND m_d.objsubid = 0 AND m_d.classoid = m_c.oid AND m_c.relname = m_arg.cat
			AND m_c.relnamespace = 11);
CREATE OR REPLACE MACRO $A.col_description(o, n) AS
	(SELECT m_d.description FROM (SELECT o AS a, n AS n) m_arg, $A.pg_description m_d
		WHERE m_d.objoid = m_arg.a AND m_d.classoid = 1259 AND m_d.objsubid = m_arg.n);
CREATE OR REPLACE MACRO $A.shobj_description(o, cat) AS
	(SELECT m_d.description FROM (SELECT o AS a, cat AS cat) m_arg, $A.pg_shdescription m_d, $S.duckstore_sys_pg_class m_c
		WHERE m_d.objoid = m_arg.a AND m_d.classoid = m_c.oid AND m_c.relname = m_arg.cat AND m_c.relnamespace = 11);

-- Privileges: the session may read every relation it sees, and write the
-- tables that are not ReadOnly; system catalogs are read-only.
CREATE OR REPLACE MACRO $A.duckstore_privs(p) AS
	list_transform(string_split(upper(p), ','), lambda m_x: trim(replace(m_x, 'WITH GRANT OPTION', '')));
CREATE OR REPLACE MACRO $A.duckstore_table_priv(o, p) AS
	(SELECT CASE WHEN m_c.oid IS NULL THEN NULL
		ELSE list_has_any($A.duckstore_privs(m_arg.p), ['SELECT'])
			OR (list_has_any($A.duckstore_privs(m_arg.p), ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'MAINTAIN'])
				AND NOT coalesce(m_t.readonly, true)) END
	FROM (SELECT o AS a, p AS p) m_arg LEFT JOIN $A.pg_class m_c ON m_c.oid = m_arg.a
		LEFT JOIN $A.duckstore_tables m_t ON m_t.oid = m_arg.a);
CREATE OR REPLACE MACRO $A.has_table_privilege(t, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p),
	(u, t, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p);
CREATE OR REPLACE MACRO $A.has_any_column_privilege(t, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p),
	(u, t, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p);
CREATE OR REPLACE MACRO $A.has_column_privilege(t, c, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p),
	(u, t, c, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p);
CREATE OR REPLACE MACRO $A.duckstore_schema_priv(o, p) AS
	(SELECT CASE WHEN m_arg.a IS NULL THEN NULL
		ELSE list_has_any($A.duckstore_privs(m_arg.p), ['USAGE'])
			OR (list_has_any($A.duckstore_privs(m_arg.p), ['CREATE']) AND NOT coalesce(m_n.readonly, true)) END
	FROM (SELECT o AS a, p AS p) m_arg LEFT JOIN $A.duckstore_namespaces m_n ON m_n.oid = m_arg.a);
CREATE OR REPLACE MACRO $A.has_schema_privilege(s, p) AS $A.duckstore_schema_priv($A.duckstore_nspid(s), p),
	(u, s, p) AS $A.duckstore_schema_priv($A.duckstore_nspid(s), p);
CREATE OR REPLACE MACRO $A.has_database_privilege(d, p) AS
	list_has_any($A.duckstore_privs(p), ['CONNECT', 'TEMPORARY', 'TEMP']),
	(u, d, p) AS list_has_any($A.duckstore_privs(p), ['CONNECT', 'TEMPORARY', 'TEMP']);
CREATE OR REPLACE MACRO $A.has_function_privilege(f, p) AS true, (u, f, p) AS true;
CREATE OR REPLACE MACRO $A.has_type_privilege(t, p) AS true, (u, t, p) AS true;
CREATE OR REPLACE MACRO $A.has_language_privilege(l, p) AS true, (u, l, p) AS true;
CREATE OR REPLACE MACRO $A.has_tablespace_privilege(t, p) AS true, (u, t, p) AS true;
CREATE OR REPLACE MACRO $A.has_sequence_privilege(s, p) AS CAST(NULL AS BOOLEAN), (u, s, p) AS CAST(NULL AS BOOLEAN);
CREATE OR REPLACE MACRO $A.pg_has_role(r, p) AS CAST(r AS VARCHAR) IN ($A.duckstore_user(), '10'),
	(u, r, p) AS CAST(r AS VARCHAR) IN ($A.duckstore_user(), '10');

-- Sizes: a table's file holds its rows and its primary key index.
CREATE OR REPLACE MACRO $A.duckstore_size(o) AS
	(SELECT coalesce(m_t.bytes, 0) FROM (SELECT o AS a) m_arg JOIN $A.pg_class m_c ON m_c.oid = m_arg.a
		LEFT JOIN $A.duckstore_tables m_t ON m_t.oid = m_arg.a);
CREATE OR REPLACE MACRO $A.pg_relation_size(o) AS $A.duckstore_size($A.duckstore_relid(o)),
	(o, fork) AS CASE WHEN fork = 'main' THEN $A.duckstore_size($A.duckstore_relid(o)) ELSE 0 END;
CREATE OR REPLACE MACRO $A.pg_table_size(o) AS $A.duckstore_size($A.duckstore_relid(o));
CREATE OR REPLACE MACRO $A.pg_total_relation_size(o) AS $A.duckstore_size($A.duckstore_relid(o));
CREATE OR REPLACE MACRO $A.pg_indexes_size(o) AS
	(SELECT CAST(0 AS BIGINT) FROM (SELECT $A.duckstore_relid(o) AS a) m_arg JOIN $A.pg_class m_c ON m_c.oid = m_arg.a);
CREATE OR REPLACE MACRO $A.pg_database_size(d) AS (SELECT CAST(coalesce(sum(m_t.bytes), 0) AS BIGINT) FROM $A.duckstore_tables m_t);
CREATE OR REPLACE MACRO $A.duckstore_half(x) AS (x + CASE WHEN x < 0 THEN -1 ELSE 1 END) // 2;
-- PostgreSQL's rounding: halves away from zero at each unit.
CREATE OR REPLACE MACRO $A.pg_size_pretty(n) AS
	CASE WHEN n IS NULL THEN NULL
	WHEN abs(CAST(n AS HUGEINT)) < 10240 THEN CAST(n AS HUGEINT) || ' bytes'
	WHEN abs(CAST(n AS HUGEINT) // 512) < 20479 THEN $A.duckstore_half(CAST(n AS HUGEINT) // 512) || ' kB'
	WHEN abs(CAST(n AS HUGEINT) // 524288) < 20479 THEN $A.duckstore_half(CAST(n AS HUGEINT) // 524288) || ' MB'
	WHEN abs(CAST(n AS HUGEINT) // 536870912) < 20479 THEN $A.duckstore_half(CAST(n AS HUGEINT) // 536870912) || ' GB'
	WHEN abs(CAST(n AS HUGEINT) // 549755813888) < 20479 THEN $A.duckstore_half(CAST(n AS HUGEINT) // 549755813888) || ' TB'
	ELSE $A.duckstore_half(CAST(n AS HUGEINT) // 562949953421312) || ' PB' END;

-- Encodings.
CREATE OR REPLACE MACRO $A.pg_encoding_to_char(i) AS
	coalesce((SELECT m_e.name FROM (SELECT i AS a) m_arg, $S.duckstore_encodings m_e WHERE m_e.id = m_arg.a), '');
CREATE OR REPLACE MACRO $A.pg_char_to_encoding(s) AS
	coalesce((SELECT m_e.id FROM (SELECT upper(s) AS a) m_arg, $S.duckstore_encodings m_e WHERE upper(m_e.name) = m_arg.a), -1);
CREATE OR REPLACE MACRO $A.pg_encoding_max_length(i) AS CASE WHEN i = 6 THEN 4 ELSE 1 END;

-- Strings and arrays DuckDB lacks or spells differently.
CREATE OR REPLACE MACRO $A.quote_literal(s) AS
	CASE WHEN s IS NULL THEN NULL
	WHEN contains(CAST(s AS VARCHAR), '\') THEN 'E''' || replace(replace(CAST(s AS VARCHAR), '\', '\\'), '''', '''''') || ''''
	ELSE '''' || replace(CAST(s AS VARCHAR), '''', '''''') || '''' END;
CREATE OR REPLACE MACRO $A.quote_nullable(s) AS coalesce($A.quote_literal(s), 'NULL');
CREATE OR REPLACE MACRO $A.array_upper(a, d) AS CASE WHEN d = 1 AND len(a) > 0 THEN len(a) END;
CREATE OR REPLACE MACRO $A.array_lower(a, d) AS CASE WHEN d = 1 AND len(a) > 0 THEN 1 END;
CREATE OR REPLACE MACRO $A.array_length(a, d) AS CASE WHEN d = 1 AND len(a) > 0 THEN len(a) END;
CREATE OR REPLACE MACRO $A.cardinality(a) AS len(a);
CREATE OR REPLACE MACRO $A.parse_ident(s) AS $A.duckstore_name_parts(s), (s, strict) AS $A.duckstore_name_parts(s);

-- information_schema's functions: see infoSchemaFunctions.
`

// infoSchemaFunctions are information_schema's helper functions
// (information_schema.sql) over a type OID {T} and typmod {M}. The
// columns view inlines them; Build also makes macros of them.
var infoSchemaFunctions = map[string]string{
	"_pg_char_max_length": `CASE WHEN {M} = -1 THEN NULL WHEN {T} IN (1042, 1043) THEN {M} - 4
		WHEN {T} IN (1560, 1562) THEN {M} ELSE NULL END`,
	// UTF8 takes up to 4 bytes a character.
	"_pg_char_octet_length": `CASE WHEN {T} IN (25, 1042, 1043) THEN CASE WHEN {M} = -1 THEN 1073741824 ELSE ({M} - 4) * 4 END
		ELSE NULL END`,
	"_pg_numeric_precision": `CASE {T} WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64
		WHEN 1700 THEN CASE WHEN {M} = -1 THEN NULL ELSE (({M} - 4) >> 16) & 65535 END
		WHEN 700 THEN 24 WHEN 701 THEN 53 ELSE NULL END`,
	"_pg_numeric_precision_radix": `CASE WHEN {T} IN (21, 23, 20, 700, 701) THEN 2 WHEN {T} = 1700 THEN 10 ELSE NULL END`,
	"_pg_numeric_scale": `CASE WHEN {T} IN (21, 23, 20) THEN 0
		WHEN {T} = 1700 THEN CASE WHEN {M} = -1 THEN NULL ELSE ({M} - 4) & 65535 END ELSE NULL END`,
	"_pg_datetime_precision": `CASE WHEN {T} = 1082 THEN 0
		WHEN {T} IN (1083, 1114, 1184, 1266) THEN CASE WHEN {M} < 0 THEN 6 ELSE {M} END
		WHEN {T} = 1186 THEN CASE WHEN {M} < 0 OR ({M} & 65535) = 65535 THEN 6 ELSE {M} & 65535 END
		ELSE NULL END`,
	// The fields of an interval typmod (INTERVAL_MASK in datetime.h).
	"_pg_interval_type": `CASE WHEN {T} = 1186 AND {M} >= 0 THEN CASE ({M} >> 16) & 32767
		WHEN 4 THEN 'YEAR' WHEN 2 THEN 'MONTH' WHEN 8 THEN 'DAY' WHEN 1024 THEN 'HOUR' WHEN 2048 THEN 'MINUTE'
		WHEN 4096 THEN 'SECOND' WHEN 6 THEN 'YEAR TO MONTH' WHEN 1032 THEN 'DAY TO HOUR' WHEN 3080 THEN 'DAY TO MINUTE'
		WHEN 7176 THEN 'DAY TO SECOND' WHEN 3072 THEN 'HOUR TO MINUTE' WHEN 7168 THEN 'HOUR TO SECOND'
		WHEN 6144 THEN 'MINUTE TO SECOND' END END`,
}

// infoSchemaCall is the SQL of an information_schema function applied to
// the expressions t and m.
func infoSchemaCall(name, t, m string) string {
	return "(" + strings.NewReplacer("{T}", "("+t+")", "{M}", "("+m+")").Replace(infoSchemaFunctions[name]) + ")"
}

// infoSchemaMacros creates the macros of information_schema's functions.
func infoSchemaMacros() string {
	var b strings.Builder
	names := make([]string, 0, len(infoSchemaFunctions))
	for n := range infoSchemaFunctions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b.WriteString("CREATE OR REPLACE MACRO $A.information_schema_" + n + "(t, m) AS " + infoSchemaCall(n, "t", "m") + ";\n")
	}
	b.WriteString(`CREATE OR REPLACE MACRO $A.information_schema__pg_expandarray(a) AS
	unnest(list_transform(a, lambda x, i: {'x': x, 'n': i}));
`)
	return b.String()
}
