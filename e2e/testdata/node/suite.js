// Client checks for node-postgres and pg-cursor.
// Run as: node suite.js (connection from the PG* environment variables).
// The same checks run against duckstore and against PostgreSQL 15 holding
// the same fixture (e2e/testdata/fixture.sql), so every expectation is
// PostgreSQL's own. Prints one line per check and "checks <n> failed <m>".
'use strict';
const assert = require('node:assert/strict');
const { Client } = require('pg');
const Cursor = require('pg-cursor');

let checks = 0;
let failed = 0;

async function check(name, body) {
  checks++;
  const client = new Client();
  try {
    await client.connect();
    await body(client);
    console.log(`ok ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack || e}`);
  } finally {
    await client.end().catch(() => {});
  }
}

function read(cursor, n) {
  return new Promise((resolve, reject) => cursor.read(n, (err, rows) => (err ? reject(err) : resolve(rows))));
}

(async () => {
  await check('parameters and types', async (c) => {
    const r = await c.query(
      'SELECT id, customer, amount, paid, order_date, updated_at, uid, payload, raw, tags, nums FROM "in.c-sales".orders WHERE id = $1 AND customer = $2',
      [1, 'Alice']);
    assert.equal(r.rowCount, 1);
    const row = r.rows[0];
    assert.equal(row.id, 1);
    assert.equal(row.amount, '1234.50');
    assert.equal(row.paid, true);
    assert.equal(row.updated_at.toISOString(), '2024-01-15T13:45:30.123Z');
    assert.equal(row.uid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    assert.deepEqual(row.payload, { k: [1, 2] });
    assert.deepEqual([...row.raw], [0xde, 0xad, 0xbe, 0xef]);
    assert.deepEqual(row.tags, ['x', 'y z']);
    assert.deepEqual(row.nums, [1, 2, 3]);
    assert.deepEqual(r.fields.map((f) => f.name), ['id', 'customer', 'amount', 'paid', 'order_date', 'updated_at', 'uid', 'payload', 'raw', 'tags', 'nums']);
    assert.deepEqual(r.fields.map((f) => f.dataTypeID), [23, 25, 1700, 16, 1082, 1184, 2950, 114, 17, 1009, 1007]);
  });

  await check('named prepared statement reused', async (c) => {
    for (let i = 1; i <= 3; i++) {
      const r = await c.query({ name: 'by_id', text: 'SELECT customer FROM "in.c-sales".orders WHERE id = $1', values: [i] });
      assert.equal(r.rows.length, 1);
    }
  });

  await check('error fields: code and position', async (c) => {
    await assert.rejects(c.query('SELECT nope FROM "in.c-sales".orders'), (e) => {
      assert.equal(e.code, '42703');
      assert.equal(e.position, '8');
      return true;
    });
    await assert.rejects(c.query('SELEC 1'), (e) => {
      assert.equal(e.code, '42601');
      assert.equal(e.position, '1');
      return true;
    });
    const r = await c.query('SELECT 1 AS one');
    assert.equal(r.rows[0].one, 1);
  });

  await check('cursor reads in batches', async (c) => {
    const cursor = c.query(new Cursor('SELECT g FROM generate_series(1, 10) AS s(g) ORDER BY g'));
    assert.deepEqual((await read(cursor, 4)).map((r) => r.g), [1, 2, 3, 4]);
    assert.deepEqual((await read(cursor, 4)).map((r) => r.g), [5, 6, 7, 8]);
    assert.deepEqual((await read(cursor, 4)).map((r) => r.g), [9, 10]);
    assert.deepEqual(await read(cursor, 4), []);
    await new Promise((resolve) => cursor.close(resolve));
  });

  await check('transaction status', async (c) => {
    await c.query('BEGIN');
    await c.query('INSERT INTO "out.c-reports".daily VALUES ($1, $2, $3)', ['2033-01-01', 'NODE', '2.50']);
    await assert.rejects(c.query('SELECT 1/0'), (e) => e.code === '22012');
    await assert.rejects(c.query('SELECT 1'), (e) => e.code === '25P02');
    await c.query('ROLLBACK');
    const r = await c.query("SELECT count(*)::int AS n FROM \"out.c-reports\".daily WHERE day = '2033-01-01'");
    assert.equal(r.rows[0].n, 0);
  });

  await check('array parameters: = ANY($1)', async (c) => {
    const r = await c.query('SELECT id FROM "in.c-sales".orders WHERE customer = ANY($1) ORDER BY id', [['Alice', 'Bob "B"', 'nobody']]);
    assert.deepEqual(r.rows.map((x) => x.id), [1, 2]);
    const n = await c.query('SELECT count(*)::int AS n FROM "in.c-sales".orders WHERE id = ANY($1)', [[1, 3, 99]]);
    assert.equal(n.rows[0].n, 2);
  });

  await check('catalog: tables, columns and primary keys, nothing of another project', async (c) => {
    const tables = await c.query(
      "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' " +
      "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2");
    assert.deepEqual(tables.rows.map((r) => `${r.table_schema}.${r.table_name}`), ['in.c-sales.orders', 'out.c-reports.daily']);
    const cols = await c.query(
      'SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable FROM information_schema.columns ' +
      'WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position', ['out.c-reports', 'daily']);
    assert.deepEqual(cols.rows.map((r) => [r.column_name, r.data_type, r.numeric_precision, r.numeric_scale, r.is_nullable]), [
      ['day', 'date', null, null, 'NO'], ['region', 'text', null, null, 'NO'], ['total', 'numeric', 14, 2, 'YES']]);
    const pk = await c.query(
      'SELECT k.column_name FROM information_schema.table_constraints t JOIN information_schema.key_column_usage k ' +
      'ON k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema ' +
      "WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = 'out.c-reports' AND t.table_name = 'daily' ORDER BY k.ordinal_position");
    assert.deepEqual(pk.rows.map((r) => r.column_name), ['day', 'region']);
    const leaked = await c.query("SELECT count(*)::int AS n FROM pg_catalog.pg_namespace WHERE nspname = 'in.c-secret'");
    assert.equal(leaked.rows[0].n, 0);
  });

  console.log(`checks ${checks} failed ${failed}`);
  process.exit(failed === 0 ? 0 : 1);
})();
