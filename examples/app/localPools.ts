// Local stand-ins for the tenants' Cognito user pools: one signing key per tenant, with
// a pool id and app client id of Cognito's shape, kept in a file both the app (which
// serves each pool's JWKS) and `npm run example:token` (which signs) read. Tokens carry
// Cognito's claims (iss, client_id, token_use, exp, kid), so the runtime verifies them
// with aws-jwt-verify exactly as it verifies real ones; what differs is where the JWKS
// is fetched from, and the key: a P-256 key (ES256, which aws-jwt-verify verifies the
// same way, the JWK's alg matching the token's), made in a millisecond where an RSA key
// as Cognito's takes a few hundred on a busy machine, for every tenant of the estate.
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, randomUUID, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { RuntimeHostMap } from '../../runtime/index.ts';

export interface LocalPool {
  readonly tenantId: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly kid: string;
  /** PKCS#8 PEM: this machine's, in a file only its user may read. */
  readonly privateKey: string;
}

export interface LocalPools {
  readonly region: string;
  readonly pools: Readonly<Record<string, LocalPool>>;
}

/** Where the local pools of an output directory live: a directory per output directory and platform, under the OS's temp dir. */
export function localStateDir(outDir: string, map: RuntimeHostMap): string {
  const id = createHash('sha256')
    .update(`${resolve(outDir)}\0${map.platform}`)
    .digest('hex')
    .slice(0, 12);
  return join(tmpdir(), `tenantc-example-${id}`);
}

const pascal = (id: string) => id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/** The pools of every tenant of the map, made once and kept in `dir/pools.json` (a tenant new to the map gets one). */
export async function localPools(dir: string, map: RuntimeHostMap): Promise<LocalPools> {
  const file = join(dir, 'pools.json');
  let known: LocalPools = { region: map.region, pools: {} };
  try {
    known = JSON.parse(readFileSync(file, 'utf8')) as LocalPools;
  } catch {
    // none yet
  }
  const missing = Object.keys(map.tenants).filter((id) => !known.pools[id]);
  if (missing.length === 0) return known;
  const made = await Promise.all(
    missing.map(async (tenantId): Promise<LocalPool> => {
      const { privateKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256' });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      return {
        tenantId,
        // Cognito's shapes: <region>_<id>, and a client id of letters and digits.
        userPoolId: `${map.region}_Local${pascal(tenantId)}`,
        clientId: `local${tenantId.replace(/-/g, '')}web`,
        kid: createHash('sha256').update(pem).digest('base64url').slice(0, 16),
        privateKey: pem,
      };
    }),
  );
  const pools: LocalPools = { region: map.region, pools: { ...known.pools, ...Object.fromEntries(made.map((p) => [p.tenantId, p])) } };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(pools, null, 2)}\n`, { mode: 0o600 });
  return pools;
}

/** The JWKS a pool publishes (its public key). */
export function poolJwks(pool: LocalPool): { keys: object[] } {
  const jwk = createPublicKey(createPrivateKey(pool.privateKey)).export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: pool.kid, alg: 'ES256', use: 'sig' }] };
}

export const poolIssuer = (pool: LocalPool, region: string) => `https://cognito-idp.${region}.amazonaws.com/${pool.userPoolId}`;

export interface TokenOptions {
  readonly user?: string;
  /** Another app client than the tenant's (tests: a token for another client). */
  readonly clientId?: string;
  readonly tokenUse?: 'access' | 'id';
  readonly expiresInSeconds?: number;
  /** Seconds since the epoch (tests: an expired token). */
  readonly issuedAt?: number;
}

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A token signed by the tenant's local pool, shaped like Cognito's. */
export function mintLocalToken(pools: LocalPools, tenantId: string, options: TokenOptions = {}): string {
  const pool = pools.pools[tenantId];
  if (!pool) throw new Error(`no local pool for tenant ${JSON.stringify(tenantId)}: is it in the host map?`);
  const user = options.user ?? 'alice';
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const clientId = options.clientId ?? pool.clientId;
  const use = options.tokenUse ?? 'access';
  const payload = {
    sub: createHash('sha256')
      .update(`${tenantId}\0${user}`)
      .digest('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, '$1-$2-$3-$4-$5'),
    iss: poolIssuer(pool, pools.region),
    token_use: use,
    ...(use === 'access' ? { client_id: clientId, scope: 'openid email profile', username: user } : { aud: clientId, 'cognito:username': user }),
    auth_time: iat,
    iat,
    exp: iat + (options.expiresInSeconds ?? 3600),
    jti: randomUUID(),
  };
  const head = `${b64({ kid: pool.kid, alg: 'ES256', typ: 'JWT' })}.${b64(payload)}`;
  // JWS takes ECDSA signatures as r || s (IEEE P1363), not DER.
  return `${head}.${sign('sha256', Buffer.from(head), { key: pool.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}
