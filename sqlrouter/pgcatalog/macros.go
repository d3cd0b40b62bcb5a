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
// Functions that report session state read duckstore_session and
// pg_settings, which UpdateSession refreshes.

// baseMacros are needed while rows are derived.
const baseMacros = `
CREATE OR REPLACE MACRO $A.quote_ident(s) AS
	CASE WHEN s IS NULL THEN NULL
	WHEN regexp_full_match(s, '[a-z_][a-z0-9_]*')
		AND NOT EXISTS (SELECT 1 FROM $S.duckstore_keywords k WHERE k.word = s AND k.catcode <> 'U') THEN s
	ELSE '"' || replace(s, '"', '""') || '"' END;

-- The name a type or relation is shown under outside the search path.
CREATE OR REPLACE MACRO $A.duckstore_qualified(nsp_oid, rel_name) AS
	$A.quote_ident((SELECT n.nspname FROM $A.pg_namespace n WHERE n.oid = nsp_oid)) || '.' || $A.quote_ident(rel_name);

-- The parts of a possibly qualified, possibly quoted name:
-- '"in.c-sales".Orders' is ['in.c-sales', 'orders'].
CREATE OR REPLACE MACRO $A.duckstore_name_parts(s) AS
	list_transform(regexp_extract_all(trim(s), '"(?:[^"]|"")*"|[^."\s]+'),
		lambda p: CASE WHEN p[1] = '"' THEN replace(p[2:-2], '""', '"') ELSE lower(p) END);
`

// macros are all the others.
const macros = `
-- Session.
CREATE OR REPLACE MACRO $A.current_database() AS (SELECT database FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.duckstore_user() AS (SELECT usr FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.version() AS (SELECT version FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.current_schema() AS (SELECT schemas[1] FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.current_schemas(implicit) AS
	(SELECT CASE WHEN implicit THEN schemas_implicit ELSE schemas END FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.current_setting(n) AS
	(SELECT setting FROM $A.pg_settings s WHERE lower(s.name) = lower(n)),
	(n, missing_ok) AS (SELECT setting FROM $A.pg_settings s WHERE lower(s.name) = lower(n));
CREATE OR REPLACE MACRO $A.pg_backend_pid() AS (SELECT pid FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.inet_server_addr() AS (SELECT server_addr FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.inet_server_port() AS (SELECT server_port FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.inet_client_addr() AS (SELECT client_addr FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.inet_client_port() AS (SELECT client_port FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.pg_postmaster_start_time() AS (SELECT server_start FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.pg_conf_load_time() AS (SELECT server_start FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.txid_current() AS (SELECT txid FROM $A.duckstore_session);
CREATE OR REPLACE MACRO $A.pg_is_in_recovery() AS false;
CREATE OR REPLACE MACRO $A.pg_jit_available() AS false;
CREATE OR REPLACE MACRO $A.pg_my_temp_schema() AS CAST(0 AS UINTEGER);
CREATE OR REPLACE MACRO $A.pg_is_other_temp_schema(o) AS false;
CREATE OR REPLACE MACRO $A.pg_trigger_depth() AS 0;

-- Types.
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
	ELSE (SELECT fmt FROM $A.duckstore_types WHERE oid = t) END;
CREATE OR REPLACE MACRO $A.format_type(t, m) AS
	CASE WHEN t IS NULL THEN NULL
	ELSE coalesce((SELECT CASE WHEN m IS NULL OR m < 0 THEN f.fmt
			WHEN f.isarray THEN $A.duckstore_typmod(f.elem, m) || '[]'
			ELSE $A.duckstore_typmod(f.oid, m) END
		FROM $A.duckstore_types f WHERE f.oid = t), '???') END;
CREATE OR REPLACE MACRO $A.pg_type_is_visible(o) AS o IN (SELECT oid FROM $A.duckstore_visible_type);
CREATE OR REPLACE MACRO $A.duckstore_regtype(n) AS
	(SELECT oid FROM $S.duckstore_sys_type_names WHERE name = regexp_replace(n, '^pg_catalog\.', '') LIMIT 1);
CREATE OR REPLACE MACRO $A.regtypein(s) AS
	CASE WHEN s IS NULL THEN NULL
	WHEN regexp_full_match(trim(s), '[0-9]+') THEN CAST(trim(s) AS UINTEGER)
	ELSE (SELECT CASE WHEN ends_with(n, '[]') THEN (SELECT typarray FROM $A.pg_type WHERE oid = $A.duckstore_regtype(n[1:-3]))
			ELSE $A.duckstore_regtype(n) END
		FROM (SELECT lower(regexp_replace(regexp_replace(trim(s), '\s*\([^)]*\)', '', 'g'), '\s+', ' ', 'g')) AS n)) END;
CREATE OR REPLACE MACRO $A.to_regtype(s) AS $A.regtypein(s);
CREATE OR REPLACE MACRO $A.regtypeout(o) AS
	CASE WHEN o IS NULL THEN NULL WHEN o = 0 THEN '-' ELSE $A.format_type(o, NULL) END;

-- Relations.
CREATE OR REPLACE MACRO $A.pg_table_is_visible(o) AS o IN (SELECT oid FROM $A.duckstore_visible_rel);
CREATE OR REPLACE MACRO $A.regclassin(s) AS
	CASE WHEN s IS NULL THEN NULL
	WHEN regexp_full_match(trim(s), '[0-9]+') THEN CAST(trim(s) AS UINTEGER)
	ELSE (SELECT c.oid FROM (SELECT $A.duckstore_name_parts(s) AS p) q, $A.pg_class c
		JOIN $A.pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN $A.duckstore_search_path sp ON sp.nspoid = n.oid
		WHERE c.relname = q.p[-1] AND CASE WHEN len(q.p) > 1 THEN n.nspname = q.p[-2] ELSE sp.pos IS NOT NULL END
		ORDER BY sp.pos LIMIT 1) END;
CREATE OR REPLACE MACRO $A.to_regclass(s) AS $A.regclassin(s);
CREATE OR REPLACE MACRO $A.regclassout(o) AS
	CASE WHEN o IS NULL THEN NULL WHEN o = 0 THEN '-'
	ELSE coalesce((SELECT CASE WHEN c.oid IN (SELECT oid FROM $A.duckstore_visible_rel) THEN $A.quote_ident(c.relname)
			ELSE $A.quote_ident(n.nspname) || '.' || $A.quote_ident(c.relname) END
		FROM $A.pg_class c JOIN $A.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = o), CAST(o AS VARCHAR)) END;
-- A relation given by OID or by (possibly qualified) name.
CREATE OR REPLACE MACRO $A.duckstore_relid(r) AS $A.regclassin(CAST(r AS VARCHAR));

-- Namespaces and roles.
CREATE OR REPLACE MACRO $A.regnamespacein(s) AS
	CASE WHEN s IS NULL THEN NULL
	WHEN regexp_full_match(trim(s), '[0-9]+') THEN CAST(trim(s) AS UINTEGER)
	ELSE (SELECT oid FROM $A.pg_namespace WHERE nspname = $A.duckstore_name_parts(s)[1]) END;
CREATE OR REPLACE MACRO $A.to_regnamespace(s) AS $A.regnamespacein(s);
CREATE OR REPLACE MACRO $A.regnamespaceout(o) AS
	CASE WHEN o IS NULL THEN NULL WHEN o = 0 THEN '-'
	ELSE coalesce((SELECT $A.quote_ident(nspname) FROM $A.pg_namespace WHERE oid = o), CAST(o AS VARCHAR)) END;
-- Schemas given by name are taken literally (PostgreSQL's name type).
CREATE OR REPLACE MACRO $A.duckstore_nspid(s) AS
	CASE WHEN regexp_full_match(CAST(s AS VARCHAR), '[0-9]+') THEN CAST(CAST(s AS VARCHAR) AS UINTEGER)
	ELSE (SELECT oid FROM $A.pg_namespace WHERE nspname = CAST(s AS VARCHAR)) END;
CREATE OR REPLACE MACRO $A.regrolein(s) AS
	CASE WHEN s IS NULL THEN NULL
	WHEN regexp_full_match(trim(s), '[0-9]+') THEN CAST(trim(s) AS UINTEGER)
	ELSE (SELECT oid FROM $A.pg_roles WHERE rolname = $A.duckstore_name_parts(s)[1]) END;
CREATE OR REPLACE MACRO $A.to_regrole(s) AS $A.regrolein(s);
CREATE OR REPLACE MACRO $A.regroleout(o) AS
	CASE WHEN o IS NULL THEN NULL WHEN o = 0 THEN '-'
	ELSE coalesce((SELECT $A.quote_ident(rolname) FROM $A.pg_roles WHERE oid = o), CAST(o AS VARCHAR)) END;
CREATE OR REPLACE MACRO $A.pg_get_userbyid(o) AS
	coalesce((SELECT rolname FROM $A.pg_roles WHERE oid = o), 'unknown (OID=' || o || ')');

-- Functions.
CREATE OR REPLACE MACRO $A.regprocin(s) AS
	CASE WHEN s IS NULL THEN NULL WHEN trim(s) = '-' THEN CAST(0 AS UINTEGER)
	WHEN regexp_full_match(trim(s), '[0-9]+') THEN CAST(trim(s) AS UINTEGER)
	ELSE (SELECT min(p.oid) FROM (SELECT $A.duckstore_name_parts(s) AS q) x, $A.pg_proc p
		JOIN $A.pg_namespace n ON n.oid = p.pronamespace
		WHERE p.proname = x.q[-1] AND CASE WHEN len(x.q) > 1 THEN n.nspname = x.q[-2]
			ELSE n.oid IN (SELECT nspoid FROM $A.duckstore_search_path) END) END;
CREATE OR REPLACE MACRO $A.to_regproc(s) AS $A.regprocin(s);
CREATE OR REPLACE MACRO $A.regprocout(o) AS
	CASE WHEN o IS NULL THEN NULL WHEN o = 0 THEN '-'
	ELSE coalesce((SELECT proname FROM $A.pg_proc WHERE oid = o), CAST(o AS VARCHAR)) END;
CREATE OR REPLACE MACRO $A.pg_function_is_visible(o) AS
	(SELECT pronamespace IN (SELECT nspoid FROM $A.duckstore_search_path) FROM $A.pg_proc WHERE oid = o);
CREATE OR REPLACE MACRO $A.pg_get_function_arguments(o) AS
	(SELECT array_to_string(list_transform(generate_series(1, len(coalesce(p.proallargtypes, p.proargtypes))),
			lambda i: CASE coalesce(p.proargmodes[i], 'i') WHEN 'o' THEN 'OUT ' WHEN 'b' THEN 'INOUT '
				WHEN 'v' THEN 'VARIADIC ' WHEN 't' THEN NULL ELSE '' END
			|| CASE WHEN coalesce(p.proargnames[i], '') <> '' THEN p.proargnames[i] || ' ' ELSE '' END
			|| coalesce(fmts[i], '???')), ', ')
	FROM $A.pg_proc p, (SELECT list(fmt ORDER BY ord) AS fmts FROM (
		SELECT f.fmt, x.ord FROM (SELECT unnest(coalesce(p2.proallargtypes, p2.proargtypes)) AS t,
			generate_subscripts(coalesce(p2.proallargtypes, p2.proargtypes), 1) AS ord FROM $A.pg_proc p2 WHERE p2.oid = o) x
		LEFT JOIN $A.duckstore_types f ON f.oid = x.t)) a
	WHERE p.oid = o);
CREATE OR REPLACE MACRO $A.pg_get_function_identity_arguments(o) AS $A.pg_get_function_arguments(o);
CREATE OR REPLACE MACRO $A.pg_get_function_result(o) AS
	(SELECT CASE WHEN p.prokind = 'p' THEN NULL
		WHEN p.proretset THEN 'SETOF ' || $A.format_type(p.prorettype, NULL)
		ELSE $A.format_type(p.prorettype, NULL) END FROM $A.pg_proc p WHERE p.oid = o);

-- Operators, collations, classes.
CREATE OR REPLACE MACRO $A.pg_operator_is_visible(o) AS
	(SELECT oprnamespace IN (SELECT nspoid FROM $A.duckstore_search_path) FROM $A.pg_operator WHERE oid = o);
CREATE OR REPLACE MACRO $A.pg_collation_is_visible(o) AS
	(SELECT collnamespace IN (SELECT nspoid FROM $A.duckstore_search_path) FROM $A.pg_collation WHERE oid = o);
CREATE OR REPLACE MACRO $A.pg_opclass_is_visible(o) AS
	(SELECT opcnamespace IN (SELECT nspoid FROM $A.duckstore_search_path) FROM $A.pg_opclass WHERE oid = o);

-- Definitions.
CREATE OR REPLACE MACRO $A.pg_get_expr(e, r) AS e, (e, r, pretty) AS e;
CREATE OR REPLACE MACRO $A.pg_get_indexdef(o) AS (SELECT indexdef FROM $A.duckstore_tables WHERE idx_oid = o),
	(o, col, pretty) AS (SELECT CASE WHEN col = 0 THEN indexdef ELSE $A.quote_ident(colnames[pkey[col]]) END
		FROM $A.duckstore_tables WHERE idx_oid = o);
CREATE OR REPLACE MACRO $A.pg_get_constraintdef(o) AS (SELECT condef FROM $A.duckstore_tables WHERE con_oid = o),
	(o, pretty) AS (SELECT condef FROM $A.duckstore_tables WHERE con_oid = o);
CREATE OR REPLACE MACRO $A.pg_get_viewdef(o) AS (SELECT definition FROM $S.duckstore_viewdefs WHERE oid = $A.duckstore_relid(o)),
	(o, pretty) AS (SELECT definition FROM $S.duckstore_viewdefs WHERE oid = $A.duckstore_relid(o));
CREATE OR REPLACE MACRO $A.pg_get_serial_sequence(t, c) AS CAST(NULL AS VARCHAR);
CREATE OR REPLACE MACRO $A.pg_get_partkeydef(o) AS CAST(NULL AS VARCHAR);
CREATE OR REPLACE MACRO $A.pg_get_partition_constraintdef(o) AS CAST(NULL AS VARCHAR);
CREATE OR REPLACE MACRO $A.pg_get_triggerdef(o) AS CAST(NULL AS VARCHAR), (o, pretty) AS CAST(NULL AS VARCHAR);
CREATE OR REPLACE MACRO $A.pg_get_ruledef(o) AS CAST(NULL AS VARCHAR), (o, pretty) AS CAST(NULL AS VARCHAR);
CREATE OR REPLACE MACRO $A.pg_get_statisticsobjdef_columns(o) AS CAST(NULL AS VARCHAR);
CREATE OR REPLACE MACRO $A.pg_relation_is_publishable(o) AS
	coalesce((SELECT relkind IN ('r', 'p') AND relnamespace NOT IN (11, 99) AND relnamespace NOT IN
		(SELECT oid FROM $A.pg_namespace WHERE nspname = 'information_schema') FROM $A.pg_class WHERE oid = $A.duckstore_relid(o)), false);
CREATE OR REPLACE MACRO $A.pg_tablespace_location(o) AS '';

-- Descriptions.
CREATE OR REPLACE MACRO $A.obj_description(o) AS
	(SELECT min(description) FROM $A.pg_description WHERE objoid = o AND objsubid = 0),
	(o, cat) AS (SELECT description FROM $A.pg_description WHERE objoid = o AND objsubid = 0
		AND classoid = (SELECT c.oid FROM $A.pg_class c WHERE c.relname = cat AND c.relnamespace = 11));
CREATE OR REPLACE MACRO $A.col_description(o, n) AS
	(SELECT description FROM $A.pg_description WHERE objoid = o AND classoid = 1259 AND objsubid = n);
CREATE OR REPLACE MACRO $A.shobj_description(o, cat) AS
	(SELECT description FROM $A.pg_shdescription WHERE objoid = o
		AND classoid = (SELECT c.oid FROM $A.pg_class c WHERE c.relname = cat AND c.relnamespace = 11));

-- Privileges: the session may read every relation it sees, and write the
-- tables that are not ReadOnly; system catalogs are read-only.
CREATE OR REPLACE MACRO $A.duckstore_privs(p) AS
	list_transform(string_split(upper(p), ','), lambda x: trim(replace(x, 'WITH GRANT OPTION', '')));
CREATE OR REPLACE MACRO $A.duckstore_table_priv(o, p) AS
	CASE WHEN o IS NULL OR NOT EXISTS (SELECT 1 FROM $A.pg_class c WHERE c.oid = o) THEN NULL
	ELSE list_has_any($A.duckstore_privs(p), ['SELECT'])
		OR (list_has_any($A.duckstore_privs(p), ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'MAINTAIN'])
			AND NOT coalesce((SELECT readonly FROM $A.duckstore_tables t WHERE t.oid = o), true)) END;
CREATE OR REPLACE MACRO $A.has_table_privilege(t, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p),
	(u, t, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p);
CREATE OR REPLACE MACRO $A.has_any_column_privilege(t, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p),
	(u, t, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p);
CREATE OR REPLACE MACRO $A.has_column_privilege(t, c, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p),
	(u, t, c, p) AS $A.duckstore_table_priv($A.duckstore_relid(t), p);
CREATE OR REPLACE MACRO $A.duckstore_schema_priv(o, p) AS
	CASE WHEN o IS NULL THEN NULL
	ELSE list_has_any($A.duckstore_privs(p), ['USAGE'])
		OR (list_has_any($A.duckstore_privs(p), ['CREATE'])
			AND NOT coalesce((SELECT readonly FROM $A.duckstore_namespaces n WHERE n.oid = o), true)) END;
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
CREATE OR REPLACE MACRO $A.pg_has_role(r, p) AS
	CAST(r AS VARCHAR) IN ((SELECT usr FROM $A.duckstore_session), '10'),
	(u, r, p) AS CAST(r AS VARCHAR) IN ((SELECT usr FROM $A.duckstore_session), '10');

-- Sizes: a table's file holds its rows and its primary key index.
CREATE OR REPLACE MACRO $A.duckstore_size(o) AS
	(SELECT coalesce(t.bytes, 0) FROM $A.pg_class c LEFT JOIN $A.duckstore_tables t ON t.oid = c.oid WHERE c.oid = o);
CREATE OR REPLACE MACRO $A.pg_relation_size(o) AS $A.duckstore_size($A.duckstore_relid(o)),
	(o, fork) AS CASE WHEN fork = 'main' THEN $A.duckstore_size($A.duckstore_relid(o)) ELSE 0 END;
CREATE OR REPLACE MACRO $A.pg_table_size(o) AS $A.duckstore_size($A.duckstore_relid(o));
CREATE OR REPLACE MACRO $A.pg_total_relation_size(o) AS $A.duckstore_size($A.duckstore_relid(o));
CREATE OR REPLACE MACRO $A.pg_indexes_size(o) AS
	(SELECT CAST(0 AS BIGINT) FROM $A.pg_class WHERE oid = $A.duckstore_relid(o));
CREATE OR REPLACE MACRO $A.pg_database_size(d) AS (SELECT coalesce(sum(bytes), 0)::BIGINT FROM $A.duckstore_tables);
CREATE OR REPLACE MACRO $A.duckstore_half(x) AS (x + CASE WHEN x < 0 THEN -1 ELSE 1 END) // 2;
CREATE OR REPLACE MACRO $A.pg_size_pretty(n) AS
	CASE WHEN n IS NULL THEN NULL
	WHEN abs(CAST(n AS HUGEINT)) < 10240 THEN CAST(n AS HUGEINT) || ' bytes'
	WHEN abs(CAST(n AS HUGEINT) // 512) < 20479 THEN $A.duckstore_half(CAST(n AS HUGEINT) // 512) || ' kB'
	WHEN abs(CAST(n AS HUGEINT) // 524288) < 20479 THEN $A.duckstore_half(CAST(n AS HUGEINT) // 524288) || ' MB'
	WHEN abs(CAST(n AS HUGEINT) // 536870912) < 20479 THEN $A.duckstore_half(CAST(n AS HUGEINT) // 536870912) || ' GB'
	WHEN abs(CAST(n AS HUGEINT) // 549755813888) < 20479 THEN $A.duckstore_half(CAST(n AS HUGEINT) // 549755813888) || ' TB'
	ELSE $A.duckstore_half(CAST(n AS HUGEINT) // 562949953421312) || ' PB' END;

-- Encodings.
CREATE OR REPLACE MACRO $A.pg_encoding_to_char(i) AS coalesce((SELECT name FROM $S.duckstore_encodings WHERE id = i), '');
CREATE OR REPLACE MACRO $A.pg_char_to_encoding(s) AS
	coalesce((SELECT id FROM $S.duckstore_encodings WHERE upper(name) = upper(s)), -1);
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
