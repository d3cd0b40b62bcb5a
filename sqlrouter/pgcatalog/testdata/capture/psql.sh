#!/bin/sh
# Captures the catalog queries psql 15 sends for its meta-commands, in the
# corpus format (see ../README.md), from a PostgreSQL 15 that holds
# ../schema_pg.sql:
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres ./psql.sh > ../corpus/psql.sql
# The meta-commands run twice: with the default search_path, and with the
# buckets on it (psql lists only what the search path shows).
set -e
run() { # run <search_path or ""> <meta-command>
	if [ -n "$1" ]; then
		opts="-c search_path=$1"
		label=" (search_path $1)"
	else
		opts=""
		label=""
	fi
	PGOPTIONS="$opts" psql -X -E -c "$2" 2>/dev/null | awk -v cmd="$2" -v label="$label" -v sp="$1" '
		/^\*\*\*\*\*\*\*\*\* QUERY \*\*\*\*\*\*\*\*\*\*$/ {
			n++; printf "-- name: psql %s%s #%d\n", cmd, label, n
			if (sp != "") printf "-- search_path: %s\n", sp
			inq=1; next }
		/^\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*$/ { if (inq) print ""; inq=0; next }
		inq { print }'
}
echo "-- The catalog queries of psql $(psql --version | cut -d" " -f3) meta-commands, captured by capture/psql.sh."
echo "-- psql substitutes oids it read from the first query into later ones; they are written here as {{oid:schema.table}}."
echo
subst=$(psql -X -At -F' ' -c "select c.oid, n.nspname||'.'||c.relname from pg_class c join pg_namespace n on n.oid=c.relnamespace where c.oid >= 16384 and c.relkind='r' and n.nspname !~ '^pg_'" | awk '{printf "s/'"'"'%s'"'"'/'"'"'{{oid:%s}}'"'"'/g;", $1, $2}')
{
	for c in '\l' '\dn' '\dn+' '\dt' '\dt+' '\dt "in.c-sales".*' '\d' '\d "in.c-sales"."orders"' '\d+ "in.c-sales"."orders"' '\d "out.c-reports"."notes"' '\di' '\df' '\dT' '\du' '\dv' '\ds' '\dx'; do
		run "" "$c"
	done
	for c in '\dt' '\dt+' '\d' '\di' '\d orders' '\d+ daily'; do
		run '"in.c-sales","out.c-reports",public' "$c"
	done
} | sed "$subst" | awk '
	# What duckstore answers differently by design, with the reason.
	/^-- name: psql \\l #1$/ { print; print "-- compare: columns"; print "-- note: a session sees its own database only; PostgreSQL also lists template0 and template1."; next }
	/^-- name: psql \\du #1$/ { print; print "-- ignore: rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls"; print "-- note: the session'"'"'s role is a plain login role, the test server'"'"'s postgres a superuser."; next }
	/^-- name: psql \\dx #1$/ { print; print "-- compare: columns"; print "-- note: duckstore runs no procedural language: no plpgsql extension."; next }
	/^-- name: psql \\dt\+ / { print; print "-- ignore: Size"; print "-- note: sizes come from the table files, not from PostgreSQL pages."; next }
	{ print }'
