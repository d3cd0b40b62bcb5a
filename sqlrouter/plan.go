package sqlrouter

import (
	"context"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

// makePlan rewrites the statement for DuckDB and prepares it. Its pins
// (and, when lock is set or a transaction is open, its write locks) go to
// h. lock is set when the plan is made to run now.
func (st *stmt) makePlan(ctx context.Context, h *holds, lock bool) (*plan, error) {
	s := st.s
	node := proto.Clone(st.node).(*pg_query.Node)
	q := queryOf(node)
	s.text = st.query
	pl, err := s.rewrite(ctx, h, q, st.cls.tag, lock || s.inTx())
	if err != nil {
		return nil, err
	}
	ds, err := pl.prepare(s)
	if err != nil {
		pl.cat.release()
		return nil, locateColumn(clientError(ctx, err, pl.names), st.query, pl.colRefs)
	}
	if sql, ok := arrowSafe(pl.sql, q, ds.Columns()); ok {
		ds.Close()
		pl.sql = sql
		if ds, err = pl.prepare(s); err != nil {
			pl.cat.release()
			return nil, clientError(ctx, err, pl.names)
		}
	}
	pl.ds = ds
	if pl.rows {
		cols := ds.Columns()
		pl.fields = fieldsOf(cols)
		attributeFields(q, pl.refs, pl.fields)
		if pl.cat != nil {
			catalogFieldTypes(q, pl.cat.slot.alias, pl.fields, cols)
		}
	}
	n := ds.NumParams()
	pl.params = make([]uint32, n)
	pl.paramTypes = make([]duck.Type, n)
	for i := 0; i < n; i++ {
		t := ds.ParamType(i + 1)
		pl.paramTypes[i] = t
		if t.ID != duck.TypeInvalid {
			pl.params[i] = engine.PGTypeOf(t).OID
		}
	}
	return pl, nil
}

// arrowSafe rewrites a SELECT whose result has columns DuckDB's Arrow
// export would get wrong: UHUGEINT values of 2^127 and more arrive as
// negative decimal128 (cast to BIGNUM, which wire sends as numeric), and
// TIMETZ loses its offset (cast to VARCHAR: PostgreSQL's own text form,
// sent as text). It reports false when nothing needs it, the common case.
// The columns are renamed positionally, so duplicate names survive.
func arrowSafe(sql string, q *pg_query.Node, cols []duck.Column) (string, bool) {
	if q.GetSelectStmt() == nil {
		return "", false
	}
	need := false
	for _, c := range cols {
		need = need || c.Type.ID == duck.TypeUHugeInt || c.Type.ID == duck.TypeTimeTZ
	}
	if !need {
		return "", false
	}
	inner := make([]string, len(cols))
	outer := make([]string, len(cols))
	for i, c := range cols {
		inner[i] = "c" + itoa(i+1)
		outer[i] = inner[i]
		switch c.Type.ID {
		case duck.TypeUHugeInt:
			outer[i] = "CAST(" + inner[i] + " AS BIGNUM)"
		case duck.TypeTimeTZ:
			outer[i] = "CAST(" + inner[i] + " AS VARCHAR)"
		}
		outer[i] += " AS " + duck.QuoteIdent(c.Name)
	}
	return "SELECT " + strings.Join(outer, ", ") + " FROM (" + sql + ") AS duckstore_q(" + strings.Join(inner, ", ") + ")", true
}

// queryOf returns the part of a statement DuckDB runs: the statement
// itself, or for COPY ... TO STDOUT the query it copies.
func queryOf(n *pg_query.Node) *pg_query.Node {
	c := n.GetCopyStmt()
	if c == nil {
		return n
	}
	if c.Query != nil {
		return c.Query
	}
	sel := &pg_query.SelectStmt{FromClause: []*pg_query.Node{{Node: &pg_query.Node_RangeVar{RangeVar: c.Relation}}}}
	if len(c.Attlist) == 0 {
		sel.TargetList = []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{
			Val: pg_query.MakeColumnRefNode([]*pg_query.Node{pg_query.MakeAStarNode()}, -1)}}}}
	}
	for _, a := range c.Attlist {
		sel.TargetList = append(sel.TargetList, &pg_query.Node{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{
			Val: pg_query.MakeColumnRefNode([]*pg_query.Node{pg_query.MakeStrNode(a.GetString_().GetSval())}, -1)}}})
	}
	return &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}}
}

// rewrite resolves, locks (when lock is set) and pins the tables of q and
// writes it as DuckDB SQL. It does not prepare it.
func (s *Session) rewrite(ctx context.Context, h *holds, q *pg_query.Node, what string, lock bool) (_ *plan, err error) {
	res := s.newResolver(ctx)
	w := s.newRewriter(ctx, res)
	defer func() {
		if err != nil {
			w.cat.release()
		}
	}()
	pl := &plan{gen: s.r.cat.Generation(s.project), searchPath: s.mustSetting("search_path"), rows: returnsRows(q)}
	if rv := writeTarget(q); rv != nil {
		t, err := s.writeTable(ctx, h, res, rv, what, lock)
		if err != nil {
			return nil, err
		}
		w.target, w.targetTable = rv, t
	}
	nameResult(q)
	seriesTargets(q)
	if s.r.cfg.SystemCatalog != nil {
		nameOutputs(q)
	}
	if err := w.walk(q); err != nil {
		return nil, err
	}
	if w.cat != nil {
		catalogPass(q)
	}
	if w.locking {
		if err := s.checkWritable("SELECT FOR UPDATE"); err != nil {
			return nil, err
		}
		if lock {
			for _, ref := range w.refs {
				t, err := s.lockTable(ctx, h, ref.t.Bucket, ref.t.Name)
				if err != nil {
					return nil, err
				}
				ref.t = t
			}
		}
	}
	pl.names = aliasNames{}
	if w.targetTable != nil {
		pl.names[targetAlias] = displayName(w.targetTable)
	}
	for _, ref := range w.refs {
		alias, err := s.pin(ctx, h, ref.t)
		if err != nil {
			return nil, err
		}
		ref.alias = alias
		pl.names[alias] = displayName(ref.t)
	}
	w.finish()
	sql, err := deparse(q)
	if err != nil {
		return nil, err
	}
	pl.sql, pl.refs, pl.locking, pl.effects = sql, w.refs, w.locking, w.effects
	pl.cat, pl.colRefs = w.cat, w.colRefs
	if w.cat != nil && w.cat.locked && len(w.refs) == 0 && w.target == nil && !w.locking {
		w.cat.own = true
	}
	if w.targetTable != nil {
		pl.target = w.byID[w.targetTable.ID]
	}
	if w.usesSettings {
		pl.settingsVer = s.gucs.ver
	}
	return pl, nil
}

// writeTable resolves the table a write statement writes; with lock, it
// takes its write lock (copying it into a dev branch on the branch's
// first write).
func (s *Session) writeTable(ctx context.Context, h *holds, res *resolver, rv *pg_query.RangeVar, what string, lock bool) (*catalog.Table, error) {
	if err := s.checkWritable(what); err != nil {
		return nil, err
	}
	if rv.Catalogname != "" && !s.isOwnDatabase(rv.Catalogname) {
		return nil, crossDatabase(rangeVarName(rv))
	}
	if rv.Schemaname == "pg_catalog" || rv.Schemaname == "information_schema" {
		return nil, denied("permission denied for relation %s", rangeVarName(rv))
	}
	t, err := res.table(rv.Schemaname, rv.Relname)
	if err != nil || !lock {
		return t, err
	}
	return s.lockForWrite(ctx, h, t.Bucket, t.Name, what)
}

// writeTarget returns the table a data-modifying statement writes.
func writeTarget(n *pg_query.Node) *pg_query.RangeVar {
	switch x := n.Node.(type) {
	case *pg_query.Node_InsertStmt:
		return x.InsertStmt.Relation
	case *pg_query.Node_UpdateStmt:
		return x.UpdateStmt.Relation
	case *pg_query.Node_DeleteStmt:
		return x.DeleteStmt.Relation
	case *pg_query.Node_MergeStmt:
		return x.MergeStmt.Relation
	}
	return nil
}

// returnsRows reports whether a statement sends rows.
func returnsRows(n *pg_query.Node) bool {
	switch x := n.Node.(type) {
	case *pg_query.Node_SelectStmt:
		return true
	case *pg_query.Node_InsertStmt:
		return len(x.InsertStmt.ReturningList) > 0
	case *pg_query.Node_UpdateStmt:
		return len(x.UpdateStmt.ReturningList) > 0
	case *pg_query.Node_DeleteStmt:
		return len(x.DeleteStmt.ReturningList) > 0
	case *pg_query.Node_MergeStmt:
		return len(x.MergeStmt.ReturningList) > 0
	}
	return false
}

// nameResult gives the statement's result columns PostgreSQL's names. A
// bare VALUES becomes SELECT * FROM (VALUES ...) "*VALUES*"(column1, ...)
// for the same reason.
func nameResult(n *pg_query.Node) {
	switch x := n.Node.(type) {
	case *pg_query.Node_SelectStmt:
		sel := x.SelectStmt
		if len(sel.ValuesLists) > 0 && sel.Op == pg_query.SetOperation_SETOP_NONE {
			wrapValues(n, sel)
			return
		}
		for sel.Op != pg_query.SetOperation_SETOP_NONE && sel.Larg != nil {
			sel = sel.Larg
		}
		nameResultColumns(sel.TargetList)
	case *pg_query.Node_InsertStmt:
		nameResultColumns(x.InsertStmt.ReturningList)
	case *pg_query.Node_UpdateStmt:
		nameResultColumns(x.UpdateStmt.ReturningList)
	case *pg_query.Node_DeleteStmt:
		nameResultColumns(x.DeleteStmt.ReturningList)
	case *pg_query.Node_MergeStmt:
		nameResultColumns(x.MergeStmt.ReturningList)
	}
}

// nameOutputs names the columns of nested SELECTs as PostgreSQL does,
// where the client can refer to them (SELECT x.count FROM (SELECT
// count(*) ...) x), and makes reg* casts of text in the result show
// names (regOutputs). Nested unnamed expressions keep DuckDB's names: the
// client cannot refer to PostgreSQL's "?column?" anyway.
func nameOutputs(n *pg_query.Node) {
	top := n.GetSelectStmt()
	for sel := top; sel != nil; sel = sel.Larg {
		regOutputs(sel.TargetList)
		if sel.Rarg != nil {
			regOutputs(sel.Rarg.TargetList)
		}
	}
	walkNodes(n.ProtoReflect(), func(x *pg_query.Node) {
		sel := x.GetSelectStmt()
		if sel == nil || sel == top {
			return
		}
		for _, t := range sel.TargetList {
			rt := t.GetResTarget()
			if rt == nil || rt.Name != "" || rt.Val == nil || rt.Val.GetColumnRef() != nil {
				continue
			}
			if name, strength := figureColname(rt.Val); strength > 0 {
				rt.Name = name
			}
		}
	})
}

// seriesTargets makes generate_series(...) as a result column return rows,
// as PostgreSQL's set-returning functions do, rather than DuckDB's list:
// SELECT generate_series(1, 5) is SELECT unnest(generate_series(1, 5)),
// of int4 for int4 arguments.
func seriesTargets(n *pg_query.Node) {
	walkNodes(n.ProtoReflect(), func(x *pg_query.Node) {
		sel := x.GetSelectStmt()
		if sel == nil {
			return
		}
		for _, t := range sel.TargetList {
			rt := t.GetResTarget()
			fc := rt.GetVal().GetFuncCall()
			if fc == nil || fc.AggStar || fc.Over != nil || len(fc.Args) < 2 {
				continue
			}
			if name := fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval(); name != "generate_series" ||
				len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog" {
				continue
			}
			list := rt.Val
			if int4Args(fc.Args) {
				tn := &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode("int4")}, Typemod: -1, Location: -1,
					ArrayBounds: []*pg_query.Node{pg_query.MakeIntNode(-1)}}
				list = &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: list, TypeName: tn, Location: -1}}}
			}
			if rt.Name == "" {
				rt.Name = "generate_series"
			}
			rt.Val = pg_query.MakeFuncCallNode([]*pg_query.Node{pg_query.MakeStrNode("unnest")}, []*pg_query.Node{list}, fc.Location)
		}
	})
}

func wrapValues(n *pg_query.Node, values *pg_query.SelectStmt) {
	first := values.ValuesLists[0].GetList()
	if first == nil {
		return
	}
	cols := make([]*pg_query.Node, len(first.Items))
	for i := range cols {
		cols[i] = pg_query.MakeStrNode("column" + itoa(i+1))
	}
	outer := &pg_query.SelectStmt{
		TargetList: []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{
			Val: pg_query.MakeColumnRefNode([]*pg_query.Node{pg_query.MakeAStarNode()}, -1)}}}},
		SortClause: values.SortClause, LimitCount: values.LimitCount, LimitOffset: values.LimitOffset,
		LimitOption: values.LimitOption, WithClause: values.WithClause,
	}
	values.SortClause, values.LimitCount, values.LimitOffset, values.WithClause = nil, nil, nil, nil
	values.LimitOption = pg_query.LimitOption_LIMIT_OPTION_DEFAULT
	outer.FromClause = []*pg_query.Node{{Node: &pg_query.Node_RangeSubselect{RangeSubselect: &pg_query.RangeSubselect{
		Subquery: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: values}},
		Alias:    &pg_query.Alias{Aliasname: "*VALUES*", Colnames: cols},
	}}}}
	n.Node = &pg_query.Node_SelectStmt{SelectStmt: outer}
}

func itoa(i int) string { return strconv.Itoa(i) }
