package load

import (
	"context"
	"slices"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Relation is a source of rows inside the project's instance: a storage
// table, and (when workspaces exist) a workspace object.
type Relation interface {
	// Describe names the relation in messages, e.g. "table in.c-a.orders".
	Describe() string
	// Open makes the relation readable (pinning its file) and returns the
	// SQL naming it in a FROM clause, its columns and how many rows it
	// has; release undoes Open.
	Open(ctx context.Context) (from string, cols []catalog.Column, rows int64, release func(), err error)
}

// TableRelation reads a storage table of the instance's project, as the
// caller resolved it (engine.Engine.Table, so branch-aware).
func TableRelation(in *engine.Instance, t *catalog.Table) Relation {
	return tableRelation{in: in, t: t}
}

type tableRelation struct {
	in *engine.Instance
	t  *catalog.Table
}

func (r tableRelation) Describe() string { return "table " + r.t.Bucket + "." + r.t.Name }

func (r tableRelation) Open(ctx context.Context) (string, []catalog.Column, int64, func(), error) {
	alias, release, err := r.in.Pin(ctx, r.t)
	if err != nil {
		return "", nil, 0, nil, err
	}
	conn, err := r.in.Conn()
	if err != nil {
		release()
		return "", nil, 0, nil, err
	}
	defer conn.Close()
	n, err := countRows(ctx, conn, alias)
	if err != nil {
		release()
		return "", nil, 0, nil, engine.Error(err)
	}
	return duck.QuoteIdent(alias) + ".data", r.t.Columns, n, release, nil
}

// ColumnMap maps a source column to the table column it fills.
type ColumnMap struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
}

// Table loads the rows of rel into t, columns matched by name or by
// mapping (source → destination; unmapped columns keep their names). The
// caller holds t's write lock; rel may be t itself.
func Table(ctx context.Context, in *engine.Instance, t *catalog.Table, rel Relation, mapping []ColumnMap, opts Options) (*Result, error) {
	return run(ctx, in, t, opts, func(ctx context.Context, conn *duck.Conn) (*plan, error) {
		return planRelation(ctx, t, rel, mapping, opts)
	})
}

func planRelation(ctx context.Context, t *catalog.Table, rel Relation, mapping []ColumnMap, opts Options) (*plan, error) {
	want, err := wanted(t, opts)
	if err != nil {
		return nil, err
	}
	from, cols, rows, release, err := rel.Open(ctx)
	if err != nil {
		return nil, err
	}
	p := &plan{from: from, target: want, rows: rows, release: release}
	// renamed[i] is the name source column i takes in the table.
	renamed := columnNames(cols)
	for _, m := range mapping {
		i := slices.Index(renamed, m.Source)
		if i < 0 || cols[i].Name != m.Source {
			p.close()
			return nil, newError(KindColumnMismatch, pgerr.UndefinedColumn, map[string]any{"unknown": []string{m.Source}, "missing": []string{}},
				"%s has no column %q to map", rel.Describe(), m.Source)
		}
		renamed[i] = m.Destination
	}
	if err := match(t, want, renamed, opts.Columns != nil, "column list of "+rel.Describe()); err != nil {
		p.close()
		return nil, err
	}
	checks := make([]castCheck, len(want))
	for i, c := range want {
		src := duck.QuoteIdent(cols[slices.Index(renamed, c.Name)].Name)
		p.exprs = append(p.exprs, "CAST("+src+" AS "+c.Type+")")
		checks[i] = castCheck{src: src, dst: c}
	}
	p.diagnose = func(ctx context.Context, conn *duck.Conn) *Error {
		return diagnoseCasts(ctx, conn, from, checks, "", "rowid + 1")
	}
	return p, nil
}
