// PostgreSQL backends for the RLS proofs: the real server (PGURL, default
// 127.0.0.1:5432) when it answers, and the embedded PGlite always, so `npm test`
// proves the same things anywhere. Each backend gives an admin session and an
// application session that is really the application role.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import * as assert from 'uvu/assert';
import { READ_BINDING, tenantPoolConfig, tenantProof } from '../../runtime/withTenant.ts';

export interface Session {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements (simple protocol). */
  exec(sql: string): Promise<void>;
}

/** A pool of application-role connections, for withTenant. */
export interface AppPool {
  readonly pool: Pick<pg.Pool, 'connect'>;
  /** How many connections were released with an error (destroyed, never reused) so far. */
  destroyed(): number;
  end(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  readonly admin: Session;
  /** A session of the application role (LOGIN on a server; SET SESSION AUTHORIZATION in PGlite). */
  app(): Promise<Session & { close(): Promise<void> }>;
  /**
   * A pool of the application role: on a server, pg.Pool with one connection (every
   * request reuses it, as on a busy pool); in PGlite, its one session, as the role.
   */
  appPool(): Promise<AppPool>;
  close(): Promise<void>;
}

export const SERVER_URL = process.env.PGURL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Synchronous probe (test files load as CommonJS, without top-level await). */
export function serverReachableSync(): boolean {
  const script = `const pg = require('pg'); const c = new pg.Client({ connectionString: process.env.PGURL_PROBE, connectionTimeoutMillis: 2000 });
    c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, PGURL_PROBE: SERVER_URL }, timeout: 10_000 });
  return r.status === 0;
}

/**
 * Whether the proofs on the real server run. Where none answers they run on PGlite
 * only, which is fine on a laptop and a failure where TENANTC_REQUIRE_POSTGRES is set
 * (.ci/run sets it): the suite then stops with the reason instead of passing quietly.
 */
export function useServer(suiteName: string, without = 'the tests that need one did not run'): boolean {
  if (serverReachableSync()) return true;
  if (process.env.TENANTC_REQUIRE_POSTGRES)
    throw new Error(`${suiteName}: PostgreSQL is required here (TENANTC_REQUIRE_POSTGRES) but none answers at ${SERVER_URL}`);
  console.warn(`  [expected] ${suiteName}: no PostgreSQL server at ${SERVER_URL}: ${without}`);
  return false;
}

export async function serverReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function pgSession(client: pg.Client): Session {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await client.query(sql, [...params])).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

export async function serverBackend(tag: string, appRole: string, ownerRole: string, extraRoles: readonly string[] = []): Promise<Backend> {
  const database = `tenantc_rls_${tag}`;
  const root = new pg.Client({ connectionString: SERVER_URL });
  await root.connect();
  root.on('notice', () => undefined);
  await root.query(`DROP DATABASE IF EXISTS ${database}`);
  await root.query(`CREATE DATABASE ${database}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  const adminClient = new pg.Client({ connectionString: url.toString() });
  await adminClient.connect();
  adminClient.on('notice', () => undefined);
  return {
    name: 'server',
    admin: pgSession(adminClient),
    async app() {
      const appUrl = new URL(url.toString());
      appUrl.username = appRole;
      appUrl.password = '';
      const c = new pg.Client({ connectionString: appUrl.toString() });
      await c.connect();
      return { ...pgSession(c), close: () => c.end() };
    },
    async appPool() {
      const appUrl = new URL(url.toString());
      appUrl.username = appRole;
      appUrl.password = '';
      const pool = new pg.Pool(tenantPoolConfig({ connectionString: appUrl.toString(), max: 1 }));
      // A connection a test ends from another session is dropped, not thrown.
      pool.on('error', () => undefined);
      let destroyed = 0;
      return {
        pool: {
          async connect() {
            const client = await pool.connect();
            const release = client.release.bind(client);
            client.release = (err?: Error | boolean) => {
              if (err) destroyed++;
              release(err);
            };
            return client;
          },
        } as Pick<pg.Pool, 'connect'>,
        destroyed: () => destroyed,
        end: () => pool.end(),
      };
    },
    async close() {
      await adminClient.end();
      await root.query(`DROP DATABASE IF EXISTS ${database}`);
      // Roles are cluster-wide: drop this run's, owned objects were in the dropped database.
      for (const role of [appRole, ownerRole, ...extraRoles]) await root.query(`DROP ROLE IF EXISTS ${role}`);
      await root.end();
    },
  };
}

/**
 * The data directory of a new PGlite cluster, dumped right after its initdb, before
 * anything ran in it. initdb is most of a PGlite's start (~7 s of CPU of ~9 s, measured
 * 2026-12-03); every backend starts from this copy of a cluster nothing has touched (the
 * same roles, catalogs and settings a new one has), so each suite still gets a cluster
 * of its own. The dump is kept on disk between runs (node_modules/.cache, beside the
 * typecheck's), named by PGlite's version and the size of its WebAssembly and data
 * files: another PGlite makes another dump. Written to a temporary name and renamed, so
 * processes running side by side never read half of one.
 */
let newCluster: Promise<Blob> | null = null;

function clusterCacheFile(): string {
  const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  const pkg = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string };
  const sizes = ['pglite.wasm', 'pglite.data'].map((f) => statSync(join(dist, f)).size).join('-');
  return join(fileURLToPath(new URL('../..', import.meta.url)), 'node_modules', '.cache', 'tenantc', `pglite-${pkg.version}-${sizes}.tar`);
}

/**
 * PGlite's WebAssembly (9 MB) runs on V8's baseline compiler only, in the test
 * processes. By default V8 also recompiles each hot function with TurboFan on its
 * background threads: CPU the short proofs never earn back (the rls, withTenant and
 * sqlTemplates suites, 13.1 -> 11.1 s of CPU together, measured 2026-12-04; a start from
 * the dumped cluster ~0.6 -> ~0.4 s). The code is the same PGlite and the same SQL: only
 * how V8 compiles it changes. Set before the first PGlite compiles its module; it
 * applies to WebAssembly compiled later in the process.
 */
let baselineWasm = false;

async function newPGlite(): Promise<PGlite> {
  if (!baselineWasm) {
    setFlagsFromString('--liftoff-only');
    baselineWasm = true;
  }
  if (!newCluster) {
    const file = clusterCacheFile();
    if (existsSync(file)) newCluster = Promise.resolve(new Blob([readFileSync(file)]));
    else {
      // The first backend of a run with no dump yet: its own initdb, dumped for the others.
      const first = (async () => {
        const db = new PGlite();
        await db.waitReady;
        const dump = await db.dumpDataDir('none');
        mkdirSync(dirname(file), { recursive: true });
        const partial = `${file}.${process.pid}`;
        writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
        renameSync(partial, file);
        return { db, dump };
      })();
      newCluster = first.then((f) => f.dump);
      return (await first).db;
    }
  }
  const db = new PGlite({ loadDataDir: await newCluster });
  await db.waitReady;
  return db;
}

export async function pgliteBackend(appRole: string): Promise<Backend> {
  const db = await newPGlite();
  const [{ user }] = (await db.query<{ user: string }>('SELECT session_user AS user')).rows as [{ user: string }];
  const session: Session = {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await db.query<T>(sql, [...params])).rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
  // Who the one session is now: the admin's statements run as the original user.
  let asApp = false;
  const becomeAdmin = async () => {
    if (asApp) await db.exec(`SET SESSION AUTHORIZATION ${user}`);
    asApp = false;
  };
  // A login as the role: PGlite's one session becomes it (again, after an admin statement).
  const becomeApp = async () => {
    if (!asApp) await db.exec(`SET SESSION AUTHORIZATION ${appRole}`);
    asApp = true;
  };
  const admin: Session = {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      await becomeAdmin();
      return session.query<T>(sql, params);
    },
    async exec(sql: string) {
      await becomeAdmin();
      await session.exec(sql);
    },
  };
  return {
    name: 'pglite',
    admin,
    async appPool() {
      let destroyed = 0;
      const client = pgliteClient(db, becomeApp, () => destroyed++);
      return {
        pool: {
          async connect() {
            await becomeApp();
            return client;
          },
        } as unknown as Pick<pg.Pool, 'connect'>,
        destroyed: () => destroyed,
        end: becomeAdmin,
      };
    },
    async app() {
      // PGlite has one connection: become the role for the session, as a login would.
      await becomeApp();
      return {
        async query<T>(sql: string, params: readonly unknown[] = []) {
          await becomeApp();
          return session.query<T>(sql, params);
        },
        async exec(sql: string) {
          await becomeApp();
          await session.exec(sql);
        },
        // PGlite ignores RESET SESSION AUTHORIZATION; naming the original user works.
        close: becomeAdmin,
      };
    },
    async close() {
      await db.close();
    },
  };
}

/**
 * PGlite's one session as a node-postgres client, for withTenant: a query with values
 * runs with the extended protocol, one without runs as a script (several results come
 * back as an array, as node-postgres returns them). It cannot be destroyed: a release
 * with an error is counted instead. It keeps no list of prepared statements.
 */
function pgliteClient(db: PGlite, becomeApp: () => Promise<void>, onDestroy: () => void): pg.PoolClient {
  const result = (r: { rows: unknown[]; affectedRows?: number }) => ({ rows: r.rows, rowCount: r.affectedRows ?? r.rows.length });
  return {
    async query(config: string | { text: string; values?: unknown[] }, values?: unknown[]) {
      await becomeApp();
      const text = typeof config === 'string' ? config : config.text;
      const params = typeof config === 'string' ? values : (config.values ?? values);
      if (params && params.length > 0) return result(await db.query(text, params));
      const all = (await db.exec(text)).map(result);
      return all.length === 1 ? all[0] : all;
    },
    release(err?: Error | boolean) {
      if (err) onDestroy();
    },
    // PGlite has no startup packet and no login: no role default ever applies to its one
    // session, so it stands for a connection made with tenantPoolConfig.
    connectionParameters: { options: tenantPoolConfig({}).options },
  } as unknown as pg.PoolClient;
}

/** The database's tenant-context key, as the admin reads it (docs/isolation.md, "Tenant context"). */
export async function readContextKey(admin: Session): Promise<string> {
  const [row] = await admin.query<{ key: string }>('SELECT app.tenantc_context_key() AS key');
  return row!.key;
}

/** Sets the current transaction's tenant as withTenant does: its id and its proof under `key`. */
export async function enterTenant(s: Session, key: string, tenant: string): Promise<void> {
  const [row] = await s.query<{ binding: string }>(READ_BINDING);
  await s.query(`SELECT set_config('app.tenant_id', $1, true), set_config('app.tenant_proof', $2, true)`, [tenant, tenantProof(key, tenant, row!.binding)]);
}

/** Awaits `p` and asserts it failed with a message matching `pattern`. */
export async function rejects(p: Promise<unknown>, pattern: RegExp, what: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, pattern, `${what}: ${(e as Error).message}`);
    return;
  }
  assert.unreachable(`${what}: expected an error matching ${pattern}`);
}
