// Two compiled estates → the change between them, grouped by tenant. Pure: both sides
// are compile results in memory; nothing is read or written here.
import { structuredPatch } from 'diff';
import { compareStrings } from '../diagnostics.ts';
import type { OutputFile } from '../emit/output.ts';
import { DATABASE_WRITER, databaseRolloutOrder } from '../emit/cfn/database.ts';
import type { EstatePlan, SuppressionPlan, TenantPlan } from '../plan/model.ts';
import { reportText } from '../plan/manifestText.ts';
import { type StatusMeaning, TENANT_STATUS_MEANING } from '../plan/status.ts';
import { isStateful } from '../stateful.ts';
import { attribute } from './attribution.ts';
import { manifestRisks } from './manifestRisks.ts';
import { newlySuppressed } from './newlySuppressed.ts';
import { domainHandoversOf, lockHistoryErrors, restoresOf } from './restore.ts';
import type { EstateDiff, LifecycleError, LineChange, ResourceChange, StackChange, Stranded, SuppressionChange, TenantChange, TenantFacts } from './model.ts';
import type { StackDiffer } from './stackDiffer.ts';

export interface CompiledSide {
  /** How the side is named in output: a git ref, or "work tree". */
  readonly label: string;
  /** The whole plan, for what the templates do not say (causes, roll-out order, cost and capacity); null for an empty side. */
  readonly plan: EstatePlan | null;
  readonly tenants: readonly TenantPlan[];
  readonly suppressions: readonly SuppressionPlan[];
  readonly files: readonly OutputFile[];
  /** The placement lock this compile writes; null for a side with no estate at all. */
  readonly lock: string | null;
}

/** A side with no estate: a ref from before tenants/ existed. */
export const emptySide = (label: string): CompiledSide => ({ label, plan: null, tenants: [], suppressions: [], files: [], lock: null });

export function compiledSide(label: string, plan: EstatePlan, files: readonly OutputFile[], lock: string): CompiledSide {
  return { label, plan, tenants: plan.tenants, suppressions: plan.platform.suppressions, files, lock };
}

const TENANT_TEMPLATE = /^tenants\/([a-z0-9-]+)\.template\.json$/;
const TENANT_FILE = /^(?:dns|idp)\/([a-z0-9-]+)\.txt$/;

function facts(t: TenantPlan): TenantFacts {
  const p = t.placement;
  return {
    tier: t.tier.name,
    users: t.users,
    compute: t.tier.compute,
    status: t.status,
    dns: t.dns.mode,
    dnsReady: t.dns.ready,
    platformDomain: t.dns.platformDomain,
    incarnation: t.lifecycle.incarnation,
    domains: t.domains,
    signInDomain: t.auth.domain,
    placement: { albShard: p.albShard, ruleSlot: p.ruleSlot, cacheCluster: p.cacheCluster, group: p.group },
  };
}

/** What a tenant whose own DNS is not ready serves meanwhile. */
const notReady = (b: TenantFacts) =>
  b.platformDomain
    ? `moving to its own DNS: served at its platform host ${b.platformDomain} exactly as before until dns.validated (out/dns/<id>.txt says what the customer does)`
    : 'its own DNS is not ready: provisioned, but none of its names is served until dns.validated (out/dns/<id>.txt)';
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
    if (!b.dnsReady) notes.push(notReady(b));
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
  if (!a.dnsReady && b.dnsReady)
    notes.push(
      `its names are served from this deploy: deploy refuses it unless its domain stage is issued${b.platformDomain ? `; ${b.platformDomain} keeps forwarding to its app until dns.platformDomain is removed` : ''}`,
    );
  if (a.dnsReady && !b.dnsReady) notes.push(a.dns === 'platform' ? notReady(b) : 'its names are no longer served (dns.validated removed)');
  if (a.platformDomain && !b.platformDomain && b.dnsReady)
    notes.push(`its platform host ${a.platformDomain} is no longer served: its users must have moved to its own names`);
  return notes;
}

/**
 * Steps of a tenant's life skipped between the base and the head (README, "Tenant
 * lifecycle"). Compile checks the lock, which remembers only the last compile: set
 * `offboarded`, compile, delete the file, compile again, and the lock is satisfied in
 * one pull request, though the offboarded state was never deployed. The base is what
 * main deploys, so the diff checks against it.
 */
export function lifecycleErrors(base: CompiledSide, head: CompiledSide): LifecycleError[] {
  const after = new Map(head.tenants.map((t) => [t.id, t]));
  const out: LifecycleError[] = [];
  for (const a of base.tenants) {
    const b = after.get(a.id);
    if (!b && a.status !== 'offboarded') {
      out.push({
        tenant: a.id,
        message: `${a.id} is ${a.status} at ${base.label} and its file is gone at ${head.label}: a tenant leaves in two pull requests, each deployed: first set \`status: offboarded\` in ${a.source} and deploy (nothing served, data kept), then delete the file`,
      });
    }
    if (b && a.status !== 'offboarded' && b.status !== 'offboarded' && a.serving.hostNames && !b.serving.hostNames) {
      out.push({
        tenant: a.id,
        message: `${a.id} is served at ${a.domains.join(', ')} at ${base.label}, and at ${head.label} none of its names would be served until its ${b.dns.mode} DNS is validated (up to 72 hours): ${
          a.dns.mode === 'platform'
            ? `keep its platform host with \`dns.platformDomain: ${a.domains[0]}\` in ${b.source} while it moves (docs/domains.md, "Custom domains")`
            : 'keep `dns.validated: true` until its names change hands in a later pull request'
        }`,
      });
    }
  }
  return out;
}

/**
 * A major engine upgrade (16.x → 17.x) takes the whole cluster down and cannot be undone:
 * it happens only when the platform manifest says so (database.allowMajorUpgrade), which
 * also makes the template carry what RDS needs for it (emit/cfn/database.ts).
 */
export function engineUpgradeErrors(base: CompiledSide, head: CompiledSide): LifecycleError[] {
  const a = base.plan?.platform.database;
  const b = head.plan?.platform.database;
  if (!a || !b) return [];
  const major = (v: string) => Number(v.split('.')[0]);
  if (major(b.engineVersion) === major(a.engineVersion) || b.allowMajorUpgrade) return [];
  return [
    {
      tenant: null,
      message: `database.engineVersion ${a.engineVersion} → ${b.engineVersion} is a major upgrade: the whole cluster is unavailable while it runs and it cannot be undone; set \`database.allowMajorUpgrade: true\` in the platform manifest to do it on purpose`,
    },
  ];
}

/**
 * Resources holding data of tenants whose stack changes group (the placement lock
 * edited, or a placement that moved it): a group is a nested stack of the root, and a
 * tenant's stack is a nested stack of its group, so CloudFormation deletes the stack
 * under the old group and creates a new one under the new group. Its template is the
 * same, so its own diff is empty: found here, from the two plans.
 */
export function movedBetweenGroups(base: CompiledSide, head: CompiledSide): Stranded[] {
  const before = new Map(base.tenants.map((t) => [t.id, t]));
  const out: Stranded[] = [];
  for (const b of head.tenants) {
    const a = before.get(b.id);
    if (!a || a.placement.group === b.placement.group) continue;
    const path = `tenants/${b.id}.template.json`;
    const file = head.files.find((f) => f.path === path);
    if (!file) continue;
    const t = JSON.parse(file.content) as { Resources?: Record<string, { Type: string; DeletionPolicy?: string }> };
    for (const [logicalId, r] of Object.entries(t.Resources ?? {})) {
      if (!isStateful(r.Type)) continue;
      out.push({
        template: path,
        logicalId,
        type: r.Type,
        reason: `tenant ${b.id}'s stack moves from group ${a.placement.group} to group ${b.placement.group}: CloudFormation deletes its nested stack under group ${a.placement.group} (${
          r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate'
            ? 'this resource is retained outside any stack, and the new stack cannot create one of the same name'
            : 'and this resource with it'
        }) and creates a new stack under group ${b.placement.group}: the tenant is down in between and its users, logs and secrets do not follow. A tenant keeps its group for as long as it exists (placement lock)`,
      });
    }
  }
  return out;
}

/** Types whose running resource lives in the VPC's subnets and holds data. */
const IN_VPC_STATEFUL = new Set(['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance', 'AWS::ElastiCache::ReplicationGroup']);

/** Databases and caches a replaced VPC strands (see Stranded in model.ts). */
export function strandedBy(estate: readonly StackChange[], headFiles: readonly OutputFile[]): Stranded[] {
  const vpcReplaced = estate.some((s) => s.resources.some((r) => r.type === 'AWS::EC2::VPC' && (r.impact === 'replace' || r.impact === 'may-replace')));
  if (!vpcReplaced) return [];
  const out: Stranded[] = [];
  for (const f of headFiles) {
    if (!f.path.endsWith('.template.json')) continue;
    const t = JSON.parse(f.content) as { Resources?: Record<string, { Type: string }> };
    for (const [logicalId, r] of Object.entries(t.Resources ?? {})) {
      if (!IN_VPC_STATEFUL.has(r.Type)) continue;
      out.push({
        template: f.path,
        logicalId,
        type: r.Type,
        reason:
          'its VPC is replaced, and a running database or cache cannot move its subnet group to another VPC: the update fails, or its data must be restored from a snapshot into the new VPC',
      });
    }
  }
  return out.sort((x, y) => compareStrings(`${x.template} ${x.logicalId}`, `${y.template} ${y.logicalId}`));
}

/** Unified-diff lines of a text change (3 lines of context), or null when equal. */
export function lineChange(file: string, before: string | null, after: string | null): LineChange | null {
  if (before === after) return null;
  const patch = structuredPatch(file, file, before ?? '', after ?? '', '', '', { context: 3 });
  const lines = patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
  return { file, lines };
}

/** `owner Wile E. Coyote <wile@acme.com>`: a contact as the diff shows it (its strings in report form: plan/manifestText.ts). */
const contactLine = (c: TenantPlan['contacts'][number]) => `${c.role} ${reportText(c.name)} <${reportText(c.email)}>`;

/**
 * Who is called about a tenant, and who decides for it (an owner confirms an offboarding,
 * a restore to another identity, an export): a change of it is shown, though no template
 * carries contacts, so a reviewer sees who a pull request makes the approver.
 */
export function contactsNote(a: TenantPlan | undefined, b: TenantPlan | undefined): string | null {
  if (!a || !b) return null;
  const before = a.contacts.map(contactLine);
  const after = b.contacts.map(contactLine);
  const added = after.filter((c) => !before.includes(c));
  const removed = before.filter((c) => !after.includes(c));
  if (!added.length && !removed.length) return null;
  const owners = [...added, ...removed].some((c) => c.startsWith('owner '));
  return `contacts ${[...added.map((c) => `+${c}`), ...removed.map((c) => `-${c}`)].join(', ')}${owners ? ": its owners change: who confirms this tenant's offboarding, a restore or an export" : ''}`;
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
    const contacts = contactsNote(before, after);
    if (!stack && files.length === 0 && !contacts && JSON.stringify(f0) === JSON.stringify(f1)) continue;
    tenants.push({
      id,
      change: !before ? 'add' : !after ? 'remove' : 'modify',
      before: f0,
      after: f1,
      stack: stack && withRollout(stack, head.plan),
      files,
      notes: [...lifecycleNotes(f0, f1), ...(contacts ? [contacts] : [])],
    });
  }

  const attributed = attribute(
    templates
      .filter((p) => !TENANT_TEMPLATE.test(p))
      .map((p) => stackOf.get(p) ?? null)
      .filter((s) => s !== null),
    base.plan,
    head.plan,
  );
  const estate = attributed.estate.map((s) => withRollout(s, head.plan));

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

  const manifest = manifestRisks(base.plan, head.plan);
  const suppressedNow = newlySuppressed(a, b);
  const handovers = domainHandoversOf(base.plan, head.plan);
  const sql = paths.filter((p) => p.startsWith('sql/')).map((p) => lineChange(p, a.get(p) ?? null, b.get(p) ?? null)!);
  return {
    base: { label: base.label, tenants: base.tenants.length },
    head: { label: head.label, tenants: head.tenants.length },
    tenants,
    estate,
    suppressions,
    sql,
    lock: lineChange('placement.lock.yaml', base.lock, head.lock),
    lifecycle: [...lifecycleErrors(base, head), ...lockHistoryErrors(base.plan, head.plan, base.label, head.label), ...engineUpgradeErrors(base, head)],
    restores: restoresOf(base.plan, head.plan),
    attributions: attributed.attributions,
    stranded: [...strandedBy(estate, head.files), ...movedBetweenGroups(base, head)],
    ...(manifest.length ? { manifestRisks: manifest } : {}),
    ...(suppressedNow.length ? { newlySuppressed: suppressedNow } : {}),
    ...(handovers.length ? { domainHandovers: handovers } : {}),
  };
}

const TENANT_OF_TEMPLATE = (template: string) => TENANT_TEMPLATE.exec(template)?.[1] ?? null;

/**
 * In what order, and in what batches, an interruption rolls out: the decisions the plan
 * made and the templates carry (the fleets' rolling updates, the database instances'
 * DependsOn chain), said where the reviewer reads the risk.
 */
export function rolloutOf(template: string, r: ResourceChange, rule: string, plan: EstatePlan | null): string | undefined {
  if (!plan) return undefined;
  if (rule === 'fleet-image-changed' || rule === 'fleet-instance-type-changed') {
    const tenant = TENANT_OF_TEMPLATE(template);
    if (tenant === null) {
      const c = plan.capacity;
      return `the shared fleet (at least ${c.floor} instances) is replaced in batches of ${c.rollout.maxBatchSize}, keeping ${c.rollout.minInstancesInService} in service`;
    }
    const fleet = plan.tenants.find((t) => t.id === tenant)?.serving.fleet;
    if (!fleet) return undefined;
    return `tenant ${tenant}'s fleet (${fleet.min}–${fleet.max} instances) is replaced in batches of ${fleet.rollout.maxBatchSize}, keeping ${fleet.rollout.minInstancesInService} in service, each new instance in service only once its app answers`;
  }
  if (rule === 'database-instance-class-changed') {
    const order = databaseRolloutOrder(plan.platform.database.instances);
    const readers = order.filter((id) => id !== DATABASE_WRITER);
    return readers.length
      ? `one instance at a time, readers first (${readers.join(', ')}), then the writer ${DATABASE_WRITER}: each waits for the one before it (DependsOn)`
      : `${DATABASE_WRITER} is the only instance: the database is down while it restarts`;
  }
  if (rule === 'database-engine-version-changed') return 'the whole cluster at once, writer and readers together';
  if (rule === 'cache-node-type-changed' || rule === 'cache-engine-version-changed')
    return `replica node first, then a failover, then the old primary (${r.logicalId})`;
  return undefined;
}

function withRollout(s: StackChange, plan: EstatePlan | null): StackChange {
  if (!s.resources.some((r) => r.risks.some((k) => k.kind === 'interruption'))) return s;
  return {
    ...s,
    resources: s.resources.map((r) => ({
      ...r,
      risks: r.risks.map((k) => {
        const rollout = k.kind === 'interruption' ? rolloutOf(s.template, r, k.rule, plan) : undefined;
        return rollout ? { ...k, rollout } : k;
      }),
    })),
  };
}
