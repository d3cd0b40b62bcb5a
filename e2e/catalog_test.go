package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/duckstore/duckstore/sqlrouter/pgcatalog/pgcatalogtest"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// ownership are the columns that name owners and privileges. duckstore
// has one role, the session's user, which owns everything (as PostgreSQL's
// bootstrap superuser owns the built-in objects), where the PostgreSQL
// target has the superuser owning the built-ins and role compat the
// fixture: those columns differ by design.
var ownership = []string{"nspowner", "relowner", "typowner", "proowner", "datdba", "nspacl", "relacl", "typacl",
	"proacl", "datacl", "attacl", "tableowner", "schema_owner", "grantor", "grantee", "owner"}

// environment are columns that depend on how the test servers were set
// up rather than on the catalog: the PostgreSQL target created database
// main after its built-in ones (another OID, its own frozen xid) with
// initdb's C locale, where duckstore presents main as a fresh cluster's
// first database in C.UTF-8.
var environment = map[string][]string{
	"dbeaver database": {"oid", "datfrozenxid", "datcollate", "datctype"},
	// OID 10 is PostgreSQL's bootstrap superuser, duckstore's session user.
	"quoting and encodings": {"pg_get_userbyid"},
}

// clusterRoles are entries that list the cluster's roles: the PostgreSQL
// target has its superuser besides compat, duckstore only the session's.
var clusterRoles = map[string]bool{"psql \\du #1": true}

// biCorpus are the files of pgcatalog's query corpus that BI tools send on
// connect and when they browse a schema: DBeaver, Metabase and Grafana,
// and SQLAlchemy's inspector, which Superset (and pandas) use.
var biCorpus = []string{"dbeaver.sql", "metabase.sql", "grafana.sql", "sqlalchemy.sql"}

// driverCorpus are the other clients' files, replayed too: psql's
// meta-commands, pgjdbc's DatabaseMetaData, and drivers' type and cursor
// queries. (catalogs.sql, whole rows of every catalog, depends on the
// test cluster's privileges and statistics and is left to pgcatalog's
// TestCorpus.)
var driverCorpus = []string{"psql.sql", "pgjdbc.sql", "misc.sql"}

// TestBICatalogQueries replays those queries through the binary with pgx
// (extended protocol, text format) against duckstore and PostgreSQL, both
// holding the fixture, and compares the answers as pgcatalog's TestCorpus
// does: OIDs of the fixture's objects are compared by what they name. A
// query both servers refuse with the same SQLSTATE agrees too (entries
// about objects the fixture lacks).
func TestBICatalogQueries(t *testing.T) {
	var entries []pgcatalogtest.Entry
	for _, f := range append(biCorpus, driverCorpus...) {
		e, err := pgcatalogtest.Read(pgcatalogtest.Dir(), f)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e...)
	}
	targets := Targets(t)
	ctx := context.Background()
	type side struct {
		conn *pgconn.PgConn
		syms pgcatalogtest.Symbols
		oids map[string]string
		reg  pgcatalogtest.RegNames
	}
	sides := map[string]*side{}
	for _, target := range targets {
		conn, err := pgconn.Connect(ctx, target.URL())
		if err != nil {
			t.Fatalf("%s: %v", target.Name, err)
		}
		defer conn.Close(ctx)
		sd := &side{conn: conn}
		if sd.syms, sd.oids, err = pgcatalogtest.ServerSymbols(ctx, conn); err != nil {
			t.Fatalf("%s: symbols: %v", target.Name, err)
		}
		if target.Name == "postgres" {
			// regproc and regtype print as names in PostgreSQL; duckstore's
			// catalog holds their OIDs.
			if sd.reg, err = pgcatalogtest.PostgresRegNames(ctx, conn); err != nil {
				t.Fatal(err)
			}
		}
		sides[target.Name] = sd
	}
	pg, ours := sides["postgres"], sides["duckstore"]
	checks := 0
	for _, e := range entries {
		if e.Compare == "skip" || clusterRoles[e.Name] {
			continue
		}
		for _, c := range append(ownership, environment[e.Name]...) {
			e.Ignore[c] = true
		}
		for i, p := range e.Params {
			if p != nil && *p == "postgres" {
				// The corpus was captured in database postgres; the
				// targets' database is main.
				db := targets[0].Database
				e.Params[i] = &db
			}
		}
		t.Run(e.File+"/"+e.Name, func(t *testing.T) {
			if missing(e, pg.oids) || missing(e, ours.oids) {
				t.Skip("names an object the fixture does not have")
			}
			checks++
			want, werr := pgcatalogtest.Run(ctx, pg.conn, e, pg.oids, pg.reg)
			got, gerr := pgcatalogtest.Run(ctx, ours.conn, e, ours.oids, nil)
			switch {
			case werr != nil && gerr != nil:
				if pgerr.CodeOf(werr) != pgerr.CodeOf(gerr) {
					t.Errorf("PostgreSQL: %v\nduckstore: %v", werr, gerr)
				}
				return
			case werr != nil:
				t.Fatalf("PostgreSQL: %v (duckstore answered %d rows)", werr, len(got.Rows))
			case gerr != nil:
				t.Fatalf("duckstore: %v\n%s", gerr, e.SQL)
			}
			want.Normalize(pg.syms)
			got.Normalize(ours.syms)
			if d := pgcatalogtest.Compare(e, want, got); d != "" {
				t.Errorf("%s\n%s", d, e.SQL)
			}
		})
	}
	for _, target := range targets {
		t.Run(target.Name, func(t *testing.T) { countChecks(t, checks) })
	}
}

// missing reports whether an entry names an object (by an OID
// placeholder) the server does not have.
func missing(e pgcatalogtest.Entry, oids map[string]string) bool {
	if strings.Contains(pgcatalogtest.FillOIDs(e.SQL, oids), "{{oid:") {
		return true
	}
	for _, p := range e.Params {
		if p != nil && strings.Contains(pgcatalogtest.FillOIDs(*p, oids), "{{oid:") {
			return true
		}
	}
	return false
}
