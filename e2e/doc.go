// Package e2e holds end-to-end tests: the real duckstore binary on
// loopback ports driven by the clients people use (psql, pgx, lib/pq,
// psycopg2, psycopg 3, SQLAlchemy, pandas, pgjdbc, node-postgres), each
// suite run against duckstore and against a real PostgreSQL 15 with the
// same schema and the same expectations, so that the expectations are
// PostgreSQL's own.
//
// It has only tests; nothing imports it.
package e2e
