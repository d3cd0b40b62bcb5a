//go:build !duckdb_arrow

package duck

// DuckDB's Arrow conversion, which this package reads results through, is
// compiled only with the duckdb_arrow build tag. Build with the Makefile
// or pass -tags duckdb_arrow (GOFLAGS=-tags=duckdb_arrow).
const _ = build_with_tag_duckdb_arrow
