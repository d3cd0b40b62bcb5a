package catalog

import (
	"context"
	"time"
)

// Store keeps the metadata. Reads return copies the caller may change;
// writes are durable when they return. Every method is safe for concurrent
// use.
type Store interface {
	CreateProject(ctx context.Context, p *Project) error // ErrExists
	Project(ctx context.Context, id string) (*Project, error)
	Projects(ctx context.Context, limit, offset int) ([]*Project, int, error)
	UpdateProject(ctx context.Context, p *Project) error
	// DeleteProject removes the project and everything it owns.
	DeleteProject(ctx context.Context, id string) error

	CreateKey(ctx context.Context, k *APIKey) error
	Key(ctx context.Context, id string) (*APIKey, error)
	Keys(ctx context.Context, projectID string) ([]*APIKey, error)
	UpdateKey(ctx context.Context, k *APIKey) error
	// TouchKey records that the key was used at t, changing nothing else
	// (a concurrent revoke or rotate must not be undone by it).
	TouchKey(ctx context.Context, id string, t time.Time) error

	CreateBranch(ctx context.Context, b *Branch) error
	Branch(ctx context.Context, projectID, id string) (*Branch, error)
	Branches(ctx context.Context, projectID string) ([]*Branch, error)
	// DeleteBranch removes the branch with its buckets and tables.
	DeleteBranch(ctx context.Context, projectID, id string) error

	CreateBucket(ctx context.Context, b *Bucket) error // sets ID
	Bucket(ctx context.Context, projectID, branchID, name string) (*Bucket, error)
	Buckets(ctx context.Context, projectID, branchID string) ([]*Bucket, error)
	DeleteBucket(ctx context.Context, projectID, branchID, name string) error

	CreateTable(ctx context.Context, t *Table) error // sets ID
	Table(ctx context.Context, projectID, branchID, bucket, name string) (*Table, error)
	TableByID(ctx context.Context, id int64) (*Table, error)
	// Tables lists tables of a branch; bucket "" lists all its buckets.
	Tables(ctx context.Context, projectID, branchID, bucket string) ([]*Table, error)
	// UpdateTable replaces bucket, name, path, columns and primary key.
	UpdateTable(ctx context.Context, t *Table) error
	DeleteTable(ctx context.Context, id int64) error

	// Generation increases whenever a bucket or table of the project
	// changes, so callers can cache what they derive from them.
	Generation(projectID string) uint64

	Setting(ctx context.Context, key string) (string, bool, error)
	PutSetting(ctx context.Context, key, value string) error

	Close() error
}
