-- DBeaver's PostgreSQL plugin (dbeaver/dbeaver plugins/org.jkiss.dbeaver.ext.postgresql:
-- PostgreDataSource, PostgreDatabase, PostgreSchema, PostgreDataTypeCache) on connect and
-- when it expands a schema and a table. It reads whole rows (c.*, a.*, t.*), so every
-- column PostgreSQL has must exist.

-- name: dbeaver database
-- params: $1 = 'postgres'
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname=$1;

-- name: dbeaver schemas
SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass
 ORDER BY nspname;

-- name: dbeaver roles
-- compare: columns
SELECT a.oid,a.* FROM pg_catalog.pg_roles a
ORDER BY a.oid;

-- name: dbeaver data types of pg_catalog
-- params: $1 = '11'
-- compare: rowcount
SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name, d.description
FROM pg_catalog.pg_type t
LEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem 
LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid
WHERE t.typname IS NOT NULL
AND (c.relkind IS NULL OR c.relkind = 'c') AND (et.typcategory IS NULL OR et.typcategory <> 'C')
AND t.typnamespace=$1 ;

-- name: dbeaver data type by oid
-- params: $1 = '1231'
SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name FROM pg_catalog.pg_type t
LEFT OUTER JOIN pg_class c ON c.oid=t.typrelid
WHERE t.oid=$1 ;

-- name: dbeaver tables of a schema
-- params: $1 = '{{oid:in.c-sales}}'
-- ignore: relfilenode, relpages, reltuples, relfrozenxid, relminmxid, relallvisible, reltoastrelid
SELECT c.oid,c.*,d.description,(select array_agg(i.inhparent) from pg_catalog.pg_inherits i where i.inhrelid = c.oid) parents
FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0
WHERE c.relnamespace=$1 AND c.relkind not in ('i','c') ORDER BY c.relname;

-- name: dbeaver columns of a schema
-- params: $1 = '{{oid:in.c-sales}}'
-- compare: unordered
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
WHERE NOT a.attisdropped AND c.relnamespace=$1 AND c.relkind not in ('i','c')  ORDER BY a.attnum;

-- name: dbeaver columns of a table
-- note: with the identity-column join of newer versions; CLIENTS.md
-- params: $1 = '{{oid:in.c-sales.orders}}'
select c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
from pg_catalog.pg_attribute a
inner join pg_catalog.pg_class c on (a.attrelid=c.oid)
left outer join pg_catalog.pg_attrdef ad on (a.attrelid=ad.adrelid and a.attnum = ad.adnum)
left outer join pg_catalog.pg_description dsc on (c.oid=dsc.objoid and a.attnum = dsc.objsubid)
left outer join pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
where NOT a.attisdropped and c.oid=$1 order by a.attnum;

-- name: dbeaver constraints of a table
-- params: $1 = '{{oid:in.c-sales.order_lines}}'
-- ignore: oid
SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace
FROM pg_catalog.pg_constraint c
INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid
LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid
WHERE c.conrelid=$1
ORDER BY c.oid;

-- name: dbeaver indexes of a table
-- params: $1 = '{{oid:in.c-sales.order_lines}}'
SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,tc.relname as tabrelname,dsc.description,pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr
FROM pg_catalog.pg_index i
INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid
INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid
LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid
WHERE  i.indrelid=$1 ORDER BY c.relname;

-- name: dbeaver procedures of a schema
-- params: $1 = '{{oid:in.c-sales}}'
SELECT p.oid,p.*,d.description
FROM pg_catalog.pg_proc p
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=p.oid
WHERE p.pronamespace=$1
ORDER BY p.proname;

-- name: dbeaver search_path
SELECT current_schemas(false), current_schema(), current_user, session_user;
