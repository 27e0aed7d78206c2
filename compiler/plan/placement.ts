// Placement: which ALB shard (and listener-rule slot), shared cache cluster and group
// stack each tenant lives in. Sticky: a tenant keeps what the lock file recorded for
// as long as it exists and still fits, so adding or removing a tenant never moves
// another. New tenants go first-fit, in id order, into the lowest shard with room.
import { compareStrings } from '../diagnostics.ts';
import { HOST_VALUES_PER_RULE, TENANTS_PER_GROUP } from './quotas.ts';
import type { QuotaPlan } from './model.ts';

export interface TenantPlacement {
  readonly albShard: number;
  /** Stable slot on the shard's HTTPS listener; rule priorities derive from it. */
  readonly ruleSlot: number;
  /** Shared cache cluster of a standard tenant; null for a dedicated (premium) cache. */
  readonly cacheCluster: number | null;
  readonly group: number;
  /** What it consumes on its shard, recorded so that a tenant whose needs grow is the one that moves. */
  readonly rules: number;
  readonly certificates: number;
  readonly targetGroups: number;
}

export interface PlacementNeeds {
  readonly id: string;
  readonly rules: number;
  readonly certificates: number;
  readonly targetGroups: number;
  readonly sharedCache: boolean;
}

export interface PlacementResult {
  readonly byTenant: ReadonlyMap<string, TenantPlacement>;
  readonly albShards: readonly number[];
  readonly cacheClusters: readonly number[];
  readonly groups: readonly number[];
}

/** Listener rules a tenant needs: host-header values are at most 5 per rule. */
export function rulesFor(domainCount: number): number {
  return Math.ceil(domainCount / HOST_VALUES_PER_RULE);
}

/** Rule priorities: two per slot (8 domains need at most 2 rules), 1-based. */
export function rulePriority(slot: number, ruleIndex: number): number {
  return slot * 2 + ruleIndex + 1;
}

interface Shard {
  rules: number;
  certificates: number;
  /** The shard's shared target group counts as one. */
  targetGroups: number;
  slots: Set<number>;
}

export function placeTenants(tenants: readonly PlacementNeeds[], quotas: QuotaPlan, previous: ReadonlyMap<string, TenantPlacement>): PlacementResult {
  const shards = new Map<number, Shard>();
  const caches = new Map<number, number>();
  const groups = new Map<number, number>();
  const cachePerCluster = quotas.cacheUsersPerUserGroup - 1; // `default` takes one seat
  const shard = (i: number) => {
    let s = shards.get(i);
    if (!s) shards.set(i, (s = { rules: 0, certificates: 0, targetGroups: 1, slots: new Set() }));
    return s;
  };
  const fits = (s: Shard, t: PlacementNeeds) =>
    s.rules + t.rules <= quotas.albRulesPerLoadBalancer &&
    s.certificates + t.certificates <= quotas.albCertificatesPerLoadBalancer &&
    s.targetGroups + t.targetGroups <= quotas.albTargetGroupsPerLoadBalancer;
  const take = (s: Shard, t: PlacementNeeds, slot: number) => {
    s.rules += t.rules;
    s.certificates += t.certificates;
    s.targetGroups += t.targetGroups;
    s.slots.add(slot);
  };
  const freeSlot = (s: Shard) => {
    let slot = 0;
    while (s.slots.has(slot)) slot++;
    return slot;
  };
  const firstFit = (count: (i: number) => boolean, existing: Iterable<number>) => {
    const used = [...existing].sort((a, b) => a - b);
    for (const i of used) if (count(i)) return i;
    let next = 0;
    while (used.includes(next)) next++;
    return next;
  };

  const placed = new Map<string, TenantPlacement>();
  const pending: PlacementNeeds[] = [];
  // Kept tenants first, so their places are reserved before new ones fill holes; and
  // among them those whose needs did not grow, so that a tenant that grew past its
  // shard's room is the one that moves, never a neighbour that did not change.
  const grew = (t: PlacementNeeds, old: TenantPlacement) => t.rules > old.rules || t.certificates > old.certificates || t.targetGroups > old.targetGroups;
  const kept = tenants.filter((t) => previous.has(t.id));
  const order = [...kept.filter((t) => !grew(t, previous.get(t.id)!)), ...kept.filter((t) => grew(t, previous.get(t.id)!))];
  for (const t of tenants) if (!previous.has(t.id)) pending.push(t);
  for (const t of order) {
    const old = previous.get(t.id)!;
    const s = shard(old.albShard);
    const albOk = fits(s, t) && !s.slots.has(old.ruleSlot) && old.ruleSlot < quotas.albRulesPerLoadBalancer;
    if (albOk) take(s, t, old.ruleSlot);
    else if (s.slots.size === 0 && s.rules === 0) shards.delete(old.albShard);
    let cache: number | null = null;
    let cacheOk = true;
    if (t.sharedCache) {
      cacheOk = old.cacheCluster !== null && (caches.get(old.cacheCluster) ?? 0) < cachePerCluster;
      if (cacheOk) caches.set(old.cacheCluster!, (caches.get(old.cacheCluster!) ?? 0) + 1), (cache = old.cacheCluster);
    }
    const groupOk = (groups.get(old.group) ?? 0) < TENANTS_PER_GROUP;
    if (groupOk) groups.set(old.group, (groups.get(old.group) ?? 0) + 1);
    if (albOk && cacheOk && groupOk) {
      placed.set(t.id, { albShard: old.albShard, ruleSlot: old.ruleSlot, cacheCluster: cache, group: old.group, rules: t.rules, certificates: t.certificates, targetGroups: t.targetGroups });
    } else {
      // Only this tenant moves, and only what no longer fits.
      placed.set(t.id, {
        albShard: albOk ? old.albShard : -1,
        ruleSlot: albOk ? old.ruleSlot : -1,
        cacheCluster: t.sharedCache ? (cacheOk ? cache : -1) : null,
        group: groupOk ? old.group : -1,
        rules: t.rules,
        certificates: t.certificates,
        targetGroups: t.targetGroups,
      });
      pending.push(t);
    }
  }
  pending.sort((a, b) => compareStrings(a.id, b.id));
  for (const t of pending) {
    const prior = placed.get(t.id);
    let albShard = prior && prior.albShard >= 0 ? prior.albShard : -1;
    let ruleSlot = prior && prior.ruleSlot >= 0 ? prior.ruleSlot : -1;
    if (albShard < 0) {
      albShard = firstFit((i) => fits(shard(i), t) && freeSlot(shard(i)) < quotas.albRulesPerLoadBalancer, shards.keys());
      ruleSlot = freeSlot(shard(albShard));
      take(shard(albShard), t, ruleSlot);
    }
    let cacheCluster: number | null = null;
    if (t.sharedCache) {
      cacheCluster = prior && prior.cacheCluster !== null && prior.cacheCluster >= 0 ? prior.cacheCluster : firstFit((i) => (caches.get(i) ?? 0) < cachePerCluster, caches.keys());
      if (!(prior && prior.cacheCluster === cacheCluster)) caches.set(cacheCluster, (caches.get(cacheCluster) ?? 0) + 1);
    }
    let group = prior && prior.group >= 0 ? prior.group : -1;
    if (group < 0) {
      group = firstFit((i) => (groups.get(i) ?? 0) < TENANTS_PER_GROUP, groups.keys());
      groups.set(group, (groups.get(group) ?? 0) + 1);
    }
    placed.set(t.id, { albShard, ruleSlot, cacheCluster, group, rules: t.rules, certificates: t.certificates, targetGroups: t.targetGroups });
  }
  const sorted = (m: Map<number, unknown>) => [...m.keys()].sort((a, b) => a - b);
  // A shard with no tenant left is dropped; an estate always has shard 0 and cache 0.
  const usedShards = new Set([...placed.values()].map((p) => p.albShard));
  for (const i of [...shards.keys()]) if (!usedShards.has(i)) shards.delete(i);
  if (shards.size === 0) shard(0);
  if (caches.size === 0) caches.set(0, 0);
  return { byTenant: placed, albShards: sorted(shards), cacheClusters: sorted(caches), groups: sorted(groups) };
}
