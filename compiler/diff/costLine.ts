// The cost and capacity lines of a pull-request comment: from the two plans, what the
// change does to the estimated monthly cost (of the estate and of each changed tenant)
// and to capacity (a new ALB shard, cache cluster or group; a quota at 80% or more that
// the change uses more of). The estimate is tenantc status's own (status/cost.ts), so
// the comment and the status page agree.
import { QUOTAS } from '../plan/quotas.ts';
import type { EstatePlan } from '../plan/model.ts';
import { estimateCost } from '../status/cost.ts';
import { type PriceTable, SHIPPED_PRICES } from '../status/prices.ts';
import { int, usd } from '../status/renderText.ts';
import { quotaUses } from '../status/status.ts';
import type { CompiledSide } from './diffEstate.ts';
import type { DiffEstimate, EstateDiff } from './model.ts';

/** A quota this full after the change, and fuller than before, is named in the comment. */
export const NEAR_QUOTA_PERCENT = 80;
/** Tenants named in the cost line; the rest are counted. */
const TENANTS_NAMED = 10;

const cents = (n: number) => Math.round(n * 100) / 100;

export function diffEstimate(
  before: EstatePlan | null,
  after: EstatePlan | null,
  changed: readonly string[],
  table: PriceTable = SHIPPED_PRICES,
): DiffEstimate {
  const costA = before ? estimateCost(before, table) : null;
  const costB = after ? estimateCost(after, table) : null;
  const a = new Map(costA?.tenants.map((t) => [t.id, t.total]) ?? []);
  const b = new Map(costB?.tenants.map((t) => [t.id, t.total]) ?? []);
  const tenants = changed.map((id) => ({ id, before: a.has(id) ? cents(a.get(id)!) : null, after: b.has(id) ? cents(b.get(id)!) : null }));

  const capacity: string[] = [];
  if (after) {
    const had = (list: readonly { index: number }[] | undefined, i: number) => (list ?? []).some((x) => x.index === i);
    const opened = (what: string, list: readonly { index: number }[], old: readonly { index: number }[] | undefined) => {
      const fresh = list.filter((x) => !had(old, x.index)).map((x) => x.index);
      if (fresh.length) capacity.push(`opens ${what} ${fresh.join(', ')}`);
    };
    if (before) {
      opened('ALB shard', after.albShards, before.albShards);
      opened('shared cache cluster', after.cacheClusters, before.cacheClusters);
      opened('group', after.groups, before.groups);
    }
    const old = new Map(before ? quotaUses(before, new Set()).map((q) => [q.key, q.use]) : []);
    for (const q of quotaUses(after, new Set())) {
      const was = old.get(q.key);
      if (q.use.percent >= NEAR_QUOTA_PERCENT && (!was || q.use.used > was.used))
        capacity.push(
          `${QUOTAS.find((x) => x.key === q.key)!.title}${q.where ? ` (${q.where})` : ''}: ${int(q.use.used)} of ${int(q.use.limit)} (${Math.floor(q.use.percent)}%)`,
        );
    }
    const needed = after.capacity.needed;
    const max = after.platform.app.maxInstances;
    if ((needed / max) * 100 >= NEAR_QUOTA_PERCENT && (!before || needed > before.capacity.needed))
      capacity.push(`shared fleet: its seats need ${int(needed)} of app.capacity.maxInstances ${int(max)} (${Math.floor((needed / max) * 100)}%)`);
  }
  return { estate: { before: cents(costA?.total ?? 0), after: cents(costB?.total ?? 0) }, tenants, capacity };
}

/** The diff with its estimate, from the two compiled sides. */
export function withEstimate(diff: EstateDiff, base: CompiledSide, head: CompiledSide, table: PriceTable = SHIPPED_PRICES): EstateDiff {
  return {
    ...diff,
    estimate: diffEstimate(
      base.plan ?? null,
      head.plan ?? null,
      diff.tenants.map((t) => t.id),
      table,
    ),
  };
}

const signed = (n: number) => `${n >= 0 ? '+' : '-'}${usd(Math.abs(n))}`;

/** The comment's lines: the cost line, and the capacity line when there is something to say. */
export function estimateLines(e: DiffEstimate | undefined): string[] {
  if (!e) return [];
  const change = (t: DiffEstimate['tenants'][number]) => (t.after ?? 0) - (t.before ?? 0);
  const moved = e.tenants.filter((t) => Math.round(change(t)) !== 0 || t.before === null || t.after === null);
  const named = [...moved].sort((x, y) => Math.abs(change(y)) - Math.abs(change(x)) || (x.id < y.id ? -1 : 1)).slice(0, TENANTS_NAMED);
  const parts = named
    .sort((x, y) => (x.id < y.id ? -1 : 1))
    .map((t) => `${t.id}: ${signed(change(t))}/month${t.before === null ? ' (added)' : t.after === null ? ' (removed)' : ''}`);
  if (moved.length > named.length) parts.push(`${moved.length - named.length} more tenants`);
  const delta = e.estate.after - e.estate.before;
  // The estate's change is what the bill moves by; a tenant's is its own cost under the
  // sharing rule, share of the shared layers included, so they differ by how the other
  // tenants' shares move.
  const estate = `estate ${usd(e.estate.before)} → ${usd(e.estate.after)} (${signed(delta)}/month)`;
  const lines = [`Estimated monthly cost: ${[parts.join(', '), estate].filter(Boolean).join('; ')}`];
  if (e.capacity.length) lines.push(`Capacity: ${e.capacity.join('; ')}`);
  return lines;
}
