package sqlrouter

import (
	"regexp"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/sqlrouter/pgcatalog"
)

// Rewriting onto the system catalog (syscatalog.go), as package
// pgcatalog's documentation lists: relations of pg_catalog and
// information_schema become tables and views of the session's catalog
// database, catalog functions its macros, reg* casts its reg*in and
// reg*out macros; statements that use the catalog then get the
// PostgreSQL-to-DuckDB rewrites its queries need (catalogPass).

// catalogUse is what one plan uses of the system catalog.
type catalogUse struct {
	slot *catalogSlot
	// locked is set when the statement reads session state (any catalog
	// relation, or a function that depends on the search path): it then
	// runs under the catalog's lock with needs loaded.
	locked bool
	needs  catalogNeeds
	// own is set for a locked statement that reads nothing but the
	// catalog: it is prepared and run on the catalog's own connection,
	// so it never enters the session's transaction, whose snapshot of
	// the catalog (taken at its first read) would miss later session
	// state, and which would keep a replaced catalog from detaching.
	own  bool
	done bool // released
}

func (cu *catalogUse) release() {
	if cu != nil && !cu.done {
		cu.done = true
		cu.slot.release()
	}
}

// catalog returns the statement's catalog, acquiring it on first use.
func (w *rewriter) catalog() (*catalogUse, error) {
	if w.cat == nil {
		sl, err := w.s.r.cfg.SystemCatalog.acquire(w.ctx, w.s)
		if err != nil {
			return nil, err
		}
		w.cat = &catalogUse{slot: sl, needs: 1 << partPath}
	}
	return w.cat, nil
}

// sessionRelations are the catalog relations that show the session's
// state beyond its search path.
var sessionRelations = map[string]catalogPart{
	"pg_settings": partSettings, "pg_stat_activity": partActivity, "pg_cursors": partCursors,
	"pg_prepared_statements": partPrepared,
}

// catalogRelation maps a reference to a system relation onto the catalog
// database; ok is false when name is no system relation as written.
func (w *rewriter) catalogRelation(rv *pg_query.RangeVar) (bool, error) {
	table, ok, err := w.systemTable(rv.Schemaname, rv.Relname)
	if !ok || err != nil {
		return false, err
	}
	cu, err := w.catalog()
	if err != nil {
		return true, err
	}
	cu.locked = true
	if p, ok := sessionRelations[table]; ok {
		cu.needs |= 1 << p
	}
	if rv.Alias == nil {
		// Columns qualified with the relation's name keep working.
		rv.Alias = &pg_query.Alias{Aliasname: rv.Relname}
	}
	rv.Catalogname, rv.Schemaname, rv.Relname = cu.slot.alias, "main", table
	rv.Inh = true
	return true, nil
}

// systemTable is pgcatalog.Relation with the session's search path: an
// unqualified name means pg_catalog's relation unless search_path lists
// pg_catalog after a bucket holding a table of that name, and
// information_schema's when the path lists information_schema.
func (w *rewriter) systemTable(schema, name string) (string, bool, error) {
	if schema != "" {
		t, ok := pgcatalog.Relation(schema, name, true)
		return t, ok, nil
	}
	pgTable, isPG := pgcatalog.Relation("", name, true)
	infoTable, isInfo := pgcatalog.Relation("information_schema", name, true)
	if !isPG && !isInfo {
		return "", false, nil // the common case: costs two map lookups
	}
	path, _ := splitIdentList(w.s.mustSetting("search_path"))
	for _, p := range path {
		switch {
		case p == "pg_catalog" && isPG:
			return pgTable, true, nil
		case p == "information_schema" && isInfo:
			return infoTable, true, nil
		case p == "pg_catalog" || p == "information_schema":
			continue
		}
		if p == "$user" {
			p = w.s.startup.User
		}
		b, err := w.res.findBucket(p)
		if err != nil {
			return "", false, err
		}
		if b == nil {
			continue
		}
		if _, err := w.s.r.eng.Table(w.ctx, w.s.project, w.s.branch, b.Name, name); err == nil {
			return "", false, nil // a table of that bucket comes first
		}
	}
	// pg_catalog is searched first when the path does not list it.
	if isPG && !slices.Contains(path, "pg_catalog") {
		return pgTable, true, nil
	}
	return "", false, nil
}

// pureMacros read nothing that depends on the session, so statements
// calling only these need not run under the catalog's lock.
var pureMacros = map[string]bool{
	"quote_ident": true, "quote_literal": true, "quote_nullable": true, "parse_ident": true,
	"array_upper": true, "array_lower": true, "array_length": true, "cardinality": true,
	"pg_size_pretty": true, "format_type": true, "pg_encoding_to_char": true, "pg_char_to_encoding": true,
	"pg_encoding_max_length": true, "pg_get_expr": true, "pg_get_userbyid": true, "obj_description": true,
	"col_description": true, "shobj_description": true, "pg_get_constraintdef": true,
	"pg_is_in_recovery": true, "pg_jit_available": true, "pg_trigger_depth": true,
}

// catalogFunction points a call of a catalog function at its macro; ok is
// false when the function is not one.
func (w *rewriter) catalogFunction(fc *pg_query.FuncCall, schema, name string) (bool, error) {
	macro, ok := pgcatalog.Function(schema, name)
	if !ok {
		return false, nil
	}
	cu, err := w.catalog()
	if err != nil {
		return true, err
	}
	if !pureMacros[macro] {
		cu.locked = true
	}
	fc.Funcname = catalogName(cu.slot.alias, macro)
	return true, nil
}

func catalogName(alias, macro string) []*pg_query.Node {
	return []*pg_query.Node{pg_query.MakeStrNode(alias), pg_query.MakeStrNode("main"), pg_query.MakeStrNode(macro)}
}

// catalogCast answers a cast to a reg* type: 'pg_class'::regclass looks a
// name up (regclassin), c.oid::regclass shows an OID as a name
// (regclassout). It returns nil for other types.
func (w *rewriter) catalogCast(tc *pg_query.TypeCast) (*pg_query.Node, error) {
	names := tc.GetTypeName().GetNames()
	if len(names) == 0 || len(tc.TypeName.ArrayBounds) > 0 {
		return nil, nil
	}
	macro, ok := pgcatalog.RegCast(strings.ToLower(names[len(names)-1].GetString_().GetSval()), stringish(tc.Arg))
	if !ok {
		return nil, nil
	}
	cu, err := w.catalog()
	if err != nil {
		return nil, err
	}
	cu.locked = true
	arg := tc.Arg
	if arg.GetParamRef() != nil {
		// $1::regtype: DuckDB cannot type a parameter a macro only passes
		// on, and would leave the whole result undescribed. The client
		// sends the name as text.
		arg = &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: arg, TypeName: textTypeName(), Location: -1}}}
	}
	return pg_query.MakeFuncCallNode(catalogName(cu.slot.alias, macro), []*pg_query.Node{arg}, tc.Location), nil
}

// stringish reports whether a cast's argument is text, so that a reg* cast
// of it looks a name up rather than showing an OID as a name.
func stringish(n *pg_query.Node) bool {
	switch v := n.Node.(type) {
	case *pg_query.Node_AConst:
		return v.AConst.GetSval() != nil
	case *pg_query.Node_FuncCall, *pg_query.Node_ParamRef:
		return true
	case *pg_query.Node_AExpr:
		return len(v.AExpr.Name) == 1 && v.AExpr.Name[0].GetString_().GetSval() == "||"
	case *pg_query.Node_TypeCast:
		t := v.TypeCast.GetTypeName().GetNames()
		switch t[len(t)-1].GetString_().GetSval() {
		case "text", "varchar", "name", "bpchar":
			return true
		}
	}
	return false
}

// regOutputs makes a reg* cast of text that is itself an output column
// show its value by name, as PostgreSQL prints reg* values:
// SELECT 'pg_class'::regclass answers pg_class, not its OID. It runs
// before the rewrite, on every SELECT of a statement.
func regOutputs(targets []*pg_query.Node) {
	for _, t := range targets {
		rt := t.GetResTarget()
		tc := rt.GetVal().GetTypeCast()
		if tc == nil || len(tc.GetTypeName().GetArrayBounds()) > 0 || !stringish(tc.Arg) {
			continue
		}
		names := tc.GetTypeName().GetNames()
		typ := strings.ToLower(names[len(names)-1].GetString_().GetSval())
		out, ok := pgcatalog.RegCast(typ, false)
		if !ok {
			continue
		}
		if rt.Name == "" {
			rt.Name = typ
			if name, strength := figureColname(tc.Arg); strength == 2 {
				rt.Name = name
			}
		}
		rt.Val = pg_query.MakeFuncCallNode([]*pg_query.Node{pg_query.MakeStrNode("pg_catalog"), pg_query.MakeStrNode(out)},
			[]*pg_query.Node{rt.Val}, tc.Location)
	}
}

// catalogPass applies, to a statement that uses the catalog, the rewrites
// its queries need and DuckDB's planner or semantics require:
// x = ANY(list) becomes list_contains (DuckDB plans ANY as a subquery,
// which a join condition cannot hold), || of arrays list_concat
// (PostgreSQL skips a NULL array), and array literals compared with
// arrays ('{0}') lists.
func catalogPass(n *pg_query.Node) {
	walkNodes(n.ProtoReflect(), func(x *pg_query.Node) {
		switch v := x.Node.(type) {
		case *pg_query.Node_AExpr:
			catalogAExpr(x, v.AExpr)
		case *pg_query.Node_AConst:
			if s := v.AConst.GetSval(); s != nil && arrayConst.MatchString(s.Sval) {
				if arr, ok := pgArrayLiteral(s.Sval); ok {
					x.Node = arr.Node
				}
			}
		}
	})
}

var arrayConst = regexp.MustCompile(`^\{[0-9A-Za-z_,]*\}$`)

func catalogAExpr(n *pg_query.Node, e *pg_query.A_Expr) {
	if len(e.Name) == 0 || e.Lexpr == nil || e.Rexpr == nil {
		return
	}
	op := e.Name[len(e.Name)-1].GetString_().GetSval()
	switch {
	case e.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ANY && op == "=":
		n.Node = pg_query.MakeFuncCallNode([]*pg_query.Node{pg_query.MakeStrNode("list_contains")},
			[]*pg_query.Node{e.Rexpr, e.Lexpr}, e.Location).Node
	case e.Kind == pg_query.A_Expr_Kind_AEXPR_OP && op == "||" && (isArrayExpr(e.Lexpr) || isArrayExpr(e.Rexpr)):
		n.Node = pg_query.MakeFuncCallNode([]*pg_query.Node{pg_query.MakeStrNode("list_concat")},
			[]*pg_query.Node{e.Lexpr, e.Rexpr}, e.Location).Node
	}
}

func isArrayExpr(n *pg_query.Node) bool {
	if n.GetAArrayExpr() != nil {
		return true
	}
	sl := n.GetSubLink()
	return sl != nil && sl.SubLinkType == pg_query.SubLinkType_ARRAY_SUBLINK
}

// walkNodes visits every Node of a tree, a node before its children, so
// that a node replaced by the visitor is walked in its new form.
func walkNodes(m protoreflect.Message, visit func(*pg_query.Node)) {
	if n, ok := m.Interface().(*pg_query.Node); ok {
		visit(n)
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			if fd.Message() != nil {
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					walkNodes(l.Get(i).Message(), visit)
				}
			}
		case fd.IsMap():
		case fd.Message() != nil:
			walkNodes(v.Message(), visit)
		}
		return true
	})
}

// catalogFieldTypes describes the result columns that are plain
// references to catalog columns with their PostgreSQL types
// (pgcatalog.ColumnTypeOID): the catalog stores OIDs as UINTEGER and
// names as VARCHAR, which would otherwise describe as int8 and text.
// Only types whose encoding from the stored DuckDB type wire has are
// used.
func catalogFieldTypes(q *pg_query.Node, alias string, fields []Field, cols []duck.Column) {
	sel := q.GetSelectStmt()
	if sel == nil || sel.Op != pg_query.SetOperation_SETOP_NONE {
		return
	}
	rels := map[string]string{} // statement alias -> catalog table
	var order []string          // tables in FROM order, for *
	complete := true
	var from func(n *pg_query.Node)
	from = func(n *pg_query.Node) {
		switch x := n.Node.(type) {
		case *pg_query.Node_RangeVar:
			if x.RangeVar.Catalogname == alias {
				rels[x.RangeVar.GetAlias().GetAliasname()] = x.RangeVar.Relname
				order = append(order, x.RangeVar.Relname)
				return
			}
		case *pg_query.Node_JoinExpr:
			from(x.JoinExpr.Larg)
			from(x.JoinExpr.Rarg)
			if !x.JoinExpr.IsNatural && len(x.JoinExpr.UsingClause) == 0 {
				return
			}
		}
		complete = false
	}
	for _, item := range sel.FromClause {
		from(item)
	}
	i := 0
	for _, t := range sel.TargetList {
		cr := t.GetResTarget().GetVal().GetColumnRef()
		if cr == nil {
			i++
			continue
		}
		f := cr.Fields
		var tables []string
		switch {
		case len(f) == 2:
			if tb, ok := rels[f[0].GetString_().GetSval()]; ok {
				tables = []string{tb}
			}
		case len(f) == 1 && complete && len(order) == 1:
			tables = order
		}
		if f[len(f)-1].GetAStar() != nil {
			if len(tables) == 0 {
				return // its width is unknown: stop typing here
			}
			for _, tb := range tables {
				for _, c := range pgcatalog.Columns(tb) {
					typeField(fields, cols, i, tb, c)
					i++
				}
			}
			continue
		}
		if len(tables) == 1 {
			typeField(fields, cols, i, tables[0], f[len(f)-1].GetString_().GetSval())
		}
		i++
	}
}

// catalogTypes are the PostgreSQL types a catalog column may be described
// as, with the DuckDB type pgcatalog stores it as.
var catalogTypes = map[uint32]duck.TypeID{
	18: duck.TypeVarchar, 19: duck.TypeVarchar, 26: duck.TypeUInteger, 28: duck.TypeUInteger, 29: duck.TypeUInteger,
	24: duck.TypeUInteger, 2202: duck.TypeUInteger, 2203: duck.TypeUInteger, 2204: duck.TypeUInteger,
	2205: duck.TypeUInteger, 2206: duck.TypeUInteger, 4089: duck.TypeUInteger, 4096: duck.TypeUInteger,
	194: duck.TypeVarchar, 22: duck.TypeList, 30: duck.TypeList, 1003: duck.TypeList, 1028: duck.TypeList,
	1002: duck.TypeList,
}

func typeField(fields []Field, cols []duck.Column, i int, table, column string) {
	if i >= len(fields) || i >= len(cols) {
		return
	}
	oid, ok := pgcatalog.ColumnTypeOID(table, column)
	if !ok {
		return
	}
	if want, ok := catalogTypes[oid]; !ok || cols[i].Type.ID != want {
		return
	}
	fields[i].TypeOID = oid
	switch oid {
	case 18:
		fields[i].TypeSize = 1
	case 19:
		fields[i].TypeSize = 64
	case 22, 30, 1003, 1028, 1002, 194:
		fields[i].TypeSize = -1
	default:
		fields[i].TypeSize = 4
	}
}
