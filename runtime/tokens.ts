// verifyTenantToken(token, tenantId): a Cognito token is accepted only when it was
// issued by the tenant's own user pool to the tenant's own app client, for the use the
// application expects (access, by default), and has not expired.
//
// Why it holds: the tenant comes from the host (hosts.ts), never from the token; the
// verifier for that tenant is built from its own user pool id and app client id (its SSM
// parameters), so a token another tenant's pool signed fails on its issuer before any
// key is looked up, and one the tenant's pool issued to another client fails on its
// client id. aws-jwt-verify checks the signature against the pool's JWKS, the expiry,
// the token use and the client id; the issuer is also compared here first so the
// refusal can say which check failed.
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  JwtExpiredError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { Refusal, RefusalReason } from './refusal.ts';

/** A tenant's user pool and app client, as its SSM parameters publish them. */
export interface TenantPool {
  readonly userPoolId: string;
  readonly clientId: string;
}

export interface VerifiedToken {
  readonly tenantId: string;
  /** The user's stable id in the tenant's pool. */
  readonly sub: string;
  readonly username: string | null;
  readonly tokenUse: 'access' | 'id';
  readonly expiresAt: Date;
}

export type TokenVerification = { readonly ok: true; readonly token: VerifiedToken } | { readonly ok: false; readonly refusal: Refusal };

export interface TokenVerifierOptions {
  /** The tenant's pool and client (tenantParameters: /<platform>/tenants/<id>/user-pool-id and user-pool-client-id). */
  readonly pool: (tenantId: string) => Promise<TenantPool>;
  /** Which Cognito token the API accepts: `access` (the default: API calls carry access tokens) or `id`. */
  readonly tokenUse?: 'access' | 'id';
  /** How JWKS are fetched (default: HTTPS from Cognito). The local example points it at the app's own JWKS. */
  readonly jwksFetcher?: Fetcher;
}

export type VerifyTenantToken = (token: string | undefined, tenantId: string) => Promise<TokenVerification>;

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/.exec(authorization ?? '');
  return m?.[1];
}

const REASONS: readonly (readonly [new (...args: never[]) => Error, RefusalReason, string])[] = [
  [JwtExpiredError, 'token-expired', 'the token has expired'],
  [JwtNotBeforeError, 'token-not-yet-valid', 'the token is not valid yet'],
  [CognitoJwtInvalidClientIdError, 'token-foreign-client', "the token was issued to another app client than this tenant's"],
  [CognitoJwtInvalidTokenUseError, 'token-wrong-use', 'the token is not of the kind this API accepts'],
  [JwtInvalidIssuerError, 'token-foreign-pool', "the token was not issued by this tenant's user pool"],
  [JwtInvalidSignatureError, 'token-signature', "the token's signature does not verify"],
  [JwtInvalidSignatureAlgorithmError, 'token-signature', "the token's signature algorithm is not accepted"],
  [KidNotFoundInJwksError, 'token-signature', "the token is signed with a key this tenant's pool does not publish"],
  [JwtWithoutValidKidError, 'token-signature', 'the token names no signing key'],
  [JwtParseError, 'token-malformed', 'the token is not a JWT'],
];

export function tokenVerifier(options: TokenVerifierOptions): VerifyTenantToken {
  const tokenUse = options.tokenUse ?? 'access';
  // One JWKS cache for every pool; each pool's keys are fetched once and kept.
  const jwksCache = options.jwksFetcher ? new SimpleJwksCache({ fetcher: options.jwksFetcher }) : new SimpleJwksCache();
  const verifiers = new Map<string, { issuer: string; verify: (token: string) => Promise<{ sub: string; username?: unknown; exp: number }> }>();
  const verifierFor = (pool: TenantPool) => {
    const key = `${pool.userPoolId} ${pool.clientId}`;
    let v = verifiers.get(key);
    if (!v) {
      const verifier = CognitoJwtVerifier.create({ userPoolId: pool.userPoolId, clientId: pool.clientId, tokenUse }, { jwksCache });
      const { issuer } = CognitoJwtVerifier.parseUserPoolId(pool.userPoolId);
      v = { issuer, verify: (token) => verifier.verify(token) as Promise<{ sub: string; username?: unknown; exp: number }> };
      verifiers.set(key, v);
    }
    return v;
  };
  return async (token, tenantId) => {
    const refuse = (reason: RefusalReason, message: string): TokenVerification => ({ ok: false, refusal: { status: 401, reason, message, tenantId } });
    if (!token) return refuse('token-missing', 'a bearer token is required (Authorization: Bearer <token>)');
    let issuer: unknown;
    try {
      issuer = decomposeUnverifiedJwt(token).payload.iss;
    } catch {
      return refuse('token-malformed', 'the token is not a JWT');
    }
    const verifier = verifierFor(await options.pool(tenantId));
    // Cognito also issues under issuer-cognito-idp.<region>.amazonaws.com for the same
    // pool (aws-jwt-verify accepts both); anything else is another pool.
    const sameIssuer =
      typeof issuer === 'string' && (issuer === verifier.issuer || issuer === verifier.issuer.replace('://cognito-idp.', '://issuer-cognito-idp.'));
    if (!sameIssuer) return refuse('token-foreign-pool', "the token was not issued by this tenant's user pool");
    try {
      const claims = await verifier.verify(token);
      return {
        ok: true,
        token: {
          tenantId,
          sub: claims.sub,
          username: typeof claims.username === 'string' ? claims.username : null,
          tokenUse,
          expiresAt: new Date(claims.exp * 1000),
        },
      };
    } catch (e) {
      const known = REASONS.find(([type]) => e instanceof type);
      if (known) return refuse(known[1], known[2]);
      // Anything else comes of the keys: the JWKS could not be fetched or parsed, a key
      // in it is unusable (JwksValidationError, JwkValidationError, JwkInvalidKtyError,
      // FetchError...), a kid asked for again too soon. The token is not accepted, and
      // the answer is a plain 401: a 500 with the library's message or stack would show
      // a client how the keys are fetched, and a token chosen to make the fetch fail
      // (an unknown kid, over and over) would turn into errors the operators chase.
      return refuse('token-signature', "the token's signing key could not be obtained from this tenant's user pool");
    }
  };
}
