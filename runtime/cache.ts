// tenantCache(tenantId): a Redis (Valkey) client that is the tenant's ACL user, with the
// tenant's key prefix applied.
//
// Two layers, each enough on its own for keys:
//   - the ACL user (compiled access string: ~tenant:<id>:* &tenant:<id>:*, data commands
//     only) refuses every key and channel outside the tenant's pattern and every command
//     that enumerates keys or sees other connections (test/redisAcl.test.ts);
//   - the client's keyPrefix turns any key the application names, `tenant:b:x` included,
//     into one under `tenant:<id>:`, so application code cannot even ask for another's.
// Premium tenants connect to their dedicated cluster, as their own user there.
// One client per tenant, kept open and reused.
//
// Channels are not prefixed by the client: name them `<cacheKeyPrefix>...` (the ACL
// refuses any other).
import type { Redis, RedisOptions } from 'ioredis';
import type { RuntimeHostMap } from '../compiler/outputFormat.ts';
import { TenantRefusedError } from './refusal.ts';

export interface CacheEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface CacheConnectorOptions {
  readonly map: RuntimeHostMap;
  readonly fleet: string;
  /** Where the tenant's cache answers (AWS: the SSM parameter RuntimeTenant.cacheEndpointParameter). */
  readonly endpoint: (tenantId: string) => Promise<CacheEndpoint>;
  /** Its ACL user's password (AWS: an IAM authentication token, cacheAuth.ts; locally, the user's password). */
  readonly password: (tenantId: string) => Promise<string>;
  /** Renew the password this often on open clients, so a reconnection authenticates (IAM tokens last 15 minutes). Default 600 s; 0 never. */
  readonly renewPasswordSeconds?: number;
  /** More ioredis options (tls: ElastiCache requires TLS in transit). */
  readonly redisOptions?: RedisOptions;
  /**
   * The largest command a tenant's client sends, its arguments' bytes together (default
   * DEFAULT_MAX_COMMAND_BYTES). The cache is one memory for every tenant on it, and the
   * server takes a value up to 512 MB (proto-max-bulk-len) into a query buffer of up to
   * 1 GB (client-query-buffer-limit): one tenant's user, through an application that
   * caches what it is sent, would evict every other tenant's keys or stall the server.
   */
  readonly maxCommandBytes?: number;
}

/** 1 MiB: far above a cached page or session, far below what would crowd other tenants out. */
export const DEFAULT_MAX_COMMAND_BYTES = 1024 * 1024;

/** A command refused before it was sent: larger than maxCommandBytes. */
export class CacheCommandTooLargeError extends Error {}

export interface CacheConnector {
  tenantCache(tenantId: string): Promise<Redis>;
  /** Closes every client. */
  close(): Promise<void>;
}

export function cacheConnector(options: CacheConnectorOptions): CacheConnector {
  const clients = new Map<string, Promise<Redis>>();
  const timers: NodeJS.Timeout[] = [];
  const renewMs = (options.renewPasswordSeconds ?? 600) * 1000;
  const maxBytes = options.maxCommandBytes ?? DEFAULT_MAX_COMMAND_BYTES;

  async function open(tenantId: string): Promise<Redis> {
    const t = options.map.tenants[tenantId]!;
    const [{ Redis }, endpoint, password] = await Promise.all([import('ioredis'), options.endpoint(tenantId), options.password(tenantId)]);
    const client = new Redis({
      ...options.redisOptions,
      host: endpoint.host,
      port: endpoint.port,
      username: t.cacheUser,
      password,
      keyPrefix: t.cacheKeyPrefix,
      lazyConnect: true,
      // The ready check runs INFO, which the tenant's user may not (it shows the whole server).
      enableReadyCheck: false,
      // No connectionName: it would need CLIENT SETNAME, denied with all of CLIENT.
      connectionName: undefined,
    });
    client.on('error', () => undefined);
    // A command alone goes through sendCommand: measured there. A pipeline (MULTI too)
    // is measured whole at exec, before any of it is queued: refusing one command in the
    // middle would leave the others queued for replies that never come.
    type Queued = { name: string; args: unknown[]; reject(e: Error): void; promise: Promise<unknown> };
    const tooLarge = (command: Queued): CacheCommandTooLargeError | undefined => {
      let bytes = 0;
      for (const a of command.args) bytes += Buffer.isBuffer(a) ? a.length : Buffer.byteLength(String(a));
      return bytes > maxBytes
        ? new CacheCommandTooLargeError(`tenant ${tenantId}: ${command.name.toUpperCase()} of ${bytes} bytes, more than ${maxBytes}: not sent`)
        : undefined;
    };
    const send = client.sendCommand.bind(client) as (c: Queued, s?: unknown, n?: unknown) => unknown;
    client.sendCommand = ((command: Queued, stream?: { isPipeline?: boolean }, node?: unknown) => {
      const refused = stream?.isPipeline ? undefined : tooLarge(command);
      if (refused) {
        command.reject(refused);
        return command.promise;
      }
      return send(command, stream, node);
    }) as unknown as typeof client.sendCommand;
    for (const method of ['pipeline', 'multi'] as const) {
      const make = (client[method] as (...a: unknown[]) => unknown).bind(client);
      (client as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        const batch = make(...args) as { exec?: (...a: unknown[]) => Promise<unknown>; _queue?: Queued[] };
        if (typeof batch?.exec !== 'function') return batch; // multi({ pipeline: false }): commands go one by one, measured above.
        const exec = batch.exec.bind(batch);
        batch.exec = (...a: unknown[]) => {
          const refused = (batch._queue ?? []).map(tooLarge).find((e) => e !== undefined);
          return refused ? Promise.reject(refused) : exec(...a);
        };
        return batch;
      };
    }
    await client.connect();
    if (renewMs > 0) {
      const timer = setInterval(() => {
        options.password(tenantId).then(
          (p) => (client.options.password = p),
          () => undefined,
        );
      }, renewMs);
      timer.unref();
      timers.push(timer);
    }
    return client;
  }

  return {
    tenantCache(tenantId) {
      const t = Object.hasOwn(options.map.tenants, tenantId) ? options.map.tenants[tenantId] : undefined;
      if (!t)
        return Promise.reject(
          new TenantRefusedError({ status: 421, reason: 'host-unknown', message: `no tenant ${JSON.stringify(tenantId)}`, tenantId: null }),
        );
      if (t.fleet !== options.fleet) {
        return Promise.reject(
          new TenantRefusedError({ status: 421, reason: 'host-other-fleet', message: `tenant ${tenantId} is served by another fleet`, tenantId }),
        );
      }
      let c = clients.get(tenantId);
      if (!c) {
        c = open(tenantId);
        clients.set(tenantId, c);
        c.catch(() => clients.delete(tenantId));
      }
      return c;
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      const all = [...clients.values()];
      clients.clear();
      for (const c of all) (await c.catch(() => null))?.disconnect();
    },
  };
}
