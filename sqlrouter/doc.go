// Package sqlrouter runs SQL for a session without knowing the protocol it
// came over. It parses each statement with PostgreSQL's parser (pg_query_go),
// classifies it (read, write, DDL, transaction control, session setting),
// resolves the table names it references through the catalog, rewrites them
// to the per-table DuckDB files the engine attaches, takes the per-table write
// lock for writes, and runs the result on the project's DuckDB instance.
//
// api.go is the contract with package wire; Router implements wire's
// Backend (SCRAM, CheckPassword, Open) and Session implements Conn.
//
// The decisions that shape it, each explained where it is made:
//
//   - Names (resolve.go): a bucket is a schema, reachable by its exact name
//     or, when unambiguous, its folded alias (in.c-sales → in_c_sales).
//     search_path defaults to PostgreSQL's `"$user", public`; while it names
//     no existing bucket, an unqualified table is looked up in every bucket
//     and must be unique (42P09 otherwise).
//   - Rewriting (rewrite.go, builtins.go, compat.go): every table
//     reference becomes <alias>.main.data AS <the client's name>; session
//     functions (version(), current_setting(), current_user, ...) become
//     values; PostgreSQL spellings DuckDB lacks are translated.
//   - System catalog (syscatalog*.go): pg_catalog and information_schema
//     are package pgcatalog's, built per project and branch when a
//     statement first reads them, refreshed when the catalog generation
//     has moved, and shared by the branch's sessions; each statement that
//     reads them runs with its session's state (search path, settings,
//     cursors) loaded, on the catalog's own connection when it reads
//     nothing else. Without Config.SystemCatalog they are refused.
//   - Sandbox (sandbox.go, classify.go): only names resolved through the
//     catalog reach DuckDB; file readers, DuckDB metadata functions,
//     catalog-qualified names, COPY to files, ATTACH, INSTALL, LOAD, PRAGMA,
//     CALL, CHECKPOINT and SET of engine settings fail with 42501.
//   - Transactions (tx.go): outside BEGIN every statement commits on its own,
//     including those of a multi-statement query (DuckDB lets a transaction
//     write one attached file, so `INSERT INTO a; INSERT INTO b` could not be
//     one transaction); inside BEGIN a transaction may write one table, and a
//     write to a second fails with 0A000 before it runs.
//   - DDL (ddl.go, alter.go): CREATE/DROP SCHEMA make and drop buckets,
//     CREATE TABLE [AS] builds a table file through the engine; views,
//     indexes, sequences and functions are refused with 0A000. DDL inside a
//     transaction block takes effect at once; ROLLBACK undoes creations and
//     renames, ALTER of columns runs inside the transaction.
//   - Cursors (cursor.go): DECLARE ... CURSOR, FETCH and MOVE [FORWARD] n
//     and CLOSE, streaming like portals; WITH HOLD ones are read into
//     memory and outlive their transaction. PREPARE, EXECUTE and
//     DEALLOCATE (prepare.go) keep statements by name.
//   - Settings (guc.go, set.go): PostgreSQL's run-time parameters live in
//     the session and are never sent to DuckDB, whose configuration is
//     locked.
//
// sqlrouter imports engine, catalog and wire/pgerr; it must not import wire
// or admin.
package sqlrouter
