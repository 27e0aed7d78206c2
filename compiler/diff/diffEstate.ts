// Two compiled estates → the change between them, grouped by tenant. Pure: both sides
// are compile results in memory; nothing is read or written here.
import { structuredPatch } from 'diff';
import { compareStrings } from '../diagnostics.ts';
import type { OutputFile } from '../emit/output.ts';
import type { EstatePlan, SuppressionPlan, TenantPlan } from '../plan/model.ts';
import { type StatusMeaning, TENANT_STATUS_MEANING } from '../plan/status.ts';
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
const TENANT_FILE = /^(?:dns|idp)\/([a-z0-9-]+)\.txt$/;

function facts(t: TenantPlan): TenantFacts {
  const p = t.placement;
  return {
    tier: t.tier.name,
    compute: t.tier.compute,
    status: t.status,
    dns: t.dns.mode,
    dnsReady: t.dns.ready,
    incarnation: t.lifecycle.incarnation,
    domains: t.domains,
    signInDomain: t.auth.domain,
    placement: { albShard: p.albShard, ruleSlot: p.ruleSlot, cacheCluster: p.cacheCluster, group: p.group },
  };
}

/**
 * How the diff says each field of a status's meaning (plan/status.ts) once it changes to
 * `v`; null where it says nothing (a field that does not apply to the tenant's compute
 * or DNS).
 */
const STATUS_CLAUSES: { readonly [K in keyof StatusMeaning]: (v: StatusMeaning[K], after: TenantFacts) => string | null } = {
  routing: (v, t) =>
    !t.dnsReady
      ? null
      : v === 'forward'
        ? 'its hosts are served'
        : v === 'suspended-page'
          ? 'its hosts answer 403 (the suspended page)'
          : 'its hosts are not routed (404)',
  signIn: (v) => (v ? 'sign-in open' : 'sign-in refused'),
  assets: (v, t) => (!t.dnsReady ? null : v ? 'its assets served' : 'its assets not served'),
  seats: (v, t) => (t.compute !== 'shared' ? null : v ? "its seats count toward the shared fleet's floor" : "its seats leave the shared fleet's floor"),
  credentials: (v) => (v ? 'its cache user and role switched on' : 'its cache user and role switched off'),
  dedicatedFleet: (v, t) => (t.compute !== 'dedicated' ? null : v === 'zero' ? 'its fleet scaled to zero' : "its fleet at its tier's size"),
  removable: (v) => (v ? 'deleting its file next removes it for good' : null),
};

/** A status change, said from the table: what changes, in the table's order, then what every status keeps. */
function statusNote(a: TenantFacts, b: TenantFacts): string {
  const before = TENANT_STATUS_MEANING[a.status];
  const after = TENANT_STATUS_MEANING[b.status];
  const say = <K extends keyof StatusMeaning>(k: K) => (before[k] === after[k] ? null : STATUS_CLAUSES[k](after[k], b));
  const clauses = (Object.keys(STATUS_CLAUSES) as (keyof StatusMeaning)[]).map(say).filter((c) => c !== null);
  const label = b.status === 'active' ? (a.status === 'suspended' ? 'resumed' : 'reactivated') : b.status;
  return `${label}: ${clauses.join(', ')}; its users, app client (same id), identities and rows are kept`;
}

const cacheName = (c: number | null) => (c === null ? 'its dedicated cache' : `shared cache ${c}`);

/**
 * What a change means over the tenant's life, beyond its resources: where its traffic
 * goes and when, what happens to its cache keys, its identities, its id. One sentence
 * each, in the order a reviewer needs them (README, "Tenant lifecycle").
 */
export function lifecycleNotes(a: TenantFacts | null, b: TenantFacts | null): string[] {
  const notes: string[] = [];
  if (!a && b) {
    if (b.incarnation > 1)
      notes.push(`brought back on purpose (restoredFrom): its rows become its own again; its log group and secret are new ones (r${b.incarnation})`);
    if (!b.dnsReady) notes.push('its own DNS is not ready: provisioned, but none of its names is served until dns.validated (out/dns/<id>.txt)');
    return notes;
  }
  if (a && !b) {
    notes.push('its id is remembered in the lock (removed) and never given to another tenant; its listener slot is not given again in this deploy');
    return notes;
  }
  if (!a || !b) return notes;
  if (a.compute === 'shared' && b.compute === 'dedicated')
    notes.push(
      'traffic moves to its own fleet only once that fleet reports healthy (its rules wait on it); if it never does, its stack rolls back with traffic still on the shared fleet',
    );
  if (a.compute === 'dedicated' && b.compute === 'shared') notes.push('traffic moves back to the shared fleet in this deploy; its own fleet is deleted after');
  if (a.placement.cacheCluster !== b.placement.cacheCluster)
    notes.push(
      `cache: its keys in ${cacheName(a.placement.cacheCluster)} are not carried over to ${cacheName(b.placement.cacheCluster)}; the app starts cold (a cache holds nothing the database does not)`,
    );
  if (a.status !== b.status) notes.push(statusNote(a, b));
  const names = (f: TenantFacts) => JSON.stringify([f.domains, f.signInDomain]);
  if (b.dns !== 'platform' && a.dnsReady && b.dnsReady && names(a) !== names(b))
    notes.push(
      `its certificate's names change: deploy has its domain stage validate them first and refuses the change until that stage is issued (${b.dns === 'delegated' ? 'in its delegated zone: minutes' : 'once the customer creates the new records'})`,
    );
  if (!a.dnsReady && b.dnsReady) notes.push('its names are served from this deploy: deploy refuses it unless its domain stage is issued');
  if (a.dnsReady && !b.dnsReady) notes.push('its names are no longer served (dns.validated removed)');
  return notes;
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
    tenants.push({ id, change: !before ? 'add' : !after ? 'remove' : 'modify', before: f0, after: f1, stack, files, notes: lifecycleNotes(f0, f1) });
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
