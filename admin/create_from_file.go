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
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/engine/load"
)

// keyList is a primary key given as a list of columns or, as Keboola
// sends it, one comma-separated string.
type keyList []string

func (k *keyList) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*k = list
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errBadRequest("invalid_primary_key", "primary_key is a list of column names or a comma-separated string")
	}
	*k = nil
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*k = append(*k, p)
		}
	}
	return nil
}

// tableFromFileRequest is Keboola's tables-async: a new table named name
// whose columns come from the file, loaded with it.
type tableFromFileRequest struct {
	Name        string  `json:"name" required:"true" doc:"the new table's name"`
	PrimaryKey  keyList `json:"primary_key" doc:"columns of the primary key (a list, or a comma-separated string)"`
	KPrimaryKey keyList `json:"primaryKey" doc:"Keboola's spelling of primary_key"`
	importFileRequest
}

type tableFromFileResponse struct {
	Table  tableResponse  `json:"table"`
	Import importResponse `json:"import"`
}

// createTableFromFile is POST K/tables-async: creates a table with the
// columns of a file (a CSV's header as VARCHAR columns, a Parquet file's
// names and types) and loads the file into it. The table appears with its
// rows or not at all.
func (s *Server) createTableFromFile(c *call) error {
	var req tableFromFileRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	b, err := s.routeBucket(c)
	if err != nil {
		return err
	}
	if err := engine.ValidateName("table", req.Name); err != nil {
		return err
	}
	if _, err := s.eng.Table(c.ctx(), c.project.ID, c.branch, b.Name, req.Name); err == nil {
		return errConflict("table_exists", "table %q already exists in bucket %q", req.Name, b.Name)
	}
	src, err := s.importSource(c.ctx(), c.project.ID, &req.importFileRequest)
	if err != nil {
		return err
	}
	opts, err := req.loadOptions()
	if err != nil {
		return err
	}
	opts.Mode, opts.Columns = load.Incremental, nil
	pk := req.PrimaryKey
	if pk == nil {
		pk = req.KPrimaryKey
	}
	project, branch := c.project.ID, c.branch
	w := &work{operation: "tableCreate", bucket: b.Name, table: req.Name, params: req}
	w.fn = func(ctx context.Context, progress func(catalog.JobProgress)) (any, error) {
		opts.Progress = func(p load.Progress) { progress(catalog.JobProgress(p)) }
		return s.createFromFile(ctx, project, branch, b.Name, req.Name, pk, src, opts)
	}
	return s.run(c, w, http.StatusCreated)
}

// createFromFile reads the file's columns, then builds the table's file
// with the rows and records it (engine.Instance.CreateTable).
func (s *Server) createFromFile(ctx context.Context, project, branch, bucket, name string, pk []string, src load.Source, opts load.Options) (*tableFromFileResponse, error) {
	start := time.Now()
	in, err := s.eng.Instance(ctx, project)
	if err != nil {
		return nil, err
	}
	cols, err := load.Columns(ctx, in, src)
	if err != nil {
		return nil, loadError(err)
	}
	if err := checkNewColumns(cols, pk); err != nil {
		return nil, err
	}
	path, err := in.TablePath(branch, bucket, name)
	if err != nil {
		return nil, err
	}
	t := &catalog.Table{ProjectID: project, BranchID: branch, Bucket: bucket, Name: name, Path: path, Columns: cols, PrimaryKey: pk}
	var res *load.Result
	err = in.CreateTable(ctx, t, func(ctx context.Context, _ *duck.Conn, alias string) error {
		conn, release, err := in.LoaderConn()
		if err != nil {
			return err
		}
		defer release()
		if _, err := conn.Exec(ctx, engine.CreateTableSQL(alias, cols, pk)); err != nil {
			return err
		}
		res, err = load.Append(ctx, in, conn, alias, t, src, opts)
		return err
	})
	if err != nil {
		s.data.metrics.observe("import", string(src.Format), 0, 0, time.Since(start), err)
		if errors.Is(err, catalog.ErrExists) {
			return nil, errConflict("table_exists", "table %q already exists in bucket %q", name, bucket)
		}
		return nil, loadError(err)
	}
	s.data.metrics.observe("import", string(src.Format), res.ImportedRows, res.Bytes, time.Since(start), nil)
	out := &tableFromFileResponse{Table: s.tableView(ctx, in, t), Import: *importView(s.eng, project, branch, bucket, name, res)}
	return out, nil
}

// checkNewColumns checks the names a file gives a new table and its
// primary key; key columns become NOT NULL.
func checkNewColumns(cols []catalog.Column, pk []string) error {
	seen := map[string]bool{}
	for _, c := range cols {
		if err := engine.ValidateName("column", c.Name); err != nil {
			return err
		}
		if seen[strings.ToLower(c.Name)] {
			return errBadRequest("duplicate_column", "the file names column %q twice", c.Name)
		}
		seen[strings.ToLower(c.Name)] = true
	}
	for _, k := range pk {
		found := false
		for i := range cols {
			if cols[i].Name == k {
				cols[i].Nullable, found = false, true
			}
		}
		if !found {
			return errBadRequest("column_not_found", "primary key column %q is not a column of the file", k)
		}
	}
	return nil
}
