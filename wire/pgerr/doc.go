// Package pgerr holds the SQLSTATE codes duckstore sends to clients and the
// Error type that carries one, with helpers to wrap errors and read codes.
//
// It is a leaf: it imports only the standard library, so every package of
// the project (wire, sqlrouter, engine, admin) can return errors that reach
// a PostgreSQL client with the right class. Codes follow
// https://www.postgresql.org/docs/current/errcodes-appendix.html.
package pgerr
