package sqlrouter

import (
	"context"
	"errors"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// ALTER TABLE. Column changes run on the table's file as DuckDB ALTER
// statements, under the table's write lock, and the catalog then reads the
// schema back from the file. Renaming a table or moving it to another
// bucket is a catalog change only: the file keeps its path.

// alterTable runs ALTER TABLE's column and constraint commands.
func (s *Session) alterTable(ctx context.Context, a *pg_query.AlterTableStmt) error {
	t, err := s.alterTarget(ctx, a.Relation, a.MissingOk)
	if err != nil || t == nil {
		return err
	}
	var stmts []*pg_query.Node
	filled := ""
	for _, c := range a.Cmds {
		cmds, fill, err := s.alterCommands(ctx, c.GetAlterTableCmd())
		if err != nil {
			return err
		}
		if fill != "" {
			if len(a.Cmds) > 1 {
				return unsupported("ADD COLUMN with a computed default must be the only command of its ALTER TABLE")
			}
			if s.inTx() && len(cmds) > 3 {
				return unsupported("ADD COLUMN ... NOT NULL with a computed default cannot run inside a transaction block").
					WithHint("Use a constant default, or run it outside the block.")
			}
			filled = fill
		}
		stmts = append(stmts, cmds...)
	}
	if filled != "" && !s.inTx() {
		return s.alterFileInSteps(ctx, t, stmts, filled)
	}
	return s.alterFile(ctx, t, stmts)
}

// alterStmt wraps one command as an ALTER TABLE statement (DuckDB takes one
// command per statement); alterFile sets its table.
func alterStmt(cmd *pg_query.AlterTableCmd) *pg_query.Node {
	return &pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: &pg_query.AlterTableStmt{
		Objtype: pg_query.ObjectType_OBJECT_TABLE, Cmds: []*pg_query.Node{{Node: &pg_query.Node_AlterTableCmd{AlterTableCmd: cmd}}}}}}
}

// alterTarget resolves the table an ALTER changes; nil with IF EXISTS
// when it does not exist.
func (s *Session) alterTarget(ctx context.Context, rv *pg_query.RangeVar, missingOK bool) (*catalog.Table, error) {
	if err := s.checkWritable("ALTER TABLE"); err != nil {
		return nil, err
	}
	if rv.Catalogname != "" && !s.isOwnDatabase(rv.Catalogname) {
		return nil, crossDatabase(rangeVarName(rv))
	}
	t, err := s.newResolver(ctx).table(rv.Schemaname, rv.Relname)
	if err != nil && missingOK && pgerr.CodeOf(err) == pgerr.UndefinedTable {
		s.notice("NOTICE", pgerr.UndefinedTable, "relation %q does not exist, skipping", rv.Relname)
		return nil, nil
	}
	return t, err
}

// alterCommands checks one ALTER TABLE command and returns the DuckDB
// statements for it. DuckDB cannot add a column with constraints, so ADD
// COLUMN ... NOT NULL becomes ADD COLUMN, then SET NOT NULL. And DuckDB
// 1.5 fails ADD COLUMN whose default must be evaluated (a cast, an
// expression) once its configuration is locked, so such a column is
// added bare, given its default, and filled with an UPDATE, which is what
// PostgreSQL's ADD COLUMN ... DEFAULT does to the existing rows.
//
// fill names the added column when it is filled that way.
func (s *Session) alterCommands(ctx context.Context, c *pg_query.AlterTableCmd) (stmts []*pg_query.Node, fill string, err error) {
	if c == nil {
		return nil, "", unsupported("unsupported ALTER TABLE command")
	}
	if cd := c.Def.GetColumnDef(); cd != nil {
		if err := checkColumnDef(cd); err != nil {
			return nil, "", err
		}
	}
	if con := c.Def.GetConstraint(); con != nil {
		if err := checkConstraint(con); err != nil {
			return nil, "", err
		}
	}
	w := s.newRewriter(ctx, s.newResolver(ctx))
	if err := w.walk(c.Def); err != nil {
		return nil, "", err
	}
	w.cat.release()
	if len(w.refs) > 0 || len(w.effects) > 0 || w.cat != nil {
		return nil, "", unsupported("ALTER TABLE may not refer to other tables")
	}
	switch c.Subtype {
	case pg_query.AlterTableType_AT_AddColumn:
		return addColumn(c)
	case pg_query.AlterTableType_AT_DropColumn, pg_query.AlterTableType_AT_ColumnDefault,
		pg_query.AlterTableType_AT_SetNotNull, pg_query.AlterTableType_AT_DropNotNull,
		pg_query.AlterTableType_AT_AlterColumnType, pg_query.AlterTableType_AT_AddConstraint:
		return []*pg_query.Node{alterStmt(c)}, "", nil
	}
	return nil, "", unsupported("ALTER TABLE ... %s is not supported", c.Subtype.String())
}

// addColumn splits ADD COLUMN into the statements DuckDB runs.
func addColumn(c *pg_query.AlterTableCmd) ([]*pg_query.Node, string, error) {
	cd := c.Def.GetColumnDef()
	var def *pg_query.Node
	notNull := cd.IsNotNull
	for _, n := range cd.Constraints {
		con := n.GetConstraint()
		switch con.GetContype() {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			notNull = true
		case pg_query.ConstrType_CONSTR_NULL:
		case pg_query.ConstrType_CONSTR_DEFAULT:
			def = con.RawExpr
		default:
			return nil, "", unsupported("ADD COLUMN with a %s constraint is not supported", strings.TrimPrefix(con.GetContype().String(), "CONSTR_"))
		}
	}
	cd.Constraints, cd.IsNotNull = nil, false
	out := []*pg_query.Node{alterStmt(c)}
	fill := ""
	if def != nil && def.GetAConst() != nil {
		cd.Constraints = []*pg_query.Node{{Node: &pg_query.Node_Constraint{Constraint: &pg_query.Constraint{
			Contype: pg_query.ConstrType_CONSTR_DEFAULT, RawExpr: def}}}}
	} else if def != nil {
		out = append(out, alterStmt(&pg_query.AlterTableCmd{Subtype: pg_query.AlterTableType_AT_ColumnDefault, Name: cd.Colname, Def: def}))
		out = append(out, &pg_query.Node{Node: &pg_query.Node_UpdateStmt{UpdateStmt: &pg_query.UpdateStmt{
			TargetList: []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Name: cd.Colname, Val: cloneNode(def)}}}}}}})
		fill = cd.Colname
	}
	if notNull {
		out = append(out, alterStmt(&pg_query.AlterTableCmd{Subtype: pg_query.AlterTableType_AT_SetNotNull, Name: cd.Colname}))
	}
	return out, fill, nil
}

// alterFile runs DuckDB ALTER statements (ALTER TABLE, RENAME COLUMN, and
// the UPDATE of an added column) on a table's file. Outside a transaction
// block they run in one DuckDB transaction and the catalog takes the new
// schema at once; inside one they join it (the table is then the one it
// writes) and the catalog follows at COMMIT.
func (s *Session) alterFile(ctx context.Context, t *catalog.Table, stmts []*pg_query.Node) error {
	var own holds
	defer own.release()
	lt, run, err := s.alterRunner(ctx, &own, t)
	if err != nil {
		return err
	}
	if s.inTx() {
		if err := run(stmts...); err != nil {
			return err
		}
		for _, a := range s.tx.altered {
			if a.ID == lt.ID {
				return nil
			}
		}
		s.tx.altered = append(s.tx.altered, lt)
		return nil
	}
	if err := run(txBegin); err != nil {
		return err
	}
	if err := run(stmts...); err != nil {
		run(txRollback)
		return err
	}
	if err := run(txCommit); err != nil {
		run(txRollback)
		return err
	}
	return s.in.RefreshSchema(context.WithoutCancel(ctx), lt)
}

// alterFileInSteps runs the statements that add and fill a column with a
// computed default each on its own, since DuckDB cannot run them in one
// transaction, and drops the column again if a later one fails.
func (s *Session) alterFileInSteps(ctx context.Context, t *catalog.Table, stmts []*pg_query.Node, column string) error {
	var own holds
	defer own.release()
	lt, run, err := s.alterRunner(ctx, &own, t)
	if err != nil {
		return err
	}
	defer s.in.RefreshSchema(context.WithoutCancel(ctx), lt)
	if err := run(stmts[0]); err != nil {
		return err
	}
	for _, st := range stmts[1:] {
		if err := run(st); err != nil {
			drop := alterStmt(&pg_query.AlterTableCmd{Subtype: pg_query.AlterTableType_AT_DropColumn, Name: column})
			if derr := run(drop); derr != nil {
				s.log.Error("could not drop a column whose ADD COLUMN failed half way", "table", displayName(lt), "column", column, "err", derr)
			}
			return err
		}
	}
	return nil
}

// Transaction control statements for alterRunner.
var (
	txBegin    = &pg_query.Node{Node: &pg_query.Node_TransactionStmt{TransactionStmt: &pg_query.TransactionStmt{Kind: pg_query.TransactionStmtKind_TRANS_STMT_BEGIN}}}
	txCommit   = &pg_query.Node{Node: &pg_query.Node_TransactionStmt{TransactionStmt: &pg_query.TransactionStmt{Kind: pg_query.TransactionStmtKind_TRANS_STMT_COMMIT}}}
	txRollback = &pg_query.Node{Node: &pg_query.Node_TransactionStmt{TransactionStmt: &pg_query.TransactionStmt{Kind: pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK}}}
)

// alterRunner takes the table's write lock and pin (into h, or the
// transaction's) and returns a function that runs statements on the
// session's connection with the table's file as their target.
func (s *Session) alterRunner(ctx context.Context, own *holds, t *catalog.Table) (*catalog.Table, func(...*pg_query.Node) error, error) {
	h := s.holdsFor(own)
	lt, err := s.lockForWrite(ctx, h, t.Bucket, t.Name, "ALTER TABLE")
	if err != nil {
		return nil, nil, err
	}
	alias, err := s.pin(ctx, h, lt)
	if err != nil {
		return nil, nil, err
	}
	names := aliasNames{alias: displayName(lt), targetAlias: displayName(lt)}
	s.quiesce(nil)
	run := func(stmts ...*pg_query.Node) error {
		for _, st := range stmts {
			rv := &pg_query.RangeVar{Catalogname: alias, Schemaname: "main", Relname: "data", Inh: true, Relpersistence: "p"}
			switch x := st.Node.(type) {
			case *pg_query.Node_RenameStmt:
				x.RenameStmt.Relation = rv
			case *pg_query.Node_UpdateStmt:
				x.UpdateStmt.Relation = rv
			case *pg_query.Node_AlterTableStmt:
				x.AlterTableStmt.Relation = rv
			}
			sql, err := deparse(st)
			if err != nil {
				return err
			}
			ectx := ctx
			if st.GetTransactionStmt() != nil {
				ectx = context.WithoutCancel(ctx)
			}
			if _, err := s.conn.Exec(ectx, sql); err != nil {
				return clientError(ctx, err, names)
			}
		}
		return nil
	}
	return lt, run, nil
}

// rename runs ALTER TABLE ... RENAME TO and RENAME COLUMN.
func (s *Session) rename(ctx context.Context, r *pg_query.RenameStmt) error {
	t, err := s.alterTarget(ctx, r.Relation, r.MissingOk)
	if err != nil || t == nil {
		return err
	}
	if r.RenameType == pg_query.ObjectType_OBJECT_COLUMN {
		cmd := &pg_query.Node{Node: &pg_query.Node_RenameStmt{RenameStmt: &pg_query.RenameStmt{
			RenameType: pg_query.ObjectType_OBJECT_COLUMN, RelationType: pg_query.ObjectType_OBJECT_TABLE,
			Subname: r.Subname, Newname: r.Newname}}}
		return s.alterFile(ctx, t, []*pg_query.Node{cmd})
	}
	return s.moveTable(ctx, t, t.Bucket, r.Newname)
}

// setSchema runs ALTER TABLE ... SET SCHEMA: the table moves to another
// bucket in the catalog.
func (s *Session) setSchema(ctx context.Context, a *pg_query.AlterObjectSchemaStmt) error {
	t, err := s.alterTarget(ctx, a.Relation, a.MissingOk)
	if err != nil || t == nil {
		return err
	}
	b, err := s.newResolver(ctx).bucket(a.Newschema)
	if err != nil {
		return err
	}
	return s.moveTable(ctx, t, b.Name, t.Name)
}

// moveTable renames a table or moves it to another bucket: a catalog
// change under the table's write lock. In a transaction block ROLLBACK
// moves it back.
func (s *Session) moveTable(ctx context.Context, t *catalog.Table, bucket, name string) error {
	if !s.branchOwns(t.BranchID) {
		return unsupported("table %s belongs to the main branch; it cannot be renamed from dev branch %q", displayName(t), s.branch)
	}
	if err := engine.ValidateName("table", name); err != nil {
		return err
	}
	if _, err := s.r.eng.Table(ctx, s.project, s.branch, bucket, name); err == nil {
		return errf(pgerr.DuplicateTable, "relation %q already exists", name)
	}
	var own holds
	defer own.release()
	lt, err := s.lockTable(ctx, s.holdsFor(&own), t.Bucket, t.Name)
	if err != nil {
		return err
	}
	oldBucket, oldName := lt.Bucket, lt.Name
	lt.Bucket, lt.Name, lt.UpdatedAt = bucket, name, time.Now().UTC()
	if err := s.r.cat.UpdateTable(ctx, lt); err != nil {
		if errors.Is(err, catalog.ErrExists) {
			return errf(pgerr.DuplicateTable, "relation %q already exists", name)
		}
		return err
	}
	if s.inTx() {
		id := lt.ID
		s.tx.undo = append(s.tx.undo, func(ctx context.Context) error {
			cur, err := s.r.cat.TableByID(ctx, id)
			if err != nil {
				return err
			}
			cur.Bucket, cur.Name = oldBucket, oldName
			return s.r.cat.UpdateTable(ctx, cur)
		})
	}
	return nil
}
