package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

type columnDefinition struct {
	Name     string  `json:"name" required:"true" doc:"column name (no '/', '\\\\', NUL or leading dot)"`
	Type     string  `json:"type" required:"true" doc:"VARCHAR, BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, HUGEINT, UTINYINT, USMALLINT, UINTEGER, UBIGINT, UHUGEINT, FLOAT, DOUBLE, DECIMAL(p,s), DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, UUID, JSON or BLOB, or a PostgreSQL spelling of one (int4, text, numeric(p,s), timestamp with time zone...)"`
	Nullable *bool   `json:"nullable" doc:"whether the column takes NULL; true when absent (primary key columns never do)"`
	Default  *string `json:"default" doc:"default value as text, cast to the column's type (a literal, never an expression)"`
}

type tableCreateRequest struct {
	Name       string             `json:"name" required:"true" doc:"table name (no '/', '\\\\', NUL or leading dot)"`
	Columns    []columnDefinition `json:"columns" required:"true" doc:"at least one column"`
	PrimaryKey []string           `json:"primary_key" doc:"columns of the primary key"`
}

type columnInfo struct {
	Name            string  `json:"name"`
	Type            string  `json:"type" doc:"DuckDB type"`
	Nullable        bool    `json:"nullable"`
	Default         *string `json:"default" doc:"default expression as DuckDB stores it, or null"`
	OrdinalPosition int     `json:"ordinal_position" doc:"1-based"`
}

type tableResponse struct {
	Name       string       `json:"name"`
	Bucket     string       `json:"bucket"`
	Columns    []columnInfo `json:"columns"`
	RowCount   int64        `json:"row_count"`
	SizeBytes  int64        `json:"size_bytes" doc:"bytes of the table's file and WAL on disk"`
	PrimaryKey []string     `json:"primary_key"`
	CreatedAt  string       `json:"created_at"`
	UpdatedAt  string       `json:"updated_at" doc:"last schema or data change made through the admin API"`
	Source     string       `json:"source" doc:"main, or branch when the branch has its own copy"`
}

type tableListResponse struct {
	Tables []tableResponse `json:"tables"`
	Total  int             `json:"total"`
}

// maxColumns is PostgreSQL's limit, which clients expect.
const maxColumns = 1600

// createTable is POST K/tables: typed columns, nullability, literal
// defaults and a primary key. In a dev branch the table is the branch's.
func (s *Server) createTable(c *call) error {
	var req tableCreateRequest
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
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	cols, err := s.columnsOf(c.ctx(), in, req)
	if err != nil {
		return err
	}
	path, err := in.TablePath(c.branch, b.Name, req.Name)
	if err != nil {
		return err
	}
	t := &catalog.Table{ProjectID: c.project.ID, BranchID: c.branch, Bucket: b.Name, Name: req.Name, Path: path}
	err = in.CreateTable(c.ctx(), t, func(ctx context.Context, conn *duck.Conn, alias string) error {
		_, err := conn.Exec(ctx, engine.CreateTableSQL(alias, cols, req.PrimaryKey))
		return err
	})
	if err != nil {
		return err
	}
	return c.json(http.StatusCreated, s.tableView(c.ctx(), in, t))
}

// columnsOf checks a create request's columns and primary key and returns
// the columns with canonical types and typed literal defaults.
func (s *Server) columnsOf(ctx context.Context, in *engine.Instance, req tableCreateRequest) ([]catalog.Column, error) {
	if len(req.Columns) == 0 || len(req.Columns) > maxColumns {
		return nil, validationError([]any{"body", "columns"}, fmt.Sprintf("a table has 1 to %d columns", maxColumns), "too_short")
	}
	inPK := map[string]bool{}
	for _, k := range req.PrimaryKey {
		if inPK[k] {
			return nil, errBadRequest("invalid_primary_key", "column %q is twice in the primary key", k)
		}
		inPK[k] = true
	}
	conn, err := in.Conn()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	cols := make([]catalog.Column, 0, len(req.Columns))
	for i, d := range req.Columns {
		if d.Type == "" {
			return nil, validationError([]any{"body", "columns", i, "type"}, "Field required", "missing")
		}
		nullable := d.Nullable == nil || *d.Nullable
		col, err := newColumn(ctx, conn, d.Name, d.Type, nullable && !inPK[d.Name], d.Default)
		if err != nil {
			return nil, err
		}
		for _, o := range cols {
			if strings.EqualFold(o.Name, col.Name) {
				return nil, errBadRequest("duplicate_column", "column %q is defined twice", d.Name)
			}
		}
		cols = append(cols, col)
	}
	for _, k := range req.PrimaryKey {
		if !hasColumn(cols, k) {
			return nil, errBadRequest("column_not_found", "primary key column %q is not a column of the table", k)
		}
	}
	return cols, nil
}

// newColumn validates one column given by a client: its name, its type
// against the closed list, and its default as a literal of that type.
func newColumn(ctx context.Context, conn *duck.Conn, name, typ string, nullable bool, def *string) (catalog.Column, error) {
	if err := engine.ValidateName("column", name); err != nil {
		return catalog.Column{}, err
	}
	canon, err := engine.NormalizeType(typ)
	if err != nil {
		return catalog.Column{}, err
	}
	col := catalog.Column{Name: name, Type: canon, Nullable: nullable}
	if def != nil {
		expr, err := engine.DefaultExpr(ctx, conn, canon, *def)
		if err != nil {
			return catalog.Column{}, err
		}
		col.Default = &expr
	}
	return col, nil
}

func hasColumn(cols []catalog.Column, name string) bool {
	for _, c := range cols {
		if c.Name == name {
			return true
		}
	}
	return false
}

// listTables is GET K/tables: the tables the branch sees in the bucket.
func (s *Server) listTables(c *call) error {
	b, err := s.routeBucket(c)
	if err != nil {
		return err
	}
	tables, err := s.eng.Tables(c.ctx(), c.project.ID, c.branch, b.Name)
	if err != nil {
		return err
	}
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	resp := tableListResponse{Tables: []tableResponse{}, Total: len(tables)}
	for _, t := range tables {
		resp.Tables = append(resp.Tables, s.tableView(c.ctx(), in, t))
	}
	return c.json(http.StatusOK, resp)
}

// getTable is GET T.
func (s *Server) getTable(c *call) error {
	t, err := s.routeTable(c)
	if err != nil {
		return err
	}
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, s.tableView(c.ctx(), in, t))
}

// deleteTable is DELETE T. A dev branch drops only its own tables and
// copies (after which it reads main's table again).
func (s *Server) deleteTable(c *call) error {
	t, err := s.routeTable(c)
	if err != nil {
		return err
	}
	if t.BranchID != c.branch {
		return errConflict("table_in_main", "table %s.%s belongs to the main branch; a dev branch drops only its own copies", t.Bucket, t.Name)
	}
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	if err := s.dropTable(c, in, t); errors.Is(err, catalog.ErrNotFound) {
		return errNotFound("table", t.Name)
	} else if err != nil {
		return err
	}
	return c.noContent()
}

// dropTable drops t under its write lock.
func (s *Server) dropTable(c *call, in *engine.Instance, t *catalog.Table) error {
	unlock, err := s.eng.LockTable(c.ctx(), t, c)
	if err != nil {
		return err
	}
	defer unlock()
	// It may have gone while we waited.
	cur, err := s.cat.TableByID(c.ctx(), t.ID)
	if err != nil {
		return err
	}
	return in.DropTable(c.ctx(), cur)
}

// routeTable returns the route's table as the branch reads it: its copy,
// else main's.
func (s *Server) routeTable(c *call) (*catalog.Table, error) {
	b, err := s.routeBucket(c)
	if err != nil {
		return nil, err
	}
	name := c.param("table_name")
	if err := engine.ValidateName("table", name); err != nil {
		return nil, err
	}
	t, err := s.eng.Table(c.ctx(), c.project.ID, c.branch, b.Name, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, errNotFound("table", name)
	}
	return t, err
}

// writeTable resolves the route's table for a write through the branch
// and holds its write lock until unlock: in a dev branch the first write
// copies main's file into the branch.
func (s *Server) writeTable(c *call) (t *catalog.Table, unlock func(), err error) {
	if _, err := s.routeTable(c); err != nil {
		return nil, nil, err
	}
	name := c.param("table_name")
	t, unlock, err = s.eng.TableForWrite(c.ctx(), c.project.ID, c.branch, c.param("bucket_name"), name, c)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, nil, errNotFound("table", name)
	}
	return t, unlock, err
}

func (s *Server) tableView(ctx context.Context, in *engine.Instance, t *catalog.Table) tableResponse {
	r := tableResponse{
		Name: t.Name, Bucket: t.Bucket, Columns: columnInfos(t.Columns), SizeBytes: in.FileSize(t),
		PrimaryKey: t.PrimaryKey, CreatedAt: isoTime(t.CreatedAt), UpdatedAt: isoTime(t.UpdatedAt), Source: source(t.BranchID),
	}
	if r.PrimaryKey == nil {
		r.PrimaryKey = []string{}
	}
	n, err := s.rowCount(ctx, in, t)
	if err != nil {
		infoOf(ctx).log.Warn("count table rows", "table", t.Bucket+"."+t.Name, "err", err)
	}
	r.RowCount = n
	return r
}

func columnInfos(cols []catalog.Column) []columnInfo {
	out := make([]columnInfo, len(cols))
	for i, c := range cols {
		out[i] = columnInfo{Name: c.Name, Type: c.Type, Nullable: c.Nullable, Default: c.Default, OrdinalPosition: i + 1}
	}
	return out
}

// pinned runs fn with t's file attached (as alias) and a connection of
// its project's instance.
func pinned(ctx context.Context, in *engine.Instance, t *catalog.Table, fn func(conn *duck.Conn, alias string) error) error {
	alias, release, err := in.Pin(ctx, t)
	if err != nil {
		return err
	}
	defer release()
	conn, err := in.Conn()
	if err != nil {
		return err
	}
	defer conn.Close()
	return fn(conn, duck.QuoteIdent(alias))
}

func (s *Server) rowCount(ctx context.Context, in *engine.Instance, t *catalog.Table) (n int64, err error) {
	err = pinned(ctx, in, t, func(conn *duck.Conn, alias string) error {
		n, err = scalarInt(ctx, conn, "SELECT count(*) FROM "+alias+".data")
		return err
	})
	return n, err
}

// scalarInt runs a query answering one integer.
func scalarInt(ctx context.Context, conn *duck.Conn, query string, args ...any) (int64, error) {
	rows, err := conn.Query(ctx, query, args...)
	if err != nil {
		return 0, engine.Error(err)
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, engine.Error(rows.Err())
	}
	switch v := engine.ValueAt(rows.Record().Column(0), 0).(type) {
	case int64:
		return v, nil
	case uint64:
		return int64(v), nil
	}
	return 0, fmt.Errorf("admin: %q answered no integer", query)
}
