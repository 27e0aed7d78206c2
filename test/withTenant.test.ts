// withTenant against a tenant that controls its own SQL session: each test is an attack
// run as the application role, through withTenant on a pool, by tenant acme's request
// (an injection: any SQL, several statements at once), against initech. Each keeps
// beside it the mutation that removes the defence, evaluated: the same attack then
// leaks, blocks or changes initech's data. A mutation of withTenant's own SQL is made on
// the wire (mutatedPool: the statement withTenant sends, edited), so the code under test
// is the code that ships. Runs on the real PostgreSQL (required in CI) and on PGlite
// where PGlite can (one session: attacks that need a second session, a new login or
// node-postgres's named statements run on the server only).
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emitSql } from '../compiler/emit/sql/emitSql.ts';
import { databaseRoles } from '../compiler/plan/names.ts';
import { compileSources, parseSources } from '../compiler/pipeline.ts';
import {
  CONTEXT_KEY_VARIABLE,
  DeadlineExceededError,
  InvalidTenantIdError,
  LentClientError,
  PIN_ROLE_DEFAULTS,
  READ_BINDING,
  RESEED,
  sessionEndToken,
  type TenantDb,
  TenantContextKeyError,
  tenantPoolConfig,
  TransactionAbortedError,
  withTenant,
} from '../runtime/withTenant.ts';
import { minimalEstateAs } from './helpers.ts';
import { type AppPool, type Backend, pgliteBackend, readContextKey, rejects, SERVER_URL, serverBackend, useServer } from './support/databases.ts';

const PLATFORM = `wt${process.pid}`;
const ROLES = databaseRoles(PLATFORM);
/** A role the application role is a member of, as it is of rds_iam on Aurora. */
const MEMBER_ROLE = `${PLATFORM}_rds_iam`;
/** A login role other than the application's: a session the reaper must never end. */
const OTHER_ROLE = `${PLATFORM}_other`;

function sql(): Record<string, string> {
  const r = compileSources('tenants', parseSources(minimalEstateAs(PLATFORM)));
  if (!r.ok) throw new Error('fixture estate is invalid');
  return Object.fromEntries(emitSql(r.plan).map((f) => [f.path, f.content]));
}
const SQL = sql();

type Connectable = Pick<pg.Pool, 'connect'>;

/** The pool, with every statement withTenant sends passed through `edit`: a mutation of withTenant's SQL. */
function mutatedPool(pool: Connectable, edit: (sql: string) => string): Connectable {
  return {
    async connect() {
      const client = await pool.connect();
      return new Proxy(client, {
        get(target, property) {
          if (property === 'query') {
            return (config: unknown, values?: unknown[]) => target.query((typeof config === 'string' ? edit(config) : config) as string, values);
          }
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  } as Connectable;
}

/** The pool, keeping the raw client it hands out: what fn would hold without withTenant's lent client. */
function capturingPool(pool: Connectable): { pool: Connectable; raw: () => pg.PoolClient } {
  let raw: pg.PoolClient | undefined;
  return {
    pool: {
      async connect() {
        raw = await pool.connect();
        return raw;
      },
    } as Connectable,
    raw: () => raw!,
  };
}

/**
 * The mutation of tenantPoolConfig: a pool of the application role (server) whose
 * connections start without the tenant session settings, and claim them.
 */
function unpinnedPool(): { pool: Connectable; end(): Promise<void> } {
  const url = new URL(SERVER_URL);
  url.pathname = `/tenantc_rls_${PLATFORM}`;
  url.username = ROLES.app;
  const raw = new pg.Pool({ connectionString: url.toString(), max: 1 });
  raw.on('error', () => undefined);
  // A connection the server ends (the idle_session_timeout mutation) before the caller can
  // listen: on a loaded machine ReadyForQuery and the FATAL arrive in one read, the pool
  // hands the client out (dropping its own listener) and the FATAL is emitted at once,
  // with nobody listening, which ended the whole test process. Every new client listens.
  raw.on('connect', (client) => client.on('error', () => undefined));
  const claimed = tenantPoolConfig({}).options;
  return {
    pool: {
      async connect() {
        const client = await raw.connect();
        (client as unknown as { connectionParameters: { options?: string } }).connectionParameters.options = claimed;
        return client;
      },
    } as Connectable,
    end: () => raw.end(),
  };
}

/**
 * The migration's definition of `name` (CREATE OR REPLACE FUNCTION ... $fn$;), edited: a
 * mutation of one of tenantc's functions, run as its owner.
 */
function mutatedFunction(name: string, owner: string, edit: (definition: string) => string): string {
  const migration = SQL['sql/001-rls-migration.sql']!;
  const start = migration.indexOf(`CREATE OR REPLACE FUNCTION "app".${name}(`);
  const end = migration.indexOf('$fn$;', migration.indexOf('AS $fn$', start)) + '$fn$;'.length;
  if (start === -1) throw new Error(`${name} is not in the migration`);
  const definition = migration.slice(start, end);
  const edited = edit(definition);
  if (edited === definition) throw new Error(`the mutation of ${name} changed nothing`);
  return `GRANT CREATE ON SCHEMA app TO ${owner}; SET ROLE ${owner}; ${edited} RESET ROLE; REVOKE CREATE ON SCHEMA app FROM ${owner};`;
}

/** The catching loop: a statement that swallows every cancel (and statement_timeout), its belt lifted. */
const CATCHING_LOOP = `SET LOCAL statement_timeout = 0; SET LOCAL client_connection_check_interval = 0;
  SELECT id FROM app.projects ORDER BY id LIMIT 1 FOR UPDATE;
  DO $$ BEGIN LOOP BEGIN PERFORM pg_sleep(1); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$ /* catching-loop */`;

const tenants = async (r: Promise<{ rows: { tenant_id: string }[] }>) => [...new Set((await r).rows.map((x) => x.tenant_id))].sort();

const A = suite('withTenant: arguments');

A('rejects a value that is not a tenant id, and a missing or malformed context key, before touching the pool', async () => {
  let connected = false;
  const pool = { connect: async () => ((connected = true), {} as pg.PoolClient) };
  const key = 'ab'.repeat(32);
  for (const bad of [`acme' OR '1'='1`, 'ACME', '', 'a'.repeat(25), 'acme\\']) {
    try {
      await withTenant(pool, bad, async () => 1, { contextKey: key });
      assert.unreachable(bad);
    } catch (e) {
      assert.instance(e, InvalidTenantIdError);
    }
  }
  const saved = process.env[CONTEXT_KEY_VARIABLE];
  delete process.env[CONTEXT_KEY_VARIABLE];
  try {
    for (const contextKey of [undefined, '', 'ab'.repeat(31), 'zz'.repeat(32), new Uint8Array(16)]) {
      try {
        await withTenant(pool, 'acme', async () => 1, { contextKey });
        assert.unreachable(String(contextKey));
      } catch (e) {
        assert.instance(e, TenantContextKeyError);
      }
    }
  } finally {
    if (saved !== undefined) process.env[CONTEXT_KEY_VARIABLE] = saved;
  }
  assert.not.ok(connected);
});

A.run();

function withTenantSuite(name: string, open: () => Promise<Backend>, server: boolean): void {
  const W = suite(`withTenant on ${name}`);
  let db: Backend;
  let app: AppPool;
  let key: string;
  /** withTenant as the application calls it: the key is its configuration. */
  const run = <T>(pool: Connectable, tenant: string, fn: (c: TenantDb) => Promise<T>) => withTenant(pool, tenant, fn, { contextKey: key });

  W.before(async () => {
    db = await open();
    await db.admin.exec(SQL['sql/001-rls-migration.sql']!);
    await db.admin.exec(SQL['sql/002-tenants.sql']!);
    await db.admin.exec(`CREATE ROLE ${MEMBER_ROLE} NOLOGIN; GRANT ${MEMBER_ROLE} TO ${ROLES.app}`);
    key = await readContextKey(db.admin);
    app = await db.appPool();
    for (const tenant of ['acme', 'initech']) {
      await run(app.pool, tenant, (c) =>
        c.query('INSERT INTO app.projects DEFAULT VALUES; INSERT INTO app.invoices DEFAULT VALUES; INSERT INTO app.comments DEFAULT VALUES'),
      );
    }
  });
  W.after(async () => {
    await app?.end();
    await db?.close();
  });

  W('writes land in the tenant, reads see only it, and the pooled connection forgets it', async () => {
    assert.equal(await tenants(run(app.pool, 'acme', (c) => c.query('SELECT tenant_id FROM app.projects'))), ['acme']);
    const c = await app.pool.connect();
    try {
      const after = await c.query(`SELECT current_setting('app.tenant_id', true) AS t, (SELECT count(*)::int FROM app.projects) AS n`);
      assert.equal(after.rows[0], { t: '', n: 0 }, 'the same connection outside withTenant sees no tenant and no rows');
    } finally {
      c.release();
    }
    assert.is(app.destroyed(), 0);
  });

  W("SQL in acme's request cannot become initech: app.tenant_id set to initech, with acme's proof or a forged one, shows nothing", async () => {
    const attack = (c: TenantDb) =>
      tenants(
        c
          .query(`SELECT set_config('app.tenant_id', 'initech', true), set_config('app.tenant_proof', repeat('0', 64), true);
          SELECT set_config('app.tenant_id', 'initech', false); SELECT tenant_id FROM app.projects`)
          .then((r) => (r as unknown as pg.QueryResult[])[2]!),
      );
    assert.equal(await run(app.pool, 'acme', attack), [], 'a forged proof');
    assert.equal(
      await run(app.pool, 'acme', (c) =>
        tenants(
          c
            .query(`SELECT set_config('app.tenant_id', 'initech', true); SELECT tenant_id FROM app.projects`)
            .then((r) => (r as unknown as pg.QueryResult[])[1]!),
        ),
      ),
      [],
      "acme's own proof",
    );
    assert.equal(await run(app.pool, 'acme', (c) => c.query('SELECT id FROM app.current_tenant()').then((r) => r.rows)), [{ id: 'acme' }]);
    // The key that would make any proof stays out of reach.
    await rejects(
      run(app.pool, 'acme', (c) => c.query('SELECT app.tenantc_context_key()')),
      /permission denied for function tenantc_context_key/,
      'the key',
    );
    await rejects(
      run(app.pool, 'acme', (c) => c.query('SELECT key FROM app.tenantc_context_keys')),
      /permission denied for table tenantc_context_keys/,
      'the key table',
    );
    // The mutation: current_tenant_id() trusting app.tenant_id alone, as before.
    await db.admin.exec(`GRANT CREATE ON SCHEMA app TO ${ROLES.registrar}; SET ROLE ${ROLES.registrar};
      CREATE OR REPLACE FUNCTION app.current_tenant_id() RETURNS app.tenant_id LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$ SELECT t.id FROM app.tenants t WHERE t.id = NULLIF(current_setting('app.tenant_id', true), '')::app.tenant_id AND t.status <> 'removed' $$;
      RESET ROLE; REVOKE CREATE ON SCHEMA app FROM ${ROLES.registrar};`);
    try {
      assert.equal(await run(app.pool, 'acme', attack), ['initech'], 'without the proof, acme reads initech');
    } finally {
      await db.admin.exec(SQL['sql/001-rls-migration.sql']!);
    }
    assert.equal(await run(app.pool, 'acme', attack), [], 'the migration puts the proof back');
  });

  W("a proof of initech's that leaks (a log line, an error report) is good for initech's one transaction only: replayed by acme it opens nothing", async () => {
    // initech's proof, as a log line with bind parameters would show it to acme.
    const capture = (pool: Connectable) =>
      run(pool, 'initech', async (c) => (await c.query(`SELECT current_setting('app.tenant_proof') AS p`)).rows[0].p as string);
    const replay = (pool: Connectable, proof: string) =>
      run(pool, 'acme', (c) =>
        tenants(
          c
            .query(`SELECT set_config('app.tenant_id', 'initech', true), set_config('app.tenant_proof', '${proof}', true); SELECT tenant_id FROM app.projects`)
            .then((r) => (r as unknown as pg.QueryResult[])[1]!),
        ),
      );
    // The next request on the same pooled connection (max 1): same backend, later transaction.
    assert.equal(await replay(app.pool, await capture(app.pool)), [], 'replayed in the next request');
    if (server) {
      // Another session, as a replay from another connection would be.
      const other = await db.app();
      try {
        const proof = await capture(app.pool);
        await other.exec('BEGIN');
        await other.query(`SELECT set_config('app.tenant_id', 'initech', true), set_config('app.tenant_proof', $1, true)`, [proof]);
        assert.equal(await other.query('SELECT tenant_id FROM app.projects'), [], 'replayed in another session');
        await other.exec('ROLLBACK');
      } finally {
        await other.close();
      }
    }
    // The mutation: the proof bound to nothing (the HMAC of the id alone, as it was), in
    // the migration and in what withTenant reads. The captured proof then opens initech.
    const unbound = mutatedPool(app.pool, (s) => s.replace(READ_BINDING, "SELECT '0:0' AS binding"));
    const BOUND =
      "current_setting('app.tenant_id', true) || ':' || pg_backend_pid()::text || ':' || (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text";
    assert.ok(SQL['sql/001-rls-migration.sql']!.includes(BOUND));
    await db.admin.exec(SQL['sql/001-rls-migration.sql']!.replace(BOUND, "current_setting('app.tenant_id', true) || ':0:0'"));
    try {
      assert.equal(await replay(unbound, await capture(unbound)), ['initech'], 'an unbound proof, replayed, reads initech');
    } finally {
      await db.admin.exec(SQL['sql/001-rls-migration.sql']!);
    }
    assert.equal(await replay(app.pool, await capture(app.pool)), [], 'the migration binds it again');
  });

  W("SET ROLE in acme's request does not reach initech's next request (on Aurora the role is a member of rds_iam)", async () => {
    const attack = (c: TenantDb) => c.query(`SET ROLE ${MEMBER_ROLE}`);
    const next = () => run(app.pool, 'initech', (c) => tenants(c.query('SELECT tenant_id FROM app.projects')));
    await run(app.pool, 'acme', attack);
    assert.equal(await next(), ['initech']);
    // The mutation: no SET ROLE NONE (RESET ALL leaves ROLE alone).
    const blind = mutatedPool(app.pool, (s) => s.replaceAll('SET ROLE NONE; ', ''));
    await run(blind, 'acme', attack);
    await rejects(
      run(blind, 'initech', (c) => c.query('SELECT tenant_id FROM app.projects')),
      /permission denied for (schema app|table projects)/,
      'initech runs as the member role',
    );
    assert.equal(await next(), ['initech'], 'withTenant itself clears it on the next start');
    // SET SESSION AUTHORIZATION needs a superuser's session (PGlite's stands in for a login by it).
    if (server) {
      await rejects(
        run(app.pool, 'acme', (c) => c.query(`SET SESSION AUTHORIZATION ${ROLES.owner}`)),
        /permission denied to set session authorization/,
        'SET SESSION AUTHORIZATION',
      );
    }
  });

  W("lastval() in acme's next request does not name the sequence initech used last (DISCARD SEQUENCES)", async () => {
    const attack = (c: TenantDb) => c.query('SELECT lastval()');
    await run(app.pool, 'initech', (c) => c.query('INSERT INTO app.projects DEFAULT VALUES'));
    await rejects(run(app.pool, 'acme', attack), /lastval is not yet defined in this session/, 'lastval');
    const blind = mutatedPool(app.pool, (s) => s.replace('DISCARD SEQUENCES; ', ''));
    await run(blind, 'initech', (c) => c.query('INSERT INTO app.projects DEFAULT VALUES'));
    await rejects(run(blind, 'acme', attack), /permission denied for sequence projects_id_seq/, 'without it, the error names the sequence');
  });

  W("SET seed in acme's request (setseed under another name, skipped by RESET ALL) does not choose initech's next random() (RESEED)", async () => {
    const draw = async (pool: Connectable, tenant: string, seed?: string) =>
      run(pool, tenant, async (c) => {
        if (seed) await c.query(seed);
        return (await c.query('SELECT random() AS r')).rows[0].r as number;
      });
    // What acme predicts: the first draw after the seed it sets.
    const predicted = await draw(app.pool, 'acme', 'SET seed = 0.42');
    for (const seed of ['SET seed = 0.42', "SELECT set_config('seed', '0.42', false)"]) {
      await run(app.pool, 'acme', (c) => c.query(seed));
      assert.is.not(await draw(app.pool, 'initech'), predicted, seed);
    }
    // The mutation: no reseed. initech draws the number acme chose.
    const blind = mutatedPool(app.pool, (s) => s.replace(`${RESEED};`, ''));
    await run(blind, 'acme', (c) => c.query('SET seed = 0.42'));
    assert.is(await draw(blind, 'initech'), predicted, "without the reseed, acme knows initech's random()");
  });

  W("a temporary table acme names like an application table does not stand in for it in initech's request (DISCARD TEMP)", async () => {
    const plant = (c: TenantDb) => c.query(`CREATE TEMP TABLE projects AS SELECT 'forged-by-acme'::text AS tenant_id`);
    // The application query without a schema: pg_temp comes first on search_path.
    const read = (c: TenantDb) =>
      tenants(c.query('SET LOCAL search_path = app, public; SELECT tenant_id FROM projects').then((r) => (r as unknown as pg.QueryResult[])[1]!));
    await run(app.pool, 'acme', plant);
    assert.equal(await run(app.pool, 'initech', read), ['initech']);
    const blind = mutatedPool(app.pool, (s) => s.replace('DISCARD TEMP; ', ''));
    await run(blind, 'acme', plant);
    assert.equal(await run(blind, 'initech', read), ['forged-by-acme'], "without it, initech reads acme's table");
    await run(app.pool, 'acme', async () => undefined);
  });

  W('session settings, WITH HOLD cursors and LISTEN do not outlive the request', async () => {
    const attack = (c: TenantDb) =>
      c.query(`DECLARE leftover CURSOR WITH HOLD FOR SELECT tenant_id FROM app.invoices;
        SELECT set_config('app.tenant_id', 'acme', false), set_config('app.tenant_proof', current_setting('app.tenant_proof'), false);
        SET search_path = pg_temp, app; LISTEN acme_events`);
    const observe = async (pool: Connectable) => {
      const c = await pool.connect();
      try {
        const state = await c.query(`SELECT current_setting('app.tenant_id', true) AS t, current_setting('search_path') AS path,
          (SELECT count(*)::int FROM app.invoices) AS visible, (SELECT count(*)::int FROM pg_listening_channels()) AS listening,
          (SELECT count(*)::int FROM pg_cursors) AS cursors`);
        return state.rows[0];
      } finally {
        c.release();
      }
    };
    const fresh = await observe(app.pool);
    await run(app.pool, 'acme', attack);
    assert.equal(await observe(app.pool), fresh);
    assert.equal(fresh, { t: '', path: fresh.path, visible: 0, listening: 0, cursors: 0 });
    // The mutations, each alone: the setting, the cursor, the listen outlive the request.
    const without = async (statement: string) => {
      const blind = mutatedPool(app.pool, (s) => s.replace(statement, ''));
      await run(blind, 'acme', attack);
      const state = await observe(blind);
      await run(app.pool, 'acme', async () => undefined);
      return state;
    };
    // Without RESET ALL the settings outlive the request; acme's proof with them, but a
    // proof is bound to its transaction (READ_BINDING), so it opens no row afterwards.
    assert.equal(
      await without('RESET ALL; '),
      { t: 'acme', path: 'pg_temp, app', visible: 0, listening: 0, cursors: 0 },
      'the settings stay, the proof opens nothing',
    );
    assert.equal((await without('CLOSE ALL; ')).cursors, 1, "the cursor over acme's rows, for the next request to FETCH");
    assert.equal((await without('UNLISTEN *; ')).listening, 1);
  });

  W("release() inside fn, and the client used after fn settled, are refused: no other request gets acme's open transaction", async () => {
    const captured = capturingPool(app.pool);
    await rejects(
      run(captured.pool, 'acme', async (c) => c.release()),
      /release\(\) inside withTenant \(tenant acme\)/,
      'release inside fn',
    );
    let stash: TenantDb | undefined;
    await run(app.pool, 'acme', async (c) => {
      stash = c;
    });
    // acme's late callback, firing while initech's request runs on the same connection.
    const late = () => stash!.query('SELECT tenant_id FROM app.projects');
    await run(app.pool, 'initech', async () => {
      assert.throws(late, (e: unknown) => e instanceof LentClientError);
    });
    assert.is(app.destroyed(), 0, 'refusing destroys nothing');
    // The mutation: fn holds the raw client. A late query runs in initech's transaction
    // and reads initech's rows.
    stash = undefined;
    await run(captured.pool, 'acme', async () => {
      stash = captured.raw() as unknown as TenantDb;
    });
    assert.equal(await run(app.pool, 'initech', () => tenants(late())), ['initech'], "the raw client reads initech's rows");
  });

  W("the client lent to fn is query-only: no listener acme leaves hears initech's next request, no connection, no Submittable", async () => {
    const heard: string[] = [];
    const listen = async (c: TenantDb) => {
      (c as unknown as pg.PoolClient).on('notice', (n) => heard.push(String(n.message)));
    };
    const initech = () => run(app.pool, 'initech', (c) => c.query(`DO $$ BEGIN RAISE NOTICE 'initech: payroll run %', 42; END $$`));
    await rejects(run(app.pool, 'acme', listen), /\.on is not a function/, 'on()');
    await initech();
    assert.equal(heard, []);
    await run(app.pool, 'acme', async (c) => {
      assert.equal(Object.keys(c).sort(), ['escapeIdentifier', 'escapeLiteral', 'query', 'release']);
      assert.is((c as unknown as { connection?: unknown }).connection, undefined, 'no wire protocol, no parsedStatements');
      assert.is(c.escapeLiteral("o'hare"), "'o''hare'");
      assert.throws(
        () => c.query({ submit: () => undefined } as unknown as string),
        (e: unknown) => e instanceof LentClientError,
      );
    });
    if (!server) return; // PGlite's client emits no notice events.
    // The mutation: fn holds the raw client. Its listener hears initech's next request.
    const captured = capturingPool(app.pool);
    await run(captured.pool, 'acme', async () => listen(captured.raw() as unknown as TenantDb));
    try {
      await initech();
      assert.equal(heard, ['initech: payroll run 42'], "acme's listener hears initech");
    } finally {
      captured.raw().removeAllListeners('notice');
    }
  });

  W('a request past its deadline is abandoned and its connection destroyed: one tenant cannot hold a pooled connection', async () => {
    if (!server) return; // PGlite runs pg_sleep on the event loop's thread: no timer fires meanwhile.
    const before = app.destroyed();
    await rejects(
      withTenant(app.pool, 'acme', (c) => c.query('SET LOCAL statement_timeout = 0; SELECT pg_sleep(30)'), { contextKey: key, deadlineMs: 300 }),
      /held its connection past its deadline \(300 ms\)/,
      'deadline',
    );
    assert.is(app.destroyed(), before + 1, 'the connection is destroyed, not returned mid-statement');
    // The server cancels the statement (CancelRequest) and the backend ends: nothing of
    // the request holds a server connection (the sleep had 30 s to go, without a timeout).
    // This run's database only: the server is shared with other runs of this suite.
    const sleeping = () =>
      db.admin.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`);
    for (let i = 0; i < 50 && (await sleeping()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await sleeping(), [], "the backend that ran acme's statement is gone");
    assert.equal(await tenants(run(app.pool, 'initech', (c) => c.query('SELECT tenant_id FROM app.projects'))), ['initech'], 'the pool serves on');
    // The mutation: no deadline. The request holds its connection for as long as its SQL says.
    const held = await withTenant(app.pool, 'acme', (c) => c.query('SET LOCAL statement_timeout = 0; SELECT pg_sleep(0.5)').then(() => 'held'), {
      contextKey: key,
      deadlineMs: Number.POSITIVE_INFINITY,
    });
    assert.is(held, 'held', 'without a deadline, pg_sleep(0.5) ran to its end past 300 ms');
  });

  W(
    'the deadline covers COMMIT: work acme defers to it (a deferred trigger on its temporary table) does not hold the connection past the deadline',
    async () => {
      if (!server) return; // PGlite runs pg_sleep on the event loop's thread: no timer fires meanwhile.
      const deferToCommit = (seconds: number) => `SET LOCAL statement_timeout = 0;
      CREATE FUNCTION pg_temp.at_commit() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN PERFORM pg_sleep(${seconds}); RETURN NULL; END $f$;
      CREATE TEMP TABLE acme_commit_hook (i int);
      CREATE CONSTRAINT TRIGGER acme_hook AFTER INSERT ON acme_commit_hook DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp.at_commit();
      INSERT INTO acme_commit_hook VALUES (1)`;
      const before = app.destroyed();
      const started = Date.now();
      await rejects(
        withTenant(app.pool, 'acme', (c) => c.query(deferToCommit(30)), { contextKey: key, deadlineMs: 300 }),
        /held its connection past its deadline \(300 ms\)/,
        'COMMIT past the deadline',
      );
      assert.ok(Date.now() - started < 5000, 'rejected at the deadline, not when the deferred work ended');
      assert.is(app.destroyed(), before + 1, 'the connection is destroyed');
      // The mutation: COMMIT outside the deadline (as no deadline). fn settles at once, COMMIT runs the deferred sleep.
      const t0 = Date.now();
      await withTenant(app.pool, 'acme', (c) => c.query(deferToCommit(0.5)), { contextKey: key, deadlineMs: Number.POSITIVE_INFINITY });
      assert.ok(Date.now() - t0 >= 500, "without the deadline on COMMIT, acme's deferred work holds the connection past 300 ms");
    },
  );

  W('a failed statement that fn swallowed is not reported as written: COMMIT rolled back', async () => {
    if (!server) return; // PGlite's client does not say which command completed.
    await rejects(
      run(app.pool, 'acme', async (c) => {
        await c.query('INSERT INTO app.documents DEFAULT VALUES');
        await c.query('SELECT 1 / 0').catch(() => undefined);
        return 'done';
      }),
      /a statement inside fn failed, so COMMIT rolled the transaction back; nothing was written/,
      'swallowed error',
    );
    assert.equal(await run(app.pool, 'acme', (c) => c.query('SELECT count(*)::int AS n FROM app.documents').then((r) => r.rows)), [{ n: 0 }]);
    try {
      await run(app.pool, 'acme', async () => {
        throw new Error('boom');
      });
      assert.unreachable();
    } catch (e) {
      assert.not.instance(e, TransactionAbortedError);
      assert.is((e as Error).message, 'boom');
    }
  });

  if (!server) {
    W.run();
    return;
  }

  W("a prepared statement acme makes in its request never runs in initech's (SQL or protocol level)", async () => {
    const own = await db.appPool();
    const COUNT = { name: 'count_comments', text: 'SELECT count(*)::int AS n FROM app.comments WHERE id > $1', values: [0] };
    const hijack = `DEALLOCATE ALL; PREPARE count_comments(bigint) AS
      WITH gone AS (DELETE FROM app.comments RETURNING 1) SELECT count(*)::int AS n FROM gone WHERE $1 IS NOT NULL`;
    const count = (pool: Connectable) => run(pool, 'initech', (c) => c.query(COUNT).then((r) => r.rows[0].n as number));
    try {
      const before = await count(own.pool);
      assert.ok(before >= 1);
      await run(own.pool, 'acme', (c) => c.query(hijack));
      assert.is(await count(own.pool), before, "initech's statement is initech's");
      assert.is(await count(own.pool), before, "and initech's comments are all there");
      assert.is(own.destroyed(), 0);
      // The mutation: withTenant blind to prepared statements (as before). node-postgres
      // runs acme's statement under initech's name, as initech: its comments are deleted.
      const blind = mutatedPool(own.pool, (s) => s.replaceAll('FROM pg_prepared_statements', 'FROM pg_prepared_statements WHERE false'));
      await count(blind);
      await run(blind, 'acme', (c) => c.query(hijack));
      await count(blind);
      assert.equal(await run(app.pool, 'initech', (c) => c.query('SELECT count(*)::int AS n FROM app.comments').then((r) => r.rows)), [{ n: 0 }], 'deleted');
    } finally {
      await own.end();
      await run(app.pool, 'initech', (c) => c.query('INSERT INTO app.comments DEFAULT VALUES'));
    }
  });

  W("role defaults acme gives the shared role (read-only, a role) do not take effect in initech's requests", async () => {
    await run(app.pool, 'acme', (c) =>
      c.query(`ALTER ROLE CURRENT_USER SET default_transaction_read_only = on; ALTER ROLE CURRENT_USER SET role = ${MEMBER_ROLE}`),
    );
    const write = (pool: Connectable) =>
      run(pool, 'initech', (c) => c.query('INSERT INTO app.invoices DEFAULT VALUES RETURNING tenant_id').then((r) => r.rows));
    try {
      // A new connection starts with the defaults.
      const fresh = await db.appPool();
      try {
        assert.equal(await write(fresh.pool), [{ tenant_id: 'initech' }]);
      } finally {
        await fresh.end();
      }
      // The startup options (tenantPoolConfig) hold alone: without the pin, still read-write.
      const optionsOnly = await db.appPool();
      try {
        assert.equal(await write(mutatedPool(optionsOnly.pool, (s) => s.replaceAll(`${PIN_ROLE_DEFAULTS};`, ''))), [{ tenant_id: 'initech' }]);
      } finally {
        await optionsOnly.end();
      }
      // The mutations: no startup options and no pin (the connection made without
      // tenantPoolConfig, claiming it); no SET ROLE NONE.
      const unpinned = unpinnedPool();
      try {
        await rejects(
          write(mutatedPool(unpinned.pool, (s) => s.replaceAll(`${PIN_ROLE_DEFAULTS};`, ''))),
          /cannot execute INSERT in a read-only transaction/,
          'without options and pin',
        );
      } finally {
        await unpinned.end();
      }
      const fresh2 = await db.appPool();
      try {
        await rejects(write(mutatedPool(fresh2.pool, (s) => s.replaceAll('SET ROLE NONE; ', ''))), /permission denied/, 'without SET ROLE NONE');
      } finally {
        await fresh2.end();
      }
    } finally {
      await db.admin.exec(`ALTER ROLE ${ROLES.app} RESET ALL`);
    }
  });

  W("a role default idle_session_timeout acme commits does not end initech's new connections before their first statement", async () => {
    await run(app.pool, 'acme', (c) => c.query(`ALTER ROLE CURRENT_USER SET idle_session_timeout = '1ms'`));
    const idleThenWrite = async (pool: Connectable) => {
      // A new connection idle for a moment before its first statement, as a pool's is.
      const client = await pool.connect();
      client.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 50));
      return run({ connect: async () => client } as Connectable, 'initech', (c) => c.query('SELECT 1 AS one').then((r) => r.rows));
    };
    try {
      const fresh = await db.appPool();
      try {
        assert.equal(await idleThenWrite(fresh.pool), [{ one: 1 }]);
      } finally {
        await fresh.end();
      }
      // The mutation: a connection without the startup options (claiming them) dies idle.
      const unpinned = unpinnedPool();
      try {
        await rejects(
          idleThenWrite(unpinned.pool),
          /idle-session timeout|Connection terminated|terminating connection|not queryable|ECONNRESET/i,
          'without the startup options',
        );
      } finally {
        await unpinned.end();
      }
    } finally {
      await db.admin.exec(`ALTER ROLE ${ROLES.app} RESET ALL`);
    }
  });

  W('withTenant refuses a pool whose connections do not start with the tenant session settings (tenantPoolConfig)', async () => {
    let ran = false;
    const bare: Connectable = {
      async connect() {
        const client = await app.pool.connect();
        return new Proxy(client, {
          get(target, property) {
            if (property === 'connectionParameters') return { options: undefined };
            const value = Reflect.get(target, property, target) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
      },
    } as Connectable;
    await rejects(
      withTenant(bare, 'acme', async () => (ran = true), { contextKey: key }),
      /do not start with the tenant session settings: make it with new pg\.Pool\(tenantPoolConfig\(config\)\)/,
      'a bare pool',
    );
    assert.not.ok(ran, 'fn never ran');
    assert.ok(tenantPoolConfig({ options: '-c search_path=app' }).options.startsWith('-c search_path=app -c default_transaction_read_only=off'));
    assert.equal(await run(app.pool, 'acme', async () => 'ran'), 'ran', 'the pool made with tenantPoolConfig');
  });

  W("advisory locks: acme cannot take initech's keys; tenant locks have a key space per tenant", async () => {
    const other = await db.appPool();
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    let done!: () => void;
    const finish = new Promise<void>((r) => (done = r));
    try {
      await rejects(
        run(app.pool, 'acme', (c) => c.query('SELECT pg_advisory_lock(7)')),
        /permission denied for function pg_advisory_lock/,
        'session lock',
      );
      const initech = run(other.pool, 'initech', async (c) => {
        await c.query('SELECT app.tenant_advisory_xact_lock(7)');
        held();
        await finish;
      });
      await holding;
      assert.equal(await run(app.pool, 'acme', (c) => c.query('SELECT app.tenant_try_advisory_xact_lock(7) AS got').then((r) => r.rows)), [{ got: true }]);
      done();
      await initech;
      // The mutation: the built-in functions granted back; one key space for all.
      await db.admin.exec('GRANT EXECUTE ON FUNCTION pg_advisory_xact_lock(bigint), pg_try_advisory_xact_lock(bigint) TO PUBLIC');
      const holding2 = new Promise<void>((r) => (held = r));
      const finish2 = new Promise<void>((r) => (done = r));
      const initech2 = run(other.pool, 'initech', async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(7)');
        held();
        await finish2;
      });
      await holding2;
      assert.equal(
        await run(app.pool, 'acme', (c) => c.query('SELECT pg_try_advisory_xact_lock(7) AS got').then((r) => r.rows)),
        [{ got: false }],
        'acme holds up initech',
      );
      done();
      await initech2;
    } finally {
      done();
      await db.admin.exec('REVOKE EXECUTE ON FUNCTION pg_advisory_xact_lock(bigint), pg_try_advisory_xact_lock(bigint) FROM PUBLIC');
      await other.end();
    }
  });

  /**
   * Backends running the catching loop, as the admin sees them: in this run's database only.
   * The server is shared with other runs of this suite (other checkouts, other processes):
   * unfiltered, their loops counted here and this suite's cleanup ended theirs, each
   * failing the other's "gone" and "still runs" assertions.
   */
  const loopingBackends = async () =>
    (
      await db.admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%catching-loop%' AND query NOT LIKE '%pg_stat_activity%'`,
      )
    ).map((r) => r.pid);
  /** acme's first project row, FOR UPDATE NOWAIT, in a request of its own: 'free', or the lock error. */
  const acmeRowLock = () =>
    run(app.pool, 'acme', (c) => c.query('SELECT id FROM app.projects ORDER BY id LIMIT 1 FOR UPDATE NOWAIT').then(() => 'free')).catch(
      (e: Error) => e.message,
    );

  W(
    'a statement that catches the cancel in PL/pgSQL is ended by the reaper within the deadline and the grace: its locks go, its server connection too',
    async () => {
      if (!server) return; // PGlite runs pg_sleep on the event loop's thread: no timer fires meanwhile.
      try {
        const before = app.destroyed();
        const started = Date.now();
        let error: unknown;
        try {
          await withTenant(app.pool, 'acme', (c) => c.query(CATCHING_LOOP), { contextKey: key, deadlineMs: 300, cancelGraceMs: 200 });
        } catch (e) {
          error = e;
        }
        const took = Date.now() - started;
        assert.instance(error, DeadlineExceededError);
        assert.is((error as DeadlineExceededError).session, 'ended', (error as Error).message);
        assert.match(
          (error as Error).message,
          /held its connection past its deadline \(300 ms\); rolled back; its statement ignored the cancel, so its session was ended/,
        );
        // Deadline 300 ms + grace 200 ms + the reaper (a connection, the termination); the
        // wall clock of a shared machine, so generously bounded: the loop had no end at all.
        assert.ok(took < 300 + 200 + 4000, `rejected after ${took} ms`);
        assert.is(app.destroyed(), before + 1, 'the connection is destroyed');
        assert.equal(await loopingBackends(), [], 'the backend that ran the loop is gone');
        assert.is(await acmeRowLock(), 'free', 'the row it locked is free at once');

        // The mutation: withTenant as it was (cancel, close the socket; no reaper): the
        // reaper's call answered without ending anything. The loop keeps its lock and its backend.
        const noReaper = mutatedPool(app.pool, (text) =>
          text.replace(/"app"\.tenantc_end_session\(\$1, \$2, \$3\)/, "'gone' || $1::int::text || $2::bigint::text || $3::text"),
        );
        {
          await rejects(
            withTenant(noReaper, 'acme', (c) => c.query(CATCHING_LOOP), { contextKey: key, deadlineMs: 300, cancelGraceMs: 200 }),
            /held its connection past its deadline/,
            'the deadline',
          );
          // The real one's backend was gone when withTenant rejected (above); this one still runs 0.2 s later.
          await new Promise((r) => setTimeout(r, 200));
          assert.is((await loopingBackends()).length, 1, 'without the reaper, the loop runs on past the deadline, the grace and 0.2 s more');
          assert.match(await acmeRowLock(), /could not obtain lock on row/, 'and holds its row lock');
        }
      } finally {
        // Whatever failed above, no loop outlives the test.
        for (const pid of await loopingBackends()) await db.admin.query('SELECT pg_terminate_backend($1, 5000)', [pid]);
      }
    },
  );

  W('the reaper ends a catching loop deferred to COMMIT too (a deferred trigger on a temporary table)', async () => {
    if (!server) return; // PGlite runs pg_sleep on the event loop's thread: no timer fires meanwhile.
    const deferred = `SET LOCAL statement_timeout = 0; SET LOCAL client_connection_check_interval = 0;
      CREATE FUNCTION pg_temp.at_commit() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN LOOP BEGIN PERFORM pg_sleep(1); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $f$ /* catching-loop */;
      CREATE TEMP TABLE acme_commit_hook (i int);
      CREATE CONSTRAINT TRIGGER acme_hook AFTER INSERT ON acme_commit_hook DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp.at_commit();
      INSERT INTO acme_commit_hook VALUES (1)`;
    // The pool, noting the backend of the first connection it lends (the request's; the second is the reaper's).
    const pids: number[] = [];
    const noting = {
      async connect() {
        const client = await app.pool.connect();
        pids.push((client as unknown as { processID: number }).processID);
        return client;
      },
    } as Connectable;
    let error: unknown;
    try {
      await withTenant(noting, 'acme', (c) => c.query(deferred), { contextKey: key, deadlineMs: 300, cancelGraceMs: 200 });
    } catch (e) {
      error = e;
    }
    try {
      assert.instance(error, DeadlineExceededError);
      assert.is((error as DeadlineExceededError).session, 'ended', (error as Error).message);
      assert.match((error as Error).message, /during COMMIT: whether it was written is unknown; its statement ignored the cancel, so its session was ended/);
      assert.is(pids.length, 2, 'the request, then the reaper');
      assert.equal(await db.admin.query('SELECT pid FROM pg_stat_activity WHERE pid = $1', [pids[0]]), [], 'the backend that ran the COMMIT is gone');
    } finally {
      // Whatever failed above, no loop outlives the test (it would hold the test's database).
      await db.admin.query('SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE pid = $1', [pids[0]]);
    }
  });

  W('the reaper is bounded and adds no second error: no function to call, no connection to be had; the error says the session was not ended', async () => {
    if (!server) return; // PGlite runs pg_sleep on the event loop's thread: no timer fires meanwhile.
    const attempt = async (pool: Connectable, options: { schema?: string; reapBudgetMs?: number }) => {
      const started = Date.now();
      try {
        await withTenant(pool, 'acme', (c) => c.query(CATCHING_LOOP), { contextKey: key, deadlineMs: 300, cancelGraceMs: 200, ...options });
      } catch (e) {
        return { error: e as DeadlineExceededError, took: Date.now() - started };
      }
      throw new Error('the loop returned');
    };
    try {
      // The migration's schema not passed (the estate's is not 'app'): the call fails, the error says so.
      const missing = await attempt(app.pool, { schema: 'elsewhere' });
      assert.instance(missing.error, DeadlineExceededError);
      assert.is(missing.error.session, 'not ended');
      assert.match(
        missing.error.message,
        /its session could not be ended \(tenantc_end_session failed: .*does not exist\): it may hold a server connection and its locks until the statement ends$/,
      );
      for (const pid of await loopingBackends()) await db.admin.query('SELECT pg_terminate_backend($1, 5000)', [pid]);
      // A pool that never hands the reaper a connection: given up after the reaper's
      // budget (5 s by default; 400 ms here, the same timer).
      let lent = 0;
      const starved = {
        connect: () => (lent++ === 0 ? app.pool.connect() : new Promise<never>(() => undefined)),
      } as Connectable;
      const none = await attempt(starved, { reapBudgetMs: 400 });
      assert.is(none.error.session, 'not ended');
      assert.match(none.error.message, /could not be ended \(the reaper did not finish within 400 ms\)/);
      assert.ok(none.took >= 300 + 200 + 400 && none.took < 300 + 200 + 400 + 3000, `rejected after ${none.took} ms`);
    } finally {
      for (const pid of await loopingBackends()) await db.admin.query('SELECT pg_terminate_backend($1, 5000)', [pid]);
    }
  });

  W('a statement that answers the cancel needs no reaper: the session ends with its connection', async () => {
    if (!server) return; // PGlite runs pg_sleep on the event loop's thread: no timer fires meanwhile.
    let error: unknown;
    try {
      await withTenant(app.pool, 'acme', (c) => c.query('SET LOCAL statement_timeout = 0; SELECT pg_sleep(30)'), { contextKey: key, deadlineMs: 300 });
    } catch (e) {
      error = e;
    }
    assert.instance(error, DeadlineExceededError);
    assert.is((error as DeadlineExceededError).session, 'cancelled');
    assert.is((error as Error).message, 'tenant acme: the request held its connection past its deadline (300 ms); rolled back');
  });

  W(
    "the reaper ends no session but the one withTenant proves: not initech's for acme's SQL (forged, guessed, acme's own proof, initech's leaked one), nor another role's",
    async () => {
      /** initech's request, between two statements: its pid, binding and live proof, as a log would carry it. */
      const initechSession = async () => {
        const pool = await db.appPool();
        let ending: Promise<string> | undefined;
        let seen!: (s: { pid: number; binding: string; proof: string }) => void;
        const session = new Promise<{ pid: number; binding: string; proof: string }>((r) => (seen = r));
        let done!: () => void;
        const finish = new Promise<void>((r) => (done = r));
        const request = run(pool.pool, 'initech', async (c) => {
          const [binding] = (await c.query(READ_BINDING)).rows as { binding: string }[];
          const [row] = (await c.query(`SELECT pg_backend_pid() AS pid, current_setting('app.tenant_proof') AS proof`)).rows as {
            pid: number;
            proof: string;
          }[];
          seen({ pid: row!.pid, binding: binding!.binding, proof: row!.proof });
          await finish;
          return 'finished';
        }).catch((e: Error) => e.message);
        const s = await session;
        return {
          ...s,
          /** Lets the request end: 'finished', or why it failed (its session ended). */
          end: () =>
            (ending ??= (async () => {
              done();
              const outcome = await request;
              await pool.end();
              return outcome;
            })()),
        };
      };
      const endSession = (c: TenantDb, pid: number, started: string, token: string) =>
        c.query('SELECT app.tenantc_end_session($1, $2, $3) AS outcome', [pid, started, token]).then((r) => r.rows[0].outcome as string);
      const refused = /the token does not prove session \d+: only withTenant/;
      const started = (binding: string) => binding.split(':')[1]!;
      const farFuture = '9000000000000000000';
      if (!server) {
        // PGlite: one session, so the proofs stop at the token (the function refuses before it looks at any session).
        await rejects(
          run(app.pool, 'acme', (c) => endSession(c, 1, farFuture, '0'.repeat(64))),
          refused,
          'a forged token',
        );
        await rejects(
          run(app.pool, 'acme', async (c) => {
            const [own] = (await c.query(`${READ_BINDING}, current_setting('app.tenant_proof') AS proof`)).rows as { binding: string; proof: string }[];
            return endSession(c, Number(own!.binding.split(':')[0]), started(own!.binding), own!.proof);
          }),
          refused,
          "acme's proof for its own session",
        );
        return;
      }

      const initech = await initechSession();
      let ended = false;
      try {
        {
          // Guessed: initech's pid (the best guess there is), any transaction start, a forged token.
          await rejects(
            run(app.pool, 'acme', (c) => endSession(c, initech.pid, farFuture, '0'.repeat(64))),
            refused,
            'a forged token',
          );
          await rejects(
            run(app.pool, 'acme', (c) => endSession(c, initech.pid, started(initech.binding), 'x')),
            refused,
            'a malformed token',
          );
          // acme's own proof, with initech's pid and with its own session.
          await rejects(
            run(app.pool, 'acme', async (c) => {
              const [own] = (await c.query(`${READ_BINDING}, current_setting('app.tenant_proof') AS proof`)).rows as { binding: string; proof: string }[];
              return endSession(c, initech.pid, started(own!.binding), own!.proof);
            }),
            refused,
            "acme's proof with initech's pid",
          );
          await rejects(
            run(app.pool, 'acme', async (c) => {
              const [own] = (await c.query(`${READ_BINDING}, current_setting('app.tenant_proof') AS proof`)).rows as { binding: string; proof: string }[];
              return endSession(c, Number(own!.binding.split(':')[0]), started(own!.binding), own!.proof);
            }),
            refused,
            "acme's proof for its own session: a tenant proof is never a token",
          );
          // initech's live proof, leaked (a log line with bind parameters), with its pid and binding.
          await rejects(
            run(app.pool, 'acme', (c) => endSession(c, initech.pid, started(initech.binding), initech.proof)),
            refused,
            "initech's leaked proof",
          );
          // The token check is the registrar's, not acme's to ask; the reaper is not acme's to become.
          await rejects(
            run(app.pool, 'acme', (c) => c.query('SELECT app.tenantc_session_end_token_holds($1, $2, $3)', [initech.pid, farFuture, '0'.repeat(64)])),
            /permission denied for function tenantc_session_end_token_holds/,
            'the token check',
          );
          await rejects(
            run(app.pool, 'acme', (c) => c.query(`SET LOCAL ROLE ${ROLES.reaper}`)),
            /permission denied to set role/,
            'SET ROLE reaper',
          );

          // Valid tokens (only withTenant's key makes them) for what is not its to end: a
          // session of another role, the admin's, initech's under a binding older than its session.
          await db.admin.exec(
            `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${OTHER_ROLE}') THEN CREATE ROLE ${OTHER_ROLE} LOGIN; END IF; END $$`,
          );
          const [{ name }] = (await db.admin.query<{ name: string }>('SELECT current_database() AS name')) as [{ name: string }];
          const url = new URL(SERVER_URL);
          url.pathname = `/${name}`;
          url.username = OTHER_ROLE;
          const other = new pg.Client({ connectionString: url.toString() });
          await other.connect();
          other.on('error', () => undefined);
          try {
            const [{ pid: otherPid }] = (await other.query('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
            const [{ pid: adminPid }] = (await db.admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
            const [{ before }] = (await db.admin.query<{ before: string }>(
              'SELECT ((extract(epoch FROM backend_start) * 1000000)::bigint - 1)::text AS before FROM pg_stat_activity WHERE pid = $1',
              [initech.pid],
            )) as [{ before: string }];
            const valid = (pid: number, start: string) => sessionEndToken(key, `${pid}:${start}`);
            for (const [pid, start, what] of [
              [otherPid, farFuture, 'another login role'],
              [adminPid, farFuture, "the admin's session"],
              [initech.pid, before, "initech's pid under a binding older than its session (a pid used again)"],
            ] as const) {
              assert.is(await run(app.pool, 'acme', (c) => endSession(c, pid, start, valid(pid, start))), 'gone', what);
            }
            assert.equal((await other.query('SELECT 1 AS alive')).rows, [{ alive: 1 }], "the other role's session lives");

            // The mutations, one wall at a time (each undone by the migration, run again).
            const reaper = ROLES.reaper;
            const rerun = () => db.admin.exec(SQL['sql/001-rls-migration.sql']!);
            try {
              // No role check: PostgreSQL still keeps another role's session from the reaper, a
              // member of the application role only (it neither sees its start nor may signal it)...
              await db.admin.exec(mutatedFunction('tenantc_end_session', reaper, (f) => f.replace(/ AND a\.usesysid = app_role/g, '')));
              assert.is(await run(app.pool, 'acme', (c) => endSession(c, otherPid, farFuture, valid(otherPid, farFuture))), 'gone', 'the membership holds');
              assert.equal((await other.query('SELECT 1 AS alive')).rows, [{ alive: 1 }]);
              // ...but a reaper made of pg_signal_backend and pg_read_all_stats (a reaper "outside the application
              // role") has the role check alone between it and every role's sessions: another role's session ends.
              await db.admin.exec(`GRANT pg_signal_backend, pg_read_all_stats TO ${reaper}`);
              assert.is(await run(app.pool, 'acme', (c) => endSession(c, otherPid, farFuture, valid(otherPid, farFuture))), 'ended', "another role's session");
              await rejects(other.query('SELECT 1'), /terminat|Connection|not queryable/, "the other role's session is gone");
              await db.admin.exec(`REVOKE pg_signal_backend, pg_read_all_stats FROM ${reaper}`);
              await rerun();

              // No check that the session was running when the proven transaction started: a token of an earlier session ends initech's.
              await db.admin.exec(
                mutatedFunction('tenantc_end_session', reaper, (f) =>
                  f.replace(
                    /\n\s+AND \(extract\(epoch FROM a\.backend_start\) \* 1000000\)::bigint <= p_transaction_start\) THEN\n\s+RETURN 'gone'/,
                    ") THEN RETURN 'gone'",
                  ),
                ),
              );
              assert.is(await run(app.pool, 'acme', (c) => endSession(c, initech.pid, before, valid(initech.pid, before))), 'ended', 'pid reuse');
              assert.match(await initech.end(), /terminat|Connection|not queryable/, "initech's request fails");
              ended = true;
              await rerun();

              const second = await initechSession();
              try {
                // A tenant proof taken for a token (no 'end session:' domain): initech's leaked live proof ends initech's session.
                await db.admin.exec(mutatedFunction('tenantc_session_end_token_holds', ROLES.registrar, (f) => f.replace("'end session:'", "'initech:'")));
                assert.is(await run(app.pool, 'acme', (c) => endSession(c, second.pid, started(second.binding), second.proof)), 'ended', 'a leaked proof');
                assert.match(await second.end(), /terminat|Connection|not queryable/);
                await rerun();
              } finally {
                await second.end();
              }

              const third = await initechSession();
              try {
                // No token check at all: acme guesses initech's pid and ends it.
                await db.admin.exec(
                  mutatedFunction('tenantc_end_session', reaper, (f) => f.replace(/IF p_token IS NULL OR NOT .*? THEN\n.*?\n.*?\n\s+END IF;/s, '')),
                );
                assert.is(await run(app.pool, 'acme', (c) => endSession(c, third.pid, farFuture, '0'.repeat(64))), 'ended', 'no token check');
                assert.match(await third.end(), /terminat|Connection|not queryable/);
              } finally {
                await third.end();
              }
            } finally {
              await db.admin.exec(`REVOKE pg_signal_backend FROM ${reaper}`);
              await rerun();
            }
          } finally {
            await other.end().catch(() => undefined);
          }
        }
      } finally {
        if (!ended) assert.is(await initech.end(), 'finished', "initech's request ends normally: nothing of the above ended its session");
      }
    },
  );

  W("acme cannot end initech's sessions nor read the statements they run", async () => {
    const other = await db.appPool();
    let running!: (pid: number) => void;
    const started = new Promise<number>((r) => (running = r));
    let done!: () => void;
    const finish = new Promise<void>((r) => (done = r));
    // initech's request, between two statements: the last one stays in pg_stat_activity.
    const initech = run(other.pool, 'initech', async (c) => {
      running((await c.query(`SELECT pg_backend_pid() AS pid, 'initech-payroll-2026' AS secret`)).rows[0].pid);
      await finish;
    });
    try {
      const pid = await started;
      await rejects(
        run(app.pool, 'acme', (c) => c.query('SELECT query FROM pg_stat_activity')),
        /permission denied for function pg_stat_get_activity/,
        'pg_stat_activity',
      );
      await rejects(
        run(app.pool, 'acme', (c) => c.query('SELECT pg_terminate_backend($1)', [pid])),
        /permission denied for function pg_terminate_backend/,
        'terminate',
      );
      // The mutation: the functions granted back, as PostgreSQL ships them.
      await db.admin.exec('GRANT EXECUTE ON FUNCTION pg_stat_get_activity(integer), pg_terminate_backend(integer, bigint) TO PUBLIC');
      const seen = await run(app.pool, 'acme', (c) => c.query('SELECT query FROM pg_stat_activity WHERE pid = $1', [pid]).then((r) => r.rows));
      assert.match(String(seen[0]?.query), /initech-payroll-2026/, "acme reads initech's last statement");
      assert.equal(await run(app.pool, 'acme', (c) => c.query('SELECT pg_terminate_backend($1) AS ended', [pid]).then((r) => r.rows)), [{ ended: true }]);
      done();
      await rejects(
        initech,
        /terminating connection due to administrator command|Connection terminated|not queryable/,
        "initech's request fails, and the process goes on",
      );
    } finally {
      done();
      await db.admin.exec('REVOKE EXECUTE ON FUNCTION pg_stat_get_activity(integer), pg_terminate_backend(integer, bigint) FROM PUBLIC');
      await other.end();
    }
  });

  W("COPY: acme copies its own rows only, copies nothing in, and writes no file; FOR UPDATE NOWAIT does not meet initech's locks", async () => {
    const copied = () => run(app.pool, 'acme', (c) => c.query('COPY app.projects TO STDOUT').then((r) => r.rowCount));
    const own = await run(app.pool, 'acme', (c) => c.query('SELECT count(*)::int AS n FROM app.projects').then((r) => r.rows[0].n as number));
    assert.is(await copied(), own);
    await rejects(
      run(app.pool, 'acme', (c) => c.query('COPY app.projects FROM STDIN')),
      /COPY FROM not supported with row-level security/,
      'COPY FROM',
    );
    await rejects(
      run(app.pool, 'acme', (c) => c.query(`COPY app.projects TO '/tmp/tenantc-${process.pid}.csv'`)),
      /permission denied|must be superuser/,
      'COPY TO a file',
    );
    const other = await db.appPool();
    const lockAll = (c: TenantDb) => c.query('SELECT id FROM app.projects FOR UPDATE NOWAIT').then((r) => r.rowCount);
    /** acme's attempt while initech holds its rows FOR UPDATE in a request of its own. */
    const whileInitechLocks = async <T>(attempt: () => Promise<T>): Promise<T> => {
      let held!: () => void;
      const holding = new Promise<void>((r) => (held = r));
      let done!: () => void;
      const finish = new Promise<void>((r) => (done = r));
      const initech = run(other.pool, 'initech', async (c) => {
        await c.query('SELECT id FROM app.projects FOR UPDATE');
        held();
        await finish;
      });
      await holding;
      try {
        return await attempt();
      } finally {
        done();
        await initech;
      }
    };
    try {
      assert.is(await whileInitechLocks(() => run(app.pool, 'acme', lockAll)), own, "acme's rows only, no wait: initech's rows are not even met");
      // The mutation: the policies on projects open to every row (altered while nobody holds a lock).
      await db.admin.exec('ALTER POLICY tenant_read ON app.projects USING (true); ALTER POLICY tenant_update ON app.projects USING (true)');
      await whileInitechLocks(() => rejects(run(app.pool, 'acme', lockAll), /could not obtain lock on row/, 'acme learns initech holds a row'));
      assert.ok(((await copied()) ?? 0) > own, 'COPY copies initech too');
    } finally {
      await db.admin.exec(SQL['sql/001-rls-migration.sql']!);
      await other.end();
    }
  });

  W('not stopped (docs/isolation.md, threat model): NOTIFY reaches any channel; LOCK TABLE holds every tenant up until their lock_timeout', async () => {
    // initech's listener: a connection of its own to the test's database, as a worker's would be.
    const [row] = await db.admin.query<{ name: string }>('SELECT current_database() AS name');
    const url = new URL(SERVER_URL);
    url.pathname = `/${row!.name}`;
    const initechListener = new pg.Client({ connectionString: url.toString() });
    await initechListener.connect();
    const other = await db.appPool();
    let done!: () => void;
    const finish = new Promise<void>((r) => (done = r));
    try {
      await initechListener.query('LISTEN tenant_initech_invoices');
      const received = new Promise<string>((resolve) => initechListener.on('notification', (n) => resolve(n.payload ?? '')));
      const acmeInvoice = await run(app.pool, 'acme', (c) => c.query('SELECT id::text AS id FROM app.invoices LIMIT 1').then((r) => r.rows[0].id as string));
      await run(app.pool, 'acme', (c) => c.query(`SELECT pg_notify('tenant_initech_invoices', $1)`, [acmeInvoice]));
      const payload = await received;
      assert.is(payload, acmeInvoice, "acme's notification reaches initech's channel");
      // What docs/isolation.md asks of a listener: the payload is a hint, re-read as the channel's tenant.
      assert.equal(
        await run(app.pool, 'initech', (c) => c.query('SELECT id FROM app.invoices WHERE id = $1', [payload]).then((r) => r.rows)),
        [],
        'and names nothing of initech',
      );
      let held!: () => void;
      const holding = new Promise<void>((r) => (held = r));
      const acme = run(other.pool, 'acme', async (c) => {
        await c.query('LOCK TABLE app.invoices IN ACCESS EXCLUSIVE MODE');
        held();
        await finish;
      });
      await holding;
      await rejects(
        run(app.pool, 'initech', (c) => c.query(`SET LOCAL lock_timeout = '200ms'; SELECT 1 FROM app.invoices`)),
        /canceling statement due to lock timeout/,
        'initech waits on acme',
      );
      done();
      await acme;
    } finally {
      done();
      await initechListener.end();
      await other.end();
    }
  });

  W.run();
}

withTenantSuite('PGlite (embedded)', () => pgliteBackend(ROLES.app), false);
if (useServer('withTenant', 'the pool attacks ran on PGlite only'))
  withTenantSuite('PostgreSQL server', () => serverBackend(PLATFORM, ROLES.app, ROLES.owner, [ROLES.registrar, ROLES.reaper, MEMBER_ROLE, OTHER_ROLE]), true);
