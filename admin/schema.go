package admin

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

// Schema changes run under the table's write lock (through the branch:
// a dev branch changes its own copy). Most are ALTER TABLE statements in
// one transaction, after which the catalog takes the schema from the
// file. DuckDB can neither drop a constraint nor retype a key column, so
// dropping the primary key and retyping a key column rebuild the table
// into a new file that replaces the old one atomically.

type addColumnRequest struct {
	Name     string  `json:"name" required:"true" doc:"column name"`
	Type     string  `json:"type" required:"true" doc:"column type (see table creation)"`
	Nullable *bool   `json:"nullable" doc:"true when absent; a NOT NULL column needs a default when the table has rows"`
	Default  *string `json:"default" doc:"default value as text, cast to the type; existing rows get it"`
}

type alterColumnRequest struct {
	NewName    *string `json:"new_name" doc:"rename the column"`
	NewType    *string `json:"new_type" doc:"change the type; every value must cast"`
	SetNotNull *bool   `json:"set_not_null" doc:"true: SET NOT NULL (every value must be set); false: DROP NOT NULL"`
	SetDefault *string `json:"set_default" doc:"new default value as text; \"\" drops the default"`
}

type primaryKeyRequest struct {
	Columns []string `json:"columns" required:"true" doc:"columns of the primary key"`
}

// addColumn is POST T/columns.
func (s *Server) addColumn(c *call) error {
	var req addColumnRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	t, unlock, err := s.writeTable(c)
	if err != nil {
		return err
	}
	defer unlock()
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(t.Columns, func(o catalog.Column) bool { return strings.EqualFold(o.Name, req.Name) }) {
		return errConflict("column_exists", "column %q already exists", req.Name)
	}
	var col catalog.Column
	err = pinned(c.ctx(), in, t, func(conn *duck.Conn, _ string) (err error) {
		col, err = newColumn(c.ctx(), conn, req.Name, req.Type, true, req.Default)
		return err
	})
	if err != nil {
		return err
	}
	notNull := req.Nullable != nil && !*req.Nullable
	if notNull && col.Default == nil {
		n, err := s.rowCount(c.ctx(), in, t)
		if err != nil {
			return err
		}
		if n > 0 {
			return errConflict("not_null_violation", "table %s.%s has %d rows: a NOT NULL column needs a default", t.Bucket, t.Name, n)
		}
	}
	// DuckDB adds no column with a constraint: add it, then constrain it.
	// Each is its own statement: DuckDB 1.5 fails ADD COLUMN with a CAST
	// default inside an explicit transaction once the configuration is
	// locked. Under the write lock the rows cannot change in between, so
	// the constraint holds; were it refused, the column is dropped again.
	if err := s.alter(c.ctx(), in, t, "ADD COLUMN "+engine.ColumnDDL(col)); err != nil {
		return err
	}
	if notNull {
		if err := s.alter(c.ctx(), in, t, "ALTER COLUMN "+duck.QuoteIdent(col.Name)+" SET NOT NULL"); err != nil {
			if derr := s.alter(context.WithoutCancel(c.ctx()), in, t, "DROP COLUMN "+duck.QuoteIdent(col.Name)); derr != nil {
				c.log.Error("drop column after refused NOT NULL", "table", t.Bucket+"."+t.Name, "column", col.Name, "err", derr)
			}
			return err
		}
	}
	return c.json(http.StatusCreated, s.tableView(c.ctx(), in, t))
}

// alterColumn is PUT T/columns/{column_name}: rename, retype, set or drop
// NOT NULL and the default, in one change.
func (s *Server) alterColumn(c *call) error {
	var req alterColumnRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	if req.NewName == nil && req.NewType == nil && req.SetNotNull == nil && req.SetDefault == nil {
		return validationError([]any{"body"}, "give at least one of new_name, new_type, set_not_null, set_default", "missing")
	}
	t, unlock, err := s.writeTable(c)
	if err != nil {
		return err
	}
	defer unlock()
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	col, err := routeColumn(c, t)
	if err != nil {
		return err
	}
	next, err := s.alteredColumn(c, in, t, *col, req)
	if err != nil {
		return err
	}
	inPK := slices.Contains(t.PrimaryKey, col.Name)
	if inPK && req.NewType != nil {
		err = s.rebuildWith(c.ctx(), in, t, *col, next)
	} else {
		err = s.alter(c.ctx(), in, t, alterStatements(*col, next)...)
	}
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, s.tableView(c.ctx(), in, t))
}

// alteredColumn returns col as the request would leave it, checked.
func (s *Server) alteredColumn(c *call, in *engine.Instance, t *catalog.Table, col catalog.Column, req alterColumnRequest) (catalog.Column, error) {
	next := col
	if req.NewName != nil {
		if err := engine.ValidateName("column", *req.NewName); err != nil {
			return next, err
		}
		for _, o := range t.Columns {
			if o.Name != col.Name && strings.EqualFold(o.Name, *req.NewName) {
				return next, errConflict("column_exists", "column %q already exists", *req.NewName)
			}
		}
		next.Name = *req.NewName
	}
	if req.NewType != nil {
		typ, err := engine.NormalizeType(*req.NewType)
		if err != nil {
			return next, err
		}
		next.Type = typ
	}
	if req.SetNotNull != nil {
		if !*req.SetNotNull && slices.Contains(t.PrimaryKey, col.Name) {
			return next, errConflict("column_in_primary_key", "column %q is in the primary key, which is never null", col.Name)
		}
		next.Nullable = !*req.SetNotNull
	}
	if req.SetDefault != nil {
		next.Default = nil
		if *req.SetDefault != "" {
			err := pinned(c.ctx(), in, t, func(conn *duck.Conn, _ string) error {
				expr, err := engine.DefaultExpr(c.ctx(), conn, next.Type, *req.SetDefault)
				next.Default = &expr
				return err
			})
			if err != nil {
				return next, err
			}
		}
	}
	return next, nil
}

// alterStatements turns the change from col to next into ALTER TABLE
// clauses; the rename comes last so that the others name the old column.
func alterStatements(col, next catalog.Column) []string {
	q := "ALTER COLUMN " + duck.QuoteIdent(col.Name)
	var stmts []string
	if next.Type != col.Type {
		stmts = append(stmts, q+" TYPE "+next.Type)
	}
	switch {
	case next.Default == nil && col.Default != nil:
		stmts = append(stmts, q+" DROP DEFAULT")
	case next.Default != nil && (col.Default == nil || *next.Default != *col.Default):
		stmts = append(stmts, q+" SET DEFAULT "+*next.Default)
	}
	if next.Nullable != col.Nullable {
		if next.Nullable {
			stmts = append(stmts, q+" DROP NOT NULL")
		} else {
			stmts = append(stmts, q+" SET NOT NULL")
		}
	}
	if next.Name != col.Name {
		stmts = append(stmts, "RENAME COLUMN "+duck.QuoteIdent(col.Name)+" TO "+duck.QuoteIdent(next.Name))
	}
	return stmts
}

// rebuildWith rebuilds t with col replaced by next, casting its values.
func (s *Server) rebuildWith(ctx context.Context, in *engine.Instance, t *catalog.Table, col, next catalog.Column) error {
	cols := slices.Clone(t.Columns)
	exprs := make([]string, len(cols))
	for i, o := range cols {
		exprs[i] = duck.QuoteIdent(o.Name)
		if o.Name == col.Name {
			cols[i] = next
			exprs[i] = "CAST(" + exprs[i] + " AS " + next.Type + ")"
		}
	}
	pk := slices.Clone(t.PrimaryKey)
	for i, k := range pk {
		if k == col.Name {
			pk[i] = next.Name
		}
	}
	return s.rebuild(ctx, in, t, cols, pk, exprs)
}

// dropColumn is DELETE T/columns/{column_name}.
func (s *Server) dropColumn(c *call) error {
	t, unlock, err := s.writeTable(c)
	if err != nil {
		return err
	}
	defer unlock()
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	col, err := routeColumn(c, t)
	if err != nil {
		return err
	}
	if slices.Contains(t.PrimaryKey, col.Name) {
		return errConflict("column_in_primary_key", "column %q is in the primary key; drop the primary key first", col.Name)
	}
	if len(t.Columns) == 1 {
		return errBadRequest("last_column", "column %q is the table's only column; drop the table instead", col.Name)
	}
	if err := s.alter(c.ctx(), in, t, "DROP COLUMN "+duck.QuoteIdent(col.Name)); err != nil {
		return err
	}
	return c.json(http.StatusOK, s.tableView(c.ctx(), in, t))
}

// addPrimaryKey is POST T/primary-key: 409 if the table has one, or if
// its rows have NULL or duplicate keys.
func (s *Server) addPrimaryKey(c *call) error {
	var req primaryKeyRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	if len(req.Columns) == 0 {
		return validationError([]any{"body", "columns"}, "List should have at least 1 item", "too_short")
	}
	t, unlock, err := s.writeTable(c)
	if err != nil {
		return err
	}
	defer unlock()
	if len(t.PrimaryKey) > 0 {
		return errConflict("primary_key_exists", "table %s.%s already has a primary key (%s); drop it first", t.Bucket, t.Name, strings.Join(t.PrimaryKey, ", "))
	}
	keys := make([]string, len(req.Columns))
	for i, k := range req.Columns {
		if t.Column(k) == nil {
			return errBadRequest("column_not_found", "column %q is not a column of %s.%s", k, t.Bucket, t.Name)
		}
		if slices.Contains(req.Columns[:i], k) {
			return errBadRequest("invalid_primary_key", "column %q is twice in the primary key", k)
		}
		keys[i] = duck.QuoteIdent(k)
	}
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	if err := checkKeys(c.ctx(), in, t, keys); err != nil {
		return err
	}
	if err := s.alter(c.ctx(), in, t, "ADD PRIMARY KEY ("+strings.Join(keys, ", ")+")"); err != nil {
		return err
	}
	return c.json(http.StatusCreated, s.tableView(c.ctx(), in, t))
}

// checkKeys refuses a primary key that the rows break: NULLs in a key
// column, or two rows with one key.
func checkKeys(ctx context.Context, in *engine.Instance, t *catalog.Table, keys []string) error {
	return pinned(ctx, in, t, func(conn *duck.Conn, alias string) error {
		nulls, err := scalarInt(ctx, conn, "SELECT count(*) FROM "+alias+".data WHERE "+strings.Join(keys, " IS NULL OR ")+" IS NULL")
		if err != nil {
			return err
		}
		if nulls > 0 {
			return errConflict("primary_key_nulls", "%d rows have NULL in a key column", nulls).with("rows", nulls)
		}
		dups, err := scalarInt(ctx, conn, "SELECT count(*) FROM (SELECT 1 FROM "+alias+".data GROUP BY "+strings.Join(keys, ", ")+" HAVING count(*) > 1)")
		if err != nil {
			return err
		}
		if dups > 0 {
			return errConflict("duplicate_primary_key", "%d key values occur in more than one row", dups).with("duplicate_keys", dups)
		}
		return nil
	})
}

// dropPrimaryKey is DELETE T/primary-key. The key's columns stay NOT NULL
// (the file cannot tell an explicit NOT NULL from the key's).
func (s *Server) dropPrimaryKey(c *call) error {
	t, unlock, err := s.writeTable(c)
	if err != nil {
		return err
	}
	defer unlock()
	if len(t.PrimaryKey) == 0 {
		return errBadRequest("no_primary_key", "table %s.%s has no primary key", t.Bucket, t.Name)
	}
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	exprs := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		exprs[i] = duck.QuoteIdent(col.Name)
	}
	if err := s.rebuild(c.ctx(), in, t, t.Columns, nil, exprs); err != nil {
		return err
	}
	return c.json(http.StatusOK, s.tableView(c.ctx(), in, t))
}

// routeColumn returns the route's column of t (404 when it has none).
func routeColumn(c *call, t *catalog.Table) (*catalog.Column, error) {
	name := c.param("column_name")
	if err := engine.ValidateName("column", name); err != nil {
		return nil, err
	}
	col := t.Column(name)
	if col == nil {
		return nil, errNotFound("column", name)
	}
	return col, nil
}

// alter runs ALTER TABLE clauses on t's file (several in one
// transaction), then records the file's schema in the catalog (and t).
// Once the change committed, the catalog follows even if the client has
// gone.
func (s *Server) alter(ctx context.Context, in *engine.Instance, t *catalog.Table, clauses ...string) error {
	if len(clauses) == 0 {
		return nil
	}
	err := pinned(ctx, in, t, func(conn *duck.Conn, alias string) error {
		if len(clauses) == 1 {
			_, err := conn.Exec(ctx, "ALTER TABLE "+alias+".data "+clauses[0])
			return engine.Error(err)
		}
		if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
			return engine.Error(err)
		}
		for _, cl := range clauses {
			if _, err := conn.Exec(ctx, "ALTER TABLE "+alias+".data "+cl); err != nil {
				conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
				return engine.Error(err)
			}
		}
		_, err := conn.Exec(ctx, "COMMIT")
		return engine.Error(err)
	})
	if err != nil {
		return err
	}
	return in.RefreshSchema(context.WithoutCancel(ctx), t)
}

// rebuild replaces t's file with a new one holding cols and pk, filled
// from the old file by exprs (one per new column, over the old columns).
func (s *Server) rebuild(ctx context.Context, in *engine.Instance, t *catalog.Table, cols []catalog.Column, pk []string, exprs []string) error {
	return in.ReplaceTable(ctx, t, func(ctx context.Context, conn *duck.Conn, alias string) error {
		old, release, err := in.Pin(ctx, t)
		if err != nil {
			return err
		}
		// Released before ReplaceTable swaps the file, which waits for
		// every pin of it to go.
		defer release()
		if _, err := conn.Exec(ctx, engine.CreateTableSQL(alias, cols, pk)); err != nil {
			return err
		}
		_, err = conn.Exec(ctx, "INSERT INTO "+duck.QuoteIdent(alias)+".data SELECT "+strings.Join(exprs, ", ")+" FROM "+duck.QuoteIdent(old)+".data")
		return err
	})
}
