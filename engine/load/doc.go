// Package load moves rows into a table: from files (CSV with Keboola's
// options, gzip, sliced files, Parquet), from another table, and, through
// Append, from a file that a PostgreSQL COPY FROM STDIN spooled, so that
// every path shares the same reader, type checks, deduplication and
// atomicity.
//
// The work is DuckDB's: read_csv and read_parquet with explicit column
// types run straight into the table (or into a staged file swapped in for
// a full load), so loads stream at DuckDB's speed in bounded memory. Go
// reads only a CSV's header line, and the offending line when a value is
// refused.
//
// load imports engine, engine/duck, catalog and wire/pgerr; it must not
// import sqlrouter, wire or admin.
package load
