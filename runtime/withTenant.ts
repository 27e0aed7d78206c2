// How application code sets the tenant for a unit of work (README, "Tenant context").
//
//   const invoices = await withTenant(pool, tenantId, (db) => db.query('SELECT * FROM app.invoices'));
//
// The tenant id is bound as a parameter to set_config(..., is_local => true): it is
// never spliced into SQL, and it lives only until the transaction ends. A pooled
// connection (PgBouncer in transaction mode, RDS Proxy, pg.Pool) therefore never
// carries one tenant's context into the next request: after COMMIT or ROLLBACK the
// setting is gone and the RLS policies see no tenant, so they show nothing.
import type { Pool, PoolClient } from 'pg';

const TENANT_ID = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;

export class InvalidTenantIdError extends Error {}

/**
 * What a transaction can leave on a connection beyond its end, and how each is cleared
 * before the connection goes back to the pool (PostgreSQL's DISCARD ALL, without
 * DEALLOCATE ALL: a prepared statement holds a plan, never a row, and node-postgres
 * remembers which statements it prepared):
 *   a cursor declared WITH HOLD (rows of the tenant, fetchable by the next user);
 *   a temporary table (a copy of the tenant's rows);
 *   a session-level setting (set_config(..., false) or SET, app.tenant_id included,
 *     which would make the next transaction run as that tenant), and a SET ROLE;
 *   LISTEN on a channel; session-level advisory locks.
 * If the cleanup itself fails, the connection is destroyed, never reused.
 */
export const CLEANUP = 'CLOSE ALL; DISCARD TEMP; RESET ALL; UNLISTEN *; SELECT pg_advisory_unlock_all()';

export async function withTenant<T>(pool: Pick<Pool, 'connect'>, tenantId: string, fn: (db: PoolClient) => Promise<T>): Promise<T> {
  // Defence in depth: the database's tenant_id domain rejects such a value too.
  if (typeof tenantId !== 'string' || tenantId.length > 24 || !TENANT_ID.test(tenantId)) {
    throw new InvalidTenantIdError(`not a tenant id: ${JSON.stringify(tenantId)}`);
  }
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    const result = await fn(client);
    await client.query('COMMIT');
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
        await client.query(CLEANUP);
      } catch (cleanupError) {
        broken = cleanupError as Error;
      }
    }
    client.release(broken);
  }
}
