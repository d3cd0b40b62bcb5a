package sqlrouter

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// newCatalogEnv is newEnv with the system catalog and a table in each
// bucket.
func newCatalogEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.r = New(Config{Version: "test", Secret: []byte("secret"), SystemCatalog: NewPGCatalog(nil)}, e.eng)
	e.apiTable("p1", "in.c-sales", "orders", 3)
	e.apiTable("p1", "out.c-reports", "daily", 2)
	return e
}

// slots returns how many catalogs the project's instance has attached.
func (e *env) slots(project string) int {
	pc := e.r.cfg.SystemCatalog
	pc.mu.Lock()
	ic := pc.insts[project]
	pc.mu.Unlock()
	if ic == nil {
		return 0
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return len(ic.slots)
}

func TestCatalogBuiltOnFirstUse(t *testing.T) {
	e := newCatalogEnv(t)
	s := e.open(e.keys["admin"], "main")
	mustRun(t, s, `SELECT count(*) FROM orders; SELECT version(), current_setting('search_path'); SET search_path = "in.c-sales"`)
	if n := e.slots("p1"); n != 0 {
		t.Fatalf("connect and ordinary queries built %d catalogs", n)
	}
	got := fmtRows(mustRun(t, s, `SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind = 'r' ORDER BY 1, 2`))
	if got != "[in.c-sales orders][out.c-reports daily]" {
		t.Fatalf("tables = %s", got)
	}
	// Another session of the branch shares it.
	other := e.open(e.keys["admin"], "main")
	mustRun(t, other, `SELECT count(*) FROM information_schema.tables`)
	if n := e.slots("p1"); n != 1 {
		t.Fatalf("%d catalogs, want one shared", n)
	}
}

func TestCatalogShowsOnlyTheSessionsProject(t *testing.T) {
	e := newCatalogEnv(t)
	e.project("p2")
	e.bucket("p2", "in.c-secret")
	e.apiTable("p2", "in.c-secret", "leaked", 1)
	s := e.open(e.keys["admin"], "main")
	for _, q := range []string{
		`SELECT nspname FROM pg_namespace`, `SELECT relname FROM pg_class`, `SELECT table_schema || table_name FROM information_schema.tables`,
		`SELECT column_name FROM information_schema.columns`, `SELECT datname FROM pg_database`,
	} {
		if got := fmtRows(mustRun(t, s, q)); strings.Contains(got, "secret") || strings.Contains(got, "leaked") {
			t.Errorf("%s shows project p2: %s", q, got)
		}
	}
	// No public schema: nothing can be created there.
	if n := one(t, s, `SELECT count(*) FROM pg_namespace WHERE nspname = 'public'`); n != int64(0) {
		t.Errorf("public schema listed")
	}
}

func TestCatalogFollowsBranchAndGeneration(t *testing.T) {
	e := newCatalogEnv(t)
	ctx := context.Background()
	if err := e.cat.CreateBranch(ctx, &catalog.Branch{ID: "b1", ProjectID: "p1", Name: "feature", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	mainS := e.open(e.keys["admin"], "main")
	branch := e.open(e.keys["admin"], "b1")
	count := `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'in.c-sales'`
	stmts, err := mainS.Prepare(ctx, count, nil) // kept across the change below
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, branch, `CREATE TABLE "in.c-sales".only_here (x int)`)
	if n := one(t, branch, count); n != int64(2) {
		t.Fatalf("branch sees %v tables", n)
	}
	if n := one(t, mainS, count); n != int64(1) {
		t.Fatalf("main sees %v tables", n)
	}
	p, err := stmts[0].Bind(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := &sink{}
	if _, err := p.Execute(ctx, k, 0); err != nil || fmtRows(k.rows) != "[1]" {
		t.Fatalf("prepared before the change: %v %v", k.rows, err)
	}
	p.Close()
	stmts[0].Close()
	// main's catalog is reloaded in place for the new generation.
	mustRun(t, mainS, `CREATE TABLE "out.c-reports".more (x int)`)
	if n := one(t, mainS, `SELECT count(*) FROM pg_tables WHERE schemaname = 'out.c-reports'`); n != int64(2) {
		t.Fatalf("after CREATE TABLE main sees %v", n)
	}
	if n := one(t, mainS, `SELECT count(*) FROM pg_class WHERE relname = 'only_here'`); n != int64(0) {
		t.Fatalf("main sees the branch's table")
	}
	if n := e.slots("p1"); n != 2 {
		t.Fatalf("%d catalogs, want main's and the branch's", n)
	}
}

func TestCatalogSessionState(t *testing.T) {
	e := newCatalogEnv(t)
	a := e.open(e.keys["admin"], "main")
	b := e.open(e.keys["admin"], "main")
	visible := `SELECT pg_table_is_visible('"in.c-sales".orders'::regclass), 'orders'::regclass::oid IS NOT NULL`
	mustRun(t, a, `SET search_path = "in.c-sales"`)
	for i := 0; i < 2; i++ { // the two sessions take turns on one catalog
		if got := fmtRows(mustRun(t, a, visible)); got != "[true true]" {
			t.Fatalf("a: %s", got)
		}
		if got := fmtRows(mustRun(t, b, visible)); got != "[false false]" {
			t.Fatalf("b: %s", got)
		}
	}
	if got := one(t, b, `SELECT set_config('search_path', '"out.c-reports"', false)`); got != `"out.c-reports"` {
		t.Fatalf("set_config = %v", got)
	}
	if got := fmtRows(mustRun(t, b, `SELECT current_schema(), c.relname::text FROM pg_class c WHERE pg_table_is_visible(c.oid) AND c.relkind = 'r' AND c.relnamespace > 16384`)); got != "[out.c-reports daily]" {
		t.Fatalf("after set_config: %s", got)
	}
	mustRun(t, a, `SET application_name = 'tool A'`)
	if got := fmtRows(mustRun(t, a, `SELECT setting, source FROM pg_settings WHERE name = 'application_name'`)); got != "[tool A session]" {
		t.Fatalf("pg_settings = %s", got)
	}
	if got := fmtRows(mustRun(t, a, `SELECT pid = pg_backend_pid(), application_name, state FROM pg_stat_activity`)); got != "[true tool A active]" {
		t.Fatalf("pg_stat_activity = %s", got)
	}
	mustRun(t, a, `BEGIN; DECLARE cur CURSOR FOR SELECT 1; PREPARE q AS SELECT 2`)
	if got := fmtRows(mustRun(t, a, `SELECT name, statement FROM pg_cursors UNION ALL SELECT name, statement FROM pg_prepared_statements ORDER BY 1`)); got != "[cur DECLARE cur CURSOR FOR SELECT 1][q PREPARE q AS SELECT 2]" {
		t.Fatalf("cursors and prepared = %s", got)
	}
	mustRun(t, a, `COMMIT`)
	if n := one(t, b, `SELECT count(*) FROM pg_cursors`); n != int64(0) {
		t.Fatalf("b sees a's cursors")
	}
}

func TestCatalogDescribesAndPositions(t *testing.T) {
	e := newCatalogEnv(t)
	s := e.open(e.keys["admin"], "main")
	f := prepare(t, s, `SELECT c.oid, c.relname, c.relkind, n.* FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`).Fields()
	want := map[string]uint32{"oid": 26, "relname": 19, "relkind": 18, "nspname": 19, "nspowner": 26, "nspacl": 1034}
	for _, fd := range f {
		if w, ok := want[fd.Name]; ok && fd.TypeOID != w && fd.Name != "nspacl" {
			t.Errorf("%s described as %d, want %d", fd.Name, fd.TypeOID, w)
		}
	}
	pe := wantCode(t, s, "SELECT 1;\nSELECT nope FROM orders", pgerr.UndefinedColumn)
	if pe.Position != 18 {
		t.Errorf("42703 at %d, want 18: %+v", pe.Position, pe)
	}
	pe = wantCode(t, s, `SELECT * FROM "in.c-sales".nope`, pgerr.UndefinedTable)
	if pe.Position != 15 {
		t.Errorf("42P01 at %d, want 15: %+v", pe.Position, pe)
	}
	pe = wantCode(t, s, `SELECT 1, o.id FROM orders`, pgerr.UndefinedTable)
	if pe.Position != 11 {
		t.Errorf("42P01 for a qualifier at %d, want 11: %+v", pe.Position, pe)
	}
	pe = wantCode(t, s, `SELECT 'é', x FROM pg_class`, pgerr.UndefinedColumn)
	if pe.Position != 13 {
		t.Errorf("42703 after a multibyte character at %d, want 13", pe.Position)
	}
	wantCode(t, s, `SELECT * FROM pg_catalog.pg_nope`, pgerr.UndefinedTable)
	wantCode(t, s, `INSERT INTO pg_catalog.pg_class (oid) VALUES (1)`, pgerr.InsufficientPrivilege)
}

// TestCatalogPortalDoesNotHoldTheCatalog leaves a catalog query's portal
// suspended: its rows are buffered, so another session's catalog queries
// go on.
func TestCatalogPortalDoesNotHoldTheCatalog(t *testing.T) {
	e := newCatalogEnv(t)
	a := e.open(e.keys["admin"], "main")
	b := e.open(e.keys["admin"], "main")
	ctx := context.Background()
	p, err := prepare(t, a, `SELECT relname FROM pg_class ORDER BY 1`).Bind(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if res, err := p.Execute(ctx, &sink{}, 1); err != nil || !res.Suspended {
		t.Fatalf("%+v %v", res, err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := run(ctx, b, `SELECT count(*) FROM pg_class`)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a suspended catalog portal blocks other sessions")
	}
	// The portal survives another statement of its session.
	mustRun(t, a, `SELECT 1`)
	k := &sink{}
	if _, err := p.Execute(ctx, k, 0); err != nil || len(k.rows) < 100 {
		t.Fatalf("rest: %d rows, %v", len(k.rows), err)
	}
}

// TestCatalogConcurrentSessions runs catalog queries of sessions with
// different search paths at once while tables are created: each answer
// is its own session's, and the catalog follows the creations.
func TestCatalogConcurrentSessions(t *testing.T) {
	e := newCatalogEnv(t)
	paths := []string{`"in.c-sales"`, `"out.c-reports"`, `"$user", public`}
	want := []string{"[orders]", "[daily]", ""}
	ctx := context.Background()
	errs := make(chan error, len(paths)+1)
	for i, path := range paths {
		s := e.open(e.keys["admin"], "main")
		mustRun(t, s, `SET search_path = `+path)
		go func(i int, s *Session) {
			for n := 0; n < 15; n++ {
				rows, _, err := run(ctx, s, `SELECT c.relname::text FROM pg_class c WHERE pg_table_is_visible(c.oid) AND c.relkind = 'r'
					AND c.relname IN ('orders', 'daily') ORDER BY 1`)
				if err == nil && fmtRows(rows) != want[i] {
					err = errf(pgerr.InternalError, "session %d saw %s, want %s", i, fmtRows(rows), want[i])
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(i, s)
	}
	creator := e.open(e.keys["admin"], "main")
	go func() {
		for n := 0; n < 5; n++ {
			if _, _, err := run(ctx, creator, `CREATE TABLE "out.c-reports".t`+itoa(n)+` (x int)`); err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	}()
	for range len(paths) + 1 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := one(t, creator, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'out.c-reports'`); n != int64(6) {
		t.Fatalf("after the creations the catalog shows %v tables", n)
	}
}
