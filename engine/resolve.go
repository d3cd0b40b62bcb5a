package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"golang.org/x/sys/unix"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// The resolver: every lookup of a bucket or table goes through these
// methods, which know branches. A dev branch starts empty; it sees main's
// buckets and tables until it has its own copy of one. The first write to
// a table through a branch copies that one file into the branch.

// Buckets lists the buckets a branch sees: main's and the branch's own.
func (e *Engine) Buckets(ctx context.Context, projectID, branchID string) ([]*catalog.Bucket, error) {
	out, err := e.cat.Buckets(ctx, projectID, catalog.MainBranch)
	if err != nil || branchID == catalog.MainBranch {
		return out, err
	}
	own, err := e.cat.Buckets(ctx, projectID, branchID)
	if err != nil {
		return nil, err
	}
	out = append(out, own...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Bucket returns a bucket as the branch sees it.
func (e *Engine) Bucket(ctx context.Context, projectID, branchID, name string) (*catalog.Bucket, error) {
	if branchID != catalog.MainBranch {
		if b, err := e.cat.Bucket(ctx, projectID, branchID, name); err == nil {
			return b, nil
		}
	}
	return e.cat.Bucket(ctx, projectID, catalog.MainBranch, name)
}

// Tables lists the tables a branch sees in a bucket ("" for all): its own
// copies and tables, and main's tables it has no copy of.
func (e *Engine) Tables(ctx context.Context, projectID, branchID, bucket string) ([]*catalog.Table, error) {
	main, err := e.cat.Tables(ctx, projectID, catalog.MainBranch, bucket)
	if err != nil || branchID == catalog.MainBranch {
		return main, err
	}
	own, err := e.cat.Tables(ctx, projectID, branchID, bucket)
	if err != nil {
		return nil, err
	}
	seen := map[[2]string]bool{}
	for _, t := range own {
		seen[[2]string{t.Bucket, t.Name}] = true
	}
	for _, t := range main {
		if !seen[[2]string{t.Bucket, t.Name}] {
			own = append(own, t)
		}
	}
	sort.Slice(own, func(i, j int) bool {
		if own[i].Bucket != own[j].Bucket {
			return own[i].Bucket < own[j].Bucket
		}
		return own[i].Name < own[j].Name
	})
	return own, nil
}

// Table returns the table a branch reads: its copy if it has one, else
// main's.
func (e *Engine) Table(ctx context.Context, projectID, branchID, bucket, name string) (*catalog.Table, error) {
	if branchID != catalog.MainBranch {
		if t, err := e.cat.Table(ctx, projectID, branchID, bucket, name); err == nil {
			return t, nil
		}
	}
	return e.cat.Table(ctx, projectID, catalog.MainBranch, bucket, name)
}

// TableForWrite resolves a table for writing through a branch and takes
// its write lock for owner (see LockTable). In a dev branch, the first
// write copies main's file into the branch and records the copy, so main
// never changes through a branch. The caller calls unlock when its
// statement or transaction ends.
func (e *Engine) TableForWrite(ctx context.Context, projectID, branchID, bucket, name string, owner any) (*catalog.Table, func(), error) {
	t, err := e.Table(ctx, projectID, branchID, bucket, name)
	if err != nil {
		return nil, nil, err
	}
	if t.BranchID == branchID {
		unlock, err := e.LockTable(ctx, t, owner)
		if err != nil {
			return nil, nil, err
		}
		// The table may have been dropped or replaced while we waited.
		cur, err := e.cat.TableByID(ctx, t.ID)
		if err != nil {
			unlock()
			return nil, nil, err
		}
		return cur, unlock, nil
	}
	return e.copyIntoBranch(ctx, t, branchID, owner)
}

// copyIntoBranch copies main's table file into the branch under both
// tables' write locks and returns the branch copy, locked for owner.
func (e *Engine) copyIntoBranch(ctx context.Context, mainT *catalog.Table, branchID string, owner any) (*catalog.Table, func(), error) {
	in, err := e.Instance(ctx, mainT.ProjectID)
	if err != nil {
		return nil, nil, err
	}
	path, err := in.TablePath(branchID, mainT.Bucket, mainT.Name)
	if err != nil {
		return nil, nil, err
	}
	// Lock the branch's name first so that two first writes copy once.
	key := mainT.ProjectID + "/" + filepath.Join(branchesDir, branchID, mainT.Bucket, mainT.Name) + "#copy"
	unlockCopy, err := e.locks.Lock(ctx, key, owner, e.cfg.LockTimeout)
	if err != nil {
		return nil, nil, err
	}
	defer unlockCopy()
	if t, err := e.cat.Table(ctx, mainT.ProjectID, branchID, mainT.Bucket, mainT.Name); err == nil {
		unlock, err := e.LockTable(ctx, t, owner)
		return t, unlock, err
	}
	unlockMain, err := e.LockTable(ctx, mainT, owner)
	if err != nil {
		return nil, nil, err
	}
	defer unlockMain()
	if err := in.Checkpoint(ctx, mainT); err != nil {
		return nil, nil, err
	}
	final := filepath.Join(in.dir, path)
	if err := copyFile(filepath.Join(in.dir, mainT.Path), final); err != nil {
		return nil, nil, fmt.Errorf("engine: copy %s into branch %s: %w", mainT.Name, branchID, err)
	}
	now := time.Now().UTC()
	bt := &catalog.Table{
		ProjectID: mainT.ProjectID, BranchID: branchID, Bucket: mainT.Bucket, Name: mainT.Name, Path: path,
		Columns: mainT.Columns, PrimaryKey: mainT.PrimaryKey, CreatedAt: now, UpdatedAt: now,
	}
	if err := e.cat.CreateTable(ctx, bt); err != nil {
		os.Remove(final)
		return nil, nil, err
	}
	e.metrics.branchCopies.Inc()
	unlock, err := e.LockTable(ctx, bt, owner)
	return bt, unlock, err
}

// copyFile copies src to dst through a staged name and a durable rename:
// a reflink (FICLONE) where the filesystem shares blocks, else a byte copy.
func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".copy"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if err := unix.IoctlFileClone(int(out.Fd()), int(in.Fd())); err != nil {
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			os.Remove(tmp)
			return err
		}
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return renameDurably(tmp, dst)
}

// DropBranch removes a branch: its catalog rows, then its folder.
func (e *Engine) DropBranch(ctx context.Context, projectID, branchID string) error {
	if branchID == catalog.MainBranch {
		return pgerr.New(pgerr.InvalidParameterValue, "the main branch cannot be deleted")
	}
	if err := ValidateID("branch", branchID); err != nil {
		return err
	}
	tables, err := e.cat.Tables(ctx, projectID, branchID, "")
	if err != nil {
		return err
	}
	in, err := e.Instance(ctx, projectID)
	if err != nil {
		return err
	}
	for _, t := range tables {
		unlock, err := e.LockTable(ctx, t, t)
		if err != nil {
			return err
		}
		err = in.DropTable(ctx, t)
		unlock()
		if err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return err
		}
	}
	if err := e.cat.DeleteBranch(ctx, projectID, branchID); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(in.dir, branchesDir, branchID))
}
