// The proof of issue 22: the reference app (examples/app) over HTTP on loopback, on a
// real PostgreSQL (the compiled RLS SQL), a real Redis (the compiled ACL users) and
// moto (STS, SSM, S3), with two tenants A (initech) and B (soylent) of the sample estate
// compiled under a platform name of this process. Every way a request could cross from
// one tenant to the other is tried; each refusal has beside it the mutation that
// removes its check, evaluated on the same app rebuilt with that one piece changed
// (Fastify's inject: same routes and hooks, no second listener), showing the request
// then crosses. Last, nothing of A appears in any response B's host gave, and the
// reverse.
//
// What moto cannot prove (it evaluates no identity, session or bucket policy): that A's
// credentials are refused on B's prefix. That is proven here with iam-simulate on the
// compiled tenant role and bucket policies and the session policy the runtime generates.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { Redis } from 'ioredis';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDiagnostic } from '../compiler/diagnostics.ts';
import { compileSources, parseSources } from '../compiler/pipeline.ts';
import { buildApp } from '../examples/app/app.ts';
import { type LocalApp, startLocalApp } from '../examples/app/local.ts';
import { mintLocalToken, poolJwks, type TokenOptions } from '../examples/app/localPools.ts';
import { hostResolver, type LogRecord, type ResolveTenant, tenantSessionPolicy, type VerifyTenantToken } from '../runtime/index.ts';
import { type LocalMoto, motoMissing, startMoto } from '../scripts/localMoto.ts';
import { rawFile, rawFilesFrom, SAMPLE_TENANTS } from './helpers.ts';
import { serverReachableSync } from './support/databases.ts';
import { ACCOUNT, REGION, resolve } from './support/resolve.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const E = suite('reference app, end to end');
const PLATFORM = `e2e${process.pid}`;
const A = 'initech';
const B = 'soylent';
const SUSPENDED = 'umbrella';
const OFFBOARDED = 'vandelay';
const PREMIUM = 'hooli';
const host = (id: string) => `${id}.tessera.app`;
/** Markers no other test writes: what must never appear in the other tenant's responses. */
const SECRET = { [A]: `a-secret-${process.pid}`, [B]: `b-secret-${process.pid}` } as Record<string, string>;
const CACHE_KEY = `greeting-${process.pid}`;

const missing = [motoMissing(), serverReachableSync() ? null : 'no PostgreSQL at 127.0.0.1:5432 (PGURL)'].filter((m): m is string => m !== null);

const work = mkdtempSync(join(tmpdir(), 'tenantc-e2e-'));
const outDir = join(work, 'out');
let moto: LocalMoto | null = null;
let motoStarting: Promise<LocalMoto> | null = null;
let local: LocalApp;
let redisAdmin: Redis;
const logLines: LogRecord[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Every response each tenant's host gave, for the final check. */
const seen: { host: string; body: string }[] = [];

interface Call {
  readonly host?: string;
  readonly token?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | object;
}
interface Answer {
  readonly status: number;
  readonly body: string;
  json<T = Record<string, unknown>>(): T;
}

/** One request over loopback; Host is whatever the call says (node:http lets a client set it, as curl does). */
function call(method: string, path: string, c: Call = {}): Promise<Answer> {
  const body = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  const headers: Record<string, string> = {
    ...(c.host !== undefined ? { host: c.host } : {}),
    ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
    ...(body !== undefined ? { 'content-type': typeof c.body === 'string' ? 'text/plain' : 'application/json' } : {}),
    ...c.headers,
  };
  return new Promise((resolveCall, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: local.port, method, path, headers, agent, setHost: c.host === undefined }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        seen.push({ host: c.host ?? '', body: text });
        resolveCall({ status: res.statusCode ?? 0, body: text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The same request on the app rebuilt with `change` applied to its pieces (a mutation). */
async function callMutated(change: (deps: LocalApp['deps']) => LocalApp['deps'], method: string, path: string, c: Call = {}): Promise<Answer> {
  const app = buildApp(change(local.deps));
  try {
    const r = await app.inject({
      method: method as 'GET',
      url: path,
      headers: {
        host: c.host ?? '',
        ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
        ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...c.headers,
      },
      ...(c.body !== undefined ? { payload: JSON.stringify(c.body) } : {}),
    });
    return { status: r.statusCode, body: r.body, json: <T>() => JSON.parse(r.body) as T };
  } finally {
    await app.close();
  }
}

const token = (tenant: string, options: TokenOptions = {}) => mintLocalToken(local.pools, tenant, options);

/** A refusal a client can act on: its status, a JSON body with the reason and nothing else, and its log line with the tenant. */
function assertRefused(r: Answer, status: number, reason: string, tenant: string | null): void {
  assert.is(r.status, status, `status (${r.body})`);
  const body = r.json<{ error: string; message: string; status?: string }>();
  assert.is(body.error, reason);
  assert.equal(
    Object.keys(body).filter((k) => !['error', 'message', 'status'].includes(k)),
    [],
    'the body is the reason, a message and (403) the status: no stack, no detail',
  );
  assert.not.match(r.body, /\bat .*\.(ts|js):\d+/, 'no stack trace');
  const line = [...logLines].reverse().find((l) => l.event === 'refusal' && l.reason === reason);
  assert.ok(line, `a log line for ${reason}`);
  assert.is(line!.tenant, tenant, "the refusal is logged with the tenant's id");
}

/** A's or B's project names as the response lists them. */
const projectNames = (r: Answer) => r.json<{ projects: { name: string }[] }>().projects.map((p) => p.name);

/** What went wrong in before(): uvu does not report a failing hook, so the first test does. */
let setupError: Error | null = null;

E.before(async () => {
  if (missing.length) return;
  try {
    await setUp();
  } catch (e) {
    setupError = e as Error;
  }
});

async function setUp(): Promise<void> {
  // Under npm test, another suite's moto starts at the same time on two busy cores.
  const starting = (motoStarting = startMoto({ startSeconds: 90 }));
  starting.then((m) => (moto = m)).catch(() => undefined);
  const raw = rawFilesFrom(SAMPLE_TENANTS).map((f) =>
    f.name === 'platform.yaml' ? rawFile(f.name, Buffer.from(f.bytes!).toString('utf8').replace('name: tessera', `name: ${PLATFORM}`)) : f,
  );
  const compiled = compileSources(
    'tenants',
    parseSources(raw, rawFile('placement.lock.yaml', readFileSync(join(SAMPLE_TENANTS, 'placement.lock.yaml'), 'utf8'))),
  );
  if (!compiled.ok) throw new Error(compiled.diagnostics.map(formatDiagnostic).join('\n'));
  for (const f of compiled.files) {
    mkdirSync(dirname(join(outDir, f.path)), { recursive: true });
    writeFileSync(join(outDir, f.path), f.content);
  }
  local = await startLocalApp({
    outDir,
    port: 0,
    moto: starting,
    stateDir: join(work, 'pools'),
    log: { write: (tenant, record) => logLines.push({ ...record, tenant }) },
  });
  const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  redisAdmin = new Redis({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
  // Each tenant's data: a project, a file, a cache entry, written through the app.
  for (const t of [A, B]) {
    assert.is((await call('POST', '/api/projects', { host: host(t), token: token(t), body: { name: SECRET[t]! } })).status, 201);
    assert.is((await call('PUT', `/api/files/${t}.txt`, { host: host(t), token: token(t), body: SECRET[t]! })).status, 204);
    assert.is((await call('PUT', `/api/cache/${CACHE_KEY}`, { host: host(t), token: token(t), body: { value: SECRET[t]! } })).status, 204);
  }
  // The suspended tenant has a row too (written as the admin: a suspended tenant cannot write).
  const admin = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:5432/${local.database}` });
  await admin.connect();
  await admin.query(`INSERT INTO app.projects (tenant_id, name) VALUES ($1, $2)`, [SUSPENDED, `u-secret-${process.pid}`]);
  await admin.end();
}

E.after(async () => {
  agent.destroy();
  if (redisAdmin) {
    for (const t of [A, B]) await redisAdmin.del(`tenant:${t}:${CACHE_KEY}`);
    redisAdmin.disconnect();
  }
  await local?.close();
  // A set-up that failed early (before moto answered) leaves moto still starting: wait for
  // it and stop it, or its process keeps this one alive after the last test.
  ((await motoStarting?.catch(() => null)) ?? (moto as LocalMoto | null))?.stop();
  rmSync(work, { recursive: true, force: true });
});

E('the services are here (PostgreSQL, Redis, moto), or the run says why not', () => {
  if (missing.length) {
    for (const m of missing) assert.not.ok(process.env.TENANTC_REQUIRE_MOTO || process.env.TENANTC_REQUIRE_POSTGRES, `required here: ${m}`);
    console.warn(`  [expected] the reference app's end-to-end proof needs ${missing.join(' and ')}`);
    return;
  }
  if (setupError) throw setupError;
  assert.ok(local.port > 0);
});

const run = (name: string, fn: () => Promise<void>) =>
  E(name, async () => {
    if (missing.length) return;
    if (setupError) throw new Error(`set-up failed: ${setupError.message}`);
    await fn();
  });

run('each tenant reads its own data through every layer (database, bucket, cache)', async () => {
  for (const t of [A, B]) {
    const c = { host: host(t), token: token(t) };
    assert.equal(projectNames(await call('GET', '/api/projects', c)), [SECRET[t]]);
    assert.is((await call('GET', `/api/files/${t}.txt`, c)).body, SECRET[t]);
    assert.is((await call('GET', `/api/cache/${CACHE_KEY}`, c)).json().value, SECRET[t]);
  }
  assert.is((await call('GET', '/healthz', { host: '10.18.1.23:8080' })).status, 200, 'the health check needs no tenant');
});

run("A's token on B's host: 401 token-foreign-pool (mutation: the tenant taken from the token's pool serves B's data to A's user)", async () => {
  const r = await call('GET', '/api/projects', { host: host(B), token: token(A) });
  assertRefused(r, 401, 'token-foreign-pool', B);
  assertRefused(await call('GET', '/api/projects', { host: host(B) }), 401, 'token-missing', B);
  assertRefused(await call('GET', '/api/projects', { host: host(B), token: 'not-a-jwt' }), 401, 'token-malformed', B);
  // The mutation: the token verified against the pool that issued it (the tenant the token names), the data of the host's tenant served.
  const byIssuer: VerifyTenantToken = (t, _tenant) => {
    const iss = JSON.parse(Buffer.from(t!.split('.')[1]!, 'base64url').toString()).iss as string;
    const owner = Object.values(local.pools.pools).find((p) => iss.endsWith(`/${p.userPoolId}`))!.tenantId;
    return local.runtime.verifyTenantToken(t, owner);
  };
  const m = await callMutated((d) => ({ ...d, runtime: { ...d.runtime, verifyTenantToken: byIssuer } }), 'GET', '/api/projects', {
    host: host(B),
    token: token(A),
  });
  assert.is(m.status, 200);
  assert.equal(projectNames(m), [SECRET[B]], "with the mutation A's user reads B's projects");
});

run(
  "B's host in X-Forwarded-Host with A's Host: served as A; B's token is refused there (mutation: a middleware adopting X-Forwarded-Host serves B's data on A's route)",
  async () => {
    const asA = await call('GET', '/api/projects', { host: host(A), token: token(A), headers: { 'x-forwarded-host': host(B) } });
    assert.equal(projectNames(asA), [SECRET[A]], "the Host decides: A's data, not B's");
    const withB = await call('GET', '/api/projects', {
      host: host(A),
      token: token(B),
      headers: { 'x-forwarded-host': host(B), forwarded: `host=${host(B)}` },
    });
    assertRefused(withB, 401, 'token-foreign-pool', A);
    const adoptForwardedHost = (d: LocalApp['deps']): LocalApp['deps'] => ({
      ...d,
      extraRoutes: (app) => {
        d.extraRoutes?.(app);
        app.addHook('onRequest', async (req) => {
          const forwarded = req.headers['x-forwarded-host'];
          if (typeof forwarded !== 'string') return;
          // The app reads the Host of the request as received (requestHost): rewrite it there too.
          req.headers.host = forwarded;
          const raw = req.raw.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'host') raw[i + 1] = forwarded;
        });
      },
    });
    const m = await callMutated(adoptForwardedHost, 'GET', '/api/projects', { host: host(A), token: token(B), headers: { 'x-forwarded-host': host(B) } });
    assert.equal(projectNames(m), [SECRET[B]], "with the mutation B's data is served on A's route (past whatever the ALB applies to B's host)");
  },
);

run('host variants: case, port and trailing dot are A; look-alikes are 421 (mutations: no normalising, suffix matching)', async () => {
  for (const variant of ['INITECH.tessera.app', 'initech.tessera.app:443', 'initech.tessera.app.', 'Initech.Tessera.App.:8443']) {
    assert.equal(projectNames(await call('GET', '/api/projects', { host: variant, token: token(A) })), [SECRET[A]], variant);
  }
  for (const [lookalike, reason] of [
    ['xinitech.tessera.app', 'host-unknown'],
    ['initech.tessera.app.attacker.example', 'host-unknown'],
    ['initech.tessera.app..', 'host-invalid'],
    ['initech.tessera.app:99999', 'host-invalid'],
    ['initech.tessera.app@soylent.tessera.app', 'host-invalid'],
    ['constructor', 'host-unknown'],
  ] as const) {
    assertRefused(await call('GET', '/api/projects', { host: lookalike, token: token(A) }), 421, reason, null);
  }
  // Mutation 1: the map looked up with the header as sent: a variant of A's own host is refused (the check that keeps A served).
  const hosts = new Map(Object.entries(local.hostMap.hosts));
  const resolveExact = hostResolver(local.hostMap, { fleet: 'shared' });
  const raw: ResolveTenant = (h) =>
    h !== undefined && hosts.has(h) ? resolveExact(h) : { ok: false, refusal: { status: 421, reason: 'host-unknown', message: 'unknown', tenantId: null } };
  const m1 = await callMutated((d) => ({ ...d, runtime: { ...d.runtime, resolveTenant: raw } }), 'GET', '/api/projects', {
    host: 'INITECH.tessera.app.',
    token: token(A),
  });
  assert.is(m1.status, 421, 'without normalising, a variant of A is not A');
  // Mutation 2: a host matched by suffix: a look-alike resolves to a tenant.
  const suffix: ResolveTenant = (h) => {
    const match = [...hosts.keys()].find((d) => (h ?? '').toLowerCase().endsWith(d));
    return resolveExact(match);
  };
  const m2 = await callMutated((d) => ({ ...d, runtime: { ...d.runtime, resolveTenant: suffix } }), 'GET', '/api/projects', {
    host: 'xinitech.tessera.app',
    token: token(A),
  });
  assert.equal(projectNames(m2), [SECRET[A]], "with suffix matching a host that is not A's serves A's data");
});

/** A verifier for the tenant's pool with aws-jwt-verify's checks as given (mutations drop one). */
function verifierWith(props: { clientId: string | null; graceSeconds?: number }): VerifyTenantToken {
  const jwksCache = new SimpleJwksCache();
  return async (t, tenantId) => {
    const pool = local.pools.pools[tenantId]!;
    const v = CognitoJwtVerifier.create({ userPoolId: pool.userPoolId, tokenUse: 'access', ...props }, { jwksCache });
    v.cacheJwks(poolJwks(pool) as never);
    const claims = await v.verify(t!);
    return { ok: true, token: { tenantId, sub: claims.sub, username: null, tokenUse: 'access', expiresAt: new Date(claims.exp * 1000) } };
  };
}

run("a token from A's pool for another app client: 401 token-foreign-client (mutation: the client id not checked)", async () => {
  const other = token(A, { clientId: 'anotherclientofinitech' });
  assertRefused(await call('GET', '/api/projects', { host: host(A), token: other }), 401, 'token-foreign-client', A);
  const m = await callMutated((d) => ({ ...d, runtime: { ...d.runtime, verifyTenantToken: verifierWith({ clientId: null }) } }), 'GET', '/api/projects', {
    host: host(A),
    token: other,
  });
  assert.equal(projectNames(m), [SECRET[A]], "with the mutation another client's token reads A's data");
  // An ID token where the API takes access tokens.
  assertRefused(await call('GET', '/api/projects', { host: host(A), token: token(A, { tokenUse: 'id' }) }), 401, 'token-wrong-use', A);
});

run('an expired token: 401 token-expired (mutation: expiry not checked)', async () => {
  const expired = token(A, { issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresInSeconds: 3600 });
  assertRefused(await call('GET', '/api/projects', { host: host(A), token: expired }), 401, 'token-expired', A);
  const pool = local.pools.pools[A]!;
  const m = await callMutated(
    (d) => ({ ...d, runtime: { ...d.runtime, verifyTenantToken: verifierWith({ clientId: pool.clientId, graceSeconds: 86400 }) } }),
    'GET',
    '/api/projects',
    { host: host(A), token: expired },
  );
  assert.equal(projectNames(m), [SECRET[A]], 'with the mutation an expired token still reads');
});

run("a suspended tenant's host: 403 with its status; offboarded too; a premium tenant's host on the pooled fleet: 421 (mutation: status ignored)", async () => {
  const r = await call('GET', '/api/projects', { host: host(SUSPENDED), token: token(SUSPENDED) });
  assertRefused(r, 403, 'tenant-suspended', SUSPENDED);
  assert.is(r.json().status, 'suspended');
  const off = await call('GET', '/api/projects', { host: host(OFFBOARDED), token: token(OFFBOARDED) });
  assertRefused(off, 403, 'tenant-offboarded', OFFBOARDED);
  assert.is(off.json().status, 'offboarded');
  assertRefused(await call('GET', '/api/projects', { host: host(PREMIUM), token: token(PREMIUM) }), 421, 'host-other-fleet', PREMIUM);
  // The mutation: a map in which every tenant is active.
  const allActive = hostResolver(
    { ...local.hostMap, tenants: Object.fromEntries(Object.entries(local.hostMap.tenants).map(([id, t]) => [id, { ...t, status: 'active' as const }])) },
    { fleet: 'shared' },
  );
  const m = await callMutated((d) => ({ ...d, runtime: { ...d.runtime, resolveTenant: allActive } }), 'GET', '/api/projects', {
    host: host(SUSPENDED),
    token: token(SUSPENDED),
  });
  assert.equal(projectNames(m), [`u-secret-${process.pid}`], "with the mutation a suspended tenant's hosts serve its data");
});

run("a path naming B: refused (mutation: the name used as the key, which moto, evaluating no policy, then serves from B's prefix)", async () => {
  for (const name of ['..%2Ftenants%2Fsoylent%2Ffiles%2Fsoylent.txt', '..%2F..%2Fsoylent%2Ffiles%2Fsoylent.txt', '%2E%2E', 'a%2F..%2F..%2Fsoylent.txt']) {
    const r = await call('GET', `/api/files/${name}`, { host: host(A), token: token(A) });
    assertRefused(r, 400, 'file-name-invalid', A);
  }
  // Normalised by the HTTP layer before routing, /api/files/../x is not a file route at all.
  const m = await callMutated(
    (d) => ({ ...d, objectKey: (_t, name) => name.replace(/^files\/\.\.\//, '') }),
    'GET',
    `/api/files/..%2Ftenants%2Fsoylent%2Ffiles%2Fsoylent.txt`,
    { host: host(A), token: token(A) },
  );
  assert.is(m.body, SECRET[B], "with the mutation A reads B's object on moto (AWS would refuse it: the next test)");
});

run(
  "a cache key naming B (tenant:soylent:...): confined to A's prefix (mutations: no prefix, refused by A's ACL user; no prefix and not A's user, B's value)",
  async () => {
    const r = await call('GET', `/api/cache/tenant:${B}:${CACHE_KEY}`, { host: host(A), token: token(A) });
    assert.is(r.status, 404, "tenant:initech:tenant:soylent:... is not B's key");
    assert.not.match(r.body, SECRET[B]!);
    const { Redis: Client } = await import('ioredis');
    const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const unprefixed = new Map<string, Redis>();
    const asUser = (user: 'tenant' | 'default') => async (tenantId: string) => {
      let c = unprefixed.get(user);
      if (!c) {
        const own = await local.runtime.tenantCache(tenantId);
        c = new Client({
          host: redisUrl.hostname,
          port: Number(redisUrl.port || 6379),
          enableReadyCheck: false,
          ...(user === 'tenant' ? { username: own.options.username, password: own.options.password } : {}),
        });
        unprefixed.set(user, c);
      }
      return c;
    };
    try {
      const m1 = await callMutated((d) => ({ ...d, runtime: { ...d.runtime, tenantCache: asUser('tenant') } }), 'GET', `/api/cache/tenant:${B}:${CACHE_KEY}`, {
        host: host(A),
        token: token(A),
      });
      assert.is(m1.status, 500, "without the prefix A's ACL user is refused B's key (NOPERM)");
      assert.not.match(m1.body, SECRET[B]!);
      assert.match(String([...logLines].reverse().find((l) => l.event === 'error')?.message), /NOPERM|no permissions/i);
      const m2 = await callMutated((d) => ({ ...d, runtime: { ...d.runtime, tenantCache: asUser('default') } }), 'GET', `/api/cache/tenant:${B}:${CACHE_KEY}`, {
        host: host(A),
        token: token(A),
      });
      assert.is(m2.json().value, SECRET[B], "with neither the prefix nor A's user, A reads B's value");
    } finally {
      for (const c of unprefixed.values()) c.disconnect();
    }
  },
);

run(
  "A's credentials on B's S3 prefix: denied by the compiled bucket policy, the compiled role policy and the runtime's session policy, each alone (iam-simulate; mutations: each layer removed)",
  async () => {
    const dir = outDir;
    const tpl = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { Resources: Record<string, { Properties: Record<string, unknown> }> };
    const BUCKET = `${PLATFORM}-tenant-data-abc123`;
    const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
    const rolePolicy = (id: string) =>
      resolve(tpl(`tenants/${id}.template.json`).Resources.tenantAccessPolicy!.Properties.PolicyDocument, {
        refs: {
          TenantDataBucketName: BUCKET,
          DataKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111-data`,
          RegistryTableName: `${PLATFORM}-tenant-registry`,
          tenantSecret: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/${PLATFORM}/tenants/${id}/app-credentials-AbCdEf`,
          'AWS::StackId': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/x/${id}`,
        },
      }) as object;
    const bucketPolicy = resolve(tpl('root.template.json').Resources.tenantDataBucketPolicy!.Properties.PolicyDocument, {
      refs: { multiTenantDistribution: 'E1ABCDEF' },
      getAtts: { 'tenantDataBucket.Arn': BUCKET_ARN },
    }) as { Statement: { Sid?: string }[] };
    const session = tenantSessionPolicy({ tenant: local.hostMap.tenants[A]!, partition: 'aws', account: ACCOUNT, region: REGION, bucket: BUCKET });
    const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    const decide = async (
      layers: { identity: object; session?: object; bucket?: object },
      action: string,
      resource: string,
      ctx: Record<string, string> = {},
    ) => {
      const r = await runSimulation(
        {
          identityPolicies: [{ name: 'identity', policy: layers.identity as never }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          ...(layers.session ? { sessionPolicy: layers.session as never } : {}),
          ...(layers.bucket ? { resourcePolicy: layers.bucket as never } : {}),
          request: {
            action,
            principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${local.hostMap.tenants[A]!.role}/tenantc-${A}`,
            resource: { accountId: ACCOUNT, resource },
            contextVariables: { 'aws:PrincipalTag/tenant-id': A, 'aws:SecureTransport': 'true', ...ctx },
          },
        },
        {},
      );
      if (r.resultType === 'error') throw new Error(JSON.stringify(r.errors));
      return r.overallResult;
    };
    const DENIED = /^(Implicitly|Explicitly)Denied$/;
    const own = `${BUCKET_ARN}/tenants/${A}/files/${A}.txt`;
    const theirs = `${BUCKET_ARN}/tenants/${B}/files/${B}.txt`;
    const asCompiled = { identity: rolePolicy(A), session, bucket: bucketPolicy };
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) {
      assert.is(await decide(asCompiled, action, own), 'Allowed', `${action} on A's own object`);
      assert.match(await decide(asCompiled, action, theirs), DENIED, `${action} on B's object`);
    }
    assert.is(await decide(asCompiled, 's3:ListBucket', BUCKET_ARN, { 's3:prefix': `tenants/${A}/` }), 'Allowed');
    assert.match(await decide(asCompiled, 's3:ListBucket', BUCKET_ARN, { 's3:prefix': `tenants/${B}/` }), DENIED);
    // Each layer alone, with the others as broad as can be: then that layer removed.
    assert.is(await decide({ identity: allowAll, bucket: bucketPolicy }, 's3:GetObject', theirs), 'ExplicitlyDenied', 'the bucket policy alone');
    const withoutTenantDeny = { ...bucketPolicy, Statement: bucketPolicy.Statement.filter((s) => s.Sid !== 'DenyEverythingOutsideOwnTenantPrefix') };
    assert.is(await decide({ identity: allowAll, bucket: withoutTenantDeny }, 's3:GetObject', theirs), 'Allowed', 'mutation: its tenant deny removed');
    assert.match(await decide({ identity: allowAll, session }, 's3:GetObject', theirs), DENIED, 'the session policy alone (a role broadened by mistake)');
    assert.is(await decide({ identity: allowAll }, 's3:GetObject', theirs), 'Allowed', 'mutation: no session policy');
    assert.match(await decide({ identity: rolePolicy(A) }, 's3:GetObject', theirs), DENIED, 'the compiled role policy alone');
    assert.is(
      await decide({ identity: rolePolicy(B) }, 's3:GetObject', theirs, { 'aws:PrincipalTag/tenant-id': B }),
      'Allowed',
      "B's role policy, for contrast",
    );
  },
);

run("nothing of A ever appeared in a response from B's host, nor of B from A's", async () => {
  assert.ok(seen.length > 20, `${seen.length} responses`);
  const variantsOf = (id: string) => (h: string) => h.toLowerCase().replace(/[.:].*$/, '') === id;
  for (const [mine, other] of [
    [A, B],
    [B, A],
  ] as const) {
    const fromHost = seen.filter((s) => variantsOf(mine)(s.host));
    assert.ok(fromHost.length > 3, `${mine}: ${fromHost.length} responses`);
    for (const s of fromHost) assert.not.ok(s.body.includes(SECRET[other]!), `a response of ${s.host} carries ${other}'s data: ${s.body}`);
  }
});

E.run();
