// The monthly cost estimate of an estate, and of each tenant in it.
//
// What is priced is what compile emits: the root, every ALB and cache shard, and the
// stack (and domain stage) of each tenant, emitted by the compiler's own emitters and
// read resource by resource (pricers.ts). Tenant stacks that differ only in names and
// seats have the same resources, so one stack is emitted per shape of tenant (its tier,
// status, DNS, federation, number of domains...: everything but its names and seats),
// which keeps 5,000 tenants within the time of a `validate`; test/status.test.ts
// checks that this inventory is exactly what a full compile emits.
//
// The sharing rule (docs/status.md, "Sharing rule"): a tenant pays for what its own stack holds
// (its dedicated fleet and cache, user pool, secret, log group, alarms, metrics, hosted
// zone), plus a share of each shared layer it uses, in proportion to its seats:
//   - the shared fleet: the tenants whose seats it serves (active, on shared compute);
//   - an ALB shard: the tenants placed on it;
//   - a shared cache cluster: the tenants placed in it;
//   - the platform (network, database, keys, WAF, platform zone and alarms): every tenant.
// Seats are what the capacity model sizes the estate by, so a tenant's share follows
// the load it is planned for. A layer with no tenant (an empty estate) is unallocated.
import { compareStrings } from '../diagnostics.ts';
import { domainStageFile, emitDomainStageTemplate } from '../emit/cfn/domainStage.ts';
import { albShardFile, emitAlbShardTemplate } from '../emit/cfn/albShard.ts';
import { cacheShardFile, emitCacheShardTemplate } from '../emit/cfn/cache.ts';
import { emitRootTemplate, ROOT_TEMPLATE_FILE } from '../emit/cfn/root.ts';
import { emitTenantTemplate, tenantFile } from '../emit/cfn/tenant/tenantStack.ts';
import type { EstatePlan, TenantPlan } from '../plan/model.ts';
import { type EmittedResource, type Pricer, PRICERS, type PricerContext, TENANT_DEPENDENT } from './pricers.ts';
import type { AssumptionKey, Price, PriceTable } from './prices.ts';

/** Who pays for a line: one tenant, or the tenants sharing a layer. */
export type Layer =
  | { readonly kind: 'tenant'; readonly id: string }
  | { readonly kind: 'platform' }
  | { readonly kind: 'shared-fleet' }
  | { readonly kind: 'alb-shard'; readonly index: number }
  | { readonly kind: 'cache-shard'; readonly index: number };

export function layerName(l: Layer): string {
  switch (l.kind) {
    case 'tenant':
      return `tenant ${l.id}`;
    case 'platform':
      return 'platform';
    case 'shared-fleet':
      return 'shared fleet';
    case 'alb-shard':
      return `ALB shard ${l.index}`;
    case 'cache-shard':
      return `cache shard ${l.index}`;
  }
}

export interface CostLine {
  readonly layer: Layer;
  /** Output path of the template the resource is in. */
  readonly template: string;
  readonly logicalId: string;
  readonly type: string;
  readonly price: string;
  /** Units of the price a month. */
  readonly quantity: number;
  readonly usd: number;
}

export interface TenantCost {
  readonly id: string;
  readonly tier: string;
  readonly status: string;
  readonly users: number;
  /** What its own stack holds. */
  readonly owned: number;
  /** Its share of the shared layers. */
  readonly shared: number;
  readonly total: number;
}

export interface LeftOut {
  readonly what: string;
  /** Resources of the estate it concerns (0 for what no single resource stands for). */
  readonly count: number;
  readonly why: string;
}

export interface CostEstimate {
  /** US dollars a month. */
  readonly total: number;
  /** Cost of layers no tenant shares (an estate without tenants). */
  readonly unallocated: number;
  /** Sorted by tier name. */
  readonly byTier: readonly { readonly tier: string; readonly tenants: number; readonly usd: number }[];
  /** Sorted by id. */
  readonly tenants: readonly TenantCost[];
  /** Shared layers (platform, shared fleet, shards): their cost and how many tenants share it. */
  readonly layers: readonly { readonly layer: string; readonly usd: number; readonly tenants: number }[];
  /** By price: what the estate buys of each. */
  readonly byPrice: readonly { readonly price: string; readonly description: string; readonly unit: string; readonly quantity: number; readonly usd: number }[];
  readonly leftOut: readonly LeftOut[];
  /** The assumptions the estimate used, with their values. */
  readonly assumptions: readonly { readonly key: string; readonly value: number; readonly unit: string; readonly description: string }[];
  /** The oldest and newest dates of the prices used. */
  readonly priceDates: { readonly oldest: string; readonly newest: string } | null;
}

/** What every estimate leaves out, whatever the estate (the price table names the rest type by type). */
export const ALWAYS_LEFT_OUT: readonly LeftOut[] = [
  { what: 'data transfer', count: 0, why: 'between Availability Zones and out to the internet: traffic' },
  {
    what: 'requests',
    count: 0,
    why: 'ALB LCUs, WAF and CloudFront requests, S3, DynamoDB, Lambda, SQS, SNS, KMS and Secrets Manager calls: traffic',
  },
  { what: 'database and cache storage', count: 0, why: 'Aurora storage, I/O and backups; cache snapshots: they depend on data' },
  {
    what: 'discounts and taxes',
    count: 0,
    why: "Savings Plans, reserved instances and nodes, credits, free tiers other than the table's, taxes and AWS Support",
  },
];

interface Template {
  readonly path: string;
  readonly resources: Readonly<Record<string, EmittedResource>>;
  /** The layer of each resource (the root holds the shared fleet and the platform). */
  readonly layerOf: (logicalId: string, r: EmittedResource) => Layer;
}

/**
 * How tenantShape treats each field of a TenantPlan: `value` fields are part of the
 * shape as they are, `count` fields by their length, `ignored` fields are names and
 * seats (they change no resource's presence or count; seats are priced per tenant).
 * test/status.test.ts fails when TenantPlan has a field this table does not classify.
 */
export const SHAPE_FIELDS = {
  value: ['tier', 'status', 'dns', 'auth', 'serving', 'needsListenerCertificate', 'logRetentionDays', 'placement', 'lifecycle'],
  count: ['domains', 'apexDomains', 'appHosts', 'certificateNames', 'listenerRuleHosts', 'contacts', 'tags'],
  ignored: ['id', 'logicalName', 'name', 'users', 'assetsDomain', 'names', 'source'],
} as const;

/** A tenant's stack without its names and seats: tenants of one shape have the same resources. */
export function tenantShape(t: TenantPlan): string {
  const f = t.auth.federation;
  return JSON.stringify([
    t.tier.name,
    t.status,
    t.dns.mode,
    t.dns.ready,
    t.dns.platformDomain !== null,
    t.dns.servedOnPlatform,
    t.auth.mfa,
    f ? f.protocol : null,
    t.auth.identityPool,
    t.serving,
    t.needsListenerCertificate,
    t.logRetentionDays,
    t.placement.cacheCluster === null,
    t.lifecycle.incarnation > 1,
    t.domains.length,
    t.apexDomains.length,
    t.appHosts.length,
    t.certificateNames.length,
    t.listenerRuleHosts.map((h) => h.length),
    t.contacts.length,
    t.tags.length,
  ]);
}

/** The templates compile emits for the estate, minus the groups (nested stacks only, which cost nothing). */
function templatesOf(plan: EstatePlan): { shared: Template[]; shapes: Map<string, Template[]>; shapeOf: Map<string, string> } {
  const root = emitRootTemplate(plan, {
    albShards: plan.albShards.map((shard) => ({ shard, key: '' })),
    cacheShards: plan.cacheClusters.map((cluster) => ({ cluster, key: '' })),
    groups: [],
  });
  const shared: Template[] = [
    {
      path: ROOT_TEMPLATE_FILE,
      resources: root.Resources,
      // The root's one Auto Scaling group is the shared fleet; everything else serves every tenant.
      layerOf: (_id, r) => (r.Type === 'AWS::AutoScaling::AutoScalingGroup' ? { kind: 'shared-fleet' } : { kind: 'platform' }),
    },
    ...plan.albShards.map((s) => ({
      path: albShardFile(s.index),
      resources: emitAlbShardTemplate(plan, s).Resources,
      layerOf: (): Layer => ({ kind: 'alb-shard', index: s.index }),
    })),
    ...plan.cacheClusters.map((c) => ({
      path: cacheShardFile(c.index),
      resources: emitCacheShardTemplate(plan, c).Resources,
      layerOf: (): Layer => ({ kind: 'cache-shard', index: c.index }),
    })),
  ];
  const shapes = new Map<string, Template[]>();
  const shapeOf = new Map<string, string>();
  for (const t of plan.tenants) {
    const shape = tenantShape(t);
    shapeOf.set(t.id, shape);
    if (shapes.has(shape)) continue;
    const own = (): Layer => ({ kind: 'tenant', id: t.id });
    shapes.set(shape, [
      { path: tenantFile(t.id), resources: emitTenantTemplate(plan, t).template.Resources, layerOf: own },
      ...(t.dns.mode !== 'platform' ? [{ path: domainStageFile(t.id), resources: emitDomainStageTemplate(plan, t).Resources, layerOf: own }] : []),
    ]);
  }
  return { shared, shapes, shapeOf };
}

/** A tiered price's cost for a month's total quantity. */
function tieredCost(price: Price, quantity: number): number {
  let cost = 0;
  let below = 0;
  for (const tier of price.tiers ?? []) {
    const upTo = tier.upTo ?? Infinity;
    const inTier = Math.max(0, Math.min(quantity, upTo) - below);
    cost += inTier * tier.usd;
    below = upTo;
    if (quantity <= upTo) break;
  }
  return cost;
}

export interface EstimateOptions {
  /** Keep every priced resource's line (tests compare them with a full compile); off, only sums are kept. */
  readonly lines?: boolean;
}

export function estimateCost(plan: EstatePlan, table: PriceTable, options: EstimateOptions = {}): CostEstimate & { readonly lines: readonly CostLine[] } {
  const assume = (key: AssumptionKey) => table.assumptions[key]!.value;
  const { shared, shapes, shapeOf } = templatesOf(plan);
  const leftOut = new Map<string, LeftOut>();
  const leave = (what: string, why: string, times = 1) => {
    const key = `${what}\u0000${why}`;
    const prior = leftOut.get(key);
    leftOut.set(key, { what, why, count: (prior?.count ?? 0) + times });
  };
  // Quantities by price, kept as sums: per tenant (its own stack) and per shared layer.
  const priceKeys: string[] = [];
  const priceIndex = new Map<string, number>();
  const indexOf = (key: string) => {
    let i = priceIndex.get(key);
    if (i === undefined) priceIndex.set(key, (i = priceKeys.push(key) - 1));
    return i;
  };
  const tenantQty = plan.tenants.map(() => [] as number[]);
  const layerQty = new Map<string, { layer: Exclude<Layer, { kind: 'tenant' }>; qty: number[] }>();
  const detail: Omit<CostLine, 'usd'>[] = [];

  /** What of a template's resources is priced (with its pricer); the rest is left out `times` times (once per tenant of a shape). */
  const sort = (t: Template, times: number) => {
    const priced: { logicalId: string; r: EmittedResource; pricer: Pricer }[] = [];
    for (const [logicalId, r] of Object.entries(t.resources)) {
      const entry = table.resourceTypes[r.Type];
      const pricer = PRICERS[r.Type];
      if (!entry) leave(r.Type, 'no entry in the price table', times);
      else if (entry.charge === 'not-estimated') leave(r.Type, entry.reason, times);
      else if (entry.charge === 'priced' && !pricer) leave(r.Type, 'this tenantc has no way to count it', times);
      else if (entry.charge === 'priced' && pricer) priced.push({ logicalId, r, pricer });
    }
    return priced;
  };
  const price = (t: Template, priced: ReturnType<typeof sort>, tenant: { plan: TenantPlan; index: number } | null, path: string, times = 1) => {
    const ctx: PricerContext = { resources: t.resources, tenant: tenant?.plan ?? null, plan, hoursPerMonth: table.hoursPerMonth, assume };
    for (const { logicalId, r, pricer } of priced) {
      for (const item of pricer(r, ctx)) {
        if ('leftOut' in item) {
          leave(r.Type, item.leftOut, times);
          continue;
        }
        const p = table.prices[item.price];
        if (!p) {
          leave(r.Type, `no price "${item.price}" in the price table`, times);
          continue;
        }
        if (p.usd === null) {
          leave(r.Type, `no known price for ${p.description} ("${item.price}")`, times);
          continue;
        }
        const i = indexOf(item.price);
        let qty: number[];
        let layer: Layer;
        if (tenant) {
          qty = tenantQty[tenant.index]!;
          layer = { kind: 'tenant', id: tenant.plan.id };
        } else {
          const l = t.layerOf(logicalId, r) as Exclude<Layer, { kind: 'tenant' }>;
          const name = layerName(l);
          let entry = layerQty.get(name);
          if (!entry) layerQty.set(name, (entry = { layer: l, qty: [] }));
          qty = entry.qty;
          layer = l;
        }
        qty[i] = (qty[i] ?? 0) + item.quantity;
        if (options.lines) detail.push({ layer, template: path, logicalId, type: r.Type, price: item.price, quantity: item.quantity });
      }
    }
  };
  for (const t of shared) price(t, sort(t, 1), null, t.path);
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  const byShape = new Map<string, { plan: TenantPlan; index: number }[]>();
  plan.tenants.forEach((tenant, index) => push(byShape, shapeOf.get(tenant.id)!, { plan: tenant, index }));
  for (const [shape, tenants] of byShape) {
    for (const t of shapes.get(shape)!) {
      const priced = sort(t, tenants.length);
      const dir = t.path.slice(0, t.path.lastIndexOf('/') + 1);
      // What does not read the tenant costs every tenant of the shape the same: priced
      // once, added to each (unless every line is wanted).
      const perTenant = options.lines ? priced : priced.filter((x) => TENANT_DEPENDENT.has(x.r.Type));
      const same = options.lines ? [] : priced.filter((x) => !TENANT_DEPENDENT.has(x.r.Type));
      if (same.length) {
        const first = tenants[0]!;
        const before = tenantQty[first.index]!.slice();
        price(t, same, first, '', tenants.length);
        const added = tenantQty[first.index]!.map((q, i) => (q ?? 0) - (before[i] ?? 0));
        for (const tenant of tenants.slice(1)) {
          const qty = tenantQty[tenant.index]!;
          added.forEach((q, i) => {
            if (q) qty[i] = (qty[i] ?? 0) + q;
          });
        }
      }
      for (const tenant of tenants) price(t, perTenant, tenant, `${dir}${tenant.plan.id}.template.json`);
    }
  }

  // Each price's unit cost: flat, or for a tiered price the estate's month across its
  // tiers, spread evenly over the units (a tenant's zone costs the estate's average).
  const totals = priceKeys.map(() => 0);
  const add = (qty: readonly number[]) => qty.forEach((q, i) => (totals[i]! += q ?? 0));
  for (const q of tenantQty) add(q);
  for (const { qty } of layerQty.values()) add(qty);
  const unitCost = priceKeys.map((key, i) => {
    const p = table.prices[key]!;
    return p.tiers ? (totals[i]! > 0 ? tieredCost(p, totals[i]!) / totals[i]! : 0) : p.usd!;
  });
  const usdOf = (qty: readonly number[]) => qty.reduce((n, q, i) => n + (q ?? 0) * unitCost[i]!, 0);

  // Allocation: owned to their tenant, shared layers by seats among their tenants.
  const byAlbShard = new Map<number, TenantPlan[]>();
  const byCache = new Map<number, TenantPlan[]>();
  for (const t of plan.tenants) {
    push(byAlbShard, t.placement.albShard, t);
    if (t.placement.cacheCluster !== null) push(byCache, t.placement.cacheCluster, t);
  }
  const sharedFleet = plan.tenants.filter((t) => t.serving.sharedSeats);
  const members = (l: Exclude<Layer, { kind: 'tenant' }>): readonly TenantPlan[] => {
    switch (l.kind) {
      case 'platform':
        return plan.tenants;
      case 'shared-fleet':
        return sharedFleet;
      case 'alb-shard':
        return byAlbShard.get(l.index) ?? [];
      case 'cache-shard':
        return byCache.get(l.index) ?? [];
    }
  };
  const sharedCost = new Map<string, number>();
  let unallocated = 0;
  const layers: { layer: string; usd: number; tenants: number }[] = [];
  for (const [name, { layer, qty }] of layerQty) {
    const usd = usdOf(qty);
    const who = members(layer);
    const seats = who.reduce((n, t) => n + t.users, 0);
    layers.push({ layer: name, usd, tenants: who.length });
    if (seats === 0) {
      unallocated += usd;
      continue;
    }
    for (const t of who) sharedCost.set(t.id, (sharedCost.get(t.id) ?? 0) + (usd * t.users) / seats);
  }
  const layerOrder = (name: string) => (name === 'platform' ? 0 : name === 'shared fleet' ? 1 : 2);
  layers.sort((a, b) => layerOrder(a.layer) - layerOrder(b.layer) || a.layer.localeCompare(b.layer, 'en', { numeric: true }));

  const tenants: TenantCost[] = plan.tenants.map((t, i) => {
    const o = usdOf(tenantQty[i]!);
    const s = sharedCost.get(t.id) ?? 0;
    return { id: t.id, tier: t.tier.name, status: t.status, users: t.users, owned: o, shared: s, total: o + s };
  });
  const byTier = plan.platform.tiers.map((tier) => {
    const of = tenants.filter((t) => t.tier === tier.name);
    return { tier: tier.name, tenants: of.length, usd: of.reduce((n, t) => n + t.total, 0) };
  });
  const byPrice = priceKeys
    .map((key, i) => ({
      price: key,
      description: table.prices[key]!.description,
      unit: table.prices[key]!.unit,
      quantity: totals[i]!,
      usd: totals[i]! * unitCost[i]!,
    }))
    .sort((a, b) => b.usd - a.usd || compareStrings(a.price, b.price));
  const dates = priceKeys.map((k) => table.prices[k]!.date).sort();
  const usedAssumptions = new Set<string>(['cognito.mauPerSeat', 'logs.ingestGbPerSeatMonth', 'logs.storedFractionOfIngest']);
  if (priceIndex.has('vpc.natGateway.data')) usedAssumptions.add('nat.gbPerGatewayMonth');
  if (priceIndex.has('vpc.interfaceEndpoint.data')) usedAssumptions.add('interfaceEndpoint.gbPerEndpointMonth');
  return {
    total: byPrice.reduce((n, p) => n + p.usd, 0),
    unallocated,
    byTier,
    tenants,
    layers,
    byPrice,
    leftOut: [...[...leftOut.values()].sort((a, b) => compareStrings(a.what, b.what) || compareStrings(a.why, b.why)), ...ALWAYS_LEFT_OUT],
    assumptions: [...usedAssumptions].sort().map((key) => ({ key, ...table.assumptions[key]! })),
    priceDates: dates.length ? { oldest: dates[0]!, newest: dates.at(-1)! } : null,
    lines: detail.map((l) => ({ ...l, usd: l.quantity * unitCost[priceIndex.get(l.price)!]! })),
  };
}
