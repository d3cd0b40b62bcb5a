package sqlrouter

import (
	"context"
	"errors"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// The rewriter turns a statement's parse tree into SQL for DuckDB. It
// walks every node of the tree (generically, through protobuf reflection,
// so that no node type can hide a table or function reference from it):
//
//   - each table reference (RangeVar) is resolved through the catalog and
//     pointed at its attached file, <alias>.main.data AS <the user's name>;
//     CTE names are left alone; pg_catalog and information_schema go to the
//     SystemCatalog; anything else is an error, so only names resolved
//     through the catalog ever reach DuckDB;
//   - schema-qualified column references ("in.c-sales".orders.id) lose the
//     schema, since the table is now known by its alias;
//   - functions pass the sandbox (sandbox.go), and the session functions
//     (version(), current_setting(), ...) become literals (builtins.go).
//
// Then the tree is deparsed back to SQL.

// tableRef is a table a statement uses, with every RangeVar naming it.
type tableRef struct {
	t     *catalog.Table
	uses  []*rangeUse
	alias string // attachment alias, set by pinning
}

type rangeUse struct {
	rv        *pg_query.RangeVar
	relname   string // as written
	userAlias bool   // the user gave an alias
}

type rewriter struct {
	ctx    context.Context
	s      *Session
	res    *resolver
	scopes []map[string]bool

	refs []*tableRef
	byID map[int64]*tableRef

	// target is the RangeVar a write statement writes, and targetTable
	// the table it is bound to (locked, when the plan is for execution).
	target      *pg_query.RangeVar
	targetTable *catalog.Table

	colRefs      []*pg_query.ColumnRef
	usesSettings bool
	// cat is the system catalog the statement reads, if any.
	cat     *catalogUse
	effects []func() error
	locking bool // SELECT ... FOR UPDATE/SHARE
}

func (s *Session) newRewriter(ctx context.Context, res *resolver) *rewriter {
	return &rewriter{ctx: ctx, s: s, res: res, byID: map[int64]*tableRef{}}
}

// at gives an error about a name in the statement the position of that
// name (loc, a byte offset into the query string), as PostgreSQL does:
// psql draws "LINE 1: ... ^" from it and drivers report it.
func (w *rewriter) at(err error, loc int32) error {
	return withPosition(err, w.s.text, loc)
}

// walk rewrites the tree under n.
func (w *rewriter) walk(n *pg_query.Node) error {
	if n == nil || n.Node == nil {
		return nil
	}
	switch x := n.Node.(type) {
	case *pg_query.Node_RangeVar:
		return w.rangeVar(x.RangeVar, n)
	case *pg_query.Node_FuncCall:
		return w.funcCall(n, x.FuncCall, false)
	case *pg_query.Node_RangeFunction:
		return w.rangeFunction(n, x.RangeFunction)
	case *pg_query.Node_SqlvalueFunction:
		return w.sqlValueFunction(n, x.SqlvalueFunction)
	case *pg_query.Node_ColumnRef:
		w.colRefs = append(w.colRefs, x.ColumnRef)
		return nil
	case *pg_query.Node_TypeCast:
		return w.typeCast(n, x.TypeCast)
	case *pg_query.Node_AExpr:
		if err := w.children(x.AExpr); err != nil {
			return err
		}
		regexOperator(n, x.AExpr)
		anyParam(n, x.AExpr)
		checkDivisor(x.AExpr)
		return nil
	case *pg_query.Node_CollateClause:
		if err := w.children(x.CollateClause); err != nil {
			return err
		}
		dropDefaultCollation(n, x.CollateClause)
		return nil
	case *pg_query.Node_SelectStmt:
		if len(x.SelectStmt.LockingClause) > 0 {
			// Row locks do not exist here; the table write lock gives
			// the read-modify-write safety FOR UPDATE is used for.
			w.locking = true
			x.SelectStmt.LockingClause = nil
		}
		return w.scoped(x.SelectStmt.WithClause, x.SelectStmt)
	case *pg_query.Node_InsertStmt, *pg_query.Node_UpdateStmt, *pg_query.Node_DeleteStmt, *pg_query.Node_MergeStmt:
		// Only the statement itself may write: a data-modifying CTE would
		// write a table without its lock.
		if writeTarget(n) != w.target {
			return unsupported("data-modifying statements in WITH are not supported")
		}
		with, stmt := writeParts(n)
		if err := w.scoped(with, stmt); err != nil {
			return err
		}
		return byteaTargets(n, w.targetTableOf())
	case *pg_query.Node_RangeTableFunc, *pg_query.Node_JsonTable:
		return unsupported("XMLTABLE and JSON_TABLE are not supported")
	case *pg_query.Node_IntoClause:
		return unsupported("SELECT INTO is only supported as a whole statement")
	}
	return w.children(n)
}

// scoped walks a statement with the names of its WITH clause in scope. All
// of them are in scope for every part (PostgreSQL lets later CTEs and
// recursive ones see them); a name that is not really visible somewhere
// fails in DuckDB instead, which is safe.
func (w *rewriter) scoped(with *pg_query.WithClause, m proto.Message) error {
	names := map[string]bool{}
	if with != nil {
		for _, c := range with.Ctes {
			if cte := c.GetCommonTableExpr(); cte != nil {
				names[cte.Ctename] = true
			}
		}
	}
	w.scopes = append(w.scopes, names)
	defer func() { w.scopes = w.scopes[:len(w.scopes)-1] }()
	return w.children(m)
}

func (w *rewriter) isCTE(name string) bool {
	for i := len(w.scopes) - 1; i >= 0; i-- {
		if w.scopes[i][name] {
			return true
		}
	}
	return false
}

// children walks every message-valued field of m.
func (w *rewriter) children(m proto.Message) error {
	var err error
	m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil {
			return true
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len() && err == nil; i++ {
				err = w.visit(l.Get(i).Message().Interface())
			}
		} else {
			err = w.visit(v.Message().Interface())
		}
		return err == nil
	})
	return err
}

func (w *rewriter) visit(m proto.Message) error {
	switch x := m.(type) {
	case *pg_query.Node:
		return w.walk(x)
	case *pg_query.RangeVar:
		return w.rangeVar(x, nil)
	case *pg_query.TypeName:
		normalizeTypeName(x)
		return w.children(x)
	}
	return w.children(m)
}

// rangeVar resolves a table reference. n is the Node holding it, nil when
// the RangeVar is a statement's own field (INSERT INTO's target...), where
// it cannot be replaced by a subquery.
func (w *rewriter) rangeVar(rv *pg_query.RangeVar, n *pg_query.Node) error {
	if rv.Catalogname != "" {
		if !w.s.isOwnDatabase(rv.Catalogname) {
			return crossDatabase(rangeVarName(rv))
		}
		rv.Catalogname = ""
	}
	if rv.Schemaname == "" && w.isCTE(rv.Relname) {
		return nil
	}
	if rv.Relpersistence == "t" {
		return unsupported("temporary tables are not supported")
	}
	if rv != w.target {
		if done, err := w.systemRelation(rv, n); done || err != nil {
			return w.at(err, rv.Location)
		}
	}
	var t *catalog.Table
	var err error
	if rv == w.target && w.targetTable != nil {
		t = w.targetTable
	} else {
		t, err = w.res.table(rv.Schemaname, rv.Relname)
		if err != nil {
			return w.at(err, rv.Location)
		}
	}
	ref := w.byID[t.ID]
	if ref == nil {
		ref = &tableRef{t: t}
		w.byID[t.ID] = ref
		w.refs = append(w.refs, ref)
	}
	ref.uses = append(ref.uses, &rangeUse{rv: rv, relname: rv.Relname, userAlias: rv.Alias != nil})
	if rv.Alias != nil {
		// Column aliases and the like stay; walk them for completeness.
		return w.children(rv.Alias)
	}
	return nil
}

// targetTableOf returns the table a write statement writes, once its
// RangeVar has been resolved.
func (w *rewriter) targetTableOf() *catalog.Table {
	if w.targetTable != nil {
		return w.targetTable
	}
	for _, ref := range w.refs {
		for _, u := range ref.uses {
			if u.rv == w.target {
				return ref.t
			}
		}
	}
	return nil
}

// systemRelation hands pg_catalog and information_schema relations (and
// unqualified names of theirs, pg_catalog being implicitly first on
// PostgreSQL's search path) to the system catalog. It reports whether it
// dealt with rv.
func (w *rewriter) systemRelation(rv *pg_query.RangeVar, n *pg_query.Node) (bool, error) {
	schema := rv.Schemaname
	system := schema == "pg_catalog" || schema == "information_schema"
	if !system && schema != "" {
		return false, nil
	}
	if w.s.r.cfg.SystemCatalog != nil {
		if n == nil {
			// A statement's own relation (LOCK, COPY FROM...): the
			// catalog is read-only.
			if _, ok, err := w.systemTable(schema, rv.Relname); ok || err != nil {
				return true, errors.Join(err, denied("permission denied for relation %s", rangeVarName(rv)))
			}
		} else if done, err := w.catalogRelation(rv); done || err != nil {
			return true, err
		}
		if system {
			return true, errf(pgerr.UndefinedTable, "relation \"%s\" does not exist", rangeVarName(rv))
		}
		return false, nil
	}
	if !system {
		return false, nil
	}
	if n == nil {
		return true, denied("permission denied for relation %s", rangeVarName(rv))
	}
	// Bucket names like "pg_catalog" cannot exist (ValidateName allows
	// them, but a bucket there would be shadowed in PostgreSQL too).
	return true, unsupported("system catalog relation %s is not available", rangeVarName(rv))
}

// rangeFunction checks the functions of a FROM item and gives them
// PostgreSQL's shape. n holds the item.
func (w *rewriter) rangeFunction(n *pg_query.Node, rf *pg_query.RangeFunction) error {
	if fc := singleFunction(rf); fc != nil {
		_, name, err := funcName(fc)
		if err != nil {
			return err
		}
		if !tableFunctions[name] {
			// A function returning one value is a one-row table in
			// PostgreSQL (Grafana: string_to_array(...) s); DuckDB has
			// that as a subquery. Functions the sandbox refuses are
			// refused as such, and DuckDB refuses its own table functions
			// where a value is expected.
			if checkFunction(name, false) != nil {
				return checkFunction(name, true)
			}
			n.Node = scalarFrom(rf, fc, name).Node
			return w.walk(n)
		}
		if rf.Alias != nil && len(rf.Alias.Colnames) == 0 && (name == "generate_series" || name == "unnest") {
			// PostgreSQL names the one column after the alias.
			rf.Alias.Colnames = []*pg_query.Node{pg_query.MakeStrNode(rf.Alias.Aliasname)}
		}
	}
	for _, item := range rf.Functions {
		l := item.GetList()
		if l == nil || len(l.Items) == 0 {
			continue
		}
		if fc := l.Items[0].GetFuncCall(); fc != nil {
			if err := w.funcCall(l.Items[0], fc, true); err != nil {
				return err
			}
			for _, rest := range l.Items[1:] {
				if err := w.walk(rest); err != nil {
					return err
				}
			}
			continue
		}
		if err := w.walk(item); err != nil {
			return err
		}
	}
	if rf.Alias != nil {
		if err := w.children(rf.Alias); err != nil {
			return err
		}
	}
	for _, c := range rf.Coldeflist {
		if err := w.walk(c); err != nil {
			return err
		}
	}
	if fc := singleFunction(rf); fc != nil && fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval() == "generate_series" &&
		int4Args(fc.Args) {
		n.Node = int4Series(rf).Node
	}
	return nil
}

// singleFunction returns the call of a plain one-function FROM item.
func singleFunction(rf *pg_query.RangeFunction) *pg_query.FuncCall {
	if len(rf.Functions) != 1 || rf.Ordinality || rf.IsRowsfrom || len(rf.Coldeflist) > 0 {
		return nil
	}
	items := rf.Functions[0].GetList().GetItems()
	if len(items) == 0 {
		return nil
	}
	return items[0].GetFuncCall()
}

// scalarFrom writes f(...) AS a(c) as (SELECT f(...) AS c) AS a.
func scalarFrom(rf *pg_query.RangeFunction, fc *pg_query.FuncCall, name string) *pg_query.Node {
	alias := &pg_query.Alias{Aliasname: name}
	if rf.Alias != nil {
		alias = &pg_query.Alias{Aliasname: rf.Alias.Aliasname}
	}
	col := alias.Aliasname
	if rf.Alias != nil && len(rf.Alias.Colnames) == 1 {
		col = rf.Alias.Colnames[0].GetString_().GetSval()
	}
	sel := &pg_query.SelectStmt{TargetList: []*pg_query.Node{pg_query.MakeResTargetNodeWithNameAndVal(col,
		&pg_query.Node{Node: &pg_query.Node_FuncCall{FuncCall: fc}}, -1)}}
	return &pg_query.Node{Node: &pg_query.Node_RangeSubselect{RangeSubselect: &pg_query.RangeSubselect{
		Subquery: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}}, Alias: alias}}}
}

// int4Args reports whether generate_series's arguments are integers
// PostgreSQL types int4 (constants and int2/int4 casts; parameters take
// the others' type), for which it returns int4 where DuckDB returns
// BIGINT. node-postgres, for one, reads int8 as a string.
func int4Args(args []*pg_query.Node) bool {
	typed := false
	for _, a := range args {
		switch x := a.Node.(type) {
		case *pg_query.Node_ParamRef:
		case *pg_query.Node_AConst:
			if _, ok := x.AConst.Val.(*pg_query.A_Const_Ival); !ok {
				return false
			}
			typed = true
		case *pg_query.Node_TypeCast:
			names := x.TypeCast.GetTypeName().GetNames()
			switch names[len(names)-1].GetString_().GetSval() {
			case "int2", "int4", "int", "integer", "smallint":
			default:
				return false
			}
			if len(x.TypeCast.TypeName.ArrayBounds) > 0 {
				return false
			}
			typed = true
		default:
			return false
		}
	}
	return typed
}

// int4Series wraps generate_series(...) AS a(c) as (SELECT
// CAST(generate_series AS integer) FROM generate_series(...)) AS a(c).
func int4Series(rf *pg_query.RangeFunction) *pg_query.Node {
	alias := rf.Alias
	if alias == nil {
		alias = &pg_query.Alias{Aliasname: "generate_series"}
	}
	if len(alias.Colnames) == 0 {
		alias.Colnames = []*pg_query.Node{pg_query.MakeStrNode(alias.Aliasname)}
	}
	inner := &pg_query.RangeFunction{Functions: rf.Functions}
	col := pg_query.MakeColumnRefNode([]*pg_query.Node{pg_query.MakeStrNode("generate_series")}, -1)
	cast := &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: col,
		TypeName: &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode("int4")}, Typemod: -1, Location: -1}, Location: -1}}}
	sel := &pg_query.SelectStmt{
		TargetList: []*pg_query.Node{pg_query.MakeResTargetNodeWithNameAndVal("generate_series", cast, -1)},
		FromClause: []*pg_query.Node{{Node: &pg_query.Node_RangeFunction{RangeFunction: inner}}},
	}
	return &pg_query.Node{Node: &pg_query.Node_RangeSubselect{RangeSubselect: &pg_query.RangeSubselect{
		Subquery: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}}, Alias: alias}}}
}

// funcCall checks a function call against the sandbox and replaces the
// session functions by their values. n holds the call.
func (w *rewriter) funcCall(n *pg_query.Node, fc *pg_query.FuncCall, tableFunc bool) error {
	schema, name, err := funcName(fc)
	if err != nil {
		return err
	}
	if schema == "pg_catalog" {
		fc.Funcname = fc.Funcname[len(fc.Funcname)-1:]
	}
	if name == "format" && !tableFunc && schema != "information_schema" {
		// DuckDB's format() is fmt's, not PostgreSQL's %s/%I/%L.
		if repl := formatToConcat(fc.Args); repl != nil {
			n.Node = repl.Node
			return w.walk(n)
		}
	}
	// The arguments first: whatever replaces the call may keep them.
	if err := w.children(fc); err != nil {
		return err
	}
	if !tableFunc {
		if repl, err := w.builtin(name, fc); err != nil || repl != nil {
			if repl != nil {
				n.Node = repl.Node
			}
			return err
		}
		if w.s.r.cfg.SystemCatalog != nil {
			if ok, err := w.catalogFunction(fc, schema, name); ok || err != nil {
				w.usesSettings = true
				return err
			}
		}
	}
	if schema == "information_schema" {
		return unsupported("function information_schema.%s is not available", name)
	}
	if to, ok := renamedFunctions[name]; ok && !tableFunc {
		fc.Funcname = []*pg_query.Node{pg_query.MakeStrNode(to)}
	}
	return checkFunction(name, tableFunc)
}

// renamedFunctions are PostgreSQL functions DuckDB has under another name
// with the same meaning.
var renamedFunctions = map[string]string{
	"json_build_object": "json_object", "jsonb_build_object": "json_object",
	"json_build_array": "json_array", "jsonb_build_array": "json_array", "btrim": "trim",
}

// funcName returns a call's lower-cased schema and name. Only pg_catalog
// and information_schema may qualify a function: any other qualifier
// names a DuckDB catalog (system, temp, an attachment) and is refused.
func funcName(fc *pg_query.FuncCall) (schema, name string, err error) {
	parts := make([]string, len(fc.Funcname))
	for i, p := range fc.Funcname {
		parts[i] = strings.ToLower(p.GetString_().GetSval())
	}
	switch len(parts) {
	case 1:
		return "", parts[0], nil
	case 2:
		if parts[0] == "pg_catalog" || parts[0] == "information_schema" {
			return parts[0], parts[1], nil
		}
	}
	return "", "", denied("permission denied for function %s: functions may be qualified only with pg_catalog", strings.Join(parts, "."))
}

// sqlValueFunction replaces current_user, current_catalog and the like,
// which DuckDB answers with its own values.
func (w *rewriter) sqlValueFunction(n *pg_query.Node, f *pg_query.SQLValueFunction) error {
	switch f.Op {
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER,
		pg_query.SQLValueFunctionOp_SVFOP_USER, pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER:
		n.Node = textLiteral(w.s.startup.User).Node
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		n.Node = textLiteral(w.s.database).Node
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
		repl, err := w.currentSchema()
		if err != nil {
			return err
		}
		n.Node = repl.Node
	}
	return nil
}

// finish points every resolved RangeVar at its attachment and fixes
// schema-qualified column references. aliases maps table ids to their
// attachment aliases.
func (w *rewriter) finish() {
	// Unaliased tables are known by their name; two different tables of
	// the same name (in two buckets) get bucket-qualified aliases.
	names := map[string]map[int64]bool{}
	for _, ref := range w.refs {
		for _, u := range ref.uses {
			if !u.userAlias {
				if names[u.relname] == nil {
					names[u.relname] = map[int64]bool{}
				}
				names[u.relname][ref.t.ID] = true
			}
		}
	}
	for _, ref := range w.refs {
		for _, u := range ref.uses {
			if !u.userAlias {
				alias := u.relname
				if len(names[u.relname]) > 1 {
					alias = ref.t.Bucket + "." + u.relname
				}
				u.rv.Alias = &pg_query.Alias{Aliasname: alias}
			}
			u.rv.Catalogname, u.rv.Schemaname, u.rv.Relname = ref.alias, "main", "data"
			u.rv.Inh = true
		}
	}
	for _, cr := range w.colRefs {
		w.fixColumnRef(cr)
	}
}

// fixColumnRef rewrites schema.table.column (and db.schema.table.column)
// to alias.column.
func (w *rewriter) fixColumnRef(cr *pg_query.ColumnRef) {
	f := cr.Fields
	if len(f) == 4 && w.s.isOwnDatabase(f[0].GetString_().GetSval()) {
		f = f[1:]
	}
	if len(f) < 3 {
		return
	}
	schema, rel := f[0].GetString_().GetSval(), f[1].GetString_().GetSval()
	if schema == "" || rel == "" {
		return
	}
	b, err := w.res.findBucket(schema)
	if err != nil || b == nil {
		return
	}
	for _, ref := range w.refs {
		if ref.t.Bucket != b.Name || ref.t.Name != rel {
			continue
		}
		for _, u := range ref.uses {
			if !u.userAlias {
				cr.Fields = append([]*pg_query.Node{pg_query.MakeStrNode(u.rv.Alias.Aliasname)}, f[2:]...)
				return
			}
		}
	}
}

func rangeVarName(rv *pg_query.RangeVar) string {
	parts := []string{}
	for _, p := range []string{rv.Catalogname, rv.Schemaname, rv.Relname} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ".")
}

// deparse writes one statement back as SQL.
func deparse(n *pg_query.Node) (string, error) {
	sql, err := pg_query.Deparse(&pg_query.ParseResult{Version: 170007, Stmts: []*pg_query.RawStmt{{Stmt: n}}})
	if err != nil {
		return "", pgerr.Wrap(err, pgerr.InternalError, "could not write the statement for DuckDB: "+err.Error())
	}
	return quoteDuckDBKeywords(sql), nil
}

// cloneNode copies a parse tree, which the rewriter changes in place.
func cloneNode(n *pg_query.Node) *pg_query.Node { return proto.Clone(n).(*pg_query.Node) }

// crossDatabase refuses a name qualified with a catalog other than the
// session's database: in DuckDB that would be an attachment, system,
// temp or memory, never anything the client should reach.
func crossDatabase(name string) error {
	return denied("permission denied: cross-database references are not allowed: %s", name)
}

// writeParts returns a data-modifying statement's WITH clause and the
// statement itself.
func writeParts(n *pg_query.Node) (*pg_query.WithClause, proto.Message) {
	switch x := n.Node.(type) {
	case *pg_query.Node_InsertStmt:
		return x.InsertStmt.WithClause, x.InsertStmt
	case *pg_query.Node_UpdateStmt:
		return x.UpdateStmt.WithClause, x.UpdateStmt
	case *pg_query.Node_DeleteStmt:
		return x.DeleteStmt.WithClause, x.DeleteStmt
	case *pg_query.Node_MergeStmt:
		return x.MergeStmt.WithClause, x.MergeStmt
	}
	return nil, n
}
