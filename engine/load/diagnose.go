package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

func randomName(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// queryRow runs q and returns its first row as Go values (nil: no row).
func queryRow(ctx context.Context, conn *duck.Conn, q string, args ...any) ([]any, error) {
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		rec := rows.Record()
		if rec.NumRows() == 0 {
			continue
		}
		return rowValues(rec, 0), nil
	}
	return nil, rows.Err()
}

func rowValues(rec arrow.RecordBatch, i int) []any {
	out := make([]any, rec.NumCols())
	for j := range out {
		out[j] = engine.ValueAt(rec.Column(j), i)
	}
	return out
}

// csvErrorText says in words what read_csv's reject error types mean.
var csvErrorText = map[string]string{
	"MISSING COLUMNS":        "has fewer columns than the header",
	"TOO MANY COLUMNS":       "has more columns than the header",
	"UNQUOTED VALUE":         "has a quote inside an unquoted value or text after a closing quote",
	"LINE SIZE OVER MAXIMUM": "is longer than the longest line allowed",
	"INVALID ENCODING":       "is not valid UTF-8",
	"INVALID STATE":          "cannot be parsed with the given delimiter, enclosure and escape",
}

// diagnoseCSV reads the file again with read_csv's reject tables, which
// record the first refused line exactly (its number, column and text),
// and turns that into an Error naming the line, the column and the value.
// It runs only after a load failed, so its second pass costs nothing on
// the way that succeeds.
func diagnoseCSV(ctx context.Context, conn *duck.Conn, args string, cols []string, types map[string]string, header bool, skip int, d dialect, rowOffset int64) *Error {
	rt, rs := randomName("load_rejects_"), randomName("load_scans_")
	defer conn.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp."+rt+"; DROP TABLE IF EXISTS temp."+rs)
	// Every column is aggregated so that every value is converted:
	// count(*) alone would let DuckDB skip the conversions.
	agg := make([]string, len(cols))
	for i, c := range cols {
		agg[i] = "count(" + duck.QuoteIdent(c) + ")"
	}
	q := "SELECT " + strings.Join(agg, ", ") + " FROM read_csv(" + args +
		", store_rejects=true, rejects_limit=100, rejects_table=" + duck.QuoteString(rt) + ", rejects_scan=" + duck.QuoteString(rs) + ")"
	if _, err := conn.Exec(ctx, q); err != nil {
		return nil
	}
	row, err := queryRow(ctx, conn, `SELECT s.file_path, e.line::BIGINT, e.column_name, e.error_type::VARCHAR, e.csv_line, e.error_message
		FROM temp.`+rt+` e JOIN temp.`+rs+` s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
		ORDER BY e.file_id, e.line LIMIT 1`)
	if err != nil || row == nil {
		return nil
	}
	file, _ := row[0].(string)
	line, _ := row[1].(int64)
	column, _ := row[2].(string)
	kind, _ := row[3].(string)
	text, _ := row[4].(string)
	details := map[string]any{"file": baseName(file), "line": line, "error_type": kind, "text": text}
	// DuckDB counts records from 1 including the header: the data row is
	// what is left after the header and the skipped lines.
	rowNo := line - int64(skip) + rowOffset
	if header {
		rowNo--
	}
	details["row"] = rowNo
	if kind != "CAST" {
		what := csvErrorText[kind]
		if what == "" {
			what = "cannot be read"
		}
		return newError(KindInvalidValue, pgerr.BadCopyFileFormat, details, "row %d (line %d of %s) %s", rowNo, line, baseName(file), what)
	}
	details["column"] = column
	value, ok := fieldOf(text, cols, column, d)
	if ok {
		details["value"] = value
	}
	details["type"] = types[column]
	return newError(KindInvalidValue, pgerr.InvalidTextRepresentation, details,
		"row %d (line %d of %s), column %q: value %s is not a valid %s", rowNo, line, baseName(file), column, quoteValue(value, ok), types[column])
}

// fieldOf returns the value of column in a CSV line.
func fieldOf(line string, cols []string, column string, d dialect) (string, bool) {
	fields := splitLine(line, d)
	for i, c := range cols {
		if c == column && i < len(fields) {
			return fields[i], true
		}
	}
	return "", false
}

func quoteValue(v string, ok bool) string {
	if !ok {
		return "(unknown)"
	}
	if len(v) > 200 {
		v = v[:200] + "…"
	}
	return fmt.Sprintf("%q", v)
}

// castCheck is a source value, the expression converting it (CAST to
// the column's type when empty) and the column it must fit.
type castCheck struct {
	src  string
	conv string
	dst  catalog.Column
}

// diagnoseCasts finds the first source row whose value does not convert
// to its column's type (sources whose values are typed already: Parquet,
// tables). fileExpr and rowExpr name the row ("" when the source has no
// file name).
func diagnoseCasts(ctx context.Context, conn *duck.Conn, from string, checks []castCheck, fileExpr, rowExpr string) *Error {
	if fileExpr == "" {
		fileExpr = "NULL"
	}
	for _, c := range checks {
		conv := c.conv
		if conv == "" {
			conv = "CAST(" + c.src + " AS " + c.dst.Type + ")"
		}
		q := "SELECT CAST(" + fileExpr + " AS VARCHAR), CAST(" + rowExpr + " AS BIGINT), CAST(" + c.src + " AS VARCHAR) FROM " + from +
			" WHERE " + c.src + " IS NOT NULL AND TRY(" + conv + ") IS NULL LIMIT 1"
		row, err := queryRow(ctx, conn, q)
		if err != nil || row == nil {
			continue
		}
		rowNo, _ := row[1].(int64)
		value, _ := row[2].(string)
		details := map[string]any{"row": rowNo, "column": c.dst.Name, "value": value, "type": c.dst.Type}
		where := fmt.Sprintf("row %d", rowNo)
		if file, ok := row[0].(string); ok {
			details["file"] = baseName(file)
			where += " of " + baseName(file)
		}
		return newError(KindInvalidValue, pgerr.InvalidTextRepresentation, details,
			"%s, column %q: value %s is not a valid %s", where, c.dst.Name, quoteValue(value, true), c.dst.Type)
	}
	return nil
}
