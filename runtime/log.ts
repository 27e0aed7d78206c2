// Refusals as structured log lines: one JSON object per line, with the tenant's id in
// `tenant` (the field the tenant's metric filters and Logs Insights queries bind,
// compiler/emit/cfn/tenant/observability.ts), or null when no tenant was resolved (an
// unknown host). Where the lines go is the application's choice of sink: stdout
// locally; in AWS, the tenant's own log group (cloudWatchTenantLog), which its
// credentials may write and no other tenant's can.
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
