package sqlrouter

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/engine"
)

// PostgreSQL semantics DuckDB lacks or spells differently, applied while
// rewriting: type names, regular expression operators, collations, array
// literals, and names DuckDB reserves.

// normalizeTypeName drops the pg_catalog qualifier from type names the
// deparser would print qualified (DuckDB has no such schema for types)
// and maps the few PostgreSQL types DuckDB lacks.
func normalizeTypeName(tn *pg_query.TypeName) {
	if len(tn.Names) == 2 && tn.Names[0].GetString_().GetSval() == "pg_catalog" {
		if !deparsedUnqualified[tn.Names[1].GetString_().GetSval()] {
			tn.Names = tn.Names[1:]
		}
	}
	if len(tn.Names) == 1 {
		if to, ok := typeAliases[tn.Names[0].GetString_().GetSval()]; ok {
			if elem, isArray := strings.CutSuffix(to, "[]"); isArray {
				// int2vector and oidvector: catalog lists.
				to = elem
				tn.ArrayBounds = append(tn.ArrayBounds, pg_query.MakeIntNode(-1))
			}
			tn.Names = []*pg_query.Node{pg_query.MakeStrNode(to)}
		}
	}
}

// deparsedUnqualified are the pg_catalog types the deparser writes in
// SQL-standard spelling (int, varchar(n), timestamp with time zone...).
var deparsedUnqualified = map[string]bool{
	"bpchar": true, "varchar": true, "numeric": true, "bool": true, "int2": true, "int4": true, "int8": true,
	"float4": true, "float8": true, "time": true, "timetz": true, "timestamp": true, "timestamptz": true,
	"interval": true, "bit": true, "varbit": true,
}

var typeAliases = map[string]string{"name": "text", "citext": "text", "jsonb": "json", "oid": "uinteger",
	"char": "varchar", "xid": "uinteger", "cid": "uinteger", "int2vector": "smallint[]", "oidvector": "uinteger[]"}

// duckDBReserved are words DuckDB reserves (or allows only as type and
// function names) that PostgreSQL does not, so the deparser writes them
// unquoted where they are column, table or alias names.
var duckDBReserved = map[string]bool{
	"anti": true, "asof": true, "at": true, "by": true, "columns": true, "describe": true, "generated": true,
	"glob": true, "lambda": true, "map": true, "pivot": true, "pivot_longer": true, "pivot_wider": true,
	"positional": true, "qualify": true, "semi": true, "show": true, "struct": true, "summarize": true,
	"try_cast": true, "unpack": true, "unpivot": true,
}

// quoteDuckDBKeywords quotes those words in deparsed SQL. The deparser
// writes SQL keywords in upper case and names in lower case, so a
// lower-case, unquoted occurrence that is not a function call is a name.
func quoteDuckDBKeywords(sql string) string {
	res, err := pg_query.Scan(sql)
	if err != nil {
		return sql
	}
	var b strings.Builder
	last := 0
	for _, tok := range res.Tokens {
		start, end := int(tok.Start), int(tok.End)
		if end > len(sql) || !duckDBReserved[sql[start:end]] {
			continue
		}
		rest := strings.TrimLeft(sql[end:], " \t\n")
		if strings.HasPrefix(rest, "(") {
			continue
		}
		b.WriteString(sql[last:start])
		b.WriteString(`"` + sql[start:end] + `"`)
		last = end
	}
	if last == 0 {
		return sql
	}
	b.WriteString(sql[last:])
	return b.String()
}

// typeCast writes PostgreSQL array literals as arrays ('{1,2}'::int[],
// which DuckDB cannot cast from text) and lets the SystemCatalog answer
// casts to its types (reg*).
func (w *rewriter) typeCast(n *pg_query.Node, tc *pg_query.TypeCast) error {
	if err := w.children(tc); err != nil {
		return err
	}
	if isByteaType(tc.GetTypeName()) {
		if err := byteaConst(tc.Arg); err != nil {
			return err
		}
	}
	if len(tc.GetTypeName().GetArrayBounds()) > 0 {
		if c := tc.Arg.GetAConst(); c != nil && !c.Isnull {
			if lit, ok := c.Val.(*pg_query.A_Const_Sval); ok {
				if arr, ok := pgArrayLiteral(lit.Sval.Sval); ok {
					tc.Arg = arr
				}
			}
		}
	}
	if w.s.r.cfg.SystemCatalog == nil {
		return nil
	}
	repl, err := w.catalogCast(tc)
	if err != nil || repl == nil {
		return err
	}
	w.usesSettings = true
	n.Node = repl.Node
	return nil
}

// regexOperator rewrites PostgreSQL's regular expression operators ~, ~*,
// !~ and !~* (also written OPERATOR(pg_catalog.~)): DuckDB's ~ matches the
// whole string, PostgreSQL's any part of it, which is regexp_matches.
func regexOperator(n *pg_query.Node, e *pg_query.A_Expr) {
	if e.Kind != pg_query.A_Expr_Kind_AEXPR_OP || len(e.Name) == 0 || e.Lexpr == nil || e.Rexpr == nil {
		return
	}
	op := e.Name[len(e.Name)-1].GetString_().GetSval()
	var args []*pg_query.Node
	switch op {
	case "~", "!~":
		args = []*pg_query.Node{e.Lexpr, e.Rexpr}
	case "~*", "!~*":
		args = []*pg_query.Node{e.Lexpr, e.Rexpr, pg_query.MakeAConstStrNode("i", -1)}
	default:
		return
	}
	call := pg_query.MakeFuncCallNode([]*pg_query.Node{pg_query.MakeStrNode("regexp_matches")}, args, e.Location)
	if op[0] == '!' {
		call = pg_query.MakeBoolExprNode(pg_query.BoolExprType_NOT_EXPR, []*pg_query.Node{call}, e.Location)
	}
	n.Node = call.Node
}

// dropDefaultCollation removes COLLATE clauses naming PostgreSQL's
// default collations (psql writes COLLATE pg_catalog.default), which
// DuckDB does not know and which mean its default order anyway.
func dropDefaultCollation(n *pg_query.Node, c *pg_query.CollateClause) {
	if len(c.Collname) == 0 || c.Arg == nil {
		return
	}
	switch strings.ToLower(c.Collname[len(c.Collname)-1].GetString_().GetSval()) {
	case "default", "c", "posix", "ucs_basic":
		n.Node = c.Arg.Node
	}
}

// pgArrayLiteral parses PostgreSQL's array text ({a,"b c",NULL,{1,2}})
// into an ARRAY[...] of text constants, which DuckDB casts element by
// element.
func pgArrayLiteral(text string) (*pg_query.Node, bool) {
	p := arrayParser{s: strings.TrimSpace(text)}
	n, ok := p.array()
	if !ok || strings.TrimSpace(p.s[p.i:]) != "" {
		return nil, false
	}
	return n, true
}

type arrayParser struct {
	s string
	i int
}

func (p *arrayParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *arrayParser) array() (*pg_query.Node, bool) {
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return nil, false
	}
	p.i++
	var elems []*pg_query.Node
	for {
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == '}' && len(elems) == 0 {
			p.i++
			break
		}
		e, ok := p.element()
		if !ok {
			return nil, false
		}
		elems = append(elems, e)
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, false
		}
		if p.s[p.i] == '}' {
			p.i++
			break
		}
		if p.s[p.i] != ',' {
			return nil, false
		}
		p.i++
	}
	return &pg_query.Node{Node: &pg_query.Node_AArrayExpr{AArrayExpr: &pg_query.A_ArrayExpr{Elements: elems, Location: -1}}}, true
}

func (p *arrayParser) element() (*pg_query.Node, bool) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, false
	}
	switch p.s[p.i] {
	case '{':
		return p.array()
	case '"':
		var b strings.Builder
		for p.i++; p.i < len(p.s); p.i++ {
			switch c := p.s[p.i]; c {
			case '\\':
				p.i++
				if p.i < len(p.s) {
					b.WriteByte(p.s[p.i])
				}
			case '"':
				p.i++
				return pg_query.MakeAConstStrNode(b.String(), -1), true
			default:
				b.WriteByte(c)
			}
		}
		return nil, false
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != '}' {
		p.i++
	}
	v := strings.TrimSpace(p.s[start:p.i])
	if strings.EqualFold(v, "NULL") {
		return &pg_query.Node{Node: &pg_query.Node_AConst{AConst: &pg_query.A_Const{Isnull: true, Location: -1}}}, true
	}
	return pg_query.MakeAConstStrNode(v, -1), v != ""
}

// checkDivisor makes division and modulo by zero fail as in PostgreSQL
// (22012) instead of giving NULL or infinity as in DuckDB: the divisor
// goes through the instance's engine.NonZeroMacro.
func checkDivisor(e *pg_query.A_Expr) {
	if e.Kind != pg_query.A_Expr_Kind_AEXPR_OP || len(e.Name) != 1 || e.Lexpr == nil || e.Rexpr == nil {
		return
	}
	if op := e.Name[0].GetString_().GetSval(); op != "/" && op != "%" {
		return
	}
	if c := e.Rexpr.GetAConst(); c != nil && !c.Isnull {
		if v, ok := c.Val.(*pg_query.A_Const_Ival); ok && v.Ival.Ival != 0 {
			return // a non-zero integer constant needs no check
		}
	}
	e.Rexpr = pg_query.MakeFuncCallNode([]*pg_query.Node{pg_query.MakeStrNode(engine.NonZeroMacro)}, []*pg_query.Node{e.Rexpr}, e.Location)
}

// formatToConcat rewrites format() with a constant format string into
// concatenation: format('%I.%I', s, t) is quote_ident(s::text) || '.' ||
// quote_ident(t::text), %L quote_literal, %s the text itself. It returns
// nil for formats it does not know (positions, widths).
func formatToConcat(args []*pg_query.Node) *pg_query.Node {
	if len(args) == 0 || args[0].GetAConst().GetSval() == nil {
		return nil
	}
	f := args[0].GetAConst().GetSval().Sval
	var parts []*pg_query.Node
	var lit strings.Builder
	next := 1
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, pg_query.MakeAConstStrNode(lit.String(), -1))
			lit.Reset()
		}
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			lit.WriteByte(f[i])
			continue
		}
		if i++; i == len(f) {
			return nil
		}
		if f[i] == '%' {
			lit.WriteByte('%')
			continue
		}
		if next >= len(args) {
			return nil
		}
		arg := &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: args[next],
			TypeName: textTypeName(), Location: -1}}}
		next++
		flush()
		switch f[i] {
		case 'I':
			arg = pg_query.MakeFuncCallNode([]*pg_query.Node{pg_query.MakeStrNode("quote_ident")}, []*pg_query.Node{arg}, -1)
		case 'L':
			arg = pg_query.MakeFuncCallNode([]*pg_query.Node{pg_query.MakeStrNode("quote_nullable")}, []*pg_query.Node{arg}, -1)
		case 's':
			arg = &pg_query.Node{Node: &pg_query.Node_CoalesceExpr{CoalesceExpr: &pg_query.CoalesceExpr{
				Args: []*pg_query.Node{arg, pg_query.MakeAConstStrNode("", -1)}, Location: -1}}}
		default:
			return nil
		}
		parts = append(parts, arg)
	}
	flush()
	if len(parts) == 0 {
		return pg_query.MakeAConstStrNode("", -1)
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out = pg_query.MakeAExprNode(pg_query.A_Expr_Kind_AEXPR_OP, []*pg_query.Node{pg_query.MakeStrNode("||")}, out, p, -1)
	}
	return out
}

// anyParam writes x = ANY($1) as list_contains($1, x): DuckDB cannot tell
// the type of a parameter ANY reads (it would describe the statement with
// no result type), while list_contains makes it a list of x's type, as
// PostgreSQL makes it an array. Drivers send arrays as parameters for
// exactly this (pgx, node-postgres, pgjdbc's setArray).
func anyParam(n *pg_query.Node, e *pg_query.A_Expr) {
	if e.Kind != pg_query.A_Expr_Kind_AEXPR_OP_ANY || len(e.Name) == 0 || e.Lexpr == nil || e.Rexpr.GetParamRef() == nil {
		return
	}
	if e.Name[len(e.Name)-1].GetString_().GetSval() != "=" {
		return
	}
	n.Node = pg_query.MakeFuncCallNode([]*pg_query.Node{pg_query.MakeStrNode("list_contains")},
		[]*pg_query.Node{e.Rexpr, e.Lexpr}, e.Location).Node
}

// pgArrayText turns PostgreSQL's array text ({1,2}, {"a b",NULL},
// {{1,2},{3,4}}) into DuckDB's list text ([1,2], ["a b",NULL], ...), which
// quotes, escapes and writes NULL the same way: only the brackets differ.
// It reports false for anything else, such as arrays with explicit bounds.
func pgArrayText(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if len(t) < 2 || t[0] != '{' {
		return "", false
	}
	b := []byte(t)
	depth, quoted := 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '{':
			b[i] = '['
			depth++
		case c == '}':
			b[i] = ']'
			depth--
			if depth == 0 && strings.TrimSpace(string(b[i+1:])) != "" {
				return "", false
			}
		}
	}
	if depth != 0 || quoted {
		return "", false
	}
	return string(b), true
}
