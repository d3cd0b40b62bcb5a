package sqlrouter

import (
	"context"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// runUtility runs a statement the router answers itself.
func (s *Session) runUtility(ctx context.Context, st *stmt, p *portal) (Result, error) {
	node := cloneNode(st.node)
	s.text = st.query
	switch st.cls.op {
	case opTx:
		return s.runTx(ctx, node.GetTransactionStmt(), st.cls.tag)
	case opSet:
		return s.runSet(ctx, node, st.cls.tag)
	case opShow:
		return s.runShow(node.GetVariableShowStmt(), p)
	case opDDL:
		return s.runDDL(ctx, node, st.cls.tag)
	case opTruncate:
		return s.runTruncate(ctx, node.GetTruncateStmt())
	case opLock:
		return s.runLock(ctx, node.GetLockStmt())
	case opExplain:
		return s.runExplain(ctx, node.GetExplainStmt(), p)
	case opNoop:
		return s.runNoop(ctx, node, st.cls.tag)
	case opPrepare:
		if pr := node.GetPrepareStmt(); pr != nil {
			return s.prepareSQL(ctx, pr, st.sql)
		}
		return s.deallocate(node.GetDeallocateStmt(), st.cls.tag)
	case opCursor:
		if d := node.GetDeclareCursorStmt(); d != nil {
			return s.declareCursor(ctx, d, st.sql)
		}
		return s.closeCursor(node.GetClosePortalStmt())
	}
	return Result{}, unsupported("statement cannot be run")
}

// staticFields are the result columns of statements the router answers.
func staticFields(st *stmt) []Field {
	switch st.cls.op {
	case opShow:
		name := st.node.GetVariableShowStmt().GetName()
		if strings.EqualFold(name, "all") {
			return textFields("name", "setting", "description")
		}
		if d, ok := lookupGUC(name); ok {
			name = d.name
		}
		return textFields(name)
	case opExplain:
		return textFields("QUERY PLAN")
	case opFetch:
		return st.s.cursorFields(st.node.GetFetchStmt())
	case opExecute:
		if ps := st.s.prepared[st.node.GetExecuteStmt().GetName()]; ps != nil {
			return ps.Fields()
		}
	}
	return nil
}

// runSet runs SET, RESET, SET LOCAL, SET TRANSACTION, SET SESSION
// CHARACTERISTICS and DISCARD.
func (s *Session) runSet(ctx context.Context, n *pg_query.Node, tag string) (Result, error) {
	if d := n.GetDiscardStmt(); d != nil {
		return s.discard(d, tag)
	}
	v := n.GetVariableSetStmt()
	res := Result{Tag: tag}
	if v.IsLocal && !s.inTx() {
		s.notice("WARNING", pgerr.NoActiveSQLTransaction, "SET LOCAL can only be used in transaction blocks")
		return res, nil
	}
	switch v.Kind {
	case pg_query.VariableSetKind_VAR_SET_VALUE:
		val, err := setValue(v)
		if err != nil {
			return Result{}, err
		}
		return res, s.setGUC(v.Name, val, v.IsLocal, false)
	case pg_query.VariableSetKind_VAR_SET_DEFAULT, pg_query.VariableSetKind_VAR_RESET:
		if v.Name == "session_authorization" || v.Name == "role" {
			return res, nil
		}
		return res, s.resetGUC(v.Name, v.IsLocal)
	case pg_query.VariableSetKind_VAR_RESET_ALL:
		s.resetAllGUCs()
		return res, nil
	case pg_query.VariableSetKind_VAR_SET_CURRENT:
		if _, ok := lookupGUC(v.Name); !ok {
			return Result{}, denied("permission denied to set parameter %q", v.Name)
		}
		return res, nil
	case pg_query.VariableSetKind_VAR_SET_MULTI:
		return res, s.setMulti(v)
	}
	return Result{}, unsupported("unsupported SET")
}

// setValue renders a SET's arguments as the setting's text: a list for
// search_path, one value for everything else.
func setValue(v *pg_query.VariableSetStmt) (string, error) {
	if strings.EqualFold(v.Name, "timezone") && len(v.Args) == 1 {
		if tc := v.Args[0].GetTypeCast(); tc != nil {
			// SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE
			return "", unsupported("SET TIME ZONE with an interval is not supported; use a zone name or an offset in hours")
		}
		if c := v.Args[0].GetAConst(); c != nil {
			switch x := c.Val.(type) {
			case *pg_query.A_Const_Ival:
				return numericTimeZone(float64(x.Ival.Ival))
			case *pg_query.A_Const_Fval:
				f, _ := strconv.ParseFloat(x.Fval.Fval, 64)
				return numericTimeZone(f)
			}
		}
	}
	vals := make([]string, len(v.Args))
	for i, a := range v.Args {
		s, ok := constString(a)
		if !ok {
			return "", errf(pgerr.SyntaxError, "SET %s needs a constant value", v.Name)
		}
		vals[i] = s
	}
	if strings.EqualFold(v.Name, "search_path") {
		for i, s := range vals {
			vals[i] = quoteIdentIfNeeded(s)
		}
		return strings.Join(vals, ", "), nil
	}
	if len(vals) != 1 && !strings.EqualFold(v.Name, "DateStyle") {
		return "", errf(pgerr.InvalidParameterValue, "SET %s takes only one argument", v.Name)
	}
	return strings.Join(vals, ", "), nil
}

// setMulti runs SET TRANSACTION and SET SESSION CHARACTERISTICS AS
// TRANSACTION.
func (s *Session) setMulti(v *pg_query.VariableSetStmt) error {
	switch v.Name {
	case "TRANSACTION":
		if !s.inTx() {
			s.notice("WARNING", pgerr.NoActiveSQLTransaction, "SET TRANSACTION can only be used in transaction blocks")
			return nil
		}
		return s.txModes(v.Args)
	case "SESSION CHARACTERISTICS":
		for _, a := range v.Args {
			d := a.GetDefElem()
			if d == nil {
				continue
			}
			val, _ := constString(d.Arg)
			switch d.Defname {
			case "transaction_isolation":
				if err := s.setGUC("default_transaction_isolation", val, false, false); err != nil {
					return err
				}
			case "transaction_read_only":
				if err := s.setGUC("default_transaction_read_only", val, false, false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return unsupported("SET %s is not supported", v.Name)
}

// discard runs DISCARD: ALL resets the settings (and may not run in a
// transaction block); PLANS, SEQUENCES and TEMP have nothing to drop.
func (s *Session) discard(d *pg_query.DiscardStmt, tag string) (Result, error) {
	if d.Target == pg_query.DiscardMode_DISCARD_ALL {
		if s.inTx() {
			return Result{}, errf(pgerr.ActiveSQLTransaction, "DISCARD ALL cannot run inside a transaction block")
		}
		// CLOSE ALL, DEALLOCATE ALL and RESET ALL, as connection pools
		// expect of it.
		s.closeCursors(func(*portal) bool { return true })
		s.deallocateAll()
		s.resetAllGUCs()
	}
	return Result{Tag: tag}, nil
}

// runShow answers SHOW name and SHOW ALL.
func (s *Session) runShow(v *pg_query.VariableShowStmt, p *portal) (Result, error) {
	if strings.EqualFold(v.Name, "all") {
		p.text = newTextResult([]string{"name", "setting", "description"}, s.showAll())
		return Result{}, nil
	}
	d, ok := lookupGUC(v.Name)
	val, found := s.setting(v.Name)
	if !ok || !found {
		return Result{}, errf(pgerr.UndefinedObject, "unrecognized configuration parameter %q", v.Name)
	}
	p.text = newTextResult([]string{d.name}, [][]string{{val}})
	return Result{}, nil
}
