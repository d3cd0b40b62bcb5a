package sqlrouter

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// env is a catalog and engine in a temporary folder with a project "p1"
// (buckets in.c-sales and out.c-reports), its keys, and a router.
type env struct {
	t    testing.TB
	dir  string
	cat  *catalog.DuckStore
	eng  *engine.Engine
	r    *Router
	reg  *prometheus.Registry
	keys map[string]string // by name: admin, ro
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := catalog.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(ctx, engine.Config{DataDir: dir, Threads: 2, MemoryLimit: "1GB", LockTimeout: 5 * time.Second}, cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Close()
		cat.Close()
	})
	reg := prometheus.NewRegistry()
	e := &env{t: t, dir: dir, cat: cat, eng: eng, reg: reg, keys: map[string]string{},
		r: New(Config{Registerer: reg, Version: "test", Secret: []byte("secret")}, eng)}
	e.project("p1")
	e.keys["admin"] = e.key("p1", catalog.ScopeProjectAdmin, "")
	e.keys["ro"] = e.key("p1", catalog.ScopeReadOnly, "")
	e.bucket("p1", "in.c-sales")
	e.bucket("p1", "out.c-reports")
	return e
}

func (e *env) project(id string) {
	e.t.Helper()
	salt, iter := catalog.NewScramSalt()
	now := time.Now().UTC()
	if err := e.cat.CreateProject(context.Background(), &catalog.Project{ID: id, Name: id, CreatedAt: now, UpdatedAt: now, ScramSalt: salt, ScramIterations: iter}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) key(project string, scope catalog.Scope, branch string) string {
	e.t.Helper()
	p, err := e.cat.Project(context.Background(), project)
	if err != nil {
		e.t.Fatal(err)
	}
	k, full := catalog.NewAPIKey(p, scope, branch, "test", nil)
	if err := e.cat.CreateKey(context.Background(), k); err != nil {
		e.t.Fatal(err)
	}
	return full
}

func (e *env) bucket(project, name string) {
	e.t.Helper()
	if err := e.cat.CreateBucket(context.Background(), &catalog.Bucket{ProjectID: project, BranchID: catalog.MainBranch, Name: name, CreatedAt: time.Now()}); err != nil {
		e.t.Fatal(err)
	}
}

// apiTable creates a table through the engine, as the admin API does.
func (e *env) apiTable(project, bucket, name string, rows int) *catalog.Table {
	e.t.Helper()
	ctx := context.Background()
	in, err := e.eng.Instance(ctx, project)
	if err != nil {
		e.t.Fatal(err)
	}
	path, err := in.TablePath(catalog.MainBranch, bucket, name)
	if err != nil {
		e.t.Fatal(err)
	}
	tb := &catalog.Table{ProjectID: project, BranchID: catalog.MainBranch, Bucket: bucket, Name: name, Path: path}
	err = in.CreateTable(ctx, tb, func(ctx context.Context, c *duck.Conn, alias string) error {
		cols := []catalog.Column{{Name: "id", Type: "BIGINT"}, {Name: "v", Type: "VARCHAR", Nullable: true}}
		if _, err := c.Exec(ctx, engine.CreateTableSQL(alias, cols, []string{"id"})); err != nil {
			return err
		}
		_, err := c.Exec(ctx, "INSERT INTO "+duck.QuoteIdent(alias)+".data SELECT range, 'v' || range FROM range($1::BIGINT)", int64(rows))
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tb
}

// open logs in with a key (cleartext) and opens a session.
func (e *env) open(key, database string) *Session {
	e.t.Helper()
	s, err := e.tryOpen(key, database, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) tryOpen(key, database string, params map[string]string) (*Session, error) {
	ctx := context.Background()
	project, _, _ := catalog.ParseKey(key)
	st := Startup{User: project, Database: database, Params: params}
	id, err := e.r.CheckPassword(ctx, st, key)
	if err != nil {
		return nil, err
	}
	c, err := e.r.Open(ctx, st, id)
	if err != nil {
		return nil, err
	}
	s := c.(*Session)
	e.t.Cleanup(func() { s.Close() })
	return s, nil
}

// sink collects rows as Go values.
type sink struct{ rows [][]any }

func (k *sink) WriteRows(rec arrow.RecordBatch, from, to int) error {
	for i := from; i < to; i++ {
		row := make([]any, rec.NumCols())
		for j := range row {
			row[j] = engine.ValueAt(rec.Column(j), i)
		}
		k.rows = append(k.rows, row)
	}
	return nil
}

// run runs a simple query as wire does and returns the last statement's
// rows and tag, stopping at the first error.
func run(ctx context.Context, s *Session, sql string) ([][]any, string, error) {
	stmts, err := s.Prepare(ctx, sql, nil)
	if err != nil {
		return nil, "", err
	}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	s.BeginImplicit(ctx, len(stmts))
	var rows [][]any
	var tag string
	for _, st := range stmts {
		p, err := st.Bind(ctx, nil)
		if err != nil {
			s.EndImplicit(ctx, true)
			return nil, "", err
		}
		k := &sink{}
		res, err := p.Execute(ctx, k, 0)
		p.Close()
		if err != nil {
			s.EndImplicit(ctx, true)
			return nil, "", err
		}
		rows, tag = k.rows, res.Tag
	}
	return rows, tag, s.EndImplicit(ctx, false)
}

func mustRun(t *testing.T, s *Session, sql string) [][]any {
	t.Helper()
	rows, _, err := run(context.Background(), s, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func mustTag(t *testing.T, s *Session, sql, want string) {
	t.Helper()
	_, tag, err := run(context.Background(), s, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if tag != want {
		t.Fatalf("%s: tag %q, want %q", sql, tag, want)
	}
}

// wantCode runs sql and checks it fails with code.
func wantCode(t *testing.T, s *Session, sql string, code pgerr.Code) *pgerr.Error {
	t.Helper()
	_, _, err := run(context.Background(), s, sql)
	if err == nil {
		t.Fatalf("%s: succeeded, want %s", sql, code)
	}
	if got := pgerr.CodeOf(err); got != code {
		t.Fatalf("%s: %s %v, want %s", sql, got, err, code)
	}
	return pgerr.From(err)
}

// one returns the single value of a one-row, one-column result.
func one(t *testing.T, s *Session, sql string) any {
	t.Helper()
	rows := mustRun(t, s, sql)
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("%s: rows %v", sql, rows)
	}
	return rows[0][0]
}

func fmtRows(rows [][]any) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprint(&b, r)
	}
	return b.String()
}

// assertNoAlias fails when a message shows an attachment alias (t<id>) or
// DuckDB's internal names.
func assertNoAlias(t *testing.T, msg string) {
	t.Helper()
	if aliasRe.MatchString(msg) || strings.Contains(msg, "main.data") || strings.Contains(msg, "LINE 1") {
		t.Errorf("message shows internal names: %q", msg)
	}
}

var aliasRe = regexp.MustCompile(`\bt\d+\b|\bs[0-9a-f]{16}\b`)
