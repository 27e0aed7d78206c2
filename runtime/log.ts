// Refusals as structured log lines: one JSON object per line, with the tenant's id in
// `tenant` (the field the tenant's metric filters and Logs Insights queries bind,
// compiler/emit/cfn/tenant/observability.ts), or null when no tenant was resolved (an
// unknown host). Where the lines go is the application's choice of sink: stdout
// locally; in AWS, the tenant's own log group (cloudWatchTenantLog), which its
// credentials may write and no other tenant's can.
import type { RuntimeHostMap } from '../compiler/outputFormat.ts';
import type { AwsClientConfig, CredentialsProvider } from './aws.ts';
import type { Refusal } from './refusal.ts';

export interface RequestFacts {
  readonly method: string;
  readonly path: string;
  readonly host?: string;
  readonly requestId?: string;
}

export type LogRecord = Readonly<Record<string, unknown>>;

/** Where tenant log records go. `tenantId` null: the fleet's own log (no tenant was resolved). */
export interface TenantLog {
  write(tenantId: string | null, record: LogRecord): void;
}

/** One line of a refusal: never the token, never a stack. */
export function refusalRecord(r: Refusal, request: RequestFacts, time = new Date()): LogRecord {
  return {
    time: time.toISOString(),
    level: 'warn',
    event: 'refusal',
    tenant: r.tenantId,
    status: r.status,
    reason: r.reason,
    message: r.message,
    ...(r.tenantStatus ? { tenantStatus: r.tenantStatus } : {}),
    method: request.method,
    // The path without its query string: a query may carry what must not be logged.
    path: request.path.split('?')[0],
    ...(request.host !== undefined ? { host: request.host.slice(0, 255) } : {}),
    ...(request.requestId ? { requestId: request.requestId } : {}),
  };
}

/** JSON lines on a stream (stdout by default): the local sink, and what a log agent ships. */
export function jsonLinesLog(write: (line: string) => void = (line) => process.stdout.write(line)): TenantLog {
  return {
    write(tenantId, record) {
      write(`${JSON.stringify({ ...record, tenant: tenantId })}\n`);
    },
  };
}

export interface CloudWatchTenantLogOptions {
  readonly map: RuntimeHostMap;
  /** The tenant's credentials (tenantRuntime's credentialsProvider): its role and session policy may write its log group only. */
  readonly credentials: (tenantId: string) => CredentialsProvider;
  /** CloudWatch Logs client settings (region...). */
  readonly clientConfig?: AwsClientConfig;
  /** This instance's stream in each tenant's group (its instance id, say). */
  readonly stream: string;
  /** Where records of no tenant go, and delivery failures are reported: the fleet's own log (stdout, which its agent ships). */
  readonly fallback: TenantLog;
  /** How often buffered records are sent (default 1000 ms). */
  readonly flushMs?: number;
}

type LogsModule = typeof import('@aws-sdk/client-cloudwatch-logs');

/**
 * In AWS: each tenant's records to its own log group (RuntimeTenant.logGroup), with its
 * own credentials, so its metric filters and queries see them and no other tenant's
 * group ever holds them. Records are buffered and sent in order, once a second.
 */
export function cloudWatchTenantLog(options: CloudWatchTenantLogOptions): TenantLog & { flush(): Promise<void>; close(): Promise<void> } {
  const pending = new Map<string, { timestamp: number; message: string }[]>();
  const streams = new Set<string>();
  const clients = new Map<string, Promise<{ mod: LogsModule; client: InstanceType<LogsModule['CloudWatchLogsClient']> }>>();
  const clientFor = (tenantId: string) => {
    let c = clients.get(tenantId);
    if (!c) {
      c = import('@aws-sdk/client-cloudwatch-logs').then((mod) => ({
        mod,
        client: new mod.CloudWatchLogsClient({ ...options.clientConfig, credentials: options.credentials(tenantId) }),
      }));
      clients.set(tenantId, c);
    }
    return c;
  };
  let sending: Promise<void> = Promise.resolve();
  const send = async () => {
    const batches = [...pending];
    pending.clear();
    for (const [tenantId, events] of batches) {
      const t = options.map.tenants[tenantId];
      if (!t) continue;
      try {
        const { mod, client } = await clientFor(tenantId);
        if (!streams.has(tenantId)) {
          await client.send(new mod.CreateLogStreamCommand({ logGroupName: t.logGroup, logStreamName: options.stream })).catch((e: Error) => {
            if (e.name !== 'ResourceAlreadyExistsException') throw e;
          });
          streams.add(tenantId);
        }
        await client.send(new mod.PutLogEventsCommand({ logGroupName: t.logGroup, logStreamName: options.stream, logEvents: events }));
      } catch (e) {
        options.fallback.write(null, {
          time: new Date().toISOString(),
          level: 'error',
          event: 'log-delivery-failed',
          forTenant: tenantId,
          records: events.length,
          message: (e as Error).message,
        });
      }
    }
  };
  const flush = () => (sending = sending.then(send));
  const timer = setInterval(() => void flush(), options.flushMs ?? 1000);
  timer.unref();
  return {
    write(tenantId, record) {
      if (tenantId === null || !Object.hasOwn(options.map.tenants, tenantId)) return options.fallback.write(tenantId, record);
      const list = pending.get(tenantId) ?? [];
      list.push({ timestamp: Date.now(), message: JSON.stringify({ ...record, tenant: tenantId }) });
      pending.set(tenantId, list);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
      for (const c of clients.values()) (await c).client.destroy();
    },
  };
}
