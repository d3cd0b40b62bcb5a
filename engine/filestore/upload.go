package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Prepare is what a client says about a file it is about to upload.
type Prepare struct {
	Name         string
	ContentType  string
	ExpectedSize *int64
	Sliced       bool
	Permanent    bool
	Tags         map[string]string
	CreatedBy    string
}

// Prepare opens an upload session.
func (s *Store) Prepare(ctx context.Context, projectID string, p Prepare) (*catalog.Upload, error) {
	if _, err := s.projectDir(projectID); err != nil {
		return nil, err
	}
	if err := ValidateName(p.Name); err != nil {
		return nil, err
	}
	if p.ExpectedSize != nil && (*p.ExpectedSize < 0 || *p.ExpectedSize > s.cfg.MaxUploadBytes) {
		return nil, &TooLargeError{Limit: s.cfg.MaxUploadBytes}
	}
	if err := validateTags(p.Tags); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	u := &catalog.Upload{Key: randomHex(16), ProjectID: projectID, Name: p.Name, ContentType: p.ContentType,
		ExpectedSize: p.ExpectedSize, Sliced: p.Sliced, Permanent: p.Permanent, Tags: p.Tags, CreatedBy: p.CreatedBy,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.UploadTTL)}
	if u.ContentType == "" {
		u.ContentType = "application/octet-stream"
	}
	if err := s.cat.CreateUpload(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// Session returns an upload session that has not expired.
func (s *Store) Session(ctx context.Context, projectID, key string) (*catalog.Upload, error) {
	u, err := s.cat.Upload(ctx, projectID, key)
	if err != nil {
		return nil, err
	}
	if time.Now().After(u.ExpiresAt) {
		return nil, fmt.Errorf("upload %q: %w", key, errGone)
	}
	return u, nil
}

// Upload streams one part into the session: the whole file, or one slice
// of a sliced file (named by name; "" uses the session's file name). The
// bytes go to disk as they arrive, hashed on the way, never held in
// memory; the session's cap counts every slice. A part with the name of
// one already uploaded replaces it.
func (s *Store) Upload(ctx context.Context, projectID, key, name string, r io.Reader) (*catalog.FileSlice, *catalog.Upload, error) {
	dir, err := s.projectDir(projectID)
	if err != nil {
		return nil, nil, err
	}
	unlock := s.lockUpload(key)
	defer unlock()
	release := s.claim(key)
	defer release()
	u, err := s.Session(ctx, projectID, key)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case !u.Sliced:
		name = u.Name
	case name == "":
		name = fmt.Sprintf("slice%04d", len(u.Slices)+1)
	}
	if err := ValidateName(name); err != nil {
		return nil, nil, err
	}
	var others []catalog.FileSlice
	var used int64
	for _, sl := range u.Slices {
		if sl.Name != name {
			others = append(others, sl)
			used += sl.Size
		}
	}
	if !u.Sliced {
		others, used = nil, 0
	}
	udir := filepath.Join(dir, filesDir, uploadsDir, key)
	sl, err := s.receive(ctx, udir, name, r, s.cfg.MaxUploadBytes-used)
	if err != nil {
		return nil, nil, err
	}
	if !u.Sliced {
		// A whole file replaces whatever an earlier attempt uploaded.
		for _, old := range u.Slices {
			if old.Name != name {
				os.Remove(filepath.Join(udir, old.Name))
			}
		}
	}
	u.Slices = append(others, *sl)
	sort.Slice(u.Slices, func(i, j int) bool { return naturalLess(u.Slices[i].Name, u.Slices[j].Name) })
	if err := s.cat.UpdateUpload(ctx, u); err != nil {
		return nil, nil, err
	}
	s.metrics.uploaded.Add(float64(sl.Size))
	return sl, u, nil
}

// receive writes r to dir/name through name.part, at most limit bytes,
// and returns its size and SHA-256. The part is synced and renamed into
// place only when complete.
func (s *Store) receive(ctx context.Context, dir, name string, r io.Reader, limit int64) (*catalog.FileSlice, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	part := filepath.Join(dir, name+partSuffix)
	f, err := os.OpenFile(part, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, limit+1))
	if err == nil && n > limit {
		err = &TooLargeError{Limit: s.cfg.MaxUploadBytes}
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(part, filepath.Join(dir, name))
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		os.Remove(part)
		var tl *TooLargeError
		if errors.As(err, &tl) {
			return nil, err
		}
		return nil, pgerr.Wrap(err, pgerr.IOError, "upload interrupted: "+err.Error())
	}
	return &catalog.FileSlice{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Register turns an upload session into a file: its folder moves into
// place, then the file's row is written and the session removed. name and
// tags, when set, override the session's.
func (s *Store) Register(ctx context.Context, projectID, key, name string, tags map[string]string, permanent *bool) (*catalog.File, error) {
	dir, err := s.projectDir(projectID)
	if err != nil {
		return nil, err
	}
	unlock := s.lockUpload(key)
	defer unlock()
	u, err := s.Session(ctx, projectID, key)
	if err != nil {
		return nil, err
	}
	if len(u.Slices) == 0 {
		return nil, pgerr.New(pgerr.ObjectNotInPrerequisiteState, "nothing was uploaded for upload key %s", key)
	}
	if name == "" {
		name = u.Name
	}
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if tags == nil {
		tags = u.Tags
	}
	if err := validateTags(tags); err != nil {
		return nil, err
	}
	if permanent == nil {
		permanent = &u.Permanent
	}
	f := &catalog.File{ProjectID: projectID, Name: name, ContentType: u.ContentType, Sliced: u.Sliced, Slices: u.Slices,
		Tags: tags, Permanent: *permanent, Origin: "upload", CreatedBy: u.CreatedBy}
	err = s.commit(ctx, dir, filepath.Join(dir, filesDir, uploadsDir, key), f)
	if err != nil {
		return nil, err
	}
	if err := s.cat.DeleteUpload(context.WithoutCancel(ctx), projectID, key); err != nil {
		s.log.Warn("remove registered upload session", "key", key, "err", err)
	}
	return f, nil
}

// commit moves src (a folder holding f's slices) into place as the folder
// of a new file and records it. Sizes and the checksum come from f.Slices.
func (s *Store) commit(ctx context.Context, projectDir, src string, f *catalog.File) error {
	id, err := s.cat.NewFileID(ctx)
	if err != nil {
		return err
	}
	release := s.claim("file:" + f.ProjectID + "/" + id)
	defer release()
	f.ID = id
	f.Path = filepath.Join(filesDir, id)
	f.Size, f.SHA256 = 0, ""
	for _, sl := range f.Slices {
		f.Size += sl.Size
	}
	f.SHA256 = checksum(f.Slices)
	now := time.Now().UTC()
	f.CreatedAt = now
	f.ExpiresAt = nil
	if !f.Permanent {
		exp := now.Add(s.cfg.FileTTL)
		f.ExpiresAt = &exp
	}
	dst := filepath.Join(projectDir, f.Path)
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return err
	}
	// The data is in place: the row must follow even if the caller left.
	if err := s.cat.CreateFile(context.WithoutCancel(ctx), f); err != nil {
		os.RemoveAll(dst)
		return err
	}
	s.metrics.added(f)
	return nil
}

// checksum is a file's SHA-256: its only slice's, or for a sliced file
// the SHA-256 of its slices' checksums in order.
func checksum(slices []catalog.FileSlice) string {
	if len(slices) == 1 {
		return slices[0].SHA256
	}
	h := sha256.New()
	for _, sl := range slices {
		io.WriteString(h, sl.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func validateTags(tags map[string]string) error {
	if len(tags) > 100 {
		return pgerr.New(pgerr.InvalidParameterValue, "a file takes at most 100 tags")
	}
	for k, v := range tags {
		if k == "" || len(k) > 256 || len(v) > 1024 {
			return pgerr.New(pgerr.InvalidParameterValue, "invalid tag %q: names are 1 to 256 bytes, values at most 1024", k)
		}
	}
	return nil
}
