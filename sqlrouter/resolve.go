package sqlrouter

import (
	"context"
	"errors"
	"strings"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Name resolution. Each bucket is a schema and each table a table in it.
// A schema name matches a bucket by its exact name ("in.c-sales") or, when
// no bucket has that exact name, by its folded alias (in_c_sales: lower
// case, every character other than a-z, 0-9 and _ turned into _) if
// exactly one bucket folds to it.
//
// Unqualified names go through search_path. Its default, PostgreSQL's
// `"$user", public`, names no bucket in most projects; whenever the search
// path names no existing bucket, an unqualified table name is looked up in
// every bucket and must be unique (42P09 otherwise). Once the path names a
// bucket (SET search_path TO "in.c-sales"), only the buckets it names are
// searched, in order, as PostgreSQL does.

// fold returns a bucket name's identifier-friendly alias.
func fold(name string) string {
	b := []byte(strings.ToLower(name))
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// resolver looks names up for one statement, as its session sees them.
// It loads the branch's buckets and tables once.
type resolver struct {
	ctx     context.Context
	s       *Session
	buckets []*catalog.Bucket
	tables  []*catalog.Table
	loadedB bool
	loadedT bool
	// usedPath is set when a name was resolved through search_path.
	usedPath bool
}

func (s *Session) newResolver(ctx context.Context) *resolver { return &resolver{ctx: ctx, s: s} }

func (r *resolver) allBuckets() ([]*catalog.Bucket, error) {
	if !r.loadedB {
		b, err := r.s.r.eng.Buckets(r.ctx, r.s.project, r.s.branch)
		if err != nil {
			return nil, err
		}
		r.buckets, r.loadedB = b, true
	}
	return r.buckets, nil
}

func (r *resolver) allTables() ([]*catalog.Table, error) {
	if !r.loadedT {
		t, err := r.s.r.eng.Tables(r.ctx, r.s.project, r.s.branch, "")
		if err != nil {
			return nil, err
		}
		r.tables, r.loadedT = t, true
	}
	return r.tables, nil
}

// findBucket returns the bucket a schema name means, nil if none.
func (r *resolver) findBucket(name string) (*catalog.Bucket, error) {
	all, err := r.allBuckets()
	if err != nil {
		return nil, err
	}
	var folded []*catalog.Bucket
	for _, b := range all {
		if b.Name == name {
			return b, nil
		}
		if fold(b.Name) == name {
			folded = append(folded, b)
		}
	}
	switch len(folded) {
	case 0:
		return nil, nil
	case 1:
		return folded[0], nil
	}
	names := make([]string, len(folded))
	for i, b := range folded {
		names[i] = quoteIdentIfNeeded(b.Name)
	}
	return nil, errf(codeAmbiguousAlias, "schema name %q is ambiguous: it may mean %s", name, strings.Join(names, " or ")).
		WithHint("Write the bucket's exact name in double quotes.")
}

// bucket is findBucket for a name that must exist.
func (r *resolver) bucket(name string) (*catalog.Bucket, error) {
	b, err := r.findBucket(name)
	if err == nil && b == nil {
		err = errf(pgerr.InvalidSchemaName, "schema %q does not exist", name)
	}
	return b, err
}

// pathBuckets returns the existing buckets search_path names, in order;
// nil means the path names none, so every bucket is searched.
func (r *resolver) pathBuckets() ([]*catalog.Bucket, error) {
	r.usedPath = true
	names, _ := splitIdentList(r.s.mustSetting("search_path"))
	var out []*catalog.Bucket
	seen := map[int64]bool{}
	for _, n := range names {
		if n == "$user" {
			n = r.s.startup.User
		}
		b, err := r.findBucket(n)
		if err != nil {
			return nil, err
		}
		if b != nil && !seen[b.ID] {
			seen[b.ID] = true
			out = append(out, b)
		}
	}
	return out, nil
}

// table resolves a possibly schema-qualified table name for reading.
func (r *resolver) table(schema, name string) (*catalog.Table, error) {
	if schema != "" {
		b, err := r.bucket(schema)
		if err != nil {
			return nil, err
		}
		t, err := r.s.r.eng.Table(r.ctx, r.s.project, r.s.branch, b.Name, name)
		if errors.Is(err, catalog.ErrNotFound) {
			return nil, errf(pgerr.UndefinedTable, "relation \"%s.%s\" does not exist", schema, name)
		}
		return t, err
	}
	path, err := r.pathBuckets()
	if err != nil {
		return nil, err
	}
	for _, b := range path {
		t, err := r.s.r.eng.Table(r.ctx, r.s.project, r.s.branch, b.Name, name)
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, catalog.ErrNotFound) {
			return nil, err
		}
	}
	if len(path) == 0 {
		return r.anyBucket(name)
	}
	return nil, errf(pgerr.UndefinedTable, "relation %q does not exist", name)
}

// anyBucket finds an unqualified table in every bucket; it must be unique.
func (r *resolver) anyBucket(name string) (*catalog.Table, error) {
	all, err := r.allTables()
	if err != nil {
		return nil, err
	}
	var found []*catalog.Table
	for _, t := range all {
		if t.Name == name {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, errf(pgerr.UndefinedTable, "relation %q does not exist", name)
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, t := range found {
		names[i] = displayName(t)
	}
	return nil, errf(codeAmbiguousAlias, "table name %q is ambiguous: it exists as %s", name, strings.Join(names, " and ")).
		WithHint("Qualify the name with its bucket, or SET search_path to the bucket.")
}

// creationBucket is where an unqualified CREATE TABLE goes: the first
// bucket search_path names.
func (r *resolver) creationBucket() (*catalog.Bucket, error) {
	path, err := r.pathBuckets()
	if err != nil {
		return nil, err
	}
	if len(path) == 0 {
		return nil, errf(pgerr.InvalidSchemaName, "no schema has been selected to create in").
			WithHint("Qualify the table name with its bucket, or SET search_path to the bucket.")
	}
	return path[0], nil
}

// currentSchema is current_schema(): the first existing bucket on the
// search path, or "" (NULL) when there is none, as in PostgreSQL.
func (r *resolver) currentSchema() (string, error) {
	path, err := r.pathBuckets()
	if err != nil || len(path) == 0 {
		return "", err
	}
	return path[0].Name, nil
}

// displayName is how a table is named to the client: "bucket".table.
func displayName(t *catalog.Table) string {
	return quoteIdentIfNeeded(t.Bucket) + "." + quoteIdentIfNeeded(t.Name)
}
