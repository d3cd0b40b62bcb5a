package engine

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// typeAliases maps every accepted spelling of a column type (lower case,
// single spaces) to DuckDB's canonical name.
var typeAliases = map[string]string{
	"varchar": "VARCHAR", "text": "VARCHAR", "string": "VARCHAR", "character varying": "VARCHAR",
	"char": "VARCHAR", "character": "VARCHAR", "bpchar": "VARCHAR", "name": "VARCHAR",
	"boolean": "BOOLEAN", "bool": "BOOLEAN",
	"tinyint": "TINYINT", "int1": "TINYINT",
	"smallint": "SMALLINT", "int2": "SMALLINT", "short": "SMALLINT",
	"integer": "INTEGER", "int": "INTEGER", "int4": "INTEGER", "signed": "INTEGER",
	"bigint": "BIGINT", "int8": "BIGINT", "long": "BIGINT",
	"hugeint": "HUGEINT", "int128": "HUGEINT",
	"utinyint": "UTINYINT", "usmallint": "USMALLINT", "uinteger": "UINTEGER", "ubigint": "UBIGINT", "uhugeint": "UHUGEINT",
	"float": "FLOAT", "float4": "FLOAT", "real": "FLOAT",
	"double": "DOUBLE", "float8": "DOUBLE", "double precision": "DOUBLE",
	"decimal": "DECIMAL(18,3)", "numeric": "DECIMAL(18,3)",
	"date": "DATE",
	"time": "TIME", "time without time zone": "TIME",
	"timestamp": "TIMESTAMP", "datetime": "TIMESTAMP", "timestamp without time zone": "TIMESTAMP",
	"timestamptz": "TIMESTAMPTZ", "timestamp with time zone": "TIMESTAMPTZ",
	"interval": "INTERVAL",
	"uuid":     "UUID",
	"json":     "JSON", "jsonb": "JSON",
	"blob": "BLOB", "bytea": "BLOB", "binary": "BLOB", "varbinary": "BLOB",
}

var (
	decimalRe = regexp.MustCompile(`^(decimal|numeric)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$`)
	lengthRe  = regexp.MustCompile(`^(varchar|character varying|char|character|bpchar|text)\s*\(\s*\d+\s*\)$`)
)

// NormalizeType checks a column type given by a user against the types
// tables may have and returns DuckDB's canonical spelling. The list is
// closed: anything else is refused, so a type never carries SQL.
func NormalizeType(s string) (string, error) {
	key := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if t, ok := typeAliases[key]; ok {
		return t, nil
	}
	if m := decimalRe.FindStringSubmatch(key); m != nil {
		p, _ := strconv.Atoi(m[2])
		sc := 0
		if m[3] != "" {
			sc, _ = strconv.Atoi(m[3])
		}
		if p < 1 || p > 38 || sc > p {
			return "", pgerr.New(pgerr.InvalidParameterValue, "invalid type %q: DECIMAL precision must be 1..38 and scale 0..precision", s)
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", p, sc), nil
	}
	if lengthRe.MatchString(key) {
		// DuckDB does not enforce VARCHAR lengths; keep the column honest.
		return "VARCHAR", nil
	}
	return "", pgerr.New(pgerr.UndefinedObject, "unsupported column type %q", s).
		WithHint("use one of VARCHAR, BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, HUGEINT, UTINYINT, USMALLINT, UINTEGER, UBIGINT, FLOAT, DOUBLE, DECIMAL(p,s), DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, UUID, JSON, BLOB")
}

// DefaultExpr validates a default value given as text for a column of
// type typ and returns it as a typed literal, CAST('<text>' AS <typ>), to
// put in DDL. The text is quoted, never spliced; conn checks that it casts.
func DefaultExpr(ctx context.Context, conn *duck.Conn, typ, value string) (string, error) {
	canon, err := NormalizeType(typ)
	if err != nil {
		return "", err
	}
	expr := "CAST(" + duck.QuoteString(value) + " AS " + canon + ")"
	if _, err := conn.Exec(ctx, "SELECT "+expr); err != nil {
		return "", pgerr.New(pgerr.InvalidTextRepresentation, "default %q is not a valid %s value", value, canon)
	}
	return expr, nil
}

// ColumnDDL renders one column definition. col.Type must be canonical
// (NormalizeType) and col.Default a DefaultExpr result or nil.
func ColumnDDL(col catalog.Column) string {
	var b strings.Builder
	b.WriteString(duck.QuoteIdent(col.Name))
	b.WriteByte(' ')
	b.WriteString(col.Type)
	if !col.Nullable {
		b.WriteString(" NOT NULL")
	}
	if col.Default != nil {
		b.WriteString(" DEFAULT ")
		b.WriteString(*col.Default)
	}
	return b.String()
}

// CreateTableSQL is the DDL that creates <alias>.data with the columns
// and primary key.
func CreateTableSQL(alias string, cols []catalog.Column, pk []string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + duck.QuoteIdent(alias) + ".data (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(ColumnDDL(c))
	}
	if len(pk) > 0 {
		b.WriteString(", PRIMARY KEY (")
		for i, k := range pk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(duck.QuoteIdent(k))
		}
		b.WriteByte(')')
	}
	b.WriteByte(')')
	return b.String()
}

// Strings read from Arrow batches point into DuckDB's buffers, which are
// reused once the batch is released: everything kept is cloned.

// ReadSchema reads the columns and primary key of <alias>.data from the
// attached file: the file is the truth the catalog mirrors after DDL.
func ReadSchema(ctx context.Context, conn *duck.Conn, alias string) ([]catalog.Column, []string, error) {
	rows, err := conn.Query(ctx, `SELECT column_name, data_type, is_nullable, column_default
		FROM duckdb_columns() WHERE database_name = $1 AND schema_name = 'main' AND table_name = 'data'
		ORDER BY column_index`, alias)
	if err != nil {
		return nil, nil, Error(err)
	}
	var cols []catalog.Column
	for rows.Next() {
		rec := rows.Record()
		names := rec.Column(0).(*array.String)
		types := rec.Column(1).(*array.String)
		nulls := rec.Column(2).(*array.Boolean)
		defs := rec.Column(3).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			c := catalog.Column{Name: strings.Clone(names.Value(i)), Type: strings.Clone(types.Value(i)), Nullable: nulls.Value(i)}
			if defs.IsValid(i) {
				d := strings.Clone(defs.Value(i))
				c.Default = &d
			}
			cols = append(cols, c)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, nil, Error(err)
	}
	if len(cols) == 0 {
		return nil, nil, pgerr.New(pgerr.UndefinedTable, "table file %s holds no table named data", alias)
	}
	rows, err = conn.Query(ctx, `SELECT constraint_column_names FROM duckdb_constraints()
		WHERE database_name = $1 AND schema_name = 'main' AND table_name = 'data' AND constraint_type = 'PRIMARY KEY'`, alias)
	if err != nil {
		return nil, nil, Error(err)
	}
	defer rows.Close()
	var pk []string
	for rows.Next() {
		list := rows.Record().Column(0).(*array.List)
		vals := list.ListValues().(*array.String)
		start, end := list.ValueOffsets(0)
		for j := start; j < end; j++ {
			pk = append(pk, strings.Clone(vals.Value(int(j))))
		}
	}
	return cols, pk, Error(rows.Err())
}
