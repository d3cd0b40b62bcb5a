// Package catalog is duckstore's metadata store: projects, API keys,
// buckets, tables (with their columns and primary keys), branches and
// server settings, plus upload sessions, files and async jobs (FileStore
// and JobStore, kept apart from Store). Store is the interface every other
// package uses; Open returns the implementation kept in
// <data-dir>/catalog.duckdb, with forward-only versioned migrations applied
// at start. The interface is small and free of DuckDB types so that a
// PostgreSQL-backed store can replace it when several nodes share one
// catalog.
//
// catalog imports no other package of the project.
package catalog
