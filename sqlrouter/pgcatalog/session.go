package pgcatalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/duckstore/duckstore/engine/duck"
)

// UpdateSession refreshes what depends on the session rather than on the
// catalog: current_schema(s), the search path behind pg_table_is_visible
// and the reg* casts, pg_settings and current_setting, pg_stat_activity,
// pg_cursors and pg_prepared_statements. snap must be the snapshot alias
// was built from, with a new Session. It costs a few milliseconds, so the
// router can call it after SET, DECLARE or PREPARE instead of rebuilding.
func UpdateSession(ctx context.Context, conn *duck.Conn, alias string, snap *Snapshot) error {
	if err := loadDefs(); err != nil {
		return err
	}
	b := &builder{ctx: ctx, conn: conn, a: quoteIdent(alias) + ".main", snap: snap}
	if err := b.loadSession(&snap.Session); err != nil {
		return fmt.Errorf("pgcatalog: update session: %w", err)
	}
	return nil
}

const defaultServerVersion = "15.8"

// sessionDefaults fills in what a Session may leave out: the server
// version, version() and PostgreSQL's default search path.
func sessionDefaults(s *Session) (serverVersion, version string, path []string) {
	serverVersion = s.ServerVersion
	if serverVersion == "" {
		serverVersion = defaultServerVersion
	}
	version = s.Version
	if version == "" {
		version = "PostgreSQL " + serverVersion + " (duckstore) on x86_64-pc-linux-gnu, 64-bit"
	}
	path = s.SearchPath
	if path == nil {
		path = []string{"$user", "public"}
	}
	return serverVersion, version, path
}

func (b *builder) loadSession(s *Session) error {
	serverVersion, version, path := sessionDefaults(s)
	settings := b.settings(s, serverVersion, path)

	// current_schemas(true) is the effective search path, in order.
	schemas, implicit := b.currentSchemas(path)
	nsps := b.namespaces()
	var sp rowEncoder
	for i, name := range implicit {
		sp.row()
		sp.int(int64(i + 1))
		sp.int(int64(nsps[name]))
	}

	var sess rowEncoder
	sess.row()
	sess.str(b.snap.Database)
	sess.str(b.snap.User)
	sess.str(version)
	sess.str(strings.Join(path, ", "))
	sess.strs(schemas)
	sess.strs(implicit)
	sess.int(int64(s.PID))
	sess.optStr(s.ServerAddr)
	sess.int(int64(s.ServerPort))
	sess.optStr(s.ClientAddr)
	sess.int(int64(s.ClientPort))
	sess.time(s.ServerStart)
	sess.int(s.TxID)

	var set rowEncoder
	for _, kv := range settings {
		set.row()
		set.str(kv.Name)
		set.str(kv.Value)
	}

	var act rowEncoder
	act.row()
	act.int(OIDDatabase)
	act.str(b.snap.Database)
	act.int(int64(s.PID))
	act.int(OIDBootstrap)
	act.str(b.snap.User)
	act.str(s.ApplicationName)
	act.optStr(s.ClientAddr)
	if s.ClientAddr == "" {
		act.int(-1)
	} else {
		act.int(int64(s.ClientPort))
	}
	act.time(s.BackendStart)
	act.time(s.XactStart)
	act.time(s.QueryStart)
	act.time(s.QueryStart)
	act.optStr(s.State)
	act.str(s.Query)

	var cur rowEncoder
	for _, c := range s.Cursors {
		cur.row()
		cur.str(c.Name)
		cur.str(c.Statement)
		cur.bool(c.Holdable)
		cur.bool(c.Binary)
		cur.bool(c.Scrollable)
		cur.time(c.Created)
	}
	var prep rowEncoder
	for _, p := range s.Prepared {
		prep.row()
		prep.str(p.Name)
		prep.str(p.Statement)
		prep.time(p.Prepared)
		types := make([]int64, len(p.ParamTypes))
		for i, t := range p.ParamTypes {
			types[i] = int64(t)
		}
		prep.ints(types)
		prep.bool(p.FromSQL)
		prep.int(0)
		prep.int(0)
	}

	if err := b.exec(`DELETE FROM $A.duckstore_session; DELETE FROM $A.duckstore_search_path;
		DELETE FROM $A.duckstore_settings; DELETE FROM $A.pg_stat_activity; DELETE FROM $A.pg_cursors;
		DELETE FROM $A.pg_prepared_statements; DELETE FROM $A.pg_settings`); err != nil {
		return err
	}
	loads := []struct {
		table        string
		names, types []string
		e            *rowEncoder
	}{
		{"duckstore_session", []string{"database", "usr", "version", "search_path", "schemas", "schemas_implicit", "pid",
			"server_addr", "server_port", "client_addr", "client_port", "server_start", "txid"},
			[]string{"VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR[]", "VARCHAR[]", "INTEGER", "VARCHAR", "INTEGER",
				"VARCHAR", "INTEGER", "TIMESTAMPTZ", "BIGINT"}, &sess},
		{"duckstore_search_path", []string{"pos", "nspoid"}, []string{"INTEGER", "UINTEGER"}, &sp},
		{"duckstore_settings", []string{"name", "value"}, []string{"VARCHAR", "VARCHAR"}, &set},
		{"pg_stat_activity", []string{"datid", "datname", "pid", "usesysid", "usename", "application_name", "client_addr",
			"client_port", "backend_start", "xact_start", "query_start", "state_change", "state", "query"},
			[]string{"UINTEGER", "VARCHAR", "INTEGER", "UINTEGER", "VARCHAR", "VARCHAR", "VARCHAR", "INTEGER", "TIMESTAMPTZ",
				"TIMESTAMPTZ", "TIMESTAMPTZ", "TIMESTAMPTZ", "VARCHAR", "VARCHAR"}, &act},
		{"pg_cursors", []string{"name", "statement", "is_holdable", "is_binary", "is_scrollable", "creation_time"},
			[]string{"VARCHAR", "VARCHAR", "BOOLEAN", "BOOLEAN", "BOOLEAN", "TIMESTAMPTZ"}, &cur},
		{"pg_prepared_statements", []string{"name", "statement", "prepare_time", "parameter_types", "from_sql",
			"generic_plans", "custom_plans"},
			[]string{"VARCHAR", "VARCHAR", "TIMESTAMPTZ", "UINTEGER[]", "BOOLEAN", "BIGINT", "BIGINT"}, &prep},
	}
	for _, l := range loads {
		if err := b.insert(l.table, l.names, l.types, l.e); err != nil {
			return err
		}
	}
	if err := b.exec(b.sessionMacros(s)); err != nil {
		return err
	}
	return b.exec(`
		INSERT INTO $A.pg_settings SELECT * FROM $A.duckstore_default_settings;
		UPDATE $A.pg_settings p SET setting = o.value,
			source = CASE WHEN p.setting = o.value THEN p.source ELSE 'session' END
		FROM $A.duckstore_settings o WHERE lower(p.name) = lower(o.name);
		INSERT INTO $A.pg_settings BY NAME
		SELECT o.name, o.value AS setting, 'Customized Options' AS category, 'string' AS vartype, 'user' AS context,
			'session' AS source, '' AS boot_val, '' AS reset_val, false AS pending_restart
		FROM $A.duckstore_settings o WHERE lower(o.name) NOT IN (SELECT lower(name) FROM $A.pg_settings);
		DELETE FROM $A.duckstore_visible_rel; DELETE FROM $A.duckstore_visible_type;
		INSERT INTO $A.duckstore_visible_rel SELECT oid FROM (SELECT c.oid,
			row_number() OVER (PARTITION BY c.relname ORDER BY p.pos) AS rn
			FROM $A.pg_class c JOIN $A.duckstore_search_path p ON p.nspoid = c.relnamespace) WHERE rn = 1;
		INSERT INTO $A.duckstore_visible_type SELECT oid FROM (SELECT t.oid,
			row_number() OVER (PARTITION BY t.typname ORDER BY p.pos) AS rn
			FROM $A.pg_type t JOIN $A.duckstore_search_path p ON p.nspoid = t.typnamespace) WHERE rn = 1`)
}

// settings are the session's GUCs with what the snapshot implies filled
// in: the server version, search_path and application_name.
func (b *builder) settings(s *Session, serverVersion string, path []string) []Setting {
	out := append([]Setting(nil), s.Settings...)
	has := func(name string) bool {
		for _, kv := range out {
			if strings.EqualFold(kv.Name, name) {
				return true
			}
		}
		return false
	}
	if !has("server_version") {
		out = append(out, Setting{"server_version", serverVersion})
	}
	if !has("server_version_num") {
		out = append(out, Setting{"server_version_num", versionNum(serverVersion)})
	}
	if !has("search_path") {
		quoted := make([]string, len(path))
		for i, p := range path {
			if p == "$user" {
				quoted[i] = `"$user"`
			} else {
				quoted[i] = pgQuoteIdent(p)
			}
		}
		out = append(out, Setting{"search_path", strings.Join(quoted, ", ")})
	}
	if !has("application_name") {
		out = append(out, Setting{"application_name", s.ApplicationName})
	}
	if !has("session_authorization") {
		out = append(out, Setting{"session_authorization", b.snap.User})
	}
	if !has("is_superuser") {
		out = append(out, Setting{"is_superuser", "off"})
	}
	return out
}

// versionNum is server_version_num for a version: "15.8" is "150008".
func versionNum(v string) string {
	major, minor, _ := strings.Cut(strings.Fields(v + " ")[0], ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	if err1 != nil || err2 != nil {
		return "150000"
	}
	return strconv.Itoa(ma*10000 + mi)
}

// namespaces are the schema names the session sees, with their OIDs.
func (b *builder) namespaces() map[string]uint32 {
	m := map[string]uint32{}
	fx := defs.fixtures["pg_namespace"]
	for _, row := range fx.rows {
		if row[1] == "public" && b.snap.HidePublic {
			continue
		}
		oid, _ := strconv.ParseUint(row[0], 10, 32)
		m[row[1]] = uint32(oid)
	}
	for _, bk := range b.snap.Buckets {
		if bk.ID == b.snap.PublicBucket {
			m["public"] = OIDPublic
			continue
		}
		m[bk.Name] = NamespaceOID(bk.ID)
	}
	return m
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// strs appends a list of strings as a JSON array.
func (e *rowEncoder) strs(v []string) {
	e.sep()
	e.buf = append(e.buf, '[')
	for i, s := range v {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendJSONString(e.buf, s)
	}
	e.buf = append(e.buf, ']')
}

// time appends a timestamp with its offset, or NULL for the zero time.
func (e *rowEncoder) time(t time.Time) {
	if t.IsZero() {
		e.null()
		return
	}
	e.sep()
	e.buf = t.AppendFormat(e.buf, "2006-01-02 15:04:05.999999-07:00")
}

// appendJSONString quotes s as a JSON string; control bytes are escaped
// as \u00XX, so the record separators never appear inside.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// sessionMacros are the functions that report the session's state, as
// literals: DuckDB folds them like constants and accepts them where it
// accepts no subquery (generate_series in FROM, as Grafana and pgjdbc
// use current_setting and current_schemas).
func (b *builder) sessionMacros(s *Session) string {
	serverVersion, version, path := sessionDefaults(s)
	schemas, implicit := b.currentSchemas(path)

	// current_setting: PostgreSQL's defaults, then the session's values.
	values := map[string]string{}
	var order []string
	set := func(name, value string) {
		k := strings.ToLower(name)
		if _, ok := values[k]; !ok {
			order = append(order, k)
		}
		values[k] = value
	}
	fx := defs.fixtures["pg_settings"]
	iName, iSetting := fx.col("name"), fx.col("setting")
	for _, row := range fx.rows {
		if row[iSetting] != nullField {
			set(row[iName], row[iSetting])
		}
	}
	for _, kv := range b.settings(s, serverVersion, path) {
		set(kv.Name, kv.Value)
	}
	var m strings.Builder
	m.WriteString("MAP {")
	for i, k := range order {
		if i > 0 {
			m.WriteString(", ")
		}
		m.WriteString(quoteString(k) + ": " + quoteString(values[k]))
	}
	m.WriteString("}")

	lit := func(v string) string {
		if v == "" {
			return "CAST(NULL AS VARCHAR)"
		}
		return quoteString(v)
	}
	list := func(v []string) string {
		q := make([]string, len(v))
		for i, x := range v {
			q[i] = quoteString(x)
		}
		return "CAST([" + strings.Join(q, ", ") + "] AS VARCHAR[])"
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "CAST(NULL AS TIMESTAMPTZ)"
		}
		return "CAST(" + quoteString(t.Format("2006-01-02 15:04:05.999999-07:00")) + " AS TIMESTAMPTZ)"
	}
	first := ""
	if len(schemas) > 0 {
		first = schemas[0]
	}
	var q strings.Builder
	for _, def := range [][2]string{
		{"current_database()", lit(b.snap.Database)},
		{"duckstore_user()", lit(b.snap.User)},
		{"version()", lit(version)},
		{"current_schema()", lit(first)},
		{"current_schemas(implicit)", "CASE WHEN implicit THEN " + list(implicit) + " ELSE " + list(schemas) + " END"},
		{"current_setting(n)", m.String() + "[lower(n)]"},
		{"pg_backend_pid()", strconv.Itoa(int(s.PID))},
		{"inet_server_addr()", lit(s.ServerAddr)},
		{"inet_server_port()", "CAST(" + map[bool]string{true: "NULL", false: strconv.Itoa(int(s.ServerPort))}[s.ServerAddr == ""] + " AS INTEGER)"},
		{"inet_client_addr()", lit(s.ClientAddr)},
		{"inet_client_port()", "CAST(" + map[bool]string{true: "NULL", false: strconv.Itoa(int(s.ClientPort))}[s.ClientAddr == ""] + " AS INTEGER)"},
		{"pg_postmaster_start_time()", ts(s.ServerStart)},
		{"pg_conf_load_time()", ts(s.ServerStart)},
		{"txid_current()", "CAST(" + strconv.FormatInt(s.TxID, 10) + " AS BIGINT)"},
	} {
		q.WriteString("CREATE OR REPLACE MACRO $A." + def[0] + " AS " + def[1])
		if strings.HasPrefix(def[0], "current_setting") {
			q.WriteString(", (n, missing_ok) AS " + m.String() + "[lower(n)]")
		}
		q.WriteString(";\n")
	}
	return q.String()
}

// currentSchemas are current_schemas(false) and current_schemas(true):
// the search path's schemas that exist, "$user" resolved, and with
// pg_catalog first when the path does not list it.
func (b *builder) currentSchemas(path []string) (explicit, implicit []string) {
	nsps := b.namespaces()
	listed := contains(path, "pg_catalog")
	for _, p := range path {
		if p == "$user" {
			p = b.snap.User
		}
		if _, ok := nsps[p]; ok && !contains(explicit, p) {
			explicit = append(explicit, p)
		}
	}
	implicit = explicit
	if !listed {
		implicit = append([]string{"pg_catalog"}, explicit...)
	}
	return explicit, implicit
}
