package sqlrouter

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/duckstore/duckstore/wire/pgerr"
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

// badValue is what a check returns for a value it refuses; setGUC turns
// it into PostgreSQL's "invalid value for parameter" error.
type badValue string

func (b badValue) Error() string { return string(b) }

func invalidValue(name, value string, err error) error {
	var bv badValue
	if !errors.As(err, &bv) {
		return err
	}
	e := errf(pgerr.InvalidParameterValue, "invalid value for parameter %q: %q", name, value)
	if bv != "" {
		e = e.WithDetail("%s", string(bv))
	}
	return e
}

func checkAny(_ *Session, v string) (string, error) { return v, nil }

func checkAppName(_ *Session, v string) (string, error) {
	// PostgreSQL keeps NAMEDATALEN-1 bytes, without cutting a character.
	for len(v) > 63 {
		v = v[:len(v)-1]
		for len(v) > 0 && v[len(v)-1]&0xC0 == 0x80 {
			v = v[:len(v)-1]
		}
		if len(v) > 0 && v[len(v)-1]&0x80 != 0 {
			v = v[:len(v)-1]
		}
	}
	return v, nil
}

func checkEnum(values ...string) func(*Session, string) (string, error) {
	return func(s *Session, v string) (string, error) {
		for _, ok := range values {
			if strings.EqualFold(strings.TrimSpace(v), ok) {
				return ok, nil
			}
		}
		return "", badValue("Available values: " + strings.Join(values, ", ") + ".")
	}
}

func checkBool(_ *Session, v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "yes", "1", "t", "y":
		return "on", nil
	case "off", "false", "no", "0", "f", "n":
		return "off", nil
	}
	return "", errf(pgerr.InvalidParameterValue, "parameter requires a Boolean value")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func checkIntRange(lo, hi int) func(*Session, string) (string, error) {
	return func(_ *Session, v string) (string, error) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return "", errf(pgerr.InvalidParameterValue, "invalid value for integer parameter: %q", v)
		}
		if n < lo || n > hi {
			return "", errf(pgerr.InvalidParameterValue, "%d is outside the valid range (%d .. %d)", n, lo, hi)
		}
		return strconv.Itoa(n), nil
	}
}

func checkEncoding(_ *Session, v string) (string, error) {
	norm := strings.ToUpper(strings.NewReplacer("-", "", "_", "", " ", "").Replace(v))
	switch norm {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	case "SQLASCII":
		// What libpq sends from a C locale; PostgreSQL then passes bytes
		// through unconverted, which is what duckstore does anyway.
		return "SQL_ASCII", nil
	}
	return "", badValue("duckstore speaks UTF8 only.")
}

func checkIsolation(_ *Session, v string) (string, error) {
	switch l := strings.ToLower(strings.Join(strings.Fields(v), " ")); l {
	case "read uncommitted", "read committed", "repeatable read", "serializable":
		return l, nil
	case "default":
		return "read committed", nil
	}
	return "", badValue("")
}

func checkRole(s *Session, v string) (string, error) {
	if strings.EqualFold(v, "none") || v == s.startup.User {
		return "none", nil
	}
	return "", errf(pgerr.InvalidParameterValue, "role %q does not exist", v)
}

func checkSessionAuthorization(s *Session, v string) (string, error) {
	if strings.EqualFold(v, "default") || v == s.startup.User {
		return s.startup.User, nil
	}
	return "", denied("permission denied to set session authorization")
}

// checkDateStyle accepts PostgreSQL's DateStyle syntax (an output style
// and a field order, either optional) but only the ISO output style,
// which is the only one values are written in.
func checkDateStyle(s *Session, v string) (string, error) {
	style, order := "ISO", "MDY"
	if cur, ok := s.setting("DateStyle"); ok {
		if _, o, found := strings.Cut(cur, ", "); found {
			order = o
		}
	}
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		switch strings.ToUpper(tok) {
		case "ISO":
			style = "ISO"
		case "MDY", "US", "NONEURO", "NONEUROPEAN":
			order = "MDY"
		case "DMY", "EURO", "EUROPEAN":
			order = "DMY"
		case "YMD":
			order = "YMD"
		case "DEFAULT":
			style, order = "ISO", "MDY"
		case "SQL", "POSTGRES", "GERMAN":
			return "", badValue("duckstore writes dates in the ISO style only.")
		default:
			return "", badValue(`Unrecognized key word: "` + tok + `".`)
		}
	}
	return style + ", " + order, nil
}

func checkTimeZone(_ *Session, v string) (string, error) {
	v = strings.TrimSpace(v)
	loc, err := parseTimeZone(v)
	if err != nil {
		return "", badValue("")
	}
	return loc.String(), nil
}

// parseTimeZone reads a TimeZone value: an IANA name (any letter case),
// UTC/GMT, or a POSIX-style offset such as "+02", "UTC-5" or "GMT+03:30",
// which, as in PostgreSQL, counts hours west of Greenwich.
func parseTimeZone(v string) (*time.Location, error) {
	switch strings.ToUpper(v) {
	case "UTC", "GMT", "Z", "ZULU", "UCT", "UNIVERSAL", "ETC/UTC":
		return time.UTC, nil
	}
	if name, rest, ok := strings.Cut(v, ">"); ok && strings.HasPrefix(name, "<") {
		// A POSIX zone with a quoted name, as SHOW TimeZone writes fixed
		// offsets: <+02>-02.
		v = rest
	}
	if off, ok := posixOffset(v); ok {
		return time.FixedZone(posixZoneName(off), off), nil
	}
	if loc, err := time.LoadLocation(v); err == nil && v != "" && v != "Local" {
		return loc, nil
	}
	if loc, err := time.LoadLocation(titleZone(v)); err == nil {
		return loc, nil
	}
	return nil, fmt.Errorf("unknown time zone %q", v)
}

// posixOffset parses [UTC|GMT](+|-)hh[:mm[:ss]] as seconds east of UTC.
func posixOffset(v string) (int, bool) {
	u := strings.ToUpper(v)
	u = strings.TrimPrefix(strings.TrimPrefix(u, "UTC"), "GMT")
	if u == "" || (u[0] != '+' && u[0] != '-' && (u[0] < '0' || u[0] > '9')) {
		return 0, false
	}
	sign := -1 // POSIX: positive means west
	if u[0] == '-' {
		sign = 1
	}
	u = strings.TrimLeft(u, "+-")
	parts := strings.Split(u, ":")
	if len(parts) > 3 {
		return 0, false
	}
	secs := 0
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || (i > 0 && n >= 60) || (i == 0 && n > 15) {
			return 0, false
		}
		secs += n * []int{3600, 60, 1}[i]
	}
	return sign * secs, true
}

// numericTimeZone is SET TIME ZONE <number>: hours east of UTC (ISO sign).
func numericTimeZone(hours float64) (string, error) {
	if hours < -15 || hours > 15 {
		return "", errf(pgerr.InvalidParameterValue, "invalid value for parameter \"TimeZone\": \"%g\"", hours)
	}
	off := int(hours * 3600)
	return posixZoneName(off), nil
}

// posixZoneName writes a fixed offset as PostgreSQL shows it: <+02>-02.
func posixZoneName(off int) string {
	if off == 0 {
		return "UTC"
	}
	sign, posix := "+", "-"
	a := off
	if off < 0 {
		sign, posix, a = "-", "+", -off
	}
	h, m := a/3600, a%3600/60
	hm := fmt.Sprintf("%02d", h)
	if m != 0 {
		hm += fmt.Sprintf(":%02d", m)
	}
	return "<" + sign + hm + ">" + posix + hm
}

// titleZone capitalizes each part of a zone name: europe/prague → Europe/Prague.
func titleZone(v string) string {
	b := []byte(strings.ToLower(v))
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '/' || c == '_' || c == '-'
	}
	return string(b)
}

// checkDuration accepts an integer (milliseconds) or a number with a unit
// and writes it as PostgreSQL's SHOW does: "0", "500ms", "5s", "2min".
func checkDuration(_ *Session, v string) (string, error) {
	d, err := parseDuration(v)
	if err != nil {
		return "", err
	}
	return formatDuration(d), nil
}

func parseDuration(v string) (time.Duration, error) {
	t := strings.TrimSpace(v)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.' || (i == 0 && t[i] == '-')) {
		i++
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	if err != nil || n < 0 {
		return 0, errf(pgerr.InvalidParameterValue, "invalid value for parameter: %q", v)
	}
	unit := map[string]time.Duration{"": time.Millisecond, "us": time.Microsecond, "ms": time.Millisecond,
		"s": time.Second, "min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	u, ok := unit[strings.TrimSpace(t[i:])]
	if !ok {
		return 0, errf(pgerr.InvalidParameterValue, "invalid value for parameter: %q", v).
			WithHint(`Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".`)
	}
	return time.Duration(n * float64(u)).Round(time.Millisecond), nil
}

func formatDuration(d time.Duration) string {
	ms := d.Milliseconds()
	switch {
	case ms == 0:
		return "0"
	case ms%(24*3600*1000) == 0:
		return strconv.FormatInt(ms/(24*3600*1000), 10) + "d"
	case ms%(3600*1000) == 0:
		return strconv.FormatInt(ms/(3600*1000), 10) + "h"
	case ms%(60*1000) == 0:
		return strconv.FormatInt(ms/(60*1000), 10) + "min"
	case ms%1000 == 0:
		return strconv.FormatInt(ms/1000, 10) + "s"
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// checkSearchPath canonicalizes a list of schema names, quoting those that
// need it, as PostgreSQL shows search_path.
func checkSearchPath(_ *Session, v string) (string, error) {
	names, err := splitIdentList(v)
	if err != nil {
		return "", badValue("List syntax is invalid.")
	}
	for i, n := range names {
		names[i] = quoteIdentIfNeeded(n)
	}
	return strings.Join(names, ", "), nil
}

// splitIdentList splits a comma-separated identifier list the way
// PostgreSQL's SplitIdentifierString does: unquoted names are folded to
// lower case, quoted ones kept, "" inside quotes is a quote.
func splitIdentList(v string) ([]string, error) {
	var out []string
	s := strings.TrimSpace(v)
	if s == "" {
		return nil, nil
	}
	for {
		s = strings.TrimLeft(s, " \t\n\r")
		var name string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("unterminated quoted identifier")
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			name, s = b.String(), s[i:]
		} else {
			end := strings.IndexAny(s, ", \t\n\r")
			if end < 0 {
				end = len(s)
			}
			name, s = strings.ToLower(s[:end]), s[end:]
			if name == "" {
				return nil, fmt.Errorf("empty name")
			}
		}
		out = append(out, name)
		s = strings.TrimLeft(s, " \t\n\r")
		if s == "" {
			return out, nil
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("expected comma")
		}
		s = s[1:]
	}
}

// quoteIdentIfNeeded quotes a name unless it is a plain lower-case
// identifier, as PostgreSQL's quote_ident does (keywords aside).
func quoteIdentIfNeeded(n string) string {
	plain := n != ""
	for i := 0; i < len(n) && plain; i++ {
		c := n[i]
		plain = c == '_' || c >= 'a' && c <= 'z' || (i > 0 && (c >= '0' && c <= '9' || c == '$'))
	}
	if plain {
		return n
	}
	return `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
}

// versionNum turns "15.8" into server_version_num's "150008".
func versionNum(v string) string {
	major, minor, _ := strings.Cut(v, ".")
	ma, _ := strconv.Atoi(major)
	mi, _ := strconv.Atoi(strings.TrimFunc(minor, func(r rune) bool { return r < '0' || r > '9' }))
	return strconv.Itoa(ma*10000 + mi)
}
