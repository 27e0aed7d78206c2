// What the application runtime (tenantc/runtime) needs of the plan: which tenant serves
// each host, what its status means, which fleet may serve it, and the names its
// isolation rests on (role, SSM path, S3 prefix, cache user and key prefix, log group).
// Decided here, once, from the plan; emit writes it as out/runtime/hosts.json.
//
// A host is in the map only while its tenant's host names are served (an own-DNS
// tenant's once its certificate is attached: before, no listener rule routes it, so the
// runtime must not either). Suspended and offboarded tenants keep their hosts in the
// map with their status: the runtime refuses them naming the status, rather than
// answering as if the host were unknown.
import { compareStrings } from '../diagnostics.ts';
import { SHARED_FLEET } from '../validate/rules/reservedTenantIds.ts';
import { RUNTIME_HOSTS_FORMAT, type RuntimeHostMap, type RuntimeTenant } from '../outputFormat.ts';
import { TENANT_TAG_KEY, tenantCacheKeyPattern, tenantS3Prefix } from './isolation.ts';
import type { EstatePlan, TenantPlan } from './model.ts';

/** The pooled fleet's name in the map (a reserved tenant id); a dedicated fleet is named by its tenant's id (FLEET in the user data). */
export { SHARED_FLEET };

function runtimeTenant(t: TenantPlan): RuntimeTenant {
  return {
    status: t.status,
    fleet: t.serving.fleet ? t.id : SHARED_FLEET,
    role: t.names.role,
    ssmPath: t.names.ssmPath,
    s3Prefix: tenantS3Prefix(t.id),
    // The ACL pattern is `tenant:<id>:*`; the prefix the client applies is that without the `*`.
    cacheKeyPrefix: tenantCacheKeyPattern(t.id).slice(0, -1),
    cacheUser: t.names.cacheUser,
    cacheGroup: t.names.cacheGroup,
    cacheEndpointParameter: t.names.cacheEndpointParameter,
    logGroup: t.names.logGroup,
    secret: t.names.secret,
  };
}

export function planRuntimeHostMap(plan: EstatePlan): RuntimeHostMap {
  const hosts: [string, string][] = [];
  // Every host its listener rules route, the platform host a DNS move keeps included.
  for (const t of plan.tenants) if (t.serving.hostNames) for (const d of t.appHosts) hosts.push([d, t.id]);
  hosts.sort(([a], [b]) => compareStrings(a, b));
  const p = plan.platform;
  return {
    format: RUNTIME_HOSTS_FORMAT,
    platform: p.name,
    region: p.region,
    sessionTagKey: TENANT_TAG_KEY,
    configPath: p.names.configPath,
    dataBucketParameter: p.names.dataBucketParameter,
    database: { name: p.database.databaseName, schema: p.database.schema, appRole: p.names.databaseRoles.app },
    hosts: Object.fromEntries(hosts),
    tenants: Object.fromEntries(plan.tenants.map((t) => [t.id, runtimeTenant(t)])),
  };
}
