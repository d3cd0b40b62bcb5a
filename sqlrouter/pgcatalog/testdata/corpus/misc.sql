-- Start-up and type-loading queries of other drivers and tools, from CLIENTS.md and their
-- sources: pgjdbc's TypeInfoCache, Npgsql's type loader, psycopg 3, SQLAlchemy's connect,
-- DuckDB's postgres extension, pgAdmin-style helpers.

-- name: sqlalchemy connect
SELECT pg_catalog.version() ~ '^PostgreSQL 15\.' AS is_pg15, current_schema();

-- name: pgjdbc type by name with search path
-- params: $1 = '_int4'
SELECT pg_type.oid, typname   FROM pg_catalog.pg_type   LEFT   JOIN (select ns.oid as nspoid, ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname                    from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  WHERE typname = $1  ORDER BY sp.r, pg_type.oid DESC LIMIT 1;

-- name: pgjdbc array element type
-- params: $1 = '_int4'
SELECT e.typdelim FROM pg_catalog.pg_type t, pg_catalog.pg_type e WHERE t.oid = $1::regtype AND t.typelem = e.oid;

-- name: npgsql types
-- note: Npgsql's type loader (Npgsql/PostgresDatabaseInfo.cs, PostgreSQL >= 9.3 branch), simplified to the joins it relies on: typreceive to pg_proc.proname.
-- compare: rowcount
SELECT ns.nspname, t.oid, t.typname, t.typtype, t.typnotnull, t.elemtypoid
FROM (
    SELECT typ.oid, typ.typnamespace, typ.typname, typ.typtype, typ.typrelid, typ.typnotnull, typ.relkind,
      elemtyp.oid AS elemtypoid, elemtyp.typname AS elemtypname, elemcls.relkind AS elemrelkind,
      CASE WHEN elemproc.proname='array_recv' THEN 'a' ELSE elemtyp.typtype END AS elemtyptype
    FROM (
        SELECT typ.oid, typnamespace, typname, typrelid, typnotnull, relkind, typelem AS elemoid,
            CASE WHEN proc.proname='array_recv' THEN 'a' ELSE typ.typtype END AS typtype,
            CASE
                WHEN proc.proname='array_recv' THEN typ.typelem
                WHEN typ.typtype='r' THEN rngsubtype
                WHEN typ.typtype='d' THEN typ.typbasetype
            END AS elemtypoid
        FROM pg_type AS typ
        LEFT JOIN pg_class AS cls ON (cls.oid = typ.typrelid)
        LEFT JOIN pg_proc AS proc ON proc.oid = typ.typreceive
        LEFT JOIN pg_range ON (pg_range.rngtypid = typ.oid)
    ) AS typ
    LEFT JOIN pg_type AS elemtyp ON elemtyp.oid = elemtypoid
    LEFT JOIN pg_class AS elemcls ON (elemcls.oid = elemtyp.typrelid)
    LEFT JOIN pg_proc AS elemproc ON elemproc.oid = elemtyp.typreceive
) AS t
JOIN pg_namespace AS ns ON (ns.oid = typnamespace)
WHERE
    typtype IN ('b', 'r', 'm', 'e', 'd') OR
    (typtype = 'c' AND relkind='c') OR
    (typtype = 'p' AND typname IN ('record', 'void', 'unknown')) OR
    (typtype = 'a' AND (
        elemtyptype IN ('b', 'r', 'm', 'e', 'd') OR
        (elemtyptype = 'p' AND elemtypname IN ('record', 'void')) OR
        (elemtyptype = 'c' AND elemrelkind='c')
    ))
ORDER BY CASE
       WHEN typtype IN ('b', 'e', 'p') THEN 0
       WHEN typtype = 'r' THEN 1
       WHEN typtype = 'm' THEN 2
       WHEN typtype = 'c' THEN 3
       WHEN typtype = 'd' AND elemtyptype <> 'a' THEN 4
       WHEN typtype = 'a' THEN 5
       WHEN typtype = 'd' AND elemtyptype = 'a' THEN 6
END;

-- name: psycopg3 named cursor exists
-- params: $1 = 'c'
SELECT 1 FROM pg_cursors WHERE name = $1;

-- name: duckdb postgres extension
-- ignore: current_setting
-- note: server_version is the router's to choose (15.8); the test server is a Debian 15.x.
SELECT CURRENT_SETTING('server_version'), (SELECT COUNT(*) FROM pg_settings WHERE name LIKE 'rds%');

-- name: pgjdbc max_index_keys
SELECT setting FROM pg_catalog.pg_settings WHERE name='max_index_keys';

-- name: regclass round trip
SELECT 'pg_class'::regclass::oid, '"in.c-sales".orders'::regclass::oid = {{oid:in.c-sales.orders}}, {{oid:in.c-sales.orders}}::regclass::text, 'pg_catalog.pg_type'::regclass, to_regclass('nope');

-- name: regtype and regproc
SELECT 'integer'::regtype::oid, 'character varying'::regtype::oid, 'int4[]'::regtype::oid, 1231::regtype::text, 'pg_catalog.array_in'::regproc::oid, 'array_in'::regproc::oid;

-- name: catalog functions
SELECT format_type(1700, 786438), format_type(1231, 786438), format_type(1043, 259), format_type(1184, 3), format_type(18, -1), format_type(19, NULL), format_type(0, NULL), format_type(NULL, NULL);

-- name: sizes
-- compare: run
SELECT pg_size_pretty(pg_total_relation_size('"in.c-sales".orders')), pg_relation_size({{oid:in.c-sales.orders}}), pg_table_size('"in.c-sales".orders'), pg_indexes_size('"in.c-sales".orders'), pg_database_size(current_database()) > 0;

-- name: pg_size_pretty
SELECT pg_size_pretty(0::bigint), pg_size_pretty(10239::bigint), pg_size_pretty(10240::bigint), pg_size_pretty(20971520::bigint), pg_size_pretty(1073741824::bigint), pg_size_pretty(5497558138880::bigint), pg_size_pretty(-12345678::bigint);

-- name: privileges
SELECT has_table_privilege('"in.c-sales".orders', 'SELECT'), has_table_privilege(current_user, '"in.c-sales".orders', 'INSERT, UPDATE'), has_schema_privilege('in.c-sales', 'USAGE'), has_database_privilege(current_database(), 'CONNECT'), has_any_column_privilege({{oid:in.c-sales.orders}}, 'SELECT'), has_column_privilege('"in.c-sales".orders', 'id', 'SELECT'), has_table_privilege(999999::oid, 'SELECT');

-- name: descriptions
SELECT obj_description({{oid:in.c-sales.orders}}, 'pg_class'), obj_description({{oid:in.c-sales}}, 'pg_namespace'), col_description({{oid:in.c-sales.orders}}, 1), obj_description(11, 'pg_namespace'), shobj_description(1663, 'pg_tablespace');

-- name: quoting and encodings
SELECT quote_ident('in.c-sales'), quote_ident('orders'), quote_ident('select'), quote_ident('Abc'), quote_literal('it''s'), pg_encoding_to_char(6), pg_encoding_to_char(0), pg_get_userbyid(10);

-- name: session functions
SELECT current_database(), current_user, session_user, current_schema(), current_schemas(false), current_schemas(true), pg_is_in_recovery();

-- name: indexes and constraints defs
SELECT pg_get_indexdef(i.indexrelid), pg_get_indexdef(i.indexrelid, 2, true), pg_get_constraintdef(c.oid), pg_get_constraintdef(c.oid, true) FROM pg_index i JOIN pg_constraint c ON c.conindid = i.indexrelid WHERE i.indrelid = {{oid:in.c-sales.order_lines}};

-- name: visibility
-- search_path: in.c-sales, public
SELECT c.relname, pg_table_is_visible(c.oid) FROM pg_class c WHERE c.relname IN ('orders', 'daily', 'pg_class') ORDER BY 1;
