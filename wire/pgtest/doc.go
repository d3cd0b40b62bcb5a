// Package pgtest runs PostgreSQL protocol scripts against a server, and
// starts a real PostgreSQL 15 to run them against, so that duckstore's
// behaviour on the wire can be pinned by scripts that also pass against
// PostgreSQL. It is a test helper: only tests and the benchmark driver
// (cmd/duckbench) import it.
//
// Scripts live in testdata/pgtest/*.txt at the repository root; the format
// is described on RunScript.
//
// It imports pgproto3 and the standard library only; never wire's
// internals, so that it can drive any server by its address.
package pgtest
