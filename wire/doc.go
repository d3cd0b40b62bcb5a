// Package wire serves the PostgreSQL frontend/backend protocol, version 3.0
// (https://www.postgresql.org/docs/current/protocol.html), on top of
// github.com/jackc/pgx/v5/pgproto3.
//
// It owns everything a PostgreSQL client sees on the socket: the startup
// handshake (SSLRequest and TLS, GSSENCRequest refused, CancelRequest,
// StartupMessage and the protocol version check), authentication
// (SCRAM-SHA-256, and cleartext password over TLS), ParameterStatus and
// BackendKeyData, the simple and extended query protocols with their
// PostgreSQL state machine, COPY FROM STDIN and COPY TO STDOUT in text, csv
// and binary, cancellation, statement and idle timeouts, connection limits,
// graceful shutdown, and the encoding of Arrow record batches into DataRow
// values byte for byte as PostgreSQL 15 writes them.
//
// It does not run SQL. A Backend authenticates and opens sessions, and each
// session is a sqlrouter.Conn; wire drives it through the contract types in
// sqlrouter/api.go and nothing else.
//
// Imports: wire may import sqlrouter (for the contract types only),
// wire/pgerr, pgproto3, arrow-go and prometheus. It must never import
// DuckDB, catalog, engine or admin.
package wire
