package wire

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// connState is where a connection is in its life. Transitions:
//
//	stateHandshake → stateIdle     after the first ReadyForQuery
//	stateIdle      → stateBusy     a frontend message arrived
//	stateBusy      → stateIdle     the message is handled; wait for the next
//	any            → stateClosed   Terminate, a FATAL error, or a lost socket
//
// Shutdown ends idle and handshaking connections at once and lets busy ones
// finish the message they are handling.
type connState int32

const (
	stateHandshake connState = iota // startup packets, TLS, authentication
	stateIdle                       // blocked reading the next message
	stateBusy                       // handling a message, maybe running a statement
	stateClosed
)

// errConnDone ends a connection after its last message was sent.
var errConnDone = errors.New("wire: connection done")

// conn is one client connection and, once authenticated, its session.
type conn struct {
	srv *Server
	ctx context.Context // canceled when the connection ends or the server stops
	log *slog.Logger
	be  *pgproto3.Backend
	out *writer

	startup sqlrouter.Startup
	sess    sqlrouter.Conn
	key     cancelKey

	mu         sync.Mutex // guards nc, state, stmtCancel
	nc         net.Conn   // the socket, or the TLS connection over it
	state      connState
	stmtCancel context.CancelCauseFunc

	// Extended-protocol state, used only by the connection's goroutine.
	stmts   map[string]*prepared
	portals map[string]*portal
	// ignoreTillSync is set by an error in an extended-protocol message:
	// PostgreSQL then discards every message up to the next Sync
	// (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY).
	ignoreTillSync bool
	// idle is true right after ReadyForQuery, when the client's next
	// message starts a new command; the idle session timeout runs only then.
	idle bool
}

func newConn(s *Server, nc net.Conn) *conn {
	return &conn{
		srv:     s,
		nc:      nc,
		log:     s.log.With("remote", nc.RemoteAddr().String()),
		out:     newWriter(nc),
		stmts:   make(map[string]*prepared),
		portals: make(map[string]*portal),
	}
}

// serve runs the connection from its first byte to its close.
func (c *conn) serve(parent context.Context) {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	c.ctx = ctx
	defer c.closeSocket()

	st, ok := c.handshake()
	if !ok {
		return
	}
	if !c.srv.acquireSession() {
		c.srv.metrics.connections.WithLabelValues(outcomeRejectedLimit).Inc()
		c.fatal(&pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.TooManyConnections, Message: "sorry, too many clients already"})
		return
	}
	defer c.srv.releaseSession()
	if !c.authenticate(st) {
		return
	}
	c.srv.metrics.connections.WithLabelValues(outcomeAccepted).Inc()
	c.srv.metrics.sessions.Inc()
	defer c.srv.metrics.sessions.Dec()
	defer c.endSession()

	err := c.loop()
	switch {
	case err == nil || errors.Is(err, errConnDone):
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		c.log.Debug("client went away", "err", err)
	default:
		c.log.Info("connection ended", "err", err)
	}
}

// endSession releases everything the session holds.
func (c *conn) endSession() {
	c.srv.cancels.unregister(c.key)
	for name, p := range c.portals {
		p.close()
		delete(c.portals, name)
	}
	for name, s := range c.stmts {
		s.close()
		delete(c.stmts, name)
	}
	if err := c.sess.Close(); err != nil {
		c.log.Warn("closing session", "err", err)
	}
}

func (c *conn) closeSocket() {
	c.mu.Lock()
	c.state = stateClosed
	nc := c.nc
	c.mu.Unlock()
	nc.Close()
}

// loop reads frontend messages and dispatches them; it does nothing else.
// It returns nil on Terminate and an error when the connection must close.
func (c *conn) loop() error {
	for {
		msg, err := c.receive()
		if err != nil {
			return err
		}
		if c.ignoreTillSync && !endsIgnore(msg) {
			continue
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			err = c.handleQuery(m)
		case *pgproto3.Parse:
			err = c.handleParse(m)
		case *pgproto3.Bind:
			err = c.handleBind(m)
		case *pgproto3.Describe:
			err = c.handleDescribe(m)
		case *pgproto3.Execute:
			err = c.handleExecute(m)
		case *pgproto3.Close:
			err = c.handleClose(m)
		case *pgproto3.Sync:
			err = c.handleSync()
		case *pgproto3.Flush:
			err = c.out.flush()
		case *pgproto3.FunctionCall:
			err = c.handleFunctionCall()
		case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
			// Left over from a COPY FROM STDIN that already failed; the
			// protocol says to accept and ignore them.
		case *pgproto3.Terminate:
			return nil
		default:
			return c.fatal(&pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.ProtocolViolation,
				Message: "unexpected frontend message " + messageName(msg)})
		}
		if err != nil {
			return err
		}
	}
}

// endsIgnore reports whether msg ends the ignore-until-Sync state (Sync) or
// must be obeyed in it anyway (Terminate).
func endsIgnore(msg pgproto3.FrontendMessage) bool {
	switch msg.(type) {
	case *pgproto3.Sync, *pgproto3.Terminate:
		return true
	}
	return false
}

// receive waits for the next frontend message. Between commands (after
// ReadyForQuery) the wait is bounded by the idle session timeout, and
// Shutdown may interrupt it.
func (c *conn) receive() (pgproto3.FrontendMessage, error) {
	idleTimeout := c.idle && c.srv.cfg.IdleSessionTimeout > 0 && c.sess.TxStatus() == sqlrouter.TxIdle
	var deadline time.Time
	if idleTimeout {
		deadline = time.Now().Add(c.srv.cfg.IdleSessionTimeout)
	}
	if err := c.enterIdle(deadline); err != nil {
		return nil, err
	}
	msg, err := c.be.Receive()
	c.setState(stateBusy)
	if err == nil {
		c.idle = false
		return msg, nil
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout() && c.srv.shuttingDown.Load():
		return nil, c.fatal(shutdownError())
	case errors.As(err, &ne) && ne.Timeout() && idleTimeout:
		return nil, c.fatal(&pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.IdleSessionTimeout,
			Message: "terminating connection due to idle-session timeout"})
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return nil, err
	}
	var tooBig *pgproto3.ExceededMaxBodyLenErr
	if errors.As(err, &tooBig) {
		return nil, c.fatal(&pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.ProgramLimitExceeded,
			Message: "message too long", Detail: tooBig.Error()})
	}
	return nil, c.fatal(&pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.ProtocolViolation,
		Message: "invalid frontend message", Detail: err.Error(), Err: err})
}

// enterIdle marks the connection idle, unless the server is shutting down,
// and sets the read deadline under the same lock Shutdown takes, so that a
// Shutdown racing with it either sees the idle state or is seen here.
func (c *conn) enterIdle(deadline time.Time) error {
	c.mu.Lock()
	stopping := c.srv.shuttingDown.Load()
	var err error
	if !stopping {
		c.state = stateIdle
		err = c.nc.SetReadDeadline(deadline)
	}
	c.mu.Unlock()
	if stopping {
		return c.fatal(shutdownError())
	}
	return err
}

func (c *conn) setState(s connState) {
	c.mu.Lock()
	c.state = s
	c.mu.Unlock()
}

// interruptIfIdle makes a connection blocked between messages return from
// its read; Shutdown calls it.
func (c *conn) interruptIfIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == stateIdle || c.state == stateHandshake {
		c.nc.SetReadDeadline(time.Now())
	}
}

// interrupt makes every blocked read and write of the connection return.
func (c *conn) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateClosed {
		c.nc.SetDeadline(time.Now())
	}
}

func shutdownError() *pgerr.Error {
	return &pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.AdminShutdown, Message: errShutdown.Error()}
}

// beginStatement returns the context a statement runs under: canceled by a
// CancelRequest for this session, by statement_timeout, or by the server
// stopping. end must be called when the statement is over.
func (c *conn) beginStatement() (ctx context.Context, end func()) {
	ctx, cancel := context.WithCancelCause(c.ctx)
	stopTimer := context.CancelFunc(func() {})
	if c.sess != nil {
		if d := c.sess.StatementTimeout(); d > 0 {
			ctx, stopTimer = context.WithTimeoutCause(ctx, d, errStatementTimeout)
		}
	}
	c.mu.Lock()
	c.stmtCancel = cancel
	c.mu.Unlock()
	// A client that stopped reading would keep a canceled statement
	// blocked in a write forever; a past write deadline unblocks it.
	unblocked := make(chan struct{})
	stopWatch := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.nc.SetWriteDeadline(time.Now())
		c.mu.Unlock()
		close(unblocked)
	})
	return ctx, func() {
		c.mu.Lock()
		c.stmtCancel = nil
		c.mu.Unlock()
		if !stopWatch() {
			<-unblocked
			c.mu.Lock()
			c.nc.SetWriteDeadline(time.Time{})
			c.mu.Unlock()
		}
		stopTimer()
		cancel(nil)
	}
}

// cancelStatement cancels the running statement, if any.
func (c *conn) cancelStatement(cause error) {
	c.mu.Lock()
	cancel := c.stmtCancel
	c.mu.Unlock()
	if cancel != nil {
		cancel(cause)
	}
}

// statementError turns what a statement returned into the error the client
// gets. When the statement's context was canceled, the reason for it wins
// over whatever the router reported, as in PostgreSQL.
func statementError(ctx context.Context, err error) *pgerr.Error {
	if ctx.Err() != nil {
		switch cause := context.Cause(ctx); cause {
		case errUserCancel, errStatementTimeout:
			return &pgerr.Error{Severity: pgerr.SeverityError, Code: pgerr.QueryCanceled, Message: cause.Error(), Err: err}
		case errShutdown:
			e := shutdownError()
			e.Err = err
			return e
		}
	}
	return pgerr.From(err)
}
