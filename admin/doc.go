// Package admin is the HTTP admin API (httprouter): projects, API keys,
// buckets, tables and their data, with authentication, scopes,
// idempotency, /health, /metrics, /openapi.json and /docs. Its request and
// response shapes follow the Python duckdb-api-service it replaces.
//
// Handlers are methods on Server. admin imports engine, catalog and
// wire/pgerr; it must not import wire or sqlrouter.
package admin
