// tenantc/runtime: what the application uses to carry the tenant from request to
// database (docs/isolation.md, "Tenant context in application code"). Each piece is usable alone:
//   resolveTenant      hosts.ts        Host → tenant, from out/runtime/hosts.json
//   verifyTenantToken  tokens.ts       a Cognito token of that tenant's pool and client only
//   tenantCredentials  credentials.ts  AssumeRole with the tenant-id tag and a session policy
//   tenantCache        cache.ts        a Redis client as the tenant's ACL user, prefixed
//   withTenant         withTenant.ts   one transaction with the tenant set for RLS
// tenantRuntime() wires them from what the estate publishes: the host map and SSM.
import type { Fetcher } from 'aws-jwt-verify/https';
import type { Redis, RedisOptions } from 'ioredis';
import type { RuntimeHostMap } from '../compiler/outputFormat.ts';
import type { AwsClientConfig, CredentialsProvider, TenantCredentials } from './aws.ts';
import { type CacheEndpoint, cacheConnector } from './cache.ts';
import { elastiCacheIamToken } from './cacheAuth.ts';
import { credentialBroker } from './credentials.ts';
import { hostResolver, type ResolveTenant } from './hosts.ts';
import { parameterStore, type TenantParameters, tenantParameters } from './parameters.ts';
import { tokenVerifier, type VerifyTenantToken } from './tokens.ts';

export { RUNTIME_HOSTS_FILE, RUNTIME_HOSTS_FORMAT, type RuntimeHostMap, type RuntimeTenant, TENANT_PARAMETERS } from '../compiler/outputFormat.ts';
export type { AwsClientConfig, CredentialsProvider, TenantCredentials } from './aws.ts';
export {
  CacheCommandTooLargeError,
  type CacheConnector,
  type CacheConnectorOptions,
  type CacheEndpoint,
  cacheConnector,
  DEFAULT_MAX_COMMAND_BYTES,
} from './cache.ts';
export { CACHE_TOKEN_SECONDS, elastiCacheIamToken } from './cacheAuth.ts';
export { type CredentialBroker, type CredentialBrokerOptions, credentialBroker } from './credentials.ts';
export {
  checkHostMap,
  type HostedRequest,
  hostResolver,
  type HostResolverOptions,
  normalizeHost,
  readHostMap,
  requestHost,
  type ResolveTenant,
  type TenantResolution,
} from './hosts.ts';
export { tenantObjectKey } from './objectKeys.ts';
export { type CloudWatchTenantLogOptions, cloudWatchTenantLog, jsonLinesLog, type LogRecord, type RequestFacts, refusalRecord, type TenantLog } from './log.ts';
export { type ParameterStore, type ParameterStoreOptions, parameterStore, type TenantParameters, tenantParameters } from './parameters.ts';
export { type Refusal, type RefusalReason, refusalBody, TenantRefusedError } from './refusal.ts';
export { SESSION_POLICY_MAX_CHARS, type SessionPolicy, type SessionPolicyInput, tenantSessionPolicy } from './sessionPolicy.ts';
export {
  bearerToken,
  type TenantPool,
  type TokenVerification,
  type TokenVerifierOptions,
  tokenVerifier,
  type VerifiedToken,
  type VerifyTenantToken,
} from './tokens.ts';
export {
  CLEANUP,
  CONTEXT_KEY_VARIABLE,
  InvalidTenantIdError,
  LentClientError,
  PIN_ROLE_DEFAULTS,
  READ_BINDING,
  TENANT_SESSION_SETTINGS,
  TenantContextKeyError,
  type TenantDb,
  tenantPoolConfig,
  UnpinnedPoolError,
  type AbandonedSession,
  DeadlineExceededError,
  DEFAULT_CANCEL_GRACE_MS,
  DEFAULT_DEADLINE_MS,
  sessionEndToken,
  TransactionAbortedError,
  tenantProof,
  type WithTenantOptions,
  withTenant,
} from './withTenant.ts';

export interface TenantRuntimeOptions {
  readonly hostMap: RuntimeHostMap;
  /** The fleet this process runs on: `shared`, or a premium tenant's id (FLEET in /etc/app/env). */
  readonly fleet: string;
  /** Settings of the STS and SSM clients (region, endpoint, request handler; credentials: the fleet's own). */
  readonly aws?: AwsClientConfig;
  /** The API's token use (default `access`). */
  readonly tokenUse?: 'access' | 'id';
  /** How JWKS are fetched (default: from Cognito). */
  readonly jwksFetcher?: Fetcher;
  readonly cache?: {
    /** Default: the SSM parameter the estate publishes (host:port). */
    readonly endpoint?: (tenantId: string) => Promise<CacheEndpoint>;
    /** Default: an IAM authentication token signed with the tenant's credentials. */
    readonly password?: (tenantId: string) => Promise<string>;
    /** Default true: ElastiCache requires TLS in transit. */
    readonly tls?: boolean;
    readonly redisOptions?: RedisOptions;
  };
}

export interface TenantRuntime {
  readonly hostMap: RuntimeHostMap;
  readonly resolveTenant: ResolveTenant;
  readonly verifyTenantToken: VerifyTenantToken;
  tenantCredentials(tenantId: string): Promise<TenantCredentials>;
  /** tenantCredentials as the AWS SDK's `credentials` option. */
  credentialsProvider(tenantId: string): CredentialsProvider;
  tenantCache(tenantId: string): Promise<Redis>;
  /** The tenant data bucket's name (the platform's SSM parameter). */
  dataBucket(): Promise<string>;
  /** The tenant's SSM parameters, read with its own credentials. */
  tenantParameters(tenantId: string): Promise<TenantParameters>;
  close(): Promise<void>;
}

/** `host:port` → its parts. */
export function parseEndpoint(value: string): CacheEndpoint {
  const m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!m) throw new Error(`not a host:port cache endpoint: ${JSON.stringify(value)}`);
  return { host: m[1]!, port: Number(m[2]) };
}

export function tenantRuntime(options: TenantRuntimeOptions): TenantRuntime {
  const map = options.hostMap;
  const store = parameterStore({ clientConfig: options.aws });
  const broker = credentialBroker({
    map,
    fleet: options.fleet,
    clientConfig: options.aws,
    dataBucket: () => store.get(map.dataBucketParameter),
  });
  const params = (tenantId: string) => tenantParameters(store, map.tenants[tenantId]!.ssmPath, broker.provider(tenantId));
  // A shared cluster's endpoint is under the platform's path (the fleet's to read), a
  // dedicated one's under the tenant's (its fleet runs as its role).
  const endpoint = async (tenantId: string) => {
    const t = map.tenants[tenantId]!;
    return parseEndpoint(await store.get(t.cacheEndpointParameter, t.fleet === tenantId ? broker.provider(tenantId) : undefined));
  };
  const iamPassword = async (tenantId: string) => {
    const t = map.tenants[tenantId]!;
    return elastiCacheIamToken({
      replicationGroupId: t.cacheGroup,
      userId: t.cacheUser,
      region: map.region,
      credentials: await broker.tenantCredentials(tenantId),
    });
  };
  const tls = options.cache?.tls ?? true;
  const caches = cacheConnector({
    map,
    fleet: options.fleet,
    endpoint: options.cache?.endpoint ?? endpoint,
    password: options.cache?.password ?? iamPassword,
    redisOptions: { ...(tls ? { tls: {} } : {}), ...options.cache?.redisOptions },
  });
  return {
    hostMap: map,
    resolveTenant: hostResolver(map, { fleet: options.fleet }),
    verifyTenantToken: tokenVerifier({
      tokenUse: options.tokenUse,
      jwksFetcher: options.jwksFetcher,
      pool: async (tenantId) => {
        const p = await params(tenantId);
        return { userPoolId: p.userPoolId, clientId: p.userPoolClientId };
      },
    }),
    tenantCredentials: (tenantId) => broker.tenantCredentials(tenantId),
    credentialsProvider: (tenantId) => broker.provider(tenantId),
    tenantCache: (tenantId) => caches.tenantCache(tenantId),
    tenantParameters: params,
    dataBucket: () => store.get(map.dataBucketParameter),
    close: () => caches.close(),
  };
}
