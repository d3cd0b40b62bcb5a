"""Client checks for psycopg2, psycopg 3, SQLAlchemy 1.4 and pandas.

Run as: python3 suite.py '<libpq DSN>'. The same checks run against
duckstore and against PostgreSQL 15 holding the same fixture
(e2e/testdata/fixture.sql), so every expectation here is PostgreSQL's own.
Prints one line per check and a last line "checks <n> failed <m>"; exits 1
when any check failed.
"""
import datetime
import decimal
import json
import sys
import traceback
import uuid

import pandas
import psycopg
import psycopg2
import psycopg2.extras
import sqlalchemy

DSN = sys.argv[1]
results = []


def check(name):
    def deco(fn):
        try:
            fn()
            results.append((name, None))
            print("ok", name)
        except Exception:  # noqa: BLE001 - every failure is reported
            results.append((name, traceback.format_exc()))
            print("FAIL", name)
            print(traceback.format_exc())
        return fn
    return deco


def eq(got, want, what=""):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


ORDER_1 = (
    1, "Alice", decimal.Decimal("1234.50"), 3, 9007199254740993, 0.1, 1.5, True,
    datetime.date(2024, 1, 15), datetime.time(13, 45, 30, 500000),
    datetime.datetime(2024, 1, 15, 13, 45, 30, 123456),
    datetime.datetime(2024, 1, 15, 13, 45, 30, 123456, tzinfo=datetime.timezone.utc),
    datetime.timedelta(days=1, hours=2, minutes=3, seconds=4),
    uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), {"k": [1, 2]},
    b"\xde\xad\xbe\xef", ["x", "y z"], [1, 2, 3],
)
COLUMNS = ("id customer amount quantity big ratio score paid order_date order_time created_at "
           "updated_at duration uid payload raw tags nums").split()


# psycopg2 -------------------------------------------------------------------

def pg2():
    conn = psycopg2.connect(DSN)
    psycopg2.extras.register_uuid(conn_or_curs=conn)
    return conn


@check("psycopg2: every type comes back as the right Python type")
def _():
    with pg2() as conn, conn.cursor() as cur:
        cur.execute('SELECT * FROM "in.c-sales".orders WHERE id = %s', (1,))
        row = cur.fetchone()
        eq([d.name for d in cur.description], COLUMNS, "columns")
        for i, (got, want) in enumerate(zip(row, ORDER_1)):
            if isinstance(got, memoryview):
                got = bytes(got)
            if isinstance(want, float) and isinstance(got, float):
                if abs(got - want) > 1e-6 * abs(want):
                    raise AssertionError(f"{COLUMNS[i]}: {got!r} != {want!r}")
                continue
            eq(got, want, COLUMNS[i])
            eq(type(got), type(want), COLUMNS[i] + " type")


@check("psycopg2: parameters of every kind")
def _():
    with pg2() as conn, conn.cursor() as cur:
        cur.execute(
            'SELECT count(*) FROM "in.c-sales".orders WHERE customer = %s AND amount = %s AND paid = %s '
            'AND order_date = %s AND uid = %s AND raw = %s',
            ("Alice", decimal.Decimal("1234.50"), True, datetime.date(2024, 1, 15),
             uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), psycopg2.Binary(b"\xde\xad\xbe\xef")))
        eq(cur.fetchone()[0], 1, "count")
        cur.execute("SELECT %s::int + 1, %s || 'b', %s IS NULL", (41, "a", None))
        eq(cur.fetchone(), (42, "ab", True), "values")


@check("psycopg2: named (server-side) cursor")
def _():
    with pg2() as conn:
        with conn.cursor(name="orders_cursor") as cur:
            cur.itersize = 2
            cur.execute('SELECT id FROM "in.c-sales".orders ORDER BY id')
            eq([r[0] for r in cur], [1, 2, 3], "ids")


@check("psycopg2: copy_expert in and out")
def _():
    import io
    with pg2() as conn, conn.cursor() as cur:
        out = io.StringIO()
        cur.copy_expert('COPY (SELECT id, customer FROM "in.c-sales".orders ORDER BY id) TO STDOUT WITH CSV HEADER', out)
        eq(out.getvalue(), 'id,customer\n1,Alice\n2,"Bob ""B"""\n3,"Čeněk, žluťoučký"\n', "copy out")
        cur.copy_expert('COPY "out.c-reports".daily FROM STDIN WITH CSV HEADER',
                        io.StringIO('day,region,total\n2030-01-01,PY,1.25\n2030-01-01,"P, Y",\n'))
        cur.execute("SELECT region, total FROM \"out.c-reports\".daily WHERE day = '2030-01-01' ORDER BY region")
        eq(cur.fetchall(), [("P, Y", None), ("PY", decimal.Decimal("1.25"))], "copied rows")
        cur.execute("DELETE FROM \"out.c-reports\".daily WHERE day = '2030-01-01'")
        eq(cur.rowcount, 2, "deleted")


@check("psycopg2: errors carry SQLSTATE")
def _():
    with pg2() as conn, conn.cursor() as cur:
        try:
            cur.execute('SELECT * FROM "in.c-sales".nope')
            raise AssertionError("no error")
        except psycopg2.errors.UndefinedTable as e:
            eq(e.pgcode, "42P01", "pgcode")
        conn.rollback()
        cur.execute("SELECT 1")
        eq(cur.fetchone(), (1,), "usable after error")


# psycopg 3 ------------------------------------------------------------------

@check("psycopg 3: types in text and binary")
def _():
    with psycopg.connect(DSN) as conn:
        for binary in (False, True):
            with conn.cursor(binary=binary) as cur:
                cur.execute('SELECT * FROM "in.c-sales".orders WHERE id = %s', (1,))
                row = cur.fetchone()
                for i, (got, want) in enumerate(zip(row, ORDER_1)):
                    if isinstance(want, float):
                        if abs(got - want) > 1e-6 * abs(want):
                            raise AssertionError(f"binary={binary} {COLUMNS[i]}: {got!r}")
                        continue
                    eq(got, want, f"binary={binary} {COLUMNS[i]}")


@check("psycopg 3: server-side cursor and prepared statements")
def _():
    with psycopg.connect(DSN) as conn:
        with conn.cursor(name="c3") as cur:
            cur.execute('SELECT id FROM "in.c-sales".orders ORDER BY id')
            eq([r[0] for r in cur.fetchmany(2)], [1, 2], "first batch")
            eq([r[0] for r in cur.fetchall()], [3], "rest")
        for i in range(6):
            row = conn.execute('SELECT customer FROM "in.c-sales".orders WHERE id = %s', (2,), prepare=True).fetchone()
            eq(row, ('Bob "B"',), f"prepared run {i}")


@check("psycopg 3: COPY in binary")
def _():
    with psycopg.connect(DSN) as conn:
        with conn.cursor().copy('COPY "out.c-reports".daily (day, region, total) FROM STDIN (FORMAT binary)') as cp:
            cp.set_types(["date", "text", "numeric"])
            cp.write_row((datetime.date(2031, 1, 1), "BIN", decimal.Decimal("7.50")))
        row = conn.execute("SELECT region, total FROM \"out.c-reports\".daily WHERE day = '2031-01-01'").fetchone()
        eq(row, ("BIN", decimal.Decimal("7.50")), "copied")
        conn.execute("DELETE FROM \"out.c-reports\".daily WHERE day = '2031-01-01'")


# SQLAlchemy and pandas --------------------------------------------------------

def engine():
    return sqlalchemy.create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(DSN))


@check("SQLAlchemy: inspector lists schemas, tables, columns and primary keys")
def _():
    insp = sqlalchemy.inspect(engine())
    schemas = [s for s in insp.get_schema_names() if s not in ("information_schema",)]
    eq(sorted(schemas), ["in.c-sales", "out.c-reports"], "schemas")
    eq(insp.get_table_names(schema="in.c-sales"), ["orders"], "tables")
    cols = {c["name"]: c for c in insp.get_columns("orders", schema="in.c-sales")}
    eq(list(cols), COLUMNS, "columns")
    eq(str(cols["amount"]["type"]), "NUMERIC(12, 2)", "amount type")
    eq(str(cols["updated_at"]["type"]), "TIMESTAMP", "updated_at type")
    eq(cols["updated_at"]["type"].timezone, True, "updated_at timezone")
    eq(cols["id"]["nullable"], False, "id nullable")
    eq(cols["customer"]["nullable"], False, "customer nullable")
    eq(cols["amount"]["nullable"], True, "amount nullable")
    eq(type(cols["tags"]["type"]).__name__, "ARRAY", "tags type")
    eq(str(cols["tags"]["type"].item_type), "TEXT", "tags item type")
    eq(insp.get_pk_constraint("orders", schema="in.c-sales")["constrained_columns"], ["id"], "orders pk")
    eq(insp.get_pk_constraint("daily", schema="out.c-reports")["constrained_columns"], ["day", "region"], "daily pk")


@check("pandas: read_sql")
def _():
    df = pandas.read_sql('SELECT id, customer, amount, created_at FROM "in.c-sales".orders ORDER BY id', engine())
    eq(list(df["id"]), [1, 2, 3], "ids")
    eq(df["customer"][2], "Čeněk, žluťoučký", "customer")
    eq(str(df["created_at"].dtype), "datetime64[ns]", "created_at dtype")


failed = [n for n, err in results if err]
print(f"checks {len(results)} failed {len(failed)}")
sys.exit(1 if failed else 0)
