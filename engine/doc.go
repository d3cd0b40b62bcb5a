// Package engine owns DuckDB. It keeps one DuckDB instance per project,
// confined to the project's folder (allowed_directories,
// enable_external_access=false, lock_configuration=true); stores each table
// as its own DuckDB file holding one table named data; attaches those files
// lazily and pins them while statements use them; builds new files in the
// project's _staging folder and renames them into place so a crash leaves
// either the old file or the new one; maps DuckDB types to PostgreSQL types
// and DuckDB errors to SQLSTATEs. Subpackages: duck (the C API wrapper) and
// lock (per-table write locks).
//
// engine imports catalog, wire/pgerr and its own subpackages; it must not
// import sqlrouter, wire or admin.
package engine
