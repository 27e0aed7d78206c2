// Refusal lines and where they go: stdout locally; in AWS each tenant's own log group,
// written with its own credentials (CloudWatch Logs mocked).
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIME_HOSTS_FILE, type RuntimeHostMap } from '../compiler/outputFormat.ts';
import { cloudWatchTenantLog, jsonLinesLog, type LogRecord, refusalBody, refusalRecord } from '../runtime/index.ts';
import { compiledFrom, SAMPLE_TENANTS } from './helpers.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const L = suite('runtime: refusal logs');
const map = JSON.parse(compiledFrom(SAMPLE_TENANTS).files.find((f) => f.path === RUNTIME_HOSTS_FILE)!.content) as RuntimeHostMap;
const refusal = {
  status: 401 as const,
  reason: 'token-foreign-pool' as const,
  message: "the token was not issued by this tenant's user pool",
  tenantId: 'initech',
};

L('a refusal is one JSON line with the tenant, never the query string; its body is the reason and a message', () => {
  const lines: string[] = [];
  jsonLinesLog((l) => lines.push(l)).write(
    'initech',
    refusalRecord(refusal, { method: 'GET', path: '/api/projects?token=secret', host: 'initech.tessera.app', requestId: 'r1' }, new Date(0)),
  );
  assert.is(lines.length, 1);
  assert.ok(lines[0]!.endsWith('\n') && !lines[0]!.slice(0, -1).includes('\n'), 'one line');
  assert.equal(JSON.parse(lines[0]!), {
    time: '1970-01-01T00:00:00.000Z',
    level: 'warn',
    event: 'refusal',
    tenant: 'initech',
    status: 401,
    reason: 'token-foreign-pool',
    message: "the token was not issued by this tenant's user pool",
    method: 'GET',
    path: '/api/projects',
    host: 'initech.tessera.app',
    requestId: 'r1',
  });
  assert.equal(refusalBody(refusal), { error: 'token-foreign-pool', message: "the token was not issued by this tenant's user pool" });
  assert.equal(refusalBody({ ...refusal, status: 403, reason: 'tenant-suspended', tenantStatus: 'suspended' }).status, 'suspended');
});

L("in AWS each tenant's lines go to its own log group with its own credentials; lines of no tenant to the fleet's log", async () => {
  const logs = mockClient(CloudWatchLogsClient);
  try {
    logs.on(CreateLogStreamCommand).resolves({});
    logs.on(PutLogEventsCommand).resolves({});
    const fleet: [string | null, LogRecord][] = [];
    const asked: string[] = [];
    const sink = cloudWatchTenantLog({
      map,
      stream: 'i-0abc',
      clientConfig: { region: 'us-east-1' },
      credentials: (id) => async () => (asked.push(id), { accessKeyId: `AK-${id}`, secretAccessKey: 's' }),
      fallback: { write: (t, r) => fleet.push([t, r]) },
      flushMs: 60_000,
    });
    sink.write('initech', { event: 'refusal', n: 1 });
    sink.write('soylent', { event: 'refusal', n: 2 });
    sink.write('initech', { event: 'refusal', n: 3 });
    sink.write(null, { event: 'refusal', n: 4 });
    await sink.flush();
    sink.write('initech', { event: 'refusal', n: 5 });
    await sink.close();
    const puts = logs.commandCalls(PutLogEventsCommand).map((c) => c.args[0].input);
    assert.equal(
      puts.map((p) => [p.logGroupName, p.logStreamName, p.logEvents!.map((e) => JSON.parse(e.message!).n)]),
      [
        ['/tessera/tenants/initech', 'i-0abc', [1, 3]],
        ['/tessera/tenants/soylent', 'i-0abc', [2]],
        ['/tessera/tenants/initech', 'i-0abc', [5]],
      ],
    );
    for (const p of puts) for (const e of p.logEvents!) assert.is(JSON.parse(e.message!).tenant, p.logGroupName!.split('/').at(-1));
    assert.is(logs.commandCalls(CreateLogStreamCommand).length, 2, 'a stream made once per tenant');
    assert.equal(fleet, [[null, { event: 'refusal', n: 4 }]]);
    // Each tenant's group is written by a client holding that tenant's credentials.
    for (const call of logs.commandCalls(PutLogEventsCommand)) {
      const client = call.thisValue as CloudWatchLogsClient;
      const tenant = call.args[0].input.logGroupName!.split('/').at(-1);
      assert.is((await client.config.credentials()).accessKeyId, `AK-${tenant}`);
    }
    assert.equal([...new Set(asked)].sort(), ['initech', 'soylent']);
  } finally {
    logs.restore();
  }
});

L.run();
