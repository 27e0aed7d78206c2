// How application code sets the tenant for a unit of work (docs/isolation.md, "Tenant context").
//
//   const invoices = await withTenant(pool, tenantId, (db) => db.query('SELECT * FROM app.invoices'));
//
// The threat this file answers: one request of tenant A whose SQL is the attacker's
// (an injection), running in A's transaction on a pooled connection of the one
// application role every tenant shares. Three things keep it inside A:
//
// 1. The tenant is proven, not just named. withTenant sets app.tenant_id and
//    app.tenant_proof = HMAC-SHA-256(context key, "<tenant id>:<binding>"), both bound
//    as parameters to set_config(..., is_local => true), so they last until the
//    transaction ends. The policies accept a tenant only with its proof
//    (current_tenant_id() in the migration). The key lives in this process and in a
//    table only the registrar reads: SQL in the session can set app.tenant_id to B,
//    but cannot compute B's proof, so it sees nothing of B. The binding is the
//    session's backend pid and the transaction's start (microseconds), read inside the
//    transaction: a proof of B that leaks (a log line with bind parameters, an error
//    report) is good for B's one transaction only, already over, and never for the
//    next request on the same connection, whose transaction starts later.
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
// 4. No request holds a server connection past its deadline: withTenant cancels the
//    statement, and a session whose SQL catches the cancel (EXCEPTION WHEN
//    query_canceled, in a loop) is ended by the reaper (endAbandonedSession below), whose
//    termination no SQL catches, and which ends no session but one withTenant proves it ran.
import { createHmac } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import pg, { type Pool, type PoolClient, type PoolConfig } from 'pg';

const TENANT_ID = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;

/**
 * Settings every connection withTenant uses starts with, from its startup packet
 * (libpq's "options"). Their source is then 'client', which outranks a role default: a
 * tenant's ALTER ROLE CURRENT_USER SET default_transaction_read_only = on, or
 * statement_timeout = '1ms', cannot take effect in any session, and RESET ALL at the end
 * of a request returns to these values, not to the role's. (PIN_ROLE_DEFAULTS pins the
 * rest.) Superuser settings (temp_file_limit, log_parameter_max_length) cannot be sent
 * by a login that is not one: the migration or the cluster parameter group sets them.
 */
export const TENANT_SESSION_SETTINGS: Readonly<Record<string, string>> = {
  default_transaction_read_only: 'off',
  default_transaction_isolation: 'read committed',
  default_transaction_deferrable: 'off',
  statement_timeout: '30000',
  lock_timeout: '10000',
  idle_in_transaction_session_timeout: '60000',
  log_parameter_max_length_on_error: '0',
  row_security: 'on',
  // A statement whose client has gone ends within a second (PostgreSQL 14+): the usual
  // case of a request past its deadline. A belt only: any session may lift it, so the
  // reaper, not this, is what ends a session whose SQL means to stay.
  client_connection_check_interval: '1000',
  // Between connecting and its first statement (withTenant's pin) a new connection is
  // idle: a role default idle_session_timeout = '1ms' a tenant committed would end it
  // there, every new session of the role's, the reaper's included. From the startup
  // packet it cannot (nor a TCP timeout that drops the connection).
  idle_session_timeout: '0',
  tcp_user_timeout: '0',
};

const SESSION_OPTIONS = Object.entries(TENANT_SESSION_SETTINGS)
  .map(([name, value]) => `-c ${name}=${value.replace(/ /g, '\\ ')}`)
  .join(' ');

/** withTenant was given a pool whose connections do not start with TENANT_SESSION_SETTINGS. */
export class UnpinnedPoolError extends Error {}

/**
 * The pg.Pool configuration withTenant accepts: `base` with TENANT_SESSION_SETTINGS in
 * its startup options (after any the base has, so these win).
 *   const pool = new pg.Pool(tenantPoolConfig({ connectionString }));
 */
export function tenantPoolConfig(base: PoolConfig): PoolConfig & { options: string } {
  return { ...base, options: base.options ? `${base.options} ${SESSION_OPTIONS}` : SESSION_OPTIONS };
}

/** The environment variable withTenant reads the tenant-context key from when no option gives it. */
export const CONTEXT_KEY_VARIABLE = 'TENANTC_CONTEXT_KEY';

export class InvalidTenantIdError extends Error {}
/** The tenant-context key is missing or is not 32 bytes (64 hex digits). */
export class TenantContextKeyError extends Error {}
/** The client lent to fn was released inside fn, or used after fn settled. */
export class LentClientError extends Error {}
/** COMMIT rolled back: a statement inside fn failed and fn went on; nothing was written. */
export class TransactionAbortedError extends Error {}
/**
 * What became of the server session of a request past its deadline:
 *   'cancelled': its statement answered the cancel; the connection was closed, which ends the session;
 *   'ended': its statement ignored the cancel, and the reaper (tenantc_end_session) ended the session;
 *   'not ended': its statement ignored the cancel and the reaper could not end it (the
 *     error says why): the session may hold a server connection and its locks until its
 *     statement ends. Alarm on it.
 */
export type AbandonedSession = 'cancelled' | 'ended' | 'not ended';

/** fn and its COMMIT did not settle within deadlineMs: the transaction was abandoned and its connection destroyed. */
export class DeadlineExceededError extends Error {
  constructor(
    message: string,
    /** What became of the request's server session. */
    readonly session: AbandonedSession,
  ) {
    super(message);
  }
}

/** How long a request may hold its connection by default: the cluster's statement_timeout (compiler/emit/cfn/database.ts). */
export const DEFAULT_DEADLINE_MS = 30_000;

/** How long a statement past its deadline has to answer the cancel before the reaper ends its session, by default. */
export const DEFAULT_CANCEL_GRACE_MS = 1_000;

/**
 * How long the reaper may take by default: a pooled connection, then tenantc_end_session,
 * which waits up to 2 s for the session to be gone. Past it, the error says the session was not ended.
 */
export const DEFAULT_REAP_BUDGET_MS = 5_000;

export interface WithTenantOptions {
  /** The tenant-context key, hex or bytes (docs/isolation.md, "Tenant context"). Default: $TENANTC_CONTEXT_KEY. */
  readonly contextKey?: string | Uint8Array;
  /**
   * How long fn and its COMMIT may hold the connection (default DEFAULT_DEADLINE_MS). At the deadline
   * withTenant cancels the statement, destroys the connection (the server rolls the
   * transaction back) and, when the statement ignored the cancel for cancelGraceMs, ends
   * its session with the reaper; then it rejects with DeadlineExceededError, whose
   * `session` says which. Whatever fn is doing: SQL in the request can lift its own
   * statement_timeout, not this timer. The transaction's statement_timeout and
   * idle_in_transaction_session_timeout are set to it as well. Infinity: no deadline.
   */
  readonly deadlineMs?: number;
  /**
   * How long, after the deadline, the statement has to answer the cancel (default
   * DEFAULT_CANCEL_GRACE_MS). If it has not, withTenant ends the session with the
   * reaper, on another connection of the pool, before it rejects.
   */
  readonly cancelGraceMs?: number;
  /**
   * How long the reaper may take (default DEFAULT_REAP_BUDGET_MS); past it, withTenant
   * rejects saying the session was not ended. Shorter in tests, which starve the reaper
   * on purpose; a fleet has no reason to change it.
   */
  readonly reapBudgetMs?: number;
  /** The estate's schema (hosts.json database.schema), where the migration made tenantc_end_session. Default 'app'. */
  readonly schema?: string;
}

/**
 * The client fn receives: queries in the tenant's transaction and the escaping helpers,
 * nothing of the connection under them. Not the pg client itself: with it, fn could
 * leave an event listener that hears the next requests on the connection (another
 * tenant's notices and errors), reach the wire protocol and node-postgres's record of
 * prepared statements (client.connection), or pass a Submittable (a cursor, a stream),
 * which node-postgres hands the connection to.
 */
export interface TenantDb {
  readonly query: PoolClient['query'];
  escapeLiteral(value: string): string;
  escapeIdentifier(value: string): string;
  /** Refuses, always: withTenant releases the connection itself once fn settles. */
  release(): never;
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
 * What a proof is bound to: this session (its backend pid) and this transaction (its
 * start, to the microsecond), as current_tenant_id() in the migration computes them.
 * Read from the server in the transaction, so the text is the server's own.
 */
export const READ_BINDING = "SELECT pg_backend_pid()::text || ':' || (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text AS binding";

/**
 * One round trip. A script runs in an implicit transaction that BEGIN then extends, so
 * a transaction begun beside the pin still has the defaults it pinned (read-only, an
 * isolation level): when the pin changed anything, withTenant commits it (it holds only the pin) and
 * begins again.
 */
const START = `SET ROLE NONE; ${PIN_ROLE_DEFAULTS}; BEGIN; ${READ_BINDING}`;

const SET_TENANT = `SELECT set_config('app.tenant_id', $1, true), set_config('app.tenant_proof', $2, true),
  set_config('statement_timeout', coalesce($3, current_setting('statement_timeout')), true),
  set_config('idle_in_transaction_session_timeout', coalesce($3, current_setting('idle_in_transaction_session_timeout')), true),
  (SELECT coalesce(json_agg(json_build_array(name, prepare_time::text)), '[]') FROM pg_prepared_statements) AS statements`;

/**
 * The random() seed, drawn again from the server's strong source (32 bits of a v4
 * UUID). SET seed = x (or set_config('seed', ...)) is setseed(x) under another name:
 * revoking setseed does not stop it, and RESET ALL and DISCARD ALL skip the seed
 * (GUC_NO_RESET_ALL), so acme would choose the next request's random().
 */
export const RESEED = "SELECT set_config('seed', (('x' || substr(gen_random_uuid()::text, 1, 8))::bit(32)::int / 2147483648.0)::text, false) AS reseeded";

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
 *     (idle_session_timeout);
 *   the random() seed, which RESET ALL skips (RESEED).
 * The last statement lists the prepared statements, to compare with the start.
 */
export const CLEANUP = `CLOSE ALL; SET ROLE NONE; RESET ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES; ${PIN_ROLE_DEFAULTS};
${RESEED};
SELECT name, prepare_time::text AS prepare_time FROM pg_prepared_statements`;

/**
 * The proof withTenant sets beside app.tenant_id: HMAC-SHA-256 of "<id>:<binding>" under
 * the context key, hex. `binding` is what READ_BINDING returns in the transaction the
 * proof is for: the proof holds there and nowhere else.
 */
export function tenantProof(contextKey: string | Uint8Array, tenantId: string, binding: string): string {
  if (!/^\d+:\d+$/.test(binding)) throw new Error(`not a session binding: ${JSON.stringify(binding)}`);
  return createHmac('sha256', contextKeyBytes(contextKey)).update(`${tenantId}:${binding}`, 'utf8').digest('hex');
}

/**
 * The token with which withTenant asks the reaper (tenantc_end_session in the
 * migration) to end a session it gave up: HMAC-SHA-256 of "end session:<binding>" under
 * the context key, hex. Never set in any session, so SQL in one never reads it; never a
 * tenant proof, whose message starts with a tenant id (no space in one).
 */
export function sessionEndToken(contextKey: string | Uint8Array, binding: string): string {
  if (!/^\d+:\d+$/.test(binding)) throw new Error(`not a session binding: ${JSON.stringify(binding)}`);
  return createHmac('sha256', contextKeyBytes(contextKey)).update(`end session:${binding}`, 'utf8').digest('hex');
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
  fn: (db: TenantDb) => Promise<T>,
  options: WithTenantOptions = {},
): Promise<T> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  if (!(deadlineMs > 0)) throw new RangeError(`deadlineMs is a positive number of milliseconds or Infinity, not ${deadlineMs}`);
  const cancelGraceMs = options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
  if (!(cancelGraceMs >= 0 && Number.isFinite(cancelGraceMs))) throw new RangeError(`cancelGraceMs is a finite number of milliseconds, not ${cancelGraceMs}`);
  const reapBudgetMs = options.reapBudgetMs ?? DEFAULT_REAP_BUDGET_MS;
  if (!(reapBudgetMs > 0 && Number.isFinite(reapBudgetMs)))
    throw new RangeError(`reapBudgetMs is a positive finite number of milliseconds, not ${reapBudgetMs}`);
  const schema = options.schema ?? 'app';
  // Defence in depth: the database's tenant_id domain rejects such a value too.
  if (typeof tenantId !== 'string' || tenantId.length > 24 || !TENANT_ID.test(tenantId)) {
    throw new InvalidTenantIdError(`not a tenant id: ${JSON.stringify(tenantId)}`);
  }
  const contextKey = contextKeyBytes(options.contextKey ?? process.env[CONTEXT_KEY_VARIABLE] ?? '');
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
  let released = false;
  const release = (err?: Error) => {
    if (released) return;
    released = true;
    events?.off('error', onError);
    client.release(err ?? lost);
  };
  let found: Map<string, string>;
  let binding: string | undefined;
  try {
    // A pool made without tenantPoolConfig would start its sessions with whatever a
    // role default says: refused before any SQL runs.
    const options = (client as unknown as { connectionParameters?: { options?: unknown } }).connectionParameters?.options;
    if (typeof options !== 'string' || !options.endsWith(SESSION_OPTIONS)) {
      throw new UnpinnedPoolError(
        `withTenant (tenant ${tenantId}): the pool's connections do not start with the tenant session settings: make it with new pg.Pool(tenantPoolConfig(config))`,
      );
    }
    const started = (await client.query(START)) as unknown as { rows: { pinned?: string | number; binding?: string }[] }[];
    binding = started[started.length - 1]?.rows[0]?.binding;
    if (Number(started[1]?.rows[0]?.pinned ?? 0) > 0) {
      const again = (await client.query(`COMMIT; BEGIN; ${READ_BINDING}`)) as unknown as { rows: { binding?: string }[] }[];
      binding = again[again.length - 1]?.rows[0]?.binding;
    }
    const timeout = Number.isFinite(deadlineMs) ? String(Math.ceil(deadlineMs)) : null;
    const set = await client.query(SET_TENANT, [tenantId, tenantProof(contextKey, tenantId, String(binding)), timeout]);
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
    let timer: NodeJS.Timeout | undefined;
    // The deadline covers COMMIT too: SQL in fn can defer work to it (a deferred
    // constraint trigger on a temporary table of its own, statement_timeout lifted), and
    // a COMMIT outside the deadline would hold the connection for as long as that runs.
    // A deadline that falls while COMMIT runs cannot say whether the server committed.
    let committing = false;
    const deadline = Number.isFinite(deadlineMs)
      ? new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const outcome = committing ? 'during COMMIT: whether it was written is unknown' : 'rolled back';
            reject(new DeadlinePassed(`tenant ${tenantId}: the request held its connection past its deadline (${deadlineMs} ms); ${outcome}`));
          }, deadlineMs);
        })
      : undefined;
    const within = <U>(work: Promise<U>): Promise<U> => (deadline ? Promise.race([work, deadline]) : work);
    try {
      try {
        result = await within(fn(lentClient(client, lent, tenantId)));
      } finally {
        lent.settled = true;
      }
      committing = true;
      const committed = await within(client.query('COMMIT'));
      if (committed.command === 'ROLLBACK') {
        throw new TransactionAbortedError(`tenant ${tenantId}: a statement inside fn failed, so COMMIT rolled the transaction back; nothing was written`);
      }
    } finally {
      clearTimeout(timer);
    }
    return result;
  } catch (e) {
    // Past the deadline the connection may still be running fn's statement: ROLLBACK
    // would wait behind it. Destroying the connection rolls back on the server, once the
    // server notices: the statement is cancelled first, and its session ended by the
    // reaper if it ignores the cancel.
    if (e instanceof DeadlinePassed) {
      broken = e;
      cancelRunningStatement(client);
      const answered = await answersWithin(client, cancelGraceMs);
      release(e);
      if (answered) throw new DeadlineExceededError(e.message, 'cancelled');
      const reaped = await endAbandonedSession(pool, schema, String(binding), contextKey, reapBudgetMs);
      throw new DeadlineExceededError(
        reaped.ended
          ? `${e.message}; its statement ignored the cancel, so its session was ended (${reaped.detail})`
          : `${e.message}; its statement ignored the cancel and its session could not be ended (${reaped.detail}): it may hold a server connection and its locks until the statement ends`,
        reaped.ended ? 'ended' : 'not ended',
      );
    }
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

/** The deadline's own rejection, turned into DeadlineExceededError once the session's fate is known. */
class DeadlinePassed extends Error {}

/**
 * Whether the server answers on the connection within `ms` after the cancel: a probe
 * queued behind fn's statement settles with a server's answer (a result, or an error
 * with a SQLSTATE: the cancel, the aborted transaction) only once that statement has
 * ended. Not settling, the statement ignored the cancel.
 */
async function answersWithin(client: PoolClient, ms: number): Promise<boolean> {
  const probe = Promise.resolve()
    .then(() => client.query('SELECT 1'))
    .then(
      () => true,
      (e: unknown) => typeof (e as { code?: unknown })?.code === 'string' && /^[0-9A-Z]{5}$/.test((e as { code: string }).code),
    );
  return settledWithin(probe, ms, () => false);
}

/** `work`'s result, or `late()`'s if `work` has not settled within `ms`. */
async function settledWithin<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The reaper: on another connection of the pool (no tenant set on it), asks
 * tenantc_end_session to end the session whose transaction `binding` names, with the
 * token only this process can make (sessionEndToken). The function checks the token,
 * that the pid is a session of the application role and that it was running when that
 * transaction started, then terminates it: a FATAL error, which no EXCEPTION clause
 * catches, so the transaction rolls back and its locks go. Bounded by budgetMs;
 * never throws: what happened is in the result, for the deadline's error.
 */
async function endAbandonedSession(
  pool: Pick<Pool, 'connect'>,
  schema: string,
  binding: string,
  contextKey: Uint8Array,
  budgetMs: number,
): Promise<{ ended: boolean; detail: string }> {
  const [pid, transactionStart] = binding.split(':');
  let gaveUp = false;
  let held: PoolClient | undefined;
  const work = (async (): Promise<{ ended: boolean; detail: string }> => {
    const reaper = await pool.connect();
    if (gaveUp) {
      reaper.release();
      return { ended: false, detail: 'too late' };
    }
    held = reaper;
    let failed: Error | undefined;
    try {
      // A role default may have named a role for new sessions (ALTER ROLE CURRENT_USER SET
      // role = ...) or set a timeout for them: undone and pinned as for a request.
      await reaper.query(`SET ROLE NONE; ${PIN_ROLE_DEFAULTS}`);
      const r = await reaper.query(`SELECT ${quoteIdent(schema)}.tenantc_end_session($1, $2, $3) AS outcome`, [
        Number(pid),
        transactionStart,
        sessionEndToken(contextKey, binding),
      ]);
      const outcome = String(r.rows[0]?.outcome);
      if (outcome === 'ended') return { ended: true, detail: `tenantc_end_session ended backend ${pid}` };
      if (outcome === 'gone') return { ended: true, detail: `backend ${pid} had ended by itself` };
      return { ended: false, detail: `tenantc_end_session terminated backend ${pid}, which had not exited 2 s later` };
    } catch (e) {
      failed = e as Error;
      return { ended: false, detail: `tenantc_end_session failed: ${(e as Error).message}` };
    } finally {
      held = undefined;
      if (!gaveUp) reaper.release(failed);
    }
  })().catch((e: unknown) => ({ ended: false, detail: `no connection for the reaper: ${(e as Error).message}` }));
  return settledWithin(work, budgetMs, () => {
    gaveUp = true;
    // A connection still waiting on the server is not one to give back to the pool.
    held?.release(new Error('the reaper ran out of time'));
    return { ended: false, detail: `the reaper did not finish within ${budgetMs} ms` };
  });
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
 * The TenantDb lent to fn: query and the escaping helpers, each refusing once fn
 * settles (a query after COMMIT would run outside the tenant, or in the next request's);
 * release() refuses always.
 */
function lentClient(client: PoolClient, lent: { readonly settled: boolean }, tenantId: string): TenantDb {
  const live = () => {
    if (lent.settled) {
      throw new LentClientError(`the connection withTenant lent for tenant ${tenantId} was used after fn settled: keep every query inside fn, and await it`);
    }
  };
  const query = (config: unknown, ...rest: unknown[]) => {
    live();
    if (config !== null && typeof config === 'object' && typeof (config as { submit?: unknown }).submit === 'function') {
      throw new LentClientError(`tenant ${tenantId}: a Submittable (cursor, stream) is handed the connection itself; query with text and values`);
    }
    return (client.query as (...a: unknown[]) => unknown).call(client, config, ...rest);
  };
  return Object.freeze({
    query: query as PoolClient['query'],
    escapeLiteral: (value: string) => (live(), pg.escapeLiteral(value)),
    escapeIdentifier: (value: string) => (live(), pg.escapeIdentifier(value)),
    release: (): never => {
      throw new LentClientError(`release() inside withTenant (tenant ${tenantId}): withTenant releases the connection itself once fn settles`);
    },
  });
}

/**
 * Asks the server to cancel the statement the connection is running (PostgreSQL's
 * CancelRequest: the backend's pid and secret key, on a connection of its own). A
 * connection destroyed mid-statement frees its pool slot, but the server only notices
 * the closed socket when the statement next talks to it: a pg_sleep, or a query SQL in
 * the request freed from statement_timeout (SET LOCAL statement_timeout = 0), would
 * hold a server connection on. Best effort: pg_cancel_backend is not the application
 * role's (every tenant's sessions are that one role), this needs no privilege. SQL can
 * catch a cancel (EXCEPTION WHEN query_canceled): that session is the reaper's.
 */
function cancelRunningStatement(client: PoolClient): void {
  const c = client as unknown as { processID?: number | null; secretKey?: number | null; host?: string; port?: number };
  if (!c.processID || c.secretKey === null || c.secretKey === undefined || !c.port) return;
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4); // the CancelRequest code (PostgreSQL protocol, "CancelRequest")
  packet.writeInt32BE(c.processID, 8);
  packet.writeInt32BE(c.secretKey, 12);
  const socket = c.host?.startsWith('/') ? netConnect(`${c.host}/.s.PGSQL.${c.port}`) : netConnect(c.port, c.host ?? 'localhost');
  socket.on('error', () => undefined);
  socket.end(packet);
}
