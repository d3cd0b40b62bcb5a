package sqlrouter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// DDL. Buckets are schemas and tables are tables; both live in the
// catalog and (for tables) in their own files, so DDL goes through the
// catalog and the engine, and the admin API sees it at once. Views,
// indexes, sequences, functions and the like have no place in that model
// and are refused with 0A000.

// classifyDDL classifies schema and table DDL.
func classifyDDL(n *pg_query.Node) (class, bool) {
	ddl := func(tag string) (class, bool) { return class{kind: kindDDL, op: opDDL, tag: tag}, true }
	no := func(format string, args ...any) (class, bool) {
		return refuse(kindDDL, unsupported(format, args...)), true
	}
	switch x := n.Node.(type) {
	case *pg_query.Node_CreateSchemaStmt:
		return ddl("CREATE SCHEMA")
	case *pg_query.Node_CreateStmt:
		return ddl("CREATE TABLE")
	case *pg_query.Node_CreateTableAsStmt:
		if x.CreateTableAsStmt.Objtype != pg_query.ObjectType_OBJECT_TABLE {
			return no("materialized views are not supported; use CREATE TABLE ... AS SELECT")
		}
		return ddl("SELECT")
	case *pg_query.Node_DropStmt:
		return ddl("DROP " + objectWord(x.DropStmt.RemoveType))
	case *pg_query.Node_AlterTableStmt:
		if x.AlterTableStmt.Objtype != pg_query.ObjectType_OBJECT_TABLE {
			return no("ALTER %s is not supported", objectWord(x.AlterTableStmt.Objtype))
		}
		return ddl("ALTER TABLE")
	case *pg_query.Node_RenameStmt:
		switch x.RenameStmt.RenameType {
		case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_COLUMN:
			if x.RenameStmt.RelationType == pg_query.ObjectType_OBJECT_TABLE || x.RenameStmt.RenameType == pg_query.ObjectType_OBJECT_TABLE {
				return ddl("ALTER TABLE")
			}
		case pg_query.ObjectType_OBJECT_SCHEMA:
			return no("renaming a schema (bucket) is not supported")
		}
		return no("renaming a %s is not supported", strings.ToLower(objectWord(x.RenameStmt.RenameType)))
	case *pg_query.Node_AlterObjectSchemaStmt:
		if x.AlterObjectSchemaStmt.ObjectType == pg_query.ObjectType_OBJECT_TABLE {
			return ddl("ALTER TABLE")
		}
		return no("ALTER %s ... SET SCHEMA is not supported", objectWord(x.AlterObjectSchemaStmt.ObjectType))
	case *pg_query.Node_ViewStmt:
		return no("views are not supported; use CREATE TABLE ... AS SELECT")
	case *pg_query.Node_IndexStmt:
		return no("indexes are not supported: tables are columnar DuckDB files, and a PRIMARY KEY is their only index")
	case *pg_query.Node_CreateSeqStmt, *pg_query.Node_AlterSeqStmt:
		return no("sequences are not supported")
	case *pg_query.Node_CreateFunctionStmt, *pg_query.Node_CreateTrigStmt, *pg_query.Node_CreateEventTrigStmt:
		return no("functions and triggers are not supported")
	case *pg_query.Node_CreateExtensionStmt:
		return refuse(kindDDL, denied("permission denied: extensions cannot be installed")), true
	case *pg_query.Node_CreateRoleStmt, *pg_query.Node_GrantStmt, *pg_query.Node_GrantRoleStmt, *pg_query.Node_AlterRoleStmt:
		return no("roles and privileges are managed with API keys, not SQL")
	case *pg_query.Node_CreatedbStmt, *pg_query.Node_DropdbStmt:
		return no("databases are managed through the admin API")
	}
	return class{}, false
}

// objectWord names an object type for tags and messages: OBJECT_TABLE →
// "TABLE", OBJECT_MATVIEW → "MATERIALIZED VIEW".
func objectWord(t pg_query.ObjectType) string {
	switch t {
	case pg_query.ObjectType_OBJECT_MATVIEW:
		return "MATERIALIZED VIEW"
	case pg_query.ObjectType_OBJECT_FOREIGN_TABLE:
		return "FOREIGN TABLE"
	}
	return strings.ReplaceAll(strings.TrimPrefix(t.String(), "OBJECT_"), "_", " ")
}

// runDDL runs a DDL statement.
func (s *Session) runDDL(ctx context.Context, n *pg_query.Node, tag string) (Result, error) {
	s.quiesce(nil)
	res := Result{Tag: tag}
	switch x := n.Node.(type) {
	case *pg_query.Node_CreateSchemaStmt:
		return res, s.createSchema(ctx, x.CreateSchemaStmt)
	case *pg_query.Node_CreateStmt:
		return res, s.createTable(ctx, x.CreateStmt)
	case *pg_query.Node_CreateTableAsStmt:
		c := x.CreateTableAsStmt
		return s.createTableAs(ctx, c.Into, c.Query, c.IfNotExists)
	case *pg_query.Node_SelectStmt:
		into := x.SelectStmt.IntoClause
		x.SelectStmt.IntoClause = nil
		return s.createTableAs(ctx, into, n, false)
	case *pg_query.Node_DropStmt:
		return res, s.drop(ctx, x.DropStmt, tag)
	case *pg_query.Node_AlterTableStmt:
		return res, s.alterTable(ctx, x.AlterTableStmt)
	case *pg_query.Node_RenameStmt:
		return res, s.rename(ctx, x.RenameStmt)
	case *pg_query.Node_AlterObjectSchemaStmt:
		return res, s.setSchema(ctx, x.AlterObjectSchemaStmt)
	}
	return Result{}, unsupported("%s is not supported", statementName(n))
}

// createSchema makes a bucket.
func (s *Session) createSchema(ctx context.Context, c *pg_query.CreateSchemaStmt) error {
	if err := s.checkWritable("CREATE SCHEMA"); err != nil {
		return err
	}
	if len(c.SchemaElts) > 0 {
		return unsupported("CREATE SCHEMA with elements is not supported; create the tables separately")
	}
	name := c.Schemaname
	if name == "" {
		return unsupported("CREATE SCHEMA needs a name")
	}
	if strings.HasPrefix(name, "pg_") || name == "information_schema" {
		return errf("42939", "unacceptable schema name %q", name).WithDetail(`The prefix "pg_" and the name information_schema are reserved.`)
	}
	if err := engine.ValidateName("bucket", name); err != nil {
		return err
	}
	if _, err := s.r.eng.Bucket(ctx, s.project, s.branch, name); err == nil {
		if c.IfNotExists {
			s.notice("NOTICE", pgerr.DuplicateSchema, "schema %q already exists, skipping", name)
			return nil
		}
		return errf(pgerr.DuplicateSchema, "schema %q already exists", name)
	}
	b := &catalog.Bucket{ProjectID: s.project, BranchID: s.branch, Name: name, CreatedAt: time.Now().UTC()}
	if err := s.r.cat.CreateBucket(ctx, b); err != nil {
		if errors.Is(err, catalog.ErrExists) {
			return errf(pgerr.DuplicateSchema, "schema %q already exists", name)
		}
		return err
	}
	if s.inTx() {
		s.tx.undo = append(s.tx.undo, func(ctx context.Context) error {
			if ts, err := s.r.cat.Tables(ctx, s.project, s.branch, name); err == nil && len(ts) > 0 {
				return fmt.Errorf("schema %q is not empty any more", name)
			}
			return s.r.cat.DeleteBucket(ctx, s.project, s.branch, name)
		})
	}
	return nil
}

// newTableTarget checks where CREATE TABLE [AS] puts a table and whether
// it exists already (done is then true: IF NOT EXISTS skipped it).
func (s *Session) newTableTarget(ctx context.Context, rv *pg_query.RangeVar, ifNotExists bool) (*catalog.Table, bool, error) {
	if err := s.checkWritable("CREATE TABLE"); err != nil {
		return nil, false, err
	}
	if rv.Relpersistence == "t" {
		return nil, false, unsupported("temporary tables are not supported")
	}
	if rv.Catalogname != "" && !s.isOwnDatabase(rv.Catalogname) {
		return nil, false, crossDatabase(rangeVarName(rv))
	}
	res := s.newResolver(ctx)
	var b *catalog.Bucket
	var err error
	if rv.Schemaname != "" {
		b, err = res.bucket(rv.Schemaname)
	} else {
		b, err = res.creationBucket()
	}
	if err != nil {
		return nil, false, err
	}
	if err := engine.ValidateName("table", rv.Relname); err != nil {
		return nil, false, err
	}
	if _, err := s.r.eng.Table(ctx, s.project, s.branch, b.Name, rv.Relname); err == nil {
		if ifNotExists {
			s.notice("NOTICE", pgerr.DuplicateTable, "relation %q already exists, skipping", rv.Relname)
			return nil, true, nil
		}
		return nil, false, errf(pgerr.DuplicateTable, "relation %q already exists", rv.Relname)
	}
	path, err := s.in.TablePath(s.branch, b.Name, rv.Relname)
	if err != nil {
		return nil, false, err
	}
	return &catalog.Table{ProjectID: s.project, BranchID: s.branch, Bucket: b.Name, Name: rv.Relname, Path: path}, false, nil
}

// createTable makes a table: its file built from the DDL rewritten onto
// <alias>.data, and its catalog row with the schema read back from it.
func (s *Session) createTable(ctx context.Context, c *pg_query.CreateStmt) error {
	if c.OfTypename != nil || len(c.InhRelations) > 0 || c.Partspec != nil || c.Partbound != nil {
		return unsupported("typed, inherited and partitioned tables are not supported")
	}
	t, done, err := s.newTableTarget(ctx, c.Relation, c.IfNotExists)
	if err != nil || done {
		return err
	}
	if err := s.checkTableElements(ctx, c.TableElts); err != nil {
		return err
	}
	c.Options, c.Tablespacename, c.AccessMethod, c.Oncommit, c.IfNotExists = nil, "", "", pg_query.OnCommitAction_ONCOMMIT_NOOP, false
	build := func(ctx context.Context, conn *duck.Conn, alias string) error {
		c.Relation = &pg_query.RangeVar{Catalogname: alias, Schemaname: "main", Relname: "data", Inh: true, Relpersistence: "p"}
		sql, err := deparse(&pg_query.Node{Node: &pg_query.Node_CreateStmt{CreateStmt: c}})
		if err != nil {
			return err
		}
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := s.in.CreateTable(ctx, t, build); err != nil {
		return clientError(ctx, err, stagingNames(t))
	}
	return s.created(ctx, t)
}

// created records a table made inside a transaction block: the block
// keeps its write lock, and ROLLBACK drops it again.
func (s *Session) created(ctx context.Context, t *catalog.Table) error {
	if !s.inTx() {
		return nil
	}
	if _, err := s.lockTable(ctx, &s.tx.holds, t.Bucket, t.Name); err != nil {
		return err
	}
	s.tx.undo = append(s.tx.undo, func(ctx context.Context) error {
		cur, err := s.r.cat.TableByID(ctx, t.ID)
		if err != nil {
			return nil
		}
		return s.in.DropTable(ctx, cur)
	})
	return nil
}

// stagingNames maps the staging aliases of a build ("s" and 16 hex
// digits) in error messages to the table's name.
func stagingNames(t *catalog.Table) aliasNames { return aliasNames{stagingAlias: displayName(t)} }

// stagingAlias stands for any staging alias; aliasNames.replace knows it.
const stagingAlias = "\x00staging"

// checkTableElements refuses column and table definitions the model has
// no room for, and passes defaults and checks through the sandbox.
func (s *Session) checkTableElements(ctx context.Context, elts []*pg_query.Node) error {
	for _, e := range elts {
		switch x := e.Node.(type) {
		case *pg_query.Node_ColumnDef:
			if err := checkColumnDef(x.ColumnDef); err != nil {
				return err
			}
		case *pg_query.Node_Constraint:
			if err := checkConstraint(x.Constraint); err != nil {
				return err
			}
		case *pg_query.Node_TableLikeClause:
			return unsupported("CREATE TABLE ... (LIKE ...) is not supported; use CREATE TABLE ... AS SELECT ... WITH NO DATA")
		}
	}
	w := s.newRewriter(ctx, s.newResolver(ctx))
	for _, e := range elts {
		if err := w.walk(e); err != nil {
			return err
		}
	}
	w.cat.release()
	if len(w.refs) > 0 || len(w.effects) > 0 || w.cat != nil {
		return unsupported("a table definition may not refer to other tables")
	}
	return nil
}

func checkColumnDef(cd *pg_query.ColumnDef) error {
	if names := cd.TypeName.GetNames(); len(names) > 0 {
		switch names[len(names)-1].GetString_().GetSval() {
		case "serial", "serial4", "bigserial", "serial8", "smallserial", "serial2":
			return unsupported("serial columns are not supported (column %q)", cd.Colname).
				WithHint("Use an INTEGER or BIGINT column and supply the values.")
		}
	}
	if cd.Identity != "" || cd.Generated != "" {
		return unsupported("identity and generated columns are not supported (column %q)", cd.Colname)
	}
	for _, c := range cd.Constraints {
		if con := c.GetConstraint(); con != nil {
			if err := checkConstraint(con); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkConstraint(c *pg_query.Constraint) error {
	switch c.Contype {
	case pg_query.ConstrType_CONSTR_FOREIGN:
		return unsupported("foreign keys are not supported: each table is its own DuckDB file")
	case pg_query.ConstrType_CONSTR_EXCLUSION:
		return unsupported("exclusion constraints are not supported")
	case pg_query.ConstrType_CONSTR_IDENTITY, pg_query.ConstrType_CONSTR_GENERATED:
		return unsupported("identity and generated columns are not supported")
	}
	return nil
}

// createTableAs runs CREATE TABLE ... AS and SELECT ... INTO: the query is
// rewritten with its source tables pinned, and the new file is built from
// it on the engine's own connection. Its tag is PostgreSQL's "SELECT n".
func (s *Session) createTableAs(ctx context.Context, into *pg_query.IntoClause, query *pg_query.Node, ifNotExists bool) (Result, error) {
	t, done, err := s.newTableTarget(ctx, into.Rel, ifNotExists)
	if err != nil || done {
		return Result{Tag: "CREATE TABLE AS"}, err
	}
	var h holds
	defer h.release()
	pl, err := s.rewrite(ctx, &h, query, "CREATE TABLE AS", false)
	if err != nil {
		return Result{}, err
	}
	defer pl.cat.release()
	if len(pl.effects) > 0 || pl.target != nil || pl.locking {
		return Result{}, unsupported("this query cannot be used in CREATE TABLE AS")
	}
	sel := pl.sql
	if len(into.ColNames) > 0 {
		cols := make([]string, len(into.ColNames))
		for i, c := range into.ColNames {
			cols[i] = duck.QuoteIdent(c.GetString_().GetSval())
		}
		sel = "SELECT * FROM (" + sel + ") AS q(" + strings.Join(cols, ", ") + ")"
	}
	if into.SkipData {
		sel = "SELECT * FROM (" + sel + ") AS q LIMIT 0"
	}
	var n int64
	build := func(ctx context.Context, conn *duck.Conn, alias string) error {
		rows, err := conn.Query(ctx, "CREATE TABLE "+duck.QuoteIdent(alias)+".main.data AS "+sel)
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Next() {
			if v, ok := engine.ValueAt(rows.Record().Column(0), 0).(int64); ok {
				n = v
			}
		}
		return rows.Err()
	}
	names := stagingNames(t)
	for a, name := range pl.names {
		names[a] = name
	}
	if err := s.in.CreateTable(ctx, t, build); err != nil {
		return Result{}, clientError(ctx, err, names)
	}
	if err := s.created(ctx, t); err != nil {
		return Result{}, err
	}
	if into.SkipData {
		return Result{Tag: "CREATE TABLE AS"}, nil
	}
	return Result{Tag: fmt.Sprintf("SELECT %d", n)}, nil
}

// drop runs DROP TABLE and DROP SCHEMA (and answers DROP of kinds of
// objects that cannot exist here as PostgreSQL would for missing ones).
func (s *Session) drop(ctx context.Context, d *pg_query.DropStmt, tag string) error {
	switch d.RemoveType {
	case pg_query.ObjectType_OBJECT_TABLE:
		if err := s.checkWritable("DROP TABLE"); err != nil {
			return err
		}
		for _, o := range d.Objects {
			if err := s.dropTable(ctx, objectName(o), d.MissingOk); err != nil {
				return err
			}
		}
		return nil
	case pg_query.ObjectType_OBJECT_SCHEMA:
		if err := s.checkWritable("DROP SCHEMA"); err != nil {
			return err
		}
		for _, o := range d.Objects {
			names := objectName(o)
			if err := s.dropSchema(ctx, names[len(names)-1], d.MissingOk, d.Behavior == pg_query.DropBehavior_DROP_CASCADE); err != nil {
				return err
			}
		}
		return nil
	}
	what := strings.ToLower(objectWord(d.RemoveType))
	for _, o := range d.Objects {
		name := strings.Join(objectName(o), ".")
		if !d.MissingOk {
			return errf(pgerr.UndefinedObject, "%s %q does not exist", what, name)
		}
		s.notice("NOTICE", pgerr.UndefinedObject, "%s %q does not exist, skipping", what, name)
	}
	return nil
}

// objectName reads a DROP object: a list of name parts.
func objectName(o *pg_query.Node) []string {
	if l := o.GetList(); l != nil {
		out := make([]string, len(l.Items))
		for i, it := range l.Items {
			out[i] = it.GetString_().GetSval()
		}
		return out
	}
	return []string{o.GetString_().GetSval()}
}

// dropTable drops one table under its write lock. The file goes when no
// statement or transaction pins it any more (bounded by lock_timeout).
func (s *Session) dropTable(ctx context.Context, names []string, missingOK bool) error {
	if len(names) == 3 {
		if !s.isOwnDatabase(names[0]) {
			return crossDatabase(strings.Join(names, "."))
		}
		names = names[1:]
	}
	schema, name := "", names[len(names)-1]
	if len(names) == 2 {
		schema = names[0]
	}
	t, err := s.newResolver(ctx).table(schema, name)
	if err != nil {
		if pgerr.CodeOf(err) == pgerr.UndefinedTable && missingOK {
			s.notice("NOTICE", pgerr.UndefinedTable, "table %q does not exist, skipping", name)
			return nil
		}
		return err
	}
	if !s.branchOwns(t.BranchID) {
		return unsupported("table %s belongs to the main branch; it cannot be dropped from dev branch %q", displayName(t), s.branch)
	}
	if _, used := s.tx.pins[t.Path]; used {
		return errf(pgerr.ObjectInUse, "cannot drop table %s because this transaction has used it", displayName(t)).
			WithHint("COMMIT or ROLLBACK first, then DROP it.")
	}
	lctx, cancel := s.lockContext(ctx)
	defer cancel()
	unlock, err := s.r.eng.LockTable(lctx, t, s)
	if err != nil {
		return s.lockError(ctx, err, t.Bucket, t.Name)
	}
	defer unlock()
	if err := s.in.DropTable(lctx, t); err != nil {
		if lctx.Err() != nil && ctx.Err() == nil {
			return errf(pgerr.LockNotAvailable, "could not drop table %s: other sessions are still reading it", displayName(t))
		}
		return clientError(ctx, err, nil)
	}
	if s.inTx() {
		s.tx.irreversible = append(s.tx.irreversible, "DROP TABLE "+displayName(t))
	}
	return nil
}

// lockContext bounds a lock wait by lock_timeout.
func (s *Session) lockContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if d := s.lockTimeout(); d > 0 {
		return context.WithTimeout(ctx, d)
	}
	if d := s.r.eng.LockTimeout(); d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}

// dropSchema drops a bucket; with CASCADE its tables first, without it
// only an empty one (2BP01 otherwise).
func (s *Session) dropSchema(ctx context.Context, name string, missingOK, cascade bool) error {
	b, err := s.newResolver(ctx).findBucket(name)
	if err != nil {
		return err
	}
	if b == nil {
		if missingOK {
			s.notice("NOTICE", pgerr.InvalidSchemaName, "schema %q does not exist, skipping", name)
			return nil
		}
		return errf(pgerr.InvalidSchemaName, "schema %q does not exist", name)
	}
	if !s.branchOwns(b.BranchID) {
		return unsupported("schema %q belongs to the main branch; it cannot be dropped from dev branch %q", b.Name, s.branch)
	}
	tables, err := s.r.cat.Tables(ctx, s.project, s.branch, b.Name)
	if err != nil {
		return err
	}
	if len(tables) > 0 && !cascade {
		names := make([]string, len(tables))
		for i, t := range tables {
			names[i] = "table " + displayName(t)
		}
		return errf(codeDependentObjectsExist, "cannot drop schema %s because other objects depend on it", quoteIdentIfNeeded(b.Name)).
			WithDetail("%s depend on schema %s", strings.Join(names, ", "), quoteIdentIfNeeded(b.Name)).
			WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
	}
	for _, t := range tables {
		if err := s.dropTable(ctx, []string{t.Bucket, t.Name}, false); err != nil {
			return err
		}
	}
	if len(tables) > 0 {
		s.notice("NOTICE", pgerr.SuccessfulCompletion, "drop cascades to %d other objects", len(tables))
	}
	if err := s.r.cat.DeleteBucket(ctx, s.project, s.branch, b.Name); err != nil {
		return err
	}
	s.in.RemoveBucketDir(s.branch, b.Name)
	if s.inTx() {
		s.tx.irreversible = append(s.tx.irreversible, "DROP SCHEMA "+quoteIdentIfNeeded(b.Name))
	}
	return nil
}
