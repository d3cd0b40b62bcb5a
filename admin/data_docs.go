package admin

// docOf returns the description of a route: the data routes' are here,
// the others' in openapi.go.
func docOf(key string) (opDoc, bool) {
	if d, ok := docs[key]; ok {
		return d, true
	}
	d, ok := dataDocs[key]
	return d, ok
}

const pF = "/projects/{project_id}/files"

var asyncQuery = []queryParam{{"async", "boolean", "true: answer 202 at once with a job (poll GET /projects/{project_id}/jobs/{job_id}); jobs on one table run in order"}}

// dataDocs describes the routes of data.go.
var dataDocs = map[string]opDoc{
	"POST " + pF + "/prepare": {tag: "files", summary: "Prepare a file upload", body: filePrepareRequest{}, status: 200, resp: filePrepareResponse{},
		desc: "Opens an upload session, kept across restarts until registered or expired (24 hours by default). 413 when size_bytes is over the upload limit. Not for read_only keys."},
	"POST " + pF + "/upload/{upload_key}": {tag: "files", summary: "Upload a file", status: 200, resp: fileUploadResponse{},
		desc: "multipart/form-data with the file in the part named file (a sliced upload may send several parts, or several requests; ?slice=name names a raw body's slice), or the raw bytes as the body. " +
			"Streamed to disk with its SHA-256; past the upload limit (10 GiB by default) the answer is 413 and nothing is kept. 410 when the session expired."},
	"POST " + pF: {tag: "files", summary: "Register an uploaded file", body: fileRegisterRequest{}, status: 201, resp: fileResponse{},
		desc: "Turns the upload into a file. Files that are not permanent are removed after the file retention (15 days by default)."},
	"GET " + pF: {tag: "files", summary: "List files", status: 200, resp: fileListResponse{},
		query: []queryParam{{"tags", "string", "comma-separated tags (name or name=value); files with any of them"}, {"limit", "integer", "1 to 1000, default 100"},
			{"offset", "integer", "default 0"}, {"include_staged", "boolean", "also list uploads not yet registered"}},
		desc: "Newest first."},
	"GET " + pF + "/{file_id}":    {tag: "files", summary: "Get a file", status: 200, resp: fileResponse{}},
	"DELETE " + pF + "/{file_id}": {tag: "files", summary: "Delete a file", status: 204, desc: "Not for read_only keys."},
	"GET " + pF + "/{file_id}/download": {tag: "files", summary: "Download a file", status: 200, contentType: "application/octet-stream",
		query: []queryParam{{"slice", "string", "one slice of a sliced file"}},
		desc:  "The bytes, streamed, with Content-Length, Range requests and ETag; a sliced file is its slices one after the other."},
	"PUT " + pF + "/{file_id}/tags": {tag: "files", summary: "Add file tags", body: fileTagsRequest{}, status: 200, resp: fileResponse{},
		desc: "Adds tags, or changes their values."},
	"DELETE " + pF + "/{file_id}/tags/{tag_name}": {tag: "files", summary: "Remove a file tag", status: 204},

	"POST " + pK + "/tables-async": {tag: "imports", summary: "Create a table from a file", body: tableFromFileRequest{}, status: 201, resp: tableFromFileResponse{}, query: asyncQuery,
		desc: "Keboola's tables-async: the table's columns come from the file (a CSV's header as VARCHAR columns, a Parquet file's names and types), with an optional primary key, and the file is loaded. The table appears with its rows or not at all."},
	"POST " + pT + "/import/file": {tag: "imports", summary: "Import a file into a table", body: importFileRequest{}, status: 200, resp: importResponse{}, query: asyncQuery,
		desc: "CSV (delimiter, enclosure, escape, header matched to columns by name, or withoutHeaders with columns; null markers; gzip; sliced files) or Parquet. " +
			"Full load (default): the new rows replace the old ones atomically, also across a crash. Incremental: rows are added; with a primary key, update_duplicates upserts, fail_on_duplicates refuses taken keys (409), insert_duplicates is refused. " +
			"Duplicate keys in the input: the last row wins, counted in duplicates_removed. A value that does not fit its column: 400 naming row, column and value; the table is unchanged."},
	"POST " + pT + "/import/table": {tag: "imports", summary: "Import another table", body: importTableRequest{}, status: 200, resp: importResponse{}, query: asyncQuery,
		desc: "Loads the rows of another table of the project (columns by name, or by column_mapping) with the modes and atomicity of a file import. Workspace objects: 501 until workspaces exist."},
	"POST " + pT + "/export": {tag: "exports", summary: "Export a table to a file", body: exportRequest{}, status: 200, resp: exportResponse{}, query: asyncQuery,
		desc: "Writes the rows (columns, structured filters, order_by, limit) as CSV (header, gzip) or Parquet (compression) into a new file of the Files API, optionally sliced, and answers its id. The rows are one consistent snapshot."},

	"GET /projects/{project_id}/jobs": {tag: "jobs", summary: "List jobs", status: 200, resp: jobListResponse{},
		query: []queryParam{{"status", "string", "comma-separated: waiting, processing, success, error"}, {"operation", "string", "tableImport, tableExport or tableCreate"},
			{"table", "string", "bucket.table"}, {"created_from", "string", "RFC 3339"}, {"created_to", "string", "RFC 3339"},
			{"limit", "integer", "1 to 1000, default 100"}, {"offset", "integer", "default 0"}},
		desc: "Newest first. Keys bound to a branch see that branch's jobs."},
	"GET /projects/{project_id}/jobs/{job_id}": {tag: "jobs", summary: "Get a job", status: 200, resp: jobResponse{},
		desc: "status is waiting, processing, success or error; progress has the rows and bytes done; result is what the synchronous call answers; a job that a restart interrupted ends as error."},
}
