package load

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// plan is a source ready to select from: the FROM item and, for each
// table column the load fills, the SQL expression that yields it.
type plan struct {
	from    string
	target  []catalog.Column // the table columns filled, in table order
	exprs   []string         // one per target
	bytes   int64            // input size, for progress
	rows    int64            // input rows when known up front, for progress
	release func()           // unpins what from reads; may be nil
	// diagnose explains a refused value (row, column, value) by reading
	// the source again; nil when the source cannot say more than DuckDB.
	diagnose func(ctx context.Context, conn *duck.Conn) *Error
}

// selectSQL selects the target columns from the source.
func (p *plan) selectSQL() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range p.target {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.exprs[i] + " AS " + duck.QuoteIdent(c.Name))
	}
	b.WriteString(" FROM " + p.from)
	return b.String()
}

func (p *plan) close() {
	if p.release != nil {
		p.release()
		p.release = nil
	}
}

// wanted returns the table columns a load must fill, checking
// Options.Columns against the table.
func wanted(t *catalog.Table, opts Options) ([]catalog.Column, error) {
	if opts.Columns == nil {
		return t.Columns, nil
	}
	if len(opts.Columns) == 0 {
		return nil, invalidOption("columns", "[]", "at least one column of the table")
	}
	var out []catalog.Column
	var unknown []string
	for _, c := range t.Columns {
		if slices.Contains(opts.Columns, c.Name) {
			out = append(out, c)
		}
	}
	for i, name := range opts.Columns {
		if t.Column(name) == nil {
			unknown = append(unknown, name)
		} else if slices.Contains(opts.Columns[:i], name) {
			return nil, invalidOption("columns", name, "each column once")
		}
	}
	if len(unknown) > 0 {
		return nil, newError(KindColumnMismatch, pgerr.UndefinedColumn, map[string]any{"unknown": unknown, "missing": []string{}},
			"table %s.%s has no columns %s", t.Bucket, t.Name, joinNames(unknown))
	}
	return out, nil
}

// match checks the source's column names against the columns the load
// fills: every wanted column must be there, and, when the caller did not
// pick columns, nothing else may be.
func match(t *catalog.Table, want []catalog.Column, src []string, picked bool, what string) error {
	var missing, unknown, twice []string
	for i, name := range src {
		if slices.Contains(src[:i], name) && !slices.Contains(twice, name) {
			twice = append(twice, name)
		}
		if !picked && t.Column(name) == nil {
			unknown = append(unknown, name)
		}
	}
	if len(twice) > 0 {
		return newError(KindInvalidHeader, pgerr.DuplicateColumn, map[string]any{"duplicate": twice},
			"the %s names columns %s more than once", what, joinNames(twice))
	}
	for _, c := range want {
		if !slices.Contains(src, c.Name) {
			missing = append(missing, c.Name)
		}
	}
	if len(missing) == 0 && len(unknown) == 0 {
		return nil
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing columns "+joinNames(missing))
	}
	if len(unknown) > 0 {
		parts = append(parts, "columns not in the table "+joinNames(unknown))
	}
	return newError(KindColumnMismatch, pgerr.UndefinedColumn,
		map[string]any{"missing": orEmpty(missing), "unknown": orEmpty(unknown), "source_columns": src},
		"the %s does not match table %s.%s: %s", what, t.Bucket, t.Name, strings.Join(parts, "; "))
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func baseName(p string) string { return filepath.Base(p) }

// inputBytes sums the sizes of the source files.
func inputBytes(paths []string) (int64, error) {
	if len(paths) == 0 {
		return 0, newError(KindUnreadable, pgerr.InvalidParameterValue, nil, "no file to load")
	}
	var n int64
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			return 0, newError(KindUnreadable, pgerr.InvalidParameterValue, map[string]any{"file": baseName(p)}, "file %s cannot be read", baseName(p))
		}
		n += st.Size()
	}
	return n, nil
}

func pathList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = duck.QuoteString(p)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// planFile plans reading a CSV or Parquet source into t.
func planFile(ctx context.Context, conn *duck.Conn, t *catalog.Table, src Source, opts Options) (*plan, error) {
	want, err := wanted(t, opts)
	if err != nil {
		return nil, err
	}
	n, err := inputBytes(src.Paths)
	if err != nil {
		return nil, err
	}
	var p *plan
	switch src.Format {
	case CSV, "":
		p, err = planCSV(t, want, src, opts)
	case Parquet:
		p, err = planParquet(ctx, conn, t, want, src, opts)
	default:
		return nil, invalidOption("format", string(src.Format), "csv or parquet")
	}
	if err != nil {
		return nil, err
	}
	p.bytes = n
	return p, nil
}

// csvCompression returns the compression shared by every slice.
func csvCompression(o CSVOptions, paths []string) (string, error) {
	switch o.Compression {
	case "gzip", "none":
		return o.Compression, nil
	case "", "auto":
	default:
		return "", invalidOption("compression", o.Compression, "gzip or none")
	}
	var first string
	for i, p := range paths {
		c, err := sniffCompression(p)
		if err != nil {
			return "", unreadable(p, err)
		}
		if i == 0 {
			first = c
		} else if c != first {
			return "", newError(KindUnreadable, pgerr.InvalidParameterValue, map[string]any{"file": baseName(p)},
				"slice %s is compressed as %s, unlike the first slice (%s)", baseName(p), c, first)
		}
	}
	return first, nil
}

// csvColumns returns the file's columns: its header (the same in every
// slice) or the ones given.
func csvColumns(want []catalog.Column, src Source, d dialect, compression string) ([]string, error) {
	o := src.CSV
	if !o.Header {
		if o.Columns != nil {
			return o.Columns, nil
		}
		return columnNames(want), nil
	}
	var first []string
	for i, p := range src.Paths {
		h, err := readHeader(p, compression, o.SkipLines, d)
		if err != nil {
			return nil, unreadable(p, err)
		}
		if i == 0 {
			first = h
			continue
		}
		if !slices.Equal(h, first) {
			return nil, newError(KindInvalidHeader, pgerr.BadCopyFileFormat, map[string]any{"file": baseName(p), "header": h, "expected": first},
				"the header of slice %s differs from the first slice's", baseName(p))
		}
	}
	for _, name := range first {
		if name == "" {
			return nil, newError(KindInvalidHeader, pgerr.BadCopyFileFormat, map[string]any{"header": first},
				"the header names a column with an empty name")
		}
	}
	return first, nil
}

func planCSV(t *catalog.Table, want []catalog.Column, src Source, opts Options) (*plan, error) {
	o := src.CSV
	d, err := resolveDialect(o)
	if err != nil {
		return nil, err
	}
	if o.SkipLines < 0 {
		return nil, invalidOption("ignoredLinesCount", strconv.Itoa(o.SkipLines), "zero or more lines")
	}
	compression, err := csvCompression(o, src.Paths)
	if err != nil {
		return nil, err
	}
	fileCols, err := csvColumns(want, src, d, compression)
	if err != nil {
		return nil, err
	}
	what := "file's header"
	if !o.Header {
		what = "list of the file's columns"
	}
	if err := match(t, want, fileCols, opts.Columns != nil, what); err != nil {
		return nil, err
	}
	// Each file column is read straight as the type of the table column
	// it fills, so read_csv converts while it parses (no VARCHAR pass);
	// columns the load ignores are read as VARCHAR.
	types := make([]string, len(fileCols))
	byName := map[string]string{}
	for i, name := range fileCols {
		types[i] = "VARCHAR"
		for _, c := range want {
			if c.Name == name && opts.TextInput == nil {
				types[i] = c.Type
			}
		}
		byName[name] = types[i]
	}
	args := csvArgs(src.Paths, fileCols, types, o, d, compression)
	p := &plan{from: "read_csv(" + args + ")", target: want}
	if opts.Progress != nil {
		n, _ := inputBytes(src.Paths)
		p.rows = estimateRows(src.Paths, compression, n)
	}
	checks := make([]castCheck, len(want))
	for i, c := range want {
		field := duck.QuoteIdent(c.Name)
		expr := field
		if opts.TextInput != nil {
			expr = opts.TextInput(c, field)
		}
		p.exprs = append(p.exprs, expr)
		checks[i] = castCheck{src: field, conv: expr, dst: c}
	}
	p.diagnose = func(ctx context.Context, conn *duck.Conn) *Error {
		offset := max(opts.FirstRow-1, 0)
		if e := diagnoseCSV(ctx, conn, args, fileCols, byName, o.Header, o.SkipLines, d, offset); e != nil || opts.TextInput == nil {
			return e
		}
		// Text read fine: a conversion failed. read_csv keeps the file's
		// order, which numbers the rows.
		return diagnoseCasts(ctx, conn, "(SELECT *, row_number() OVER () AS load_row__ FROM read_csv("+args+"))",
			checks, "", "load_row__ + "+strconv.FormatInt(offset, 10))
	}
	return p, nil
}

// csvArgs renders read_csv's arguments with everything explicit: no
// sniffing, so a file is read the same way whatever its first rows hold.
func csvArgs(paths, cols, types []string, o CSVOptions, d dialect, compression string) string {
	var b strings.Builder
	b.WriteString(pathList(paths))
	b.WriteString(", columns={")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(duck.QuoteString(c) + ": " + duck.QuoteString(types[i]))
	}
	nulls := o.NullValues
	if len(nulls) == 0 {
		nulls = []string{""}
	}
	qn := make([]string, len(nulls))
	for i, n := range nulls {
		qn[i] = duck.QuoteString(n)
	}
	fmt.Fprintf(&b, "}, auto_detect=false, header=%t, skip=%d, delim=%s, quote=%s, escape=%s, nullstr=[%s], allow_quoted_nulls=%t, compression=%s",
		o.Header, o.SkipLines, duck.QuoteString(d.delim), duck.QuoteString(d.quote), duck.QuoteString(d.escape),
		strings.Join(qn, ", "), o.QuotedNulls, duck.QuoteString(compression))
	return b.String()
}

func planParquet(ctx context.Context, conn *duck.Conn, t *catalog.Table, want []catalog.Column, src Source, opts Options) (*plan, error) {
	from := "read_parquet(" + pathList(src.Paths) + ")"
	cols, err := describe(ctx, conn, from)
	if err != nil {
		return nil, newError(KindUnreadable, pgerr.InvalidParameterValue, map[string]any{"file": baseName(src.Paths[0])},
			"cannot read %s as Parquet: %v", baseName(src.Paths[0]), err)
	}
	names := columnNames(cols)
	if err := match(t, want, names, opts.Columns != nil, "Parquet file's schema"); err != nil {
		return nil, err
	}
	p := &plan{from: from, target: want}
	for _, c := range want {
		p.exprs = append(p.exprs, "CAST("+duck.QuoteIdent(c.Name)+" AS "+c.Type+")")
	}
	// The footers know the row count, which turns progress into rows.
	if row, err := queryRow(ctx, conn, "SELECT sum(num_rows)::BIGINT FROM parquet_file_metadata("+pathList(src.Paths)+")"); err == nil && row != nil {
		p.rows, _ = row[0].(int64)
	}
	checks := make([]castCheck, len(want))
	for i, c := range want {
		checks[i] = castCheck{src: duck.QuoteIdent(c.Name), dst: c}
	}
	p.diagnose = func(ctx context.Context, conn *duck.Conn) *Error {
		return diagnoseCasts(ctx, conn, "read_parquet("+pathList(src.Paths)+", filename=true, file_row_number=true)",
			checks, "filename", "file_row_number + 1")
	}
	return p, nil
}

// describe returns the columns a FROM item yields.
func describe(ctx context.Context, conn *duck.Conn, from string) ([]catalog.Column, error) {
	st, err := conn.Prepare("SELECT * FROM " + from)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out []catalog.Column
	for _, c := range st.Columns() {
		out = append(out, catalog.Column{Name: c.Name, Type: c.Type.String()})
	}
	return out, nil
}
