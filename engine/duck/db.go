//go:build duckdb_arrow

package duck

import (
	"errors"
	"fmt"
	"sync"

	bindings "github.com/duckdb/duckdb-go-bindings"
)

// DB is one DuckDB database instance. Its connections share its attached
// databases, catalog and buffer pool.
type DB struct {
	mu     sync.Mutex
	db     bindings.Database
	closed bool
	conns  map[*Conn]struct{}
}

// Open opens a database. path "" is an in-memory database. config holds
// DuckDB options set at open (threads, memory_limit, ...).
func Open(path string, config map[string]string) (*DB, error) {
	var cfg bindings.Config
	if bindings.CreateConfig(&cfg) == bindings.StateError {
		return nil, errors.New("duckdb: cannot create config")
	}
	defer bindings.DestroyConfig(&cfg)
	for k, v := range config {
		if bindings.SetConfig(cfg, k, v) == bindings.StateError {
			return nil, fmt.Errorf("duckdb: invalid setting %s=%q", k, v)
		}
	}
	var db bindings.Database
	var msg string
	if bindings.OpenExt(path, &db, cfg, &msg) == bindings.StateError {
		return nil, &Error{Type: ErrorIO, Msg: msg}
	}
	return &DB{db: db, conns: map[*Conn]struct{}{}}, nil
}

// Connect opens a new connection. A connection is used by one goroutine at
// a time; Interrupt may be called from any goroutine.
func (d *DB) Connect() (*Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, errors.New("duckdb: database is closed")
	}
	var c bindings.Connection
	if bindings.Connect(d.db, &c) == bindings.StateError {
		return nil, errors.New("duckdb: cannot connect")
	}
	conn := &Conn{db: d, c: c}
	d.conns[conn] = struct{}{}
	return conn, nil
}

// Close disconnects every connection still open and closes the database.
func (d *DB) Close() {
	d.mu.Lock()
	conns := d.conns
	d.conns = nil
	already := d.closed
	d.closed = true
	d.mu.Unlock()
	if already {
		return
	}
	for c := range conns {
		c.disconnect()
	}
	bindings.Close(&d.db)
}

func (d *DB) forget(c *Conn) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.conns, c)
}

// Version is the DuckDB library version, such as "v1.5.6".
func Version() string { return bindings.LibraryVersion() }
