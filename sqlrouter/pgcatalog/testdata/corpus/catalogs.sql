-- Whole rows of the catalogs for the test schema's objects, compared column by column with
-- PostgreSQL 15 right after CREATE TABLE. Columns that describe storage rather than the
-- schema (file nodes, pages, transaction ids) are ignored.

-- name: pg_namespace
SELECT * FROM pg_catalog.pg_namespace ORDER BY oid;

-- name: pg_class of the buckets
-- ignore: relfilenode, relpages, relfrozenxid, relminmxid, reltoastrelid
SELECT * FROM pg_catalog.pg_class WHERE relnamespace IN ({{oid:in.c-sales}}, {{oid:out.c-reports}}) AND relkind IN ('r', 'i') ORDER BY relname;

-- name: pg_attribute of all_types
SELECT * FROM pg_catalog.pg_attribute WHERE attrelid = {{oid:in.c-sales.all_types}} ORDER BY attnum;

-- name: pg_attribute of the primary key indexes
-- ignore: attstattarget
SELECT a.* FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_index i ON i.indexrelid = a.attrelid JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
WHERE c.relnamespace IN ({{oid:in.c-sales}}, {{oid:out.c-reports}}) ORDER BY a.attrelid, a.attnum;

-- name: column types
SELECT c.relname, a.attname, a.attnum, t.typname, a.atttypmod, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef, a.attndims, t.typcategory
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE c.relnamespace IN ({{oid:in.c-sales}}, {{oid:out.c-reports}}) AND c.relkind = 'r' AND a.attnum > 0 ORDER BY 1, 3;

-- name: pg_type row types
SELECT * FROM pg_catalog.pg_type WHERE typnamespace IN ({{oid:in.c-sales}}, {{oid:out.c-reports}}) ORDER BY typname;

-- name: pg_index
SELECT * FROM pg_catalog.pg_index WHERE indrelid IN (SELECT oid FROM pg_catalog.pg_class WHERE relnamespace IN ({{oid:in.c-sales}}, {{oid:out.c-reports}})) ORDER BY indrelid;

-- name: pg_constraint
SELECT * FROM pg_catalog.pg_constraint WHERE connamespace IN ({{oid:in.c-sales}}, {{oid:out.c-reports}}) ORDER BY conname;

-- name: pg_attrdef
-- ignore: oid
-- note: adbin is a node tree in PostgreSQL; duckstore keeps the text pg_get_expr shows.
SELECT oid, adrelid, adnum, pg_catalog.pg_get_expr(adbin, adrelid) FROM pg_catalog.pg_attrdef ORDER BY adrelid, adnum;

-- name: pg_depend of the test schema
SELECT classid::regclass::text, objid, objsubid, refclassid::regclass::text, refobjid, refobjsubid, deptype FROM pg_catalog.pg_depend
WHERE (refobjid IN (SELECT oid FROM pg_catalog.pg_class WHERE relnamespace IN ({{oid:in.c-sales}}, {{oid:out.c-reports}}))
   OR refobjid IN ({{oid:in.c-sales}}, {{oid:out.c-reports}})
   OR objid IN (SELECT oid FROM pg_catalog.pg_constraint WHERE connamespace IN ({{oid:in.c-sales}}, {{oid:out.c-reports}})))
-- duckstore has no TOAST tables, whose dependencies PostgreSQL lists too.
AND objid NOT IN (SELECT oid FROM pg_catalog.pg_class WHERE relkind = 't')
ORDER BY 1, 2, 3, 4, 5, 6;

-- name: pg_description of the test schema
SELECT objoid, classoid::regclass::text, objsubid, description FROM pg_catalog.pg_description
WHERE objoid IN ({{oid:in.c-sales}}, {{oid:out.c-reports}}) OR objoid IN (SELECT oid FROM pg_catalog.pg_class WHERE relnamespace IN ({{oid:in.c-sales}}, {{oid:out.c-reports}}))
ORDER BY 1, 3;

-- name: pg_database
-- ignore: datfrozenxid, datminmxid
SELECT * FROM pg_catalog.pg_database WHERE datname = current_database();

-- name: pg_tables
SELECT * FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2;

-- name: pg_tables of pg_catalog
SELECT * FROM pg_catalog.pg_tables WHERE schemaname = 'pg_catalog' ORDER BY 1, 2;

-- name: pg_indexes
SELECT * FROM pg_catalog.pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, 3;

-- name: pg_views of the system
-- compare: rowcount
SELECT schemaname, viewname, viewowner FROM pg_catalog.pg_views;

-- name: pg_stat_user_tables
-- ignore: seq_scan
-- note: PostgreSQL counts the scan that built each primary key index.
SELECT relid, schemaname, relname, seq_scan, idx_scan, n_live_tup, n_dead_tup, last_analyze FROM pg_catalog.pg_stat_user_tables ORDER BY relname;

-- name: pg_statio_user_tables
SELECT * FROM pg_catalog.pg_statio_user_tables ORDER BY relname;

-- name: pg_stat_activity of this session
-- compare: columns
SELECT * FROM pg_catalog.pg_stat_activity WHERE pid = pg_catalog.pg_backend_pid();

-- name: pg_settings
SELECT name, unit, category, vartype, context, min_val, max_val, enumvals, boot_val FROM pg_catalog.pg_settings
WHERE name IN ('DateStyle', 'TimeZone', 'max_index_keys', 'standard_conforming_strings', 'extra_float_digits', 'integer_datetimes', 'client_encoding') ORDER BY name;

-- name: pg_settings count
SELECT count(*) > 300 FROM pg_catalog.pg_settings;

-- name: pg_type of the built-in types
SELECT oid, typname, typlen, typtype, typcategory, typelem, typarray, typinput::oid, typreceive::oid FROM pg_catalog.pg_type WHERE oid < 10000 ORDER BY oid;

-- name: pg_proc count
SELECT count(*) FROM pg_catalog.pg_proc;

-- name: pg_am
SELECT * FROM pg_catalog.pg_am ORDER BY oid;

-- name: information_schema.schemata
SELECT * FROM information_schema.schemata ORDER BY schema_name;

-- name: information_schema.tables
SELECT * FROM information_schema.tables WHERE table_schema IN ('in.c-sales', 'out.c-reports') ORDER BY table_schema, table_name;

-- name: information_schema.tables count
SELECT table_schema, table_type, count(*) FROM information_schema.tables GROUP BY 1, 2 ORDER BY 1, 2;

-- name: information_schema.columns
SELECT * FROM information_schema.columns WHERE table_schema IN ('in.c-sales', 'out.c-reports') ORDER BY table_schema, table_name, ordinal_position;

-- name: information_schema.columns of pg_catalog
SELECT table_name, column_name, ordinal_position, data_type, udt_name, is_nullable, collation_name, character_maximum_length, numeric_precision
FROM information_schema.columns WHERE table_schema = 'pg_catalog' AND table_name IN ('pg_class', 'pg_type', 'pg_attribute') ORDER BY 1, 3;

-- name: information_schema.table_constraints
SELECT * FROM information_schema.table_constraints WHERE table_schema IN ('in.c-sales', 'out.c-reports') ORDER BY table_name, constraint_type, constraint_name;

-- name: information_schema.key_column_usage
SELECT * FROM information_schema.key_column_usage WHERE table_schema IN ('in.c-sales', 'out.c-reports') ORDER BY table_name, ordinal_position;

-- name: information_schema.constraint_column_usage
SELECT * FROM information_schema.constraint_column_usage WHERE table_schema IN ('in.c-sales', 'out.c-reports') ORDER BY table_name, column_name;

-- name: information_schema.constraint_table_usage
SELECT * FROM information_schema.constraint_table_usage WHERE table_schema IN ('in.c-sales', 'out.c-reports') ORDER BY table_name;

-- name: information_schema.check_constraints
SELECT * FROM information_schema.check_constraints WHERE constraint_schema IN ('in.c-sales', 'out.c-reports') ORDER BY constraint_name;

-- name: information_schema.referential_constraints
SELECT * FROM information_schema.referential_constraints;

-- name: information_schema.views count
SELECT table_schema, count(*) FROM information_schema.views GROUP BY 1 ORDER BY 1;

-- name: information_schema.table_privileges
SELECT * FROM information_schema.table_privileges WHERE table_schema IN ('in.c-sales', 'out.c-reports') ORDER BY table_name, privilege_type;

-- name: information_schema.character_sets
SELECT * FROM information_schema.character_sets;

-- name: information_schema.routines
-- compare: columns
-- note: duckstore lists no routines (PostgreSQL lists its thousands of built-in functions).
SELECT * FROM information_schema.routines LIMIT 1;

-- name: information_schema.parameters
-- compare: columns
SELECT * FROM information_schema.parameters LIMIT 1;
