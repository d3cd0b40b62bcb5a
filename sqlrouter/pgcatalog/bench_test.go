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
