package sqlrouter

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"log/slog"
	"strings"
	"time"

	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Session is one client's SQL session: its own DuckDB connection on the
// project's instance, its transaction and its settings. wire drives it
// from one goroutine; it is not safe for concurrent use.
type Session struct {
	r       *Router
	log     *slog.Logger
	startup Startup
	who     principal
	project string
	branch  string
	// database is the name current_database() answers: what the client
	// asked for, or the user name as libpq defaults it.
	database string
	pid      int32

	in   *engine.Instance
	conn *duck.Conn

	gucs     gucState
	reported map[string]string
	notices  []Notice

	tx transaction
	// active is the portal whose DuckDB result is open on conn. DuckDB
	// has one running statement per connection, so running anything else
	// ends it (see quiesce).
	active *portal
	stmts  map[*stmt]struct{}
	// cursors are the SQL cursors: those of the open transaction block,
	// and WITH HOLD ones until they are closed.
	cursors map[string]*portal
	// prepared are the statements of SQL PREPARE, by name.
	prepared map[string]*stmt
	closed   bool

	// text is the query string of the statement being planned or run:
	// error positions are offsets into it.
	text string
	// started and activity are what pg_stat_activity shows.
	started  time.Time
	activity struct {
		query string
		start time.Time
	}
}

var _ Conn = (*Session)(nil)

func (r *Router) openSession(ctx context.Context, st Startup, who principal, project, branch string) (*Session, error) {
	in, err := r.eng.Instance(ctx, project)
	if err != nil {
		return nil, err
	}
	s := &Session{
		r: r, startup: st, who: who, project: project, branch: branch, in: in,
		gucs: newGUCState(), reported: map[string]string{}, stmts: map[*stmt]struct{}{}, started: time.Now(),
		log: r.log.With("project", project, "branch", branch, "user", st.User),
	}
	s.database = st.Database
	if s.database == "" {
		s.database = st.User
	}
	var b [4]byte
	rand.Read(b[:])
	s.pid = int32(binary.BigEndian.Uint32(b[:]) & 0x7fffffff)
	if err := s.applyStartup(); err != nil {
		return nil, err
	}
	conn, err := in.Conn()
	if err != nil {
		return nil, err
	}
	s.conn = conn
	return s, nil
}

// applyStartup applies the run-time parameters a client sent in its
// StartupMessage, including -c name=value pairs in options. Bad values
// are FATAL, as in PostgreSQL; parameters it does not know are ignored.
func (s *Session) applyStartup() error {
	apply := func(name, value string) error {
		d, ok := lookupGUC(name)
		if !ok || d.readOnly || strings.Contains(name, ".") {
			return nil
		}
		if err := s.setGUC(name, value, false, true); err != nil {
			e := *pgerr.From(err)
			e.Severity = pgerr.SeverityFatal
			return &e
		}
		return nil
	}
	for name, value := range s.startup.Params {
		if name == "options" {
			continue
		}
		if err := apply(name, value); err != nil {
			return err
		}
	}
	for _, kv := range parseOptions(s.startup.Params["options"]) {
		if err := apply(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// parseOptions reads libpq's options string: "-c a=b --c=d", with
// backslash escaping spaces.
func parseOptions(opts string) [][2]string {
	var words []string
	var cur strings.Builder
	esc, have := false, false
	for _, r := range opts {
		switch {
		case esc:
			cur.WriteRune(r)
			esc, have = false, true
		case r == '\\':
			esc = true
		case r == ' ' || r == '\t':
			if have {
				words = append(words, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if have {
		words = append(words, cur.String())
	}
	var out [][2]string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-c" && i+1 < len(words):
			i++
			w = words[i]
		case strings.HasPrefix(w, "-c"):
			w = w[2:]
		case strings.HasPrefix(w, "--"):
			w = w[2:]
		default:
			continue
		}
		if k, v, ok := strings.Cut(w, "="); ok {
			out = append(out, [2]string{strings.ReplaceAll(k, "-", "_"), v})
		}
	}
	return out
}

// Params returns the parameters to report at startup.
func (s *Session) Params() []Param {
	out := make([]Param, 0, len(reportedGUCs()))
	for _, name := range reportedGUCs() {
		v := s.mustSetting(name)
		s.reported[name] = v
		out = append(out, Param{Name: name, Value: v})
	}
	return out
}

// ChangedParams returns the reported parameters whose values changed
// since they were last reported.
func (s *Session) ChangedParams() []Param {
	var out []Param
	for _, name := range reportedGUCs() {
		v := s.mustSetting(name)
		if old, ok := s.reported[name]; !ok || old != v {
			s.reported[name] = v
			out = append(out, Param{Name: name, Value: v})
		}
	}
	return out
}

// notice queues a NoticeResponse.
func (s *Session) notice(severity string, code pgerr.Code, format string, args ...any) {
	e := pgerr.New(code, format, args...)
	s.notices = append(s.notices, Notice{Severity: severity, Code: string(code), Message: e.Message})
}

var severityRank = map[string]int{"DEBUG": 0, "LOG": 1, "INFO": 2, "NOTICE": 3, "WARNING": 4, "ERROR": 5}

// Notices returns the queued notices that client_min_messages lets
// through.
func (s *Session) Notices() []Notice {
	min := severityRank[strings.ToUpper(strings.TrimRight(s.mustSetting("client_min_messages"), "12345"))]
	var out []Notice
	for _, n := range s.notices {
		if r, ok := severityRank[n.Severity]; !ok || r >= min || n.Severity == "INFO" {
			out = append(out, n)
		}
	}
	s.notices = nil
	return out
}

// Format returns the settings that change how values are written.
func (s *Session) Format() FormatSettings {
	efd := 1
	if v, ok := s.setting("extra_float_digits"); ok {
		efd = atoiDefault(v, 1)
	}
	return FormatSettings{
		TimeZone:         s.location(),
		ExtraFloatDigits: efd,
		DateStyle:        s.mustSetting("DateStyle"),
		IntervalStyle:    s.mustSetting("IntervalStyle"),
		ByteaOutput:      s.mustSetting("bytea_output"),
	}
}

// StatementTimeout is statement_timeout; wire enforces it.
func (s *Session) StatementTimeout() time.Duration {
	d, err := parseDuration(s.mustSetting("statement_timeout"))
	if err != nil {
		return 0
	}
	return d
}

// lockTimeout bounds write lock waits: lock_timeout, else the configured
// default (0 leaves the engine's own bound).
func (s *Session) lockTimeout() time.Duration {
	d, err := parseDuration(s.mustSetting("lock_timeout"))
	if err != nil || d == 0 {
		return s.r.cfg.LockTimeout
	}
	return d
}

// isOwnDatabase reports whether a catalog qualifier names the session's
// database (PostgreSQL allows db.schema.table for the current database).
func (s *Session) isOwnDatabase(name string) bool {
	return name == s.database || name == s.project
}

// Close rolls back an open transaction and releases everything.
func (s *Session) Close() error {
	if s.closed {
		return nil
	}
	s.quiesce(nil)
	s.closeCursors(func(*portal) bool { return true })
	for st := range s.stmts {
		st.Close()
	}
	if s.tx.state != txNone {
		// Close has no context of its own: the rollback must run even
		// when the connection's context is gone.
		s.endTx(context.Background(), false)
	}
	s.closed = true
	s.conn.Close()
	return nil
}

// checkWritable refuses a write for read-only keys (42501) and in
// read-only transactions (25006).
func (s *Session) checkWritable(what string) error {
	if s.who.readOnly() {
		return denied("permission denied: the API key is read-only and cannot run %s", what)
	}
	if s.txReadOnly() {
		return errf(pgerr.ReadOnlySQLTransaction, "cannot execute %s in a read-only transaction", what)
	}
	return nil
}

func atoiDefault(s string, def int) int {
	n := 0
	neg := false
	for i, c := range s {
		if i == 0 && c == '-' {
			neg = true
			continue
		}
		if c < '0' || c > '9' {
			return def
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n
}

// branchOwns reports whether a catalog object belongs to the session's
// branch (rather than being main's, seen through a dev branch).
func (s *Session) branchOwns(branchID string) bool { return branchID == s.branch }
