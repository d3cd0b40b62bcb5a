package pgcatalog

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

const testAlias = "pgc"

func ptr(s string) *string { return &s }

// testSnapshot is the project the tests build: two buckets, tables with
// primary keys, every column type tables may have. testdata/schema_pg.sql
// is the same schema in PostgreSQL.
func testSnapshot() *Snapshot {
	return &Snapshot{
		Database: "postgres",
		User:     "postgres",
		Buckets: []Bucket{
			{ID: 1, Name: "in.c-sales", Description: "Sales from the CRM"},
			{ID: 2, Name: "out.c-reports"},
		},
		Tables: []Table{
			{ID: 3, Bucket: 1, Name: "orders", Description: "One row per order", Rows: 1200, Bytes: 786432,
				PrimaryKey: []string{"id"}, Columns: []Column{
					{Name: "id", Type: "INTEGER", NotNull: true},
					{Name: "customer", Type: "VARCHAR", NotNull: true},
					{Name: "amount", Type: "DECIMAL(12,2)"},
					{Name: "ordered_at", Type: "TIMESTAMP"},
					{Name: "status", Type: "VARCHAR", Default: ptr("'new'")},
					{Name: "tags", Type: "VARCHAR[]"},
				}},
			{ID: 4, Bucket: 1, Name: "order_lines", Rows: 5000, Bytes: 1 << 20,
				PrimaryKey: []string{"order_id", "line_no"}, Columns: []Column{
					{Name: "order_id", Type: "INTEGER", NotNull: true},
					{Name: "line_no", Type: "SMALLINT", NotNull: true},
					{Name: "product", Type: "VARCHAR"},
					{Name: "qty", Type: "INTEGER", Default: ptr("1")},
				}},
			{ID: 5, Bucket: 1, Name: "all_types", Rows: 1, Bytes: 12288, PrimaryKey: []string{"c_varchar"}, Columns: []Column{
				{Name: "c_varchar", Type: "VARCHAR", NotNull: true},
				{Name: "c_boolean", Type: "BOOLEAN"},
				{Name: "c_tinyint", Type: "TINYINT"},
				{Name: "c_smallint", Type: "SMALLINT"},
				{Name: "c_integer", Type: "INTEGER"},
				{Name: "c_bigint", Type: "BIGINT"},
				{Name: "c_hugeint", Type: "HUGEINT"},
				{Name: "c_utinyint", Type: "UTINYINT"},
				{Name: "c_usmallint", Type: "USMALLINT"},
				{Name: "c_uinteger", Type: "UINTEGER"},
				{Name: "c_ubigint", Type: "UBIGINT"},
				{Name: "c_float", Type: "FLOAT"},
				{Name: "c_double", Type: "DOUBLE"},
				{Name: "c_decimal", Type: "DECIMAL(12,2)"},
				{Name: "c_date", Type: "DATE"},
				{Name: "c_time", Type: "TIME"},
				{Name: "c_timestamp", Type: "TIMESTAMP"},
				{Name: "c_timestamptz", Type: "TIMESTAMP WITH TIME ZONE"},
				{Name: "c_interval", Type: "INTERVAL"},
				{Name: "c_uuid", Type: "UUID"},
				{Name: "c_json", Type: "JSON"},
				{Name: "c_blob", Type: "BLOB"},
				{Name: "c_int_list", Type: "INTEGER[]"},
				{Name: "c_varchar_list", Type: "VARCHAR[]"},
				{Name: "c_decimal_list", Type: "DECIMAL(12,2)[]"},
				{Name: "c_bigint_list", Type: "BIGINT[]"},
			}},
			{ID: 6, Bucket: 2, Name: "daily", Description: "Revenue per day and region", Rows: 365, Bytes: 4096,
				PrimaryKey: []string{"day", "region"}, Columns: []Column{
					{Name: "day", Type: "DATE", NotNull: true},
					{Name: "region", Type: "VARCHAR", NotNull: true},
					{Name: "revenue", Type: "DOUBLE"},
				}},
			{ID: 7, Bucket: 2, Name: "notes", Rows: -1, Columns: []Column{{Name: "note", Type: "VARCHAR"}}},
		},
		Session: Session{
			SearchPath:      []string{"$user", "public"},
			ServerVersion:   "15.8",
			PID:             4242,
			ApplicationName: "pgcatalog test",
			ClientAddr:      "127.0.0.1",
			ClientPort:      50000,
			BackendStart:    time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
			QueryStart:      time.Date(2024, 5, 1, 12, 0, 1, 0, time.UTC),
			State:           "active",
			Query:           "SELECT 1",
			ServerStart:     time.Date(2024, 5, 1, 11, 0, 0, 0, time.UTC),
			TxID:            1000,
			Settings:        []Setting{{"TimeZone", "UTC"}, {"DateStyle", "ISO, MDY"}},
		},
	}
}

// openCatalog opens a sandboxed DuckDB, as the engine runs projects, and
// builds snap into testAlias.
func openCatalog(t testing.TB, snap *Snapshot) *duck.Conn {
	t.Helper()
	db, err := duck.Open("", map[string]string{"threads": "2"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	c, err := db.Connect()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []string{
		"ATTACH ':memory:' AS " + testAlias,
		// PostgreSQL divides integers as integers (Grafana's version check
		// relies on it); the engine should set this for every instance.
		"SET integer_division=true",
		"SET allowed_directories=['" + t.TempDir() + "']",
		"SET enable_external_access=false",
		"SET lock_configuration=true",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := Build(ctx, c, testAlias, snap); err != nil {
		t.Fatal(err)
	}
	return c
}

// query runs q and returns its columns and rows as engine.ValueAt gives
// them.
func query(ctx context.Context, c *duck.Conn, q string, args ...any) ([]duck.Column, [][]any, error) {
	rows, err := c.Query(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols := rows.Columns()
	var out [][]any
	for rows.Next() {
		rec := rows.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for j := range row {
				row[j] = engine.ValueAt(rec.Column(j), i)
			}
			out = append(out, row)
		}
	}
	return cols, out, rows.Err()
}

func mustQuery(t *testing.T, c *duck.Conn, q string, args ...any) [][]any {
	t.Helper()
	_, rows, err := query(context.Background(), c, strings.ReplaceAll(q, "$A", testAlias+".main"), args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return rows
}

func TestBuildAndLook(t *testing.T) {
	c := openCatalog(t, testSnapshot())
	for _, q := range []string{
		"SELECT oid, nspname FROM $A.pg_namespace ORDER BY oid",
		"SELECT oid, relname, relkind, relnamespace, reltype FROM $A.pg_class WHERE oid >= 16384 ORDER BY oid",
		"SELECT attrelid, attname, atttypid, atttypmod, attnum, attnotnull, atthasdef, attlen, attcollation FROM $A.pg_attribute WHERE attrelid = 16389 ORDER BY attnum",
		"SELECT * FROM $A.pg_index",
		"SELECT * FROM $A.pg_constraint",
		"SELECT * FROM $A.pg_attrdef",
		"SELECT count(*) FROM $A.pg_type",
		"SELECT * FROM $A.duckstore_session",
		"SELECT * FROM $A.duckstore_search_path",
		"SELECT name, setting FROM $A.pg_settings WHERE name IN ('server_version', 'search_path', 'TimeZone', 'application_name')",
		"SELECT $A.format_type(1700, 786438), $A.format_type(1231, 786438), $A.format_type(23, NULL), $A.format_type(1009, -1)",
		"SELECT $A.regclassin('\"in.c-sales\".orders'), $A.regclassin('pg_class'), $A.regclassout(16387), $A.regclassout(1259)",
		"SELECT * FROM $A.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
		"SELECT table_schema, table_name, column_name, data_type, udt_name, numeric_precision, numeric_scale, is_nullable, column_default FROM $A.information_schema_columns WHERE table_schema = 'in.c-sales' ORDER BY table_name, ordinal_position",
	} {
		rows := mustQuery(t, c, q)
		t.Logf("%s", q)
		for _, r := range rows {
			t.Logf("  %v", fmt.Sprint(r...))
		}
	}
}

func TestNoDuplicateOIDs(t *testing.T) {
	c := openCatalog(t, testSnapshot())
	for _, rel := range []string{"pg_class", "pg_type", "pg_namespace", "pg_proc", "pg_constraint", "pg_attrdef", "pg_collation", "pg_operator"} {
		rows := mustQuery(t, c, "SELECT oid, count(*) FROM $A."+rel+" GROUP BY oid HAVING count(*) > 1 LIMIT 5")
		if len(rows) > 0 {
			t.Errorf("%s has duplicate oids: %v", rel, rows)
		}
	}
}
