package pgcatalog

// deriveSQL fills the rows that follow from the helper tables: what
// PostgreSQL creates for a table with a primary key (pg_class rows for the
// table and its index, its row type and array type, pg_attribute rows for
// both, pg_index, pg_constraint, pg_depend). Doing it in SQL keeps the
// data Build sends small. Values follow what PostgreSQL 15 stores for
// `CREATE TABLE t (... PRIMARY KEY (...))`.
const deriveSQL = `
INSERT INTO $A.pg_namespace BY NAME
SELECT oid, name AS nspname, 10 AS nspowner FROM $A.duckstore_namespaces;

INSERT INTO $A.pg_class BY NAME
SELECT t.oid, t.name AS relname, t.nsp AS relnamespace, t.type_oid AS reltype, 0 AS reloftype, 10 AS relowner,
	2 AS relam, t.oid AS relfilenode, 0 AS reltablespace,
	CAST((greatest(t.bytes, 0) + 8191) // 8192 AS INTEGER) AS relpages,
	CAST(CASE WHEN t.nrows < 0 THEN -1 ELSE t.nrows END AS FLOAT) AS reltuples, 0 AS relallvisible,
	0 AS reltoastrelid, t.pkname IS NOT NULL AS relhasindex, false AS relisshared, 'p' AS relpersistence,
	'r' AS relkind, t.natts AS relnatts, 0 AS relchecks, false AS relhasrules, false AS relhastriggers,
	false AS relhassubclass, false AS relrowsecurity, false AS relforcerowsecurity, true AS relispopulated,
	'd' AS relreplident, false AS relispartition, 0 AS relrewrite, 0 AS relfrozenxid, 1 AS relminmxid
FROM $A.duckstore_tables t;

INSERT INTO $A.pg_class BY NAME
SELECT t.idx_oid AS oid, t.pkname AS relname, t.nsp AS relnamespace, 0 AS reltype, 0 AS reloftype, 10 AS relowner,
	403 AS relam, t.idx_oid AS relfilenode, 0 AS reltablespace, 1 AS relpages,
	CAST(CASE WHEN t.nrows < 0 THEN -1 ELSE t.nrows END AS FLOAT) AS reltuples, 0 AS relallvisible,
	0 AS reltoastrelid, false AS relhasindex, false AS relisshared, 'p' AS relpersistence, 'i' AS relkind,
	CAST(len(t.pkey) AS SMALLINT) AS relnatts, 0 AS relchecks, false AS relhasrules, false AS relhastriggers,
	false AS relhassubclass, false AS relrowsecurity, false AS relforcerowsecurity, true AS relispopulated,
	'n' AS relreplident, false AS relispartition, 0 AS relrewrite, 0 AS relfrozenxid, 0 AS relminmxid
FROM $A.duckstore_tables t WHERE t.pkname IS NOT NULL;

INSERT INTO $A.pg_attribute BY NAME
SELECT c.attrelid, c.attname, k.atttypid, -1 AS attstattarget, ty.typlen AS attlen, c.attnum,
	CASE WHEN ty.typcategory = 'A' THEN 1 ELSE 0 END AS attndims, -1 AS attcacheoff, k.atttypmod,
	ty.typbyval AS attbyval, ty.typalign AS attalign, ty.typstorage AS attstorage, '' AS attcompression,
	c.isnotnull AS attnotnull, c.hasdef AS atthasdef, false AS atthasmissing, '' AS attidentity,
	'' AS attgenerated, false AS attisdropped, true AS attislocal, 0 AS attinhcount, ty.typcollation AS attcollation
FROM $A.duckstore_columns c JOIN $A.duckstore_coltypes k ON k.tkey = c.tkey JOIN $A.pg_type ty ON ty.oid = k.atttypid;

-- Index columns: one attribute per key column, named and typed like it.
INSERT INTO $A.pg_attribute BY NAME
SELECT k.idx_oid AS attrelid, a.attname, a.atttypid, -1 AS attstattarget, a.attlen, CAST(k.pos AS SMALLINT) AS attnum,
	0 AS attndims, -1 AS attcacheoff, a.atttypmod, a.attbyval, a.attalign, a.attstorage, '' AS attcompression,
	false AS attnotnull, false AS atthasdef, false AS atthasmissing, '' AS attidentity, '' AS attgenerated,
	false AS attisdropped, true AS attislocal, 0 AS attinhcount, a.attcollation
FROM (SELECT oid, idx_oid, unnest(pkey) AS attnum, generate_subscripts(pkey, 1) AS pos FROM $A.duckstore_tables
	WHERE pkname IS NOT NULL) k
JOIN $A.pg_attribute a ON a.attrelid = k.oid AND a.attnum = k.attnum;

-- The row type of each table and its array type, as CREATE TABLE makes
-- them; the fixed fields are copied from pg_class's own row type.
INSERT INTO $A.pg_type BY NAME
SELECT t.type_oid AS oid, t.name AS typname, t.nsp AS typnamespace, 10 AS typowner, r.typlen, r.typbyval,
	r.typtype, r.typcategory, r.typispreferred, r.typisdefined, r.typdelim, t.oid AS typrelid, r.typsubscript,
	r.typelem, t.arr_oid AS typarray, r.typinput, r.typoutput, r.typreceive, r.typsend, r.typmodin, r.typmodout,
	r.typanalyze, r.typalign, r.typstorage, r.typnotnull, r.typbasetype, r.typtypmod, r.typndims, r.typcollation
FROM $A.duckstore_tables t, (SELECT * FROM $A.pg_type WHERE oid = 83) r;

INSERT INTO $A.pg_type BY NAME
SELECT t.arr_oid AS oid, '_' || t.name AS typname, t.nsp AS typnamespace, 10 AS typowner, r.typlen, r.typbyval,
	r.typtype, r.typcategory, r.typispreferred, r.typisdefined, r.typdelim, 0 AS typrelid, r.typsubscript,
	t.type_oid AS typelem, 0 AS typarray, r.typinput, r.typoutput, r.typreceive, r.typsend, r.typmodin,
	r.typmodout, r.typanalyze, r.typalign, r.typstorage, r.typnotnull, r.typbasetype, r.typtypmod, r.typndims,
	r.typcollation
FROM $A.duckstore_tables t, (SELECT * FROM $A.pg_type WHERE oid = (SELECT typarray FROM $A.pg_type WHERE oid = 83)) r;

INSERT INTO $A.duckstore_types
SELECT type_oid, $A.duckstore_qualified(nsp, name), 0, false FROM $A.duckstore_tables
UNION ALL
SELECT arr_oid, $A.duckstore_qualified(nsp, name) || '[]', type_oid, true FROM $A.duckstore_tables;

-- pg_index and pg_constraint: each key column's collation and default
-- btree operator class (array_ops for arrays, none for types without one).
CREATE OR REPLACE TABLE $A.duckstore_keys AS
SELECT k.oid, k.idx_oid, k.pos, k.attnum, a.attcollation,
	coalesce(oc.oid, CASE WHEN ty.typcategory = 'A' THEN (SELECT min(oid) FROM $A.pg_opclass
		WHERE opcmethod = 403 AND opcdefault AND opcintype = 2277) END, 0) AS opc
FROM (SELECT oid, idx_oid, unnest(pkey) AS attnum, generate_subscripts(pkey, 1) AS pos FROM $A.duckstore_tables
	WHERE pkname IS NOT NULL) k
JOIN $A.pg_attribute a ON a.attrelid = k.oid AND a.attnum = k.attnum
JOIN $A.pg_type ty ON ty.oid = a.atttypid
LEFT JOIN (SELECT opcintype, min(oid) AS oid FROM $A.pg_opclass WHERE opcmethod = 403 AND opcdefault GROUP BY opcintype) oc
	ON oc.opcintype = a.atttypid;

INSERT INTO $A.pg_index BY NAME
SELECT t.idx_oid AS indexrelid, t.oid AS indrelid, CAST(len(t.pkey) AS SMALLINT) AS indnatts,
	CAST(len(t.pkey) AS SMALLINT) AS indnkeyatts, true AS indisunique, false AS indnullsnotdistinct,
	true AS indisprimary, false AS indisexclusion, true AS indimmediate, false AS indisclustered, true AS indisvalid,
	false AS indcheckxmin, true AS indisready, true AS indislive, false AS indisreplident, t.pkey AS indkey,
	k.collations AS indcollation, k.classes AS indclass, list_transform(t.pkey, lambda x: CAST(0 AS SMALLINT)) AS indoption
FROM $A.duckstore_tables t
JOIN (SELECT idx_oid, list(attcollation ORDER BY pos) AS collations, list(opc ORDER BY pos) AS classes
	FROM $A.duckstore_keys GROUP BY idx_oid) k ON k.idx_oid = t.idx_oid;

INSERT INTO $A.pg_constraint BY NAME
SELECT t.con_oid AS oid, t.pkname AS conname, t.nsp AS connamespace, 'p' AS contype, false AS condeferrable,
	false AS condeferred, true AS convalidated, t.oid AS conrelid, 0 AS contypid, t.idx_oid AS conindid,
	0 AS conparentid, 0 AS confrelid, ' ' AS confupdtype, ' ' AS confdeltype, ' ' AS confmatchtype,
	true AS conislocal, 0 AS coninhcount, true AS connoinherit, t.pkey AS conkey
FROM $A.duckstore_tables t WHERE t.pkname IS NOT NULL;

-- pg_depend as CREATE TABLE leaves it (what psql and DBeaver follow).
INSERT INTO $A.pg_depend
SELECT 1259, oid, 0, 2615, nsp, 0, 'n' FROM $A.duckstore_tables
UNION ALL SELECT 1247, type_oid, 0, 1259, oid, 0, 'i' FROM $A.duckstore_tables
UNION ALL SELECT 1247, arr_oid, 0, 1247, type_oid, 0, 'i' FROM $A.duckstore_tables
UNION ALL SELECT 2606, con_oid, 0, 1259, oid, unnest(pkey), 'a' FROM $A.duckstore_tables WHERE pkname IS NOT NULL
UNION ALL SELECT 1259, idx_oid, 0, 2606, con_oid, 0, 'i' FROM $A.duckstore_tables WHERE pkname IS NOT NULL
UNION ALL SELECT 2604, oid, 0, 1259, adrelid, adnum, 'a' FROM $A.pg_attrdef;

DROP TABLE $A.duckstore_keys;
`

func (b *builder) derive() error {
	// Macros the derived rows use; createMacros replaces them with the same.
	if err := b.exec(baseMacros); err != nil {
		return err
	}
	if err := b.loadTemplates(); err != nil {
		return err
	}
	return b.exec(deriveSQL)
}

// loadTemplates writes the session's database and role: PostgreSQL's rows
// for a fresh database and a plain login role, renamed.
func (b *builder) loadTemplates() error {
	for _, t := range []struct {
		table  string
		values map[string]string
	}{
		{"pg_database", map[string]string{"oid": "5", "datname": b.snap.Database, "datdba": "10"}},
		{"pg_roles", map[string]string{"oid": "10", "rolname": b.snap.User}},
	} {
		fx := defs.fixtures[t.table]
		r := defs.byTable[t.table]
		var e rowEncoder
		e.row()
		types := make([]string, len(fx.header))
		for i, h := range fx.header {
			types[i] = r.cols[r.col(h)].duck
			if v, ok := t.values[h]; ok {
				e.str(v)
			} else {
				e.raw(fx.rows[0][i])
			}
		}
		if err := b.insert(t.table, fx.header, types, &e); err != nil {
			return err
		}
	}
	return nil
}
