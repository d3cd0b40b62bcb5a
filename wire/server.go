package wire

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/sqlrouter"
)

// Backend authenticates clients and opens their sessions. The SQL router
// implements it; cmd/duckstore wires it in.
//
// Authentication failures are *pgerr.Error values with code 28P01 and the
// message `password authentication failed for user "<user>"`, whether or not
// the user or project exists.
type Backend interface {
	// SCRAM returns the SCRAM-SHA-256 verifiers a login as st.User may match.
	// An unknown user gets a deterministic fake salt and no keys, so the
	// exchange looks the same to the client and fails at the proof.
	SCRAM(ctx context.Context, st sqlrouter.Startup) (sqlrouter.SCRAMSecret, error)
	// CheckPassword verifies a cleartext password and returns the id of the
	// credential it matched.
	CheckPassword(ctx context.Context, st sqlrouter.Startup, password string) (credentialID string, err error)
	// Open starts a session for a client that proved it holds credentialID.
	Open(ctx context.Context, st sqlrouter.Startup, credentialID string) (sqlrouter.Conn, error)
}

// Config tunes a Server. The zero value of each field picks the default
// documented on it.
type Config struct {
	// TLS enables SSLRequest; nil answers 'N' and serves plain TCP only.
	TLS *tls.Config
	// AllowCleartextWithoutTLS lets clients send their password in clear
	// over an unencrypted connection. Without it, a connection without TLS
	// must authenticate with SCRAM-SHA-256.
	AllowCleartextWithoutTLS bool
	// MaxConnections caps concurrent sessions (default 100); the next client
	// gets FATAL 53300.
	MaxConnections int
	// IdleSessionTimeout ends a session idle outside a transaction block
	// for this long with FATAL 57P05 (PostgreSQL's idle_session_timeout);
	// 0 disables it.
	IdleSessionTimeout time.Duration
	// MaxMessageSize caps the body of any one frontend message and one COPY
	// row, in bytes (default 64 MiB).
	MaxMessageSize int
	// ShutdownGrace is how long Shutdown lets running statements finish
	// before it cancels them (default 30s).
	ShutdownGrace time.Duration
	// StartupTimeout bounds the handshake and authentication, like
	// PostgreSQL's authentication_timeout (default 1 minute).
	StartupTimeout time.Duration
	// Logger receives connection-level events (default: discard).
	Logger *slog.Logger
	// Registerer receives the server's metrics (default: none registered).
	Registerer prometheus.Registerer
	// ServerVersion is reported as server_version unless the session
	// reports its own (default "15.8 (duckstore)").
	ServerVersion string
	// BaseContext returns the context every connection derives from
	// (default context.Background()).
	BaseContext func() context.Context
}

const (
	defaultMaxConnections = 100
	defaultMaxMessageSize = 64 << 20
	defaultShutdownGrace  = 30 * time.Second
	defaultStartupTimeout = time.Minute
	defaultServerVersion  = "15.8 (duckstore)"
)

func (c Config) withDefaults() Config {
	if c.MaxConnections <= 0 {
		c.MaxConnections = defaultMaxConnections
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = defaultMaxMessageSize
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = defaultShutdownGrace
	}
	if c.StartupTimeout <= 0 {
		c.StartupTimeout = defaultStartupTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.ServerVersion == "" {
		c.ServerVersion = defaultServerVersion
	}
	return c
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("wire: server closed")

// Server accepts PostgreSQL connections and serves each in its own goroutine.
type Server struct {
	cfg     Config
	backend Backend
	log     *slog.Logger
	metrics *metrics
	cancels *cancelRegistry

	ctx  context.Context         // parent of every connection's context
	stop context.CancelCauseFunc // cancels ctx with errShutdown after the grace period

	// sessions holds one token per authenticated session (MaxConnections);
	// sockets counts every open socket, capped more loosely so that
	// handshakes cannot exhaust file descriptors.
	sessions chan struct{}
	sockets  atomic.Int64

	shuttingDown atomic.Bool
	mu           sync.Mutex
	listeners    map[net.Listener]struct{}
	conns        map[*conn]struct{}
	addr         net.Addr
	wg           sync.WaitGroup
}

// NewServer returns a Server that authenticates and opens sessions through
// backend.
func NewServer(cfg Config, backend Backend) *Server {
	cfg = cfg.withDefaults()
	base := context.Background()
	if cfg.BaseContext != nil {
		base = cfg.BaseContext()
	}
	ctx, stop := context.WithCancelCause(base)
	return &Server{
		cfg:       cfg,
		backend:   backend,
		log:       cfg.Logger,
		metrics:   newMetrics(cfg.Registerer),
		cancels:   newCancelRegistry(),
		ctx:       ctx,
		stop:      stop,
		sessions:  make(chan struct{}, cfg.MaxConnections),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*conn]struct{}),
	}
}

// Addr returns the address of the listener Serve was last given, or nil.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Serve accepts connections on l until l fails or Shutdown is called, and
// then returns ErrServerClosed. It closes l.
func (s *Server) Serve(l net.Listener) error {
	if !s.trackListener(l) {
		l.Close()
		return ErrServerClosed
	}
	defer s.untrackListener(l)
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.shuttingDown.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", err, "backoff", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		s.accept(nc)
	}
}

func (s *Server) trackListener(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown.Load() {
		return false
	}
	s.listeners[l] = struct{}{}
	s.addr = l.Addr()
	return true
}

func (s *Server) untrackListener(l net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.listeners[l]; ok {
		delete(s.listeners, l)
		l.Close()
	}
}

// accept starts serving nc, unless so many sockets are open that even a
// handshake would be unsafe: then it is closed at once. The session limit
// proper (53300) is applied after the startup packet, as PostgreSQL does,
// so that the client can read the error and cancel requests still work.
func (s *Server) accept(nc net.Conn) {
	if s.sockets.Add(1) > int64(2*s.cfg.MaxConnections+16) {
		s.sockets.Add(-1)
		s.metrics.connections.WithLabelValues(outcomeRejectedLimit).Inc()
		nc.Close()
		return
	}
	c := newConn(s, nc)
	s.mu.Lock()
	if s.shuttingDown.Load() {
		s.mu.Unlock()
		s.sockets.Add(-1)
		nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		defer s.sockets.Add(-1)
		defer s.forget(c)
		c.serve(s.ctx)
	}()
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// acquireSession takes a session slot without waiting.
func (s *Server) acquireSession() bool {
	select {
	case s.sessions <- struct{}{}:
		return true
	default:
		return false
	}
}

func (s *Server) releaseSession() { <-s.sessions }

// Shutdown stops accepting connections, ends idle sessions with FATAL 57P01,
// lets sessions that are running a statement finish it within the grace
// period (Config.ShutdownGrace, or until ctx ends if sooner), then cancels
// what still runs, so that those sessions end with 57P01 too, and closes
// every connection. It returns nil when every session ended within the
// grace period, else ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shuttingDown.Store(true)
	for l := range s.listeners {
		l.Close()
		delete(s.listeners, l)
	}
	for c := range s.conns {
		c.interruptIfIdle()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()

	grace := time.NewTimer(s.cfg.ShutdownGrace)
	defer grace.Stop()
	select {
	case <-done:
		return nil
	case <-grace.C:
	case <-ctx.Done():
	}
	// Grace is over: cancel running statements; each session then reports
	// 57P01 and closes. Sessions stuck on a socket are unblocked after a
	// moment, then closed. These last steps take at most a few seconds
	// even when ctx has already ended, so that clients learn why their
	// session ends.
	s.stop(errShutdown)
	for _, force := range []func(*conn){(*conn).interrupt, func(c *conn) { c.nc.Close() }} {
		select {
		case <-done:
			return ctx.Err()
		case <-time.After(time.Second):
		}
		s.mu.Lock()
		for c := range s.conns {
			force(c)
		}
		s.mu.Unlock()
	}
	select {
	case <-done:
	case <-time.After(time.Second):
	}
	return ctx.Err()
}
