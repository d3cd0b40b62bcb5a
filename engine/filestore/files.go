package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// File returns a file of the project.
func (s *Store) File(ctx context.Context, projectID, id string) (*catalog.File, error) {
	return s.cat.File(ctx, projectID, id)
}

// Files lists a project's files.
func (s *Store) Files(ctx context.Context, projectID string, filter catalog.FileFilter) ([]*catalog.File, int, error) {
	return s.cat.Files(ctx, projectID, filter)
}

// Delete removes a file: its row first, then its folder, so that no row
// ever points at missing data.
func (s *Store) Delete(ctx context.Context, projectID, id string) error {
	f, err := s.cat.File(ctx, projectID, id)
	if err != nil {
		return err
	}
	if err := s.cat.DeleteFile(ctx, projectID, id); err != nil {
		return err
	}
	s.metrics.removed(f)
	if err := os.RemoveAll(s.Dir(f)); err != nil {
		s.log.Warn("remove deleted file's folder (the janitor will retry)", "project", projectID, "file", id, "err", err)
	}
	return nil
}

// SetTags replaces a file's tags.
func (s *Store) SetTags(ctx context.Context, f *catalog.File, tags map[string]string) error {
	if err := validateTags(tags); err != nil {
		return err
	}
	f.Tags = tags
	return s.cat.UpdateFile(ctx, f)
}

// NewFile describes a file a writer creates (an export).
type NewFile struct {
	Name        string
	ContentType string
	Tags        map[string]string
	Permanent   bool
	CreatedBy   string
}

// Create makes a file from what write puts in the folder it is given
// (every regular file there becomes a slice, in name order): exports
// write straight into it, and the file appears whole or not at all.
func (s *Store) Create(ctx context.Context, projectID string, nf NewFile, write func(dir string) error) (*catalog.File, error) {
	dir, err := s.projectDir(projectID)
	if err != nil {
		return nil, err
	}
	if err := ValidateName(nf.Name); err != nil {
		return nil, err
	}
	if err := validateTags(nf.Tags); err != nil {
		return nil, err
	}
	work := filepath.Join(dir, filesDir, exportsDir, randomHex(8))
	release := s.claim(work)
	defer release()
	if err := os.MkdirAll(work, 0o750); err != nil {
		return nil, err
	}
	fail := func(err error) (*catalog.File, error) {
		os.RemoveAll(work)
		return nil, err
	}
	if err := write(work); err != nil {
		return fail(err)
	}
	slices, err := describeSlices(work)
	if err != nil {
		return fail(err)
	}
	if len(slices) == 0 {
		return fail(pgerr.New(pgerr.InternalError, "the export wrote no file"))
	}
	f := &catalog.File{ProjectID: projectID, Name: nf.Name, ContentType: nf.ContentType, Sliced: len(slices) > 1,
		Slices: slices, Tags: nf.Tags, Permanent: nf.Permanent, Origin: "export", CreatedBy: nf.CreatedBy}
	if err := s.commit(ctx, dir, work, f); err != nil {
		return fail(err)
	}
	return f, nil
}

// describeSlices reads, hashes and syncs the files a writer left in dir.
func describeSlices(dir string) ([]catalog.FileSlice, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []catalog.FileSlice
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		sl, err := hashFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, sl)
	}
	sort.Slice(out, func(i, j int) bool { return naturalLess(out[i].Name, out[j].Name) })
	return out, syncDir(dir)
}

func hashFile(path string) (catalog.FileSlice, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return catalog.FileSlice{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err == nil {
		err = f.Sync()
	}
	return catalog.FileSlice{Name: filepath.Base(path), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
}

// Open returns a reader over a file's bytes, its slices one after the
// other, with its size and time for HTTP (ranges, conditional requests).
func (s *Store) Open(f *catalog.File) (*Reader, error) {
	return openReader(s.Paths(f), f.CreatedAt)
}

// Reader reads the slices of a file as one stream and seeks within it.
type Reader struct {
	paths   []string
	sizes   []int64
	size    int64
	ModTime time.Time
	off     int64
	cur     *os.File
	curIdx  int
}

func openReader(paths []string, mod time.Time) (*Reader, error) {
	r := &Reader{paths: paths, ModTime: mod, curIdx: -1}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		r.sizes = append(r.sizes, st.Size())
		r.size += st.Size()
	}
	return r, nil
}

// Size is the total size.
func (r *Reader) Size() int64 { return r.size }

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	for {
		if r.off >= r.size {
			return 0, io.EOF
		}
		idx, within := r.locate(r.off)
		if idx != r.curIdx {
			if r.cur != nil {
				r.cur.Close()
			}
			f, err := os.Open(r.paths[idx])
			if err != nil {
				return 0, err
			}
			r.cur, r.curIdx = f, idx
		}
		n, err := r.cur.ReadAt(p[:min(int64(len(p)), r.sizes[idx]-within)], within)
		r.off += int64(n)
		if n > 0 {
			return n, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
	}
}

func (r *Reader) locate(off int64) (int, int64) {
	for i, n := range r.sizes {
		if off < n {
			return i, off
		}
		off -= n
	}
	return len(r.sizes) - 1, r.sizes[len(r.sizes)-1]
}

// Seek implements io.Seeker.
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size
	}
	if offset < 0 {
		return 0, pgerr.New(pgerr.InvalidParameterValue, "seek before the start")
	}
	r.off = offset
	return offset, nil
}

// Close closes the slice being read.
func (r *Reader) Close() error {
	if r.cur != nil {
		return r.cur.Close()
	}
	return nil
}

// Uploads lists a project's upload sessions.
func (s *Store) Uploads(ctx context.Context, projectID string) ([]*catalog.Upload, error) {
	return s.cat.Uploads(ctx, projectID)
}
