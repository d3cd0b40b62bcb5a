// Package lock is the per-table write lock manager. A table's writes
// (statements, explicit transactions, loads, schema changes) hold its lock
// so that they never race on DuckDB's optimistic concurrency; reads never
// take it. Waiting is bounded: past the deadline the caller gets SQLSTATE
// 55P03 (lock_not_available).
//
// It imports only wire/pgerr and the standard library.
package lock

import (
	"context"
	"sync"
	"time"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// Manager hands out exclusive locks by key. The zero value is not usable;
// use New.
type Manager struct {
	mu    sync.Mutex
	locks map[string]*entry
	// OnWait, when set, is called with how long each acquisition waited.
	OnWait func(d time.Duration, acquired bool)
}

type entry struct {
	owner   any
	depth   int
	waiters int
	free    chan struct{} // closed and replaced on every release
}

// New returns an empty manager.
func New() *Manager { return &Manager{locks: map[string]*entry{}} }

// Lock takes the lock on key for owner, waiting at most timeout (or until
// ctx ends). The same owner may take a lock it holds again; each Lock needs
// its own unlock. The returned unlock is idempotent.
func (m *Manager) Lock(ctx context.Context, key string, owner any, timeout time.Duration) (unlock func(), err error) {
	start := time.Now()
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	m.mu.Lock()
	for {
		e := m.locks[key]
		if e == nil {
			e = &entry{free: make(chan struct{})}
			m.locks[key] = e
		}
		if e.owner == nil || e.owner == owner {
			e.owner = owner
			e.depth++
			m.mu.Unlock()
			m.report(start, true)
			return m.unlocker(key, e), nil
		}
		e.waiters++
		free := e.free
		m.mu.Unlock()
		select {
		case <-free:
			m.mu.Lock()
			e.waiters--
		case <-deadline:
			m.mu.Lock()
			e.waiters--
			m.gc(key, e)
			m.mu.Unlock()
			m.report(start, false)
			return nil, pgerr.New(pgerr.LockNotAvailable, "could not obtain the write lock on table %s within %s: another session is writing it", key, timeout)
		case <-ctx.Done():
			m.mu.Lock()
			e.waiters--
			m.gc(key, e)
			m.mu.Unlock()
			m.report(start, false)
			return nil, ctx.Err()
		}
	}
}

func (m *Manager) report(start time.Time, ok bool) {
	if m.OnWait != nil {
		m.OnWait(time.Since(start), ok)
	}
}

func (m *Manager) unlocker(key string, e *entry) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			defer m.mu.Unlock()
			e.depth--
			if e.depth > 0 {
				return
			}
			e.owner = nil
			close(e.free)
			e.free = make(chan struct{})
			m.gc(key, e)
		})
	}
}

// gc forgets an entry nobody holds or waits for. m.mu must be held.
func (m *Manager) gc(key string, e *entry) {
	if e.owner == nil && e.waiters == 0 && m.locks[key] == e {
		delete(m.locks, key)
	}
}

// Held reports whether key is locked, and by whom.
func (m *Manager) Held(key string) (any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.locks[key]
	if e == nil || e.owner == nil {
		return nil, false
	}
	return e.owner, true
}
