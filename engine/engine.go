package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/engine/lock"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Config tunes the engine.
type Config struct {
	DataDir string
	// MemoryLimit is DuckDB's memory_limit for each project instance, e.g.
	// "4GB"; empty keeps DuckDB's default (80% of RAM).
	MemoryLimit string
	// Threads is DuckDB's thread count for each instance; 0 keeps the
	// default (one per core).
	Threads int
	// MaxAttached bounds the files attached per instance; idle files past
	// it are detached. 0 means 512.
	MaxAttached int
	// LockTimeout bounds the wait for a table's write lock. 0 means 30s.
	LockTimeout time.Duration
	Logger      *slog.Logger
	Registerer  prometheus.Registerer
}

// Engine holds the project instances. Safe for concurrent use.
type Engine struct {
	cfg     Config
	cat     catalog.Store
	log     *slog.Logger
	locks   *lock.Manager
	metrics *metrics

	mu        sync.Mutex
	instances map[string]*Instance
	closed    bool
}

// New returns an engine over cfg.DataDir. It creates the folders it needs
// and removes what a crash left behind (see Recover).
func New(ctx context.Context, cfg Config, cat catalog.Store) (*Engine, error) {
	if cfg.MaxAttached <= 0 {
		cfg.MaxAttached = 512
	}
	if cfg.LockTimeout <= 0 {
		cfg.LockTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	cfg.DataDir = abs
	if err := os.MkdirAll(filepath.Join(abs, "projects"), 0o750); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	e := &Engine{cfg: cfg, cat: cat, log: cfg.Logger, locks: lock.New(), instances: map[string]*Instance{}}
	e.metrics = newMetrics(cfg.Registerer, e)
	e.locks.OnWait = e.metrics.lockWait
	if err := e.Recover(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Catalog returns the catalog the engine keeps its tables in.
func (e *Engine) Catalog() catalog.Store { return e.cat }

// Locks returns the per-table write lock manager.
func (e *Engine) Locks() *lock.Manager { return e.locks }

// LockTimeout is the configured bound on write lock waits.
func (e *Engine) LockTimeout() time.Duration { return e.cfg.LockTimeout }

// DataDir is the absolute data directory.
func (e *Engine) DataDir() string { return e.cfg.DataDir }

// ProjectDir is the folder of a project.
func (e *Engine) ProjectDir(projectID string) string {
	return filepath.Join(e.cfg.DataDir, "projects", projectID)
}

// Instance returns the project's DuckDB instance, opening it on first use.
func (e *Engine) Instance(ctx context.Context, projectID string) (*Instance, error) {
	if err := ValidateID("project", projectID); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, pgerr.New(pgerr.AdminShutdown, "the server is shutting down")
	}
	if in := e.instances[projectID]; in != nil {
		return in, nil
	}
	in, err := openInstance(e, projectID)
	if err != nil {
		return nil, err
	}
	e.instances[projectID] = in
	e.metrics.instances.Set(float64(len(e.instances)))
	return in, nil
}

// DropProject closes the project's instance and removes its folder.
func (e *Engine) DropProject(ctx context.Context, projectID string) error {
	if err := ValidateID("project", projectID); err != nil {
		return err
	}
	e.mu.Lock()
	in := e.instances[projectID]
	delete(e.instances, projectID)
	e.metrics.instances.Set(float64(len(e.instances)))
	e.mu.Unlock()
	if in != nil {
		in.close()
	}
	return os.RemoveAll(e.ProjectDir(projectID))
}

// Close checkpoints and closes every instance.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closed = true
	ins := e.instances
	e.instances = map[string]*Instance{}
	e.mu.Unlock()
	var errs []error
	for _, in := range ins {
		if err := in.close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Recover reconciles the disk with the catalog after a crash: it empties
// every project's _staging folder and removes table files no catalog table
// points at (a create that died before its catalog row committed, or a
// drop that died after). A catalog table whose file is missing is
// reported, never papered over.
func (e *Engine) Recover(ctx context.Context) error {
	projects, _, err := e.cat.Projects(ctx, -1, 0)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, p := range projects {
		known[p.ID] = true
		if err := e.recoverProject(ctx, p.ID); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(filepath.Join(e.cfg.DataDir, "projects"))
	if err != nil {
		return err
	}
	for _, ent := range entries {
		if !known[ent.Name()] {
			// A project whose delete died half way, or whose create died
			// before its catalog row: nothing references it.
			e.log.Warn("removing folder of unknown project", "project", ent.Name())
			if err := os.RemoveAll(filepath.Join(e.cfg.DataDir, "projects", ent.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Engine) recoverProject(ctx context.Context, projectID string) error {
	dir := e.ProjectDir(projectID)
	if err := os.RemoveAll(filepath.Join(dir, stagingDir)); err != nil {
		return err
	}
	want := map[string]bool{}
	tables, err := e.allTables(ctx, projectID)
	if err != nil {
		return err
	}
	for _, t := range tables {
		want[filepath.Clean(t.Path)] = true
		if _, err := os.Stat(filepath.Join(dir, t.Path)); err != nil {
			e.log.Error("catalog table has no file", "project", projectID, "table", t.Bucket+"."+t.Name, "path", t.Path, "err", err)
		}
	}
	for _, root := range []string{mainDir, branchesDir} {
		err := filepath.WalkDir(filepath.Join(dir, root), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return nil
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(dir, path)
			base := rel
			if filepath.Ext(rel) == ".wal" {
				base = rel[:len(rel)-len(".wal")]
			}
			if !want[base] {
				e.log.Warn("removing orphaned table file", "project", projectID, "path", rel)
				return os.Remove(path)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// allTables lists the tables of every branch of a project.
func (e *Engine) allTables(ctx context.Context, projectID string) ([]*catalog.Table, error) {
	tables, err := e.cat.Tables(ctx, projectID, catalog.MainBranch, "")
	if err != nil {
		return nil, err
	}
	branches, err := e.cat.Branches(ctx, projectID)
	if err != nil {
		return nil, err
	}
	for _, b := range branches {
		bt, err := e.cat.Tables(ctx, projectID, b.ID, "")
		if err != nil {
			return nil, err
		}
		tables = append(tables, bt...)
	}
	return tables, nil
}

// DuckDBVersion is the version of the DuckDB library, e.g. "v1.5.6".
func DuckDBVersion() string { return duck.Version() }
