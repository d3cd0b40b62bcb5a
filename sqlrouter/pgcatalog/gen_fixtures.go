//go:build ignore

// gen_fixtures writes fixtures/*.csv from a real PostgreSQL 15: the column
// lists of every relation the package emulates, and the built-in rows of
// the catalogs whose contents do not depend on the project (pg_type,
// pg_proc, pg_collation, ...). Nothing in fixtures/ is typed by hand.
//
// Run with `go generate ./sqlrouter/pgcatalog`. It starts a throwaway
// server with initdb in a temporary directory (as the postgres user when
// run as root) and removes it afterwards. PGBIN overrides the directory of
// the PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin).
package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// relations are the pg_catalog and information_schema relations the
// package builds; their columns are taken from PostgreSQL itself.
var relations = map[string][]string{
	"pg_catalog": {
		"pg_aggregate", "pg_am", "pg_attrdef", "pg_attribute", "pg_auth_members", "pg_available_extensions",
		"pg_cast", "pg_class", "pg_collation", "pg_constraint", "pg_conversion", "pg_cursors", "pg_database",
		"pg_default_acl", "pg_depend", "pg_description", "pg_enum", "pg_event_trigger", "pg_extension",
		"pg_foreign_data_wrapper", "pg_foreign_server", "pg_foreign_table", "pg_index", "pg_indexes",
		"pg_inherits", "pg_init_privs", "pg_language", "pg_largeobject_metadata", "pg_locks", "pg_matviews",
		"pg_namespace", "pg_opclass", "pg_operator", "pg_opfamily", "pg_partitioned_table", "pg_policies",
		"pg_policy", "pg_prepared_statements", "pg_prepared_xacts", "pg_proc", "pg_publication",
		"pg_publication_namespace", "pg_publication_rel", "pg_range", "pg_rewrite", "pg_roles", "pg_rules",
		"pg_seclabel", "pg_sequence", "pg_sequences", "pg_settings", "pg_shdepend", "pg_shdescription",
		"pg_shseclabel", "pg_stat_activity", "pg_stat_all_tables", "pg_stat_database", "pg_stat_user_indexes",
		"pg_stat_user_tables", "pg_statio_all_tables", "pg_statio_user_tables", "pg_statistic_ext",
		"pg_subscription", "pg_tables", "pg_tablespace", "pg_timezone_names", "pg_transform", "pg_trigger",
		"pg_ts_config", "pg_ts_dict", "pg_ts_parser", "pg_ts_template", "pg_type", "pg_user", "pg_user_mapping",
		"pg_user_mappings", "pg_views", "pg_stat_user_functions", "pg_statio_user_indexes",
	},
	"information_schema": {
		"applicable_roles", "character_sets", "check_constraints", "collations", "column_privileges",
		"columns", "constraint_column_usage", "constraint_table_usage", "domains", "element_types",
		"enabled_roles", "information_schema_catalog_name", "key_column_usage", "parameters",
		"referential_constraints", "role_table_grants", "routines", "schemata", "sequences",
		"table_constraints", "table_privileges", "tables", "triggers", "usage_privileges", "views",
	},
}

// data lists the fixtures of built-in rows: file name and query. Arrays
// are written as JSON arrays so the package can cast them to DuckDB lists.
var data = []struct{ file, relation, where string }{
	{"pg_namespace", "pg_namespace", "nspname IN ('pg_catalog', 'information_schema', 'public', 'pg_toast')"},
	{"pg_type", "pg_type", "typnamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)"},
	{"pg_proc", "pg_proc", "pronamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)"},
	{"pg_class", "pg_class", "relnamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) AND relkind IN ('r', 'v')"},
	{"pg_attribute", "pg_attribute", "attrelid IN (SELECT oid FROM pg_class WHERE relnamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) AND relkind IN ('r', 'v'))"},
	{"pg_collation", "pg_collation", "true"},
	{"pg_am", "pg_am", "true"},
	{"pg_opclass", "pg_opclass", "true"},
	{"pg_opfamily", "pg_opfamily", "true"},
	{"pg_operator", "pg_operator", "true"},
	{"pg_cast", "pg_cast", "true"},
	{"pg_range", "pg_range", "true"},
	{"pg_aggregate", "pg_aggregate", "true"},
	{"pg_ts_config", "pg_ts_config", "true"},
	{"pg_ts_dict", "pg_ts_dict", "true"},
	{"pg_ts_parser", "pg_ts_parser", "true"},
	{"pg_ts_template", "pg_ts_template", "true"},
	{"pg_conversion", "pg_conversion", "true"},
	// plpgsql is an extension in PostgreSQL; duckstore runs no procedural
	// language, so its row (and the extension) are left out.
	{"pg_language", "pg_language", "lanname <> 'plpgsql'"},
	{"pg_tablespace", "pg_tablespace", "true"},
	// Templates: the one database and the one role are the session's, with
	// PostgreSQL's values for the columns duckstore has no opinion on.
	{"pg_database", "pg_database", "datname = 'postgres'"},
	{"pg_roles", "pg_roles", "rolname = 'duckstore_template' OR rolname ~ '^pg_'"},
	// File locations would show the generating machine's paths.
	{"pg_settings", "pg_settings", "category <> 'File Locations' AND name NOT IN ('config_file', 'data_directory', 'hba_file', 'ident_file', 'external_pid_file', 'krb_server_keyfile', 'ssl_cert_file', 'ssl_key_file', 'ssl_ca_file', 'ssl_crl_file', 'ssl_crl_dir', 'unix_socket_directories', 'log_directory', 'data_directory_mode')"},
}

// extra are fixtures that are not relations.
var extra = []struct{ file, query string }{
	// The descriptions of the built-in objects the fixtures hold.
	{"pg_description", `SELECT objoid, classoid, objsubid, description FROM pg_description
		WHERE (classoid = 'pg_proc'::regclass AND objoid IN (SELECT oid FROM pg_proc WHERE pronamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)))
		   OR (classoid = 'pg_type'::regclass AND objoid IN (SELECT oid FROM pg_type WHERE typnamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)))
		   OR (classoid = 'pg_class'::regclass AND objoid IN (SELECT oid FROM pg_class WHERE relnamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)))
		   OR (classoid = 'pg_namespace'::regclass AND objoid IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema', 'public', 'pg_toast')))
		   OR classoid IN ('pg_am'::regclass, 'pg_operator'::regclass, 'pg_language'::regclass, 'pg_collation'::regclass, 'pg_opclass'::regclass, 'pg_opfamily'::regclass, 'pg_cast'::regclass, 'pg_conversion'::regclass, 'pg_ts_config'::regclass, 'pg_ts_dict'::regclass, 'pg_ts_parser'::regclass, 'pg_ts_template'::regclass)
		ORDER BY classoid, objoid, objsubid`},
	{"pg_shdescription", `SELECT objoid, classoid, description FROM pg_shdescription WHERE classoid = 'pg_tablespace'::regclass ORDER BY objoid`},
	// format_type(oid, NULL) of every built-in type: PostgreSQL's SQL
	// spellings ("integer", "character varying", "\"char\"", "integer[]").
	{"type_names", `SELECT oid, pg_catalog.format_type(oid, NULL) AS name FROM pg_type
		WHERE typnamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) ORDER BY oid`},
	{"encodings", `SELECT i AS id, pg_catalog.pg_encoding_to_char(i) AS name FROM generate_series(0, 63) i
		WHERE pg_catalog.pg_encoding_to_char(i) <> '' ORDER BY i`},
	{"keywords", `SELECT word, catcode FROM pg_catalog.pg_get_keywords() ORDER BY word`},
	// The view definitions, for pg_views and pg_get_viewdef.
	{"viewdefs", `SELECT c.oid, pg_catalog.pg_get_viewdef(c.oid) AS definition FROM pg_class c
		WHERE c.relkind = 'v' AND c.relnamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) ORDER BY c.oid`},
}

func main() {
	bin := os.Getenv("PGBIN")
	if bin == "" {
		bin = "/usr/lib/postgresql/15/bin"
	}
	pg, err := start(bin)
	if err != nil {
		fail(err)
	}
	defer pg.stop()
	if err := generate(pg); err != nil {
		pg.stop()
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen_fixtures:", err)
	os.Exit(1)
}

func generate(pg *server) error {
	if err := os.MkdirAll("fixtures", 0o755); err != nil {
		return err
	}
	if _, err := pg.psql("CREATE ROLE duckstore_template LOGIN"); err != nil {
		return err
	}
	version, err := pg.psql("SHOW server_version")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(strings.TrimSpace(version), "15.") {
		return fmt.Errorf("need PostgreSQL 15, got %s", version)
	}

	// Columns of every emulated relation, with the type PostgreSQL gives
	// them (domains of information_schema resolved to their base type too).
	var names []string
	for schema, rels := range relations {
		for _, r := range rels {
			names = append(names, schema+"."+r)
		}
	}
	sort.Strings(names)
	var list []string
	for _, n := range names {
		list = append(list, "'"+n+"'")
	}
	columns := `SELECT n.nspname AS schema, c.relname AS relation, c.relkind AS kind, a.attnum, a.attname,
			t.typname AS type, coalesce(bt.typname, t.typname) AS base_type, a.attnotnull AS notnull
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type bt ON bt.oid = t.typbasetype AND t.typtype = 'd'
		WHERE n.nspname || '.' || c.relname IN (` + strings.Join(list, ", ") + `) AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY 1, 2, 4`
	if err := pg.copyOut("fixtures/columns.csv", columns); err != nil {
		return err
	}
	missing, err := pg.psql(`SELECT string_agg(x, ', ') FROM unnest(ARRAY[` + strings.Join(list, ", ") + `]) x
		WHERE to_regclass(x) IS NULL`)
	if err != nil {
		return err
	}
	if m := strings.TrimSpace(missing); m != "" {
		return fmt.Errorf("relations missing in PostgreSQL: %s", m)
	}

	for _, d := range data {
		sel, err := pg.selectList(d.relation)
		if err != nil {
			return err
		}
		q := "SELECT " + sel + " FROM pg_catalog." + d.relation + " WHERE " + d.where
		if d.relation != "pg_settings" && d.relation != "pg_roles" {
			q += " ORDER BY 1, 2"
		} else {
			q += " ORDER BY " + map[string]string{"pg_settings": "name", "pg_roles": "rolname"}[d.relation]
		}
		if err := pg.copyOut("fixtures/"+d.file+".csv", q); err != nil {
			return fmt.Errorf("%s: %w", d.file, err)
		}
	}
	for _, e := range extra {
		if err := pg.copyOut("fixtures/"+e.file+".csv", e.query); err != nil {
			return fmt.Errorf("%s: %w", e.file, err)
		}
	}
	return os.WriteFile("fixtures/VERSION", []byte("PostgreSQL "+strings.TrimSpace(version)+"\n"), 0o644)
}

// selectList returns the columns of a catalog as text, arrays as JSON.
func (p *server) selectList(rel string) (string, error) {
	out, err := p.psql(`SELECT a.attname, t.typname, t.typcategory, coalesce(et.typname, '') FROM pg_attribute a
		JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
		WHERE a.attrelid = 'pg_catalog.` + rel + `'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`)
	if err != nil {
		return "", err
	}
	var cols []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "|")
		name, typ, cat, elem := f[0], f[1], f[2], f[3]
		q := `"` + name + `"`
		switch {
		case rel == "pg_attribute" && name == "attoptions":
			// A server's own storage parameters; PostgreSQL 15.20 writes
			// an attribute version there that means nothing elsewhere.
			cols = append(cols, "NULL::text AS "+q)
		case typ == "int2vector":
			cols = append(cols, "array_to_json("+q+"::int2[])::text AS "+q)
		case typ == "oidvector" || cat == "A" && (elem == "oid" || elem == "regtype" || elem == "regproc"):
			cols = append(cols, "array_to_json("+q+"::oid[]::int8[])::text AS "+q)
		case cat == "A" && elem == "aclitem" && (rel == "pg_class" || rel == "pg_namespace" || rel == "pg_type"):
			// Privileges name the generating server's superuser, who owns
			// the built-in objects; Build puts the session's user in its
			// place, as the owner of what the session sees.
			cols = append(cols, "replace(replace(array_to_json("+q+"::text[])::text, '\"postgres=', '\"{{owner}}='), '/postgres\"', '/{{owner}}\"') AS "+q)
		case cat == "A" && elem == "aclitem":
			cols = append(cols, "NULL::text AS "+q)
		case cat == "A" && (elem == "char" || elem == "name" || elem == "pg_node_tree"):
			cols = append(cols, "array_to_json("+q+"::text[])::text AS "+q)
		case cat == "A":
			cols = append(cols, "array_to_json("+q+")::text AS "+q)
		case typ == "anyarray":
			cols = append(cols, q+"::text AS "+q)
		case rel == "pg_settings" && (name == "sourcefile" || name == "sourceline"):
			// PostgreSQL shows these only to superusers.
			cols = append(cols, "NULL::text AS "+q)
		case typ == "regproc" || typ == "regtype" || typ == "regclass" || typ == "regnamespace" || typ == "regrole":
			cols = append(cols, q+"::oid::text AS "+q)
		default:
			cols = append(cols, q+"::text AS "+q)
		}
	}
	return strings.Join(cols, ", "), nil
}

type server struct {
	dir, port, bin string
	runAs          *syscall.Credential
	cmd            *exec.Cmd
}

func start(bin string) (*server, error) {
	dir, err := os.MkdirTemp("", "pgcatalog-gen-")
	if err != nil {
		return nil, err
	}
	p := &server{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.runAs = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	if out, err := p.command("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "-E", "UTF8",
		"--locale=C.UTF-8", "--auth=trust", "--no-sync").CombinedOutput(); err != nil {
		p.cleanup()
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		p.cleanup()
		return nil, err
	}
	p.port = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	p.cmd = p.command("postgres", "-D", filepath.Join(dir, "data"), "-p", p.port, "-k", dir,
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "TimeZone=UTC")
	if err := p.cmd.Start(); err != nil {
		p.cleanup()
		return nil, err
	}
	for i := 0; i < 300; i++ {
		if _, err := p.psql("SELECT 1"); err == nil {
			return p, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("postgres did not start")
}

func (p *server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(p.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "TZ=UTC", "PGTZ=UTC")
	if p.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.runAs}
	}
	return cmd
}

func (p *server) psql(query string) (string, error) {
	cmd := exec.Command(filepath.Join(p.bin, "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
		"-h", p.dir, "-p", p.port, "-U", "postgres", "-d", "postgres", "-c", query)
	cmd.Env = append(os.Environ(), "PGTZ=UTC")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, stderr.String())
	}
	return string(out), nil
}

// copyOut writes a query's result as CSV with a header; NULL is \N, so an
// empty string and NULL stay distinct.
func (p *server) copyOut(file, query string) error {
	out, err := p.psql(`\copy (` + strings.Join(strings.Fields(query), " ") + `) TO STDOUT WITH (FORMAT csv, HEADER, NULL '\N')`)
	if err != nil {
		return err
	}
	return os.WriteFile(file, []byte(out), 0o644)
}

func (p *server) stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-done
		}
		p.cmd = nil
	}
	p.cleanup()
}

func (p *server) cleanup() { os.RemoveAll(p.dir) }
