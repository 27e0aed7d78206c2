// Serializes and writes the placement lock. Deterministic (tenants by id), and written
// only when its content changes, through a temporary file and a rename.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareStrings } from '../diagnostics.ts';
import { PLACEMENT_LOCK_FILE } from '../load/readManifests.ts';
import { tenantIdentity } from '../plan/lifecycle.ts';
import { grammarViolation, ManifestText } from '../plan/manifestText.ts';
import { SIGN_IN_NOT_RECORDED, type EstatePlan, type RemovedTenant, type TenantIdentity, type TenantPlacement } from '../plan/model.ts';
import { mapSignIn, type VacatedSlot } from '../validate/lockFile.ts';

/** What the lock records of each tenant: its placement, its status, its incarnation, and who an offboarded tenant is. */
export interface LockTenant {
  readonly placement: TenantPlacement;
  readonly status: 'active' | 'suspended' | 'offboarded';
  readonly incarnation: number;
  /** Kept while the tenant is offboarded, for its removal (plan/lifecycle.ts). */
  readonly identity?: TenantIdentity | null;
}

/**
 * A string of the lock as a YAML double-quoted scalar (JSON's string syntax is one), so
 * that any text reads back exactly and never as a number, a boolean or null. A
 * manifest's words (ManifestText) are written only if they hold to the string grammar,
 * which validation enforced: a value that breaks it here passed a bypassed validation,
 * and is a bug of tenantc, never written (the lock is read back by every compile).
 */
function lockString(value: string | ManifestText): string {
  const text = typeof value === 'string' ? value : ManifestText.rawText(value);
  const problem = grammarViolation(text);
  if (problem) throw new Error(`internal: a manifest value that ${problem} reached the placement lock: validation was bypassed`);
  return JSON.stringify(text);
}

/** `null`, `{ protocol: "saml", metadataUrl: "…" }` or `{ protocol: "oidc", issuer: "…", clientId: "…" }`; nothing when unrecorded. */
function federationText(f: TenantIdentity['federation']): string | null {
  // An identity read from a lock that predates the field is written back as it was
  // read: inventing a value would make an unknown sign-in look known.
  if (f === SIGN_IN_NOT_RECORDED) return null;
  if (f === null) return 'null';
  const texts = Object.entries(mapSignIn(f, lockString)).map(([k, v]) => `${k}: ${k === 'protocol' ? JSON.stringify(v) : v}`);
  return `{ ${texts.join(', ')} }`;
}

/** `{ name: "…", tier: "…", domains: ["…"], names: ["…"], owners: [{ name: "…", email: "…" }], federation: … }`: one line. */
function identityText(i: TenantIdentity): string {
  const owners = i.owners.map((o) => `{ name: ${lockString(o.name)}, email: ${lockString(o.email)} }`);
  const federation = federationText(i.federation);
  // names only when it held some: a lock line stays as it was for a tenant with none.
  const names = i.names.length ? `, names: [${i.names.map(lockString).join(', ')}]` : '';
  return `{ name: ${lockString(i.name)}, tier: ${lockString(i.tier)}, domains: [${i.domains.map(lockString).join(', ')}]${names}, owners: [${owners.join(', ')}]${federation === null ? '' : `, federation: ${federation}`} }`;
}

export function serializeLock(
  tenants: ReadonlyMap<string, LockTenant>,
  removed: ReadonlyMap<string, RemovedTenant> = new Map(),
  vacated: readonly VacatedSlot[] = [],
): string {
  const lines = [
    '# Placement lock, written by `tenantc compile`. Commit it with the manifests.',
    '# A tenant keeps its ALB shard and listener slot, shared cache cluster and group stack',
    '# for as long as it exists, so adding or removing a tenant never moves another.',
    '# rules, certificates and targetGroups record what it takes on its ALB shard; status',
    '# lets only an offboarded tenant be deleted; removed ids are never given again.',
    '# Do not edit by hand.',
    'version: 2',
    'tenants:',
  ];
  const ids = [...tenants.keys()].sort(compareStrings);
  if (ids.length === 0) lines[lines.length - 1] = 'tenants: {}';
  for (const id of ids) {
    const { placement: p, status, incarnation, identity } = tenants.get(id)!;
    lines.push(
      `  ${id}: { status: ${status}, albShard: ${p.albShard}, ruleSlot: ${p.ruleSlot}, cacheCluster: ${p.cacheCluster === null ? 'null' : p.cacheCluster}, group: ${p.group}, rules: ${p.rules}, certificates: ${p.certificates}, targetGroups: ${p.targetGroups}${incarnation > 1 ? `, incarnation: ${incarnation}` : ''}${identity ? `, identity: ${identityText(identity)}` : ''} }`,
    );
  }
  const gone = [...removed.keys()].sort(compareStrings);
  if (gone.length) {
    lines.push('removed:');
    for (const id of gone) {
      const r = removed.get(id)!;
      const fields = [
        `removed: "${r.removed}"`,
        ...(r.incarnation ? [`incarnation: ${r.incarnation}`] : []),
        ...(r.slot ? [`albShard: ${r.slot.albShard}`, `ruleSlot: ${r.slot.ruleSlot}`] : []),
        ...(r.identity ? [`identity: ${identityText(r.identity)}`] : []),
      ];
      lines.push(`  ${id}: { ${fields.join(', ')} }`);
    }
  }
  if (vacated.length) {
    lines.push('vacated:');
    for (const v of vacated) lines.push(`  - { albShard: ${v.albShard}, ruleSlot: ${v.ruleSlot} }`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The lock a plan leaves: its tenants and its removed tenants. An offboarded tenant's
 * identity is kept: only an offboarded tenant may be removed, and the compile that
 * removes it has no manifest left to read it from. Active and suspended tenants' lines
 * stay short (5,000 of them are read on every compile).
 */
export function lockOf(plan: EstatePlan): string {
  return serializeLock(
    new Map(
      plan.tenants.map((t) => [
        t.id,
        { placement: t.placement, status: t.status, incarnation: t.lifecycle.incarnation, identity: t.status === 'offboarded' ? tenantIdentity(t) : null },
      ]),
    ),
    plan.removed,
    plan.vacated,
  );
}

/** Returns true when the lock changed on disk. */
export function writeLockFile(dir: string, content: string): boolean {
  const path = join(dir, PLACEMENT_LOCK_FILE);
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false;
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
  return true;
}

/**
 * The lines of the lock that `next` would change, in file order: `- ` for a line it
 * removes, `+ ` for a line it adds. Empty when the lock is up to date.
 */
export function lockDrift(existing: string | null, next: string): string[] {
  if (existing === next) return [];
  const before = existing === null ? [] : existing.split('\n');
  const after = next.split('\n');
  // One set per side, built once: linear in the lock's length (5,000 tenants, 5,000
  // lines), which `validate --locked` reads on every pull request.
  const inBefore = new Set(before);
  const inAfter = new Set(after);
  const out: string[] = [];
  for (const l of before) if (l !== '' && !inAfter.has(l)) out.push(`- ${l}`);
  for (const l of after) if (l !== '' && !inBefore.has(l)) out.push(`+ ${l}`);
  return out;
}
