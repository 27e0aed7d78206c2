// tenantCache on a real Redis (REDIS_URL, default 127.0.0.1:6379): each tenant's client
// is its ACL user, with the compiled access string, and its key prefix; and the IAM
// authentication token ElastiCache takes as that user's password.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIME_HOSTS_FILE, type RuntimeHostMap } from '../compiler/outputFormat.ts';
import { tenantCacheAccessString } from '../compiler/plan/isolation.ts';
import { CacheCommandTooLargeError, type CacheConnector, cacheConnector, elastiCacheIamToken, TenantRefusedError } from '../runtime/index.ts';
import { compiledFrom, SAMPLE_TENANTS } from './helpers.ts';

const K = suite('runtime: tenantCache');
const compiledMap = JSON.parse(compiledFrom(SAMPLE_TENANTS).files.find((f) => f.path === RUNTIME_HOSTS_FILE)!.content) as RuntimeHostMap;
// This process's users: ACL users are server-wide.
const map: RuntimeHostMap = {
  ...compiledMap,
  tenants: Object.fromEntries(Object.entries(compiledMap.tenants).map(([id, t]) => [id, { ...t, cacheUser: `${t.cacheUser}-${process.pid}` }])),
};
const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const endpoint = { host: url.hostname, port: Number(url.port || 6379) };
const password = randomBytes(16).toString('hex');
const KEY = `k${process.pid}`;
let admin: Redis;
let caches: CacheConnector;

K.before(async () => {
  admin = new Redis({ ...endpoint });
  for (const id of ['initech', 'soylent', 'hooli']) {
    await admin.call('ACL', 'SETUSER', map.tenants[id]!.cacheUser, 'reset', `>${password}`, ...tenantCacheAccessString(id, 'redis').split(' '));
  }
  caches = cacheConnector({ map, fleet: 'shared', endpoint: async () => endpoint, password: async () => password, renewPasswordSeconds: 0 });
});

K.after(async () => {
  await caches?.close();
  if (admin) {
    await admin.call('ACL', 'DELUSER', ...['initech', 'soylent', 'hooli'].map((id) => map.tenants[id]!.cacheUser));
    await admin.del(`tenant:initech:${KEY}`, `tenant:soylent:${KEY}`);
    admin.disconnect();
  }
});

K("a tenant's client writes and reads under its prefix only; a key naming another tenant stays its own", async () => {
  const a = await caches.tenantCache('initech');
  assert.is(await caches.tenantCache('initech'), a, 'one client per tenant, reused');
  await a.set(KEY, 'a-value');
  assert.is(await admin.get(`tenant:initech:${KEY}`), 'a-value', 'stored as tenant:initech:<key>');
  const b = await caches.tenantCache('soylent');
  await b.set(KEY, 'b-value');
  assert.is(await a.get(KEY), 'a-value');
  assert.is(await a.get(`tenant:soylent:${KEY}`), null, "tenant:soylent:<key> is tenant:initech:tenant:soylent:<key> for initech's client");
  const clients = String(await admin.call('CLIENT', 'LIST'));
  assert.match(clients, new RegExp(`user=${map.tenants.initech!.cacheUser} `), "connected as initech's ACL user");
  assert.match(String(await a.call('ACL', 'WHOAMI').catch((e: Error) => e.message)), /NOPERM/, 'which may not even ask who it is');
});

K("a command larger than maxCommandBytes is refused before it is sent: one tenant's value cannot crowd the shared cache", async () => {
  const a = await caches.tenantCache('initech');
  const before = await admin.get(`tenant:initech:${KEY}`);
  const big = 'x'.repeat(2 * 1024 * 1024);
  for (const [what, send] of [
    ['SET', () => a.set(KEY, big)],
    ['MSET in a pipeline', () => a.pipeline().mset(KEY, 'small', `${KEY}2`, big).exec()],
    ['APPEND in MULTI', () => a.multi().append(KEY, big).exec()],
  ] as const) {
    try {
      await send();
      assert.unreachable(what);
    } catch (e) {
      assert.instance(e, CacheCommandTooLargeError, what);
    }
  }
  assert.is(await admin.exists(`tenant:initech:${KEY}2`), 0, 'nothing of it was written');
  await a.set(KEY, 'x'.repeat(1000));
  assert.is(await a.strlen(KEY), 1000, 'ordinary values pass');
  // The mutation: the tenant's user on a client without the bound. Redis takes it.
  const bare = new Redis({ ...endpoint, username: map.tenants.initech!.cacheUser, password, enableReadyCheck: false, keyPrefix: 'tenant:initech:' });
  try {
    await bare.set(KEY, big);
    assert.is(await admin.strlen(`tenant:initech:${KEY}`), big.length, 'the server stores 2 MB for one tenant, and would 512 MB');
  } finally {
    bare.disconnect();
    if (before === null) await admin.del(`tenant:initech:${KEY}`);
    else await admin.set(`tenant:initech:${KEY}`, before);
  }
});

K("without the prefix, the ACL user alone refuses another tenant's key (the mutation of the prefix)", async () => {
  const bare = new Redis({ ...endpoint, username: map.tenants.initech!.cacheUser, password, enableReadyCheck: false });
  try {
    const r = await bare.get(`tenant:soylent:${KEY}`).catch((e: Error) => e.message);
    assert.match(String(r), /NOPERM/);
    assert.is(await bare.get(`tenant:initech:${KEY}`), 'a-value');
  } finally {
    bare.disconnect();
  }
});

K('refused: a premium tenant on the pooled fleet, an unknown tenant; nothing connects', async () => {
  for (const [id, reason] of [
    ['hooli', 'host-other-fleet'],
    ['nobody', 'host-unknown'],
  ]) {
    try {
      await caches.tenantCache(id!);
      assert.unreachable(id);
    } catch (e) {
      assert.instance(e, TenantRefusedError);
      assert.is((e as TenantRefusedError).refusal.reason, reason);
    }
  }
});

K("the IAM authentication token: a presigned connect request for the user on the tenant's replication group, valid 15 minutes", async () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session' };
  const signingDate = new Date('2026-12-01T10:00:00Z');
  const token = await elastiCacheIamToken({
    replicationGroupId: 'tessera-shared-0',
    userId: 'tessera-t-initech',
    region: 'us-east-1',
    credentials,
    signingDate,
  });
  const [host, query] = token.split('/?');
  assert.is(host, 'tessera-shared-0');
  const q = new URLSearchParams(query);
  assert.equal(
    [
      q.get('Action'),
      q.get('User'),
      q.get('X-Amz-Algorithm'),
      q.get('X-Amz-Credential'),
      q.get('X-Amz-Date'),
      q.get('X-Amz-Expires'),
      q.get('X-Amz-Security-Token'),
      q.get('X-Amz-SignedHeaders'),
    ],
    [
      'connect',
      'tessera-t-initech',
      'AWS4-HMAC-SHA256',
      'AKIDEXAMPLE/20261201/us-east-1/elasticache/aws4_request',
      '20261201T100000Z',
      '900',
      'session',
      'host',
    ],
  );
  assert.match(String(q.get('X-Amz-Signature')), /^[0-9a-f]{64}$/);
  const again = await elastiCacheIamToken({
    replicationGroupId: 'tessera-shared-0',
    userId: 'tessera-t-initech',
    region: 'us-east-1',
    credentials,
    signingDate,
  });
  assert.is(again, token, 'deterministic for a request and a time');
  const other = await elastiCacheIamToken({
    replicationGroupId: 'tessera-shared-0',
    userId: 'tessera-t-soylent',
    region: 'us-east-1',
    credentials,
    signingDate,
  });
  assert.is.not(new URLSearchParams(other.split('/?')[1]).get('X-Amz-Signature'), q.get('X-Amz-Signature'), "another user's token is another signature");
});

K.run();
