package admin

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

// Structured filters (DESIGN.md): never SQL text from the client. Each
// filter names a column of the table, checked against the catalog, and an
// operator from a closed list; values are bound as parameters and cast to
// the column's type by DuckDB. A list of filters is ANDed. Comparisons
// follow SQL: they never match NULL (use is_null).

// filter is one condition.
type filter struct {
	Column   string `json:"column" required:"true" doc:"a column of the table"`
	Operator string `json:"operator" required:"true" doc:"eq, ne, gt, ge, lt, le, in, not_in, is_null or not_null"`
	Values   []any  `json:"values" doc:"one value for eq..le, one or more for in and not_in, none for is_null and not_null; strings, numbers or booleans, cast to the column's type"`
}

var comparisons = map[string]string{"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}

// maxFilterValues bounds the values of one in or not_in filter.
const maxFilterValues = 10000

// parseFilters reads the URL-encoded JSON list of the filters query
// parameter ("" is no filter).
func parseFilters(s string) ([]filter, error) {
	if s == "" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var fs []filter
	if err := dec.Decode(&fs); err != nil {
		return nil, errBadRequest("invalid_filter", "filters must be a JSON list of {\"column\", \"operator\", \"values\"} objects: %v", err)
	}
	return fs, nil
}

// where renders filters as a condition on the table's columns, appending
// their values to args; "" when there is no filter.
func where(fs []filter, t *catalog.Table, args []any) (string, []any, error) {
	parts := make([]string, 0, len(fs))
	for i, f := range fs {
		cond, a, err := condition(f, t, args)
		if err != nil {
			return "", nil, err.with("filter", i)
		}
		args = a
		parts = append(parts, cond)
	}
	return strings.Join(parts, " AND "), args, nil
}

func condition(f filter, t *catalog.Table, args []any) (string, []any, *Error) {
	col := t.Column(f.Column)
	if col == nil {
		return "", nil, errBadRequest("column_not_found", "filter column %q is not a column of %s.%s", f.Column, t.Bucket, t.Name)
	}
	name := duck.QuoteIdent(col.Name)
	switch f.Operator {
	case "is_null", "not_null":
		if len(f.Values) > 0 {
			return "", nil, errBadRequest("invalid_filter", "operator %s takes no values", f.Operator)
		}
		if f.Operator == "is_null" {
			return name + " IS NULL", args, nil
		}
		return name + " IS NOT NULL", args, nil
	}
	// Values are cast to the column's type, which must be one of the
	// closed list: a type name from the file is never spliced otherwise.
	typ, err := engine.NormalizeType(col.Type)
	if err != nil {
		return "", nil, errBadRequest("invalid_filter", "columns of type %s cannot be filtered on", col.Type)
	}
	param := func(v any) (string, *Error) {
		s, err := filterValue(v)
		if err != nil {
			return "", err
		}
		args = append(args, s)
		return "CAST($" + strconv.Itoa(len(args)) + " AS " + typ + ")", nil
	}
	if op, ok := comparisons[f.Operator]; ok {
		if len(f.Values) != 1 {
			return "", nil, errBadRequest("invalid_filter", "operator %s takes exactly one value", f.Operator)
		}
		p, err := param(f.Values[0])
		if err != nil {
			return "", nil, err
		}
		return name + " " + op + " " + p, args, nil
	}
	if f.Operator != "in" && f.Operator != "not_in" {
		return "", nil, errBadRequest("invalid_filter", "unknown operator %q: use eq, ne, gt, ge, lt, le, in, not_in, is_null or not_null", f.Operator)
	}
	if len(f.Values) == 0 || len(f.Values) > maxFilterValues {
		return "", nil, errBadRequest("invalid_filter", "operator %s takes 1 to %d values", f.Operator, maxFilterValues)
	}
	ps := make([]string, len(f.Values))
	for i, v := range f.Values {
		p, err := param(v)
		if err != nil {
			return "", nil, err
		}
		ps[i] = p
	}
	op := " IN ("
	if f.Operator == "not_in" {
		op = " NOT IN ("
	}
	return name + op + strings.Join(ps, ", ") + ")", args, nil
}

// filterValue turns a JSON value into the text bound as a parameter.
func filterValue(v any) (string, *Error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case nil:
		return "", errBadRequest("invalid_filter", "null is no value: use the is_null or not_null operator")
	}
	return "", errBadRequest("invalid_filter", "filter values are strings, numbers or booleans")
}

// orderBy parses order_by=a:desc,b into an ORDER BY list of the table's
// columns. Without one, rows come in a stable order: by primary key, else
// by every column.
func orderBy(spec string, t *catalog.Table) (string, error) {
	var items []string
	if spec == "" {
		keys := t.PrimaryKey
		if len(keys) == 0 {
			for _, c := range t.Columns {
				keys = append(keys, c.Name)
			}
		}
		for _, k := range keys {
			items = append(items, duck.QuoteIdent(k))
		}
		return strings.Join(items, ", "), nil
	}
	for _, part := range strings.Split(spec, ",") {
		name, dir, _ := strings.Cut(strings.TrimSpace(part), ":")
		if t.Column(name) == nil {
			return "", errBadRequest("column_not_found", "order_by column %q is not a column of %s.%s", name, t.Bucket, t.Name)
		}
		switch strings.ToLower(dir) {
		case "", "asc":
			items = append(items, duck.QuoteIdent(name)+" ASC")
		case "desc":
			items = append(items, duck.QuoteIdent(name)+" DESC")
		default:
			return "", errBadRequest("invalid_order", "order_by direction %q: use asc or desc", dir)
		}
	}
	return strings.Join(items, ", "), nil
}
