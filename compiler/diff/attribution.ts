// Why a shared resource changed. A pull request changes manifests; the shared estate
// (the pooled fleet, a shared cache's users, the database) changes as a consequence,
// and a reviewer must see which manifest change did it: "shared fleet MinSize 8 → 15:
// tenant acme users 2800 → 9999". Both plans are at hand (the diff compiled both
// sides), so the causes are read from them, never guessed from the templates.
import { compareStrings } from '../diagnostics.ts';
import { ManifestText, reportText } from '../plan/manifestText.ts';
import type { EstatePlan, TenantPlan } from '../plan/model.ts';
import type { Attribution, ResourceChange, StackChange, ValueChange } from './model.ts';

const CACHE_SHARD = /^shards\/cache-(\d+)\.template\.json$/;
const DB_INSTANCE = /^platformDatabaseInstance(\d+)$/;

/** What a shared resource is to a reviewer; null for those without a name of their own. */
export function sharedResourceName(template: string, logicalId: string): string | null {
  if (template === 'root.template.json') {
    if (logicalId === 'appAutoScalingGroup') return 'shared fleet';
    if (logicalId === 'appLaunchTemplate') return 'shared fleet launch template';
    if (logicalId === 'platformDatabaseCluster') return 'database cluster';
    const db = DB_INSTANCE.exec(logicalId);
    if (db) return `database instance ${db[1]}`;
  }
  const cache = CACHE_SHARD.exec(template);
  if (cache) {
    if (logicalId === 'replicationGroup') return `shared cache ${cache[1]}`;
    if (logicalId === 'userGroup') return `shared cache ${cache[1]} users`;
  }
  return null;
}

/** `8` for `"8"`: a scalar shown as a reviewer writes it. */
const bare = (v: string | undefined) => (v === undefined ? '(unset)' : /^"[^"]*"$/.test(v) ? v.slice(1, -1) : v);

/** `MinSize 8 → 15, MaxSize 16 → 30`: the change of a resource in one line. */
export function changeLine(paths: readonly ValueChange[]): string {
  return paths
    .map((p) => {
      const name = p.path.replace(/^Properties\./, '');
      if (p.added || p.removed) return `${name} ${[...(p.added ?? []).map((v) => `+${bare(v)}`), ...(p.removed ?? []).map((v) => `-${bare(v)}`)].join(' ')}`;
      return `${name} ${bare(p.from)} → ${bare(p.to)}`;
    })
    .join(', ');
}

/** Seats a tenant puts on the shared fleet (plan/capacity.ts counts the same). */
const sharedSeats = (t: TenantPlan | undefined) => (t?.serving.sharedSeats ? t.users : 0);

/** `tenant acme users 2800 → 9999`, `tenant hooli added (users 350)`: what changed in a tenant's manifest that the estate feels. */
export function tenantCause(id: string, a: TenantPlan | undefined, b: TenantPlan | undefined): string {
  if (!a && b) return `tenant ${id} added (${b.tier.name}, ${b.status}, users ${b.users})`;
  if (a && !b) return `tenant ${id} removed`;
  const parts: string[] = [];
  if (a!.users !== b!.users) parts.push(`users ${a!.users} → ${b!.users}`);
  if (a!.status !== b!.status) parts.push(`status ${a!.status} → ${b!.status}`);
  if (a!.tier.name !== b!.tier.name) parts.push(`tier ${a!.tier.name} → ${b!.tier.name}`);
  return `tenant ${id} ${parts.join(', ') || 'changed'}`;
}

/** A plan value with each manifest text as its one-line report form (plan/manifestText.ts), so it can be compared and shown. */
function shown(v: unknown): unknown {
  if (v instanceof ManifestText) return reportText(v);
  if (Array.isArray(v)) return v.map(shown);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shown(x)]));
  return v;
}

/** Every leaf of a value as `path = JSON`, for comparing two platform plans. */
function leaves(v: unknown, path: string, out: Map<string, string>): Map<string, string> {
  if (v instanceof ManifestText) out.set(path, JSON.stringify(reportText(v)));
  else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) leaves(x, path ? `${path}.${k}` : k, out);
  } else out.set(path, JSON.stringify(shown(v)));
  return out;
}

/** `platform database.instanceClass db.r6g.xlarge → db.r6g.2xlarge`: platform manifest values that changed. */
export function platformCauses(base: EstatePlan | null, head: EstatePlan | null, prefix = ''): string[] {
  if (!base || !head) return [];
  const { names: _a, suppressions: _s, ...a } = base.platform;
  const { names: _b, suppressions: _t, ...b } = head.platform;
  const before = leaves(a, '', new Map());
  const after = leaves(b, '', new Map());
  const keys = [...new Set([...before.keys(), ...after.keys()])].filter((k) => k.startsWith(prefix) && before.get(k) !== after.get(k)).sort(compareStrings);
  return keys.map((k) => `platform ${k} ${bare(before.get(k))} → ${bare(after.get(k))}`);
}

/** The causes of one shared resource's change. */
function causesOf(template: string, r: ResourceChange, base: EstatePlan | null, head: EstatePlan | null): string[] {
  const before = new Map((base?.tenants ?? []).map((t) => [t.id, t]));
  const after = new Map((head?.tenants ?? []).map((t) => [t.id, t]));
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort(compareStrings);
  const tenantsWhere = (changed: (a: TenantPlan | undefined, b: TenantPlan | undefined) => boolean) =>
    ids.filter((id) => changed(before.get(id), after.get(id))).map((id) => tenantCause(id, before.get(id), after.get(id)));
  if (template === 'root.template.json' && r.logicalId === 'appAutoScalingGroup') {
    // The pooled fleet's size follows the seats on it (plan/capacity.ts).
    return [...tenantsWhere((a, b) => sharedSeats(a) !== sharedSeats(b)), ...platformCauses(base, head, 'app.')];
  }
  const cache = CACHE_SHARD.exec(template);
  if (cache && r.logicalId === 'userGroup') {
    const n = Number(cache[1]);
    return tenantsWhere((a, b) => (a?.placement.cacheCluster === n) !== (b?.placement.cacheCluster === n));
  }
  return platformCauses(base, head);
}

/**
 * The shared stacks with each modified resource's causes filled in, and the list of
 * named shared resources that changed, each with its causes, for the summary.
 */
export function attribute(
  estate: readonly StackChange[],
  base: EstatePlan | null,
  head: EstatePlan | null,
): { estate: StackChange[]; attributions: Attribution[] } {
  const attributions: Attribution[] = [];
  const out = estate.map((s) => ({
    ...s,
    resources: s.resources.map((r) => {
      if (r.change !== 'modify') return r;
      const causes = causesOf(s.template, r, base, head);
      const what = sharedResourceName(s.template, r.logicalId);
      if (what && causes.length) attributions.push({ template: s.template, logicalId: r.logicalId, what, change: changeLine(r.paths), causes });
      return causes.length ? { ...r, causes } : r;
    }),
  }));
  return { estate: out, attributions };
}
