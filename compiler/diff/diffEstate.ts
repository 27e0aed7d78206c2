// Two compiled estates → the change between them, grouped by tenant. Pure: both sides
// are compile results in memory; nothing is read or written here.
import { structuredPatch } from 'diff';
import { compareStrings } from '../diagnostics.ts';
import type { OutputFile } from '../emit/output.ts';
import type { EstatePlan, SuppressionPlan, TenantPlan } from '../plan/model.ts';
import type { EstateDiff, LineChange, StackChange, SuppressionChange, TenantChange, TenantFacts } from './model.ts';
import type { StackDiffer } from './stackDiffer.ts';

export interface CompiledSide {
  /** How the side is named in output: a git ref, or "work tree". */
  readonly label: string;
  readonly tenants: readonly TenantPlan[];
  readonly suppressions: readonly SuppressionPlan[];
  readonly files: readonly OutputFile[];
  /** The placement lock this compile writes; null for a side with no estate at all. */
  readonly lock: string | null;
}

/** A side with no estate: a ref from before tenants/ existed. */
export const emptySide = (label: string): CompiledSide => ({ label, tenants: [], suppressions: [], files: [], lock: null });

export function compiledSide(label: string, plan: EstatePlan, files: readonly OutputFile[], lock: string): CompiledSide {
  return { label, tenants: plan.tenants, suppressions: plan.platform.suppressions, files, lock };
}

const TENANT_TEMPLATE = /^tenants\/([a-z0-9-]+)\.template\.json$/;
const TENANT_FILE = /^dns\/([a-z0-9-]+)\.txt$/;

function facts(t: TenantPlan): TenantFacts {
  const p = t.placement;
  return {
    tier: t.tier.name,
    status: t.status,
    domains: t.domains,
    signInDomain: t.auth.domain,
    placement: { albShard: p.albShard, ruleSlot: p.ruleSlot, cacheCluster: p.cacheCluster, group: p.group },
  };
}

/** Unified-diff lines of a text change (3 lines of context), or null when equal. */
export function lineChange(file: string, before: string | null, after: string | null): LineChange | null {
  if (before === after) return null;
  const patch = structuredPatch(file, file, before ?? '', after ?? '', '', '', { context: 3 });
  const lines = patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
  return { file, lines };
}

export async function diffEstate(base: CompiledSide, head: CompiledSide, differ: StackDiffer): Promise<EstateDiff> {
  const a = new Map(base.files.map((f) => [f.path, f.content]));
  const b = new Map(head.files.map((f) => [f.path, f.content]));
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort(compareStrings).filter((p) => a.get(p) !== b.get(p));
  const templates = paths.filter((p) => p.endsWith('.template.json'));
  const changes = await differ.diff(templates.map((template) => ({ template, before: a.get(template) ?? null, after: b.get(template) ?? null })));
  const stackOf = new Map<string, StackChange | null>(templates.map((t, i) => [t, changes[i] ?? null]));

  const beforeTenants = new Map(base.tenants.map((t) => [t.id, t]));
  const afterTenants = new Map(head.tenants.map((t) => [t.id, t]));
  const tenantIds = [...new Set([...beforeTenants.keys(), ...afterTenants.keys()])].sort(compareStrings);
  const tenants: TenantChange[] = [];
  for (const id of tenantIds) {
    const before = beforeTenants.get(id);
    const after = afterTenants.get(id);
    const template = `tenants/${id}.template.json`;
    const stack = stackOf.get(template) ?? null;
    const files = paths.filter((p) => TENANT_FILE.exec(p)?.[1] === id);
    const f0 = before ? facts(before) : null;
    const f1 = after ? facts(after) : null;
    if (!stack && files.length === 0 && JSON.stringify(f0) === JSON.stringify(f1)) continue;
    tenants.push({ id, change: !before ? 'add' : !after ? 'remove' : 'modify', before: f0, after: f1, stack, files });
  }

  const estate = templates
    .filter((p) => !TENANT_TEMPLATE.test(p))
    .map((p) => stackOf.get(p) ?? null)
    .filter((s) => s !== null);

  const key = (s: { rule: string; template: string; resource: string; reason: string }) => JSON.stringify([s.rule, s.template, s.resource, s.reason]);
  const beforeS = new Map(base.suppressions.map((s) => [key(s), s]));
  const afterS = new Map(head.suppressions.map((s) => [key(s), s]));
  const suppressions: SuppressionChange[] = [
    ...[...beforeS]
      .filter(([k]) => !afterS.has(k))
      .map(([, s]) => ({ change: 'remove' as const, rule: s.rule, template: s.template, resource: s.resource, reason: s.reason })),
    ...[...afterS]
      .filter(([k]) => !beforeS.has(k))
      .map(([, s]) => ({ change: 'add' as const, rule: s.rule, template: s.template, resource: s.resource, reason: s.reason })),
  ];

  const sql = paths.filter((p) => p.startsWith('sql/')).map((p) => lineChange(p, a.get(p) ?? null, b.get(p) ?? null)!);
  return {
    base: { label: base.label, tenants: base.tenants.length },
    head: { label: head.label, tenants: head.tenants.length },
    tenants,
    estate,
    suppressions,
    sql,
    lock: lineChange('placement.lock.yaml', base.lock, head.lock),
  };
}
