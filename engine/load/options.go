package load

import (
	"fmt"
	"time"

	"github.com/duckstore/duckstore/catalog"
)

// Format is a source file's format.
type Format string

// Source formats.
const (
	CSV     Format = "csv"
	Parquet Format = "parquet"
)

// CSVOptions is a CSV file's dialect. The zero value is RFC 4180 with a
// header: comma, '"' quoting with '"' doubled as escape, empty values
// NULL.
type CSVOptions struct {
	Delimiter string // default ","; "\t" (two characters) means a tab
	Quote     string // default `"`; NoQuote turns quoting off
	Escape    string // default: the quote character (doubled quotes)
	// Header says the first line (after SkipLines) names the columns;
	// they are matched to the table's by name.
	Header bool
	// Columns names the file's columns in order when it has no header.
	// nil means the table's columns (or Options.Columns) in order.
	Columns []string
	// NullValues are the values read as NULL; nil or empty means [""].
	NullValues []string
	// QuotedNulls makes a quoted value equal to a null marker NULL too, as
	// Keboola reads "" as NULL. False reads only unquoted markers as NULL,
	// so that "" is an empty string, as PostgreSQL's CSV format does.
	QuotedNulls bool
	// SkipLines are lines skipped before the header or the first row.
	SkipLines int
	// Compression is "gzip", "zstd" or "none"; "" detects it from each
	// file's first bytes.
	Compression string
}

// NoQuote as CSVOptions.Quote reads fields without any quoting.
const NoQuote = "none"

// CanonicalCSV is the dialect COPY FROM STDIN hands over: comma, '"'
// quote and escape, no header, unquoted empty = NULL, quoted empty = an
// empty string.
// columns are the file's columns in order (nil: all the table's).
func CanonicalCSV(columns []string) CSVOptions {
	return CSVOptions{Delimiter: ",", Quote: `"`, Escape: `"`, Columns: columns, NullValues: []string{""}, Compression: "none"}
}

// Source is what a load reads.
type Source struct {
	Format Format
	// Paths are absolute paths inside the project folder (the instance
	// cannot read anything else). Several paths are the slices of one
	// file, loaded as one: each slice of a CSV with a header has it.
	Paths []string
	CSV   CSVOptions
}

// Mode is how a load treats the rows already in the table.
type Mode int

// Load modes.
const (
	// Full replaces the table's rows: the new file is built in the
	// staging folder and swapped in, so readers see the old rows or the
	// new ones, never a mix or an empty table.
	Full Mode = iota
	// Incremental adds to the rows (in one transaction).
	Incremental
)

// Dedup is what happens to a row whose primary key is already taken.
type Dedup string

// Deduplication modes (Keboola's). Duplicate keys within the input itself
// are resolved first, the last row of a key winning, and counted, except
// with FailOnDuplicates, which refuses any duplicate key.
const (
	UpdateDuplicates Dedup = "update_duplicates" // upsert: the input's row wins
	InsertDuplicates Dedup = "insert_duplicates" // keep both: only for tables without a primary key
	FailOnDuplicates Dedup = "fail_on_duplicates"
)

// ParseDedup reads a dedup mode; "" is UpdateDuplicates.
func ParseDedup(s string) (Dedup, error) {
	switch d := Dedup(s); d {
	case "":
		return UpdateDuplicates, nil
	case UpdateDuplicates, InsertDuplicates, FailOnDuplicates:
		return d, nil
	}
	return "", invalidOption("dedup_mode", s, "update_duplicates, insert_duplicates or fail_on_duplicates")
}

// Options are the rest of a load's settings.
type Options struct {
	Mode  Mode
	Dedup Dedup
	// Columns are the table columns the source fills. nil means all: the
	// source must then have every column of the table. With a subset,
	// other table columns get their defaults (new rows) or keep their
	// values (updated rows), and other source columns are ignored.
	Columns []string
	// Progress, when set, is called about every ProgressEvery while the
	// load runs, from another goroutine.
	Progress func(Progress)
	// TextInput, when set, reads a CSV's values as text and converts each
	// with the SQL expression it returns for the column (field is the
	// quoted name of the text value): COPY FROM STDIN passes PostgreSQL's
	// text forms this way (bytea as \x..., arrays as {...}). Without it
	// read_csv converts while it parses, which is faster.
	TextInput func(col catalog.Column, field string) string
	// FirstRow is the number error messages give the source's first row
	// (0 means 1): a source that continues an earlier one counts on from
	// it (COPY FROM STDIN loads its data in slices).
	FirstRow int64
}

// ProgressEvery is how often Options.Progress is called.
const ProgressEvery = 250 * time.Millisecond

// Progress is how far a running load is: Percent of the input read, and
// the rows and bytes that corresponds to.
type Progress struct {
	Rows    int64
	Bytes   int64
	Percent float64
}

// Result is what a load did.
type Result struct {
	ImportedRows int64 // rows inserted or updated
	TableRows    int64 // rows in the table after the load
	Bytes        int64 // bytes of input read (compressed size for compressed files)
	Duplicates   int64 // input rows dropped because a later row had the same key
	Warnings     []string
	Duration     time.Duration
}

func (r *Result) warnDuplicates(n int64, pk []string) {
	r.Duplicates = n
	if n > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d input rows had the primary key (%s) of a later row and were replaced by it", n, joinNames(pk)))
	}
}

func columnNames(cols []catalog.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}
