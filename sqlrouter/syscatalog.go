package sqlrouter

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/sqlrouter/pgcatalog"
)

// PGCatalog is PostgreSQL's pg_catalog and information_schema for the
// router's sessions, built by package pgcatalog into in-memory databases
// attached to each project's DuckDB instance:
//
//   - one static database per instance holds PostgreSQL's built-in rows
//     (pgcatalog.BuildStatic, about 170 ms, on the instance's first
//     catalog query);
//   - one catalog per branch, user, database and read-only flag holds the
//     snapshot's relations (pgcatalog.BuildShared) and is shared by every
//     session that matches. It is built when a statement first references
//     the catalog, never at connect or for ordinary queries; when a
//     statement references it after the catalog generation moved, its rows
//     are replaced in place (pgcatalog.Reload, about a third of a build).
//     One that no plan used for idleCatalog is detached;
//   - what depends on the session (search path, settings, cursors,
//     prepared statements, pg_stat_activity) is loaded into the shared
//     catalog by pgcatalog.UpdateSession, under the catalog's lock, only
//     when the statement about to run reads a part that differs from what
//     is loaded (session.go's catalogSession). Statements that read such
//     parts run to completion under that lock, their rows buffered, so a
//     client that leaves a portal suspended never holds it.
//
// The router rewrites statements onto it (syscatalog_rewrite.go). A
// session sees exactly its project and branch: the snapshot comes from
// the engine's branch-aware resolver, and another project's catalog lives
// in another instance.
type PGCatalog struct {
	log   *slog.Logger
	start time.Time

	mu    sync.Mutex
	insts map[string]*instCatalog // by project
}

// NewPGCatalog returns the system catalog for Config.SystemCatalog.
func NewPGCatalog(log *slog.Logger) *PGCatalog {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &PGCatalog{log: log, start: time.Now(), insts: map[string]*instCatalog{}}
}

// instCatalog is the catalog state of one project instance.
type instCatalog struct {
	pc *PGCatalog
	in *engine.Instance

	// mu guards everything below and is held while a catalog is built, so
	// that concurrent first queries build it once.
	mu     sync.Mutex
	conn   *duck.Conn // builds and detaches
	static string     // the BuildStatic database, "" until built
	slots  map[slotKey]*catalogSlot
}

// aliasSeq numbers the databases catalogs are attached as, unique in the
// process: a test may give one instance several PGCatalogs.
var aliasSeq atomic.Int64

// slotKey is what a shared catalog is built for, besides the generation.
type slotKey struct {
	branch, user, database string
	readOnly               bool
}

// catalogSlot is one built catalog.
type catalogSlot struct {
	ic    *instCatalog
	key   slotKey
	gen   uint64
	alias string
	// snap is the snapshot without its tables (UpdateSession needs the
	// buckets, user and database only).
	snap pgcatalog.Snapshot

	refs     int       // guarded by ic.mu: plans and statements using it
	lastUsed time.Time // guarded by ic.mu

	// sem is the catalog's lock: held while the session state is loaded
	// and a statement that reads it runs. A channel, so waiting for it
	// respects the statement's context.
	sem    chan struct{}
	conn   *duck.Conn // runs UpdateSession; used only under sem
	loaded [numParts]string
}

// acquire returns the catalog the session reads now, building it if the
// catalog generation moved, with a reference the caller must release.
func (pc *PGCatalog) acquire(ctx context.Context, s *Session) (*catalogSlot, error) {
	ic := pc.instance(s.in)
	key := slotKey{branch: s.branch, user: s.startup.User, database: s.database, readOnly: s.who.readOnly()}
	// The generation is read before the snapshot: a change racing with the
	// build leaves the catalog marked older, so it is rebuilt next time.
	gen := s.r.cat.Generation(s.project)
	ic.mu.Lock()
	defer ic.mu.Unlock()
	ic.evictIdle(key)
	sl := ic.slots[key]
	switch {
	case sl == nil:
		var err error
		if sl, err = ic.build(ctx, s, key, gen); err != nil {
			return nil, err
		}
		ic.slots[key] = sl
	case sl.gen != gen:
		if err := sl.reload(ctx, s, gen); err != nil {
			return nil, err
		}
	}
	sl.refs++
	sl.lastUsed = time.Now()
	return sl, nil
}

// reload replaces the catalog's rows with the session's current snapshot.
// ic.mu is held.
func (sl *catalogSlot) reload(ctx context.Context, s *Session, gen uint64) error {
	start := time.Now()
	snap, err := catalogSnapshot(ctx, s)
	if err != nil {
		return err
	}
	snap.Session = s.catalogSession()
	err = sl.locked(func() error {
		if err := pgcatalog.Reload(ctx, sl.conn, sl.alias, sl.ic.static, snap); err != nil {
			sl.loaded = [numParts]string{} // whatever it holds now, it is not known
			return catalogError(err)
		}
		sl.gen, sl.loaded = gen, fingerprints(&snap.Session)
		return nil
	})
	sl.ic.pc.log.Debug("system catalog reloaded", "project", s.project, "branch", sl.key.branch, "generation", gen,
		"tables", len(snap.Tables), "took", time.Since(start), "err", err)
	return err
}

// idleCatalog is how long a catalog no plan uses stays attached: a
// deleted branch's, or one for a user name nobody logs in with anymore.
const idleCatalog = 10 * time.Minute

// evictIdle detaches catalogs other than keep's that no plan uses and that
// were not used for idleCatalog. ic.mu is held.
func (ic *instCatalog) evictIdle(keep slotKey) {
	for key, sl := range ic.slots {
		if key == keep || sl.refs > 0 || time.Since(sl.lastUsed) < idleCatalog {
			continue
		}
		delete(ic.slots, key)
		sl.conn.Close()
		if _, err := ic.conn.Exec(context.Background(), "DETACH "+sl.alias); err != nil {
			ic.pc.log.Warn("could not detach an idle system catalog", "alias", sl.alias, "err", err)
		}
	}
}

// retain takes another reference.
func (sl *catalogSlot) retain() {
	sl.ic.mu.Lock()
	sl.refs++
	sl.ic.mu.Unlock()
}

// release drops a reference taken by acquire or retain.
func (sl *catalogSlot) release() {
	ic := sl.ic
	ic.mu.Lock()
	defer ic.mu.Unlock()
	sl.refs--
	sl.lastUsed = time.Now()
}

// instance returns the catalog state of the session's instance; a project
// whose instance was closed and opened again starts afresh.
func (pc *PGCatalog) instance(in *engine.Instance) *instCatalog {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	ic := pc.insts[in.Project()]
	if ic == nil || ic.in != in {
		ic = &instCatalog{pc: pc, in: in, slots: map[slotKey]*catalogSlot{}}
		pc.insts[in.Project()] = ic
	}
	return ic
}

// build makes the catalog of one branch and generation. ic.mu is held.
func (ic *instCatalog) build(ctx context.Context, s *Session, key slotKey, gen uint64) (*catalogSlot, error) {
	start := time.Now()
	if ic.conn == nil {
		conn, err := ic.in.Conn()
		if err != nil {
			return nil, err
		}
		ic.conn = conn
	}
	if ic.static == "" {
		static := "pgc_static" + strconv.FormatInt(aliasSeq.Add(1), 10)
		if _, err := ic.conn.Exec(ctx, "ATTACH ':memory:' AS "+static); err != nil {
			return nil, catalogError(err)
		}
		if err := pgcatalog.BuildStatic(ctx, ic.conn, static); err != nil {
			ic.conn.Exec(context.WithoutCancel(ctx), "DETACH "+static)
			return nil, catalogError(err)
		}
		ic.static = static
	}
	snap, err := catalogSnapshot(ctx, s)
	if err != nil {
		return nil, err
	}
	alias := "pgc_" + strconv.FormatInt(aliasSeq.Add(1), 10)
	if _, err := ic.conn.Exec(ctx, "ATTACH ':memory:' AS "+alias); err != nil {
		return nil, catalogError(err)
	}
	snap.Session = s.catalogSession()
	if err := pgcatalog.BuildShared(ctx, ic.conn, alias, ic.static, snap); err != nil {
		ic.conn.Exec(context.WithoutCancel(ctx), "DETACH "+alias)
		return nil, catalogError(err)
	}
	conn, err := ic.in.Conn()
	if err != nil {
		ic.conn.Exec(context.WithoutCancel(ctx), "DETACH "+alias)
		return nil, err
	}
	sl := &catalogSlot{ic: ic, key: key, gen: gen, alias: alias, sem: make(chan struct{}, 1), conn: conn}
	sl.snap = *snap
	sl.snap.Tables = nil
	sl.loaded = fingerprints(&snap.Session)
	ic.pc.log.Debug("system catalog built", "project", s.project, "branch", key.branch, "generation", gen,
		"tables", len(snap.Tables), "took", time.Since(start))
	return sl, nil
}

// catalogError reports a failure to build the catalog: an internal error,
// not the client's.
func catalogError(err error) error {
	return fmt.Errorf("system catalog: %w", engine.Error(err))
}

// catalogSnapshot is what the session may see, as pgcatalog shows it: the
// buckets and tables of its project and branch.
func catalogSnapshot(ctx context.Context, s *Session) (*pgcatalog.Snapshot, error) {
	buckets, err := s.r.eng.Buckets(ctx, s.project, s.branch)
	if err != nil {
		return nil, err
	}
	tables, err := s.r.eng.Tables(ctx, s.project, s.branch, "")
	if err != nil {
		return nil, err
	}
	ro := s.who.readOnly()
	snap := &pgcatalog.Snapshot{Database: s.database, User: s.startup.User, HidePublic: true}
	ids := make(map[string]int64, len(buckets))
	for _, b := range buckets {
		if shadowedBucket(b.Name) {
			// PostgreSQL reserves these schema names; such a bucket is
			// reachable by its folded alias only.
			continue
		}
		ids[b.Name] = b.ID
		pb := pgcatalog.BucketFromCatalog(b)
		pb.ReadOnly = ro
		snap.Buckets = append(snap.Buckets, pb)
	}
	snap.Tables = make([]pgcatalog.Table, 0, len(tables))
	for _, t := range tables {
		id, ok := ids[t.Bucket]
		if !ok {
			continue
		}
		pt := pgcatalog.TableFromCatalog(t, id)
		// Row counts are unknown until ANALYZE in PostgreSQL too (-1).
		pt.Bytes = s.r.eng.FileSize(t)
		pt.ReadOnly = ro
		snap.Tables = append(snap.Tables, pt)
	}
	return snap, nil
}

func shadowedBucket(name string) bool {
	return name == "information_schema" || len(name) >= 3 && name[:3] == "pg_"
}

// catalogParts are the parts of a session's state the catalog shows; a
// statement needs the ones it reads loaded (see catalogSlot.run).
type catalogPart int

const (
	partPath     catalogPart = iota // search_path: visibility, reg* names
	partSettings                    // pg_settings
	partActivity                    // pg_stat_activity
	partCursors                     // pg_cursors
	partPrepared                    // pg_prepared_statements
	numParts
)

// catalogNeeds is a set of parts.
type catalogNeeds uint8

func (n catalogNeeds) has(p catalogPart) bool { return n&(1<<p) != 0 }

// run runs fn under the catalog's lock with the session state the
// statement reads loaded: UpdateSession runs only when a needed part
// differs from what the catalog holds.
func (sl *catalogSlot) run(ctx context.Context, s *Session, needs catalogNeeds, fn func() error) error {
	select {
	case sl.sem <- struct{}{}:
	case <-ctx.Done():
		return clientError(ctx, ctx.Err(), nil)
	}
	defer func() { <-sl.sem }()
	sess := s.catalogSession()
	fp := fingerprints(&sess)
	stale := false
	for p := catalogPart(0); p < numParts; p++ {
		if needs.has(p) && fp[p] != sl.loaded[p] {
			stale = true
		}
	}
	if stale {
		snap := sl.snap
		snap.Session = sess
		if err := pgcatalog.UpdateSession(ctx, sl.conn, sl.alias, &snap); err != nil {
			return catalogError(err)
		}
		sl.loaded = fp
	}
	return fn()
}

// locked runs fn under the catalog's lock, without loading session state:
// what runs on the catalog's connection (prepare, bind, close) needs it.
func (sl *catalogSlot) locked(fn func() error) error {
	sl.sem <- struct{}{}
	defer func() { <-sl.sem }()
	return fn()
}
