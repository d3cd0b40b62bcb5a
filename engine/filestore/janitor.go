package filestore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/duckstore/duckstore/catalog"
)

// Sweep enforces retention and removes what a crash left behind:
//   - upload sessions past their expiry, with their data;
//   - files past their expiry (row first, then data);
//   - file rows whose folder is gone (never made by this package; a row
//     must not promise data that is not there);
//   - folders under files/ that no row or session owns: a register or
//     export that died between moving its folder and writing its row,
//     half-written parts of uploads, abandoned export folders.
//
// What is being written right now is left alone.
func (s *Store) Sweep(ctx context.Context) error {
	now := time.Now()
	uploads, err := s.cat.Uploads(ctx, "")
	if err != nil {
		return err
	}
	sessions := map[string]bool{} // project/key
	for _, u := range uploads {
		dir := filepath.Join(s.eng.ProjectDir(u.ProjectID), filesDir, uploadsDir, u.Key)
		if (now.After(u.ExpiresAt) || s.dataLost(dir, u.Slices)) && !s.isBusy(u.Key) {
			if err := s.cat.DeleteUpload(ctx, u.ProjectID, u.Key); err != nil && !errors.Is(err, catalog.ErrNotFound) {
				return err
			}
			os.RemoveAll(dir)
			s.metrics.swept.WithLabelValues("upload_session").Inc()
			continue
		}
		sessions[u.ProjectID+"/"+u.Key] = true
	}
	files, err := s.cat.AllFiles(ctx)
	if err != nil {
		return err
	}
	owned := map[string]bool{} // project/<file folder>
	var kept []*catalog.File
	for _, f := range files {
		expired := f.ExpiresAt != nil && now.After(*f.ExpiresAt)
		lost := s.dataLost(s.Dir(f), f.Slices)
		if expired || lost {
			if lost {
				s.log.Warn("file row without its data: removing the row", "project", f.ProjectID, "file", f.ID)
			}
			if err := s.cat.DeleteFile(ctx, f.ProjectID, f.ID); err != nil && !errors.Is(err, catalog.ErrNotFound) {
				return err
			}
			os.RemoveAll(s.Dir(f))
			s.metrics.swept.WithLabelValues(map[bool]string{true: "expired_file", false: "lost_file"}[expired]).Inc()
			continue
		}
		owned[f.ProjectID+"/"+filepath.Base(f.Path)] = true
		kept = append(kept, f)
	}
	s.metrics.set(kept)
	return s.sweepOrphans(ctx, sessions, owned)
}

// dataLost reports whether a file's folder lacks one of its slices.
func (s *Store) dataLost(dir string, slices []catalog.FileSlice) bool {
	for _, sl := range slices {
		if _, err := os.Stat(filepath.Join(dir, sl.Name)); errors.Is(err, os.ErrNotExist) {
			return true
		}
	}
	return false
}

// sweepOrphans walks every project's files folder.
func (s *Store) sweepOrphans(ctx context.Context, sessions, owned map[string]bool) error {
	projects, err := os.ReadDir(filepath.Join(s.eng.DataDir(), "projects"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, p := range projects {
		if err := ctx.Err(); err != nil {
			return err
		}
		root := filepath.Join(s.eng.DataDir(), "projects", p.Name(), filesDir)
		entries, err := os.ReadDir(root)
		if err != nil {
			continue
		}
		for _, e := range entries {
			path := filepath.Join(root, e.Name())
			switch e.Name() {
			case uploadsDir:
				s.sweepUploads(ctx, path, p.Name(), sessions)
			case exportsDir:
				s.sweepDir(path, func(name string) bool { return s.isBusy(filepath.Join(path, name)) }, "export")
			default:
				if owned[p.Name()+"/"+e.Name()] || s.isBusy("file:"+p.Name()+"/"+e.Name()) {
					continue
				}
				// Registered after the listing above: a register holds
				// its claim until its row is written, so the row is
				// there by now.
				if _, err := s.cat.File(ctx, p.Name(), e.Name()); err == nil {
					continue
				}
				s.log.Warn("removing orphaned file folder", "project", p.Name(), "path", e.Name())
				os.RemoveAll(path)
				s.metrics.swept.WithLabelValues("orphan").Inc()
			}
		}
	}
	return nil
}

// sweepUploads removes session folders without a session and parts
// that no upload is writing.
func (s *Store) sweepUploads(ctx context.Context, dir, project string, sessions map[string]bool) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if s.isBusy(e.Name()) {
			continue
		}
		if !sessions[project+"/"+e.Name()] {
			if _, err := s.cat.Upload(ctx, project, e.Name()); err == nil {
				continue // prepared after the listing
			}
			os.RemoveAll(path)
			s.metrics.swept.WithLabelValues("orphan").Inc()
			continue
		}
		s.sweepDir(path, func(name string) bool { return !strings.HasSuffix(name, partSuffix) }, "part")
	}
}

// sweepDir removes the entries of dir that keep does not keep.
func (s *Store) sweepDir(dir string, keep func(name string) bool, kind string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !keep(e.Name()) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
			s.metrics.swept.WithLabelValues(kind).Inc()
		}
	}
}
