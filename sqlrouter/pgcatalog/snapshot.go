package pgcatalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/duckstore/duckstore/catalog"
)

// Snapshot is what one session may see of the catalog, and the state of
// the session that catalog functions report. The router builds it from
// the catalog (the session's project, branch or workspace) and the
// session; Build turns it into PostgreSQL-shaped relations.
type Snapshot struct {
	// Database is current_database() and the one row of pg_database.
	Database string
	// User is current_user and session_user, and the one login role of
	// pg_roles (OID OIDBootstrap, owner of every object shown).
	User string
	// Buckets are shown as schemas, Tables as tables in them.
	Buckets []Bucket
	Tables  []Table
	// PublicBucket, when not 0, is the ID of the bucket shown as the schema
	// public (OID OIDPublic): a workspace session's own schema. When 0, an
	// empty public schema is listed as in a fresh PostgreSQL database,
	// unless a bucket is itself named public.
	PublicBucket int64
	// HidePublic leaves the built-in public schema out when PublicBucket
	// is 0, as in a database whose public schema was dropped: the router
	// creates tables only in buckets, so an empty public schema nothing
	// can be created in would mislead clients (SQLAlchemy's and pgjdbc's
	// schema lists, current_schemas).
	HidePublic bool
	// Session is the session-dependent part; UpdateSession refreshes it
	// without rebuilding the rest.
	Session Session
}

// Bucket is one schema.
type Bucket struct {
	ID          int64 // catalog id, 1..MaxID; the OID is NamespaceOID(ID)
	Name        string
	Description string // pg_description, obj_description; "" for none
	// ReadOnly buckets answer false to CREATE privilege checks.
	ReadOnly bool
}

// Table is one table.
type Table struct {
	ID          int64 // catalog id, 1..MaxID, unique across buckets and tables
	Bucket      int64 // the ID of its Bucket
	Name        string
	Description string
	Columns     []Column // in attnum order (1-based)
	PrimaryKey  []string // column names, in key order; empty for none
	// Rows is the approximate row count (pg_class.reltuples,
	// pg_stat_user_tables.n_live_tup); -1 when unknown.
	Rows int64
	// Bytes is the table's file size (pg_relation_size and friends,
	// relpages).
	Bytes int64
	// ReadOnly tables answer false to INSERT, UPDATE, DELETE and TRUNCATE
	// privilege checks (read-only keys, storage tables in a workspace).
	ReadOnly bool
}

// Column is one column.
type Column struct {
	Name string
	// Type is the DuckDB type as DuckDB prints it: "INTEGER",
	// "DECIMAL(12,2)", "TIMESTAMP WITH TIME ZONE", "VARCHAR[]". Its
	// PostgreSQL type is ColumnType(Type).
	Type    string
	NotNull bool
	// Default is the DuckDB default expression, nil for none.
	Default     *string
	Description string
}

// Session is the state of the session the catalog is built for.
type Session struct {
	// SearchPath is the session's search_path as SHOW prints it, split at
	// the commas and unquoted: {"$user", "public"}. pg_catalog is searched
	// first unless listed, as in PostgreSQL.
	SearchPath []string
	// Settings are the session's GUCs with their current values; they
	// override the PostgreSQL defaults in pg_settings and answer
	// current_setting. Names are matched case-insensitively.
	Settings []Setting
	// ServerVersion is the version presented, "15.8"; Version is what
	// version() returns.
	ServerVersion string
	Version       string
	// PID is pg_backend_pid() and the BackendKeyData process id.
	PID int32
	// ApplicationName, client address and times describe the session in
	// pg_stat_activity.
	ApplicationName string
	ClientAddr      string // "" for a Unix socket
	ClientPort      int32
	ServerAddr      string // inet_server_addr()
	ServerPort      int32
	BackendStart    time.Time
	XactStart       time.Time // zero when not in a transaction
	QueryStart      time.Time
	State           string // "active", "idle", "idle in transaction", ...
	Query           string
	// ServerStart is pg_postmaster_start_time().
	ServerStart time.Time
	// TxID is txid_current(); the router substitutes a per-transaction
	// value when it matters.
	TxID int64
	// Cursors and Prepared fill pg_cursors and pg_prepared_statements.
	Cursors  []Cursor
	Prepared []PreparedStatement
}

// Setting is a GUC and its current value.
type Setting struct {
	Name  string
	Value string
}

// Cursor is one open cursor of the session (pg_cursors).
type Cursor struct {
	Name       string
	Statement  string
	Holdable   bool
	Binary     bool
	Scrollable bool
	Created    time.Time
}

// PreparedStatement is one prepared statement of the session
// (pg_prepared_statements).
type PreparedStatement struct {
	Name       string
	Statement  string
	Prepared   time.Time
	ParamTypes []uint32 // type OIDs
	FromSQL    bool     // PREPARE rather than the protocol's Parse
}

// BucketFromCatalog converts a catalog bucket.
func BucketFromCatalog(b *catalog.Bucket) Bucket {
	return Bucket{ID: b.ID, Name: b.Name, Description: b.Description}
}

// TableFromCatalog converts a catalog table; bucketID is the ID of the
// bucket it is in (catalog tables name their bucket). Rows and Bytes are
// left unknown (-1 and 0) for the caller to fill.
func TableFromCatalog(t *catalog.Table, bucketID int64) Table {
	out := Table{ID: t.ID, Bucket: bucketID, Name: t.Name, PrimaryKey: t.PrimaryKey, Rows: -1}
	out.Columns = make([]Column, len(t.Columns))
	for i, c := range t.Columns {
		out.Columns[i] = Column{Name: c.Name, Type: c.Type, NotNull: !c.Nullable, Default: c.Default}
	}
	return out
}

// check validates what Build relies on: ids in range and unique, tables in
// known buckets, primary keys naming columns.
func (s *Snapshot) check() error {
	seen := make(map[int64]string, len(s.Buckets)+len(s.Tables))
	buckets := make(map[int64]bool, len(s.Buckets))
	use := func(id int64, what string) error {
		if id < 1 || id > MaxID {
			return fmt.Errorf("pgcatalog: %s has id %d, outside 1..%d", what, id, MaxID)
		}
		if other, dup := seen[id]; dup {
			return fmt.Errorf("pgcatalog: %s and %s share id %d", what, other, id)
		}
		seen[id] = what
		return nil
	}
	schemas := map[string]bool{}
	for _, b := range s.Buckets {
		if err := use(b.ID, "bucket "+b.Name); err != nil {
			return err
		}
		buckets[b.ID] = true
		name := b.Name
		if b.ID == s.PublicBucket {
			name = "public"
		}
		// PostgreSQL reserves these for its own schemas.
		if name == "information_schema" || strings.HasPrefix(name, "pg_") {
			return fmt.Errorf("pgcatalog: bucket %s cannot be shown as a schema: the name is reserved", b.Name)
		}
		if schemas[name] {
			return fmt.Errorf("pgcatalog: two buckets are shown as schema %s", name)
		}
		schemas[name] = true
	}
	if s.PublicBucket != 0 && !buckets[s.PublicBucket] {
		return fmt.Errorf("pgcatalog: public bucket %d is not among the buckets", s.PublicBucket)
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		if err := use(t.ID, "table "+t.Name); err != nil {
			return err
		}
		if !buckets[t.Bucket] {
			return fmt.Errorf("pgcatalog: table %s is in unknown bucket %d", t.Name, t.Bucket)
		}
		if len(t.Columns) > 1600 {
			return fmt.Errorf("pgcatalog: table %s has %d columns, more than PostgreSQL's 1600", t.Name, len(t.Columns))
		}
		for _, k := range t.PrimaryKey {
			if t.column(k) < 0 {
				return fmt.Errorf("pgcatalog: primary key column %s is not a column of table %s", k, t.Name)
			}
		}
	}
	return nil
}

// column returns the 0-based position of the named column, or -1.
func (t *Table) column(name string) int {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return i
		}
	}
	return -1
}
