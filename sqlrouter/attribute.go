package sqlrouter

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/catalog"
)

// RowDescription names, for each result column read unchanged from a
// table, the table's OID and the column's number, which clients join with
// pg_attribute (pgjdbc's ResultSetMetaData, editors that update rows).

// firstUserOID is PostgreSQL's FirstNormalObjectId. A table's OID is it
// plus the table's catalog id: the scheme package pgcatalog gives pg_class,
// so the two agree.
const firstUserOID = 16384

func tableOID(t *catalog.Table) uint32 { return uint32(firstUserOID + t.ID) }

// attribution is a result column's source, if it is a table column.
type attribution struct {
	t   *catalog.Table
	num int16
}

// attributeFields sets TableOID and AttNum of the fields of a plain SELECT
// (no set operation) whose target list items are column references or
// stars over tables. Anything it cannot follow leaves the fields as they
// are (0), as PostgreSQL does for computed columns.
func attributeFields(q *pg_query.Node, refs []*tableRef, fields []Field) {
	sel := q.GetSelectStmt()
	if sel == nil || sel.Op != pg_query.SetOperation_SETOP_NONE || len(sel.TargetList) == 0 {
		return
	}
	byAlias := map[string]*catalog.Table{}
	for _, ref := range refs {
		for _, u := range ref.uses {
			if u.rv.Alias != nil {
				byAlias[u.rv.Alias.Aliasname] = ref.t
			}
		}
	}
	var from []*catalog.Table
	complete := true
	for _, item := range sel.FromClause {
		complete = fromTables(item, byAlias, &from) && complete
	}
	var out []attribution
	for _, item := range sel.TargetList {
		a, ok := targetAttribution(item.GetResTarget(), byAlias, from, complete)
		if !ok {
			return
		}
		out = append(out, a...)
	}
	if len(out) != len(fields) {
		return
	}
	for i, a := range out {
		if a.t != nil && a.num > 0 {
			fields[i].TableOID, fields[i].AttNum = tableOID(a.t), a.num
		}
	}
}

// fromTables appends the tables of a FROM item in the order * expands
// them; it reports false for anything else (subqueries, functions, joins
// that merge columns).
func fromTables(n *pg_query.Node, byAlias map[string]*catalog.Table, out *[]*catalog.Table) bool {
	switch x := n.Node.(type) {
	case *pg_query.Node_RangeVar:
		if x.RangeVar.Alias == nil || byAlias[x.RangeVar.Alias.Aliasname] == nil || len(x.RangeVar.Alias.Colnames) > 0 {
			return false
		}
		*out = append(*out, byAlias[x.RangeVar.Alias.Aliasname])
		return true
	case *pg_query.Node_JoinExpr:
		j := x.JoinExpr
		if j.IsNatural || len(j.UsingClause) > 0 || j.Alias != nil {
			return false
		}
		l := fromTables(j.Larg, byAlias, out)
		return fromTables(j.Rarg, byAlias, out) && l
	}
	return false
}

// targetAttribution follows one target list item: a column reference
// gives one column (or none when computed), a star all of its tables'.
// ok is false when the item's width is unknown (a star over a subquery).
func targetAttribution(rt *pg_query.ResTarget, byAlias map[string]*catalog.Table, from []*catalog.Table, complete bool) ([]attribution, bool) {
	cr := rt.GetVal().GetColumnRef()
	if cr == nil {
		return []attribution{{}}, true
	}
	f := cr.Fields
	star := f[len(f)-1].GetAStar() != nil
	var tables []*catalog.Table
	switch {
	case len(f) == 2:
		if t := byAlias[f[0].GetString_().GetSval()]; t != nil {
			tables = []*catalog.Table{t}
		}
	case len(f) == 1 && complete:
		tables = from
	}
	if star {
		if len(tables) == 0 || (len(f) == 1 && !complete) {
			return nil, false
		}
		var out []attribution
		for _, t := range tables {
			for i := range t.Columns {
				out = append(out, attribution{t, int16(i + 1)})
			}
		}
		return out, true
	}
	name := f[len(f)-1].GetString_().GetSval()
	var found attribution
	for _, t := range tables {
		for i, c := range t.Columns {
			if c.Name == name {
				if found.t != nil {
					return []attribution{{}}, true // ambiguous: DuckDB will say so
				}
				found = attribution{t, int16(i + 1)}
			}
		}
	}
	return []attribution{found}, true
}
