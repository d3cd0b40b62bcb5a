package sqlrouter

import (
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/duckstore/duckstore/sqlrouter/pgcatalog"
)

// catalogSession is the session's state as the system catalog shows it
// (pg_settings, pg_stat_activity, pg_cursors, pg_prepared_statements, the
// search path behind visibility and reg* names).
func (s *Session) catalogSession() pgcatalog.Session {
	path, _ := splitIdentList(s.mustSetting("search_path"))
	out := pgcatalog.Session{
		SearchPath:      path,
		Settings:        s.settingList(),
		ServerVersion:   s.r.cfg.ServerVersion,
		Version:         s.r.versionString(),
		PID:             s.pid,
		ApplicationName: s.mustSetting("application_name"),
		BackendStart:    s.started,
		QueryStart:      s.activity.start,
		State:           "active",
		Query:           s.activity.query,
		TxID:            s.txid(),
	}
	if pc := s.r.cfg.SystemCatalog; pc != nil {
		out.ServerStart = pc.start
	}
	if s.inTx() {
		out.XactStart = s.tx.start
	}
	if a, ok := s.startup.RemoteAddr.(*net.TCPAddr); ok {
		out.ClientAddr, out.ClientPort = a.IP.String(), int32(a.Port)
	}
	names := make([]string, 0, len(s.cursors))
	for name := range s.cursors {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := s.cursors[name]
		out.Cursors = append(out.Cursors, pgcatalog.Cursor{Name: name, Statement: c.st.sql, Holdable: c.hold,
			Created: c.start})
	}
	for _, name := range sortedKeys(s.prepared) {
		p := s.prepared[name]
		out.Prepared = append(out.Prepared, pgcatalog.PreparedStatement{Name: name, Statement: p.sql,
			Prepared: p.created, ParamTypes: p.ParamOIDs(), FromSQL: true})
	}
	return out
}

// settingList is every parameter the session has, with its value.
func (s *Session) settingList() []pgcatalog.Setting {
	gucs()
	out := make([]pgcatalog.Setting, 0, len(gucList)+4)
	for _, d := range gucList {
		out = append(out, pgcatalog.Setting{Name: d.name, Value: s.mustSetting(d.name)})
	}
	custom := map[string]bool{}
	for _, m := range []map[string]string{s.gucs.startup, s.gucs.session, s.gucs.local} {
		for k := range m {
			if strings.Contains(k, ".") {
				custom[k] = true
			}
		}
	}
	for _, k := range sortedKeys(custom) {
		out = append(out, pgcatalog.Setting{Name: k, Value: s.mustSetting(k)})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fingerprints identify each part of a session state, to tell whether
// the catalog holds it already.
func fingerprints(s *pgcatalog.Session) [numParts]string {
	var out [numParts]string
	var b strings.Builder
	sep := func(v string) {
		b.WriteString(v)
		b.WriteByte(0)
	}
	take := func(p catalogPart) {
		out[p] = b.String()
		b.Reset()
	}
	for _, p := range s.SearchPath {
		sep(p)
	}
	take(partPath)
	for _, kv := range s.Settings {
		sep(kv.Name)
		sep(kv.Value)
	}
	take(partSettings)
	for _, v := range []string{strconv.Itoa(int(s.PID)), s.ApplicationName, s.ClientAddr, s.State, s.Query,
		stamp(s.BackendStart), stamp(s.XactStart), stamp(s.QueryStart)} {
		sep(v)
	}
	take(partActivity)
	for _, c := range s.Cursors {
		sep(c.Name)
		sep(c.Statement)
		sep(stamp(c.Created))
	}
	take(partCursors)
	for _, p := range s.Prepared {
		sep(p.Name)
		sep(p.Statement)
		sep(stamp(p.Prepared))
	}
	take(partPrepared)
	return out
}

func stamp(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }
