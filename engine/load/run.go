package load

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// File loads a CSV or Parquet source into t. The caller holds t's write
// lock (engine.Engine.TableForWrite) until File returns. On error the
// table is unchanged.
func File(ctx context.Context, in *engine.Instance, t *catalog.Table, src Source, opts Options) (*Result, error) {
	return run(ctx, in, t, opts, func(ctx context.Context, conn *duck.Conn) (*plan, error) {
		return planFile(ctx, conn, t, src, opts)
	})
}

// Append loads src into t, which the caller has pinned as alias, on the
// caller's connection and so inside its transaction when one is open:
// COPY FROM STDIN's path, whose input the router spools to a file in the
// project's _staging folder (canonical CSV: see CanonicalCSV). It always
// adds rows (opts.Mode is ignored). The caller holds t's write lock. On
// error DuckDB has aborted the caller's transaction, as PostgreSQL would.
func Append(ctx context.Context, in *engine.Instance, conn *duck.Conn, alias string, t *catalog.Table, src Source, opts Options) (*Result, error) {
	start := time.Now()
	opts.Mode = Incremental
	if err := checkDedup(t, opts); err != nil {
		return nil, err
	}
	p, err := planFile(ctx, conn, t, src, opts)
	if err != nil {
		return nil, err
	}
	defer p.close()
	res := &Result{Bytes: p.bytes}
	stop := watch(conn, p, opts.Progress)
	err = insert(ctx, conn, alias, t, p, opts, res, false)
	stop()
	if err != nil {
		return nil, explainWith(ctx, in, p, err)
	}
	if res.TableRows, err = countRows(ctx, conn, alias); err != nil {
		return nil, engine.Error(err)
	}
	res.Duration = time.Since(start)
	return res, nil
}

// run plans a load on a loader connection and runs it in its mode.
func run(ctx context.Context, in *engine.Instance, t *catalog.Table, opts Options, mk func(context.Context, *duck.Conn) (*plan, error)) (*Result, error) {
	start := time.Now()
	if err := checkDedup(t, opts); err != nil {
		return nil, err
	}
	conn, release, err := in.LoaderConn()
	if err != nil {
		return nil, err
	}
	defer release()
	p, err := mk(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer p.close()
	res := &Result{Bytes: p.bytes}
	stop := watch(conn, p, opts.Progress)
	if opts.Mode == Full {
		err = full(ctx, in, conn, t, p, opts, res)
	} else {
		err = incremental(ctx, in, conn, t, p, opts, res)
	}
	stop()
	if err != nil {
		return nil, explain(ctx, conn, p, err)
	}
	res.Duration = time.Since(start)
	return res, nil
}

// full builds the table's new file in the staging folder and swaps it
// in (engine.Instance.ReplaceTable): readers see the old rows until the
// swap and the new ones after, also across a crash.
func full(ctx context.Context, in *engine.Instance, conn *duck.Conn, t *catalog.Table, p *plan, opts Options, res *Result) error {
	return in.ReplaceTable(ctx, t, func(ctx context.Context, _ *duck.Conn, alias string) error {
		// The loader connection does the work, for its progress; the
		// staged file is attached to the whole instance.
		if _, err := conn.Exec(ctx, engine.CreateTableSQL(alias, t.Columns, t.PrimaryKey)); err != nil {
			return err
		}
		if err := insert(ctx, conn, alias, t, p, opts, res, true); err != nil {
			return err
		}
		// The swap waits for every pin of t's file, the source's own
		// when a table is loaded from itself.
		p.close()
		res.TableRows = res.ImportedRows
		return nil
	})
}

// incremental adds the rows in one transaction on the table's file.
func incremental(ctx context.Context, in *engine.Instance, conn *duck.Conn, t *catalog.Table, p *plan, opts Options, res *Result) error {
	alias, unpin, err := in.Pin(ctx, t)
	if err != nil {
		return err
	}
	defer unpin()
	if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
		return err
	}
	err = insert(ctx, conn, alias, t, p, opts, res, false)
	if err == nil {
		res.TableRows, err = countRows(ctx, conn, alias)
	}
	if err == nil {
		_, err = conn.Exec(ctx, "COMMIT")
	}
	if err != nil {
		conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
	}
	return err
}

func countRows(ctx context.Context, conn *duck.Conn, alias string) (int64, error) {
	row, err := queryRow(ctx, conn, "SELECT count(*) FROM "+duck.QuoteIdent(alias)+".data")
	if err != nil {
		return 0, err
	}
	n, _ := row[0].(int64)
	return n, nil
}

// checkDedup refuses what a table's primary key cannot take.
func checkDedup(t *catalog.Table, opts Options) error {
	if opts.Dedup == "" {
		opts.Dedup = UpdateDuplicates
	}
	if _, err := ParseDedup(string(opts.Dedup)); err != nil {
		return err
	}
	if len(t.PrimaryKey) == 0 {
		return nil
	}
	if opts.Dedup == InsertDuplicates {
		return newError(KindInvalidOption, pgerr.InvalidParameterValue, map[string]any{"option": "dedup_mode", "primary_key": t.PrimaryKey},
			"insert_duplicates cannot keep two rows with one key: table %s.%s has the primary key (%s)", t.Bucket, t.Name, joinNames(t.PrimaryKey))
	}
	if opts.Columns != nil && opts.Dedup != FailOnDuplicates {
		// Deduplication needs the key; a plain insert lets DuckDB refuse
		// the missing key columns as NULLs.
		var missing []string
		for _, k := range t.PrimaryKey {
			if !slices.Contains(opts.Columns, k) {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return newError(KindInvalidOption, pgerr.InvalidParameterValue, map[string]any{"option": "columns", "missing": missing},
				"the columns loaded must include the primary key: %s missing", joinNames(missing))
		}
	}
	return nil
}

func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = duck.QuoteIdent(n)
	}
	return strings.Join(q, ", ")
}

// insert moves the plan's rows into <alias>.data. Without a primary key
// (or when any duplicate key must fail) it is one INSERT … SELECT from
// the source. With one, the rows are staged in a temporary table first
// (DuckDB spills it to the temp folder when large), counted against
// their distinct keys, and, when keys repeat, only the last row of each
// key is kept (insertion order is file order); incremental loads then
// upsert.
func insert(ctx context.Context, conn *duck.Conn, alias string, t *catalog.Table, p *plan, opts Options, res *Result, full bool) error {
	target := duck.QuoteIdent(alias) + ".data"
	names := columnNames(p.target)
	cols := quotedList(names)
	pk := t.PrimaryKey
	if len(pk) == 0 || opts.Dedup == FailOnDuplicates {
		n, err := conn.Exec(ctx, "INSERT INTO "+target+" ("+cols+") "+p.selectSQL())
		res.ImportedRows = n
		return err
	}
	tmp := "temp." + randomName("load_")
	if _, err := conn.Exec(ctx, "CREATE TEMP TABLE "+tmp[len("temp."):]+" AS "+p.selectSQL()); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp)
	row, err := queryRow(ctx, conn, "SELECT (SELECT count(*) FROM "+tmp+"), (SELECT count(*) FROM (SELECT DISTINCT "+quotedList(pk)+" FROM "+tmp+"))")
	if err != nil {
		return err
	}
	n, _ := row[0].(int64)
	distinct, _ := row[1].(int64)
	src := "SELECT " + cols + " FROM " + tmp
	if distinct < n {
		src += " QUALIFY row_number() OVER (PARTITION BY " + quotedList(pk) + " ORDER BY rowid DESC) = 1"
	}
	q := "INSERT INTO " + target + " (" + cols + ") " + src
	if !full {
		q += onConflict(pk, names)
	}
	if res.ImportedRows, err = conn.Exec(ctx, q); err != nil {
		return err
	}
	res.warnDuplicates(n-distinct, pk)
	return nil
}

// onConflict is the upsert clause: the input's values replace the
// table's for the columns loaded.
func onConflict(pk, cols []string) string {
	var set []string
	for _, c := range cols {
		if !slices.Contains(pk, c) {
			set = append(set, duck.QuoteIdent(c)+" = excluded."+duck.QuoteIdent(c))
		}
	}
	if len(set) == 0 {
		return " ON CONFLICT (" + quotedList(pk) + ") DO NOTHING"
	}
	return " ON CONFLICT (" + quotedList(pk) + ") DO UPDATE SET " + strings.Join(set, ", ")
}

// explain turns a failed load's DuckDB error into an Error saying what
// in the input was wrong: for a value that does not convert, the source
// is read again to find its row, column and value.
func explain(ctx context.Context, conn *duck.Conn, p *plan, err error) error {
	err = engine.Error(err)
	var le *Error
	if errors.As(err, &le) {
		return le
	}
	code := pgerr.CodeOf(err)
	switch {
	case code == pgerr.UniqueViolation:
		return &Error{Kind: KindDuplicateKey, Details: map[string]any{"reason": err.Error()},
			Err: pgerr.Wrap(err, pgerr.UniqueViolation, "the input repeats a primary key or has one already in the table: "+err.Error())}
	case code == pgerr.NotNullViolation:
		return &Error{Kind: KindNotNull, Details: map[string]any{"reason": err.Error()}, Err: pgerr.Wrap(err, code, err.Error())}
	case code.Class() == "22" && ctx.Err() == nil:
		if p.diagnose != nil {
			if d := p.diagnose(ctx, conn); d != nil {
				return d
			}
		}
		return &Error{Kind: KindInvalidValue, Details: map[string]any{"reason": err.Error()}, Err: pgerr.Wrap(err, code, err.Error())}
	}
	return err
}

// explainWith explains on a fresh connection: the caller's is in an
// aborted transaction.
func explainWith(ctx context.Context, in *engine.Instance, p *plan, err error) error {
	conn, cerr := in.Conn()
	if cerr != nil {
		return engine.Error(err)
	}
	defer conn.Close()
	return explain(ctx, conn, p, err)
}
