package pgcatalog

import (
	"regexp"
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// rewrite turns a client's catalog query into one DuckDB runs against the
// catalog Build made in alias: a small stand-in for what the router does
// (see doc.go), written on pg_query's parse tree so the corpus can run end
// to end in this package's tests.
func rewrite(sql, alias string) (string, error) {
	tree, err := pg_query.Parse(sql)
	if err != nil {
		return "", err
	}
	for _, st := range tree.Stmts {
		// Output names first, from the query as the client wrote it.
		walk(st.ProtoReflect(), func(m protoreflect.Message) {
			switch v := m.Interface().(type) {
			case *pg_query.SelectStmt:
				nameTargets(v, alias)
			case *pg_query.RangeFunction:
				nameFunctionColumn(v)
			}
		})
		walk(st.ProtoReflect(), func(m protoreflect.Message) {
			switch v := m.Interface().(type) {
			case *pg_query.RangeVar:
				rewriteRangeVar(v, alias)
			case *pg_query.Node:
				rewriteNode(v, alias)
			}
		})
	}
	return pg_query.Deparse(tree)
}

// walk visits every message of the tree, a node before its children, so
// that a node replaced by the visitor is walked in its new form.
func walk(m protoreflect.Message, visit func(protoreflect.Message)) {
	visit(m)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			if fd.Message() != nil {
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					walk(l.Get(i).Message(), visit)
				}
			}
		case fd.IsMap():
		case fd.Message() != nil:
			walk(v.Message(), visit)
		}
		return true
	})
}

func names(nodes []*pg_query.Node) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if s := n.GetString_(); s != nil {
			out = append(out, s.Sval)
		}
	}
	return out
}

func strNodes(parts ...string) []*pg_query.Node {
	out := make([]*pg_query.Node, len(parts))
	for i, p := range parts {
		out[i] = pg_query.MakeStrNode(p)
	}
	return out
}

func rewriteRangeVar(rv *pg_query.RangeVar, alias string) {
	if rv.Catalogname != "" {
		return
	}
	if table, ok := Relation(rv.Schemaname, rv.Relname, true); ok {
		rv.Catalogname, rv.Schemaname, rv.Relname = alias, "main", table
	}
}

func call(alias, macro string, args ...*pg_query.Node) *pg_query.Node {
	return pg_query.MakeFuncCallNode(strNodes(alias, "main", macro), args, -1)
}

func rewriteNode(n *pg_query.Node, alias string) {
	switch v := n.Node.(type) {
	case *pg_query.Node_FuncCall:
		rewriteFuncCall(n, v.FuncCall, alias)
	case *pg_query.Node_SqlvalueFunction:
		name := map[pg_query.SQLValueFunctionOp]string{
			pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER:    "current_user",
			pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER:    "session_user",
			pg_query.SQLValueFunctionOp_SVFOP_USER:            "user",
			pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:    "current_role",
			pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG: "current_catalog",
			pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:  "current_schema",
		}[v.SqlvalueFunction.Op]
		if macro, ok := Function("", name); ok {
			n.Node = call(alias, macro).Node
		}
	case *pg_query.Node_RangeFunction:
		rewriteRangeFunction(n, v.RangeFunction)
	case *pg_query.Node_CollateClause:
		// COLLATE pg_catalog.default and "C": DuckDB's default is binary.
		n.Node = v.CollateClause.Arg.Node
		rewriteNode(n, alias)
	case *pg_query.Node_TypeCast:
		rewriteTypeCast(n, v.TypeCast, alias)
	case *pg_query.Node_AExpr:
		rewriteAExpr(n, v.AExpr)
	case *pg_query.Node_AConst:
		// A PostgreSQL array literal compared with an array column.
		if s := v.AConst.GetSval(); s != nil && arrayLiteral.MatchString(s.Sval) {
			var elems []*pg_query.Node
			for _, e := range strings.Split(strings.Trim(s.Sval, "{}"), ",") {
				if e != "" {
					elems = append(elems, pg_query.MakeAConstStrNode(e, -1))
				}
			}
			n.Node = &pg_query.Node_AArrayExpr{AArrayExpr: &pg_query.A_ArrayExpr{Elements: elems, Location: -1}}
		}
	}
}

var arrayLiteral = regexp.MustCompile(`^\{[0-9A-Za-z_,]*\}$`)

func rewriteFuncCall(n *pg_query.Node, fc *pg_query.FuncCall, alias string) {
	parts := names(fc.Funcname)
	if len(parts) == 0 || len(parts) > 2 {
		return
	}
	schema, name := "", parts[len(parts)-1]
	if len(parts) == 2 {
		schema = parts[0]
	}
	if fc.Funcformat == pg_query.CoercionForm_COERCE_SQL_SYNTAX {
		// substring(x FROM a FOR b), trim(BOTH ...): the deparser writes
		// them in SQL syntax, which DuckDB reads.
		return
	}
	switch {
	case schema == "" && name == "format" || schema == "pg_catalog" && name == "format":
		if f := formatToConcat(fc.Args, alias); f != nil {
			n.Node = f.Node
			rewriteNode(n, alias)
		}
		return
	case name == "json_build_object":
		fc.Funcname = strNodes("json_object")
		return
	case name == "btrim":
		fc.Funcname = strNodes("trim")
		return
	}
	if macro, ok := Function(schema, name); ok {
		fc.Funcname = strNodes(alias, "main", macro)
		return
	}
	if schema == "pg_catalog" {
		fc.Funcname = strNodes(name) // a DuckDB built-in of the same name
	}
}

// formatToConcat rewrites format('%I.%I', a, b) with a literal format
// string into quote_ident(a) || '.' || quote_ident(b).
func formatToConcat(args []*pg_query.Node, alias string) *pg_query.Node {
	if len(args) == 0 || args[0].GetAConst().GetSval() == nil {
		return nil
	}
	f := args[0].GetAConst().GetSval().Sval
	var parts []*pg_query.Node
	lit := ""
	next := 1
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			lit += string(f[i])
			continue
		}
		i++
		if f[i] == '%' {
			lit += "%"
			continue
		}
		if lit != "" {
			parts = append(parts, pg_query.MakeAConstStrNode(lit, -1))
			lit = ""
		}
		if next >= len(args) {
			return nil
		}
		arg := &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: args[next],
			TypeName: &pg_query.TypeName{Names: strNodes("text"), Typemod: -1}}}}
		next++
		switch f[i] {
		case 'I':
			parts = append(parts, call(alias, "quote_ident", arg))
		case 'L':
			parts = append(parts, call(alias, "quote_literal", arg))
		default:
			parts = append(parts, arg)
		}
	}
	if lit != "" {
		parts = append(parts, pg_query.MakeAConstStrNode(lit, -1))
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out = pg_query.MakeAExprNode(pg_query.A_Expr_Kind_AEXPR_OP, strNodes("||"), out, p, -1)
	}
	return out
}

// stringish reports whether a cast's argument is text, so that a reg* cast
// of it looks a name up ('pg_class'::regclass) rather than showing an OID
// as a name (c.oid::regclass).
func stringish(n *pg_query.Node) bool {
	switch v := n.Node.(type) {
	case *pg_query.Node_AConst:
		return v.AConst.GetSval() != nil
	case *pg_query.Node_FuncCall:
		return true
	case *pg_query.Node_ParamRef:
		return true
	case *pg_query.Node_AExpr:
		return len(v.AExpr.Name) == 1 && names(v.AExpr.Name)[0] == "||"
	case *pg_query.Node_TypeCast:
		t := names(v.TypeCast.TypeName.Names)
		switch t[len(t)-1] {
		case "text", "varchar", "name", "bpchar":
			return true
		}
	}
	return false
}

var duckTypes = map[string]string{"name": "varchar", "char": "varchar", "bpchar": "varchar", "oid": "uinteger",
	"int2vector": "smallint[]", "oidvector": "uinteger[]"}

func rewriteTypeCast(n *pg_query.Node, tc *pg_query.TypeCast, alias string) {
	t := names(tc.TypeName.Names)
	if len(t) == 0 {
		return
	}
	base := t[len(t)-1]
	if len(tc.TypeName.ArrayBounds) == 0 {
		if macro, ok := RegCast(base, stringish(tc.Arg)); ok {
			n.Node = call(alias, macro, tc.Arg).Node
			return
		}
	}
	if d, ok := duckTypes[base]; ok && len(tc.TypeName.ArrayBounds) == 0 {
		tc.TypeName.Names = strNodes(d)
		tc.TypeName.Typmods = nil
		return
	}
	if len(t) == 2 && t[0] == "pg_catalog" {
		tc.TypeName.Names = strNodes(base)
	}
}

func rewriteAExpr(n *pg_query.Node, e *pg_query.A_Expr) {
	if e.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ANY && len(e.Name) > 0 && names(e.Name)[len(e.Name)-1] == "=" {
		// x = ANY(list) is a subquery to DuckDB, which a join condition
		// cannot hold.
		n.Node = pg_query.MakeFuncCallNode(strNodes("list_contains"), []*pg_query.Node{e.Rexpr, e.Lexpr}, -1).Node
		return
	}
	if e.Kind != pg_query.A_Expr_Kind_AEXPR_OP || len(e.Name) == 0 {
		return
	}
	op := names(e.Name)
	name := op[len(op)-1]
	var args []*pg_query.Node
	negate := false
	switch name {
	case "~", "!~":
		args = []*pg_query.Node{e.Lexpr, e.Rexpr}
		negate = name == "!~"
	case "~*", "!~*":
		args = []*pg_query.Node{e.Lexpr, e.Rexpr, pg_query.MakeAConstStrNode("i", -1)}
		negate = name == "!~*"
	case "||":
		// Array concatenation skips a NULL array in PostgreSQL; DuckDB's
		// || yields NULL, its list_concat does not.
		if isArray(e.Lexpr) || isArray(e.Rexpr) {
			n.Node = pg_query.MakeFuncCallNode(strNodes("list_concat"), []*pg_query.Node{e.Lexpr, e.Rexpr}, -1).Node
		}
		return
	default:
		if len(op) == 2 {
			e.Name = strNodes(name) // OPERATOR(pg_catalog.=)
		}
		return
	}
	// PostgreSQL's ~ finds a match anywhere; DuckDB's ~ must match all.
	m := pg_query.MakeFuncCallNode(strNodes("regexp_matches"), args, -1)
	if negate {
		m = pg_query.MakeBoolExprNode(pg_query.BoolExprType_NOT_EXPR, []*pg_query.Node{m}, -1)
	}
	n.Node = m.Node
}

func TestRewrite(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT oid FROM pg_catalog.pg_class WHERE relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default",
			"SELECT oid AS oid FROM pgc.main.pg_class WHERE regexp_matches(relname, '^(t)$')"},
		{"SELECT pg_catalog.format_type(a, b), 'pg_class'::regclass, c.oid::regclass::text FROM pg_attribute a, information_schema.columns",
			"SELECT pgc.main.format_type(a, b) AS format_type, pgc.main.regclassout(pgc.main.regclassin('pg_class')) AS regclass, " +
				"pgc.main.regclassout(c.oid)::text AS oid FROM pgc.main.pg_attribute a, pgc.main.information_schema_columns"},
		{"SELECT current_user, format('%I.%I', s, t) WHERE n !~ '^pg_'",
			"SELECT pgc.main.duckstore_user() AS \"current_user\", (pgc.main.quote_ident(s::text) || '.') || pgc.main.quote_ident(t::text) AS format " +
				"WHERE NOT regexp_matches(n, '^pg_')"},
	} {
		got, err := rewrite(c.in, "pgc")
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if got != c.want {
			t.Errorf("rewrite(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

// nameTargets gives every unnamed output column of a SELECT the name
// PostgreSQL gives it (FigureColname in parse_target.c), since DuckDB
// names expressions after their text. A reg* value in the output shows as
// a name, though it compares as an OID elsewhere.
func nameTargets(s *pg_query.SelectStmt, alias string) {
	for _, t := range s.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Val == nil {
			continue
		}
		if tc := rt.Val.GetTypeCast(); tc != nil && len(tc.TypeName.ArrayBounds) == 0 {
			tn := names(tc.TypeName.Names)
			if out, ok := RegCast(tn[len(tn)-1], false); ok && stringish(tc.Arg) {
				if rt.Name == "" {
					rt.Name, _ = figureColname(rt.Val)
				}
				rt.Val = call(alias, out, rt.Val)
			}
		}
		if rt.Name != "" {
			continue
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			continue
		}
		name, _ := figureColname(rt.Val)
		rt.Name = name
	}
}

// figureColname returns PostgreSQL's name for an expression and how sure
// it is: 2 for a name taken from a column or function, 1 for a fallback.
func figureColname(n *pg_query.Node) (string, int) {
	if n == nil {
		return "?column?", 0
	}
	switch v := n.Node.(type) {
	case *pg_query.Node_ColumnRef:
		if s := v.ColumnRef.Fields[len(v.ColumnRef.Fields)-1].GetString_(); s != nil {
			return s.Sval, 2
		}
	case *pg_query.Node_AIndirection:
		ind := v.AIndirection.Indirection
		if s := ind[len(ind)-1].GetString_(); s != nil {
			return s.Sval, 2
		}
		return figureColname(v.AIndirection.Arg)
	case *pg_query.Node_FuncCall:
		f := names(v.FuncCall.Funcname)
		return f[len(f)-1], 2
	case *pg_query.Node_AExpr:
		if v.AExpr.Kind == pg_query.A_Expr_Kind_AEXPR_NULLIF {
			return "nullif", 2
		}
	case *pg_query.Node_TypeCast:
		if name, strength := figureColname(v.TypeCast.Arg); strength > 1 {
			return name, strength
		}
		t := names(v.TypeCast.TypeName.Names)
		return t[len(t)-1], 1
	case *pg_query.Node_CollateClause:
		return figureColname(v.CollateClause.Arg)
	case *pg_query.Node_SubLink:
		switch v.SubLink.SubLinkType {
		case pg_query.SubLinkType_EXISTS_SUBLINK:
			return "exists", 2
		case pg_query.SubLinkType_ARRAY_SUBLINK:
			return "array", 2
		case pg_query.SubLinkType_EXPR_SUBLINK:
			if sel := v.SubLink.Subselect.GetSelectStmt(); sel != nil && len(sel.TargetList) > 0 {
				rt := sel.TargetList[0].GetResTarget()
				if rt.Name != "" {
					return rt.Name, 2
				}
				return figureColname(rt.Val)
			}
		}
	case *pg_query.Node_CaseExpr:
		if name, strength := figureColname(v.CaseExpr.Defresult); strength > 1 {
			return name, strength
		}
		return "case", 1
	case *pg_query.Node_AArrayExpr:
		return "array", 2
	case *pg_query.Node_RowExpr:
		return "row", 2
	case *pg_query.Node_CoalesceExpr:
		return "coalesce", 2
	case *pg_query.Node_MinMaxExpr:
		if v.MinMaxExpr.Op == pg_query.MinMaxOp_IS_GREATEST {
			return "greatest", 2
		}
		return "least", 2
	case *pg_query.Node_SqlvalueFunction:
		return strings.ToLower(strings.TrimPrefix(v.SqlvalueFunction.Op.String(), "SVFOP_")), 2
	}
	return "?column?", 0
}

// nameFunctionColumn names the column of a one-column function in FROM
// after its alias, as PostgreSQL does: generate_series(...) s yields a
// column s.
func nameFunctionColumn(rf *pg_query.RangeFunction) {
	if rf.Alias == nil || len(rf.Alias.Colnames) > 0 || len(rf.Functions) != 1 {
		return
	}
	items := rf.Functions[0].GetList().GetItems()
	if len(items) == 0 {
		return
	}
	if fc := items[0].GetFuncCall(); fc != nil {
		switch f := names(fc.Funcname); f[len(f)-1] {
		case "generate_series", "unnest", "generate_subscripts":
			rf.Alias.Colnames = strNodes(rf.Alias.Aliasname)
		}
	}
}

// tableFunctions return rows; any other function in FROM returns one row
// in PostgreSQL, which DuckDB only has as a subquery.
var tableFunctions = map[string]bool{"generate_series": true, "unnest": true, "generate_subscripts": true,
	"json_each": true, "jsonb_each": true, "regexp_matches": true, "pg_get_keywords": true}

func rewriteRangeFunction(n *pg_query.Node, rf *pg_query.RangeFunction) {
	if len(rf.Functions) != 1 || rf.Alias == nil {
		return
	}
	items := rf.Functions[0].GetList().GetItems()
	if len(items) == 0 || items[0].GetFuncCall() == nil {
		return
	}
	f := names(items[0].GetFuncCall().Funcname)
	if tableFunctions[f[len(f)-1]] {
		return
	}
	col := rf.Alias.Aliasname
	if len(rf.Alias.Colnames) == 1 {
		col = names(rf.Alias.Colnames)[0]
	}
	sel := &pg_query.SelectStmt{TargetList: []*pg_query.Node{pg_query.MakeResTargetNodeWithNameAndVal(col, items[0], -1)}}
	n.Node = &pg_query.Node_RangeSubselect{RangeSubselect: &pg_query.RangeSubselect{
		Subquery: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}},
		Alias:    &pg_query.Alias{Aliasname: rf.Alias.Aliasname},
	}}
}

func isArray(n *pg_query.Node) bool {
	if n.GetAArrayExpr() != nil {
		return true
	}
	sl := n.GetSubLink()
	return sl != nil && sl.SubLinkType == pg_query.SubLinkType_ARRAY_SUBLINK
}
