package sqlrouter

import (
	"context"
	"errors"
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
	for _, c := range a.Cmds {
		cmds, err := s.alterCommands(ctx, c.GetAlterTableCmd())
		if err != nil {
			return err
		}
		for _, cmd := range cmds {
			stmts = append(stmts, &pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: &pg_query.AlterTableStmt{
				Objtype: pg_query.ObjectType_OBJECT_TABLE, Cmds: []*pg_query.Node{{Node: &pg_query.Node_AlterTableCmd{AlterTableCmd: cmd}}}}}})
		}
	}
	return s.alterFile(ctx, t, stmts)
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
// commands for it. DuckDB cannot add a column with constraints, so ADD
// COLUMN ... NOT NULL becomes ADD COLUMN then SET NOT NULL.
func (s *Session) alterCommands(ctx context.Context, c *pg_query.AlterTableCmd) ([]*pg_query.AlterTableCmd, error) {
	if c == nil {
		return nil, unsupported("unsupported ALTER TABLE command")
	}
	if cd := c.Def.GetColumnDef(); cd != nil {
		if err := checkColumnDef(cd); err != nil {
			return nil, err
		}
	}
	if con := c.Def.GetConstraint(); con != nil {
		if err := checkConstraint(con); err != nil {
			return nil, err
		}
	}
	w := s.newRewriter(ctx, s.newResolver(ctx))
	if err := w.walk(c.Def); err != nil {
		return nil, err
	}
	if len(w.refs) > 0 || len(w.effects) > 0 {
		return nil, unsupported("ALTER TABLE may not refer to other tables")
	}
	switch c.Subtype {
	case pg_query.AlterTableType_AT_AddColumn:
		cd := c.Def.GetColumnDef()
		var keep []*pg_query.Node
		notNull := cd.IsNotNull
		for _, n := range cd.Constraints {
			con := n.GetConstraint()
			switch con.GetContype() {
			case pg_query.ConstrType_CONSTR_NOTNULL:
				notNull = true
			case pg_query.ConstrType_CONSTR_NULL:
			case pg_query.ConstrType_CONSTR_DEFAULT:
				keep = append(keep, n)
			default:
				return nil, unsupported("ADD COLUMN with a %s constraint is not supported", con.GetContype().String())
			}
		}
		cd.Constraints, cd.IsNotNull = keep, false
		out := []*pg_query.AlterTableCmd{c}
		if notNull {
			out = append(out, &pg_query.AlterTableCmd{Subtype: pg_query.AlterTableType_AT_SetNotNull, Name: cd.Colname})
		}
		return out, nil
	case pg_query.AlterTableType_AT_DropColumn, pg_query.AlterTableType_AT_ColumnDefault,
		pg_query.AlterTableType_AT_SetNotNull, pg_query.AlterTableType_AT_DropNotNull,
		pg_query.AlterTableType_AT_AlterColumnType:
		return []*pg_query.AlterTableCmd{c}, nil
	case pg_query.AlterTableType_AT_AddConstraint:
		return []*pg_query.AlterTableCmd{c}, nil
	}
	return nil, unsupported("ALTER TABLE ... %s is not supported", c.Subtype.String())
}

// alterFile runs DuckDB ALTER statements (AlterTableStmt or RenameStmt
// of a column) on a table's file. Outside a
// transaction block they run in one DuckDB transaction and the catalog
// takes the new schema at once; inside one they join it (the table is
// then the one it writes) and the catalog follows at COMMIT.
func (s *Session) alterFile(ctx context.Context, t *catalog.Table, stmts []*pg_query.Node) error {
	var own holds
	defer own.release()
	h := s.holdsFor(&own)
	lt, err := s.lockForWrite(ctx, h, t.Bucket, t.Name, "ALTER TABLE")
	if err != nil {
		return err
	}
	alias, err := s.pin(ctx, h, lt)
	if err != nil {
		return err
	}
	names := aliasNames{alias: displayName(lt)}
	s.quiesce(nil)
	run := func() error {
		for _, st := range stmts {
			rv := &pg_query.RangeVar{Catalogname: alias, Schemaname: "main", Relname: "data", Inh: true, Relpersistence: "p"}
			if r := st.GetRenameStmt(); r != nil {
				r.Relation = rv
			} else {
				st.GetAlterTableStmt().Relation = rv
			}
			sql, err := deparse(st)
			if err != nil {
				return err
			}
			if _, err := s.conn.Exec(ctx, sql); err != nil {
				return clientError(ctx, err, names)
			}
		}
		return nil
	}
	if s.inTx() {
		if err := run(); err != nil {
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
	if _, err := s.conn.Exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return clientError(ctx, err, names)
	}
	if err := run(); err != nil {
		s.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if _, err := s.conn.Exec(ctx, "COMMIT"); err != nil {
		s.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		return clientError(ctx, err, names)
	}
	return s.in.RefreshSchema(context.WithoutCancel(ctx), lt)
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
