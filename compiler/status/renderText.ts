// `tenantc status` in a terminal: the model as aligned tables. Long lists (thousands of
// tenants, a hundred shards) are summarised; `--format json` and the page list them all.
import type { StatusModel, Use } from './status.ts';

/** Whole numbers with thousands separators, the same in every locale. */
export const int = (n: number) => {
  const s = Math.round(Math.abs(n))
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 && Math.round(Math.abs(n)) !== 0 ? `-${s}` : s;
};
/** US dollars, whole: `$18,420`. */
export const usd = (n: number) => `${n < 0 && Math.round(-n) !== 0 ? '-' : ''}$${int(Math.abs(n))}`;
const pct = (u: Use) => `${u.percent.toFixed(u.percent < 10 && u.percent !== 0 ? 1 : 0)}%`;
const ofUse = (u: Use) => `${int(u.used)}/${int(u.limit)} ${pct(u)}`;
const more = (n: number | null | undefined) => (n === null || n === undefined ? 'never' : int(n));

/** Rows of cells as columns: the first left-aligned, the rest right-aligned unless `left` says so. */
function table(rows: readonly (readonly string[])[], left: ReadonlySet<number> = new Set([0]), indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => `${indent}${r.map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd());
}

/** Lists shown whole up to this many rows; beyond, the fullest and a count. */
const LIST_MAX = 20;

const ROUTING: Record<string, string> = {
  forward: 'its listener rules forward to its app',
  'suspended-page': 'its rules answer the suspended page (403)',
  none: 'no listener rules (its hosts get the 404 default)',
};

export function renderStatusText(m: StatusModel): string {
  const out: string[] = [];
  const e = m.estate;
  out.push(
    `${e.platform} (${e.region}): ${int(e.tenants)} tenant${e.tenants === 1 ? '' : 's'} in ${e.manifests}/${e.lockUpToDate ? '' : '; placement as compile would make it: the placement lock is not up to date (run tenantc compile)'}`,
  );

  out.push('', 'Tenants');
  const totals = m.tiers.reduce(
    (a, t) => ({
      active: a.active + t.active,
      suspended: a.suspended + t.suspended,
      offboarded: a.offboarded + t.offboarded,
      total: a.total + t.total,
      dns: a.dns + t.dnsNotReady,
    }),
    {
      active: 0,
      suspended: 0,
      offboarded: 0,
      total: 0,
      dns: 0,
    },
  );
  out.push(
    ...table(
      [
        ['tier', 'compute', 'cache', 'active', 'suspended', 'offboarded', 'total', 'own DNS not ready'],
        ...m.tiers.map((t) => [t.tier, t.compute, t.cache, int(t.active), int(t.suspended), int(t.offboarded), int(t.total), int(t.dnsNotReady)]),
        ['all', '', '', int(totals.active), int(totals.suspended), int(totals.offboarded), int(totals.total), int(totals.dns)],
      ],
      new Set([0, 1, 2]),
    ),
  );
  for (const s of m.statuses)
    out.push(`  ${s.status}: ${ROUTING[s.routing] ?? s.routing}; sign-in ${s.signIn ? 'on' : 'off'}; credentials ${s.credentials ? 'on' : 'off'}`);

  out.push('', `ALB shards: ${m.albShards.length}`);
  const shards = [...m.albShards].sort((a, b) => b.rules.percent - a.rules.percent || a.index - b.index);
  const shownShards = m.albShards.length <= LIST_MAX ? m.albShards : shards.slice(0, 10);
  out.push(
    ...table([
      ['shard', 'tenants', 'rules', 'certificates', 'target groups'],
      ...shownShards.map((s) => [`${s.index}`, int(s.tenants), ofUse(s.rules), ofUse(s.certificates), ofUse(s.targetGroups)]),
    ]),
  );
  if (shownShards.length < m.albShards.length) out.push(`  … the ${shownShards.length} fullest by rules; ${m.albShards.length - shownShards.length} more`);

  out.push('', `Shared cache clusters: ${m.cacheClusters.length}`);
  const caches = [...m.cacheClusters].sort((a, b) => b.users.percent - a.users.percent || a.index - b.index);
  const shownCaches = m.cacheClusters.length <= LIST_MAX ? m.cacheClusters : caches.slice(0, 10);
  out.push(...table([['cluster', 'tenants', 'users (with default)'], ...shownCaches.map((c) => [`${c.index} ${c.name}`, int(c.tenants), ofUse(c.users)])]));
  if (shownCaches.length < m.cacheClusters.length) out.push(`  … the ${shownCaches.length} fullest; ${m.cacheClusters.length - shownCaches.length} more`);

  out.push('', `Groups: ${m.groups.length}`);
  if (m.groups.length <= LIST_MAX) out.push(...table([['group', 'tenant stacks'], ...m.groups.map((g) => [`${g.index}`, ofUse(g.stacks)])]));
  else {
    const full = m.groups.filter((g) => g.stacks.used >= g.stacks.limit).length;
    const partial = m.groups.filter((g) => g.stacks.used < g.stacks.limit);
    out.push(
      `  ${full} full (${m.groups[0]!.stacks.limit} tenant stacks each); ${partial.map((g) => `group ${g.index}: ${ofUse(g.stacks)}`).join(', ') || 'none partly filled'}`,
    );
  }

  const f = m.fleets.shared;
  out.push('', 'Fleets');
  const dedicated = m.fleets.dedicated;
  const shownDedicated = dedicated.length <= LIST_MAX ? dedicated : [];
  out.push(
    ...table(
      [
        ['fleet', 'min', 'max', 'seats', 'sized for'],
        [
          `shared ${f.instanceType} (${int(f.tenants)} tenants)`,
          int(f.min),
          int(f.max),
          int(f.seats),
          `${int(f.needed)} instances at ${int(f.usersPerInstance)} seats each (maxInstances ${int(f.maxInstances)})`,
        ],
        ...shownDedicated.map((d) => [`${d.tenant} (${d.tier}, ${d.status})`, int(d.min), int(d.max), int(d.seats), "its tier's dedicatedInstances"]),
      ],
      new Set([0, 4]),
    ),
  );
  if (dedicated.length > shownDedicated.length) {
    const min = dedicated.reduce((n, d) => n + d.min, 0);
    const max = dedicated.reduce((n, d) => n + d.max, 0);
    out.push(
      `  ${int(dedicated.length)} dedicated fleets: ${int(min)} instances at their minimum, ${int(max)} at most, for ${int(dedicated.reduce((n, d) => n + d.seats, 0))} seats`,
    );
  }

  out.push('', 'AWS quotas');
  const tiers = m.headroom.map((h) => h.tier);
  out.push(
    ...table(
      [
        ['quota', 'scope', 'limit', 'used', ...tiers.map((t) => `more ${t}`)],
        ...m.quotas.map((q) => [
          q.title,
          q.scope === 'estate' ? 'estate' : q.scope,
          `${int(q.limit)}${q.declared ? ' declared' : q.adjustable ? '' : ' (hard)'}`,
          `${ofUse(q.use)}${q.where ? ` (${q.where})` : ''}`,
          ...tiers.map((t) => (q.scope === 'estate' ? more(q.more[t]) : '—')),
        ]),
      ],
      new Set([0, 1]),
    ),
  );
  out.push('  per shard: a full ALB shard or cache cluster opens another; the estate binds on the quotas above');
  for (const h of m.headroom) {
    const n = h.newTenant;
    out.push(
      `  ${h.tier}: ${h.more === null ? 'no limit binds' : `${int(h.more)} more tenants fit; the first to bind is ${h.bindingTitle}`} (a new ${h.tier} tenant: platform DNS, one domain, ${int(n.seats)} seats)`,
    );
  }

  const c = m.cost;
  out.push(
    '',
    `Estimated monthly cost: ${usd(c.total)} (an estimate: ${c.currency}, on-demand, ${m.estate.region}; prices of ${c.prices.oldest ?? '—'} to ${c.prices.newest ?? '—'} from ${c.prices.table})`,
  );
  out.push(
    ...table([
      ['tier', 'tenants', 'a month', 'per tenant'],
      ...c.byTier.map((t) => [t.tier, int(t.tenants), usd(t.usd), t.tenants ? usd(t.usd / t.tenants) : '—']),
    ]),
  );
  if (c.unallocated) out.push(`  unallocated (no tenant shares it): ${usd(c.unallocated)}`);
  out.push(
    `  shared layers: ${c.layers.length <= 8 ? c.layers.map((l) => `${l.layer} ${usd(l.usd)} (${int(l.tenants)} tenants)`).join(', ') : `${c.layers.length} layers, ${usd(c.layers.reduce((n, l) => n + l.usd, 0))}`}`,
  );
  out.push(
    `  largest items: ${c.byPrice
      .slice(0, 5)
      .map((p) => `${p.description} ${usd(p.usd)}`)
      .join('; ')}`,
  );
  out.push(`  sharing: ${c.rule}`);
  out.push(`  assumes: ${c.assumptions.map((a) => `${a.key} = ${a.value} ${a.unit}`).join('; ')}`);
  out.push('  leaves out:');
  for (const l of c.leftOut) out.push(`    ${l.what}${l.count ? ` (${int(l.count)})` : ''}: ${l.why}`);

  const byCost = [...m.tenants].sort((a, b) => b.total - a.total || (a.id < b.id ? -1 : 1));
  const shownTenants = m.tenants.length <= LIST_MAX * 2 ? byCost : byCost.slice(0, 10);
  out.push(
    '',
    m.tenants.length === shownTenants.length
      ? 'Tenants, by estimated monthly cost'
      : `The ${shownTenants.length} most expensive tenants of ${int(m.tenants.length)} (--format json or html lists them all)`,
  );
  out.push(
    ...table(
      [
        ['tenant', 'tier', 'status', 'seats', 'own', 'shared', 'total'],
        ...shownTenants.map((t) => [t.id, t.tier, t.status, int(t.users), usd(t.owned), usd(t.shared), usd(t.total)]),
      ],
      new Set([0, 1, 2]),
    ),
  );
  return `${out.join('\n')}\n`;
}
