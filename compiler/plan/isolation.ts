// The keys every isolation mechanism rests on, in one place: if two layers disagreed
// on a tenant's S3 prefix or tag key, a policy would silently grant nothing, or too much.
// (Physical names, tenant roles included, are in names.ts.)
import type { TagPair } from './manifestText.ts';

/** Principal and session tag carrying the tenant id (ABAC); also on every tenant resource. */
export const TENANT_TAG_KEY = 'tenant-id';

/**
 * The tag pairs of a tenant's resources: the platform's tags, the tenant's own (manifest
 * `tags`), then its tenant-id tag. No manifest tag can be tenant-id or carry tenantc's
 * prefixes (schema/strings.schema.json reserves them, in any case, as IAM compares tag
 * keys), and no tenant tag can repeat a platform tag's key (rule tenant-tags): so
 * tenant-id here is the only one, and the emitter's tags() stops the compile if a key
 * ever comes twice (emit/cfn/template.ts). Count: at most 20 platform tags and 20
 * tenant tags (the schemas' maxProperties) and tenantc's own (at most 3 on a resource:
 * tenant-id, tenantc:compute or tenantc:fleet, Name) stay under the 50 user-created tags
 * AWS allows per resource
 * (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions).
 */
export function tenantTagPairs(platformTags: readonly TagPair[], tenant: { readonly id: string; readonly tags: readonly TagPair[] }): TagPair[] {
  return [...platformTags, ...tenant.tags, [TENANT_TAG_KEY, tenant.id]];
}

/**
 * Tag of a tenant role saying which fleet serves it: the shared fleet may assume only
 * roles tagged `shared` (compute.ts), so a premium tenant's role is out of its reach
 * even by name.
 */
export const COMPUTE_TAG_KEY = 'tenantc:compute';

/** S3 key prefix of a tenant's objects in the tenant data bucket. */
export const tenantS3Prefix = (tenantId: string) => `tenants/${tenantId}/`;

/** S3 key prefix of one signed-in end user's objects (identity pool), inside the tenant's prefix. */
export const tenantEndUserS3Prefix = (tenantId: string) => `${tenantS3Prefix(tenantId)}users/\${cognito-identity.amazonaws.com:sub}/`;

/** Redis/Valkey key and channel pattern of a tenant in a shared cluster. */
export const tenantCacheKeyPattern = (tenantId: string) => `tenant:${tenantId}:*`;

/**
 * Commands denied by name, on top of the categories: each is in an allowed category
 * (@keyspace, @pubsub, @connection) but would show a tenant what is not its own.
 *   SCAN, RANDOMKEY, DBSIZE take no key, so key patterns cannot confine them: they
 *     reveal other tenants' key names or counts;
 *   PUBSUB (CHANNELS, NUMSUB, SHARDCHANNELS) lists other tenants' channels;
 *   SELECT, MOVE, COPY reach another logical database;
 *   CLIENT, every subcommand: TRACKING ON BCAST PREFIX tenant:<other>: (after HELLO 3)
 *     pushes the names of another tenant's keys as they are written, and with no
 *     prefix every key of the cluster; LIST, INFO and KILL see or end other
 *     connections. The whole command, not its subcommands: ElastiCache takes rules on
 *     commands, and a client library works without CLIENT (no connection names).
 *   WAIT blocks the connection on the server's replication and tells its state;
 *   OBJECT and MEMORY reach the server's internals (encodings, LFU counters, allocator
 *     figures; MEMORY USAGE ... SAMPLES 0 walks a whole key for one request) and no
 *     application needs them;
 *   LOLWUT: the server's version, and CPU on demand (its size arguments).
 * test/redisAcl.test.ts lists every command and subcommand the access string allows on
 * a real Redis and fails on one nobody reviewed. Valkey adds one: tenantCacheDeniedCommands.
 */
export const TENANT_CACHE_DENIED_COMMANDS = [
  'scan',
  'randomkey',
  'dbsize',
  'pubsub',
  'select',
  'move',
  'copy',
  'client',
  'wait',
  'object',
  'memory',
  'lolwut',
] as const;

/**
 * The commands a tenant's cache user is denied by name on `engine`. Valkey (every
 * ElastiCache Valkey version is 7.2 or later, with every command of Redis OSS 7.2) has
 * WAITAOF, WAIT's twin for the append-only file: in @connection like WAIT, it blocks on
 * the server's persistence and tells its state, so it is denied as WAIT is. ElastiCache's
 * Redis OSS engines (7.1 and earlier, "compatible with Redis OSS 7.0") have no WAITAOF,
 * and Redis 7.0 refuses an ACL rule naming a command it does not know
 * ("Unknown command or category name in ACL"), so the rule is only written for Valkey.
 */
export function tenantCacheDeniedCommands(engine: 'valkey' | 'redis'): readonly string[] {
  return engine === 'valkey' ? [...TENANT_CACHE_DENIED_COMMANDS, 'waitaof'] : TENANT_CACHE_DENIED_COMMANDS;
}

/**
 * ElastiCache RBAC access string of a tenant's cache user (Redis ACL rules).
 * Isolation holds because:
 *   ~tenant:<id>:* and &tenant:<id>:* are the only keys and channels it may touch;
 *   -@all then a list of data categories: nothing else is allowed by default;
 *   -@dangerous -@admin -@scripting remove FLUSHALL, FLUSHDB, KEYS, CONFIG, DEBUG,
 *     MONITOR, CLIENT, ACL, INFO, SORT and every script;
 *   SCAN, RANDOMKEY and DBSIZE take no key argument, so key patterns cannot confine
 *     them and they would reveal other tenants' key names or counts: denied by name;
 *   PUBSUB (CHANNELS, NUMSUB) would list other tenants' channels: denied;
 *   SELECT, MOVE and COPY would reach another logical database: denied.
 */
export function tenantCacheAccessString(tenantId: string, engine: 'valkey' | 'redis', enabled = true): string {
  const pattern = tenantCacheKeyPattern(tenantId);
  // "off": the user can no longer authenticate (an offboarded tenant); the rest stays
  // as it was, so switching it back on restores exactly the old rights.
  return `${enabled ? 'on' : 'off'} ~${pattern} &${pattern} ${CACHE_RIGHTS[engine]}`;
}

/** The categories a tenant's cache user may use on its own keys and channels. */
const CACHE_CATEGORIES = [
  'read',
  'write',
  'keyspace',
  'string',
  'hash',
  'list',
  'set',
  'sortedset',
  'stream',
  'bitmap',
  'hyperloglog',
  'geo',
  'transaction',
  'pubsub',
  'connection',
] as const;

/**
 * The rules after the key and channel patterns, the same for every tenant of an engine:
 * built once, not once per tenant (5,000 tenants rebuilt the same list 5,000 times).
 */
const cacheRights = (engine: 'valkey' | 'redis') =>
  ['-@all', ...CACHE_CATEGORIES.map((c) => `+@${c}`), '-@dangerous', '-@admin', '-@scripting', ...tenantCacheDeniedCommands(engine).map((c) => `-${c}`)].join(
    ' ',
  );
const CACHE_RIGHTS = { valkey: cacheRights('valkey'), redis: cacheRights('redis') } as const;
