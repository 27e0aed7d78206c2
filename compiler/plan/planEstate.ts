// Plan stage: validated manifests → EstatePlan. Pure; resolves every default, sorts
// tenants by id and freezes the result.
import { compareStrings, type Diagnostic } from '../diagnostics.ts';
import type { PlatformManifest, TenantManifest } from '../manifest.ts';
import { normalizeDomain, type Loaded } from '../validate/rule.ts';
import { planCapacity } from './capacity.ts';
import { deepFreeze } from './freeze.ts';
import type { EstatePlan, PlatformPlan, QuotaPlan, TenantPlan, TierPlan } from './model.ts';
import { pascalCase } from './names.ts';

/** AWS default quotas; the platform manifest may declare raised ones. */
export const DEFAULT_QUOTAS: QuotaPlan = {
  albRulesPerLoadBalancer: 100,
  albCertificatesPerLoadBalancer: 25,
  albTargetGroupsPerLoadBalancer: 100,
  loadBalancersPerRegion: 50,
  cacheUsersPerUserGroup: 100,
  hostedZones: 500,
  cognitoUserPools: 1000,
  cloudFrontDistributionTenants: 10000,
  acmCertificates: 2500,
  cloudFormationStacks: 2000,
};

export type PlanResult = { readonly ok: true; readonly plan: EstatePlan } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

function sortedTags(tags: Readonly<Record<string, string>> | undefined): (readonly [string, string])[] {
  return Object.entries(tags ?? {}).sort(([a], [b]) => compareStrings(a, b));
}

export function planPlatform(m: PlatformManifest): PlatformPlan {
  const tiers: TierPlan[] = Object.entries(m.tiers)
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([name, t]) => ({
      name,
      description: t.description,
      compute: t.compute,
      cache: t.cache,
      logRetentionDays: t.logRetentionDays,
      federation: t.federation,
      dedicatedInstances: t.dedicatedInstances ? { min: t.dedicatedInstances.min, max: t.dedicatedInstances.max } : null,
    }));
  return {
    name: m.name,
    region: m.region,
    apexDomain: normalizeDomain(m.apexDomain),
    vpcCidr: m.network.vpcCidr,
    availabilityZones: [...m.network.availabilityZones],
    app: {
      instanceType: m.app.instanceType,
      port: m.app.port,
      healthCheckPath: m.app.healthCheckPath,
      usersPerInstance: m.app.capacity.usersPerInstance,
      minInstances: m.app.capacity.minInstances,
      maxInstances: m.app.capacity.maxInstances,
      headroomPercent: m.app.capacity.headroomPercent ?? 100,
      targetCpuPercent: m.app.capacity.targetCpuPercent ?? 50,
    },
    database: {
      engineVersion: m.database.engineVersion,
      instanceClass: m.database.instanceClass,
      instances: m.database.instances,
      databaseName: m.database.databaseName,
      schema: m.database.schema,
      tenantTables: m.database.tenantTables.map((t) => ({ name: t.name, description: t.description })),
    },
    cache: { engine: m.cache.engine, engineVersion: m.cache.engineVersion, nodeType: m.cache.nodeType },
    originAccess: m.cdn?.originAccess ?? 'oac',
    tiers,
    quotas: { ...DEFAULT_QUOTAS, ...(m.quotas ?? {}) },
    alarmEmail: m.alarmEmail,
    tags: sortedTags(m.tags),
  };
}

export function planTenant(m: TenantManifest, tier: TierPlan, source: string): TenantPlan {
  const domains = m.domains.map(normalizeDomain);
  const pp = m.auth.passwordPolicy ?? {};
  const f = m.auth.federation;
  return {
    id: m.id,
    logicalName: pascalCase(m.id),
    name: m.name,
    tier,
    status: m.status,
    users: m.users,
    domains,
    dns: { mode: m.dns.mode, zone: m.dns.zone ? normalizeDomain(m.dns.zone) : null },
    auth: {
      mfa: m.auth.mfa,
      domain: m.auth.domain ? normalizeDomain(m.auth.domain) : `auth.${domains[0]!}`,
      passwordPolicy: {
        minLength: pp.minLength ?? 12,
        requireLowercase: pp.requireLowercase ?? true,
        requireUppercase: pp.requireUppercase ?? true,
        requireNumbers: pp.requireNumbers ?? true,
        requireSymbols: pp.requireSymbols ?? true,
        temporaryPasswordValidityDays: pp.temporaryPasswordValidityDays ?? 3,
      },
      federation: f
        ? { protocol: f.protocol, providerName: f.providerName, metadataUrl: f.metadataUrl ?? null, issuer: f.issuer ?? null, clientId: f.clientId ?? null }
        : null,
      identityPool: m.auth.identityPool ?? false,
    },
    logRetentionDays: m.logs?.retentionDays ?? tier.logRetentionDays,
    contacts: m.contacts.map((c) => ({ role: c.role, name: c.name, email: c.email })),
    tags: sortedTags(m.tags),
    source,
  };
}

export function planEstate(platformIn: Loaded<PlatformManifest>, tenantsIn: readonly Loaded<TenantManifest>[]): PlanResult {
  const platform = planPlatform(platformIn.value);
  const tierByName = new Map(platform.tiers.map((t) => [t.name, t]));
  const tenants = tenantsIn
    .map(({ source, value }) => planTenant(value, tierByName.get(value.tier)!, source.path))
    .sort((a, b) => compareStrings(a.id, b.id));
  const capacity = planCapacity(platform, tenants.map((t) => ({ users: t.users, compute: t.tier.compute, status: t.status })));
  const needed = Math.ceil(capacity.totalUsers / capacity.usersPerInstance);
  if (needed > platform.app.maxInstances) {
    return {
      ok: false,
      diagnostics: [
        platformIn.source.diagnostic(
          'quota-exceeded',
          ['app', 'capacity', 'maxInstances'],
          `app.capacity.maxInstances is ${platform.app.maxInstances} but ${capacity.totalUsers} seats on shared compute need ${needed} instances at ${capacity.usersPerInstance} users each: raise maxInstances or usersPerInstance`,
        ),
      ],
    };
  }
  return { ok: true, plan: deepFreeze({ platform, capacity, tenants }) };
}
