package sqlrouter

import (
	"crypto/rand"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
)

// Config tunes a Router.
type Config struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// ServerVersion is the PostgreSQL version the server presents, e.g.
	// "15.8". Clients pick their catalog queries by it. Default "15.8".
	ServerVersion string
	// Version is duckstore's own version, named in version().
	Version string
	// DuckDBVersion is named in version(); default engine.DuckDBVersion().
	DuckDBVersion string
	// LockTimeout is the default bound on a write lock wait when the
	// session's lock_timeout is 0; 0 keeps the engine's LockTimeout.
	LockTimeout time.Duration
	// Secret keys the fake SCRAM salts of unknown users, so that the same
	// user name gets the same salt every time. Random when empty (salts
	// then change at restart, which a prober can notice but not exploit).
	Secret []byte
	// SystemCatalog, when set, answers pg_catalog and information_schema
	// (NewPGCatalog). Without it, references to them are refused (they
	// would show DuckDB's own catalog).
	SystemCatalog *PGCatalog
	// Now is the clock for key expiry; time.Now when nil.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ServerVersion == "" {
		c.ServerVersion = "15.8"
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.DuckDBVersion == "" {
		c.DuckDBVersion = engine.DuckDBVersion()
	}
	if len(c.Secret) == 0 {
		c.Secret = make([]byte, 32)
		rand.Read(c.Secret)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Router authenticates PostgreSQL logins and opens sessions on the
// project's DuckDB instance. It implements wire's Backend. Safe for
// concurrent use.
type Router struct {
	cfg     Config
	eng     *engine.Engine
	cat     catalog.Store
	log     *slog.Logger
	metrics *metrics
	// xids numbers transactions for txid_current().
	xids atomic.Int64
}

// New returns a router over the engine and its catalog.
func New(cfg Config, eng *engine.Engine) *Router {
	cfg = cfg.withDefaults()
	return &Router{cfg: cfg, eng: eng, cat: eng.Catalog(), log: cfg.Logger, metrics: newMetrics(cfg.Registerer)}
}

// versionString is what version() returns: PostgreSQL's shape first,
// because clients parse it (SQLAlchemy reads the numbers after
// "PostgreSQL "), then what really answers.
func (r *Router) versionString() string {
	return "PostgreSQL " + r.cfg.ServerVersion + " (duckstore " + r.cfg.Version + ", DuckDB " + r.cfg.DuckDBVersion +
		") on x86_64-pc-linux-gnu, compiled by Go, 64-bit"
}
