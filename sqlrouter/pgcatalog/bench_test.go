package pgcatalog

import (
	"context"
	"strconv"
	"testing"

	"github.com/duckstore/duckstore/engine/duck"
)

// bigSnapshot is a large project: buckets of 100 tables, each with
// columns of assorted types, a primary key, and a default in every tenth
// table.
func bigSnapshot(tables, columns int) *Snapshot {
	s := testSnapshot()
	s.Buckets, s.Tables = nil, nil
	types := []string{"VARCHAR", "INTEGER", "BIGINT", "DECIMAL(12,2)", "TIMESTAMP", "DOUBLE", "BOOLEAN", "DATE", "VARCHAR[]", "JSON"}
	id := int64(1)
	for t := 0; t < tables; t++ {
		if t%100 == 0 {
			s.Buckets = append(s.Buckets, Bucket{ID: id, Name: "in.c-bucket" + strconv.Itoa(t/100), Description: "bucket"})
			id++
		}
		tb := Table{ID: id, Bucket: s.Buckets[len(s.Buckets)-1].ID, Name: "table_" + strconv.Itoa(t), Rows: int64(t), Bytes: int64(t) * 4096,
			PrimaryKey: []string{"c0"}}
		id++
		for c := 0; c < columns; c++ {
			col := Column{Name: "c" + strconv.Itoa(c), Type: types[c%len(types)], NotNull: c == 0}
			if c == 4 && t%10 == 0 {
				col.Default = ptr("CAST('x' AS " + col.Type + ")")
			}
			tb.Columns = append(tb.Columns, col)
		}
		s.Tables = append(s.Tables, tb)
	}
	return s
}

// benchBuild builds snap into a fresh attached database per iteration, as
// a new session does, reading the built-in rows from a shared static
// database when shared.
func benchBuild(b *testing.B, snap *Snapshot, shared bool) {
	db, err := duck.Open("", map[string]string{"threads": "2"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	c, err := db.Connect()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	static := ""
	if shared {
		static = "pgstatic"
		if _, err := c.Exec(ctx, "ATTACH ':memory:' AS pgstatic"); err != nil {
			b.Fatal(err)
		}
		if err := BuildStatic(ctx, c, static); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		alias := "s" + strconv.Itoa(i)
		if _, err := c.Exec(ctx, "ATTACH ':memory:' AS "+alias); err != nil {
			b.Fatal(err)
		}
		if err := BuildShared(ctx, c, alias, static, snap); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := c.Exec(ctx, "DETACH "+alias); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func BenchmarkBuild(b *testing.B) {
	b.Run("small", func(b *testing.B) { benchBuild(b, testSnapshot(), false) })
	b.Run("10k_tables_20_columns", func(b *testing.B) { benchBuild(b, bigSnapshot(10000, 20), false) })
}

func BenchmarkBuildShared(b *testing.B) {
	b.Run("small", func(b *testing.B) { benchBuild(b, testSnapshot(), true) })
	b.Run("10k_tables_20_columns", func(b *testing.B) { benchBuild(b, bigSnapshot(10000, 20), true) })
}

func BenchmarkBuildStatic(b *testing.B) {
	db, err := duck.Open("", map[string]string{"threads": "2"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	c, err := db.Connect()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Exec(ctx, "ATTACH ':memory:' AS pgstatic"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := BuildStatic(ctx, c, "pgstatic"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateSession(b *testing.B) {
	snap := testSnapshot()
	c := openCatalog(b, snap)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := UpdateSession(ctx, c, testAlias, snap); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBigCatalogQueries runs client queries of the corpus on the
// catalog of a 10,000-table project: the cost the views move from Build to
// the queries.
func BenchmarkBigCatalogQueries(b *testing.B) {
	snap := bigSnapshot(10000, 20)
	c := openCatalog(b, snap)
	ctx := context.Background()
	for _, q := range []struct{ name, sql string }{
		{"psql_d_table", `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull
			FROM pg_catalog.pg_attribute a WHERE a.attrelid = '20000' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`},
		{"psql_dt", `SELECT n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind IN ('r','p','') AND n.nspname <> 'pg_catalog' AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1, 2`},
		{"pgjdbc_getColumns_one_table", `SELECT n.nspname, c.relname, a.attname, a.atttypid, a.attnotnull, a.atttypmod, a.attnum,
			pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc, dsc.description, t.typtype
			FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
			JOIN pg_catalog.pg_type t ON a.atttypid = t.oid LEFT JOIN pg_catalog.pg_attrdef def ON a.attrelid = def.adrelid AND a.attnum = def.adnum
			LEFT JOIN pg_catalog.pg_description dsc ON c.oid = dsc.objoid AND a.attnum = dsc.objsubid
			WHERE c.relkind IN ('r','p','v','f','m') AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname LIKE 'in.c-bucket5' AND c.relname LIKE 'table_500'`},
		{"pgjdbc_getColumns_all", `SELECT n.nspname, c.relname, a.attname, a.atttypid, a.attnum, pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc
			FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
			JOIN pg_catalog.pg_type t ON a.atttypid = t.oid LEFT JOIN pg_catalog.pg_attrdef def ON a.attrelid = def.adrelid AND a.attnum = def.adnum
			WHERE c.relkind IN ('r','p','v','f','m') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2, 5`},
		{"information_schema_columns_schema", `SELECT column_name, data_type, udt_name, numeric_precision, is_nullable
			FROM information_schema.columns WHERE table_schema = 'in.c-bucket7' ORDER BY table_name, ordinal_position`},
		{"metabase_tables", `SELECT n.nspname, c.relname, d.description, stat.n_live_tup FROM pg_catalog.pg_class c
			JOIN pg_catalog.pg_namespace n ON c.relnamespace = n.oid
			LEFT JOIN pg_catalog.pg_description d ON c.oid = d.objoid AND d.objsubid = 0 AND d.classoid = 'pg_class'::regclass
			LEFT JOIN pg_stat_user_tables stat ON n.nspname = stat.schemaname AND c.relname = stat.relname
			WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND c.relkind IN ('r','p','v','f','m')`},
	} {
		sql, err := rewrite(q.sql, testAlias)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(q.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := query(ctx, c, sql); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
