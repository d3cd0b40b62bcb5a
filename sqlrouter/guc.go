package sqlrouter

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// Run-time parameters (PostgreSQL's GUCs) live in the session and are never
// sent to DuckDB: its configuration is locked, and its settings are not
// PostgreSQL's. Only the parameters below may be set; SET of anything else
// is refused (42501), because DuckDB settings could loosen the sandbox.
// Names with a dot (myapp.user_id) are custom placeholders, accepted as
// PostgreSQL does.

// gucDef describes one parameter.
type gucDef struct {
	name     string // canonical spelling: SHOW's column name, ParameterStatus's name
	report   bool   // GUC_REPORT: reported to the client when it changes
	readOnly bool   // SET fails with 55P02
	desc     string
	def      func(s *Session) string
	// check validates a value and returns its canonical form.
	check func(s *Session, v string) (string, error)
}

func constant(v string) func(*Session) string { return func(*Session) string { return v } }

// gucTable returns the parameters. It is a function, not a variable,
// because the definitions refer to the session, which looks them up.
func gucTable() []gucDef {
	return []gucDef{
		{name: "application_name", report: true, desc: "Sets the application name to be reported in statistics and logs.", def: constant(""), check: checkAppName},
		{name: "bytea_output", desc: "Sets the output format for bytea.", def: constant("hex"), check: checkEnum("hex", "escape")},
		{name: "client_encoding", report: true, desc: "Sets the client's character set encoding.", def: constant("UTF8"), check: checkEncoding},
		{name: "client_min_messages", desc: "Sets the message levels that are sent to the client.", def: constant("notice"),
			check: checkEnum("debug5", "debug4", "debug3", "debug2", "debug1", "debug", "log", "notice", "warning", "error")},
		{name: "DateStyle", report: true, desc: "Sets the display format for date and time values.", def: constant("ISO, MDY"), check: checkDateStyle},
		{name: "default_transaction_isolation", desc: "Sets the transaction isolation level of each new transaction.", def: constant("read committed"), check: checkIsolation},
		{name: "default_transaction_read_only", report: true, desc: "Sets the default read-only status of new transactions.", def: constant("off"), check: checkBool},
		{name: "extra_float_digits", desc: "Sets the number of digits displayed for floating-point values.", def: constant("1"), check: checkIntRange(-15, 3)},
		{name: "idle_in_transaction_session_timeout", desc: "Sets the maximum allowed idle time between queries, when in a transaction.", def: constant("0"), check: checkDuration},
		{name: "idle_session_timeout", desc: "Sets the maximum allowed idle time between queries, when not in a transaction.", def: constant("0"), check: checkDuration},
		{name: "in_hot_standby", report: true, readOnly: true, desc: "Shows whether hot standby is currently active.", def: constant("off")},
		{name: "integer_datetimes", report: true, readOnly: true, desc: "Shows whether datetimes are integer based.", def: constant("on")},
		{name: "IntervalStyle", report: true, desc: "Sets the display format for interval values.", def: constant("postgres"), check: checkEnum("postgres")},
		{name: "is_superuser", report: true, readOnly: true, desc: "Shows whether the current user is a superuser.", def: constant("off")},
		{name: "jit", desc: "Allow JIT compilation.", def: constant("off"), check: checkBool},
		{name: "lc_collate", readOnly: true, desc: "Shows the collation order locale.", def: constant("C.UTF-8")},
		{name: "lc_ctype", readOnly: true, desc: "Shows the character classification and case conversion locale.", def: constant("C.UTF-8")},
		{name: "lc_messages", desc: "Sets the language in which messages are displayed.", def: constant("C.UTF-8"), check: checkAny},
		{name: "lc_monetary", desc: "Sets the locale for formatting monetary amounts.", def: constant("C.UTF-8"), check: checkAny},
		{name: "lc_numeric", desc: "Sets the locale for formatting numbers.", def: constant("C.UTF-8"), check: checkAny},
		{name: "lc_time", desc: "Sets the locale for formatting date and time values.", def: constant("C.UTF-8"), check: checkAny},
		{name: "lock_timeout", desc: "Sets the maximum allowed duration of any wait for a lock.", def: constant("0"), check: checkDuration},
		{name: "maintenance_work_mem", desc: "Sets the maximum memory to be used for maintenance operations.", def: constant("64MB"), check: checkAny},
		{name: "max_identifier_length", readOnly: true, desc: "Shows the maximum identifier length.", def: constant("63")},
		{name: "max_parallel_workers_per_gather", desc: "Sets the maximum number of parallel processes per executor node.", def: constant("2"), check: checkIntRange(0, 1024)},
		{name: "role", desc: "Sets the current role.", def: constant("none"), check: checkRole},
		{name: "row_security", desc: "Enable row security.", def: constant("on"), check: checkBool},
		{name: "search_path", desc: "Sets the schema search order for names that are not schema-qualified.", def: constant(`"$user", public`), check: checkSearchPath},
		{name: "server_encoding", report: true, readOnly: true, desc: "Shows the server (database) character set encoding.", def: constant("UTF8")},
		{name: "server_version", report: true, readOnly: true, desc: "Shows the server version.", def: func(s *Session) string { return s.r.cfg.ServerVersion }},
		{name: "server_version_num", readOnly: true, desc: "Shows the server version as an integer.", def: func(s *Session) string { return versionNum(s.r.cfg.ServerVersion) }},
		{name: "session_authorization", report: true, desc: "Sets the session user name.", def: func(s *Session) string { return s.startup.User }, check: checkSessionAuthorization},
		{name: "standard_conforming_strings", report: true, desc: "Causes '...' strings to treat backslashes literally.", def: constant("on"), check: checkEnum("on")},
		{name: "statement_timeout", desc: "Sets the maximum allowed duration of any statement.", def: constant("0"), check: checkDuration},
		{name: "synchronous_commit", desc: "Sets the current transaction's synchronization level.", def: constant("on"), check: checkEnum("on", "off", "local", "remote_write", "remote_apply")},
		{name: "TimeZone", report: true, desc: "Sets the time zone for displaying and interpreting time stamps.", def: constant("UTC"), check: checkTimeZone},
		{name: "transaction_isolation", desc: "Sets the current transaction's isolation level.", def: func(s *Session) string { return s.txIsolation() }, check: checkIsolation},
		{name: "transaction_read_only", desc: "Sets the current transaction's read-only status.", def: func(s *Session) string { return onOff(s.txReadOnly()) }, check: checkBool},
		{name: "work_mem", desc: "Sets the maximum memory to be used for query workspaces.", def: constant("4MB"), check: checkAny},
	}
}

var (
	gucOnce  sync.Once
	gucList  []gucDef
	gucIndex map[string]*gucDef
	// reported are the parameters PostgreSQL 15 reports (GUC_REPORT).
	reported []string
)

// gucs returns the parameters by lower-case name.
func gucs() map[string]*gucDef {
	gucOnce.Do(func() {
		gucList = gucTable()
		gucIndex = make(map[string]*gucDef, len(gucList))
		for i := range gucList {
			gucIndex[strings.ToLower(gucList[i].name)] = &gucList[i]
			if gucList[i].report {
				reported = append(reported, gucList[i].name)
			}
		}
	})
	return gucIndex
}

// reportedGUCs lists the GUC_REPORT parameters.
func reportedGUCs() []string {
	gucs()
	return reported
}

// gucState holds a session's parameter values by lower-case name. The
// effective value is the first of: SET LOCAL, SET, startup, default.
type gucState struct {
	startup map[string]string
	session map[string]string
	local   map[string]string
	// saved is the session map at BEGIN: ROLLBACK restores it, since
	// PostgreSQL undoes SETs of an aborted transaction.
	saved map[string]string
	// ver changes with every value change; plans that read settings
	// compare it.
	ver uint64

	tzName string
	tzLoc  *time.Location
}

func newGUCState() gucState {
	return gucState{startup: map[string]string{}, session: map[string]string{}, local: map[string]string{}, ver: 1}
}

// lookup returns the definition of a parameter, or a custom placeholder
// definition for a dotted name.
func lookupGUC(name string) (*gucDef, bool) {
	name = strings.ToLower(name)
	if d, ok := gucs()[name]; ok {
		return d, true
	}
	if strings.Contains(name, ".") {
		return &gucDef{name: name, desc: "Custom placeholder variable.", def: constant(""), check: checkAny}, true
	}
	return nil, false
}

// setting returns a parameter's effective value; ok is false for unknown
// names (and unset custom placeholders, as in PostgreSQL).
func (s *Session) setting(name string) (string, bool) {
	key := strings.ToLower(name)
	if v, ok := s.gucs.local[key]; ok {
		return v, true
	}
	if v, ok := s.gucs.session[key]; ok {
		return v, true
	}
	if v, ok := s.gucs.startup[key]; ok {
		return v, true
	}
	d, ok := gucs()[key]
	if !ok {
		return "", false
	}
	return d.def(s), true
}

// mustSetting is setting for a built-in parameter.
func (s *Session) mustSetting(name string) string {
	v, _ := s.setting(name)
	return v
}

// setGUC validates and sets a parameter. local limits it to the current
// transaction; startup records it as the value RESET returns to.
func (s *Session) setGUC(name, value string, local, startup bool) error {
	d, ok := lookupGUC(name)
	if !ok {
		return denied("permission denied to set parameter %q", name)
	}
	if d.readOnly {
		return errf(codeCantChangeRuntimeParam, "parameter %q cannot be changed", d.name)
	}
	v, err := d.check(s, value)
	if err != nil {
		return invalidValue(d.name, value, err)
	}
	key := strings.ToLower(d.name)
	switch {
	case startup:
		s.gucs.startup[key] = v
	case local:
		s.gucs.local[key] = v
	default:
		s.gucs.session[key] = v
		delete(s.gucs.local, key)
	}
	s.gucs.ver++
	return nil
}

// resetGUC returns a parameter to its startup or default value.
func (s *Session) resetGUC(name string, local bool) error {
	d, ok := lookupGUC(name)
	if !ok {
		return denied("permission denied to set parameter %q", name)
	}
	if d.readOnly {
		return errf(codeCantChangeRuntimeParam, "parameter %q cannot be changed", d.name)
	}
	key := strings.ToLower(d.name)
	if local {
		if v, ok := s.gucs.startup[key]; ok {
			s.gucs.local[key] = v
		} else {
			s.gucs.local[key] = d.def(s)
		}
	} else {
		delete(s.gucs.session, key)
		delete(s.gucs.local, key)
	}
	s.gucs.ver++
	return nil
}

// resetAllGUCs is RESET ALL (and part of DISCARD ALL).
func (s *Session) resetAllGUCs() {
	s.gucs.session = map[string]string{}
	s.gucs.local = map[string]string{}
	s.gucs.ver++
}

// gucTxBegin, gucTxEnd give SET its transactional behaviour: SET LOCAL
// lasts to the end of the transaction, and a rolled back transaction
// undoes its SETs.
func (s *Session) gucTxBegin() {
	s.gucs.saved = make(map[string]string, len(s.gucs.session))
	for k, v := range s.gucs.session {
		s.gucs.saved[k] = v
	}
}

func (s *Session) gucTxEnd(commit bool) {
	if !commit && s.gucs.saved != nil {
		s.gucs.session = s.gucs.saved
	}
	s.gucs.saved = nil
	s.gucs.local = map[string]string{}
	s.gucs.ver++
}

// showAll lists every built-in parameter with its value and description,
// ordered by name, as SHOW ALL does.
func (s *Session) showAll() [][]string {
	gucs()
	rows := make([][]string, 0, len(gucList))
	for _, d := range gucList {
		rows = append(rows, []string{d.name, s.mustSetting(d.name), d.desc})
	}
	sort.Slice(rows, func(i, j int) bool { return strings.ToLower(rows[i][0]) < strings.ToLower(rows[j][0]) })
	return rows
}

// location returns the session's time zone, loaded once per value.
func (s *Session) location() *time.Location {
	name := s.mustSetting("TimeZone")
	if s.gucs.tzLoc != nil && s.gucs.tzName == name {
		return s.gucs.tzLoc
	}
	loc, err := parseTimeZone(name)
	if err != nil {
		loc = time.UTC
	}
	s.gucs.tzName, s.gucs.tzLoc = name, loc
	return loc
}
