package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// DuckStore is the Store kept in a DuckDB file. Every row is mirrored in
// memory at open, so reads never touch the disk; writes go to the file
// first (one at a time) and then to the mirror.
type DuckStore struct {
	db *sql.DB

	wmu sync.Mutex   // serializes writes
	mu  sync.RWMutex // guards the mirror
	m   mirror
}

type mirror struct {
	projects map[string]*Project
	keys     map[string]*APIKey
	branches map[string]*Branch // project\x00id
	buckets  map[string]*Bucket // project\x00branch\x00name
	tables   map[int64]*Table
	byName   map[string]*Table // project\x00branch\x00bucket\x00name
	gen      map[string]uint64
}

func projKey(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return string(b)
}

// Open opens (creating if needed) the catalog in dir/catalog.duckdb and
// applies pending migrations.
func Open(ctx context.Context, dir string) (*DuckStore, error) {
	connector, err := duckdb.NewConnector(filepath.Join(dir, "catalog.duckdb"), nil)
	if err != nil {
		return nil, fmt.Errorf("catalog: open: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(4)
	if _, err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	s := &DuckStore{db: db}
	if err := s.load(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Version returns the schema version the catalog is at.
func (s *DuckStore) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Close checkpoints and closes the file.
func (s *DuckStore) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.db.Exec(`CHECKPOINT`)
	return s.db.Close()
}

// DB returns the underlying database for packages that keep their own
// tables in the catalog file (files, jobs). They must add their tables
// through migrations.
func (s *DuckStore) DB() *sql.DB { return s.db }

func (s *DuckStore) load(ctx context.Context) error {
	m := mirror{
		projects: map[string]*Project{}, keys: map[string]*APIKey{}, branches: map[string]*Branch{},
		buckets: map[string]*Bucket{}, tables: map[int64]*Table{}, byName: map[string]*Table{},
		gen: map[string]uint64{},
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, settings, scram_salt, scram_iterations, created_at, updated_at FROM projects`)
	if err != nil {
		return err
	}
	for rows.Next() {
		p := &Project{}
		var settings sql.NullString
		if err := rows.Scan(&p.ID, &p.Name, &settings, &p.ScramSalt, &p.ScramIterations, &p.CreatedAt, &p.UpdatedAt); err != nil {
			rows.Close()
			return err
		}
		if settings.Valid && settings.String != "" {
			json.Unmarshal([]byte(settings.String), &p.Settings)
		}
		m.projects[p.ID] = p
	}
	rows.Close()

	rows, err = s.db.QueryContext(ctx, `SELECT id, project_id, branch_id, scope, description, prefix, secret_hash, stored_key, server_key, created_at, expires_at, last_used_at, revoked_at FROM api_keys`)
	if err != nil {
		return err
	}
	for rows.Next() {
		k := &APIKey{}
		var hash, stored, server []byte
		var exp, used, rev sql.NullTime
		if err := rows.Scan(&k.ID, &k.ProjectID, &k.BranchID, &k.Scope, &k.Description, &k.Prefix, &hash, &stored, &server, &k.CreatedAt, &exp, &used, &rev); err != nil {
			rows.Close()
			return err
		}
		copy(k.SecretHash[:], hash)
		copy(k.StoredKey[:], stored)
		copy(k.ServerKey[:], server)
		k.ExpiresAt, k.LastUsedAt, k.RevokedAt = nullTime(exp), nullTime(used), nullTime(rev)
		m.keys[k.ID] = k
	}
	rows.Close()

	rows, err = s.db.QueryContext(ctx, `SELECT id, project_id, name, description, created_at FROM branches`)
	if err != nil {
		return err
	}
	for rows.Next() {
		b := &Branch{}
		if err := rows.Scan(&b.ID, &b.ProjectID, &b.Name, &b.Description, &b.CreatedAt); err != nil {
			rows.Close()
			return err
		}
		m.branches[projKey(b.ProjectID, b.ID)] = b
	}
	rows.Close()

	rows, err = s.db.QueryContext(ctx, `SELECT id, project_id, branch_id, name, description, created_at FROM buckets`)
	if err != nil {
		return err
	}
	for rows.Next() {
		b := &Bucket{}
		if err := rows.Scan(&b.ID, &b.ProjectID, &b.BranchID, &b.Name, &b.Description, &b.CreatedAt); err != nil {
			rows.Close()
			return err
		}
		m.buckets[projKey(b.ProjectID, b.BranchID, b.Name)] = b
	}
	rows.Close()

	rows, err = s.db.QueryContext(ctx, `SELECT id, project_id, branch_id, bucket, name, path, columns, primary_key, created_at, updated_at FROM tables`)
	if err != nil {
		return err
	}
	for rows.Next() {
		t := &Table{}
		var cols, pk string
		if err := rows.Scan(&t.ID, &t.ProjectID, &t.BranchID, &t.Bucket, &t.Name, &t.Path, &cols, &pk, &t.CreatedAt, &t.UpdatedAt); err != nil {
			rows.Close()
			return err
		}
		if err := json.Unmarshal([]byte(cols), &t.Columns); err != nil {
			rows.Close()
			return fmt.Errorf("catalog: table %d columns: %w", t.ID, err)
		}
		if err := json.Unmarshal([]byte(pk), &t.PrimaryKey); err != nil {
			rows.Close()
			return fmt.Errorf("catalog: table %d primary key: %w", t.ID, err)
		}
		m.tables[t.ID] = t
		m.byName[projKey(t.ProjectID, t.BranchID, t.Bucket, t.Name)] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	s.m = m
	return nil
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

// blob copies a fixed array into its own slice: cgo refuses a pointer into
// a struct that holds other Go pointers.
func blob(a [32]byte) []byte { return append([]byte(nil), a[:]...) }

func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

// write runs fn in one transaction of the file, then apply on the mirror.
func (s *DuckStore) write(ctx context.Context, fn func(tx *sql.Tx) error, apply func(m *mirror)) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.mu.Lock()
	apply(&s.m)
	s.mu.Unlock()
	return nil
}

func (s *DuckStore) bump(m *mirror, project string) { m.gen[project]++ }

// Generation implements Store.
func (s *DuckStore) Generation(projectID string) uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m.gen[projectID]
}

func cloneProject(p *Project) *Project {
	c := *p
	if p.Settings != nil {
		c.Settings = make(map[string]any, len(p.Settings))
		for k, v := range p.Settings {
			c.Settings[k] = v
		}
	}
	c.ScramSalt = append([]byte(nil), p.ScramSalt...)
	return &c
}

func cloneTable(t *Table) *Table {
	c := *t
	c.Columns = append([]Column(nil), t.Columns...)
	c.PrimaryKey = append([]string(nil), t.PrimaryKey...)
	return &c
}

func cloneKey(k *APIKey) *APIKey { c := *k; return &c }

// CreateProject implements Store.
func (s *DuckStore) CreateProject(ctx context.Context, p *Project) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.RLock()
	_, exists := s.m.projects[p.ID]
	s.mu.RUnlock()
	if exists {
		return fmt.Errorf("project %q: %w", p.ID, ErrExists)
	}
	settings, _ := json.Marshal(p.Settings)
	c := cloneProject(p)
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO projects VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Name, string(settings), p.ScramSalt, p.ScramIterations, p.CreatedAt, p.UpdatedAt)
		return err
	}, func(m *mirror) { m.projects[p.ID] = c })
}

// Project implements Store.
func (s *DuckStore) Project(ctx context.Context, id string) (*Project, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.m.projects[id]
	if !ok {
		return nil, fmt.Errorf("project %q: %w", id, ErrNotFound)
	}
	return cloneProject(p), nil
}

// Projects implements Store: ordered by creation, then id.
func (s *DuckStore) Projects(ctx context.Context, limit, offset int) ([]*Project, int, error) {
	s.mu.RLock()
	all := make([]*Project, 0, len(s.m.projects))
	for _, p := range s.m.projects {
		all = append(all, p)
	}
	s.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool {
		if !all[i].CreatedAt.Equal(all[j].CreatedAt) {
			return all[i].CreatedAt.Before(all[j].CreatedAt)
		}
		return all[i].ID < all[j].ID
	})
	total := len(all)
	if offset > total {
		offset = total
	}
	all = all[offset:]
	if limit >= 0 && limit < len(all) {
		all = all[:limit]
	}
	out := make([]*Project, len(all))
	for i, p := range all {
		out[i] = cloneProject(p)
	}
	return out, total, nil
}

// UpdateProject implements Store.
func (s *DuckStore) UpdateProject(ctx context.Context, p *Project) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.Project(ctx, p.ID); err != nil {
		return err
	}
	settings, _ := json.Marshal(p.Settings)
	c := cloneProject(p)
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE projects SET name = ?, settings = ?, updated_at = ? WHERE id = ?`,
			p.Name, string(settings), p.UpdatedAt, p.ID)
		return err
	}, func(m *mirror) { m.projects[p.ID] = c })
}

// DeleteProject implements Store.
func (s *DuckStore) DeleteProject(ctx context.Context, id string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.Project(ctx, id); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM api_keys WHERE project_id = ?`, `DELETE FROM tables WHERE project_id = ?`,
			`DELETE FROM buckets WHERE project_id = ?`, `DELETE FROM branches WHERE project_id = ?`,
			`DELETE FROM file_uploads WHERE project_id = ?`, `DELETE FROM files WHERE project_id = ?`,
			`DELETE FROM jobs WHERE project_id = ?`,
			`DELETE FROM projects WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	}, func(m *mirror) {
		delete(m.projects, id)
		for k, v := range m.keys {
			if v.ProjectID == id {
				delete(m.keys, k)
			}
		}
		for k, v := range m.branches {
			if v.ProjectID == id {
				delete(m.branches, k)
			}
		}
		for k, v := range m.buckets {
			if v.ProjectID == id {
				delete(m.buckets, k)
			}
		}
		for k, v := range m.tables {
			if v.ProjectID == id {
				delete(m.tables, k)
				delete(m.byName, projKey(v.ProjectID, v.BranchID, v.Bucket, v.Name))
			}
		}
		s.bump(m, id)
	})
}

// CreateKey implements Store.
func (s *DuckStore) CreateKey(ctx context.Context, k *APIKey) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.RLock()
	_, exists := s.m.keys[k.ID]
	s.mu.RUnlock()
	if exists {
		return fmt.Errorf("api key %q: %w", k.ID, ErrExists)
	}
	c := cloneKey(k)
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			k.ID, k.ProjectID, k.BranchID, string(k.Scope), k.Description, k.Prefix, blob(k.SecretHash), blob(k.StoredKey), blob(k.ServerKey),
			k.CreatedAt, timeArg(k.ExpiresAt), timeArg(k.LastUsedAt), timeArg(k.RevokedAt))
		return err
	}, func(m *mirror) { m.keys[k.ID] = c })
}

// Key implements Store.
func (s *DuckStore) Key(ctx context.Context, id string) (*APIKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.m.keys[id]
	if !ok {
		return nil, fmt.Errorf("api key %q: %w", id, ErrNotFound)
	}
	return cloneKey(k), nil
}

// Keys implements Store: ordered by creation.
func (s *DuckStore) Keys(ctx context.Context, projectID string) ([]*APIKey, error) {
	s.mu.RLock()
	var out []*APIKey
	for _, k := range s.m.keys {
		if k.ProjectID == projectID {
			out = append(out, cloneKey(k))
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// UpdateKey implements Store.
func (s *DuckStore) UpdateKey(ctx context.Context, k *APIKey) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.Key(ctx, k.ID); err != nil {
		return err
	}
	c := cloneKey(k)
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_keys SET branch_id = ?, scope = ?, description = ?, prefix = ?, secret_hash = ?, stored_key = ?, server_key = ?, expires_at = ?, last_used_at = ?, revoked_at = ? WHERE id = ?`,
			k.BranchID, string(k.Scope), k.Description, k.Prefix, blob(k.SecretHash), blob(k.StoredKey), blob(k.ServerKey),
			timeArg(k.ExpiresAt), timeArg(k.LastUsedAt), timeArg(k.RevokedAt), k.ID)
		return err
	}, func(m *mirror) { m.keys[k.ID] = c })
}

// TouchKey implements Store.
func (s *DuckStore) TouchKey(ctx context.Context, id string, t time.Time) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.Key(ctx, id); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, t, id)
		return err
	}, func(m *mirror) {
		if k := m.keys[id]; k != nil {
			c := cloneKey(k)
			c.LastUsedAt = &t
			m.keys[id] = c
		}
	})
}

// CreateBranch implements Store.
func (s *DuckStore) CreateBranch(ctx context.Context, b *Branch) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	key := projKey(b.ProjectID, b.ID)
	s.mu.RLock()
	_, exists := s.m.branches[key]
	s.mu.RUnlock()
	if exists || b.ID == MainBranch {
		return fmt.Errorf("branch %q: %w", b.ID, ErrExists)
	}
	c := *b
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO branches VALUES (?, ?, ?, ?, ?)`, b.ID, b.ProjectID, b.Name, b.Description, b.CreatedAt)
		return err
	}, func(m *mirror) { m.branches[key] = &c; s.bump(m, b.ProjectID) })
}

// Branch implements Store.
func (s *DuckStore) Branch(ctx context.Context, projectID, id string) (*Branch, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.m.branches[projKey(projectID, id)]
	if !ok {
		return nil, fmt.Errorf("branch %q: %w", id, ErrNotFound)
	}
	c := *b
	return &c, nil
}

// Branches implements Store: ordered by creation.
func (s *DuckStore) Branches(ctx context.Context, projectID string) ([]*Branch, error) {
	s.mu.RLock()
	var out []*Branch
	for _, b := range s.m.branches {
		if b.ProjectID == projectID {
			c := *b
			out = append(out, &c)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// DeleteBranch implements Store.
func (s *DuckStore) DeleteBranch(ctx context.Context, projectID, id string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.Branch(ctx, projectID, id); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM tables WHERE project_id = ? AND branch_id = ?`,
			`DELETE FROM buckets WHERE project_id = ? AND branch_id = ?`,
			`DELETE FROM branches WHERE project_id = ? AND id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, projectID, id); err != nil {
				return err
			}
		}
		return nil
	}, func(m *mirror) {
		delete(m.branches, projKey(projectID, id))
		for k, v := range m.buckets {
			if v.ProjectID == projectID && v.BranchID == id {
				delete(m.buckets, k)
			}
		}
		for k, v := range m.tables {
			if v.ProjectID == projectID && v.BranchID == id {
				delete(m.tables, k)
				delete(m.byName, projKey(v.ProjectID, v.BranchID, v.Bucket, v.Name))
			}
		}
		s.bump(m, projectID)
	})
}

func (s *DuckStore) nextID(ctx context.Context, tx *sql.Tx) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT nextval('object_ids')`).Scan(&id)
	return id, err
}

// CreateBucket implements Store.
func (s *DuckStore) CreateBucket(ctx context.Context, b *Bucket) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	key := projKey(b.ProjectID, b.BranchID, b.Name)
	s.mu.RLock()
	_, exists := s.m.buckets[key]
	s.mu.RUnlock()
	if exists {
		return fmt.Errorf("bucket %q: %w", b.Name, ErrExists)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		id, err := s.nextID(ctx, tx)
		if err != nil {
			return err
		}
		b.ID = id
		_, err = tx.ExecContext(ctx, `INSERT INTO buckets VALUES (?, ?, ?, ?, ?, ?)`, b.ID, b.ProjectID, b.BranchID, b.Name, b.Description, b.CreatedAt)
		return err
	}, func(m *mirror) { c := *b; m.buckets[key] = &c; s.bump(m, b.ProjectID) })
}

// Bucket implements Store.
func (s *DuckStore) Bucket(ctx context.Context, projectID, branchID, name string) (*Bucket, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.m.buckets[projKey(projectID, branchID, name)]
	if !ok {
		return nil, fmt.Errorf("bucket %q: %w", name, ErrNotFound)
	}
	c := *b
	return &c, nil
}

// Buckets implements Store: ordered by name.
func (s *DuckStore) Buckets(ctx context.Context, projectID, branchID string) ([]*Bucket, error) {
	s.mu.RLock()
	var out []*Bucket
	for _, b := range s.m.buckets {
		if b.ProjectID == projectID && b.BranchID == branchID {
			c := *b
			out = append(out, &c)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteBucket implements Store. The bucket's tables must be deleted first.
func (s *DuckStore) DeleteBucket(ctx context.Context, projectID, branchID, name string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	b, err := s.Bucket(ctx, projectID, branchID, name)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM buckets WHERE id = ?`, b.ID)
		return err
	}, func(m *mirror) { delete(m.buckets, projKey(projectID, branchID, name)); s.bump(m, projectID) })
}

// CreateTable implements Store.
func (s *DuckStore) CreateTable(ctx context.Context, t *Table) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	key := projKey(t.ProjectID, t.BranchID, t.Bucket, t.Name)
	s.mu.RLock()
	_, exists := s.m.byName[key]
	s.mu.RUnlock()
	if exists {
		return fmt.Errorf("table %q: %w", t.Name, ErrExists)
	}
	cols, pk := tableJSON(t)
	return s.write(ctx, func(tx *sql.Tx) error {
		id, err := s.nextID(ctx, tx)
		if err != nil {
			return err
		}
		t.ID = id
		_, err = tx.ExecContext(ctx, `INSERT INTO tables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.ProjectID, t.BranchID, t.Bucket, t.Name, t.Path, cols, pk, t.CreatedAt, t.UpdatedAt)
		return err
	}, func(m *mirror) {
		c := cloneTable(t)
		m.tables[c.ID] = c
		m.byName[key] = c
		s.bump(m, t.ProjectID)
	})
}

func tableJSON(t *Table) (string, string) {
	cols := t.Columns
	if cols == nil {
		cols = []Column{}
	}
	pk := t.PrimaryKey
	if pk == nil {
		pk = []string{}
	}
	c, _ := json.Marshal(cols)
	p, _ := json.Marshal(pk)
	return string(c), string(p)
}

// Table implements Store.
func (s *DuckStore) Table(ctx context.Context, projectID, branchID, bucket, name string) (*Table, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.m.byName[projKey(projectID, branchID, bucket, name)]
	if !ok {
		return nil, fmt.Errorf("table %q: %w", name, ErrNotFound)
	}
	return cloneTable(t), nil
}

// TableByID implements Store.
func (s *DuckStore) TableByID(ctx context.Context, id int64) (*Table, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.m.tables[id]
	if !ok {
		return nil, fmt.Errorf("table %d: %w", id, ErrNotFound)
	}
	return cloneTable(t), nil
}

// Tables implements Store: ordered by bucket, then name.
func (s *DuckStore) Tables(ctx context.Context, projectID, branchID, bucket string) ([]*Table, error) {
	s.mu.RLock()
	var out []*Table
	for _, t := range s.m.tables {
		if t.ProjectID == projectID && t.BranchID == branchID && (bucket == "" || t.Bucket == bucket) {
			out = append(out, cloneTable(t))
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bucket != out[j].Bucket {
			return out[i].Bucket < out[j].Bucket
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// UpdateTable implements Store.
func (s *DuckStore) UpdateTable(ctx context.Context, t *Table) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	old, err := s.TableByID(ctx, t.ID)
	if err != nil {
		return err
	}
	newKey := projKey(t.ProjectID, t.BranchID, t.Bucket, t.Name)
	oldKey := projKey(old.ProjectID, old.BranchID, old.Bucket, old.Name)
	if newKey != oldKey {
		s.mu.RLock()
		_, exists := s.m.byName[newKey]
		s.mu.RUnlock()
		if exists {
			return fmt.Errorf("table %q: %w", t.Name, ErrExists)
		}
	}
	cols, pk := tableJSON(t)
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE tables SET bucket = ?, name = ?, path = ?, columns = ?, primary_key = ?, updated_at = ? WHERE id = ?`,
			t.Bucket, t.Name, t.Path, cols, pk, t.UpdatedAt, t.ID)
		return err
	}, func(m *mirror) {
		c := cloneTable(t)
		delete(m.byName, oldKey)
		m.tables[c.ID] = c
		m.byName[newKey] = c
		s.bump(m, t.ProjectID)
	})
}

// DeleteTable implements Store.
func (s *DuckStore) DeleteTable(ctx context.Context, id int64) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	t, err := s.TableByID(ctx, id)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM tables WHERE id = ?`, id)
		return err
	}, func(m *mirror) {
		delete(m.tables, id)
		delete(m.byName, projKey(t.ProjectID, t.BranchID, t.Bucket, t.Name))
		s.bump(m, t.ProjectID)
	})
}

// Setting implements Store.
func (s *DuckStore) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	return v, err == nil, err
}

// PutSetting implements Store.
func (s *DuckStore) PutSetting(ctx context.Context, key, value string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO settings VALUES (?, ?)`, key, value)
		return err
	}, func(*mirror) {})
}

var _ Store = (*DuckStore)(nil)
