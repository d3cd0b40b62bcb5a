#!/usr/bin/python3
"""Runs SQLAlchemy 1.4's PostgreSQL inspector (psycopg2) over the test
schema so that its reflection queries land in the server log.
Usage: sqlalchemy_meta.py postgresql+psycopg2://postgres@127.0.0.1:PORT/postgres"""
import sys

import sqlalchemy as sa

eng = sa.create_engine(sys.argv[1])
with eng.connect() as conn:
    def mark(name):
        conn.exec_driver_sql("SELECT 'capture: %s'" % name)

    insp = sa.inspect(conn)
    mark('connect')
    conn.exec_driver_sql('select pg_catalog.version()')
    conn.exec_driver_sql('select current_schema()')
    mark('get_schema_names')
    insp.get_schema_names()
    mark('get_table_names')
    insp.get_table_names(schema='in.c-sales')
    mark('get_view_names')
    insp.get_view_names(schema='in.c-sales')
    mark('has_table')
    sa.inspect(conn).has_table('orders', schema='in.c-sales')
    mark('get_columns')
    insp.get_columns('all_types', schema='in.c-sales')
    mark('get_pk_constraint')
    insp.get_pk_constraint('order_lines', schema='in.c-sales')
    mark('get_foreign_keys')
    insp.get_foreign_keys('orders', schema='in.c-sales')
    mark('get_indexes')
    insp.get_indexes('orders', schema='in.c-sales')
    mark('get_unique_constraints')
    insp.get_unique_constraints('orders', schema='in.c-sales')
    mark('get_check_constraints')
    insp.get_check_constraints('orders', schema='in.c-sales')
    mark('get_table_comment')
    insp.get_table_comment('orders', schema='in.c-sales')
    mark('end')
