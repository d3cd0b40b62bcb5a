package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Folders inside a project folder.
const (
	mainDir       = "main"
	branchesDir   = "branches"
	stagingDir    = "_staging"
	tempDir       = "_tmp"
	workspacesDir = "workspaces"
)

// Instance is one project's DuckDB instance. Every session of the project
// and every admin call on it share it, and with it the attached files.
type Instance struct {
	e       *Engine
	project string
	dir     string
	db      *duck.DB

	mu       sync.Mutex
	changed  *sync.Cond      // signalled when a pin is released or a swap ends
	admin    *duck.Conn      // runs ATTACH and DETACH; guarded by mu
	loaders  chan *duck.Conn // see LoaderConn
	files    map[string]*attachment
	draining map[string]bool // files a swap or drop is waiting to have to itself
	closed   bool
}

// attachment is one attached table file.
type attachment struct {
	alias    string
	path     string // relative to the project folder
	pins     int
	lastUsed time.Time
}

func openInstance(e *Engine, projectID string) (*Instance, error) {
	dir := e.ProjectDir(projectID)
	for _, d := range []string{mainDir, stagingDir, tempDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o750); err != nil {
			return nil, fmt.Errorf("engine: project %s: %w", projectID, err)
		}
	}
	cfg := map[string]string{
		"temp_directory":               filepath.Join(dir, tempDir),
		"autoinstall_known_extensions": "false",
		"autoload_known_extensions":    "false",
		// A single-stream insert (binary COPY's appender) writes each
		// full row group to the table file as it fills instead of
		// compressing five at once. With DuckDB's default of five, every
		// third flush of the appender took 1.2 to 1.6 s and the wire
		// decoder stalled behind it; with one, flushes take 0.15 to 0.4 s
		// and binary COPY of 2M rows went from about 4.9 s to 4.1 s
		// (cmd/duckbench -cases load). Parallel loads (read_csv) measured
		// the same either way.
		"write_buffer_row_group_count": "1",
	}
	if e.cfg.MemoryLimit != "" {
		cfg["memory_limit"] = e.cfg.MemoryLimit
	}
	if e.cfg.Threads > 0 {
		cfg["threads"] = strconv.Itoa(e.cfg.Threads)
	}
	db, err := duck.Open("", cfg)
	if err != nil {
		return nil, fmt.Errorf("engine: open instance of %s: %w", projectID, err)
	}
	admin, err := db.Connect()
	if err != nil {
		db.Close()
		return nil, err
	}
	loaders, err := openLoaderConns(context.Background(), db)
	if err != nil {
		admin.Close()
		db.Close()
		return nil, fmt.Errorf("engine: loader connections of %s: %w", projectID, err)
	}
	// Confine the instance to its folder, then lock the configuration so
	// that no SQL can loosen it again.
	// Session time zones are applied on the wire; DuckDB computes in UTC.
	// integer / integer is integer division, as in PostgreSQL.
	sandbox := "SET GLOBAL TimeZone='UTC';" +
		"SET GLOBAL integer_division=true;" +
		// DuckDB divides by zero into NULL (or infinity); PostgreSQL
		// raises 22012. The SQL router wraps every divisor in this.
		"CREATE MACRO " + NonZeroMacro + "(x) AS CASE WHEN x = 0 THEN error('division by zero') ELSE x END;" +
		"SET allowed_directories=[" + duck.QuoteString(dir+string(filepath.Separator)) + "];" +
		"SET enable_external_access=false;" +
		"SET lock_configuration=true;"
	if _, err := admin.Exec(context.Background(), sandbox); err != nil {
		admin.Close()
		db.Close()
		return nil, fmt.Errorf("engine: sandbox instance of %s: %w", projectID, err)
	}
	in := &Instance{e: e, project: projectID, dir: dir, db: db, admin: admin, loaders: loaders,
		files: map[string]*attachment{}, draining: map[string]bool{}}
	in.changed = sync.NewCond(&in.mu)
	return in, nil
}

// NonZeroMacro names the instance macro that passes a divisor through or
// raises "division by zero" (SQLSTATE 22012) for zero.
const NonZeroMacro = "pg_nonzero"

// Project returns the project id.
func (in *Instance) Project() string { return in.project }

// Dir returns the project folder.
func (in *Instance) Dir() string { return in.dir }

// Conn opens a new connection on the instance. The caller closes it.
func (in *Instance) Conn() (*duck.Conn, error) {
	return in.db.Connect()
}

func aliasOf(t *catalog.Table) string { return "t" + strconv.FormatInt(t.ID, 10) }

// Pin attaches the table's file if needed and keeps it attached until the
// returned release is called. The alias names the attached database: the
// table is <alias>.data. Pins are cheap; hold one for each statement (or
// transaction) that uses the table.
func (in *Instance) Pin(ctx context.Context, t *catalog.Table) (alias string, release func(), err error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for in.draining[t.Path] {
		if err := in.waitLocked(ctx); err != nil {
			return "", nil, err
		}
	}
	if in.closed {
		return "", nil, pgerr.New(pgerr.AdminShutdown, "the project's engine is closed")
	}
	a := in.files[t.Path]
	if a == nil {
		a = &attachment{alias: aliasOf(t), path: t.Path}
		if err := in.attachLocked(ctx, a); err != nil {
			return "", nil, err
		}
		in.files[t.Path] = a
		in.e.metrics.attached.Inc()
		in.evictLocked(ctx)
	}
	a.pins++
	a.lastUsed = time.Now()
	var once sync.Once
	return a.alias, func() {
		once.Do(func() {
			in.mu.Lock()
			a.pins--
			a.lastUsed = time.Now()
			in.mu.Unlock()
			in.changed.Broadcast()
		})
	}, nil
}

// waitLocked waits for a change (pin released, swap done) or ctx's end.
func (in *Instance) waitLocked(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() {
		in.mu.Lock()
		in.changed.Broadcast()
		in.mu.Unlock()
	})
	in.changed.Wait()
	stop()
	return ctx.Err()
}

func (in *Instance) attachLocked(ctx context.Context, a *attachment) error {
	abs := filepath.Join(in.dir, a.path)
	// ATTACH creates a missing file: a pin that lost a race with a drop
	// would leave an empty database where the table was.
	if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		return pgerr.New(pgerr.UndefinedTable, "the file of table %s is gone (dropped meanwhile?)", a.path)
	}
	_, err := in.admin.Exec(ctx, "ATTACH "+duck.QuoteString(abs)+" AS "+duck.QuoteIdent(a.alias))
	if err != nil {
		return Error(err)
	}
	return nil
}

func (in *Instance) detachLocked(ctx context.Context, a *attachment) error {
	_, err := in.admin.Exec(ctx, "DETACH "+duck.QuoteIdent(a.alias))
	delete(in.files, a.path)
	in.e.metrics.attached.Dec()
	return err
}

// evictLocked detaches the least recently used unpinned files past the
// configured bound.
func (in *Instance) evictLocked(ctx context.Context) {
	over := len(in.files) - in.e.cfg.MaxAttached
	if over <= 0 {
		return
	}
	idle := make([]*attachment, 0, len(in.files))
	for _, a := range in.files {
		if a.pins == 0 && !in.draining[a.path] {
			idle = append(idle, a)
		}
	}
	sort.Slice(idle, func(i, j int) bool { return idle[i].lastUsed.Before(idle[j].lastUsed) })
	for i := 0; i < over && i < len(idle); i++ {
		if err := in.detachLocked(ctx, idle[i]); err != nil {
			in.e.log.Warn("detach idle file", "project", in.project, "path", idle[i].path, "err", err)
		}
	}
}

// Attached returns how many files are attached.
func (in *Instance) Attached() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.files)
}

// exclusive waits until nobody pins path, keeps new pins out, and runs fn
// with the file detached. fn may replace or remove the file; reattach says
// whether to attach path again afterwards.
func (in *Instance) exclusive(ctx context.Context, path string, fn func() (reattach *catalog.Table, err error)) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	for in.draining[path] {
		if err := in.waitLocked(ctx); err != nil {
			return err
		}
	}
	in.draining[path] = true
	defer func() {
		delete(in.draining, path)
		in.changed.Broadcast()
	}()
	for {
		a := in.files[path]
		if a == nil || a.pins == 0 {
			break
		}
		if err := in.waitLocked(ctx); err != nil {
			return pgerr.Wrap(err, pgerr.ObjectInUse, "table file "+path+" is still in use by another session's statement or transaction")
		}
	}
	if a := in.files[path]; a != nil {
		if err := in.detachLocked(ctx, a); err != nil {
			return Error(err)
		}
	}
	t, err := fn()
	if err != nil {
		return err
	}
	if t != nil {
		a := &attachment{alias: aliasOf(t), path: t.Path, lastUsed: time.Now()}
		if err := in.attachLocked(ctx, a); err != nil {
			return err
		}
		in.files[t.Path] = a
		in.e.metrics.attached.Inc()
	}
	return nil
}

// close checkpoints every attached file and closes the instance.
func (in *Instance) close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return nil
	}
	in.closed = true
	var firstErr error
	for _, a := range in.files {
		if err := in.detachLocked(context.Background(), a); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	in.admin.Close()
	in.db.Close()
	in.changed.Broadcast()
	return firstErr
}
