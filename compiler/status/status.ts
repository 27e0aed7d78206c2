// `tenantc status` as a value: the estate's tenants, shards, fleets, quotas, headroom
// and estimated cost, from the plan (nothing here decides: placement, quotas, capacity
// and what a status means are the plan's; the cost is cost.ts's). The renderers (text,
// JSON, HTML) all read this one model, so they cannot disagree.
import type { EstatePlan, QuotaPlan, ServingPlan } from '../plan/model.ts';
import { type LimitKey, tierHeadroom } from '../plan/headroom.ts';
import { reportText } from '../plan/manifestText.ts';
import { albShardUse, EMPTY_SHARD, RESERVED_CACHE_USERS } from '../plan/placement.ts';
import { estateQuotaUse, type EstateQuotaKey, QUOTAS, quotaCountsOf, TENANTS_PER_GROUP } from '../plan/quotas.ts';
import { estimateCost } from './cost.ts';
import type { PriceTable } from './prices.ts';

export const STATUS_FORMAT = 1;

/** Of a limit: how much is used and of what. */
export interface Use {
  readonly used: number;
  readonly limit: number;
  /** used / limit, in percent, rounded to one decimal. */
  readonly percent: number;
}

export interface StatusModel {
  readonly format: typeof STATUS_FORMAT;
  readonly estate: {
    readonly platform: string;
    readonly region: string;
    readonly tenants: number;
    readonly manifests: string;
    /** False when compile would change the placement lock (placement is shown as compile would make it). */
    readonly lockUpToDate: boolean;
  };
  readonly tiers: readonly {
    readonly tier: string;
    readonly compute: 'dedicated' | 'shared';
    readonly cache: 'dedicated' | 'shared';
    readonly active: number;
    readonly suspended: number;
    readonly offboarded: number;
    readonly total: number;
    /** Tenants whose own DNS is not ready yet: provisioned, none of their names served. */
    readonly dnsNotReady: number;
  }[];
  /** What each status means for its tenants, as the plan decides it (ServingPlan). */
  readonly statuses: readonly {
    readonly status: string;
    readonly tenants: number;
    readonly routing: ServingPlan['routing'];
    readonly signIn: boolean;
    readonly credentials: boolean;
  }[];
  readonly albShards: readonly {
    readonly index: number;
    readonly tenants: number;
    readonly rules: Use;
    readonly certificates: Use;
    readonly targetGroups: Use;
  }[];
  readonly cacheClusters: readonly { readonly index: number; readonly name: string; readonly tenants: number; readonly users: Use }[];
  readonly groups: readonly { readonly index: number; readonly stacks: Use }[];
  readonly fleets: {
    readonly shared: {
      readonly instanceType: string;
      readonly min: number;
      readonly max: number;
      /** Seats of the tenants it serves, and the instances they need at usersPerInstance. */
      readonly seats: number;
      readonly usersPerInstance: number;
      readonly needed: number;
      readonly maxInstances: number;
      readonly tenants: number;
    };
    readonly dedicated: readonly {
      readonly tenant: string;
      readonly tier: string;
      readonly status: string;
      readonly min: number;
      readonly max: number;
      readonly seats: number;
    }[];
  };
  readonly quotas: readonly {
    readonly key: keyof QuotaPlan;
    readonly title: string;
    readonly scope: 'estate' | 'per ALB shard' | 'per cache cluster';
    readonly limit: number;
    readonly declared: boolean;
    readonly awsDefault: number;
    readonly adjustable: boolean;
    /** The estate's count; per shard, the fullest shard's (named by `where`). */
    readonly use: Use;
    readonly where: string | null;
    readonly source: string;
    /** Per tier: more tenants before it binds; null when that tier never reaches it (or, per shard, a full shard opens another). */
    readonly more: Readonly<Record<string, number | null>>;
  }[];
  readonly headroom: readonly {
    readonly tier: string;
    readonly newTenant: {
      readonly seats: number;
      readonly dns: 'platform';
      readonly domains: 1;
      readonly rules: number;
      readonly certificates: number;
      readonly targetGroups: number;
      readonly sharedCache: boolean;
    };
    readonly more: number | null;
    readonly binding: LimitKey | null;
    readonly bindingTitle: string | null;
  }[];
  readonly cost: {
    readonly estimate: true;
    readonly currency: 'USD';
    readonly total: number;
    readonly unallocated: number;
    readonly byTier: readonly { readonly tier: string; readonly tenants: number; readonly usd: number }[];
    readonly layers: readonly { readonly layer: string; readonly usd: number; readonly tenants: number }[];
    readonly byPrice: readonly {
      readonly price: string;
      readonly description: string;
      readonly unit: string;
      readonly quantity: number;
      readonly usd: number;
    }[];
    readonly leftOut: readonly { readonly what: string; readonly count: number; readonly why: string }[];
    readonly assumptions: readonly { readonly key: string; readonly value: number; readonly unit: string; readonly description: string }[];
    readonly prices: { readonly table: string; readonly oldest: string | null; readonly newest: string | null };
    readonly rule: string;
  };
  /** Sorted by id. */
  readonly tenants: readonly {
    readonly id: string;
    readonly name: string;
    readonly tier: string;
    readonly status: string;
    readonly users: number;
    readonly dns: string;
    readonly albShard: number;
    readonly cacheCluster: number | null;
    readonly group: number;
    readonly owned: number;
    readonly shared: number;
    readonly total: number;
  }[];
}

/** The sharing rule, said once for every format. */
export const SHARING_RULE =
  'a tenant pays for its own stack (dedicated fleet and cache, user pool, secret, logs, alarms, metrics, hosted zone) plus a share, by seats, of each shared layer it uses: the platform (every tenant), the shared fleet (the tenants it serves), its ALB shard and its shared cache cluster';

const cents = (usd: number) => Math.round(usd * 100) / 100;
const use = (used: number, limit: number): Use => ({ used, limit, percent: Math.round((used / limit) * 1000) / 10 });

export interface StatusInput {
  readonly plan: EstatePlan;
  readonly prices: PriceTable;
  /** How the table is named in output: the shipped file, or the --prices path. */
  readonly pricesName: string;
  readonly manifests: string;
  readonly lockUpToDate: boolean;
  /** The quotas the platform manifest declares (the rest are AWS defaults). */
  readonly declaredQuotas: ReadonlySet<string>;
}

export type QuotaRow = Omit<StatusModel['quotas'][number], 'more'>;

/**
 * Every quota of plan/quotas.ts with what the estate uses of it: estate-wide quotas
 * by estateQuotaUse (compile's own count); per-shard quotas by the fullest shard.
 */
export function quotaUses(plan: EstatePlan, declared: ReadonlySet<string>): QuotaRow[] {
  const q = plan.platform.quotas;
  const shardUse = albShardUse(plan.placements.values());
  const fullestShard = (of: (u: { rules: number; certificates: number; targetGroups: number }) => number) =>
    plan.albShards.reduce<{ used: number; index: number } | null>((best, s) => {
      const used = of(shardUse.get(s.index) ?? EMPTY_SHARD);
      return !best || used > best.used ? { used, index: s.index } : best;
    }, null);
  const fullestCache = plan.cacheClusters.reduce<{ used: number; index: number } | null>((best, c) => {
    const used = c.users.length + RESERVED_CACHE_USERS;
    return !best || used > best.used ? { used, index: c.index } : best;
  }, null);
  const estateUse = new Map(
    estateQuotaUse(quotaCountsOf(plan.tenants.map((t) => ({ dnsMode: t.dns.mode }))), {
      albShards: plan.albShards.length,
      cacheClusters: plan.cacheClusters.length,
      groups: plan.groups.length,
    }).map((u) => [u.key, u.count]),
  );
  return QUOTAS.map((info) => {
    const base = {
      key: info.key,
      title: info.title,
      limit: q[info.key],
      declared: declared.has(info.key),
      awsDefault: info.awsDefault,
      adjustable: info.adjustable,
      source: info.source,
    };
    const perShard = (scope: 'per ALB shard' | 'per cache cluster', f: { used: number; index: number } | null, name: string) => ({
      ...base,
      scope,
      use: use(f?.used ?? 0, q[info.key]),
      where: f ? `${name} ${f.index}` : null,
    });
    switch (info.key) {
      case 'albRulesPerLoadBalancer':
        return perShard(
          'per ALB shard',
          fullestShard((u) => u.rules),
          'ALB shard',
        );
      case 'albCertificatesPerLoadBalancer':
        return perShard(
          'per ALB shard',
          fullestShard((u) => u.certificates),
          'ALB shard',
        );
      case 'albTargetGroupsPerLoadBalancer':
        return perShard(
          'per ALB shard',
          fullestShard((u) => u.targetGroups),
          'ALB shard',
        );
      case 'cacheUsersPerUserGroup':
        return perShard('per cache cluster', fullestCache, 'cache cluster');
      default: {
        const key = info.key as EstateQuotaKey;
        return { ...base, scope: 'estate' as const, use: use(estateUse.get(key)!, q[key]), where: null };
      }
    }
  });
}

export function estateStatus(input: StatusInput): StatusModel {
  const { plan } = input;
  const q = plan.platform.quotas;
  const statuses = ['active', 'suspended', 'offboarded'] as const;
  const tiers = plan.platform.tiers.map((tier) => {
    const of = plan.tenants.filter((t) => t.tier.name === tier.name);
    const count = (s: string) => of.filter((t) => t.status === s).length;
    return {
      tier: tier.name,
      compute: tier.compute,
      cache: tier.cache,
      active: count('active'),
      suspended: count('suspended'),
      offboarded: count('offboarded'),
      total: of.length,
      dnsNotReady: of.filter((t) => !t.dns.ready).length,
    };
  });
  // What a status means is read from the plan's serving decisions (servingFor), on a
  // tenant of each status whose own DNS is ready, never restated here.
  const meaning = statuses.flatMap((status) => {
    const of = plan.tenants.filter((t) => t.status === status);
    const sample = of.find((t) => t.dns.ready);
    return sample
      ? [{ status, tenants: of.length, routing: sample.serving.routing, signIn: sample.serving.signIn, credentials: sample.serving.credentials }]
      : [];
  });

  const shardUse = albShardUse(plan.placements.values());
  const albShards = plan.albShards.map((s) => {
    const u = shardUse.get(s.index) ?? EMPTY_SHARD;
    return {
      index: s.index,
      tenants: plan.tenants.filter((t) => t.placement.albShard === s.index).length,
      rules: use(u.rules, q.albRulesPerLoadBalancer),
      certificates: use(u.certificates, q.albCertificatesPerLoadBalancer),
      targetGroups: use(u.targetGroups, q.albTargetGroupsPerLoadBalancer),
    };
  });
  const cacheClusters = plan.cacheClusters.map((c) => ({
    index: c.index,
    name: c.name,
    tenants: c.users.length,
    users: use(c.users.length + RESERVED_CACHE_USERS, q.cacheUsersPerUserGroup),
  }));
  const groups = plan.groups.map((g) => ({ index: g.index, stacks: use(g.tenants.length, TENANTS_PER_GROUP) }));

  const headroom = plan.platform.tiers.map((tier) => tierHeadroom(plan, tier));
  const quotas = quotaUses(plan, input.declaredQuotas).map((row) => ({
    ...row,
    more: Object.fromEntries(headroom.map((h) => [h.newTenant.tier, row.scope === 'estate' ? h.limits.find((l) => l.key === row.key)!.more : null])) as Record<
      string,
      number | null
    >,
  }));

  const cost = estimateCost(plan, input.prices);
  const costOf = new Map(cost.tenants.map((t) => [t.id, t]));
  const limitTitle = (key: LimitKey | null) =>
    key === null ? null : key === 'maxInstances' ? 'app.capacity.maxInstances (shared fleet)' : QUOTAS.find((x) => x.key === key)!.title;
  return {
    format: STATUS_FORMAT,
    estate: {
      platform: plan.platform.name,
      region: plan.platform.region,
      tenants: plan.tenants.length,
      manifests: input.manifests,
      lockUpToDate: input.lockUpToDate,
    },
    tiers,
    statuses: meaning,
    albShards,
    cacheClusters,
    groups,
    fleets: {
      shared: {
        instanceType: plan.platform.app.instanceType,
        min: plan.capacity.floor,
        max: plan.capacity.max,
        seats: plan.capacity.totalUsers,
        usersPerInstance: plan.capacity.usersPerInstance,
        needed: plan.capacity.needed,
        maxInstances: plan.platform.app.maxInstances,
        tenants: plan.tenants.filter((t) => t.serving.sharedSeats).length,
      },
      dedicated: plan.tenants.flatMap((t) =>
        t.serving.fleet ? [{ tenant: t.id, tier: t.tier.name, status: t.status, min: t.serving.fleet.min, max: t.serving.fleet.max, seats: t.users }] : [],
      ),
    },
    quotas,
    headroom: headroom.map((h) => ({
      tier: h.newTenant.tier,
      newTenant: {
        seats: h.newTenant.seats,
        dns: 'platform',
        domains: 1,
        rules: h.newTenant.needs.rules,
        certificates: h.newTenant.needs.certificates,
        targetGroups: h.newTenant.needs.targetGroups,
        sharedCache: h.newTenant.needs.sharedCache,
      },
      more: h.more,
      binding: h.binding,
      bindingTitle: limitTitle(h.binding),
    })),
    cost: {
      estimate: true,
      currency: 'USD',
      total: cents(cost.total),
      unallocated: cents(cost.unallocated),
      byTier: cost.byTier.map((t) => ({ ...t, usd: cents(t.usd) })),
      layers: cost.layers.map((l) => ({ ...l, usd: cents(l.usd) })),
      byPrice: cost.byPrice.map((p) => ({ ...p, quantity: Math.round(p.quantity * 1000) / 1000, usd: cents(p.usd) })),
      leftOut: cost.leftOut,
      assumptions: cost.assumptions,
      prices: { table: input.pricesName, oldest: cost.priceDates?.oldest ?? null, newest: cost.priceDates?.newest ?? null },
      rule: SHARING_RULE,
    },
    tenants: plan.tenants.map((t) => {
      const c = costOf.get(t.id)!;
      return {
        id: t.id,
        // A pull request's words: one line here, escaped again by each format (renderHtml.ts: text nodes).
        name: reportText(t.name),
        tier: t.tier.name,
        status: t.status,
        users: t.users,
        dns: t.dns.mode === 'platform' ? 'platform' : `${t.dns.mode}${t.dns.ready ? '' : ' (not ready)'}`,
        albShard: t.placement.albShard,
        cacheCluster: t.placement.cacheCluster,
        group: t.placement.group,
        owned: cents(c.owned),
        shared: cents(c.shared),
        total: cents(c.total),
      };
    }),
  };
}
