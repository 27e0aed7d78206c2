// verifyTenantToken: a token is accepted for tenant T only from T's pool, for T's app
// client, of the accepted use, unexpired and signed with a key T's pool publishes.
// Tokens are signed by local pools (examples/app/localPools.ts), whose JWKS the
// verifier fetches through the fetcher it is given, as the local app does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIME_HOSTS_FILE, type RuntimeHostMap } from '../compiler/outputFormat.ts';
import { type LocalPools, localPools, mintLocalToken, poolJwks } from '../examples/app/localPools.ts';
import { bearerToken, tokenVerifier, type VerifyTenantToken } from '../runtime/index.ts';
import { compiledFrom, SAMPLE_TENANTS } from './helpers.ts';

const T = suite('runtime: verifyTenantToken');
const map = JSON.parse(compiledFrom(SAMPLE_TENANTS).files.find((f) => f.path === RUNTIME_HOSTS_FILE)!.content) as RuntimeHostMap;
const dir = mkdtempSync(join(tmpdir(), 'tenantc-pools-'));
let pools: LocalPools;
let verify: VerifyTenantToken;
let fetched: string[] = [];

T.before(async () => {
  pools = await localPools(dir, map);
  verify = tokenVerifier({
    pool: async (id) => ({ userPoolId: pools.pools[id]!.userPoolId, clientId: pools.pools[id]!.clientId }),
    jwksFetcher: {
      async fetch(uri: string) {
        fetched.push(uri);
        const pool = Object.values(pools.pools).find((p) => uri === `https://cognito-idp.us-east-1.amazonaws.com/${p.userPoolId}/.well-known/jwks.json`);
        if (!pool) throw new Error(`unexpected JWKS ${uri}`);
        return new TextEncoder().encode(JSON.stringify(poolJwks(pool))).buffer as ArrayBuffer;
      },
    },
  });
});
T.after(() => rmSync(dir, { recursive: true, force: true }));

async function refused(token: string | undefined, tenant: string, reason: string) {
  const r = await verify(token, tenant);
  assert.not.ok(r.ok, reason);
  if (!r.ok) assert.equal([r.refusal.status, r.refusal.reason, r.refusal.tenantId], [401, reason, tenant]);
}

T("a token of the tenant's pool and client is accepted, with its user", async () => {
  const r = await verify(mintLocalToken(pools, 'initech', { user: 'bob' }), 'initech');
  assert.ok(r.ok);
  if (r.ok) assert.equal([r.token.tenantId, r.token.username, r.token.tokenUse], ['initech', 'bob', 'access']);
  assert.equal(
    fetched,
    [`https://cognito-idp.us-east-1.amazonaws.com/${pools.pools.initech!.userPoolId}/.well-known/jwks.json`],
    "only initech's JWKS is fetched",
  );
});

T("another tenant's token is refused before any key is fetched for it (every pair of the estate's tenants)", async () => {
  fetched = [];
  const ids = Object.keys(map.tenants);
  for (const a of ids) for (const b of ids) if (a !== b) await refused(mintLocalToken(pools, a), b, 'token-foreign-pool');
  assert.equal(fetched, [], 'no JWKS fetched for a token of another pool');
});

T("another client of the tenant's pool, an ID token, an expired or not-yet-valid token are refused with their reason", async () => {
  await refused(mintLocalToken(pools, 'initech', { clientId: 'someotherclient' }), 'initech', 'token-foreign-client');
  await refused(mintLocalToken(pools, 'initech', { tokenUse: 'id' }), 'initech', 'token-wrong-use');
  await refused(mintLocalToken(pools, 'initech', { issuedAt: Math.floor(Date.now() / 1000) - 4000, expiresInSeconds: 3600 }), 'initech', 'token-expired');
  // An ID token for the right client (aud), accepted by a verifier of ID tokens.
  const idVerifier = tokenVerifier({
    tokenUse: 'id',
    pool: async (id) => ({ userPoolId: pools.pools[id]!.userPoolId, clientId: pools.pools[id]!.clientId }),
    jwksFetcher: { fetch: async () => new TextEncoder().encode(JSON.stringify(poolJwks(pools.pools.initech!))).buffer as ArrayBuffer },
  });
  assert.ok((await idVerifier(mintLocalToken(pools, 'initech', { tokenUse: 'id' }), 'initech')).ok);
});

T("a token claiming the tenant's pool but signed with another key, tampered, or unsigned, is refused", async () => {
  const own = mintLocalToken(pools, 'initech');
  // soylent's key, initech's kid and issuer: sign initech's claims with soylent's private key.
  const forged = mintLocalToken(
    { ...pools, pools: { ...pools.pools, initech: { ...pools.pools.initech!, privateKey: pools.pools.soylent!.privateKey } } },
    'initech',
  );
  await refused(forged, 'initech', 'token-signature');
  const [h, p, s] = own.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, username: 'admin' })).toString('base64url')}.${s}`;
  await refused(tampered, 'initech', 'token-signature');
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', kid: pools.pools.initech!.kid })).toString('base64url')}.${p}.`;
  // alg none, no signature: not a signed JWT at all.
  await refused(unsigned, 'initech', 'token-malformed');
});

T('a JWKS that cannot be fetched, parsed or used answers 401 token-signature, never an error the server throws', async () => {
  const jwks = poolJwks(pools.pools.initech!) as { keys: Record<string, unknown>[] };
  const broken: [string, () => Promise<ArrayBuffer>][] = [
    ['fetch fails', async () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:443'))],
    ['not JSON', async () => new TextEncoder().encode('<html>').buffer as ArrayBuffer],
    ['no keys', async () => new TextEncoder().encode('{"keys":"none"}').buffer as ArrayBuffer],
    ['a symmetric key', async () => new TextEncoder().encode(JSON.stringify({ keys: jwks.keys.map((k) => ({ ...k, kty: 'oct' })) })).buffer as ArrayBuffer],
    [
      'a key for encryption',
      async () => new TextEncoder().encode(JSON.stringify({ keys: jwks.keys.map((k) => ({ ...k, use: 'enc' })) })).buffer as ArrayBuffer,
    ],
  ];
  const token = mintLocalToken(pools, 'initech');
  for (const [what, fetch] of broken) {
    const pool = async (id: string) => ({ userPoolId: pools.pools[id]!.userPoolId, clientId: pools.pools[id]!.clientId });
    const r = await tokenVerifier({ pool, jwksFetcher: { fetch } })(token, 'initech');
    assert.not.ok(r.ok, what);
    if (!r.ok) {
      assert.equal([r.refusal.status, r.refusal.reason], [401, 'token-signature'], what);
      assert.is(r.refusal.message, "the token's signing key could not be obtained from this tenant's user pool", `${what}: nothing of the keys' fetch`);
    }
    // The mutation: the verifier's error as it comes, as before: it was thrown (a 500).
    const raw = CognitoJwtVerifier.create(
      { userPoolId: pools.pools.initech!.userPoolId, clientId: pools.pools.initech!.clientId, tokenUse: 'access' },
      { jwksCache: new SimpleJwksCache({ fetcher: { fetch } }) },
    );
    await raw.verify(token).then(
      () => assert.unreachable(what),
      (e: Error) => assert.ok(e instanceof Error, what),
    );
  }
});

T('no token, or not a JWT: token-missing, token-malformed; only a Bearer header carries one', async () => {
  await refused(undefined, 'initech', 'token-missing');
  await refused('', 'initech', 'token-missing');
  await refused('abc', 'initech', 'token-malformed');
  assert.is(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
  for (const h of [undefined, '', 'Basic abc', 'bearer abc', 'Bearer ', 'Bearer a b', 'Bearer abc\n']) assert.is(bearerToken(h), undefined, JSON.stringify(h));
});

T.run();
