package sqlrouter

import (
	"testing"
	"time"

	"github.com/duckstore/duckstore/wire/pgerr"
)

func TestStartupParams(t *testing.T) {
	e := newEnv(t)
	s, err := e.tryOpen(e.keys["admin"], "", map[string]string{
		"application_name": "psql", "client_encoding": "UTF8", "DateStyle": "ISO", "TimeZone": "Europe/Prague",
		"extra_float_digits": "2", "options": `-c search_path=out_c_reports -c statement_timeout=5s --lock_timeout=1s`,
		"replication": "database", // unknown: ignored
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"server_version": "15.8", "server_encoding": "UTF8", "client_encoding": "UTF8", "DateStyle": "ISO, MDY",
		"TimeZone": "Europe/Prague", "integer_datetimes": "on", "standard_conforming_strings": "on",
		"application_name": "psql", "IntervalStyle": "postgres", "is_superuser": "off", "session_authorization": "p1",
	}
	got := map[string]string{}
	for _, p := range s.Params() {
		got[p.Name] = p.Value
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if d := s.StatementTimeout(); d != 5*time.Second {
		t.Errorf("statement timeout = %v", d)
	}
	if f := s.Format(); f.TimeZone.String() != "Europe/Prague" || f.ExtraFloatDigits != 2 || f.DateStyle != "ISO, MDY" || f.ByteaOutput != "hex" {
		t.Errorf("format = %+v", f)
	}
	if v := one(t, s, `SHOW search_path`); v != "out_c_reports" {
		t.Errorf("search_path = %v", v)
	}
	if len(s.ChangedParams()) != 0 {
		t.Error("changes reported right after startup")
	}
	// RESET returns to the startup value.
	mustRun(t, s, `SET TimeZone = 'UTC'; RESET TimeZone`)
	if v := one(t, s, `SHOW timezone`); v != "Europe/Prague" {
		t.Errorf("RESET TimeZone = %v", v)
	}
	// Bad startup values end the login, as in PostgreSQL.
	_, err = e.tryOpen(e.keys["admin"], "", map[string]string{"client_encoding": "LATIN1"})
	if pe := pgerr.From(err); pe == nil || pe.Code != pgerr.InvalidParameterValue || pe.Severity != pgerr.SeverityFatal {
		t.Errorf("bad client_encoding: %v", err)
	}
}

func TestSetAndShow(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	s.Params()
	cases := []struct{ set, show, want string }{
		{`SET DateStyle = 'ISO, DMY'`, `SHOW DateStyle`, "ISO, DMY"},
		{`SET datestyle TO ISO`, `SHOW datestyle`, "ISO, DMY"},
		{`SET DateStyle TO default`, `SHOW DateStyle`, "ISO, MDY"},
		{`SET TIME ZONE 'america/new_york'`, `SHOW TimeZone`, "America/New_York"},
		{`SET TIME ZONE 2`, `SHOW TimeZone`, "<+02>-02"},
		{`SET timezone = '+03:30'`, `SHOW TimeZone`, "<-03:30>+03:30"},
		{`SET TIME ZONE LOCAL`, `SHOW TimeZone`, "UTC"},
		{`SET application_name = 'Metabase v0.55.1 [abc]'`, `SHOW application_name`, "Metabase v0.55.1 [abc]"},
		{`SET client_encoding = 'unicode'`, `SHOW client_encoding`, "UTF8"},
		{`SET NAMES 'UTF8'`, `SHOW client_encoding`, "UTF8"},
		{`SET extra_float_digits = 3`, `SHOW extra_float_digits`, "3"},
		{`SET statement_timeout = 1500`, `SHOW statement_timeout`, "1500ms"},
		{`SET statement_timeout = '2min'`, `SHOW statement_timeout`, "2min"},
		{`SET lock_timeout = '10s'`, `SHOW lock_timeout`, "10s"},
		{`SET idle_in_transaction_session_timeout = 0`, `SHOW idle_in_transaction_session_timeout`, "0"},
		{`SET bytea_output = 'escape'`, `SHOW bytea_output`, "escape"},
		{`SET IntervalStyle = 'postgres'`, `SHOW IntervalStyle`, "postgres"},
		{`SET standard_conforming_strings = on`, `SHOW standard_conforming_strings`, "on"},
		{`SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED`, `SHOW default_transaction_isolation`, "read uncommitted"},
		{`SET default_transaction_isolation = 'repeatable read'`, `SHOW TRANSACTION ISOLATION LEVEL`, "repeatable read"},
		{`SET ROLE NONE`, `SHOW role`, "none"},
		{`RESET ROLE`, `SHOW is_superuser`, "off"},
		{`SET search_path TO "in.c-sales", public`, `SHOW search_path`, `"in.c-sales", public`},
		{`SET myapp.user_id = '42'`, `SHOW myapp.user_id`, "42"},
		{`SET client_min_messages = warning`, `SHOW client_min_messages`, "warning"},
		{`SET work_mem = '64MB'`, `SHOW work_mem`, "64MB"},
	}
	for _, c := range cases {
		tag := "SET"
		if c.set[:5] == "RESET" {
			tag = "RESET"
		}
		mustTag(t, s, c.set, tag)
		if v := one(t, s, c.show); v != c.want {
			t.Errorf("%s; %s = %v, want %q", c.set, c.show, v, c.want)
		}
	}
	if d := s.StatementTimeout(); d != 2*time.Minute {
		t.Errorf("statement timeout = %v", d)
	}
	// Only values that differ from the last reported ones are reported
	// (PostgreSQL 14 and later do the same).
	changed := map[string]string{}
	for _, p := range s.ChangedParams() {
		changed[p.Name] = p.Value
	}
	if changed["application_name"] != "Metabase v0.55.1 [abc]" || len(changed) != 1 {
		t.Errorf("changed params = %v", changed)
	}
	mustRun(t, s, `SET TimeZone = 'Asia/Tokyo'`)
	if c := s.ChangedParams(); len(c) != 1 || c[0] != (Param{Name: "TimeZone", Value: "Asia/Tokyo"}) {
		t.Errorf("changed params = %v", c)
	}
	if len(s.ChangedParams()) != 0 {
		t.Error("changes reported twice")
	}
	refused := []struct {
		sql  string
		code pgerr.Code
	}{
		{`SET DateStyle = 'SQL, DMY'`, pgerr.InvalidParameterValue},
		{`SET client_encoding = 'LATIN1'`, pgerr.InvalidParameterValue},
		{`SET TimeZone = 'Mars/Olympus'`, pgerr.InvalidParameterValue},
		{`SET IntervalStyle = 'iso_8601'`, pgerr.InvalidParameterValue},
		{`SET standard_conforming_strings = off`, pgerr.InvalidParameterValue},
		{`SET extra_float_digits = 9`, pgerr.InvalidParameterValue},
		{`SET statement_timeout = 'soon'`, pgerr.InvalidParameterValue},
		{`SET server_version = '16'`, codeCantChangeRuntimeParam},
		{`SET ROLE postgres`, pgerr.InvalidParameterValue},
		{`SET SESSION AUTHORIZATION postgres`, pgerr.InsufficientPrivilege},
		{`SET memory_limit = '1GB'`, pgerr.InsufficientPrivilege},
		{`SET enable_external_access = true`, pgerr.InsufficientPrivilege},
		{`RESET allowed_directories`, pgerr.InsufficientPrivilege},
		{`SHOW memory_limit`, pgerr.UndefinedObject},
		{`SHOW myapp.unset`, pgerr.UndefinedObject},
	}
	for _, r := range refused {
		wantCode(t, s, r.sql, r.code)
	}
	rows := mustRun(t, s, `SHOW ALL`)
	if len(rows) < 30 || len(rows[0]) != 3 {
		t.Errorf("SHOW ALL = %d rows", len(rows))
	}
	mustTag(t, s, `RESET ALL`, "RESET")
	if v := one(t, s, `SHOW application_name`); v != "" {
		t.Errorf("after RESET ALL application_name = %v", v)
	}
	mustRun(t, s, `SET application_name = 'x'`)
	mustTag(t, s, `DISCARD ALL`, "DISCARD ALL")
	if v := one(t, s, `SHOW application_name`); v != "" {
		t.Errorf("after DISCARD ALL application_name = %v", v)
	}
	wantCode(t, s, `BEGIN; DISCARD ALL`, pgerr.ActiveSQLTransaction)
	mustRun(t, s, `ROLLBACK`)
}

func TestSettingFunctions(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	cases := []struct{ sql, want string }{
		{`SELECT current_setting('server_version_num')::int / 100 AS version`, "[1500]"},
		{`SELECT current_setting('TimeZone'), current_setting('nope', true)`, "[UTC <nil>]"},
		{`SELECT set_config('application_name', 'pgAdmin', false)`, "[pgAdmin]"},
		{`SELECT current_setting('application_name')`, "[pgAdmin]"},
		{`SELECT current_user, session_user, current_database(), current_catalog, user`, "[p1 p1 p1 p1 p1]"},
		{`SELECT current_schemas(false), current_schemas(true)`, "[[] [pg_catalog]]"},
		{`SELECT pg_typeof(1)`, "[integer]"},
	}
	for _, c := range cases {
		if got := fmtRows(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s = %s, want %s", c.sql, got, c.want)
		}
	}
	v, _ := one(t, s, `SELECT version()`).(string)
	if len(v) < 20 || v[:14] != "PostgreSQL 15." || !contains(v, "duckstore") || !contains(v, "DuckDB v") {
		t.Errorf("version() = %q", v)
	}
	// A prepared statement reading a setting sees later SETs.
	ctx := t.Context()
	stmts, err := s.Prepare(ctx, `SELECT current_setting('application_name')`, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, s, `SET application_name = 'later'`)
	p, err := stmts[0].Bind(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := &sink{}
	if _, err := p.Execute(ctx, k, 0); err != nil || fmtRows(k.rows) != "[later]" {
		t.Errorf("prepared current_setting after SET = %v %v", k.rows, err)
	}
	wantCode(t, s, `SELECT set_config('memory_limit', '1GB', false)`, pgerr.InsufficientPrivilege)
	wantCode(t, s, `SELECT current_setting(v) FROM (SELECT 'TimeZone' AS v)`, pgerr.FeatureNotSupported)
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
