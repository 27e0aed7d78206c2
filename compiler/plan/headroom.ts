// Headroom: how many more tenants of each tier the estate takes before a limit binds.
// Nothing here decides anything new: a newcomer is planned by planTenant like any
// tenant, its needs are placementNeeds', shards and caches fill as placeTenants fills
// them (shardRoom, tenantsPerCacheCluster, TENANTS_PER_GROUP) and each estate-wide
// quota is counted by estateQuotaUse, the same count compile checks. test/status.test.ts
// proves the arithmetic at each limit's edge by planning the estate with one tenant
// fewer than the headroom, exactly the headroom, and one more.
//
// Newcomers are identical: the tier's typical new tenant (platform DNS, one domain, as
// many seats as the tier's tenants have on average, active). They fill the room left
// in existing shards, cache clusters and groups first (placement is first-fit), then
// open new ones.
import type { TenantManifest } from '../manifest.ts';
import type { EstatePlan, QuotaPlan, TierPlan } from './model.ts';
import { albShardUse, EMPTY_SHARD, type PlacementNeeds, shardRoom, tenantsPerCacheCluster } from './placement.ts';
import { placementNeeds, planTenant } from './planEstate.ts';
import { type EstateQuotaKey, estateQuotaUse, LISTENER_SLOTS_PER_SHARD, quotaCountsOf, TENANTS_PER_GROUP } from './quotas.ts';

/** A limit the estate can run into: an estate-wide AWS quota, or the shared fleet's maxInstances (platform manifest). */
export type LimitKey = EstateQuotaKey | 'maxInstances';

/** The newcomer headroom assumes for a tier. */
export interface NewTenant {
  readonly tier: string;
  /** Seats: the mean of the tier's tenants (rounded up), else of the estate's, else 1. */
  readonly seats: number;
  readonly needs: PlacementNeeds;
  /** Its seats count on the shared fleet (an active tenant on shared compute). */
  readonly sharedSeats: boolean;
}

export interface LimitHeadroom {
  readonly key: LimitKey;
  /** The limit's use after `more` newcomers, and after one more (which exceeds it); null when the tier never reaches it. */
  readonly more: number | null;
}

export interface TierHeadroom {
  readonly newTenant: NewTenant;
  /** Every limit, in QUOTAS order then maxInstances. */
  readonly limits: readonly LimitHeadroom[];
  /** The least of the limits' headroom; null when no limit binds this tier. */
  readonly more: number | null;
  /** The limit that binds first (the first in order among equals); null when none does. */
  readonly binding: LimitKey | null;
}

/** Large enough to stand for "never": no estate plans ten million tenants. */
const NEVER = 10_000_000;

/** The newcomer of a tier, planned by planTenant from a manifest of the tier's usual shape. */
export function newTenantOf(plan: EstatePlan, tier: TierPlan): NewTenant {
  const mean = (users: readonly number[]) => (users.length ? Math.ceil(users.reduce((a, b) => a + b, 0) / users.length) : null);
  const seats = mean(plan.tenants.filter((t) => t.tier.name === tier.name).map((t) => t.users)) ?? mean(plan.tenants.map((t) => t.users)) ?? 1;
  const manifest: TenantManifest = {
    kind: 'Tenant',
    id: 'new-tenant',
    name: 'New tenant',
    tier: tier.name,
    status: 'active',
    users: seats,
    domains: [`new-tenant.${plan.platform.apexDomain}`],
    dns: { mode: 'platform' },
    auth: { mfa: plan.platform.identity.minimumMfa },
    contacts: [{ role: 'owner', name: 'Owner', email: 'owner@example.com' }],
  };
  const draft = planTenant(manifest, tier, '(a new tenant)', plan.platform);
  return { tier: tier.name, seats, needs: placementNeeds(draft), sharedSeats: draft.serving.sharedSeats };
}

/** The greatest k with use(k) <= limit, for a use that never decreases; null when it never exceeds the limit. */
function greatestWithin(use: (k: number) => number, limit: number): number | null {
  if (use(0) > limit) return 0;
  let hi = 1;
  while (use(hi) <= limit) {
    if (hi >= NEVER) return null;
    hi *= 2;
  }
  let lo = Math.floor(hi / 2); // use(lo) <= limit < use(hi)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (use(mid) <= limit) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** New places opened for k newcomers when `room` places are free and each new container holds `each`. */
function opened(k: number, room: number, each: number): number {
  if (k <= room) return 0;
  return each <= 0 ? Infinity : Math.ceil((k - room) / each);
}

export function tierHeadroom(plan: EstatePlan, tier: TierPlan): TierHeadroom {
  const newcomer = newTenantOf(plan, tier);
  const quotas: QuotaPlan = plan.platform.quotas;
  const needs = newcomer.needs;
  // ALB shards: what each existing shard still takes (its quotas and its listener slots),
  // and what a new shard takes.
  const use = albShardUse(plan.placements.values());
  const slotsUsed = new Map<number, number>();
  const held = [
    ...[...plan.placements.values()].map((p) => ({ albShard: p.albShard, ruleSlot: p.ruleSlot })),
    ...[...plan.removed.values()].flatMap((r) => (r.slot ? [r.slot] : [])),
    ...plan.vacated,
  ];
  for (const h of held) slotsUsed.set(h.albShard, Math.max(slotsUsed.get(h.albShard) ?? 0, h.ruleSlot + 1));
  const albRoom = plan.albShards.reduce(
    (n, s) => n + Math.min(shardRoom(use.get(s.index) ?? EMPTY_SHARD, needs, quotas), LISTENER_SLOTS_PER_SHARD - (slotsUsed.get(s.index) ?? 0)),
    0,
  );
  const perNewShard = Math.min(shardRoom(EMPTY_SHARD, needs, quotas), LISTENER_SLOTS_PER_SHARD);
  const perCluster = tenantsPerCacheCluster(quotas);
  const cacheRoom = plan.cacheClusters.reduce((n, c) => n + Math.max(0, perCluster - c.users.length), 0);
  const groupRoom = plan.groups.reduce((n, g) => n + Math.max(0, TENANTS_PER_GROUP - g.tenants.length), 0);
  const counts = quotaCountsOf(plan.tenants.map((t) => ({ dnsMode: t.dns.mode })));
  const newcomerCounts = quotaCountsOf([{ dnsMode: 'platform' }]);

  const estateUse = (k: number) =>
    estateQuotaUse(
      {
        tenants: counts.tenants + k * newcomerCounts.tenants,
        delegatedZones: counts.delegatedZones + k * newcomerCounts.delegatedZones,
        ownDns: counts.ownDns + k * newcomerCounts.ownDns,
      },
      {
        albShards: plan.albShards.length + opened(k, albRoom, perNewShard),
        cacheClusters: plan.cacheClusters.length + (needs.sharedCache ? opened(k, cacheRoom, perCluster) : 0),
        groups: plan.groups.length + opened(k, groupRoom, TENANTS_PER_GROUP),
      },
    );
  const limits: LimitHeadroom[] = estateUse(0).map((u) => ({
    key: u.key,
    more: greatestWithin((k) => estateUse(k).find((x) => x.key === u.key)!.count, quotas[u.key]),
  }));
  // The capacity model (plan/capacity.ts): the instances the shared fleet's seats need
  // stay within app.capacity.maxInstances.
  const app = plan.platform.app;
  limits.push({
    key: 'maxInstances',
    more: newcomer.sharedSeats
      ? greatestWithin((k) => Math.ceil((plan.capacity.totalUsers + k * newcomer.seats) / app.usersPerInstance), app.maxInstances)
      : null,
  });
  let binding: LimitHeadroom | null = null;
  for (const l of limits) if (l.more !== null && (binding === null || l.more < binding.more!)) binding = l;
  return { newTenant: newcomer, limits, more: binding?.more ?? null, binding: binding?.key ?? null };
}
