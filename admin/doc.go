// Package admin is the HTTP admin API (httprouter): projects, API keys,
// dev branches, buckets, tables and their data, with authentication,
// scopes, idempotency, /health, /metrics, /openapi.json and /docs. Its
// request and response shapes follow the Python duckdb-api-service it
// replaces, with the gaps DESIGN.md closes.
//
// A request goes through these layers, outermost first (routes.go):
// request id (X-Request-Id), panic recovery, metrics and the access log
// (Server.serve); the router; authentication (auth.go) and authorization
// by the route's access level; idempotency for keyed writes
// (idempotency.go); the project and branch lookups the route's
// :project_id and :branch_id call for; the handler.
//
// Adding a route: write a handler, a method on Server taking a *call
// (c.project, c.branch, c.who and c.param are resolved; answer with
// c.json or c.noContent, or return an error: an *Error from errorf and
// its helpers, or any error, which toAPIError in errors.go maps to a
// status in one place); register it in registerRoutes with handle, or
// handleBranch for bucket and table routes (both the /branches/{branch_id}
// and the default-branch form); describe it in docs in openapi.go. Decode
// bodies with decodeBody (422s in FastAPI's shape), validate names with
// engine.ValidateName and ValidateID before they reach disk or SQL, and
// take tables for writing through writeTable (write lock, copy-on-write).
//
// admin imports engine, catalog and wire/pgerr; it must not import wire
// or sqlrouter.
package admin
