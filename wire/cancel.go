package wire

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"sync"
)

// Why a statement's context was canceled; read back with context.Cause to
// pick the error the client gets.
var (
	errUserCancel       = errors.New("canceling statement due to user request")
	errStatementTimeout = errors.New("canceling statement due to statement timeout")
	errShutdown         = errors.New("terminating connection due to administrator command")
)

// cancelKey is what BackendKeyData gives the client and a CancelRequest
// sends back (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS).
// Protocol 3.0 fixes the secret at four bytes.
type cancelKey struct {
	pid    uint32
	secret [4]byte
}

// cancelRegistry maps process ids to sessions so that a CancelRequest,
// which arrives on a connection of its own, can find the statement to stop.
type cancelRegistry struct {
	mu    sync.Mutex
	conns map[uint32]*registered
}

type registered struct {
	secret [4]byte
	c      *conn
}

func newCancelRegistry() *cancelRegistry {
	return &cancelRegistry{conns: make(map[uint32]*registered)}
}

// register assigns c a fresh random key. Process ids are random too, so that
// a key cannot be guessed from the order of connections.
func (r *cancelRegistry) register(c *conn) (cancelKey, error) {
	var b [8]byte
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return cancelKey{}, err
		}
		// Keep the pid positive and non-zero: some clients store it in a
		// signed int and treat 0 as "no key".
		pid := binary.BigEndian.Uint32(b[:4]) & 0x7fffffff
		if pid == 0 || r.conns[pid] != nil {
			continue
		}
		k := cancelKey{pid: pid}
		copy(k.secret[:], b[4:])
		r.conns[pid] = &registered{secret: k.secret, c: c}
		return k, nil
	}
}

func (r *cancelRegistry) unregister(k cancelKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.conns[k.pid]; e != nil && e.secret == k.secret {
		delete(r.conns, k.pid)
	}
}

// cancel stops the statement running on the session with this key, if the
// secret matches. Like PostgreSQL it reports nothing either way, and a
// session with no running statement is left alone.
func (r *cancelRegistry) cancel(pid uint32, secret []byte) {
	r.mu.Lock()
	e := r.conns[pid]
	r.mu.Unlock()
	if e == nil || len(secret) != len(e.secret) {
		return
	}
	if subtle.ConstantTimeCompare(secret, e.secret[:]) != 1 {
		return
	}
	e.c.cancelStatement(errUserCancel)
}
