// The provisioning Lambda (templates/lambda/provisioner.js, the code inlined into the
// template), run with stand-ins for the AWS SDK clients and a real HTTP server as the
// CloudFormation ResponseURL: every path ends in a response, in time.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './helpers.ts';

type Behaviour = 'ok' | 'throw' | 'hang';
const sent: { client: string; command: string; input: Record<string, unknown> }[] = [];
let behaviour: Behaviour = 'ok';

function fakeSdk(client: string, commands: string[]) {
  const mod: Record<string, unknown> = {
    [client]: class {
      async send(cmd: { name: string; input: Record<string, unknown> }) {
        sent.push({ client, command: cmd.name, input: cmd.input });
        if (behaviour === 'throw') throw new Error('AccessDeniedException: not authorized');
        if (behaviour === 'hang') return new Promise(() => undefined);
        return {};
      }
    },
  };
  for (const c of commands) {
    mod[c] = class {
      name = c;
      constructor(public input: Record<string, unknown>) {}
    };
  }
  return mod;
}

function loadHandler(): (event: object, context: object) => Promise<void> {
  const code = readFileSync(join(ROOT, 'templates', 'lambda', 'provisioner.js'), 'utf8');
  const fakes: Record<string, unknown> = {
    '@aws-sdk/client-dynamodb': fakeSdk('DynamoDBClient', ['PutItemCommand', 'UpdateItemCommand']),
    '@aws-sdk/client-rds-data': fakeSdk('RDSDataClient', ['ExecuteStatementCommand']),
  };
  const module = { exports: {} as { handler?: (e: object, c: object) => Promise<void> } };
  new Function('require', 'exports', 'module', code)((name: string) => fakes[name], module.exports, module);
  return module.exports.handler!;
}

const P = suite('provisioning Lambda');
let server: Server;
let url = '';
const responses: Record<string, unknown>[] = [];

P.before(async () => {
  process.env.DB_SCHEMA_IDENT = '"app"';
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      responses.push({ method: req.method, ...JSON.parse(body) });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
});
P.after(() => new Promise<void>((r) => server.close(() => r())));
// What the function logs (console.error, to its log group) is collected, not printed:
// the failures these tests provoke are expected, and some tests assert on them.
const logged: string[] = [];
const consoleError = console.error;
P.before.each(() => {
  sent.length = 0;
  responses.length = 0;
  logged.length = 0;
  behaviour = 'ok';
  console.error = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
});
P.after.each(() => {
  console.error = consoleError;
});

const event = (type: string, props: Record<string, unknown> = {}) => ({
  RequestType: type,
  ResponseURL: url,
  StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/t/1',
  RequestId: 'r-1',
  LogicalResourceId: 'tenantRegistration',
  ResourceProperties: { TenantId: 'acme', Name: "O'Brien & Co", Tier: 'premium', Status: 'active', ...props },
});
const context = (ms = 120_000) => ({ getRemainingTimeInMillis: () => ms });

P('create: registers through bound parameters, then answers SUCCESS', async () => {
  await loadHandler()(event('Create'), context());
  assert.equal(
    sent.map((s) => `${s.client}.${s.command}`),
    ['RDSDataClient.ExecuteStatementCommand', 'DynamoDBClient.PutItemCommand'],
  );
  const sql = String(sent[0]!.input.sql);
  assert.not.match(sql, "O'Brien", 'values are parameters, never spliced into SQL');
  assert.equal(
    (sent[0]!.input.parameters as { name: string }[]).map((p) => p.name),
    ['id', 'name', 'tier', 'status'],
  );
  assert.is(responses.length, 1);
  assert.equal([responses[0]!.method, responses[0]!.Status, responses[0]!.PhysicalResourceId], ['PUT', 'SUCCESS', 'tenant-registration-acme']);
});

P('no timer outlives an invocation (a warm container would carry it into the next)', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  await loadHandler()(event('Create'), context());
  behaviour = 'throw';
  await loadHandler()(event('Update'), context());
  assert.is(timers(), before);
});

P('an SDK failure still answers, FAILED with the reason', async () => {
  behaviour = 'throw';
  await loadHandler()(event('Update'), context());
  assert.is(responses.length, 1);
  assert.is(responses[0]!.Status, 'FAILED');
  assert.match(String(responses[0]!.Reason), 'AccessDeniedException');
  assert.match(logged.join('\n'), 'AccessDeniedException', 'and logs it');
});

P('a hung call answers FAILED before Lambda would time out', async () => {
  behaviour = 'hang';
  const started = Date.now();
  await loadHandler()(event('Create'), context(11_500));
  assert.ok(Date.now() - started < 5000, 'answered within the remaining time');
  assert.is(responses[0]!.Status, 'FAILED');
  assert.match(String(responses[0]!.Reason), 'timed out');
});

P('invalid input answers FAILED without touching anything', async () => {
  await loadHandler()(event('Create', { TenantId: "acme'; DROP TABLE app.tenants; --" }), context());
  assert.is(sent.length, 0);
  assert.match(logged.join('\n'), 'invalid TenantId');
  assert.is(responses[0]!.Status, 'FAILED');
});

P('delete marks the tenant removed and never deletes', async () => {
  await loadHandler()(event('Delete'), context());
  const sql = String(sent[0]!.input.sql);
  assert.match(sql, /^UPDATE .* SET status = 'removed'/);
  assert.not.match(sql, /DELETE/i);
  assert.is(sent[1]!.command, 'UpdateItemCommand');
  assert.is(responses[0]!.Status, 'SUCCESS');
});

P.run();
