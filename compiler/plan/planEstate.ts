// Plan stage: validated manifests → EstatePlan. Pure; resolves every default, sorts
// tenants by id and freezes the result.
import { compareStrings, type Diagnostic } from '../diagnostics.ts';
import type { PlatformManifest, TenantManifest } from '../manifest.ts';
import { isRegistrableDomain } from '../registrableDomain.ts';
import { normalizeDomain, type Loaded } from '../validate/rule.ts';
import { planCapacity } from './capacity.ts';
import { deepFreeze } from './freeze.ts';
import { ManifestText } from './manifestText.ts';
import type {
  AlbShardPlan,
  CacheClusterPlan,
  EstatePlan,
  GroupPlan,
  ManifestTag,
  PlatformPlan,
  QuotaPlan,
  RemovedTenant,
  ServingPlan,
  TenantPlacement,
  TenantPlan,
  TierPlan,
} from './model.ts';
import {
  albShardStackId,
  cacheShardStackId,
  groupStackId,
  pascalCase,
  platformNames,
  sharedCacheClusterName,
  sharedCacheEndpointParameter,
  tenantNames,
} from './names.ts';
import { planNetwork } from './network.ts';
import { DEFAULT_QUOTAS, estateQuotaUse, HOST_VALUES_PER_RULE, quotaCountsOf, quotaInfo } from './quotas.ts';
import { type PlacementNeeds, placeTenants, rulesFor } from './placement.ts';
import { checkLockClaims } from './lockClaims.ts';
import { TENANT_STATUS_MEANING } from './status.ts';
import { planLifecycle } from './lifecycle.ts';
import type { LockEntry, RemovedEntry, VacatedSlot } from '../validate/lockFile.ts';
import type { SourceFile } from '../load/sourceFile.ts';

export type PlanResult = { readonly ok: true; readonly plan: EstatePlan } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

function sortedTags(tags: Readonly<Record<string, string>> | undefined): ManifestTag[] {
  return Object.entries(tags ?? {})
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([key, value]) => [new ManifestText(key), new ManifestText(value)] as const);
}

const text = (value: string) => new ManifestText(value);

export function planPlatform(m: PlatformManifest): PlatformPlan {
  const tiers: TierPlan[] = Object.entries(m.tiers)
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([name, t]) => ({
      name,
      description: text(t.description),
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
    userContentDomain: normalizeDomain(m.userContentDomain),
    vpcCidr: m.network.vpcCidr,
    availabilityZones: [...m.network.availabilityZones],
    app: {
      instanceType: m.app.instanceType,
      ami: m.app.ami,
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
      tenantTables: m.database.tenantTables.map((t) => ({ name: t.name, description: text(t.description) })),
      tenantStatistics: m.database.tenantStatistics ?? 'private',
      allowMajorUpgrade: m.database.allowMajorUpgrade ?? false,
    },
    cache: { engine: m.cache.engine, engineVersion: m.cache.engineVersion, nodeType: m.cache.nodeType },
    originAccess: m.cdn?.originAccess ?? 'oac',
    appEgress: m.network.appEgress ?? 'endpoints',
    edge: { waf: m.edge?.waf ?? true, rateLimitPerFiveMinutes: m.edge?.rateLimitPerFiveMinutes ?? 2000, accessLogs: m.edge?.accessLogs ?? true },
    identity: {
      minimumMfa: m.identity?.minimumMfa ?? 'optional',
      minimumPasswordLength: m.identity?.minimumPasswordLength ?? 12,
      threatProtection: m.identity?.threatProtection ?? 'enforced',
    },
    tiers,
    quotas: { ...DEFAULT_QUOTAS, ...(m.quotas ?? {}) },
    suppressions: (m.review?.suppressions ?? []).map((s, index) => ({ index, rule: s.rule, template: s.template, resource: s.resource, reason: s.reason })),
    alarmEmail: text(m.alarmEmail),
    tags: sortedTags(m.tags),
    names: platformNames(m.name),
  };
}

/**
 * What a tenant's status (plan/status.ts, the one table) and its DNS mean for every
 * layer at once. Before a delegated or external tenant's DNS is ready (dnsReady false,
 * docs/domains.md, "Custom domains"), none of its host names is served: no certificate in its
 * stack, no listener rule, no sign-in or assets host; everything else is provisioned.
 */
export function servingFor(status: TenantPlan['status'], tier: TierPlan, dnsReady = true): ServingPlan {
  const meaning = TENANT_STATUS_MEANING[status];
  const size = tier.compute === 'dedicated' ? (meaning.dedicatedFleet === 'zero' ? { min: 0, max: 0 } : tier.dedicatedInstances!) : null;
  return {
    routing: dnsReady ? meaning.routing : 'none',
    hostNames: dnsReady,
    signIn: meaning.signIn,
    assets: meaning.assets,
    sharedSeats: meaning.seats && tier.compute === 'shared',
    credentials: meaning.credentials,
    // The pooled fleet may read a tenant's parameters while its role works (compute.ts).
    computeTag: meaning.credentials ? tier.compute : 'none',
    // One instance at a time, keeping all but one in service.
    fleet: size ? { ...size, rollout: { minInstancesInService: Math.max(0, size.min - 1), maxBatchSize: 1 } } : null,
  };
}

export type TenantDraft = Omit<TenantPlan, 'placement' | 'names' | 'lifecycle'>;

/** What a tenant takes on its ALB shard and whether it joins a shared cache: what placement packs. */
export function placementNeeds(t: TenantDraft): PlacementNeeds {
  return {
    id: t.id,
    rules: t.listenerRuleHosts.length,
    certificates: t.needsListenerCertificate ? 1 : 0,
    targetGroups: t.tier.compute === 'dedicated' ? 1 : 0,
    sharedCache: t.tier.cache === 'shared',
  };
}

/** A value validation guarantees (schema or rule); its absence here is a bug of tenantc, not of the manifest. */
function validated<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: ${what} passed validation but is missing`);
  return value;
}

function nonEmpty<T>(list: readonly T[]): readonly [T, ...T[]] {
  const [head, ...tail] = list;
  return [validated(head, 'a non-empty list'), ...tail];
}

export function planTenant(m: TenantManifest, tier: TierPlan, source: string, platform: Pick<PlatformPlan, 'identity' | 'userContentDomain'>): TenantDraft {
  const identity = platform.identity;
  const ownDomains = m.domains.map(normalizeDomain);
  const ownSignIn = m.auth.domain ? normalizeDomain(m.auth.domain) : `auth.${ownDomains[0]!}`;
  // One label under the user-content domain (validate/rules/userContentDomain.ts): the
  // platform's wildcard certificate for it covers every tenant, and no tenant-written
  // page is ever served under a domain whose cookies reach an app or sign-in host.
  const assetsDomain = `${m.id}.${platform.userContentDomain}`;
  const ownCertificate = nonEmpty([...new Set(m.dns.mode === 'platform' ? [ownSignIn] : [...ownDomains, ownSignIn])]);
  // Platform DNS is ours and always ready; a tenant's own DNS once the manifest says its
  // domain stage's certificate was issued (dns.validated).
  const dnsReady = m.dns.mode === 'platform' || m.dns.validated === true;
  // A move from platform DNS to its own: until its own DNS is ready, the tenant is served
  // at its platform host exactly as it was (same names, same certificate, records in the
  // platform zone), so the move changes nothing a user sees until the second pull
  // request; from then on the platform host keeps forwarding beside its own names.
  const platformDomain = m.dns.mode !== 'platform' && m.dns.platformDomain ? normalizeDomain(m.dns.platformDomain) : null;
  const servedOnPlatform = m.dns.mode === 'platform' || (platformDomain !== null && !dnsReady);
  const domains = platformDomain !== null && !dnsReady ? [platformDomain] : ownDomains;
  const authDomain = platformDomain !== null && !dnsReady ? `auth.${platformDomain}` : ownSignIn;
  const certificateNames = platformDomain !== null && !dnsReady ? nonEmpty([authDomain]) : ownCertificate;
  const appHosts = platformDomain !== null && dnsReady ? [...ownDomains, platformDomain] : domains;
  const served = dnsReady || servedOnPlatform;
  const pp = m.auth.passwordPolicy ?? {};
  const f = m.auth.federation;
  return {
    id: m.id,
    logicalName: pascalCase(m.id),
    name: text(m.name),
    tier,
    status: m.status,
    users: m.users,
    domains,
    // Registrable domains are their zone's apex, where DNS allows no CNAME (the Public
    // Suffix List decides; a platform host is never one).
    apexDomains: ownDomains.filter(isRegistrableDomain),
    dns: {
      ...(m.dns.mode === 'delegated'
        ? { mode: 'delegated' as const, zone: normalizeDomain(validated(m.dns.zone, 'dns.zone')), ready: dnsReady }
        : { mode: m.dns.mode, zone: null, ready: dnsReady }),
      platformDomain,
      servedOnPlatform,
      own: { domains: ownDomains, signIn: ownSignIn, certificateNames: ownCertificate },
    },
    auth: {
      mfa: m.auth.mfa,
      domain: authDomain,
      passwordPolicy: {
        // Omitted, it is the platform's floor (at least 12).
        minLength: pp.minLength ?? Math.max(12, identity.minimumPasswordLength),
        requireLowercase: pp.requireLowercase ?? true,
        requireUppercase: pp.requireUppercase ?? true,
        requireNumbers: pp.requireNumbers ?? true,
        requireSymbols: pp.requireSymbols ?? true,
        temporaryPasswordValidityDays: pp.temporaryPasswordValidityDays ?? 3,
      },
      federation: !f
        ? null
        : f.protocol === 'saml'
          ? { protocol: 'saml', providerName: text(f.providerName), metadataUrl: text(f.metadataUrl) }
          : { protocol: 'oidc', providerName: text(f.providerName), issuer: text(f.issuer), clientId: text(f.clientId) },
      identityPool: m.auth.identityPool ?? false,
    },
    serving: servingFor(m.status, tier, served),
    assetsDomain,
    certificateNames,
    needsListenerCertificate: m.dns.mode !== 'platform' && dnsReady,
    appHosts,
    listenerRuleHosts: served
      ? Array.from({ length: rulesFor(appHosts.length) }, (_, i) => appHosts.slice(i * HOST_VALUES_PER_RULE, (i + 1) * HOST_VALUES_PER_RULE))
      : [],
    logRetentionDays: m.logs?.retentionDays ?? tier.logRetentionDays,
    contacts: m.contacts.map((c) => ({ role: c.role, name: text(c.name), email: text(c.email) })),
    tags: sortedTags(m.tags),
    source,
  };
}

/** Removed tenants as the next lock records them: a slot given to a newcomer is no longer theirs. */
function removedAfter(removed: ReadonlyMap<string, RemovedTenant>, placed: ReadonlyMap<string, TenantPlacement>): ReadonlyMap<string, RemovedTenant> {
  const taken = new Set([...placed.values()].map((p) => `${p.albShard}/${p.ruleSlot}`));
  return new Map(
    [...removed].map(([id, e]) => {
      if (!e.slot || !taken.has(`${e.slot.albShard}/${e.slot.ruleSlot}`)) return [id, e];
      const { slot: _given, ...rest } = e;
      return [id, rest];
    }),
  );
}

/**
 * The vacated slots the next lock keeps: per ALB shard, the highest one left by a move,
 * while it is above every slot a tenant or a removed tenant holds there (below that, the
 * high-water mark those give already keeps newcomers above it).
 */
function vacatedAfter(
  candidates: readonly VacatedSlot[],
  placed: ReadonlyMap<string, TenantPlacement>,
  removed: ReadonlyMap<string, RemovedTenant>,
): readonly VacatedSlot[] {
  const highest = new Map<number, number>();
  const held = [
    ...[...placed.values()].map((p) => ({ albShard: p.albShard, ruleSlot: p.ruleSlot })),
    ...[...removed.values()].flatMap((r) => (r.slot ? [r.slot] : [])),
  ];
  for (const h of held) highest.set(h.albShard, Math.max(highest.get(h.albShard) ?? -1, h.ruleSlot));
  const kept = new Map<number, number>();
  for (const v of candidates) if (v.ruleSlot > (highest.get(v.albShard) ?? -1) && v.ruleSlot > (kept.get(v.albShard) ?? -1)) kept.set(v.albShard, v.ruleSlot);
  return [...kept].sort(([a], [b]) => a - b).map(([albShard, ruleSlot]) => ({ albShard, ruleSlot }));
}

/** The placement lock as read: what each tenant was given, and the file for diagnostics. */
export interface LockInput {
  readonly placements: ReadonlyMap<string, LockEntry>;
  readonly removed: ReadonlyMap<string, RemovedEntry>;
  readonly vacated: readonly VacatedSlot[];
  readonly source: SourceFile | null;
}

const NO_LOCK: LockInput = { placements: new Map(), removed: new Map(), vacated: [], source: null };

/** `today` (YYYY-MM-DD) dates the removals this compile records. */
export function planEstate(
  platformIn: Loaded<PlatformManifest>,
  tenantsIn: readonly Loaded<TenantManifest>[],
  lock: LockInput = NO_LOCK,
  today: string,
): PlanResult {
  const previous = lock.placements;
  const platform = planPlatform(platformIn.value);
  const claims = checkLockClaims(lock.source, previous, new Map(tenantsIn.map((t) => [t.value.id, t.source.path])), platform.quotas);
  if (claims.length) return { ok: false, diagnostics: claims };
  const life = planLifecycle(tenantsIn, lock, today);
  if (!life.ok) return { ok: false, diagnostics: life.diagnostics };
  const tierByName = new Map(platform.tiers.map((t) => [t.name, t]));
  const drafts = tenantsIn
    .map(({ source, value }) => planTenant(value, tierByName.get(value.tier)!, source.path, platform))
    .sort((a, b) => compareStrings(a.id, b.id));
  const capacity = planCapacity(
    platform,
    drafts.map((t) => ({ users: t.users, sharedSeats: t.serving.sharedSeats })),
  );
  const diagnostics: Diagnostic[] = [];
  const at = (path: (string | number)[], message: string) => diagnostics.push(platformIn.source.diagnostic('quota-exceeded', path, message));
  const network = planNetwork(platform.vpcCidr, platform.availabilityZones);
  if (!network.ok) {
    for (const problem of network.problems)
      diagnostics.push(platformIn.source.diagnostic('vpc-cidr', ['network', 'vpcCidr'], `network.vpcCidr "${platform.vpcCidr}": ${problem}`));
  }
  const { needed } = capacity;
  if (needed > platform.app.maxInstances) {
    at(
      ['app', 'capacity', 'maxInstances'],
      `app.capacity.maxInstances is ${platform.app.maxInstances} but ${capacity.totalUsers} seats on shared compute need ${needed} instances at ${capacity.usersPerInstance} users each: raise maxInstances or usersPerInstance`,
    );
  }
  const placement = placeTenants(drafts.map(placementNeeds), platform.quotas, previous, [
    ...life.plan.removedSlots,
    ...lock.vacated.map((v) => ({ ...v, released: false })),
  ]);
  const checkQuota = (key: keyof QuotaPlan, count: number, what: string) => {
    const limit = platform.quotas[key];
    if (count <= limit) return;
    const q = quotaInfo(key);
    const declared = platformIn.value.quotas?.[key] !== undefined;
    at(
      declared ? ['quotas', key] : platformIn.value.quotas ? ['quotas'] : ['kind'],
      `placing ${drafts.length} tenants needs ${count} ${what}, over the quota ${key} = ${limit} (${declared ? 'declared' : 'AWS default'}; "${q.title}", ${q.source}): ` +
        (q.adjustable
          ? `request an increase in Service Quotas, then declare it as quotas.${key} in this file`
          : 'this quota cannot be raised: split the estate'),
    );
  };
  const stacks = { albShards: placement.albShards.length, cacheClusters: placement.cacheClusters.length, groups: placement.groups.length };
  for (const use of estateQuotaUse(quotaCountsOf(drafts.map((t) => ({ dnsMode: t.dns.mode }))), stacks)) checkQuota(use.key, use.count, use.what);
  if (diagnostics.length || !network.ok) return { ok: false, diagnostics };
  const tenants: TenantPlan[] = drafts.map((t) => {
    const p = placement.byTenant.get(t.id)!;
    const lifecycle = life.plan.tenants.get(t.id)!;
    return { ...t, placement: p, lifecycle, names: tenantNames(platform.name, t.id, p.cacheCluster, lifecycle.incarnation) };
  });
  const albShards: AlbShardPlan[] = placement.albShards.map((index) => ({ index, stack: albShardStackId(index) }));
  // Members by cluster and by group in one pass each (a filter per group was quadratic:
  // half a second of a 5,000-tenant compile), in the tenants' order as before.
  const membersBy = (key: (t: TenantPlan) => number | null) => {
    const by = new Map<number, TenantPlan[]>();
    for (const t of tenants) {
      const k = key(t);
      if (k === null) continue;
      const list = by.get(k);
      if (list) list.push(t);
      else by.set(k, [t]);
    }
    return (index: number) => by.get(index) ?? [];
  };
  const inCluster = membersBy((t) => t.placement.cacheCluster);
  const inGroup = membersBy((t) => t.placement.group);
  const cacheClusters: CacheClusterPlan[] = placement.cacheClusters.map((index) => {
    const members = inCluster(index);
    return {
      index,
      stack: cacheShardStackId(index),
      name: sharedCacheClusterName(platform.name, index),
      endpointParameter: sharedCacheEndpointParameter(platform.name, index),
      users: members.map((t) => t.names.cacheUser).sort(compareStrings),
      groups: [...new Set(members.map((t) => t.placement.group))].sort((a, b) => a - b),
    };
  });
  const groups: GroupPlan[] = placement.groups.map((index) => {
    const members = inGroup(index);
    return {
      index,
      stack: groupStackId(index),
      tenants: members.map((t) => t.id),
      albShards: [...new Set(members.map((t) => t.placement.albShard))].sort((a, b) => a - b),
    };
  });
  const removed = removedAfter(life.plan.removed, placement.byTenant);
  return {
    ok: true,
    plan: deepFreeze({
      platform,
      capacity,
      network: network.plan,
      albShards,
      cacheClusters,
      groups,
      placements: placement.byTenant,
      removed,
      vacated: vacatedAfter([...lock.vacated, ...placement.vacated], placement.byTenant, removed),
      tenants,
    }),
  };
}
