package admin

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
)

// Config configures the admin API.
type Config struct {
	Logger       *slog.Logger
	Registerer   prometheus.Registerer // HTTP and inventory metrics go here
	Gatherer     prometheus.Gatherer   // what /metrics serves
	AdminKeyHash [32]byte              // SHA-256 of the admin key; zero: no admin key
	Version      string

	// IdempotencyTTL is how long a response is replayed for its
	// X-Idempotency-Key. 0 means 10 minutes.
	IdempotencyTTL time.Duration
	// IdempotencyMaxEntries bounds the responses kept for replay (oldest
	// go first). 0 means 10000.
	IdempotencyMaxEntries int
	// TempDir holds request bodies too large to keep in memory while an
	// idempotent request runs. "" means os.TempDir().
	TempDir string

	// Data tunes the Files API and async jobs (data.go).
	Data DataConfig
}

// Server is the admin API's http.Handler.
type Server struct {
	cfg     Config
	eng     *engine.Engine
	cat     catalog.Store
	log     *slog.Logger
	router  *httprouter.Router
	routes  []*route
	idem    *idempotency
	usage   *usage
	metrics *httpMetrics
	openapi []byte // the rendered /openapi.json
	// keyMu serializes revokes and rotations, so that two revokes cannot
	// each leave the other as the project's last project_admin key.
	keyMu sync.Mutex
	data  *dataServices // files, imports, exports, jobs (data.go)
}

// New returns the admin API over the engine (and its catalog).
func New(cfg Config, eng *engine.Engine) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = 10 * time.Minute
	}
	if cfg.IdempotencyMaxEntries <= 0 {
		cfg.IdempotencyMaxEntries = 10000
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	s := &Server{
		cfg: cfg, eng: eng, cat: eng.Catalog(), log: cfg.Logger,
		idem:  newIdempotency(cfg.IdempotencyTTL, cfg.IdempotencyMaxEntries, cfg.TempDir),
		usage: newUsage(),
	}
	metrics, err := newHTTPMetrics(cfg.Registerer, s)
	if err != nil {
		return nil, err
	}
	s.metrics = metrics
	s.router = httprouter.New()
	s.router.NotFound = http.HandlerFunc(s.notFound)
	s.router.MethodNotAllowed = http.HandlerFunc(s.methodNotAllowed)
	s.router.HandleOPTIONS = false
	s.registerRoutes()
	doc, err := s.renderOpenAPI()
	if err != nil {
		return nil, fmt.Errorf("admin: openapi: %w", err)
	}
	s.openapi = doc
	if err := s.initData(); err != nil {
		return nil, err
	}
	return s, nil
}

// registerRoutes lists every route of the API. Each resource's file holds
// its handlers; docs in openapi.go describes each route (a test keeps the
// two in step).
func (s *Server) registerRoutes() {
	s.handle("GET", "/health", accessPublic, s.health)
	s.handle("GET", "/metrics", accessPublic, s.serveMetrics)
	s.handle("GET", "/openapi.json", accessPublic, s.serveOpenAPI)
	s.handle("GET", "/docs", accessPublic, s.serveDocs)
	s.handle("POST", "/backend/init", accessAdmin, s.backendInit)
	s.handle("POST", "/backend/remove", accessAdmin, s.backendRemove)

	s.handle("POST", "/projects", accessAdmin, s.createProject)
	s.handle("GET", "/projects", accessAdmin, s.listProjects)
	s.handle("GET", pathProject, accessProjectRead, s.getProject)
	s.handle("PUT", pathProject, accessProjectAdmin, s.updateProject)
	s.handle("DELETE", pathProject, accessProjectAdmin, s.deleteProject)
	s.handle("GET", pathProject+"/stats", accessProjectRead, s.projectStats)

	s.handle("POST", pathProject+"/api-keys", accessProjectAdmin, s.createKey)
	s.handle("GET", pathProject+"/api-keys", accessProjectAdmin, s.listKeys)
	s.handle("GET", pathKey, accessProjectAdmin, s.getKey)
	s.handle("DELETE", pathKey, accessProjectAdmin, s.revokeKey)
	s.handle("POST", pathKey+"/rotate", accessProjectAdmin, s.rotateKey)

	s.handle("POST", pathProject+"/branches", accessProjectAdmin, s.createBranch)
	s.handle("GET", pathProject+"/branches", accessProjectRead, s.listBranches)
	s.handle("GET", pathBranch, accessBranchRead, s.getBranch)
	s.handle("DELETE", pathBranch, accessProjectAdmin, s.deleteBranch)

	s.handleBranch("POST", "/buckets", accessBranchWrite, s.createBucket)
	s.handleBranch("GET", "/buckets", accessBranchRead, s.listBuckets)
	s.handleBranch("GET", pathBucket, accessBranchRead, s.getBucket)
	s.handleBranch("DELETE", pathBucket, accessBranchWrite, s.deleteBucket)

	s.handleBranch("POST", pathBucket+"/tables", accessBranchWrite, s.createTable)
	s.handleBranch("GET", pathBucket+"/tables", accessBranchRead, s.listTables)
	s.handleBranch("GET", pathTable, accessBranchRead, s.getTable)
	s.handleBranch("DELETE", pathTable, accessBranchWrite, s.deleteTable)
	s.handleBranch("GET", pathTable+"/preview", accessBranchRead, s.previewTable)
	s.handleBranch("POST", pathTable+"/profile", accessBranchRead, s.profileTable)
	s.handleBranch("DELETE", pathTable+"/rows", accessBranchWrite, s.deleteRows)

	s.handleBranch("POST", pathTable+"/columns", accessBranchWrite, s.addColumn)
	s.handleBranch("PUT", pathTable+"/columns/:column_name", accessBranchWrite, s.alterColumn)
	s.handleBranch("DELETE", pathTable+"/columns/:column_name", accessBranchWrite, s.dropColumn)
	s.handleBranch("POST", pathTable+"/primary-key", accessBranchWrite, s.addPrimaryKey)
	s.handleBranch("DELETE", pathTable+"/primary-key", accessBranchWrite, s.dropPrimaryKey)

	s.registerDataRoutes()
}

// Route patterns. Bucket and table patterns are relative to a branch
// (handleBranch registers them under both P and B).
const (
	pathProject = "/projects/:project_id"
	pathKey     = pathProject + "/api-keys/:key_id"
	pathBranch  = pathProject + "/branches/:branch_id"
	pathBucket  = "/buckets/:bucket_name"
	pathTable   = pathBucket + "/tables/:table_name"
)

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r) }

// Close stops background work: async jobs (recorded as interrupted) and
// the file janitor.
func (s *Server) Close() error { return s.closeData() }

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, requestIDOf(r.Context()), errorf(http.StatusNotFound, "route_not_found", "no route %s %s", r.Method, r.URL.Path))
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeError(w, requestIDOf(r.Context()), errorf(http.StatusMethodNotAllowed, "method_not_allowed",
		"method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, w.Header().Get("Allow")))
}
