package sqlrouter

import (
	"context"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// SQL prepared statements: PREPARE name [(types)] AS statement, EXECUTE
// name [(values)], DEALLOCATE [PREPARE] name | ALL. A PREPAREd statement
// is a stmt of the session, planned at once like the extended protocol's
// Parse, kept by name until DEALLOCATE or DISCARD ALL; EXECUTE binds the
// values (constants, as text) and runs it. pg_prepared_statements lists
// them.

// codeDuplicatePreparedStatement is 42P05.
const codeDuplicatePreparedStatement pgerr.Code = "42P05"

// prepareSQL runs PREPARE.
func (s *Session) prepareSQL(ctx context.Context, pr *pg_query.PrepareStmt, text string) (Result, error) {
	if _, dup := s.prepared[pr.Name]; dup {
		return Result{}, errf(codeDuplicatePreparedStatement, "prepared statement %q already exists", pr.Name)
	}
	declared := make([]uint32, len(pr.Argtypes))
	for i, a := range pr.Argtypes {
		declared[i] = typeNameOID(a.GetTypeName())
	}
	query := pr.Query
	if len(pr.Argtypes) > 0 {
		// $n of a declared type is that type, also where DuckDB could not
		// tell it (PREPARE p(int) AS SELECT $1).
		query = cloneNode(query)
		castParams(query, pr.Argtypes)
	}
	st := &stmt{s: s, sql: text, query: s.text, node: query, cls: classify(query), declared: declared, created: time.Now()}
	switch st.cls.op {
	case opQuery:
	case opRefuse:
		return Result{}, st.cls.err
	default:
		return Result{}, unsupported("PREPARE of this statement is not supported")
	}
	s.stmts[st] = struct{}{}
	if err := st.prepareEager(ctx); err != nil {
		st.Close()
		return Result{}, err
	}
	if s.prepared == nil {
		s.prepared = map[string]*stmt{}
	}
	s.prepared[pr.Name] = st
	return Result{Tag: "PREPARE"}, nil
}

// castParams writes $n as $n::type for the declared types.
func castParams(n *pg_query.Node, types []*pg_query.Node) {
	done := map[*pg_query.ParamRef]bool{} // the walk visits the casts it makes
	walkNodes(n.ProtoReflect(), func(x *pg_query.Node) {
		pr := x.GetParamRef()
		if pr == nil || done[pr] || pr.Number < 1 || int(pr.Number) > len(types) || types[pr.Number-1].GetTypeName() == nil {
			return
		}
		done[pr] = true
		param := &pg_query.Node{Node: &pg_query.Node_ParamRef{ParamRef: pr}}
		x.Node = &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: param,
			TypeName: cloneNode(types[pr.Number-1]).GetTypeName(), Location: pr.Location}}
	})
}

// typeNameOIDs are the OIDs of the types PREPARE most often declares; 0
// (inferred, as the protocol's Parse allows) for others.
var typeNameOIDs = map[string]uint32{
	"bool": 16, "bytea": 17, "int8": 20, "int2": 21, "int4": 23, "text": 25, "oid": 26, "json": 114,
	"float4": 700, "float8": 701, "bpchar": 1042, "varchar": 1043, "date": 1082, "time": 1083,
	"timestamp": 1114, "timestamptz": 1184, "interval": 1186, "numeric": 1700, "uuid": 2950, "jsonb": 3802,
}

func typeNameOID(tn *pg_query.TypeName) uint32 {
	if tn == nil || len(tn.Names) == 0 || len(tn.ArrayBounds) > 0 {
		return 0
	}
	return typeNameOIDs[strings.ToLower(tn.Names[len(tn.Names)-1].GetString_().GetSval())]
}

// bindExecute readies EXECUTE: it binds the prepared statement with the
// values given and runs it in place of EXECUTE, with its command tag.
func (st *stmt) bindExecute(ctx context.Context, p *portal) error {
	s := st.s
	e := st.node.GetExecuteStmt()
	ps := s.prepared[e.Name]
	if ps == nil {
		return errf(pgerr.InvalidSQLStatementName, "prepared statement %q does not exist", e.Name)
	}
	if want := len(ps.ParamOIDs()); len(e.Params) != want {
		return errf(pgerr.SyntaxError, "wrong number of parameters for prepared statement %q", e.Name).
			WithDetail("Expected %d parameters but got %d.", want, len(e.Params))
	}
	args := make([]any, len(e.Params))
	for i, v := range e.Params {
		if c := v.GetAConst(); c != nil && c.Isnull {
			continue // NULL
		}
		text, ok := constString(v)
		if !ok {
			return unsupported("EXECUTE takes constant values")
		}
		args[i] = text
	}
	inner, err := ps.bind(ctx, args)
	if err != nil {
		return err
	}
	p.fields, p.sub = inner.fields, inner
	p.fetch = func(ctx context.Context, sink RowSink) (Result, error) {
		return inner.execute(ctx, sink, 0)
	}
	return nil
}

// deallocate runs DEALLOCATE name and DEALLOCATE ALL.
func (s *Session) deallocate(d *pg_query.DeallocateStmt, tag string) (Result, error) {
	if d.Name == "" {
		s.deallocateAll()
		return Result{Tag: tag}, nil
	}
	ps := s.prepared[d.Name]
	if ps == nil {
		return Result{}, errf(pgerr.InvalidSQLStatementName, "prepared statement %q does not exist", d.Name)
	}
	ps.Close()
	delete(s.prepared, d.Name)
	return Result{Tag: tag}, nil
}

func (s *Session) deallocateAll() {
	for name, ps := range s.prepared {
		ps.Close()
		delete(s.prepared, name)
	}
}
