// Serializes and writes the placement lock. Deterministic (tenants by id), and written
// only when its content changes, through a temporary file and a rename.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareStrings } from '../diagnostics.ts';
import { PLACEMENT_LOCK_FILE } from '../load/readManifests.ts';
import type { EstatePlan, TenantPlacement } from '../plan/model.ts';
import type { RemovedEntry, VacatedSlot } from '../validate/lockFile.ts';

/** What the lock records of each tenant: its placement, its status, its incarnation. */
export interface LockTenant {
  readonly placement: TenantPlacement;
  readonly status: 'active' | 'suspended' | 'offboarded';
  readonly incarnation: number;
}

export function serializeLock(
  tenants: ReadonlyMap<string, LockTenant>,
  removed: ReadonlyMap<string, RemovedEntry> = new Map(),
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
    const { placement: p, status, incarnation } = tenants.get(id)!;
    lines.push(
      `  ${id}: { status: ${status}, albShard: ${p.albShard}, ruleSlot: ${p.ruleSlot}, cacheCluster: ${p.cacheCluster === null ? 'null' : p.cacheCluster}, group: ${p.group}, rules: ${p.rules}, certificates: ${p.certificates}, targetGroups: ${p.targetGroups}${incarnation > 1 ? `, incarnation: ${incarnation}` : ''} }`,
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

/** The lock a plan leaves: its tenants and its removed tenants. */
export function lockOf(plan: EstatePlan): string {
  return serializeLock(
    new Map(plan.tenants.map((t) => [t.id, { placement: t.placement, status: t.status, incarnation: t.lifecycle.incarnation }])),
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
