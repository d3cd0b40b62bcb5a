package catalog

import (
	"errors"
	"time"
)

// Errors every Store returns, to be checked with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// MainBranch is the id of every project's default branch.
const MainBranch = "main"

// Project is a tenant: its own keys, buckets, tables and DuckDB instance.
type Project struct {
	ID        string
	Name      string
	Settings  map[string]any
	CreatedAt time.Time
	UpdatedAt time.Time
	// ScramSalt and ScramIterations are shared by the SCRAM verifiers of all
	// the project's keys, so a pgwire login as the project can be checked
	// against each of them without knowing which key the client holds.
	ScramSalt       []byte
	ScramIterations int
}

// Scope is what an API key may do.
type Scope string

// The scopes of project keys.
const (
	ScopeProjectAdmin Scope = "project_admin" // everything in the project
	ScopeBranchAdmin  Scope = "branch_admin"  // read and write one branch
	ScopeReadOnly     Scope = "read_only"     // read every table of the project
)

// APIKey is a project key. The secret itself is never stored: only its
// SHA-256 and a SCRAM-SHA-256 verifier.
type APIKey struct {
	ID          string
	ProjectID   string
	BranchID    string // set for branch_admin keys (and read-only keys bound to a branch)
	Scope       Scope
	Description string
	Prefix      string // the key's public head, "proj_<project>_<id>_", for display
	SecretHash  [32]byte
	StoredKey   [32]byte
	ServerKey   [32]byte
	CreatedAt   time.Time
	ExpiresAt   *time.Time
	LastUsedAt  *time.Time
	RevokedAt   *time.Time
}

// Active reports whether the key may be used at now.
func (k *APIKey) Active(now time.Time) bool {
	return k.RevokedAt == nil && (k.ExpiresAt == nil || now.Before(*k.ExpiresAt))
}

// Branch is a dev branch of a project. The main branch is implicit.
type Branch struct {
	ID          string
	ProjectID   string
	Name        string
	Description string
	CreatedAt   time.Time
}

// Bucket is a schema of tables.
type Bucket struct {
	ID          int64
	ProjectID   string
	BranchID    string // MainBranch for buckets of the default branch
	Name        string
	Description string
	CreatedAt   time.Time
}

// Column is one column of a table.
type Column struct {
	Name     string  `json:"name"`
	Type     string  `json:"type"` // DuckDB type, e.g. "DECIMAL(12,2)"
	Nullable bool    `json:"nullable"`
	Default  *string `json:"default,omitempty"` // DuckDB expression, as stored in the file
}

// Table is one DuckDB file holding one table named data.
type Table struct {
	ID         int64
	ProjectID  string
	BranchID   string // MainBranch, or the branch owning this copy
	Bucket     string
	Name       string
	Path       string // relative to the project folder, e.g. main/in.c-sales/orders.duckdb
	Columns    []Column
	PrimaryKey []string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Column returns the column with the name, or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}
