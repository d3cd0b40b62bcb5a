package sqlrouter

import (
	"context"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/engine"
)

// SystemCatalog stands in for PostgreSQL's pg_catalog and
// information_schema. The rewriter asks it about every reference to a
// relation in those schemas (and about unqualified names before buckets,
// since pg_catalog is implicitly first on PostgreSQL's search path) and
// about system functions it does not answer itself. What it returns
// replaces the reference and is trusted: the sandbox does not walk it, so
// it must be built from catalog data (for example a VALUES list), never
// from DuckDB's own metadata functions, which show attachment aliases.
type SystemCatalog interface {
	// Relation returns what stands in for schema.name in FROM, or nil when
	// the relation is not emulated: a query (a SelectStmt node), or a
	// RangeVar naming a relation the SystemCatalog made (for example in a
	// database it attached for the session). schema is "pg_catalog",
	// "information_schema", or "" for an unqualified name.
	Relation(ctx context.Context, v SessionView, schema, name string) (*pg_query.Node, error)
	// Function returns an expression that replaces the call, or nil when
	// the function is not emulated. schema is "", "pg_catalog" or
	// "information_schema". The call's arguments are already rewritten
	// and may be used in the replacement.
	Function(ctx context.Context, v SessionView, schema, name string, call *pg_query.FuncCall) (*pg_query.Node, error)
	// Cast returns an expression that replaces arg::typ, or nil to keep
	// the cast: it is how reg* types ('t'::regclass, oid::regtype) are
	// answered. typ is the type's last name, lower case; arg is already
	// rewritten.
	Cast(ctx context.Context, v SessionView, typ string, arg *pg_query.Node) (*pg_query.Node, error)
}

// SessionView is what a SystemCatalog may know about the session asking.
type SessionView struct {
	Engine     *engine.Engine
	ProjectID  string
	BranchID   string
	User       string
	Database   string
	SearchPath []string // as set, unquoted; "$user" not expanded
}

func (s *Session) view() SessionView {
	path, _ := splitIdentList(s.mustSetting("search_path"))
	return SessionView{Engine: s.r.eng, ProjectID: s.project, BranchID: s.branch, User: s.startup.User,
		Database: s.database, SearchPath: path}
}
