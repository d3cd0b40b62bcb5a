// Package duck is a thin wrapper over DuckDB's C API (through duckdb-go's
// bindings) for what the engine needs and database/sql cannot give:
// prepared statements whose parameter and column types are known before
// they run, streaming results read chunk by chunk as Arrow record batches
// (bounded memory for any result size), interrupts from a context, and
// typed errors.
//
// It owns every cgo handle it creates; callers see Go types only. It must
// not import any other package of the project except wire/pgerr.
package duck
