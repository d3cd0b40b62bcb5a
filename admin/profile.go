package admin

import (
	"net/http"
	"strings"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

type columnStatistics struct {
	ColumnName     string   `json:"column_name"`
	ColumnType     string   `json:"column_type"`
	Count          int64    `json:"count" doc:"non-null values"`
	NullCount      int64    `json:"null_count"`
	NullPercentage float64  `json:"null_percentage" doc:"0 to 100"`
	DistinctCount  int64    `json:"distinct_count" doc:"distinct non-null values (exact)"`
	ApproxUnique   int64    `json:"approx_unique" doc:"the same as distinct_count, under the Python service's name"`
	Min            any      `json:"min" doc:"null for types without an order known to the API"`
	Max            any      `json:"max"`
	Mean           *float64 `json:"mean" doc:"numeric columns only"`
	Stddev         *float64 `json:"stddev" doc:"sample standard deviation, numeric columns only"`
	Avg            *float64 `json:"avg" doc:"the same as mean, under the Python service's name"`
	Std            *float64 `json:"std" doc:"the same as stddev, under the Python service's name"`
}

type profileResponse struct {
	TableName   string             `json:"table_name"`
	BucketName  string             `json:"bucket_name"`
	RowCount    int64              `json:"row_count"`
	ColumnCount int                `json:"column_count"`
	Statistics  []columnStatistics `json:"statistics" doc:"one entry per column, in column order"`
}

// aggregates computed per column, in the order the profile query lists
// them: count, distinct count, min, max, mean, stddev.
const aggregates = 6

// profileTable is POST T/profile (a read: read_only keys may call it):
// per column, null and distinct counts, min and max, and for numbers mean
// and standard deviation, all from one scan.
func (s *Server) profileTable(c *call) error {
	t, err := s.routeTable(c)
	if err != nil {
		return err
	}
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	resp := profileResponse{TableName: t.Name, BucketName: t.Bucket, ColumnCount: len(t.Columns), Statistics: []columnStatistics{}}
	err = pinned(c.ctx(), in, t, func(conn *duck.Conn, alias string) error {
		rows, err := conn.Query(c.ctx(), profileQuery(t.Columns, alias))
		if err != nil {
			return engine.Error(err)
		}
		defer rows.Close()
		if !rows.Next() {
			return engine.Error(rows.Err())
		}
		rec := rows.Record()
		value := func(i int) any { return engine.ValueAt(rec.Column(i), 0) }
		resp.RowCount = asInt(value(0))
		for i, col := range t.Columns {
			resp.Statistics = append(resp.Statistics, columnStats(col, resp.RowCount, value, 1+i*aggregates))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, resp)
}

// profileQuery computes count(*), then the aggregates of each column.
// min and max only for types of the closed list (their order is known),
// mean and deviation only for numbers.
func profileQuery(cols []catalog.Column, alias string) string {
	exprs := []string{"count(*)"}
	for _, col := range cols {
		q := duck.QuoteIdent(col.Name)
		typ, err := engine.NormalizeType(col.Type)
		minMax := []string{"NULL", "NULL"}
		if err == nil {
			minMax = []string{"min(" + q + ")", "max(" + q + ")"}
		}
		stats := []string{"NULL", "NULL"}
		if err == nil && isNumeric(typ) {
			stats = []string{"avg(" + q + ")", "stddev_samp(CAST(" + q + " AS DOUBLE))"}
		}
		exprs = append(exprs, "count("+q+")", "count(DISTINCT "+q+")", minMax[0], minMax[1], stats[0], stats[1])
	}
	return "SELECT " + strings.Join(exprs, ", ") + " FROM " + alias + ".data"
}

// columnStats reads one column's aggregates, starting at result column
// base.
func columnStats(col catalog.Column, rowCount int64, value func(int) any, base int) columnStatistics {
	st := columnStatistics{ColumnName: col.Name, ColumnType: col.Type,
		Count: asInt(value(base)), DistinctCount: asInt(value(base + 1)),
		Min: value(base + 2), Max: value(base + 3), Mean: asFloat(value(base + 4)), Stddev: asFloat(value(base + 5))}
	st.NullCount = rowCount - st.Count
	if rowCount > 0 {
		st.NullPercentage = 100 * float64(st.NullCount) / float64(rowCount)
	}
	st.ApproxUnique, st.Avg, st.Std = st.DistinctCount, st.Mean, st.Stddev
	return st
}

func isNumeric(canonical string) bool {
	switch canonical {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
		"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE":
		return true
	}
	return strings.HasPrefix(canonical, "DECIMAL")
}

func asInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case uint64:
		return int64(n)
	}
	return 0
}

// asFloat reads a mean or deviation; NaN and infinities (which JSON
// cannot hold) and NULL read as null.
func asFloat(v any) *float64 {
	if f, ok := v.(float64); ok {
		return &f
	}
	return nil
}
