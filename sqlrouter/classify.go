package sqlrouter

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// kind is what a statement does, for metrics and for the rules that
// depend on it (read-only keys, read-only transactions).
type kind int

const (
	kindRead kind = iota
	kindWrite
	kindDDL
	kindTx
	kindSet
	kindUtility
)

func (k kind) String() string {
	return [...]string{"read", "write", "ddl", "tx", "set", "utility"}[k]
}

// op is how the router runs a statement.
type op int

const (
	opQuery    op = iota // rewritten and run on DuckDB: SELECT, VALUES, INSERT, UPDATE, DELETE, MERGE
	opExplain            // EXPLAIN of such a statement
	opTx                 // BEGIN, COMMIT, ROLLBACK, ...
	opSet                // SET, RESET, DISCARD and friends
	opShow               // SHOW
	opDDL                // schema and table DDL, run by the router (ddl.go)
	opTruncate           // TRUNCATE: one DELETE per table
	opCopyIn             // COPY ... FROM STDIN
	opCopyOut            // COPY ... TO STDOUT
	opNoop               // accepted and ignored: VACUUM, ANALYZE, DEALLOCATE ALL, ...
	opLock               // LOCK TABLE: the tables' write locks for the transaction
	opCursor             // DECLARE ... CURSOR and CLOSE
	opFetch              // FETCH or MOVE on a cursor
	opPrepare            // PREPARE and DEALLOCATE
	opExecute            // EXECUTE of a PREPAREd statement
	opRefuse             // fails when run (unsupported or denied)
)

// class is a statement's classification.
type class struct {
	kind kind
	op   op
	tag  string // the command tag, or its verb for counted tags
	err  error  // for opRefuse
}

func refuse(k kind, err error) class { return class{kind: k, op: opRefuse, err: err} }

// classify decides how to run a statement. Statements the sandbox forbids
// and ones duckstore does not support get opRefuse with their error; it is
// raised when the statement would run (or at Parse for a single one), as
// PostgreSQL reports errors of later statements of a query string only
// when it reaches them.
func classify(n *pg_query.Node) class {
	switch x := n.Node.(type) {
	case *pg_query.Node_SelectStmt:
		if x.SelectStmt.IntoClause != nil {
			return class{kind: kindDDL, op: opDDL, tag: "SELECT"}
		}
		return class{kind: kindRead, op: opQuery, tag: "SELECT"}
	case *pg_query.Node_InsertStmt:
		return class{kind: kindWrite, op: opQuery, tag: "INSERT"}
	case *pg_query.Node_UpdateStmt:
		return class{kind: kindWrite, op: opQuery, tag: "UPDATE"}
	case *pg_query.Node_DeleteStmt:
		return class{kind: kindWrite, op: opQuery, tag: "DELETE"}
	case *pg_query.Node_MergeStmt:
		return class{kind: kindWrite, op: opQuery, tag: "MERGE"}
	case *pg_query.Node_ExplainStmt:
		return classifyExplain(x.ExplainStmt)
	case *pg_query.Node_TransactionStmt:
		return classifyTx(x.TransactionStmt)
	case *pg_query.Node_VariableSetStmt:
		if x.VariableSetStmt.Kind == pg_query.VariableSetKind_VAR_RESET || x.VariableSetStmt.Kind == pg_query.VariableSetKind_VAR_RESET_ALL {
			return class{kind: kindSet, op: opSet, tag: "RESET"}
		}
		return class{kind: kindSet, op: opSet, tag: "SET"}
	case *pg_query.Node_VariableShowStmt:
		return class{kind: kindSet, op: opShow, tag: "SHOW"}
	case *pg_query.Node_DiscardStmt:
		return class{kind: kindSet, op: opSet, tag: "DISCARD " + strings.TrimPrefix(x.DiscardStmt.Target.String(), "DISCARD_")}
	case *pg_query.Node_CopyStmt:
		return classifyCopy(x.CopyStmt)
	case *pg_query.Node_TruncateStmt:
		return class{kind: kindWrite, op: opTruncate, tag: "TRUNCATE TABLE"}
	case *pg_query.Node_LockStmt:
		return class{kind: kindUtility, op: opLock, tag: "LOCK TABLE"}
	case *pg_query.Node_VacuumStmt:
		if x.VacuumStmt.IsVacuumcmd {
			return class{kind: kindUtility, op: opNoop, tag: "VACUUM"}
		}
		return class{kind: kindUtility, op: opNoop, tag: "ANALYZE"}
	case *pg_query.Node_PrepareStmt:
		return class{kind: kindUtility, op: opPrepare, tag: "PREPARE"}
	case *pg_query.Node_ExecuteStmt:
		return class{kind: kindRead, op: opExecute, tag: "EXECUTE"}
	case *pg_query.Node_DeallocateStmt:
		if x.DeallocateStmt.Name == "" {
			return class{kind: kindUtility, op: opPrepare, tag: "DEALLOCATE ALL"}
		}
		return class{kind: kindUtility, op: opPrepare, tag: "DEALLOCATE"}
	case *pg_query.Node_ListenStmt:
		// Nothing is ever notified here, so listening waits for nothing;
		// pools and ORMs send it regardless.
		return class{kind: kindUtility, op: opNoop, tag: "LISTEN"}
	case *pg_query.Node_NotifyStmt:
		return refuse(kindUtility, unsupported("NOTIFY is not supported"))
	case *pg_query.Node_UnlistenStmt:
		return class{kind: kindUtility, op: opNoop, tag: "UNLISTEN"}
	case *pg_query.Node_DeclareCursorStmt:
		return class{kind: kindRead, op: opCursor, tag: "DECLARE CURSOR"}
	case *pg_query.Node_FetchStmt:
		if x.FetchStmt.Ismove {
			return class{kind: kindUtility, op: opFetch, tag: "MOVE"}
		}
		return class{kind: kindRead, op: opFetch, tag: "FETCH"}
	case *pg_query.Node_ClosePortalStmt:
		return class{kind: kindUtility, op: opCursor, tag: "CLOSE CURSOR"}
	case *pg_query.Node_CheckPointStmt:
		return refuse(kindUtility, denied("permission denied: CHECKPOINT is not allowed"))
	case *pg_query.Node_LoadStmt:
		return refuse(kindUtility, denied("permission denied: LOAD is not allowed"))
	case *pg_query.Node_CallStmt, *pg_query.Node_DoStmt:
		return refuse(kindUtility, denied("permission denied: CALL and DO are not allowed"))
	}
	if c, ok := classifyDDL(n); ok {
		return c
	}
	return refuse(kindUtility, unsupported("%s is not supported", statementName(n)))
}

func classifyExplain(e *pg_query.ExplainStmt) class {
	inner := classify(e.Query)
	if inner.op == opRefuse {
		return inner
	}
	if inner.op != opQuery {
		return refuse(inner.kind, unsupported("EXPLAIN of this statement is not supported"))
	}
	k := kindRead
	if explainAnalyze(e) && inner.kind == kindWrite {
		k = kindWrite
	}
	return class{kind: k, op: opExplain, tag: "EXPLAIN"}
}

func explainAnalyze(e *pg_query.ExplainStmt) bool {
	for _, o := range e.Options {
		if d := o.GetDefElem(); d != nil && d.Defname == "analyze" {
			v, ok := constBool(d.Arg)
			return d.Arg == nil || (ok && v)
		}
	}
	return false
}

func classifyTx(t *pg_query.TransactionStmt) class {
	switch t.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN:
		return class{kind: kindTx, op: opTx, tag: "BEGIN"}
	case pg_query.TransactionStmtKind_TRANS_STMT_START:
		return class{kind: kindTx, op: opTx, tag: "START TRANSACTION"}
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
		return class{kind: kindTx, op: opTx, tag: "COMMIT"}
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		return class{kind: kindTx, op: opTx, tag: "ROLLBACK"}
	case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT, pg_query.TransactionStmtKind_TRANS_STMT_RELEASE,
		pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return refuse(kindTx, unsupported("savepoints are not supported"))
	}
	return refuse(kindTx, unsupported("two-phase commit is not supported"))
}

func classifyCopy(c *pg_query.CopyStmt) class {
	if c.IsProgram || c.Filename != "" {
		return refuse(kindUtility, denied("permission denied: COPY to or from a file or program is not allowed").
			WithHint("Use COPY ... FROM STDIN or COPY ... TO STDOUT (psql: \\copy)."))
	}
	if c.IsFrom {
		if c.Relation == nil {
			return refuse(kindWrite, unsupported("COPY FROM needs a table"))
		}
		if c.WhereClause != nil {
			return refuse(kindWrite, unsupported("COPY FROM ... WHERE is not supported"))
		}
		return class{kind: kindWrite, op: opCopyIn, tag: "COPY"}
	}
	return class{kind: kindRead, op: opCopyOut, tag: "COPY"}
}

// statementName turns a node type into words for error messages:
// CreateFunctionStmt → "CREATE FUNCTION".
func statementName(n *pg_query.Node) string {
	name := string(n.ProtoReflect().WhichOneof(n.ProtoReflect().Descriptor().Oneofs().Get(0)).Name())
	name = strings.TrimSuffix(name, "_stmt")
	return strings.ToUpper(strings.ReplaceAll(name, "_", " "))
}

// transactionExit reports whether a statement ends a transaction block:
// the only statements a failed transaction accepts.
func transactionExit(n *pg_query.Node) bool {
	t := n.GetTransactionStmt()
	if t == nil {
		return false
	}
	switch t.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		return true
	}
	return false
}
