// Package export writes a table's rows to files with DuckDB's COPY: CSV
// (header, gzip) or Parquet (compression), a subset of columns, a
// condition, an order and a limit, optionally sliced into several files.
// The rows come from one pinned snapshot of the table, so an export is
// consistent while writers go on.
//
// export imports engine, engine/duck, engine/load (progress), catalog and
// wire/pgerr; it must not import admin, sqlrouter or wire.
package export

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Format is an export's file format.
type Format string

// Formats.
const (
	CSV     Format = "csv"
	Parquet Format = "parquet"
)

// Order is one ORDER BY term.
type Order struct {
	Column string
	Desc   bool
}

// Query selects the rows and columns to export.
type Query struct {
	Columns []string // nil: every column, in table order
	// Where is a condition over the table's columns with $1... parameters
	// bound to Args. It must be rendered from structured filters by the
	// caller (admin's filters), never taken from a client as text.
	Where   string
	Args    []any
	OrderBy []Order
	Limit   int64 // 0: no limit
}

// Options say how to write.
type Options struct {
	Format Format
	// Compression: for CSV "gzip" or "" (none); for Parquet "snappy" (the
	// default), "zstd", "gzip" or "uncompressed".
	Compression string
	// NoHeader leaves the header line out of CSV files.
	NoHeader bool
	// SliceBytes, when > 0, splits the output into files of about that
	// size (each CSV slice has its header).
	SliceBytes int64
	// Progress, when set, is called while the export runs with the
	// percentage done and the rows it stands for.
	Progress func(percent float64, rows int64)
}

// Result is what an export wrote.
type Result struct {
	Rows     int64
	Files    []string // names inside the folder
	Duration time.Duration
}

// Extension returns the file name extension the options produce, e.g.
// ".csv.gz".
func (o Options) Extension() string {
	if o.Format == Parquet {
		return ".parquet"
	}
	if o.Compression == "gzip" {
		return ".csv.gz"
	}
	return ".csv"
}

// ToDir writes t's rows selected by q into dir (inside the project
// folder): one file named data<ext>, or with SliceBytes data_0<ext>,
// data_1<ext>, ...
func ToDir(ctx context.Context, in *engine.Instance, t *catalog.Table, q Query, o Options, dir string) (*Result, error) {
	start := time.Now()
	opts, err := copyOptions(o)
	if err != nil {
		return nil, err
	}
	target := filepath.Join(dir, "data"+o.Extension())
	if o.SliceBytes > 0 {
		target = dir
	}
	alias, release, err := in.Pin(ctx, t)
	if err != nil {
		return nil, err
	}
	defer release()
	sel, err := selectSQL(t, q, duck.QuoteIdent(alias)+".data")
	if err != nil {
		return nil, err
	}
	conn, done, err := in.LoaderConn()
	if err != nil {
		return nil, err
	}
	defer done()
	stop := watch(ctx, conn, alias, o.Progress)
	n, err := conn.Exec(ctx, "COPY ("+sel+") TO "+
		duck.QuoteString(target)+" ("+opts+")", q.Args...)
	stop()
	if err != nil {
		return nil, engine.Error(err)
	}
	return &Result{Rows: n, Duration: time.Since(start)}, nil
}

// selectSQL renders the query over from, checking every column name
// against the table.
func selectSQL(t *catalog.Table, q Query, from string) (string, error) {
	cols := q.Columns
	if cols == nil {
		for _, c := range t.Columns {
			cols = append(cols, c.Name)
		}
	}
	if len(cols) == 0 {
		return "", pgerr.New(pgerr.InvalidParameterValue, "columns must name at least one column")
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		if t.Column(c) == nil {
			return "", pgerr.New(pgerr.UndefinedColumn, "column %q is not a column of %s.%s", c, t.Bucket, t.Name)
		}
		quoted[i] = duck.QuoteIdent(c)
	}
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(quoted, ", ") + " FROM " + from)
	if q.Where != "" {
		b.WriteString(" WHERE " + q.Where)
	}
	for i, ob := range q.OrderBy {
		if t.Column(ob.Column) == nil {
			return "", pgerr.New(pgerr.UndefinedColumn, "order_by column %q is not a column of %s.%s", ob.Column, t.Bucket, t.Name)
		}
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(duck.QuoteIdent(ob.Column))
		if ob.Desc {
			b.WriteString(" DESC")
		}
	}
	if q.Limit < 0 {
		return "", pgerr.New(pgerr.InvalidParameterValue, "limit must not be negative")
	}
	if q.Limit > 0 {
		fmt.Fprintf(&b, " LIMIT %d", q.Limit)
	}
	return b.String(), nil
}

// copyOptions renders COPY's options from a closed list of values.
func copyOptions(o Options) (string, error) {
	var parts []string
	switch o.Format {
	case CSV, "":
		parts = append(parts, "FORMAT csv", fmt.Sprintf("HEADER %t", !o.NoHeader))
		switch o.Compression {
		case "", "none":
		case "gzip":
			parts = append(parts, "COMPRESSION gzip")
		default:
			return "", pgerr.New(pgerr.InvalidParameterValue, "CSV compression %q: use gzip or none", o.Compression)
		}
	case Parquet:
		parts = append(parts, "FORMAT parquet")
		switch o.Compression {
		case "", "snappy":
			parts = append(parts, "COMPRESSION snappy")
		case "zstd", "gzip", "uncompressed":
			parts = append(parts, "COMPRESSION "+o.Compression)
		default:
			return "", pgerr.New(pgerr.InvalidParameterValue, "Parquet compression %q: use snappy, zstd, gzip or uncompressed", o.Compression)
		}
	default:
		return "", pgerr.New(pgerr.InvalidParameterValue, "format %q: use csv or parquet", o.Format)
	}
	if o.SliceBytes < 0 {
		return "", pgerr.New(pgerr.InvalidParameterValue, "slice size must not be negative")
	}
	if o.SliceBytes > 0 {
		parts = append(parts, fmt.Sprintf("FILE_SIZE_BYTES %d", o.SliceBytes))
	}
	return strings.Join(parts, ", "), nil
}

// watch reports progress as a share of the table's rows.
func watch(ctx context.Context, conn *duck.Conn, alias string, report func(float64, int64)) func() {
	if report == nil {
		return func() {}
	}
	var total int64
	if c, err := conn.Query(ctx, "SELECT count(*) FROM "+duck.QuoteIdent(alias)+".data"); err == nil {
		if c.Next() {
			total = engine.ValueAt(c.Record().Column(0), 0).(int64)
		}
		c.Close()
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if pct, _, _ := conn.Progress(); pct >= 0 {
					report(min(pct, 100), int64(float64(total)*min(pct, 100)/100))
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}
