package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
)

// access is what a route requires of the caller; see authorize for how
// each key scope meets it.
type access int

const (
	accessPublic       access = iota // no credentials
	accessAdmin                      // the admin key only
	accessProjectAdmin               // the admin key or a project_admin key of the project
	accessProjectRead                // any key of the project
	accessBranchRead                 // a key that may read the route's branch
	accessBranchWrite                // a key that may write the route's branch
)

var accessNames = [...]string{"public", "admin", "project_admin", "project_read", "branch_read", "branch_write"}

func (a access) String() string { return accessNames[a] }

// handlerFunc handles one request. It writes its answer through c, or
// returns an error that the route wrapper answers (see toAPIError).
type handlerFunc func(c *call) error

// route is one registered method and pattern.
type route struct {
	method  string
	pattern string // httprouter syntax, e.g. /projects/:project_id
	access  access
	// defaultBranch marks the twin of a branch route registered without
	// /branches/:branch_id: it acts on the main branch.
	defaultBranch bool
	h             handlerFunc
}

// handle registers h for method and pattern, behind authentication,
// authorization, idempotency and the project and branch lookups that the
// pattern's :project_id and :branch_id call for.
func (s *Server) handle(method, pattern string, acc access, h handlerFunc) {
	s.add(&route{method: method, pattern: pattern, access: acc, h: h})
}

// handleBranch registers a route in both forms: under
// /projects/:project_id/branches/:branch_id (where branch "default" is
// main) and under /projects/:project_id, which acts on main.
func (s *Server) handleBranch(method, rest string, acc access, h handlerFunc) {
	s.add(&route{method: method, pattern: pathBranch + rest, access: acc, h: h})
	s.add(&route{method: method, pattern: pathProject + rest, access: acc, h: h, defaultBranch: true})
}

func (s *Server) add(rt *route) {
	s.routes = append(s.routes, rt)
	s.router.Handle(rt.method, rt.pattern, func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		s.serveRoute(rt, w, r, ps)
	})
}

// call is one request on its way through a route: who sent it, the
// project and branch it addresses, and how to answer.
type call struct {
	s   *Server
	w   http.ResponseWriter
	r   *http.Request
	ps  httprouter.Params
	rt  *route
	id  string // request id
	log *slog.Logger
	who *principal

	projectID string           // the :project_id as given
	project   *catalog.Project // set by resolve when the route has :project_id
	// branch is catalog.MainBranch or a dev branch id on branch routes.
	branch string
}

func (c *call) ctx() context.Context { return c.r.Context() }

// param returns a path parameter.
func (c *call) param(name string) string { return c.ps.ByName(name) }

// json answers v with status.
func (c *call) json(status int, v any) error {
	writeJSON(c.w, status, v)
	return nil
}

// noContent answers 204.
func (c *call) noContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// fail answers err and logs it: server errors with their cause, client
// errors at debug level.
func (c *call) fail(err error) {
	e := writeError(c.w, c.id, err)
	if e.Status >= 500 {
		c.log.Error("request failed", "status", e.Status, "error", e.Code, "err", err)
	} else {
		c.log.Debug("request refused", "status", e.Status, "error", e.Code, "msg", e.Message)
	}
}

// serveRoute runs a matched route: authenticate, authorize, then (through
// the idempotency cache for keyed writes) resolve the project and branch
// and run the handler.
func (s *Server) serveRoute(rt *route, w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	info := infoOf(r.Context())
	info.route = rt.pattern
	c := &call{s: s, w: w, r: r, ps: ps, rt: rt, id: info.id, log: info.log, projectID: ps.ByName("project_id")}
	c.branch = branchOf(rt, ps)
	if rt.access != accessPublic {
		who, err := s.authenticate(r)
		if err != nil {
			c.fail(err)
			return
		}
		c.who = who
		info.who = who.String()
		c.log = c.log.With("principal", info.who)
		if err := authorize(who, rt.access, c.projectID, c.branch); err != nil {
			c.fail(err)
			return
		}
	}
	run := func(c *call) {
		err := s.resolve(c)
		if err == nil {
			err = rt.h(c)
		}
		if err != nil {
			c.fail(err)
		}
	}
	if key := r.Header.Get(idempotencyHeader); key != "" && isWrite(r.Method) && c.who != nil {
		s.idem.serve(c, key, run)
		return
	}
	run(c)
}

// branchOf is the branch a route addresses: main for the default-branch
// twins and for "default" (or "main"), else the :branch_id as given
// (resolve validates it).
func branchOf(rt *route, ps httprouter.Params) string {
	if rt.defaultBranch {
		return catalog.MainBranch
	}
	b := ps.ByName("branch_id")
	switch b {
	case "":
		return ""
	case "default", catalog.MainBranch:
		return catalog.MainBranch
	}
	return b
}

// resolve checks the route's project and branch: valid ids (400) that
// exist (404).
func (s *Server) resolve(c *call) error {
	if c.projectID == "" {
		return nil
	}
	if err := engine.ValidateID("project", c.projectID); err != nil {
		return err
	}
	p, err := s.cat.Project(c.ctx(), c.projectID)
	if errors.Is(err, catalog.ErrNotFound) {
		return errNotFound("project", c.projectID)
	}
	if err != nil {
		return err
	}
	c.project = p
	if c.branch == "" || c.branch == catalog.MainBranch {
		return nil
	}
	if err := engine.ValidateID("branch", c.branch); err != nil {
		return err
	}
	if _, err := s.cat.Branch(c.ctx(), c.projectID, c.branch); errors.Is(err, catalog.ErrNotFound) {
		return errNotFound("branch", c.branch)
	} else if err != nil {
		return err
	}
	return nil
}

func isWrite(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodDelete
}

// requestInfo is what the outermost layer learns about a request as it
// goes: its id, logger, the matched route pattern and the principal.
type requestInfo struct {
	id    string
	log   *slog.Logger
	route string
	who   string
}

type infoKey struct{}

func infoOf(ctx context.Context) *requestInfo {
	if i, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return i
	}
	return &requestInfo{log: slog.New(slog.DiscardHandler)}
}

func requestIDOf(ctx context.Context) string { return infoOf(ctx).id }

// serve is the outermost layer: request id, panic recovery, metrics and
// the access log around the router.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := requestID(r)
	info := &requestInfo{id: id, route: "unmatched", log: s.log.With("request_id", id)}
	w.Header().Set("X-Request-Id", id)
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			info.log.Error("panic serving request", "panic", v, "stack", string(debug.Stack()))
			if !sw.wrote {
				writeError(sw, id, internalError(nil))
			}
		}
		d := time.Since(start)
		s.metrics.observe(r.Method, info.route, sw.status(), d)
		level := slog.LevelInfo
		if info.route == "/health" || info.route == "/metrics" {
			level = slog.LevelDebug
		}
		info.log.Log(r.Context(), level, "http request", "method", r.Method, "route", info.route,
			"path", r.URL.Path, "status", sw.status(), "bytes", sw.bytes, "duration_ms", d.Milliseconds(),
			"principal", info.who)
	}()
	s.router.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), infoKey{}, info)))
}

// requestID keeps a client's X-Request-Id when it is short and plain,
// else makes one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && strings.Trim(id,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == "" {
		return id
	}
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	code  int
	bytes int64
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) status() int {
	if !w.wrote {
		return http.StatusOK
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes streaming responses through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
