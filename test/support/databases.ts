// PostgreSQL backends for the RLS proofs: the real server (PGURL, default
// 127.0.0.1:5432) when it answers, and the embedded PGlite always, so `npm test`
// proves the same things anywhere. Each backend gives an admin session and an
// application session that is really the application role.
import { spawnSync } from 'node:child_process';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import * as assert from 'uvu/assert';

export interface Session {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements (simple protocol). */
  exec(sql: string): Promise<void>;
}

export interface Backend {
  readonly name: string;
  readonly admin: Session;
  /** A session of the application role (LOGIN on a server; SET SESSION AUTHORIZATION in PGlite). */
  app(): Promise<Session & { close(): Promise<void> }>;
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
    async close() {
      await adminClient.end();
      await root.query(`DROP DATABASE IF EXISTS ${database}`);
      // Roles are cluster-wide: drop this run's, owned objects were in the dropped database.
      for (const role of [appRole, ownerRole, ...extraRoles]) await root.query(`DROP ROLE IF EXISTS ${role}`);
      await root.end();
    },
  };
}

export async function pgliteBackend(appRole: string): Promise<Backend> {
  const db = new PGlite();
  await db.waitReady;
  const [{ user }] = (await db.query<{ user: string }>('SELECT session_user AS user')).rows as [{ user: string }];
  const session: Session = {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await db.query<T>(sql, [...params])).rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
  return {
    name: 'pglite',
    admin: session,
    async app() {
      // PGlite has one connection: become the role for the session, as a login would.
      await db.exec(`SET SESSION AUTHORIZATION ${appRole}`);
      return {
        ...session,
        close: async () => {
          // PGlite ignores RESET SESSION AUTHORIZATION; naming the original user works.
          await db.exec(`SET SESSION AUTHORIZATION ${user}`);
        },
      };
    },
    async close() {
      await db.close();
    },
  };
}

/** Awaits `p` and asserts it failed with a message matching `pattern`. */
export async function rejects(p: Promise<unknown>, pattern: RegExp, what: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, pattern, what);
    return;
  }
  assert.unreachable(`${what}: expected an error matching ${pattern}`);
}
