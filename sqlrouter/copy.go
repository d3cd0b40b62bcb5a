package sqlrouter

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/engine/load"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// COPY. Only STDIN and STDOUT: COPY to or from a file or program is
// refused by the sandbox (classify.go). COPY ... TO STDOUT is a query whose
// rows wire writes as COPY data. COPY ... FROM STDIN takes the table's
// write lock at Bind. Wire turns text and csv data into canonical CSV,
// which is staged in the project's _staging folder in slices and loaded
// (loadCSV); binary data it decodes into Arrow batches, which DuckDB's
// appender takes (appendBatches). Either way the COPY runs in one
// transaction, so a bad value leaves the table unchanged.

// copyForce is COPY's FORCE_QUOTE option: the columns named, or all.
type copyForce struct {
	names []string
	all   bool
}

// copyOptions reads COPY's options into a spec with PostgreSQL's defaults.
func copyOptions(opts []*pg_query.Node, in bool) (*CopySpec, copyForce, error) {
	spec := &CopySpec{In: in, Format: CopyText}
	var force copyForce
	chars := map[string]*string{}
	var null *string
	for _, o := range opts {
		d := o.GetDefElem()
		if d == nil {
			continue
		}
		val, _ := constString(d.Arg)
		switch d.Defname {
		case "delimiter", "quote", "escape":
			v := val
			chars[d.Defname] = &v
		case "null":
			v := val
			null = &v
		default:
			if err := copyOption(spec, &force, d, val); err != nil {
				return nil, force, err
			}
		}
	}
	if err := copyDefaults(spec, chars, null); err != nil {
		return nil, force, err
	}
	return spec, force, nil
}

// copyOption reads FORMAT, HEADER, FORCE_QUOTE and the options that are
// accepted without effect.
func copyOption(spec *CopySpec, force *copyForce, d *pg_query.DefElem, val string) error {
	switch d.Defname {
	case "format":
		switch strings.ToLower(val) {
		case "text":
			spec.Format = CopyText
		case "csv":
			spec.Format = CopyCSV
		case "binary":
			spec.Format = CopyBinary
		default:
			return errf(pgerr.InvalidParameterValue, "COPY format %q not recognized", val)
		}
	case "header":
		b, ok := constBool(d.Arg)
		switch {
		case d.Arg == nil || strings.EqualFold(val, "match"):
			spec.Header = true
		case !ok:
			return errf(pgerr.InvalidParameterValue, "header requires a Boolean value or \"match\"")
		default:
			spec.Header = b
		}
	case "force_quote":
		if d.Arg.GetAStar() != nil {
			force.all = true
		} else if l := d.Arg.GetList(); l != nil {
			for _, it := range l.Items {
				force.names = append(force.names, it.GetString_().GetSval())
			}
		}
	case "encoding":
		if _, err := checkEncoding(nil, val); err != nil {
			return errf(pgerr.InvalidParameterValue, "COPY encoding %q is not supported; use UTF8", val)
		}
	case "freeze", "force_not_null", "force_null":
		// FREEZE has no meaning here; FORCE_NOT_NULL and FORCE_NULL are
		// wire's to apply when it turns the client's data into CSV.
	default:
		return errf(pgerr.SyntaxError, "option %q not recognized", d.Defname)
	}
	return nil
}

// copyDefaults fills in the format's defaults and the single-character
// options given.
func copyDefaults(spec *CopySpec, chars map[string]*string, null *string) error {
	switch spec.Format {
	case CopyText:
		spec.Delimiter, spec.Null = '\t', `\N`
	case CopyCSV:
		spec.Delimiter, spec.Null, spec.Quote, spec.Escape = ',', "", '"', '"'
	case CopyBinary:
		if len(chars) > 0 || null != nil || spec.Header {
			return errf(pgerr.SyntaxError, "cannot specify DELIMITER, NULL, QUOTE, ESCAPE or HEADER in BINARY mode")
		}
	}
	dst := map[string]*byte{"delimiter": &spec.Delimiter, "quote": &spec.Quote, "escape": &spec.Escape}
	for name, v := range chars {
		if len(*v) != 1 {
			return errf(pgerr.FeatureNotSupported, "COPY %s must be a single one-byte character", name)
		}
		*dst[name] = (*v)[0]
	}
	if chars["quote"] != nil && chars["escape"] == nil {
		spec.Escape = spec.Quote
	}
	if null != nil {
		spec.Null = *null
	}
	return nil
}

// copyOutSpec describes COPY ... TO STDOUT with the query's columns.
func copyOutSpec(c *pg_query.CopyStmt, fields []Field) (*CopySpec, error) {
	spec, force, err := copyOptions(c.Options, false)
	if err != nil {
		return nil, err
	}
	spec.Fields = fields
	if force.all || len(force.names) > 0 {
		spec.ForceQuote = make([]bool, len(fields))
		for i, f := range fields {
			spec.ForceQuote[i] = force.all
			for _, n := range force.names {
				if n == f.Name {
					spec.ForceQuote[i] = true
				}
			}
		}
	}
	return spec, nil
}

// bindCopyIn readies COPY t [(cols)] FROM STDIN: the table's write lock
// and pin (the transaction's, if one is open) and the columns' types.
func (st *stmt) bindCopyIn(ctx context.Context, p *portal) error {
	s := st.s
	c := cloneNode(st.node).GetCopyStmt()
	spec, _, err := copyOptions(c.Options, true)
	if err != nil {
		return err
	}
	h := s.holdsFor(&p.own)
	t, err := s.writeTable(ctx, h, s.newResolver(ctx), c.Relation, "COPY", true)
	if err == nil {
		err = st.describeCopyIn(ctx, p, h, t, c, spec)
	}
	if err != nil {
		p.own.release()
		return err
	}
	return nil
}

func (st *stmt) describeCopyIn(ctx context.Context, p *portal, h *holds, t *catalog.Table, c *pg_query.CopyStmt, spec *CopySpec) error {
	s := st.s
	cols, err := copyColumns(t, c.Attlist)
	if err != nil {
		return err
	}
	alias, err := s.pin(ctx, h, t)
	if err != nil {
		return err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = duck.QuoteIdent(c)
	}
	s.quiesce(nil)
	ds, err := s.conn.Prepare("SELECT " + strings.Join(quoted, ", ") + " FROM " + quoteAlias(alias) + ".main.data")
	if err != nil {
		return clientError(ctx, err, aliasNames{alias: displayName(t)})
	}
	dcols := ds.Columns()
	ds.Close()
	types := make([]duck.Type, len(dcols))
	for i, dc := range dcols {
		types[i] = dc.Type
	}
	spec.Fields = fieldsOf(dcols)
	p.copy, p.fields = spec, nil
	p.copyIn = func(ctx context.Context, r io.Reader) (Result, error) {
		n, err := s.loadCSV(ctx, t, alias, cols, types, r)
		if err != nil {
			return Result{}, err
		}
		return Result{Tag: fmt.Sprintf("COPY %d", n)}, nil
	}
	p.copyInBatches = func(ctx context.Context, schema *arrow.Schema, next func() (arrow.RecordBatch, error)) (Result, error) {
		n, err := s.appendBatches(ctx, t, alias, cols, types, schema, next)
		if err != nil {
			return Result{}, err
		}
		return Result{Tag: fmt.Sprintf("COPY %d", n)}, nil
	}
	return nil
}

// copyColumns returns the columns a COPY names, or all of the table's.
func copyColumns(t *catalog.Table, attlist []*pg_query.Node) ([]string, error) {
	if len(attlist) == 0 {
		cols := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			cols[i] = c.Name
		}
		return cols, nil
	}
	seen := map[string]bool{}
	cols := make([]string, len(attlist))
	for i, a := range attlist {
		name := a.GetString_().GetSval()
		if t.Column(name) == nil {
			return nil, errf(pgerr.UndefinedColumn, "column %q of relation %q does not exist", name, t.Name)
		}
		if seen[name] {
			return nil, errf(pgerr.DuplicateColumn, "column %q specified more than once", name)
		}
		seen[name] = true
		cols[i] = name
	}
	return cols, nil
}

// CopyIn loads COPY FROM STDIN data.
func (p *portal) CopyIn(ctx context.Context, r io.Reader) (Result, error) {
	s := p.st.s
	if p.copyIn == nil || p.done {
		return Result{}, errf(pgerr.ProtocolViolation, "portal is not a COPY FROM STDIN")
	}
	res, err := p.copyIn(ctx, r)
	p.finish()
	err = s.fail(err)
	s.r.metrics.observe(p.st.cls.kind, err, time.Since(p.start))
	return res, err
}

// CopyInBatches loads binary COPY FROM STDIN data that wire decoded into
// Arrow batches (see BatchCopyIn).
func (p *portal) CopyInBatches(ctx context.Context, schema *arrow.Schema, next func() (arrow.RecordBatch, error)) (Result, error) {
	s := p.st.s
	if p.copyInBatches == nil || p.done {
		return Result{}, errf(pgerr.ProtocolViolation, "portal is not a COPY FROM STDIN")
	}
	res, err := p.copyInBatches(ctx, schema, next)
	p.finish()
	err = s.fail(err)
	s.r.metrics.observe(p.st.cls.kind, err, time.Since(p.start))
	return res, err
}

// appendBatches appends Arrow batches to a table whose write lock the
// caller holds, through DuckDB's query appender: one INSERT over the rows
// appended, run as DuckDB flushes them and at the end, inside one
// transaction (the session's, or one of its own), so the COPY adds all
// rows or none. Columns that arrive as text are cast with castFromText,
// as loadCSV does. Binary tuples skip the CSV round trip: measured with
// cmd/duckbench, text conversion and DuckDB's CSV parse made binary COPY
// the slowest load path.
func (s *Session) appendBatches(ctx context.Context, t *catalog.Table, alias string, cols []string, types []duck.Type, schema *arrow.Schema, next func() (arrow.RecordBatch, error)) (n int64, err error) {
	exprs := make([]string, len(cols))
	quoted := make([]string, len(cols))
	for i, f := range schema.Fields() {
		quoted[i] = duck.QuoteIdent(cols[i])
		exprs[i] = duck.QuoteIdent(f.Name)
		if f.Type.ID() == arrow.STRING {
			exprs[i] = castFromText(exprs[i], types[i])
		}
	}
	query := "INSERT INTO " + quoteAlias(alias) + ".main.data (" + strings.Join(quoted, ", ") + ") SELECT " +
		strings.Join(exprs, ", ") + " FROM copy_rows"
	// DuckDB names the table in constraint errors by its name in the
	// file (data).
	names := aliasNames{alias: displayName(t), targetAlias: displayName(t)}
	s.quiesce(nil)
	err = s.atomically(ctx, names, func() error {
		a, err := s.conn.NewAppender(query, "copy_rows", schema)
		if err != nil {
			return clientError(ctx, err, names)
		}
		for {
			rec, nerr := next()
			if nerr == io.EOF {
				break
			}
			if nerr != nil {
				a.Abandon()
				return nerr
			}
			aerr := a.Append(rec)
			n += rec.NumRows()
			rec.Release()
			if aerr == nil {
				aerr = ctx.Err()
			}
			if aerr != nil {
				a.Abandon()
				return clientError(ctx, aerr, names)
			}
		}
		if err := a.Close(); err != nil {
			return clientError(ctx, err, names)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// atomically runs f in the session's transaction, or in one of its own
// that commits when f succeeds and rolls back when it fails.
func (s *Session) atomically(ctx context.Context, names aliasNames, f func() error) (err error) {
	if s.inTx() {
		return f()
	}
	if _, err := s.conn.Exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return clientError(ctx, err, nil)
	}
	defer func() {
		if err == nil {
			if _, cerr := s.conn.Exec(ctx, "COMMIT"); cerr != nil {
				err = clientError(ctx, cerr, names)
			}
		}
		if err != nil {
			s.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	return f()
}

// loadCSV appends canonical CSV (RFC 4180, no header, an unquoted empty
// field is NULL) to a table whose write lock the caller holds, and returns
// the rows added. The data is staged in the project's _staging folder,
// inside the instance's sandbox, in slices (stageSlices) that the shared
// loader (the one HTTP imports use) appends on the session's connection
// as they arrive, all in one transaction (the session's or one of its
// own). Fields are read as text and cast with castFromText, which applies
// PostgreSQL's text input forms where DuckDB's differ (bytea's \x hex,
// {a,b} arrays). A bad value leaves the table unchanged; the error names
// the row, column and value.
func (s *Session) loadCSV(ctx context.Context, t *catalog.Table, alias string, cols []string, types []duck.Type, r io.Reader) (int64, error) {
	typeOf := make(map[string]duck.Type, len(cols))
	for i, c := range cols {
		typeOf[c] = types[i]
	}
	opts := load.Options{Columns: cols, Dedup: load.FailOnDuplicates,
		TextInput: func(c catalog.Column, field string) string { return castFromText(field, typeOf[c.Name]) }}
	names := aliasNames{alias: displayName(t), targetAlias: displayName(t)}
	// Nothing starts a transaction before the first byte: an empty COPY
	// does nothing.
	br := bufio.NewReaderSize(r, 64<<10)
	if _, err := br.Peek(1); err == io.EOF {
		return 0, nil
	}
	s.quiesce(nil)
	var n int64
	err := s.atomically(ctx, names, func() error {
		return stageSlices(ctx, filepath.Join(s.in.Dir(), "_staging"), br, copySliceBytes, func(path string) error {
			opts.FirstRow = n + 1
			res, err := load.Append(ctx, s.in, s.conn, alias, t,
				load.Source{Format: load.CSV, Paths: []string{path}, CSV: load.CanonicalCSV(cols)}, opts)
			if err != nil {
				return clientError(ctx, err, names)
			}
			n += res.ImportedRows
			return nil
		})
	})
	if err != nil && ctx.Err() != nil {
		// Canceled or timed out between slices, or while one was read.
		err = clientError(ctx, err, names)
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// castFromText converts a VARCHAR CSV field to a column's type.
func castFromText(col string, t duck.Type) string {
	switch t.ID {
	case duck.TypeVarchar:
		if t.Alias == "" {
			return col
		}
	case duck.TypeBlob:
		return "CASE WHEN starts_with(" + col + `, '\x') THEN unhex(substr(` + col + ", 3)) ELSE CAST(" + col + " AS BLOB) END"
	case duck.TypeList:
		// PostgreSQL writes arrays as {a,b}; DuckDB reads lists as [a,b].
		return "CAST(CASE WHEN starts_with(" + col + ", '{') THEN '[' || substr(" + col + ", 2, length(" + col + ") - 2) || ']' ELSE " + col + " END AS " + t.String() + ")"
	}
	return "CAST(" + col + " AS " + t.String() + ")"
}

// valueString reads a text value from a result column.
func valueString(col arrow.Array, i int) (string, bool) {
	v, ok := engine.ValueAt(col, i).(string)
	return v, ok
}
