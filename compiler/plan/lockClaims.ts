// The placement lock as two branches leave it. Two pull requests that each add a tenant
// both see the same free listener slot (or the last free place in a group or shared
// cache), each validates alone, and git merges their lock lines without a conflict.
// Placement would then quietly move one of the two tenants, and what deploys would
// differ from the lock both reviews approved. So a lock whose entries claim the same
// slot, or more than a shard, cache cluster or group holds, is an error that names
// the tenants; deleting the line of the tenant added last lets compile place it anew.
import type { Diagnostic } from '../diagnostics.ts';
import type { SourceFile } from '../load/sourceFile.ts';
import type { QuotaPlan, TenantPlacement } from './model.ts';
import { TENANTS_PER_GROUP } from './quotas.ts';

const FIX = 'delete the lock line of the tenant added last and run `tenantc compile` to place it anew';

export function checkLockClaims(
  lock: SourceFile | null,
  previous: ReadonlyMap<string, TenantPlacement>,
  /** Tenant id → its manifest's display path; lock entries of other ids are ignored. */
  manifests: ReadonlyMap<string, string>,
  quotas: QuotaPlan,
): Diagnostic[] {
  if (!lock) return [];
  const out: Diagnostic[] = [];
  const entries = [...previous].filter(([id]) => manifests.has(id));
  const slots = new Map<string, string>();
  for (const [id, p] of entries) {
    const key = `${p.albShard}/${p.ruleSlot}`;
    const other = slots.get(key);
    if (other === undefined) {
      slots.set(key, id);
      continue;
    }
    out.push(
      lock.diagnostic(
        'lock-conflict',
        ['tenants', id, 'ruleSlot'],
        `tenants.${id} claims listener slot ${p.ruleSlot} of ALB shard ${p.albShard}, already claimed by tenants.${other} at ${lock.locate(['tenants', other, 'ruleSlot'])}: ${manifests.get(id)} and ${manifests.get(other)} were placed by two different changes; ${FIX}`,
      ),
    );
  }
  const over = (what: string, members: string[], limit: number, path: (string | number)[]) => {
    if (members.length <= limit) return;
    out.push(
      lock.diagnostic(
        'lock-conflict',
        path,
        `${what} holds ${members.length} tenants in the lock, over the ${limit} it can hold (${members.join(', ')}): two changes each took its last place; ${FIX}`,
      ),
    );
  };
  const groupBy = (key: (p: TenantPlacement) => number | null) => {
    const m = new Map<number, string[]>();
    for (const [id, p] of entries) {
      const k = key(p);
      if (k !== null) m.set(k, [...(m.get(k) ?? []), id]);
    }
    return [...m].sort(([a], [b]) => a - b);
  };
  for (const [g, members] of groupBy((p) => p.group))
    over(`group ${g}`, members, TENANTS_PER_GROUP, ['tenants', members[TENANTS_PER_GROUP] ?? members[0]!, 'group']);
  // A shared cache's user group also holds the disabled `default` user.
  for (const [c, members] of groupBy((p) => p.cacheCluster))
    over(`shared cache ${c}`, members, quotas.cacheUsersPerUserGroup - 1, ['tenants', members.at(-1)!, 'cacheCluster']);
  for (const [shard, members] of groupBy((p) => p.albShard)) {
    const sum = (f: (p: TenantPlacement) => number) => members.reduce((n, id) => n + f(previous.get(id)!), 0);
    const checks: [string, number, number][] = [
      ['listener rules', sum((p) => p.rules), quotas.albRulesPerLoadBalancer],
      ['certificates', sum((p) => p.certificates), quotas.albCertificatesPerLoadBalancer],
      // The shard's shared target group takes one of its places.
      ['target groups', 1 + sum((p) => p.targetGroups), quotas.albTargetGroupsPerLoadBalancer],
    ];
    for (const [what, used, limit] of checks) {
      if (used <= limit) continue;
      out.push(
        lock.diagnostic(
          'lock-conflict',
          ['tenants', members.at(-1)!, 'albShard'],
          `ALB shard ${shard} holds ${used} ${what} in the lock, over the quota of ${limit} (${members.join(', ')}): two changes each took its last room; ${FIX}`,
        ),
      );
    }
  }
  return out;
}
