// Package sqlrouter runs SQL for a session without knowing the protocol it
// came over. It parses each statement with PostgreSQL's parser (pg_query_go),
// classifies it (read, write, DDL, transaction control, session setting),
// resolves the table names it references through the catalog, rewrites them
// to the per-table DuckDB files the engine attaches, takes the per-table write
// lock for writes, emulates pg_catalog and information_schema for what the
// session may see, and runs the result on the project's DuckDB instance.
//
// api.go is the contract with package wire. sqlrouter imports engine,
// catalog and wire/pgerr; it must not import wire or admin.
package sqlrouter
