package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FileSlice is one stored part of a file: a whole file has one, a sliced
// file (Keboola's sliced upload) one per uploaded slice.
type FileSlice struct {
	Name   string `json:"name"` // file name inside the file's folder
	Size   int64  `json:"size_bytes"`
	SHA256 string `json:"sha256"`
}

// Upload is an upload session: prepared, then filled by one or more
// uploads, then registered as a File. Sessions live in the catalog so an
// upload can be registered after a restart.
type Upload struct {
	Key          string
	ProjectID    string
	Name         string
	ContentType  string
	ExpectedSize *int64
	Sliced       bool
	Permanent    bool
	Tags         map[string]string
	Slices       []FileSlice // what has been uploaded so far
	CreatedBy    string
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// File is a registered file of the Files API: uploaded or exported.
type File struct {
	ID          string
	ProjectID   string
	Name        string
	Path        string // folder relative to the project folder, e.g. files/42
	Size        int64
	ContentType string
	SHA256      string // of the whole file; of the slices' checksums for sliced files
	Sliced      bool
	Slices      []FileSlice
	Tags        map[string]string
	Permanent   bool
	Origin      string // "upload" or "export"
	CreatedBy   string
	CreatedAt   time.Time
	ExpiresAt   *time.Time // nil for permanent files
}

// FileFilter selects files of a project. Tags match files carrying any
// of them: "name" matches the tag whatever its value, "name=value" only
// that value.
type FileFilter struct {
	Tags   []string
	Limit  int // <0: no limit
	Offset int
}

// FileStore keeps upload sessions and files. Separate from Store so that
// packages that need only tables do not see it.
type FileStore interface {
	CreateUpload(ctx context.Context, u *Upload) error
	Upload(ctx context.Context, projectID, key string) (*Upload, error)
	UpdateUpload(ctx context.Context, u *Upload) error
	DeleteUpload(ctx context.Context, projectID, key string) error
	// Uploads lists sessions; projectID "" lists every project's.
	Uploads(ctx context.Context, projectID string) ([]*Upload, error)

	// NewFileID reserves an id for a file about to be stored.
	NewFileID(ctx context.Context) (string, error)
	// CreateFile records f; f.ID must come from NewFileID.
	CreateFile(ctx context.Context, f *File) error
	File(ctx context.Context, projectID, id string) (*File, error)
	// Files lists a project's files, newest first, with the total count.
	Files(ctx context.Context, projectID string, filter FileFilter) ([]*File, int, error)
	// AllFiles lists every project's files (for the janitor).
	AllFiles(ctx context.Context) ([]*File, error)
	UpdateFile(ctx context.Context, f *File) error
	DeleteFile(ctx context.Context, projectID, id string) error
}

var _ FileStore = (*DuckStore)(nil)

const uploadCols = `key, project_id, name, content_type, expected_size, sliced, permanent, tags, slices, created_by, created_at, expires_at`

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings and slices of plain structs go here
	}
	return string(b)
}

func tagsJSON(t map[string]string) string {
	if t == nil {
		t = map[string]string{}
	}
	return mustJSON(t)
}

func slicesJSON(s []FileSlice) string {
	if s == nil {
		s = []FileSlice{}
	}
	return mustJSON(s)
}

// CreateUpload implements FileStore.
func (s *DuckStore) CreateUpload(ctx context.Context, u *Upload) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var size any
	if u.ExpectedSize != nil {
		size = *u.ExpectedSize
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO file_uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Key, u.ProjectID, u.Name, u.ContentType, size, u.Sliced, u.Permanent, tagsJSON(u.Tags), slicesJSON(u.Slices),
		u.CreatedBy, u.CreatedAt, u.ExpiresAt)
	return err
}

func scanUpload(sc interface{ Scan(...any) error }) (*Upload, error) {
	u := &Upload{}
	var size sql.NullInt64
	var tags, slices string
	if err := sc.Scan(&u.Key, &u.ProjectID, &u.Name, &u.ContentType, &size, &u.Sliced, &u.Permanent, &tags, &slices,
		&u.CreatedBy, &u.CreatedAt, &u.ExpiresAt); err != nil {
		return nil, err
	}
	if size.Valid {
		u.ExpectedSize = &size.Int64
	}
	if err := json.Unmarshal([]byte(tags), &u.Tags); err != nil {
		return nil, fmt.Errorf("catalog: upload %s tags: %w", u.Key, err)
	}
	if err := json.Unmarshal([]byte(slices), &u.Slices); err != nil {
		return nil, fmt.Errorf("catalog: upload %s slices: %w", u.Key, err)
	}
	return u, nil
}

// Upload implements FileStore.
func (s *DuckStore) Upload(ctx context.Context, projectID, key string) (*Upload, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+uploadCols+` FROM file_uploads WHERE project_id = ? AND key = ?`, projectID, key)
	u, err := scanUpload(row)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("upload %q: %w", key, ErrNotFound)
	}
	return u, err
}

// UpdateUpload implements FileStore: it records the uploaded slices.
func (s *DuckStore) UpdateUpload(ctx context.Context, u *Upload) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	res, err := s.db.ExecContext(ctx, `UPDATE file_uploads SET slices = ? WHERE project_id = ? AND key = ?`,
		slicesJSON(u.Slices), u.ProjectID, u.Key)
	return notFoundIfNone(res, err, "upload", u.Key)
}

// DeleteUpload implements FileStore.
func (s *DuckStore) DeleteUpload(ctx context.Context, projectID, key string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	res, err := s.db.ExecContext(ctx, `DELETE FROM file_uploads WHERE project_id = ? AND key = ?`, projectID, key)
	return notFoundIfNone(res, err, "upload", key)
}

// Uploads implements FileStore.
func (s *DuckStore) Uploads(ctx context.Context, projectID string) ([]*Upload, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+uploadCols+` FROM file_uploads WHERE ? = '' OR project_id = ? ORDER BY created_at`, projectID, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Upload
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func notFoundIfNone(res sql.Result, err error, kind, id string) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s %q: %w", kind, id, ErrNotFound)
	}
	return nil
}

// NewFileID implements FileStore. File ids share the catalog's object
// sequence and are decimal, as Keboola's are.
func (s *DuckStore) NewFileID(ctx context.Context) (string, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var id int64
	if err := s.db.QueryRowContext(ctx, `SELECT nextval('object_ids')`).Scan(&id); err != nil {
		return "", err
	}
	return strconv.FormatInt(id, 10), nil
}

const fileCols = `id, project_id, name, path, size_bytes, content_type, sha256, sliced, slices, tags, permanent, origin, created_by, created_at, expires_at`

// CreateFile implements FileStore.
func (s *DuckStore) CreateFile(ctx context.Context, f *File) error {
	id, err := strconv.ParseInt(f.ID, 10, 64)
	if err != nil {
		return fmt.Errorf("catalog: file id %q is not from NewFileID", f.ID)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err = s.db.ExecContext(ctx, `INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, f.ProjectID, f.Name, f.Path, f.Size, f.ContentType, f.SHA256, f.Sliced, slicesJSON(f.Slices), tagsJSON(f.Tags),
		f.Permanent, f.Origin, f.CreatedBy, f.CreatedAt, timeArg(f.ExpiresAt))
	return err
}

func scanFile(sc interface{ Scan(...any) error }) (*File, error) {
	f := &File{}
	var id int64
	var slices, tags string
	var exp sql.NullTime
	if err := sc.Scan(&id, &f.ProjectID, &f.Name, &f.Path, &f.Size, &f.ContentType, &f.SHA256, &f.Sliced, &slices, &tags,
		&f.Permanent, &f.Origin, &f.CreatedBy, &f.CreatedAt, &exp); err != nil {
		return nil, err
	}
	f.ID = strconv.FormatInt(id, 10)
	f.ExpiresAt = nullTime(exp)
	if err := json.Unmarshal([]byte(slices), &f.Slices); err != nil {
		return nil, fmt.Errorf("catalog: file %s slices: %w", f.ID, err)
	}
	if err := json.Unmarshal([]byte(tags), &f.Tags); err != nil {
		return nil, fmt.Errorf("catalog: file %s tags: %w", f.ID, err)
	}
	return f, nil
}

// File implements FileStore.
func (s *DuckStore) File(ctx context.Context, projectID, id string) (*File, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("file %q: %w", id, ErrNotFound)
	}
	f, err := scanFile(s.db.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files WHERE project_id = ? AND id = ?`, projectID, n))
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("file %q: %w", id, ErrNotFound)
	}
	return f, err
}

func (s *DuckStore) queryFiles(ctx context.Context, where string, args ...any) ([]*File, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+fileCols+` FROM files `+where+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Files implements FileStore. Tags are matched here rather than in SQL:
// they are a small JSON object per file, and a project's file list is
// bounded by the retention the janitor enforces.
func (s *DuckStore) Files(ctx context.Context, projectID string, filter FileFilter) ([]*File, int, error) {
	all, err := s.queryFiles(ctx, `WHERE project_id = ?`, projectID)
	if err != nil {
		return nil, 0, err
	}
	if len(filter.Tags) > 0 {
		kept := all[:0]
		for _, f := range all {
			if f.HasAnyTag(filter.Tags) {
				kept = append(kept, f)
			}
		}
		all = kept
	}
	total := len(all)
	off := min(max(filter.Offset, 0), total)
	all = all[off:]
	if filter.Limit >= 0 && filter.Limit < len(all) {
		all = all[:filter.Limit]
	}
	return all, total, nil
}

// HasAnyTag reports whether f carries one of tags ("name" or
// "name=value").
func (f *File) HasAnyTag(tags []string) bool {
	for _, t := range tags {
		name, value, withValue := strings.Cut(t, "=")
		if v, ok := f.Tags[name]; ok && (!withValue || v == value) {
			return true
		}
	}
	return false
}

// AllFiles implements FileStore.
func (s *DuckStore) AllFiles(ctx context.Context) ([]*File, error) {
	out, err := s.queryFiles(ctx, ``)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ProjectID < out[j].ProjectID })
	return out, err
}

// UpdateFile implements FileStore: tags and retention may change.
func (s *DuckStore) UpdateFile(ctx context.Context, f *File) error {
	id, err := strconv.ParseInt(f.ID, 10, 64)
	if err != nil {
		return fmt.Errorf("file %q: %w", f.ID, ErrNotFound)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	res, err := s.db.ExecContext(ctx, `UPDATE files SET tags = ?, permanent = ?, expires_at = ? WHERE project_id = ? AND id = ?`,
		tagsJSON(f.Tags), f.Permanent, timeArg(f.ExpiresAt), f.ProjectID, id)
	return notFoundIfNone(res, err, "file", f.ID)
}

// DeleteFile implements FileStore.
func (s *DuckStore) DeleteFile(ctx context.Context, projectID, id string) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fmt.Errorf("file %q: %w", id, ErrNotFound)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	res, err := s.db.ExecContext(ctx, `DELETE FROM files WHERE project_id = ? AND id = ?`, projectID, n)
	return notFoundIfNone(res, err, "file", id)
}
