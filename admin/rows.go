package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

type deleteRowsRequest struct {
	Filters     []filter `json:"filters" required:"true" doc:"conditions, ANDed; an empty list deletes every row"`
	WhereClause *string  `json:"where_clause" doc:"refused: SQL text is never accepted, use filters"`
}

type deleteRowsResponse struct {
	DeletedRows    int64 `json:"deleted_rows"`
	TableRowsAfter int64 `json:"table_rows_after" doc:"rows left in the table"`
}

// deleteRows is DELETE T/rows: the rows matching the structured filters.
func (s *Server) deleteRows(c *call) error {
	var req deleteRowsRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	if req.WhereClause != nil {
		return errBadRequest("raw_sql_refused", "where_clause is not accepted: give structured filters [{\"column\", \"operator\", \"values\"}]")
	}
	t, unlock, err := s.writeTable(c)
	if err != nil {
		return err
	}
	defer unlock()
	cond, args, err := where(req.Filters, t, nil)
	if err != nil {
		return err
	}
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	var resp deleteRowsResponse
	err = pinned(c.ctx(), in, t, func(conn *duck.Conn, alias string) (err error) {
		query := "DELETE FROM " + alias + ".data"
		if cond != "" {
			query += " WHERE " + cond
		}
		if resp.DeletedRows, err = conn.Exec(c.ctx(), query, args...); err != nil {
			return engine.Error(err)
		}
		resp.TableRowsAfter, err = scalarInt(c.ctx(), conn, "SELECT count(*) FROM "+alias+".data")
		return err
	})
	if err != nil {
		return err
	}
	if resp.DeletedRows > 0 {
		s.touched(c.ctx(), t)
	}
	return c.json(http.StatusOK, resp)
}

// touched records a data change in the table's updated_at.
func (s *Server) touched(ctx context.Context, t *catalog.Table) {
	t.UpdatedAt = time.Now().UTC()
	if err := s.cat.UpdateTable(context.WithoutCancel(ctx), t); err != nil {
		infoOf(ctx).log.Warn("record table change", "table", t.Bucket+"."+t.Name, "err", err)
	}
}
