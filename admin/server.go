package admin

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/engine"
)

// Config configures the admin API.
type Config struct {
	Logger       *slog.Logger
	Registerer   prometheus.Registerer
	Gatherer     prometheus.Gatherer
	AdminKeyHash [32]byte // SHA-256 of the admin key
	Version      string
}

// Server is the admin API's http.Handler.
type Server struct {
	cfg Config
	eng *engine.Engine
	mux *http.ServeMux
}

// New returns the admin API over the engine (and its catalog).
func New(cfg Config, eng *engine.Engine) (*Server, error) {
	s := &Server{cfg: cfg, eng: eng, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"healthy"}`))
	})
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops background work.
func (s *Server) Close() error { return nil }
