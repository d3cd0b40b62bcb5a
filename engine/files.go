package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// BuildFunc fills a new table file: it must create the table <alias>.data
// (and may load it) on conn. It runs on its own connection of the
// project's instance, so it may read other tables it has pinned.
type BuildFunc func(ctx context.Context, conn *duck.Conn, alias string) error

// TablePath returns the folder-relative path for a new table file of a
// branch: <branch folder>/<bucket>/<table>.duckdb, or <table>.<n>.duckdb
// when that file is taken (a renamed table keeps its file).
func (in *Instance) TablePath(branchID, bucket, table string) (string, error) {
	if err := ValidateName("bucket", bucket); err != nil {
		return "", err
	}
	if err := ValidateName("table", table); err != nil {
		return "", err
	}
	root := mainDir
	if branchID != catalog.MainBranch {
		if err := ValidateID("branch", branchID); err != nil {
			return "", err
		}
		root = filepath.Join(branchesDir, branchID)
	}
	for n := 0; ; n++ {
		name := table + ".duckdb"
		if n > 0 {
			name = table + "." + strconv.Itoa(n) + ".duckdb"
		}
		rel := filepath.Join(root, bucket, name)
		if _, err := os.Stat(filepath.Join(in.dir, rel)); errors.Is(err, os.ErrNotExist) {
			return rel, nil
		}
	}
}

// staged is a table file built in the staging folder, with the schema
// read back from it.
type staged struct {
	path    string
	columns []catalog.Column
	pk      []string
}

// build creates a file in the staging folder with fn and returns it
// checkpointed, synced and detached.
func (in *Instance) build(ctx context.Context, fn BuildFunc) (*staged, error) {
	var rnd [8]byte
	rand.Read(rnd[:])
	id := hex.EncodeToString(rnd[:])
	path := filepath.Join(in.dir, stagingDir, id+".duckdb")
	alias := "s" + id
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	in.mu.Lock()
	_, err := in.admin.Exec(ctx, "ATTACH "+duck.QuoteString(path)+" AS "+duck.QuoteIdent(alias))
	in.mu.Unlock()
	if err != nil {
		return nil, Error(err)
	}
	detach := func() error {
		in.mu.Lock()
		defer in.mu.Unlock()
		_, err := in.admin.Exec(context.Background(), "DETACH "+duck.QuoteIdent(alias))
		return err
	}
	conn, err := in.Conn()
	if err != nil {
		detach()
		os.Remove(path)
		return nil, err
	}
	st := &staged{path: path}
	err = fn(ctx, conn, alias)
	if err == nil {
		st.columns, st.pk, err = ReadSchema(ctx, conn, alias)
	}
	if err == nil {
		// FORCE: a plain CHECKPOINT fails ("there are other write
		// transactions active") while another build of the same instance
		// is running, although nobody else writes this staged file; FORCE
		// waits for those few milliseconds instead. Open write
		// transactions on other tables do not hold it up (checkpoint locks
		// are per attached database).
		_, err = conn.Exec(ctx, "FORCE CHECKPOINT "+duck.QuoteIdent(alias))
	}
	conn.Close()
	if derr := detach(); err == nil {
		err = derr
	}
	if err == nil {
		err = syncFile(path)
	}
	if err == nil {
		if _, serr := os.Stat(path + ".wal"); serr == nil {
			err = fmt.Errorf("engine: staged file %s kept a WAL after checkpoint", filepath.Base(path))
		}
	}
	if err != nil {
		os.Remove(path)
		os.Remove(path + ".wal")
		return nil, Error(err)
	}
	return st, nil
}

// CreateTable builds the table's file with fn, moves it into place and
// records t in the catalog (which sets t.ID), with the columns and primary
// key read from the built file. t.Path must come from TablePath. A crash at any point leaves either no trace (the staged or
// unrecorded file is removed at the next start) or the whole table.
func (in *Instance) CreateTable(ctx context.Context, t *catalog.Table, fn BuildFunc) error {
	if t.ProjectID != in.project {
		return fmt.Errorf("engine: table of project %s created in %s", t.ProjectID, in.project)
	}
	st, err := in.build(ctx, fn)
	if err != nil {
		return err
	}
	final := filepath.Join(in.dir, t.Path)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		os.Remove(st.path)
		return err
	}
	// Never replace a file: two creates of one name get the same path from
	// TablePath, and the loser must fail here rather than clobber the
	// winner's file (and then remove it when its catalog insert fails).
	if err := placeDurably(st.path, final); err != nil {
		os.Remove(st.path)
		if errors.Is(err, os.ErrExist) {
			return pgerr.New(pgerr.DuplicateTable, "table %q already exists in bucket %q", t.Name, t.Bucket)
		}
		return err
	}
	t.Columns, t.PrimaryKey = st.columns, st.pk
	now := time.Now().UTC()
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	t.UpdatedAt = now
	if err := in.e.cat.CreateTable(ctx, t); err != nil {
		os.Remove(final)
		if errors.Is(err, catalog.ErrExists) {
			return pgerr.New(pgerr.DuplicateTable, "table %q already exists in bucket %q", t.Name, t.Bucket)
		}
		return err
	}
	return nil
}

// ReplaceTable builds a new file for t with fn and swaps it in: sessions
// see the old rows until the swap and the new ones after, never a partial
// table. The caller holds t's write lock. The swap waits for statements
// and transactions that pin the old file (bounded by ctx). The catalog
// (and t) take the schema of the new file.
func (in *Instance) ReplaceTable(ctx context.Context, t *catalog.Table, fn BuildFunc) error {
	st, err := in.build(ctx, fn)
	if err != nil {
		return err
	}
	defer os.Remove(st.path)
	final := filepath.Join(in.dir, t.Path)
	return in.exclusive(ctx, t.Path, func() (*catalog.Table, error) {
		if _, err := os.Stat(final + ".wal"); err == nil {
			// The detach did not checkpoint: replacing the file now would
			// leave its WAL to be replayed onto the new one.
			return t, pgerr.New(pgerr.ObjectInUse, "table %s.%s could not be checkpointed; try again", t.Bucket, t.Name)
		}
		if err := renameDurably(st.path, final); err != nil {
			return t, err
		}
		t.Columns, t.PrimaryKey, t.UpdatedAt = st.columns, st.pk, time.Now().UTC()
		// The file is swapped: the catalog must follow even if the caller
		// has gone away.
		return t, in.e.cat.UpdateTable(context.WithoutCancel(ctx), t)
	})
}

// RefreshSchema reads t's columns and primary key from its file after DDL
// ran on it and records them in the catalog (and t).
func (in *Instance) RefreshSchema(ctx context.Context, t *catalog.Table) error {
	alias, release, err := in.Pin(ctx, t)
	if err != nil {
		return err
	}
	defer release()
	conn, err := in.Conn()
	if err != nil {
		return err
	}
	defer conn.Close()
	cols, pk, err := ReadSchema(ctx, conn, alias)
	if err != nil {
		return err
	}
	t.Columns, t.PrimaryKey, t.UpdatedAt = cols, pk, time.Now().UTC()
	return in.e.cat.UpdateTable(context.WithoutCancel(ctx), t)
}

// DropTable removes t from the catalog, then its file. The caller holds
// t's write lock. A crash between the two leaves an orphaned file that the
// next start removes.
func (in *Instance) DropTable(ctx context.Context, t *catalog.Table) error {
	return in.exclusive(ctx, t.Path, func() (*catalog.Table, error) {
		if err := in.e.cat.DeleteTable(ctx, t.ID); err != nil {
			return t, err
		}
		final := filepath.Join(in.dir, t.Path)
		os.Remove(final + ".wal")
		if err := os.Remove(final); err != nil && !errors.Is(err, os.ErrNotExist) {
			in.e.log.Warn("remove dropped table file", "path", t.Path, "err", err)
		}
		syncDir(filepath.Dir(final))
		return nil, nil
	})
}

// Checkpoint writes the table's WAL into its file.
func (in *Instance) Checkpoint(ctx context.Context, t *catalog.Table) error {
	alias, release, err := in.Pin(ctx, t)
	if err != nil {
		return err
	}
	defer release()
	conn, err := in.Conn()
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Exec(ctx, "CHECKPOINT "+duck.QuoteIdent(alias))
	return Error(err)
}

// FileSize returns the bytes the table's file and WAL take on disk.
func (in *Instance) FileSize(t *catalog.Table) int64 { return in.e.FileSize(t) }

// FileSize returns the bytes the table's file and WAL take on disk,
// without opening the project's instance.
func (e *Engine) FileSize(t *catalog.Table) int64 {
	var n int64
	dir := e.ProjectDir(t.ProjectID)
	for _, p := range []string{t.Path, t.Path + ".wal"} {
		if st, err := os.Stat(filepath.Join(dir, p)); err == nil {
			n += st.Size()
		}
	}
	return n
}

// RemoveBucketDir removes a bucket's folder once it holds no file.
func (in *Instance) RemoveBucketDir(branchID, bucket string) {
	if ValidateName("bucket", bucket) != nil {
		return
	}
	root := mainDir
	if branchID != catalog.MainBranch {
		root = filepath.Join(branchesDir, branchID)
	}
	os.Remove(filepath.Join(in.dir, root, bucket))
}

// LockTable takes t's write lock for owner (see lock.Manager.Lock), waiting
// at most the configured LockTimeout.
func (e *Engine) LockTable(ctx context.Context, t *catalog.Table, owner any) (func(), error) {
	return e.locks.Lock(ctx, t.ProjectID+"/"+t.Path, owner, e.cfg.LockTimeout)
}

func renameDurably(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	return syncDir(filepath.Dir(to))
}

// placeDurably moves from to to like renameDurably but fails with an
// error satisfying errors.Is(err, os.ErrExist) when to exists: a hard link
// is created only if the name is free.
func placeDurably(from, to string) error {
	if err := os.Link(from, to); err != nil {
		return err
	}
	if err := os.Remove(from); err != nil {
		return err
	}
	return syncDir(filepath.Dir(to))
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
