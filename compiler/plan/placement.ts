// Placement: which ALB shard (and listener-rule slot), shared cache cluster and group
// stack each tenant lives in. Sticky: a tenant keeps what the lock file recorded for
// as long as it exists and still fits, so adding or removing a tenant never moves
// another. New tenants go first-fit, in id order, into the lowest shard with room.
//
// Listener slots are never given again while a shard has unused ones: a new tenant
// takes the slot above the highest one in use or remembered for a removed tenant.
// CloudFormation creates before it deletes, so a newcomer given the priorities of a
// rule the same deploy deletes (a removed tenant's, or one that moved away) would be
// refused as a duplicate and roll the whole deploy back. Only when a shard reaches its
// last slot does a newcomer take a removed tenant's, and only one whose removal an
// earlier compile recorded (its lock already lists it under `removed`). A slot a tenant
// left by moving to another shard counts as used while it is its shard's highest
// (the lock keeps it under `vacated`), and is never given again.
import { compareStrings } from '../diagnostics.ts';
import type { VacatedSlot } from '../validate/lockFile.ts';
import type { QuotaPlan, RemovedSlot, TenantPlacement } from './model.ts';
import { HOST_VALUES_PER_RULE, LISTENER_SLOTS_PER_SHARD, TENANTS_PER_GROUP } from './quotas.ts';

export type { RemovedSlot, TenantPlacement };

export interface PlacementNeeds {
  readonly id: string;
  readonly rules: number;
  readonly certificates: number;
  readonly targetGroups: number;
  readonly sharedCache: boolean;
}

export interface PlacementResult {
  readonly byTenant: ReadonlyMap<string, TenantPlacement>;
  /** Slots left behind by tenants this placement moved to another ALB shard. */
  readonly vacated: readonly VacatedSlot[];
  readonly albShards: readonly number[];
  readonly cacheClusters: readonly number[];
  readonly groups: readonly number[];
}

/** Listener rules a tenant needs: host-header values are at most 5 per rule. */
export function rulesFor(domainCount: number): number {
  return Math.ceil(domainCount / HOST_VALUES_PER_RULE);
}

/** The shard's shared target group takes one of its target-group places before any tenant does. */
export const SHARED_TARGET_GROUPS_PER_SHARD = 1;
/** Every cache user group holds the disabled `default` user before any tenant's. */
export const RESERVED_CACHE_USERS = 1;

/** What a shard's tenants (and its shared target group) take of its per-ALB quotas. */
export interface ShardUse {
  readonly rules: number;
  readonly certificates: number;
  readonly targetGroups: number;
}

/** Tenants' seats in one shared cache cluster: the user group's quota less the reserved users. */
export function tenantsPerCacheCluster(quotas: QuotaPlan): number {
  return quotas.cacheUsersPerUserGroup - RESERVED_CACHE_USERS;
}

/** Whether a tenant with `needs` fits a shard that already has `use`: the one test placement applies. */
export function fitsShard(use: ShardUse, needs: ShardUse, quotas: QuotaPlan): boolean {
  return (
    use.rules + needs.rules <= quotas.albRulesPerLoadBalancer &&
    use.certificates + needs.certificates <= quotas.albCertificatesPerLoadBalancer &&
    use.targetGroups + needs.targetGroups <= quotas.albTargetGroupsPerLoadBalancer
  );
}

/** How many more tenants with `needs` fit a shard that has `use` (Infinity when they take nothing the quotas count). */
export function shardRoom(use: ShardUse, needs: ShardUse, quotas: QuotaPlan): number {
  const room = (limit: number, used: number, each: number) => (each === 0 ? Infinity : Math.max(0, Math.floor((limit - used) / each)));
  return Math.min(
    room(quotas.albRulesPerLoadBalancer, use.rules, needs.rules),
    room(quotas.albCertificatesPerLoadBalancer, use.certificates, needs.certificates),
    room(quotas.albTargetGroupsPerLoadBalancer, use.targetGroups, needs.targetGroups),
  );
}

/** An ALB shard with no tenant yet: only its shared target group. */
export const EMPTY_SHARD: ShardUse = { rules: 0, certificates: 0, targetGroups: SHARED_TARGET_GROUPS_PER_SHARD };

/** Each ALB shard's use, from what the lock records its tenants take there. */
export function albShardUse(placements: Iterable<TenantPlacement>): Map<number, ShardUse> {
  const use = new Map<number, ShardUse>();
  for (const p of placements) {
    const u = use.get(p.albShard) ?? EMPTY_SHARD;
    use.set(p.albShard, { rules: u.rules + p.rules, certificates: u.certificates + p.certificates, targetGroups: u.targetGroups + p.targetGroups });
  }
  return use;
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
  /** Removed tenants' slots an earlier compile recorded: the last resort. */
  released: Set<number>;
  /** One past the highest slot in use or remembered. */
  next: number;
}

export function placeTenants(
  tenants: readonly PlacementNeeds[],
  quotas: QuotaPlan,
  previous: ReadonlyMap<string, TenantPlacement>,
  removedSlots: readonly RemovedSlot[] = [],
): PlacementResult {
  const shards = new Map<number, Shard>();
  const caches = new Map<number, number>();
  const groups = new Map<number, number>();
  const cachePerCluster = tenantsPerCacheCluster(quotas);
  const shard = (i: number) => {
    let s = shards.get(i);
    if (!s) shards.set(i, (s = { ...EMPTY_SHARD, slots: new Set(), released: new Set(), next: 0 }));
    return s;
  };
  const fits = (s: Shard, t: PlacementNeeds) => fitsShard(s, t, quotas);
  const take = (s: Shard, t: PlacementNeeds, slot: number) => {
    s.rules += t.rules;
    s.certificates += t.certificates;
    s.targetGroups += t.targetGroups;
    s.slots.add(slot);
    s.released.delete(slot);
    s.next = Math.max(s.next, slot + 1);
  };
  /** The slot a newcomer gets on this shard, or null when it has none to give. */
  const freeSlot = (s: Shard): number | null => {
    if (s.next < LISTENER_SLOTS_PER_SHARD) return s.next;
    const reusable = [...s.released].filter((slot) => !s.slots.has(slot));
    return reusable.length ? Math.min(...reusable) : null;
  };
  /**
   * First fit over a map's indices in ascending order, else the smallest index it lacks.
   * Indices are only added while placing, so the sorted list is rebuilt only when one
   * was (sorting them again for each tenant, and a linear `includes` per candidate, cost
   * tens of milliseconds at 5,000 tenants). `monotone`: an index that fails once fails
   * for every later tenant (a cache cluster or a group only fills up), so the scan starts
   * after those; an ALB shard may fit a smaller tenant after refusing a larger one.
   */
  const firstFitOver = (indices: ReadonlyMap<number, unknown>, monotone: boolean) => {
    let sorted: number[] = [];
    let size = -1;
    let from = 0;
    return (count: (i: number) => boolean): number => {
      if (indices.size !== size) {
        sorted = [...indices.keys()].sort((a, b) => a - b);
        size = indices.size;
        from = 0;
      }
      for (let j = monotone ? from : 0; j < sorted.length; j++) {
        if (count(sorted[j]!)) return sorted[j]!;
        if (monotone) from = j + 1;
      }
      const taken = new Set(sorted);
      let next = 0;
      while (taken.has(next)) next++;
      return next;
    };
  };

  // What each tenant keeps from the lock: its ALB shard and slot, its cache cluster,
  // its group, each only if it still fits.
  interface Kept {
    alb?: { readonly shard: number; readonly slot: number };
    cache?: number;
    group?: number;
  }
  const kept = new Map<string, Kept>();
  const vacated: VacatedSlot[] = [];
  for (const r of removedSlots) {
    const s = shard(r.albShard);
    s.next = Math.max(s.next, r.ruleSlot + 1);
    if (r.released) s.released.add(r.ruleSlot);
  }
  // Kept tenants first, so their places are reserved before new ones fill holes; and
  // among them those whose needs did not grow, so that a tenant that grew past its
  // shard's room is the one that moves, never a neighbour that did not change.
  const grew = (t: PlacementNeeds, old: TenantPlacement) => t.rules > old.rules || t.certificates > old.certificates || t.targetGroups > old.targetGroups;
  const returning = tenants.filter((t) => previous.has(t.id));
  const order = [...returning.filter((t) => !grew(t, previous.get(t.id)!)), ...returning.filter((t) => grew(t, previous.get(t.id)!))];
  for (const t of order) {
    const old = previous.get(t.id)!;
    const k: Kept = {};
    const s = shard(old.albShard);
    if (fits(s, t) && !s.slots.has(old.ruleSlot) && old.ruleSlot < LISTENER_SLOTS_PER_SHARD) {
      take(s, t, old.ruleSlot);
      k.alb = { shard: old.albShard, slot: old.ruleSlot };
    } else {
      // Moving away: its rule is deleted by the same deploy that creates its new one,
      // so its slot counts as used, and the plan keeps it in the lock (vacated) for as
      // long as it is the shard's highest: a later change deployed together with this
      // one must not give it to a newcomer either.
      s.next = Math.max(s.next, old.ruleSlot + 1);
      vacated.push({ albShard: old.albShard, ruleSlot: old.ruleSlot });
    }
    if (t.sharedCache && old.cacheCluster !== null && (caches.get(old.cacheCluster) ?? 0) < cachePerCluster) {
      caches.set(old.cacheCluster, (caches.get(old.cacheCluster) ?? 0) + 1);
      k.cache = old.cacheCluster;
    }
    if ((groups.get(old.group) ?? 0) < TENANTS_PER_GROUP) {
      groups.set(old.group, (groups.get(old.group) ?? 0) + 1);
      k.group = old.group;
    }
    kept.set(t.id, k);
  }
  // Then, in id order, every tenant gets what it did not keep (new tenants: everything).
  const placed = new Map<string, TenantPlacement>();
  const shardFit = firstFitOver(shards, false);
  const cacheFit = firstFitOver(caches, true);
  const groupFit = firstFitOver(groups, true);
  for (const t of [...tenants].sort((a, b) => compareStrings(a.id, b.id))) {
    const k = kept.get(t.id) ?? {};
    let alb = k.alb;
    if (!alb) {
      const index = shardFit((i) => fits(shard(i), t) && freeSlot(shard(i)) !== null);
      alb = { shard: index, slot: freeSlot(shard(index))! };
      take(shard(index), t, alb.slot);
    }
    let cacheCluster: number | null = null;
    if (t.sharedCache) {
      cacheCluster = k.cache ?? cacheFit((i) => (caches.get(i) ?? 0) < cachePerCluster);
      if (k.cache === undefined) caches.set(cacheCluster, (caches.get(cacheCluster) ?? 0) + 1);
    }
    let group = k.group;
    if (group === undefined) {
      group = groupFit((i) => (groups.get(i) ?? 0) < TENANTS_PER_GROUP);
      groups.set(group, (groups.get(group) ?? 0) + 1);
    }
    placed.set(t.id, {
      albShard: alb.shard,
      ruleSlot: alb.slot,
      cacheCluster,
      group,
      rules: t.rules,
      certificates: t.certificates,
      targetGroups: t.targetGroups,
    });
  }
  const sorted = (m: Map<number, unknown>) => [...m.keys()].sort((a, b) => a - b);
  // A shard with no tenant left is dropped; an estate always has shard 0 and cache 0.
  const usedShards = new Set([...placed.values()].map((p) => p.albShard));
  for (const i of [...shards.keys()]) if (!usedShards.has(i)) shards.delete(i);
  if (shards.size === 0) shard(0);
  if (caches.size === 0) caches.set(0, 0);
  return { byTenant: placed, vacated, albShards: sorted(shards), cacheClusters: sorted(caches), groups: sorted(groups) };
}
