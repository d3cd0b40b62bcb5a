package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

type previewResponse struct {
	Columns         []columnInfo     `json:"columns" doc:"the columns returned, in order"`
	Rows            []map[string]any `json:"rows" doc:"one object per row, keyed by column name"`
	TotalRowCount   int64            `json:"total_row_count" doc:"rows of the whole table"`
	PreviewRowCount int              `json:"preview_row_count" doc:"rows returned"`
}

// previewTable is GET T/preview: up to limit rows (1..10000, default
// 1000) of the chosen columns, filtered and ordered (see filters.go).
func (s *Server) previewTable(c *call) error {
	t, err := s.routeTable(c)
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	limit, err := queryInt(c.r, "limit", 1000, 1, 10000)
	if err != nil {
		return err
	}
	cols, err := selectColumns(q["columns"], t)
	if err != nil {
		return err
	}
	fs, err := parseFilters(q.Get("filters"))
	if err != nil {
		return err
	}
	cond, args, err := where(fs, t, nil)
	if err != nil {
		return err
	}
	order, err := orderBy(q.Get("order_by"), t)
	if err != nil {
		return err
	}
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	resp := previewResponse{Columns: columnInfos(cols), Rows: []map[string]any{}}
	err = pinned(c.ctx(), in, t, func(conn *duck.Conn, alias string) error {
		names := make([]string, len(cols))
		for i, col := range cols {
			names[i] = duck.QuoteIdent(col.Name)
		}
		query := "SELECT " + strings.Join(names, ", ") + " FROM " + alias + ".data"
		if cond != "" {
			query += " WHERE " + cond
		}
		query += " ORDER BY " + order + " LIMIT " + strconv.Itoa(limit)
		var qerr error
		if resp.Rows, qerr = readRows(c, conn, cols, query, args); qerr != nil {
			return qerr
		}
		resp.TotalRowCount, qerr = scalarInt(c.ctx(), conn, "SELECT count(*) FROM "+alias+".data")
		return qerr
	})
	if err != nil {
		return err
	}
	resp.PreviewRowCount = len(resp.Rows)
	return c.json(http.StatusOK, resp)
}

// selectColumns returns the table's columns named in columns=a,b (all
// when absent), in the order asked.
func selectColumns(params []string, t *catalog.Table) ([]catalog.Column, error) {
	var names []string
	for _, p := range params {
		for _, n := range strings.Split(p, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return t.Columns, nil
	}
	cols := make([]catalog.Column, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		col := t.Column(n)
		if col == nil {
			return nil, errBadRequest("column_not_found", "column %q is not a column of %s.%s", n, t.Bucket, t.Name)
		}
		if seen[n] {
			return nil, errBadRequest("duplicate_column", "column %q is asked for twice", n)
		}
		seen[n] = true
		cols = append(cols, *col)
	}
	return cols, nil
}

// readRows runs query and returns its rows as objects keyed by column.
func readRows(c *call, conn *duck.Conn, cols []catalog.Column, query string, args []any) ([]map[string]any, error) {
	rows, err := conn.Query(c.ctx(), query, args...)
	if err != nil {
		return nil, engine.Error(err)
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		rec := rows.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make(map[string]any, len(cols))
			for j, col := range cols {
				row[col.Name] = engine.ValueAt(rec.Column(j), i)
			}
			out = append(out, row)
		}
	}
	return out, engine.Error(rows.Err())
}
