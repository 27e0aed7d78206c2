// The keys every isolation mechanism rests on, in one place: if two layers disagreed
// on a tenant's S3 prefix or tag key, a policy would silently grant nothing, or too much.
// (Physical names, tenant roles included, are in names.ts.)

/** Principal and session tag carrying the tenant id (ABAC); also on every tenant resource. */
export const TENANT_TAG_KEY = 'tenant-id';

/** The tag pairs of a tenant's resources: the platform's tags plus its tenant-id tag. */
export function tenantTagPairs(platformTags: readonly (readonly [string, string])[], tenantId: string): (readonly [string, string])[] {
  return [...platformTags, [TENANT_TAG_KEY, tenantId]];
}

/** S3 key prefix of a tenant's objects in the tenant data bucket. */
export const tenantS3Prefix = (tenantId: string) => `tenants/${tenantId}/`;

/** Redis/Valkey key and channel pattern of a tenant in a shared cluster. */
export const tenantCacheKeyPattern = (tenantId: string) => `tenant:${tenantId}:*`;

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
export function tenantCacheAccessString(tenantId: string): string {
  const pattern = tenantCacheKeyPattern(tenantId);
  return [
    'on',
    `~${pattern}`,
    `&${pattern}`,
    '-@all',
    ...[
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
    ].map((c) => `+@${c}`),
    '-@dangerous',
    '-@admin',
    '-@scripting',
    ...['scan', 'randomkey', 'dbsize', 'pubsub', 'select', 'move', 'copy'].map((c) => `-${c}`),
  ].join(' ');
}
