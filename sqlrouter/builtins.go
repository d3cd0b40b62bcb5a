package sqlrouter

import (
	"net"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// Session functions. DuckDB has its own version(), current_database(),
// current_setting() and current_user, which would name DuckDB, "memory"
// and the sandbox's settings; these are answered from the session
// instead, by replacing the call with its value when the statement is
// rewritten. A plan that used them is rewritten again after a SET.

// builtin returns the replacement for a session function, or nil.
func (w *rewriter) builtin(name string, fc *pg_query.FuncCall) (*pg_query.Node, error) {
	switch name {
	case "version":
		return textLiteral(w.s.r.versionString()), argCount(fc, 0)
	case "current_database", "current_catalog":
		return textLiteral(w.s.database), argCount(fc, 0)
	case "current_user", "session_user", "user", "current_role":
		return textLiteral(w.s.startup.User), argCount(fc, 0)
	case "current_schema":
		if err := argCount(fc, 0); err != nil {
			return nil, err
		}
		return w.currentSchema()
	case "current_schemas":
		return w.currentSchemas(fc)
	case "current_setting":
		return w.currentSetting(fc)
	case "set_config":
		return w.setConfig(fc)
	case "pg_backend_pid":
		return intLiteral(int64(w.s.pid)), argCount(fc, 0)
	case "inet_client_addr", "inet_client_port":
		return w.clientAddr(name == "inet_client_port"), argCount(fc, 0)
	case "txid_current":
		w.usesSettings = true // a new value per transaction
		return intLiteral(w.s.txid()), argCount(fc, 0)
	}
	return nil, nil
}

// clientAddr is inet_client_addr() or inet_client_port(): NULL for a Unix
// socket, as in PostgreSQL.
func (w *rewriter) clientAddr(port bool) *pg_query.Node {
	a, ok := w.s.startup.RemoteAddr.(*net.TCPAddr)
	switch {
	case !ok && port:
		return &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{
			Arg:      &pg_query.Node{Node: &pg_query.Node_AConst{AConst: &pg_query.A_Const{Isnull: true, Location: -1}}},
			TypeName: &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode("int4")}, Typemod: -1}, Location: -1}}}
	case !ok:
		return nullText()
	case port:
		return intLiteral(int64(a.Port))
	}
	return textLiteral(a.IP.String())
}

func argCount(fc *pg_query.FuncCall, n int) error {
	if len(fc.Args) != n {
		name := fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval()
		return errf(pgerr.UndefinedFunction, "function %s with %d arguments does not exist", name, len(fc.Args))
	}
	return nil
}

func (w *rewriter) currentSchema() (*pg_query.Node, error) {
	w.usesSettings = true
	name, err := w.res.currentSchema()
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nullText(), nil
	}
	return textLiteral(name), nil
}

// currentSchemas is current_schemas(include_implicit): the existing
// buckets on the search path, after pg_catalog when implicit ones count.
func (w *rewriter) currentSchemas(fc *pg_query.FuncCall) (*pg_query.Node, error) {
	if err := argCount(fc, 1); err != nil {
		return nil, err
	}
	implicit, ok := constBool(fc.Args[0])
	if !ok {
		return nil, unsupported("current_schemas() needs a constant argument")
	}
	w.usesSettings = true
	path, err := w.res.pathBuckets()
	if err != nil {
		return nil, err
	}
	var names []string
	if implicit {
		names = append(names, "pg_catalog")
	}
	for _, b := range path {
		names = append(names, b.Name)
	}
	return textArray(names), nil
}

// currentSetting is current_setting(name [, missing_ok]).
func (w *rewriter) currentSetting(fc *pg_query.FuncCall) (*pg_query.Node, error) {
	if len(fc.Args) != 1 && len(fc.Args) != 2 {
		return nil, argCount(fc, 1)
	}
	name, ok := constString(fc.Args[0])
	if !ok {
		return nil, unsupported("current_setting() needs a constant setting name")
	}
	missingOK := false
	if len(fc.Args) == 2 {
		if missingOK, ok = constBool(fc.Args[1]); !ok {
			return nil, unsupported("current_setting() needs a constant missing_ok")
		}
	}
	w.usesSettings = true
	v, found := w.s.setting(name)
	if !found {
		if missingOK {
			return nullText(), nil
		}
		return nil, errf(pgerr.UndefinedObject, "unrecognized configuration parameter %q", name)
	}
	return textLiteral(v), nil
}

// setConfig is set_config(name, value, is_local). The value is checked
// now and applied when the statement runs; the call reads as the value.
func (w *rewriter) setConfig(fc *pg_query.FuncCall) (*pg_query.Node, error) {
	if err := argCount(fc, 3); err != nil {
		return nil, err
	}
	name, ok1 := constString(fc.Args[0])
	value, ok2 := constString(fc.Args[1])
	local, ok3 := constBool(fc.Args[2])
	if !ok1 || !ok2 || !ok3 {
		return nil, unsupported("set_config() needs constant arguments")
	}
	d, ok := lookupGUC(name)
	if !ok {
		return nil, denied("permission denied to set parameter %q", name)
	}
	if d.check != nil {
		if _, err := d.check(w.s, value); err != nil {
			return nil, invalidValue(d.name, value, err)
		}
	}
	s := w.s
	w.effects = append(w.effects, func() error {
		if local && !s.inTx() {
			// PostgreSQL ignores SET LOCAL outside a transaction block.
			return nil
		}
		return s.setGUC(name, value, local, false)
	})
	canon := value
	if d.check != nil {
		canon, _ = d.check(w.s, value)
	}
	return textLiteral(canon), nil
}

// Literals.

func textTypeName() *pg_query.TypeName {
	return &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode("text")}, Typemod: -1, Location: -1}
}

func textLiteral(v string) *pg_query.Node {
	return &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{
		Arg: pg_query.MakeAConstStrNode(v, -1), TypeName: textTypeName(), Location: -1}}}
}

func nullText() *pg_query.Node {
	return &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{
		Arg: &pg_query.Node{Node: &pg_query.Node_AConst{AConst: &pg_query.A_Const{Isnull: true, Location: -1}}}, TypeName: textTypeName(), Location: -1}}}
}

func intLiteral(v int64) *pg_query.Node { return pg_query.MakeAConstIntNode(v, -1) }

func textArray(vals []string) *pg_query.Node {
	elems := make([]*pg_query.Node, len(vals))
	for i, v := range vals {
		elems[i] = pg_query.MakeAConstStrNode(v, -1)
	}
	tn := textTypeName()
	tn.ArrayBounds = []*pg_query.Node{pg_query.MakeIntNode(-1)}
	return &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{
		Arg:      &pg_query.Node{Node: &pg_query.Node_AArrayExpr{AArrayExpr: &pg_query.A_ArrayExpr{Elements: elems, Location: -1}}},
		TypeName: tn, Location: -1}}}
}

// constString reads a string constant, also through a cast to a text
// type ('x'::text).
func constString(n *pg_query.Node) (string, bool) {
	switch x := n.GetNode().(type) {
	case *pg_query.Node_TypeCast:
		return constString(x.TypeCast.Arg)
	case *pg_query.Node_String_:
		// Option values in DefElems (COPY's FORMAT csv, ...).
		return x.String_.Sval, true
	case *pg_query.Node_Integer:
		return strconv.Itoa(int(x.Integer.Ival)), true
	case *pg_query.Node_Float:
		return x.Float.Fval, true
	case *pg_query.Node_Boolean:
		return onOff(x.Boolean.Boolval), true
	}
	c := n.GetAConst()
	if c == nil || c.Isnull {
		return "", false
	}
	switch v := c.Val.(type) {
	case *pg_query.A_Const_Sval:
		return v.Sval.Sval, true
	case *pg_query.A_Const_Ival:
		return strconv.Itoa(int(v.Ival.Ival)), true
	case *pg_query.A_Const_Fval:
		return v.Fval.Fval, true
	case *pg_query.A_Const_Boolval:
		return onOff(v.Boolval.Boolval), true
	}
	return "", false
}

func constBool(n *pg_query.Node) (bool, bool) {
	if c := n.GetAConst(); c != nil {
		if b, ok := c.Val.(*pg_query.A_Const_Boolval); ok {
			return b.Boolval.Boolval, true
		}
	}
	s, ok := constString(n)
	if !ok {
		return false, false
	}
	v, err := checkBool(nil, s)
	return v == "on", err == nil
}

// figureColname names a result column the way PostgreSQL does when the
// query gives no alias (FigureColnameInternal in parse_target.c), so
// clients see "count", "version" or "?column?" rather than DuckDB's
// "count_star()". The second result is the strength: 2 for a real name,
// 1 for a fallback, 0 for none.
func figureColname(n *pg_query.Node) (string, int) {
	if n == nil {
		return "", 0
	}
	switch x := n.Node.(type) {
	case *pg_query.Node_ColumnRef:
		f := x.ColumnRef.Fields
		if s := f[len(f)-1].GetString_(); s != nil {
			return s.Sval, 2
		}
	case *pg_query.Node_AIndirection:
		ind := x.AIndirection.Indirection
		if len(ind) > 0 {
			if s := ind[len(ind)-1].GetString_(); s != nil {
				return s.Sval, 2
			}
		}
		return figureColname(x.AIndirection.Arg)
	case *pg_query.Node_FuncCall:
		f := x.FuncCall.Funcname
		return f[len(f)-1].GetString_().GetSval(), 2
	case *pg_query.Node_AExpr:
		if x.AExpr.Kind == pg_query.A_Expr_Kind_AEXPR_NULLIF {
			return "nullif", 2
		}
	case *pg_query.Node_TypeCast:
		if name, strength := figureColname(x.TypeCast.Arg); strength == 2 {
			return name, 2
		}
		if names := x.TypeCast.TypeName.GetNames(); len(names) > 0 {
			return names[len(names)-1].GetString_().GetSval(), 1
		}
	case *pg_query.Node_CollateClause:
		return figureColname(x.CollateClause.Arg)
	case *pg_query.Node_GroupingFunc:
		return "grouping", 2
	case *pg_query.Node_SubLink:
		switch x.SubLink.SubLinkType {
		case pg_query.SubLinkType_EXISTS_SUBLINK:
			return "exists", 2
		case pg_query.SubLinkType_ARRAY_SUBLINK:
			return "array", 2
		case pg_query.SubLinkType_EXPR_SUBLINK:
			if sel := x.SubLink.Subselect.GetSelectStmt(); sel != nil && len(sel.TargetList) > 0 {
				if rt := sel.TargetList[0].GetResTarget(); rt != nil {
					if rt.Name != "" {
						return rt.Name, 2
					}
					return figureColname(rt.Val)
				}
			}
		}
	case *pg_query.Node_CaseExpr:
		if name, strength := figureColname(x.CaseExpr.Defresult); strength == 2 {
			return name, 2
		}
		return "case", 1
	case *pg_query.Node_AArrayExpr:
		return "array", 2
	case *pg_query.Node_RowExpr:
		return "row", 2
	case *pg_query.Node_CoalesceExpr:
		return "coalesce", 2
	case *pg_query.Node_MinMaxExpr:
		if x.MinMaxExpr.Op == pg_query.MinMaxOp_IS_GREATEST {
			return "greatest", 2
		}
		return "least", 2
	case *pg_query.Node_SqlvalueFunction:
		return svfName(x.SqlvalueFunction.Op), 2
	}
	return "", 0
}

func svfName(op pg_query.SQLValueFunctionOp) string {
	name := strings.TrimPrefix(op.String(), "SVFOP_")
	name = strings.TrimSuffix(name, "_N")
	return strings.ToLower(name)
}

// nameResultColumns gives every unnamed result column of the statement's
// target list (or RETURNING list) PostgreSQL's name for it. Plain column
// references keep DuckDB's naming, which is the same.
func nameResultColumns(targets []*pg_query.Node) {
	for _, t := range targets {
		rt := t.GetResTarget()
		if rt == nil || rt.Name != "" || rt.Val == nil {
			continue
		}
		if cr := rt.Val.GetColumnRef(); cr != nil {
			continue
		}
		name, strength := figureColname(rt.Val)
		if strength == 0 {
			name = "?column?"
		}
		rt.Name = name
	}
}
