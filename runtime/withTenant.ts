// How application code sets the tenant for a unit of work (docs/isolation.md, "Tenant context").
//
//   const invoices = await withTenant(pool, tenantId, (db) => db.query('SELECT * FROM app.invoices'));
//
// The threat this file answers: one request of tenant A whose SQL is the attacker's
// (an injection), running in A's transaction on a pooled connection of the one
// application role every tenant shares. Three things keep it inside A:
//
// 1. The tenant is proven, not just named. withTenant sets app.tenant_id and
//    app.tenant_proof = HMAC-SHA-256(context key, tenant id), both bound as
//    parameters to set_config(..., is_local => true), so they last until the
//    transaction ends. The policies accept a tenant only with its proof
//    (current_tenant_id() in the migration). The key lives in this process and in a
//    table only the registrar reads: SQL in the session can set app.tenant_id to B,
//    but cannot compute B's proof, so it sees nothing of B.
// 2. Nothing the request does to the session outlives it: before the connection goes
//    back to the pool, withTenant clears every kind of session state PostgreSQL has
//    (CLEANUP below) and removes the prepared statements made during the request, or
//    destroys the connection when it cannot.
// 3. Nothing a role default says is trusted: any role may give itself defaults
//    (ALTER ROLE CURRENT_USER SET default_transaction_read_only = on), which every new
//    session of every tenant would start with. withTenant sets each such setting back
//    to PostgreSQL's built-in value (PIN_ROLE_DEFAULTS) before the transaction starts
//    and after it ends. Put the application's own settings in its connection options
//    (they outrank role defaults) or in the cluster's parameter group.
import { createHmac } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';

const TENANT_ID = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;

/** The environment variable withTenant reads the tenant-context key from when no option gives it. */
export const CONTEXT_KEY_VARIABLE = 'TENANTC_CONTEXT_KEY';

export class InvalidTenantIdError extends Error {}
/** The tenant-context key is missing or is not 32 bytes (64 hex digits). */
export class TenantContextKeyError extends Error {}
/** The client lent to fn was released inside fn, or used after fn settled. */
export class LentClientError extends Error {}
/** COMMIT rolled back: a statement inside fn failed and fn went on; nothing was written. */
export class TransactionAbortedError extends Error {}

export interface WithTenantOptions {
  /** The tenant-context key, hex or bytes (docs/isolation.md, "Tenant context"). Default: $TENANTC_CONTEXT_KEY. */
  readonly contextKey?: string | Uint8Array;
}

/**
 * Settings a role-level default (source 'user', or 'database user' for ALTER ROLE ...
 * IN DATABASE) has changed, set back to the built-in value for the session. Only
 * user-settable ones: a role gives itself no other default. ROLE is not listed in
 * pg_settings: SET ROLE NONE, beside it, undoes a default role and a SET ROLE.
 */
export const PIN_ROLE_DEFAULTS =
  "SELECT count(set_config(name, coalesce(boot_val, ''), false)) AS pinned FROM pg_settings WHERE source IN ('user', 'database user') AND context = 'user'";

/**
 * One round trip. A script runs in an implicit transaction that BEGIN then extends, so
 * a transaction begun beside the pin still has the defaults it pinned (read-only, an
 * isolation level): when the pin changed anything, withTenant commits it (it holds only the pin) and
 * begins again.
 */
const START = `SET ROLE NONE; ${PIN_ROLE_DEFAULTS}; BEGIN`;

const SET_TENANT = `SELECT set_config('app.tenant_id', $1, true), set_config('app.tenant_proof', $2, true),
  (SELECT coalesce(json_agg(json_build_array(name, prepare_time::text)), '[]') FROM pg_prepared_statements) AS statements`;

/**
 * What a request can leave on a connection beyond its transaction, and how each is
 * cleared before the connection goes back to the pool (PostgreSQL's DISCARD ALL, less
 * DEALLOCATE ALL, which withTenant does precisely, and less SET SESSION AUTHORIZATION,
 * which only a superuser session can have changed):
 *   a cursor declared WITH HOLD (rows of the tenant, fetchable by the next request);
 *   SET ROLE (on Aurora the application role is a member of rds_iam: the next request
 *     would run as rds_iam and fail);
 *   a session-level setting (set_config(..., false) or SET: app.tenant_id and its
 *     proof, search_path, a timeout; RESET ALL does not reset ROLE);
 *   LISTEN on a channel; session-level advisory locks;
 *   temporary tables, views, functions and types: pg_temp comes first on search_path,
 *     so one named like an application table would stand in for it in the next request;
 *   sequence state: lastval() would name the sequence another tenant used last;
 *   role defaults, pinned again so an idle pooled connection does not run under them
 *     (idle_session_timeout).
 * The last statement lists the prepared statements, to compare with the start.
 */
export const CLEANUP = `CLOSE ALL; SET ROLE NONE; RESET ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES; ${PIN_ROLE_DEFAULTS};
SELECT name, prepare_time::text AS prepare_time FROM pg_prepared_statements`;

/** The proof withTenant sets beside app.tenant_id: HMAC-SHA-256 of the id under the context key, hex. */
export function tenantProof(contextKey: string | Uint8Array, tenantId: string): string {
  return createHmac('sha256', contextKeyBytes(contextKey)).update(tenantId, 'utf8').digest('hex');
}

function contextKeyBytes(key: string | Uint8Array | undefined): Uint8Array {
  if (key === undefined || key === '') {
    throw new TenantContextKeyError(
      `withTenant needs the tenant-context key: pass { contextKey } or set ${CONTEXT_KEY_VARIABLE} (the admin reads it with SELECT app.tenantc_context_key())`,
    );
  }
  if (typeof key !== 'string') {
    if (key.length !== 32) throw new TenantContextKeyError(`the tenant-context key is 32 bytes, not ${key.length}`);
    return key;
  }
  if (!/^[0-9a-f]{64}$/i.test(key)) throw new TenantContextKeyError('the tenant-context key is 64 hexadecimal digits (32 bytes)');
  return Buffer.from(key, 'hex');
}

export async function withTenant<T>(
  pool: Pick<Pool, 'connect'>,
  tenantId: string,
  fn: (db: PoolClient) => Promise<T>,
  options: WithTenantOptions = {},
): Promise<T> {
  // Defence in depth: the database's tenant_id domain rejects such a value too.
  if (typeof tenantId !== 'string' || tenantId.length > 24 || !TENANT_ID.test(tenantId)) {
    throw new InvalidTenantIdError(`not a tenant id: ${JSON.stringify(tenantId)}`);
  }
  const proof = tenantProof(options.contextKey ?? process.env[CONTEXT_KEY_VARIABLE] ?? '', tenantId);
  const client = await pool.connect();
  // A connection lost while lent (its session ended by a failover, or by another
  // session) emits 'error' on the client, which pg.Pool only listens for while the
  // client is idle: unheard, it would end the process, every tenant's requests with it.
  let lost: Error | undefined;
  const onError = (e: Error) => {
    lost = e;
  };
  const events = typeof client.on === 'function' ? client : undefined;
  events?.on('error', onError);
  const release = (err?: Error) => {
    events?.off('error', onError);
    client.release(err ?? lost);
  };
  let found: Map<string, string>;
  try {
    const started = (await client.query(START)) as unknown as { rows: { pinned?: string | number }[] }[];
    if (Number(started[1]?.rows[0]?.pinned ?? 0) > 0) await client.query('COMMIT; BEGIN');
    const set = await client.query(SET_TENANT, [tenantId, proof]);
    found = new Map(parseStatements(set.rows[0]?.statements));
  } catch (e) {
    // Whatever state the connection is in, it is not one to hand to the next request.
    release(e as Error);
    throw e;
  }
  const lent = { settled: false };
  let broken: Error | undefined;
  try {
    let result: T;
    try {
      result = await fn(lentClient(client, lent, tenantId));
    } finally {
      lent.settled = true;
    }
    const committed = await client.query('COMMIT');
    if (committed.command === 'ROLLBACK') {
      throw new TransactionAbortedError(`tenant ${tenantId}: a statement inside fn failed, so COMMIT rolled the transaction back; nothing was written`);
    }
    return result;
  } catch (e) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // A connection that cannot roll back is destroyed, not returned to the pool.
      broken = rollbackError as Error;
    }
    throw e;
  } finally {
    if (!broken) {
      try {
        await restore(client, found);
      } catch (cleanupError) {
        broken = cleanupError as Error;
      }
    }
    release(broken);
  }
}

/** Clears the session (CLEANUP), then puts the prepared statements back as they were found. */
async function restore(client: PoolClient, found: ReadonlyMap<string, string>): Promise<void> {
  const results = (await client.query(CLEANUP)) as unknown;
  const last = Array.isArray(results) ? results[results.length - 1] : results;
  const now = (last as { rows: { name: string; prepare_time: string }[] }).rows;
  // A statement prepared during the request, or dropped and prepared again under a
  // name it had at the start (its prepare_time changed), goes: node-postgres would run
  // it when the next request, perhaps another tenant's, asks for that name. A statement
  // dropped during the request is forgotten by the driver, which would otherwise skip
  // preparing it again and fail.
  const made = now.filter((s) => found.get(s.name) !== s.prepare_time).map((s) => s.name);
  const dropped = [...found.keys()].filter((name) => !now.some((s) => s.name === name));
  if (made.length === 0 && dropped.length === 0) return;
  if (made.length > 0) await client.query(made.map((name) => `DEALLOCATE ${quoteIdent(name)}`).join('; '));
  const parsed = driverStatements(client);
  if (!parsed) throw new Error('prepared statements changed during the request and this client keeps its own list of them: the connection is destroyed');
  for (const name of [...made, ...dropped]) delete parsed[name];
}

/**
 * node-postgres's record of the statements it has prepared on this connection (it
 * skips Parse for a name it holds). Internal to pg 8: when absent, withTenant destroys a
 * connection whose statements changed rather than guess.
 */
function driverStatements(client: PoolClient): Record<string, string> | undefined {
  const connection = (client as unknown as { connection?: { parsedStatements?: Record<string, string> } }).connection;
  return connection?.parsedStatements && typeof connection.parsedStatements === 'object' ? connection.parsedStatements : undefined;
}

function parseStatements(value: unknown): [string, string][] {
  const list = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(list)) throw new Error('withTenant: the prepared statements could not be read');
  return list.map((s) => [String((s as unknown[])[0]), String((s as unknown[])[1])]);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The client fn receives: every method works until fn settles, and then refuses (a
 * query after COMMIT would run outside the tenant, or in the next request's), and
 * release() refuses always (withTenant releases the connection once it is cleared).
 */
function lentClient(client: PoolClient, lent: { readonly settled: boolean }, tenantId: string): PoolClient {
  return new Proxy(client, {
    get(target, property) {
      if (property === 'release') {
        return () => {
          throw new LentClientError(`release() inside withTenant (tenant ${tenantId}): withTenant releases the connection itself once fn settles`);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (lent.settled) {
          throw new LentClientError(
            `the connection withTenant lent for tenant ${tenantId} was used after fn settled: keep every query inside fn, and await it`,
          );
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
