package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/load"
)

// flexID is a file id given as a JSON string or number (Keboola's ids
// are numbers).
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errBadRequest("invalid_file_id", "a file id is a string or a number")
	}
	*f = flexID(n.String())
	return nil
}

// flexBool is a boolean that PHP clients may send as 0/1 or as text.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(strings.ToLower(string(b)), `"`) {
	case "true", "1":
		*f = true
	case "false", "0", "", "null":
		*f = false
	default:
		return errBadRequest("invalid_value", "%s is not a boolean", b)
	}
	return nil
}

type csvOptionsRequest struct {
	Delimiter   *string  `json:"delimiter" doc:"field delimiter, default ','; \\t for tab"`
	Quote       *string  `json:"quote" doc:"enclosure, default '\"'; \"\" for none"`
	Escape      *string  `json:"escape" doc:"escape character inside quotes; default: the quote doubled"`
	Header      *bool    `json:"header" doc:"the first line names the columns, matched to the table's by name (default true)"`
	Columns     []string `json:"columns" doc:"the file's columns in order, when it has no header"`
	NullString  *string  `json:"null_string" doc:"the value read as NULL (default empty)"`
	NullValues  []string `json:"null_values" doc:"several values read as NULL"`
	QuotedNulls *bool    `json:"quoted_nulls" doc:"a quoted null value (\"\") is NULL too (default true, as Keboola); false keeps it as an empty string"`
	SkipLines   int      `json:"skip_lines" doc:"lines to skip before the header"`
	Compression string   `json:"compression" doc:"gzip or none; detected from the content when absent"`
}

type importOptionsRequest struct {
	Incremental bool     `json:"incremental" doc:"add to the rows (upserting by primary key) instead of replacing them"`
	DedupMode   string   `json:"dedup_mode" doc:"update_duplicates (default), insert_duplicates (tables without a primary key only) or fail_on_duplicates"`
	Columns     []string `json:"columns" doc:"the table columns to load; the others get defaults (new rows) or keep their values (updated rows)"`
}

// importFileRequest is the Python service's shape (file_id, format,
// csv_options, import_options) with Keboola's flat options accepted too.
type importFileRequest struct {
	FileID        flexID                `json:"file_id" doc:"the file to load (from the Files API)"`
	FileIDs       []flexID              `json:"file_ids" doc:"several files loaded as one (their slices in order)"`
	DataFileID    flexID                `json:"dataFileId" doc:"Keboola's spelling of file_id"`
	Format        string                `json:"format" doc:"csv or parquet; from the file name when absent"`
	CSVOptions    *csvOptionsRequest    `json:"csv_options"`
	ImportOptions *importOptionsRequest `json:"import_options"`

	Delimiter         *string   `json:"delimiter" doc:"Keboola: field delimiter"`
	Enclosure         *string   `json:"enclosure" doc:"Keboola: field enclosure"`
	EscapedBy         *string   `json:"escapedBy" doc:"Keboola: escape character"`
	WithoutHeaders    flexBool  `json:"withoutHeaders" doc:"Keboola: the file has no header; columns in table order (or columns)"`
	Columns           []string  `json:"columns" doc:"Keboola: the file's columns in order; the first line is data"`
	TreatValuesAsNull []string  `json:"treatValuesAsNull" doc:"Keboola: values read as NULL"`
	IgnoredLinesCount int       `json:"ignoredLinesCount" doc:"Keboola: lines skipped at the start"`
	Incremental       *flexBool `json:"incremental" doc:"Keboola: same as import_options.incremental"`
	Deduplication     string    `json:"deduplicationStrategy" doc:"Keboola: upsert or insert"`
}

type importResponse struct {
	ImportedRows   int64    `json:"imported_rows" doc:"rows inserted or updated"`
	TableRowsAfter int64    `json:"table_rows_after"`
	TableSizeBytes int64    `json:"table_size_bytes"`
	Warnings       []string `json:"warnings"`
	Duplicates     int64    `json:"duplicates_removed" doc:"input rows replaced by a later row with the same primary key"`
	Bytes          int64    `json:"bytes" doc:"bytes of input read"`
	DurationMS     int64    `json:"duration_ms"`
}

// importSource resolves the request's files and options into a load source.
func (s *Server) importSource(ctx context.Context, projectID string, req *importFileRequest) (load.Source, error) {
	ids := req.FileIDs
	for _, id := range []flexID{req.FileID, req.DataFileID} {
		if id != "" {
			ids = append([]flexID{id}, ids...)
		}
	}
	if len(ids) == 0 {
		return load.Source{}, validationError([]any{"body", "file_id"}, "Field required", "missing")
	}
	var src load.Source
	parquet := true
	for _, id := range ids {
		f, err := s.data.files.File(ctx, projectID, string(id))
		if errors.Is(err, catalog.ErrNotFound) {
			return src, errNotFound("file", string(id))
		}
		if err != nil {
			return src, err
		}
		src.Paths = append(src.Paths, s.data.files.Paths(f)...)
		parquet = parquet && strings.HasSuffix(strings.ToLower(f.Name), ".parquet")
	}
	switch strings.ToLower(req.Format) {
	case "csv":
		src.Format = load.CSV
	case "parquet":
		src.Format = load.Parquet
	case "":
		src.Format = map[bool]load.Format{true: load.Parquet, false: load.CSV}[parquet]
	default:
		return src, errBadRequest("invalid_format", "format %q: use csv or parquet", req.Format)
	}
	src.CSV = req.csvOptions()
	return src, nil
}

// csvOptions merges Keboola's flat options under csv_options.
func (req *importFileRequest) csvOptions() load.CSVOptions {
	o := load.CSVOptions{Header: !bool(req.WithoutHeaders), QuotedNulls: true, SkipLines: req.IgnoredLinesCount, NullValues: req.TreatValuesAsNull}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
			if *v == "" {
				*dst = load.NoQuote
			}
		}
	}
	if req.Delimiter != nil {
		o.Delimiter = *req.Delimiter
	}
	set(&o.Quote, req.Enclosure)
	set(&o.Escape, req.EscapedBy)
	if req.Columns != nil {
		o.Header, o.Columns = false, req.Columns
	}
	if c := req.CSVOptions; c != nil {
		if c.Delimiter != nil {
			o.Delimiter = *c.Delimiter
		}
		set(&o.Quote, c.Quote)
		set(&o.Escape, c.Escape)
		if c.Header != nil {
			o.Header = *c.Header
		}
		if c.Columns != nil {
			o.Columns = c.Columns
		}
		if c.NullString != nil {
			o.NullValues = []string{*c.NullString}
		}
		if c.NullValues != nil {
			o.NullValues = c.NullValues
		}
		if c.QuotedNulls != nil {
			o.QuotedNulls = *c.QuotedNulls
		}
		o.SkipLines += c.SkipLines
		o.Compression = c.Compression
	}
	return o
}

// loadOptions reads the mode, dedup mode and columns.
func (req *importFileRequest) loadOptions() (load.Options, error) {
	io := req.ImportOptions
	if io == nil {
		io = &importOptionsRequest{}
	}
	o := load.Options{Mode: load.Full, Columns: io.Columns}
	if io.Incremental || req.Incremental != nil && bool(*req.Incremental) {
		o.Mode = load.Incremental
	}
	mode := io.DedupMode
	switch req.Deduplication {
	case "upsert":
		mode = first(mode, string(load.UpdateDuplicates))
	case "insert":
		mode = first(mode, string(load.InsertDuplicates))
	case "":
	default:
		return o, errBadRequest("invalid_option", "deduplicationStrategy %q: use upsert or insert", req.Deduplication)
	}
	d, err := load.ParseDedup(mode)
	if err != nil {
		return o, loadError(err)
	}
	o.Dedup = d
	return o, nil
}

// importFile is POST T/import/file: loads a file (CSV or Parquet, gzip,
// sliced) into the table. A full load swaps in a new table file built
// aside; readers see the old rows or the new ones, never a mix.
func (s *Server) importFile(c *call) error {
	var req importFileRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	t, err := s.routeTable(c)
	if err != nil {
		return err
	}
	src, err := s.importSource(c.ctx(), c.project.ID, &req)
	if err != nil {
		return err
	}
	opts, err := req.loadOptions()
	if err != nil {
		return err
	}
	project, branch := c.project.ID, c.branch
	w := &work{operation: "tableImport", bucket: t.Bucket, table: t.Name, params: req}
	w.fn = func(ctx context.Context, progress func(catalog.JobProgress)) (any, error) {
		opts.Progress = func(p load.Progress) { progress(catalog.JobProgress(p)) }
		return s.loadInto(ctx, project, branch, t.Bucket, t.Name, string(src.Format), w, func(in *engine.Instance, dst *catalog.Table) (*load.Result, error) {
			return load.File(ctx, in, dst, src, opts)
		})
	}
	return s.run(c, w, http.StatusOK)
}

// loadInto takes the table's write lock (copying it into the branch on
// its first write there), runs do and answers its result.
func (s *Server) loadInto(ctx context.Context, project, branch, bucket, table, format string, owner any,
	do func(*engine.Instance, *catalog.Table) (*load.Result, error)) (*importResponse, error) {
	start := time.Now()
	var res *load.Result
	err := func() error {
		dst, unlock, err := s.eng.TableForWrite(ctx, project, branch, bucket, table, owner)
		if errors.Is(err, catalog.ErrNotFound) {
			return errNotFound("table", table)
		}
		if err != nil {
			return err
		}
		defer unlock()
		in, err := s.eng.Instance(ctx, project)
		if err != nil {
			return err
		}
		res, err = do(in, dst)
		return err
	}()
	if err != nil {
		s.data.metrics.observe("import", format, 0, 0, time.Since(start), err)
		return nil, loadError(err)
	}
	s.data.metrics.observe("import", format, res.ImportedRows, res.Bytes, res.Duration, nil)
	return importView(s.eng, project, branch, bucket, table, res), nil
}

func importView(eng *engine.Engine, project, branch, bucket, table string, res *load.Result) *importResponse {
	out := &importResponse{ImportedRows: res.ImportedRows, TableRowsAfter: res.TableRows, Warnings: res.Warnings,
		Duplicates: res.Duplicates, Bytes: res.Bytes, DurationMS: res.Duration.Milliseconds()}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	if t, err := eng.Table(context.Background(), project, branch, bucket, table); err == nil {
		out.TableSizeBytes = eng.FileSize(t)
	}
	return out
}

// importTableRequest names the source: a table of the project (same
// branch unless source.branch_id says otherwise) or, once workspaces
// exist, a workspace object.
type importTableRequest struct {
	Source        tableSource           `json:"source" required:"true"`
	Mapping       []load.ColumnMap      `json:"column_mapping" doc:"source column to table column; unmapped columns match by name"`
	ImportOptions *importOptionsRequest `json:"import_options"`
	Incremental   *flexBool             `json:"incremental" doc:"same as import_options.incremental"`
}

// tableSource is where an import/table reads.
type tableSource struct {
	Bucket      string `json:"bucket" doc:"source bucket"`
	Table       string `json:"table" doc:"source table"`
	BranchID    string `json:"branch_id" doc:"branch to read the source through; the route's when absent"`
	WorkspaceID string `json:"workspace_id" doc:"a workspace, with object"`
	Object      string `json:"object" doc:"a table of the workspace"`
}

// importTable is POST T/import/table: loads the rows of another table (or
// a workspace object) with the same modes and atomicity as a file import.
func (s *Server) importTable(c *call) error {
	var req importTableRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	t, err := s.routeTable(c)
	if err != nil {
		return err
	}
	rel, err := s.relation(c, &req)
	if err != nil {
		return err
	}
	fr := importFileRequest{ImportOptions: req.ImportOptions, Incremental: req.Incremental}
	opts, err := fr.loadOptions()
	if err != nil {
		return err
	}
	project, branch := c.project.ID, c.branch
	w := &work{operation: "tableImport", bucket: t.Bucket, table: t.Name, params: req}
	w.fn = func(ctx context.Context, progress func(catalog.JobProgress)) (any, error) {
		opts.Progress = func(p load.Progress) { progress(catalog.JobProgress(p)) }
		return s.loadInto(ctx, project, branch, t.Bucket, t.Name, "table", w, func(in *engine.Instance, dst *catalog.Table) (*load.Result, error) {
			r, err := rel(ctx, in)
			if err != nil {
				return nil, err
			}
			return load.Table(ctx, in, dst, r, req.Mapping, opts)
		})
	}
	return s.run(c, w, http.StatusOK)
}

// relation resolves an import's source when the load runs (a job may run
// later than the request: the table is looked up then). It is the hook
// for workspace objects.
func (s *Server) relation(c *call, req *importTableRequest) (func(context.Context, *engine.Instance) (load.Relation, error), error) {
	src := req.Source
	if src.WorkspaceID != "" || src.Object != "" {
		return nil, errorf(http.StatusNotImplemented, "not_supported", "loading from workspace objects is not available yet")
	}
	if src.Bucket == "" || src.Table == "" {
		return nil, validationError([]any{"body", "source"}, "source needs bucket and table (or workspace_id and object)", "missing")
	}
	branch := c.branch
	if src.BranchID != "" && src.BranchID != "default" {
		if err := engine.ValidateID("branch", src.BranchID); err != nil {
			return nil, err
		}
		branch = src.BranchID
	} else if src.BranchID == "default" {
		branch = catalog.MainBranch
	}
	if err := authorize(c.who, accessBranchRead, c.project.ID, branch); err != nil {
		return nil, err
	}
	project := c.project.ID
	find := func(ctx context.Context) (*catalog.Table, error) {
		t, err := s.eng.Table(ctx, project, branch, src.Bucket, src.Table)
		if errors.Is(err, catalog.ErrNotFound) {
			return nil, errNotFound("table", src.Bucket+"."+src.Table)
		}
		return t, err
	}
	if _, err := find(c.ctx()); err != nil {
		return nil, err
	}
	return func(ctx context.Context, in *engine.Instance) (load.Relation, error) {
		t, err := find(ctx)
		if err != nil {
			return nil, err
		}
		return load.TableRelation(in, t), nil
	}, nil
}
