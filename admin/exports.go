package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/export"
	"github.com/duckstore/duckstore/engine/filestore"
)

// orderList is order_by given as "a:desc,b" (as preview takes it) or as
// Keboola's list of {"column", "order"}.
type orderList []orderItem

type orderItem struct {
	Column string `json:"column"`
	Order  string `json:"order" doc:"ASC (default) or DESC"`
}

func (o *orderList) UnmarshalJSON(b []byte) error {
	var spec string
	if err := json.Unmarshal(b, &spec); err == nil {
		*o = nil
		for _, part := range strings.Split(spec, ",") {
			if name, dir, _ := strings.Cut(strings.TrimSpace(part), ":"); name != "" {
				*o = append(*o, orderItem{Column: name, Order: dir})
			}
		}
		return nil
	}
	var list []orderItem
	if err := json.Unmarshal(b, &list); err != nil {
		return errBadRequest("invalid_order", `order_by is "a:desc,b" or a list of {"column", "order"}`)
	}
	*o = list
	return nil
}

// orders checks the directions.
func (o orderList) orders() ([]export.Order, error) {
	var out []export.Order
	for _, it := range o {
		if it.Order != "" && !strings.EqualFold(it.Order, "asc") && !strings.EqualFold(it.Order, "desc") {
			return nil, errBadRequest("invalid_order", "order %q: use asc or desc", it.Order)
		}
		out = append(out, export.Order{Column: it.Column, Desc: strings.EqualFold(it.Order, "desc")})
	}
	return out, nil
}

// exportRequest is the Python service's ExportRequest with structured
// filters instead of its where_filter SQL text, and Keboola's options.
type exportRequest struct {
	Format       string    `json:"format" doc:"csv (default) or parquet; Keboola's fileType is accepted too"`
	FileType     string    `json:"fileType" doc:"Keboola's spelling of format"`
	Compression  *string   `json:"compression" doc:"CSV: gzip or none; Parquet: snappy (default), zstd, gzip or uncompressed"`
	Gzip         bool      `json:"gzip" doc:"Keboola: gzip the CSV"`
	Header       *bool     `json:"header" doc:"CSV header line (default true)"`
	Columns      []string  `json:"columns" doc:"columns to export, in this order (default: all)"`
	Filters      []filter  `json:"filters" doc:"structured filters, ANDed (as DELETE T/rows takes them)"`
	WhereFilters []filter  `json:"whereFilters" doc:"Keboola's filters: operator eq (default) or ne, with several values meaning IN / NOT IN"`
	WhereFilter  *string   `json:"where_filter" doc:"refused: SQL text is never taken; use filters"`
	OrderBy      orderList `json:"order_by" doc:"\"a:desc,b\" or [{\"column\": \"a\", \"order\": \"DESC\"}]"`
	KOrderBy     orderList `json:"orderBy" doc:"Keboola's spelling of order_by"`
	Limit        *int64    `json:"limit" doc:"at most this many rows"`
	SliceBytes   int64     `json:"slice_size_bytes" doc:"split the output into files of about this size (a sliced file); 0: one file"`
	FileName     string    `json:"file_name" doc:"name of the file created (default <table>.<ext>)"`
	Tags         tagSet    `json:"tags" doc:"tags of the file created"`
	IsPermanent  bool      `json:"is_permanent" doc:"keep the file forever"`
}

type exportResponse struct {
	FileID        string `json:"file_id" doc:"the file created (download it with the Files API)"`
	FilePath      string `json:"file_path" doc:"its folder, relative to the project folder"`
	RowsExported  int64  `json:"rows_exported"`
	FileSizeBytes int64  `json:"file_size_bytes"`
	Format        string `json:"format"`
	IsSliced      bool   `json:"is_sliced"`
	DurationMS    int64  `json:"duration_ms"`
}

// exportTable is POST T/export: writes the selected rows to a new file of
// the Files API and answers its id.
func (s *Server) exportTable(c *call) error {
	var req exportRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	if req.WhereFilter != nil {
		return errBadRequest("invalid_filter", "where_filter (SQL text) is not accepted: use filters, a list of {\"column\", \"operator\", \"values\"}")
	}
	t, err := s.routeTable(c)
	if err != nil {
		return err
	}
	q, o, err := req.query(t)
	if err != nil {
		return err
	}
	name := req.FileName
	if name == "" {
		name = t.Name + o.Extension()
	}
	if err := filestore.ValidateName(name); err != nil {
		return err
	}
	nf := filestore.NewFile{Name: name, ContentType: contentType(o), Tags: req.Tags, Permanent: req.IsPermanent, CreatedBy: c.who.createdBy()}
	project, branch := c.project.ID, c.branch
	w := &work{operation: "tableExport", bucket: t.Bucket, table: t.Name, params: req}
	w.fn = func(ctx context.Context, progress func(catalog.JobProgress)) (any, error) {
		o.Progress = func(pct float64, rows int64) { progress(catalog.JobProgress{Percent: pct, Rows: rows}) }
		return s.export(ctx, project, branch, t.Bucket, t.Name, q, o, nf)
	}
	return s.run(c, w, http.StatusOK)
}

// query checks the request against the table.
func (req *exportRequest) query(t *catalog.Table) (export.Query, export.Options, error) {
	ol := req.OrderBy
	if ol == nil {
		ol = req.KOrderBy
	}
	orders, err := ol.orders()
	if err != nil {
		return export.Query{}, export.Options{}, err
	}
	q := export.Query{Columns: req.Columns, OrderBy: orders}
	fs := append([]filter(nil), req.Filters...)
	for _, f := range req.WhereFilters {
		// Keboola's eq and ne take several values, as IN and NOT IN.
		switch op := first(f.Operator, "eq"); {
		case op == "eq" && len(f.Values) != 1:
			f.Operator = "in"
		case op == "ne" && len(f.Values) != 1:
			f.Operator = "not_in"
		default:
			f.Operator = op
		}
		fs = append(fs, f)
	}
	cond, args, err := where(fs, t, nil)
	if err != nil {
		return q, export.Options{}, err
	}
	q.Where, q.Args = cond, args
	if req.Limit != nil {
		if *req.Limit < 0 {
			return q, export.Options{}, validationError([]any{"body", "limit"}, "Input should be greater than or equal to 0", "greater_than_equal")
		}
		q.Limit = *req.Limit
	}
	o := export.Options{Format: export.Format(strings.ToLower(first(req.Format, req.FileType, "csv"))), SliceBytes: req.SliceBytes}
	if o.Format != export.CSV && o.Format != export.Parquet {
		return q, o, errBadRequest("invalid_format", "format %q: use csv or parquet", o.Format)
	}
	if req.Compression != nil {
		o.Compression = strings.ToLower(*req.Compression)
	} else if req.Gzip {
		o.Compression = "gzip"
	}
	o.NoHeader = req.Header != nil && !*req.Header
	return q, o, nil
}

func contentType(o export.Options) string {
	switch {
	case o.Format == export.Parquet:
		return "application/vnd.apache.parquet"
	case o.Compression == "gzip":
		return "application/gzip"
	}
	return "text/csv"
}

// export writes the rows into a new file (filestore.Store.Create): the
// file appears whole or not at all.
func (s *Server) export(ctx context.Context, project, branch, bucket, table string, q export.Query, o export.Options, nf filestore.NewFile) (*exportResponse, error) {
	start := time.Now()
	t, err := s.eng.Table(ctx, project, branch, bucket, table)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, errNotFound("table", table)
	}
	if err != nil {
		return nil, err
	}
	in, err := s.eng.Instance(ctx, project)
	if err != nil {
		return nil, err
	}
	var res *export.Result
	f, err := s.data.files.Create(ctx, project, nf, func(dir string) error {
		var err error
		res, err = export.ToDir(ctx, in, t, q, o, dir)
		return err
	})
	if err != nil {
		s.data.metrics.observe("export", string(o.Format), 0, 0, time.Since(start), err)
		return nil, err
	}
	s.data.metrics.observe("export", string(o.Format), res.Rows, f.Size, time.Since(start), nil)
	return &exportResponse{FileID: f.ID, FilePath: f.Path, RowsExported: res.Rows, FileSizeBytes: f.Size,
		Format: string(o.Format), IsSliced: f.Sliced, DurationMS: time.Since(start).Milliseconds()}, nil
}
