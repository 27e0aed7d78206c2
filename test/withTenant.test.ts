// withTenant on a real pool: the tenant is set for the transaction only, and a pooled
// connection does not carry it into the next request.
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emitSql } from '../compiler/emit/sql/emitSql.ts';
import { databaseRoles } from '../compiler/plan/names.ts';
import { compileSources, parseSources } from '../compiler/pipeline.ts';
import { InvalidTenantIdError, withTenant } from '../runtime/withTenant.ts';
import { minimalEstateAs } from './helpers.ts';
import { rejects, SERVER_URL, useServer } from './support/databases.ts';

const W = suite('withTenant');
const PLATFORM = `wt${process.pid}`;
const ROLES = databaseRoles(PLATFORM);
const DB = `tenantc_wt_${process.pid}`;

function sql(): Record<string, string> {
  const r = compileSources('tenants', parseSources(minimalEstateAs(PLATFORM)));
  if (!r.ok) throw new Error('fixture estate is invalid');
  return Object.fromEntries(emitSql(r.plan).map((f) => [f.path, f.content]));
}

W('rejects a value that is not a tenant id before touching the pool', async () => {
  let connected = false;
  const pool = { connect: async () => ((connected = true), {} as pg.PoolClient) };
  for (const bad of [`acme' OR '1'='1`, 'ACME', '', 'a'.repeat(25), 'acme\\']) {
    try {
      await withTenant(pool, bad, async () => 1);
      assert.unreachable(bad);
    } catch (e) {
      assert.instance(e, InvalidTenantIdError);
    }
  }
  assert.not.ok(connected);
});

if (useServer('withTenant')) {
  let admin: pg.Client;
  let pool: pg.Pool;
  W.before(async () => {
    const root = new pg.Client({ connectionString: SERVER_URL });
    await root.connect();
    await root.query(`DROP DATABASE IF EXISTS ${DB}`);
    await root.query(`CREATE DATABASE ${DB}`);
    await root.end();
    const url = new URL(SERVER_URL);
    url.pathname = `/${DB}`;
    admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    admin.on('notice', () => undefined);
    const files = sql();
    await admin.query(files['sql/001-rls-migration.sql']!);
    await admin.query(files['sql/002-tenants.sql']!);
    url.username = ROLES.app;
    // One connection: every call reuses it, as a busy pool would.
    pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
  });
  W.after(async () => {
    await pool?.end();
    await admin?.end();
    const root = new pg.Client({ connectionString: SERVER_URL });
    await root.connect();
    await root.query(`DROP DATABASE IF EXISTS ${DB}`);
    for (const role of [ROLES.app, ROLES.owner, ROLES.registrar]) await root.query(`DROP ROLE IF EXISTS ${role}`);
    await root.end();
  });

  W('writes land in the tenant, reads see only it, and the pooled connection forgets it', async () => {
    await withTenant(pool, 'acme', (db) => db.query('INSERT INTO app.projects DEFAULT VALUES'));
    await withTenant(pool, 'initech', (db) => db.query('INSERT INTO app.projects DEFAULT VALUES'));
    const seen = await withTenant(pool, 'acme', async (db) => (await db.query('SELECT tenant_id FROM app.projects')).rows.map((r) => r.tenant_id));
    assert.equal(seen, ['acme']);
    const after = await pool.query('SELECT current_setting($1, true) AS t, (SELECT count(*)::int FROM app.projects) AS n', ['app.tenant_id']);
    assert.equal(after.rows[0], { t: '', n: 0 }, 'the same connection outside withTenant sees no tenant and no rows');
  });

  W(
    "nothing of one tenant's transaction outlives it on the pooled connection: cursors WITH HOLD, temporary tables, session settings, LISTEN, advisory locks",
    async () => {
      await withTenant(pool, 'acme', (db) => db.query('INSERT INTO app.invoices DEFAULT VALUES'));
      await withTenant(pool, 'acme', async (db) => {
        await db.query('DECLARE leftover CURSOR WITH HOLD FOR SELECT tenant_id FROM app.invoices');
        await db.query('CREATE TEMP TABLE stash AS SELECT * FROM app.invoices');
        // Session-level, not transaction-local: would make every later transaction acme's.
        await db.query(`SELECT set_config('app.tenant_id', 'acme', false)`);
        await db.query('LISTEN acme_events');
        await db.query('SELECT pg_advisory_lock(42)');
      });
      // The same (only) connection, as the next request would get it.
      const c = await pool.connect();
      try {
        await rejects(c.query('FETCH ALL FROM leftover'), /cursor "leftover" does not exist/, 'the WITH HOLD cursor');
        await rejects(c.query('SELECT * FROM stash'), /relation "stash" does not exist/, 'the temporary table');
        assert.equal((await c.query(`SELECT current_setting('app.tenant_id', true) AS t, (SELECT count(*)::int FROM app.invoices) AS n`)).rows[0], {
          t: '',
          n: 0,
        });
        assert.equal((await c.query('SELECT count(*)::int AS n FROM pg_listening_channels()')).rows[0], { n: 0 });
        assert.equal((await c.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`)).rows[0], { n: 0 });
      } finally {
        c.release();
      }
      const seenByInitech = await withTenant(pool, 'initech', async (db) => (await db.query('SELECT tenant_id FROM app.invoices')).rows);
      assert.equal(seenByInitech, [], "the next tenant sees none of acme's rows");
    },
  );

  W("a failure rolls back the tenant's writes and clears its context", async () => {
    try {
      await withTenant(pool, 'acme', async (db) => {
        await db.query('INSERT INTO app.documents DEFAULT VALUES');
        throw new Error('boom');
      });
      assert.unreachable();
    } catch (e) {
      assert.is((e as Error).message, 'boom');
    }
    const n = await withTenant(pool, 'acme', async (db) => (await db.query('SELECT count(*)::int AS n FROM app.documents')).rows[0].n);
    assert.is(n, 0);
    assert.is((await pool.query(`SELECT current_setting('app.tenant_id', true) AS t`)).rows[0].t, '');
  });
}

W.run();
