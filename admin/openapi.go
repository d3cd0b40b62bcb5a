package admin

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// The API describes itself: docs holds a description of every route,
// keyed by "METHOD /openapi/path"; request and response schemas are
// reflected from the Go types the handlers decode and answer, so they
// cannot drift from the code. A route registered with handleBranch is
// described once, in its /branches/{branch_id} form; its default-branch
// twin is derived. TestOpenAPIDescribesEveryRoute fails when a route has
// no description or a description no route.

// opDoc describes one operation.
type opDoc struct {
	tag, summary, desc string
	query              []queryParam
	body               any // request body type (a zero value), nil for none
	status             int // success status
	resp               any // response body type, nil for none
	contentType        string
}

type queryParam struct {
	name, typ, desc string
}

const (
	pB = "/projects/{project_id}/branches/{branch_id}"
	pK = pB + "/buckets/{bucket_name}"
	pT = pK + "/tables/{table_name}"
)

var docs = map[string]opDoc{
	"GET /health": {tag: "backend", summary: "Health check", status: 200, resp: healthResponse{},
		desc: "200 while the data directory is usable, else 503. No credentials."},
	"GET /metrics": {tag: "backend", summary: "Prometheus metrics", status: 200, contentType: "text/plain",
		desc: "Metrics in Prometheus' text format: HTTP requests and durations by route pattern, inventory (projects, buckets, tables, bytes), table lock waits, engine state. No credentials."},
	"GET /openapi.json": {tag: "backend", summary: "This document", status: 200, contentType: "application/json",
		desc: "The OpenAPI 3 description of every route. No credentials."},
	"GET /docs": {tag: "backend", summary: "API documentation page", status: 200, contentType: "text/html",
		desc: "A readable rendering of /openapi.json. No credentials."},
	"POST /backend/init": {tag: "backend", summary: "Initialize the storage backend", status: 200, resp: backendResponse{},
		desc: "Creates the storage folders if they are missing."},
	"POST /backend/remove": {tag: "backend", summary: "Remove the storage backend", status: 200, resp: backendResponse{},
		desc: "A no-op kept for the Python service's clients: data goes with each project."},

	"POST /projects": {tag: "projects", summary: "Create a project", body: projectCreateRequest{}, status: 201, resp: projectCreateResponse{},
		desc: "Creates the project and its first project_admin API key, whose secret is in the answer and never shown again. 409 when the id is taken."},
	"GET /projects": {tag: "projects", summary: "List projects", status: 200, resp: projectListResponse{},
		query: []queryParam{{"limit", "integer", "1 to 1000, default 100"}, {"offset", "integer", "default 0"}, {"status", "string", "active (default) or deleted (always empty: deleted projects are gone)"}},
		desc:  "Projects in creation order."},
	"GET /projects/{project_id}": {tag: "projects", summary: "Get a project", status: 200, resp: projectResponse{}},
	"PUT /projects/{project_id}": {tag: "projects", summary: "Update a project", body: projectUpdateRequest{}, status: 200, resp: projectResponse{},
		desc: "Changes the name and/or replaces the settings."},
	"DELETE /projects/{project_id}": {tag: "projects", summary: "Delete a project", status: 204,
		desc: "Deletes the project, its keys, branches, buckets and tables, and every file of it on disk."},
	"GET /projects/{project_id}/stats": {tag: "projects", summary: "Project statistics", status: 200, resp: projectStatsResponse{}},

	"POST /projects/{project_id}/api-keys": {tag: "api-keys", summary: "Create an API key", body: keyCreateRequest{}, status: 201, resp: keyCreateResponse{},
		desc: "Scopes: project_admin (everything in the project), branch_admin (read and write one dev branch), read_only (read every branch, or one with branch_id; the Python service's branch_read). The key is in the answer only."},
	"GET /projects/{project_id}/api-keys": {tag: "api-keys", summary: "List API keys", status: 200, resp: keyListResponse{},
		query: []queryParam{{"include_revoked", "boolean", "list revoked keys too"}},
		desc:  "Keys without their secrets; revoked keys only with include_revoked=true."},
	"GET /projects/{project_id}/api-keys/{key_id}": {tag: "api-keys", summary: "Get an API key", status: 200, resp: keyResponse{},
		desc: "The key without its secret."},
	"DELETE /projects/{project_id}/api-keys/{key_id}": {tag: "api-keys", summary: "Revoke an API key", status: 204,
		desc: "The key stops working at once. 409 for the project's last active project_admin key."},
	"POST /projects/{project_id}/api-keys/{key_id}/rotate": {tag: "api-keys", summary: "Rotate an API key", status: 201, resp: keyCreateResponse{},
		desc: "The key keeps its id, scope and branch and gets a new secret, answered once; the old secret stops working at once. 409 for a revoked key."},

	"POST /projects/{project_id}/branches": {tag: "branches", summary: "Create a dev branch", body: branchCreateRequest{}, status: 201, resp: branchResponse{},
		desc: "A branch starts empty: it reads main's tables until its first write to one copies that table into it."},
	"GET /projects/{project_id}/branches": {tag: "branches", summary: "List dev branches", status: 200, resp: branchListResponse{},
		query: []queryParam{{"limit", "integer", "1 to 1000, default 100"}, {"offset", "integer", "default 0"}}},
	"GET " + pB: {tag: "branches", summary: "Get a dev branch", status: 200, resp: branchDetailResponse{},
		desc: "The branch with the tables it has its own copies of."},
	"DELETE " + pB: {tag: "branches", summary: "Delete a dev branch", status: 204,
		desc: "Deletes the branch's tables and copies (main is untouched) and revokes the keys bound to it."},

	"POST " + pB + "/buckets": {tag: "buckets", summary: "Create a bucket", body: bucketCreateRequest{}, status: 201, resp: bucketResponse{},
		desc: "In a dev branch, the bucket belongs to the branch. 409 when the branch already sees a bucket of that name."},
	"GET " + pB + "/buckets": {tag: "buckets", summary: "List buckets", status: 200, resp: bucketListResponse{},
		desc: "The buckets the branch sees: main's and its own."},
	"GET " + pK: {tag: "buckets", summary: "Get a bucket", status: 200, resp: bucketResponse{}},
	"DELETE " + pK: {tag: "buckets", summary: "Delete a bucket", status: 204,
		query: []queryParam{{"cascade", "boolean", "drop the bucket's tables too"}},
		desc:  "409 while the bucket holds tables, unless cascade=true. A dev branch deletes only its own buckets."},

	"POST " + pK + "/tables": {tag: "tables", summary: "Create a table", body: tableCreateRequest{}, status: 201, resp: tableResponse{},
		desc: "Typed columns (a closed list of DuckDB types and their PostgreSQL spellings), nullability, literal defaults and a primary key. In a dev branch, the table belongs to the branch."},
	"GET " + pK + "/tables": {tag: "tables", summary: "List tables", status: 200, resp: tableListResponse{},
		desc: "The tables the branch sees in the bucket: its own and copies, and main's it has no copy of."},
	"GET " + pT: {tag: "tables", summary: "Get a table", status: 200, resp: tableResponse{},
		desc: "Columns, primary key, row count, size on disk, creation and update times; source tells whether a dev branch reads its own copy."},
	"DELETE " + pT: {tag: "tables", summary: "Delete a table", status: 204,
		desc: "A dev branch deletes only its own tables and copies (after which it reads main's table again)."},
	"GET " + pT + "/preview": {tag: "tables", summary: "Preview rows", status: 200, resp: previewResponse{},
		query: []queryParam{
			{"limit", "integer", "1 to 10000, default 1000"},
			{"columns", "string", "columns to return, comma-separated (all by default)"},
			{"order_by", "string", "e.g. a:desc,b (default: by primary key, else by every column)"},
			{"filters", "string", `URL-encoded JSON list of {"column", "operator", "values"}; operators eq, ne, gt, ge, lt, le, in, not_in, is_null, not_null; ANDed`},
		},
		desc: "Rows of the table as the branch reads it. Filter values are bound as parameters, cast to the column's type."},
	"POST " + pT + "/profile": {tag: "tables", summary: "Profile a table", status: 200, resp: profileResponse{},
		desc: "Per column: null and distinct counts, min, max, and for numbers mean and standard deviation. A read: read_only keys may call it."},
	"DELETE " + pT + "/rows": {tag: "tables", summary: "Delete rows", body: deleteRowsRequest{}, status: 200, resp: deleteRowsResponse{},
		desc: "Deletes the rows matching the structured filters (an empty list: every row) and answers how many went and how many are left."},

	"POST " + pT + "/columns": {tag: "schema", summary: "Add a column", body: addColumnRequest{}, status: 201, resp: tableResponse{},
		desc: "A NOT NULL column needs a default when the table has rows (409 otherwise)."},
	"PUT " + pT + "/columns/{column_name}": {tag: "schema", summary: "Alter a column", body: alterColumnRequest{}, status: 200, resp: tableResponse{},
		desc: "Rename, retype, set or drop NOT NULL, set or drop the default. Retyping a primary key column rebuilds the table."},
	"DELETE " + pT + "/columns/{column_name}": {tag: "schema", summary: "Drop a column", status: 200, resp: tableResponse{},
		desc: "409 for a primary key column; 400 for the only column."},
	"POST " + pT + "/primary-key": {tag: "schema", summary: "Add a primary key", body: primaryKeyRequest{}, status: 201, resp: tableResponse{},
		desc: "409 when the table has a primary key, or its rows have NULL or duplicate keys."},
	"DELETE " + pT + "/primary-key": {tag: "schema", summary: "Drop the primary key", status: 200, resp: tableResponse{},
		desc: "Rebuilds the table without it; the key's columns stay NOT NULL."},
}

// openAPIPath turns an httprouter pattern into an OpenAPI path.
func openAPIPath(pattern string) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// docKey is the docs key describing rt: its own, or for a default-branch
// twin the key of its /branches/{branch_id} form.
func docKey(rt *route) string {
	p := openAPIPath(rt.pattern)
	if rt.defaultBranch {
		p = "/projects/{project_id}/branches/{branch_id}" + strings.TrimPrefix(p, "/projects/{project_id}")
	}
	return rt.method + " " + p
}

var accessText = map[access]string{
	accessPublic:       "No credentials.",
	accessAdmin:        "Admin key only.",
	accessProjectAdmin: "Admin key or a project_admin key of the project.",
	accessProjectRead:  "Admin key or any key of the project.",
	accessBranchRead:   "Admin key, a project_admin key, a read_only key (bound to this branch, if bound), or a branch_admin key of this branch.",
	accessBranchWrite:  "Admin key, a project_admin key, or a branch_admin key of this branch.",
}

// renderOpenAPI builds the document from the registered routes.
func (s *Server) renderOpenAPI() ([]byte, error) {
	g := &schemaGen{comps: map[string]any{}}
	errRef := g.ref(reflect.TypeOf(errorBody{}))
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		d, ok := docOf(docKey(rt))
		if !ok {
			continue // TestOpenAPIDescribesEveryRoute reports it
		}
		p := openAPIPath(rt.pattern)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.method)] = g.operation(rt, d, errRef)
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "duckstore admin API", "version": s.cfg.Version,
			"description": "The admin HTTP API of duckstore, an on-premise Keboola Storage on DuckDB. " +
				"Errors are {\"detail\": {\"error\": \"<code>\", \"message\": \"...\", \"details\": {}}}; " +
				"422 validation errors carry FastAPI-style {loc, msg, type} entries in details.errors. " +
				"POST, PUT and DELETE accept X-Idempotency-Key: the first answer is replayed (X-Idempotency-Replay: true) " +
				"for 10 minutes to the same credential; the same key with another method, path or body gets 409. " +
				"Routes under /projects/{project_id}/branches/{branch_id} take \"default\" for the main branch and also exist without /branches/{branch_id}."},
		"paths": paths,
		"components": map[string]any{
			"schemas":         g.comps,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "the admin key or a project API key"}},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func (g *schemaGen) operation(rt *route, d opDoc, errRef map[string]any) map[string]any {
	desc := d.desc
	if rt.defaultBranch {
		desc = strings.TrimSpace(desc + " Acts on the default (main) branch.")
	}
	op := map[string]any{
		"tags": []string{d.tag}, "summary": d.summary, "description": strings.TrimSpace(desc + "\n\nAccess: " + accessText[rt.access]),
		"operationId": operationID(rt), "x-access": rt.access.String(),
	}
	var params []map[string]any
	for _, seg := range strings.Split(rt.pattern, "/") {
		if strings.HasPrefix(seg, ":") {
			params = append(params, map[string]any{"name": seg[1:], "in": "path", "required": true, "schema": map[string]any{"type": "string"}, "description": pathParamDoc[seg[1:]]})
		}
	}
	for _, q := range d.query {
		params = append(params, map[string]any{"name": q.name, "in": "query", "required": false, "schema": map[string]any{"type": q.typ}, "description": q.desc})
	}
	if isWrite(rt.method) && rt.access != accessPublic {
		params = append(params, map[string]any{"name": idempotencyHeader, "in": "header", "required": false, "schema": map[string]any{"type": "string"},
			"description": "replay the first answer to this credential for 10 minutes"})
	}
	if params != nil {
		op["parameters"] = params
	}
	if d.body != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": g.ref(reflect.TypeOf(d.body))}}}
	}
	ok := map[string]any{"description": http.StatusText(d.status)}
	switch {
	case d.resp != nil:
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.ref(reflect.TypeOf(d.resp))}}
	case d.contentType != "":
		ok["content"] = map[string]any{d.contentType: map[string]any{}}
	}
	responses := map[string]any{strconv.Itoa(d.status): ok}
	errs := []int{500}
	if rt.access != accessPublic {
		errs = append(errs, 400, 401, 403, 404, 409, 422)
	}
	for _, st := range errs {
		responses[strconv.Itoa(st)] = map[string]any{"description": http.StatusText(st), "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
	}
	op["responses"] = responses
	if rt.access == accessPublic {
		op["security"] = []any{}
	} else {
		op["security"] = []any{map[string]any{"bearer": []string{}}}
	}
	return op
}

var pathParamDoc = map[string]string{
	"project_id":  "project id",
	"branch_id":   `dev branch id, or "default" for the main branch`,
	"bucket_name": "bucket name",
	"table_name":  "table name",
	"column_name": "column name",
	"key_id":      "API key id (the 12 hex digits in the key)",
}

func operationID(rt *route) string {
	id := strings.ToLower(rt.method)
	for _, seg := range strings.Split(rt.pattern, "/") {
		if seg == "" {
			continue
		}
		id += "_" + strings.NewReplacer(":", "", "-", "_", ".", "_").Replace(seg)
	}
	return id
}

// schemaGen reflects JSON schemas from Go types into components.
type schemaGen struct{ comps map[string]any }

var numberType = reflect.TypeOf(json.Number(""))

// ref returns the schema of t, a $ref for named structs.
func (g *schemaGen) ref(t reflect.Type) map[string]any {
	switch {
	case t == numberType:
		return map[string]any{"type": "number"}
	case t.Kind() == reflect.Pointer:
		inner := g.ref(t.Elem())
		if _, isRef := inner["$ref"]; isRef {
			return map[string]any{"allOf": []any{inner}, "nullable": true}
		}
		inner["nullable"] = true
		return inner
	case t.Kind() == reflect.Struct:
		name := componentName(t)
		if _, ok := g.comps[name]; !ok {
			g.comps[name] = nil // placeholder against recursion
			g.comps[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	case t.Kind() == reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": g.ref(t.Elem())}
	case t.Kind() == reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return map[string]any{"type": "object", "additionalProperties": true}
		}
		return map[string]any{"type": "object", "additionalProperties": g.ref(t.Elem())}
	case t.Kind() == reflect.Interface:
		return map[string]any{"description": "any JSON value"}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	}
	panic(fmt.Sprintf("admin: no schema for %s", t))
}

// object is a struct's schema. Request types (those with a
// required:"true" field) require exactly those fields; response types
// require every field that is not a pointer.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	isRequest := false
	fields := flatFields(t)
	for _, f := range fields {
		if f.Tag.Get("required") == "true" {
			isRequest = true
		}
	}
	for _, f := range fields {
		name := jsonName(f)
		p := g.ref(f.Type)
		if d := f.Tag.Get("doc"); d != "" {
			if _, isRef := p["$ref"]; isRef {
				p = map[string]any{"allOf": []any{p}}
			}
			p["description"] = d
		}
		props[name] = p
		if isRequest && f.Tag.Get("required") == "true" || !isRequest && f.Type.Kind() != reflect.Pointer && f.Type.Kind() != reflect.Interface {
			required = append(required, name)
		}
	}
	sort.Strings(required)
	out := map[string]any{"type": "object", "properties": props}
	if required != nil {
		out["required"] = required
	}
	return out
}

// flatFields lists the JSON fields of a struct, embedded structs'
// fields inlined as encoding/json does.
func flatFields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Tag.Get("json") == "-" {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, flatFields(f.Type)...)
			continue
		}
		out = append(out, f)
	}
	return out
}

// componentName exports a Go type name: projectResponse is
// ProjectResponse; errorBody is ErrorResponse, as the Python service
// named it.
func componentName(t reflect.Type) string {
	if t == reflect.TypeOf(errorBody{}) {
		return "ErrorResponse"
	}
	n := t.Name()
	return strings.ToUpper(n[:1]) + n[1:]
}

// serveOpenAPI is GET /openapi.json.
func (s *Server) serveOpenAPI(c *call) error {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.Write(s.openapi)
	return nil
}

//go:embed docs.html
var docsPage []byte

// serveDocs is GET /docs: a static page that renders /openapi.json in the
// browser, with nothing fetched from elsewhere.
func (s *Server) serveDocs(c *call) error {
	c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	c.w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	c.w.Write(docsPage)
	return nil
}
