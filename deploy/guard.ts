// The change set as the operator reviews it, stack by stack and tenant by tenant, and
// the guard: a change set that replaces or removes a resource holding data is refused
// (and deleted before anything runs) unless the command names that resource, by its
// logical id or by its tenant. Removing a nested stack removes everything in it, so it
// counts as removing stateful resources.
import { isStateful } from '../compiler/stateful.ts';
import type { ChangeSetNode, ResourceChangeInfo } from './changeSet.ts';

export interface StackChanges {
  /** Logical ids from the root down, joined by `/`; '' for the root. */
  readonly path: string;
  readonly stackId: string;
  /** The tenant whose stack this is, when it is a tenant stack. */
  readonly tenant: string | null;
  readonly changes: readonly ResourceChangeInfo[];
}

/** The tree, depth first, each stack with its tenant (from the compiled output's manifest). */
export function stacksOf(tree: ChangeSetNode, tenantOf: ReadonlyMap<string, string>): StackChanges[] {
  const out: StackChanges[] = [];
  const walk = (n: ChangeSetNode) => {
    out.push({ path: n.path, stackId: n.stackId, tenant: tenantOf.get(n.path) ?? null, changes: n.changes });
    n.children.forEach(walk);
  };
  walk(tree);
  return out;
}

export type GuardKind = 'replace' | 'remove';

export interface GuardFinding {
  readonly kind: GuardKind;
  readonly path: string;
  readonly stackId: string;
  readonly tenant: string | null;
  readonly logicalId: string;
  readonly type: string;
  /** What `--allow-replace` / `--allow-remove` value allowed it, if one did. */
  readonly allowedBy: string | null;
}

export interface GuardResult {
  readonly refused: readonly GuardFinding[];
  readonly allowed: readonly GuardFinding[];
}

/** The tenant of the nested stack that a change in `stack` creates or removes, if it is one. */
function tenantOfChild(stack: StackChanges, c: ResourceChangeInfo, tenantOf: ReadonlyMap<string, string>): string | null {
  return tenantOf.get(stack.path === '' ? c.logicalId : `${stack.path}/${c.logicalId}`) ?? null;
}

export function guard(
  stacks: readonly StackChanges[],
  tenantOf: ReadonlyMap<string, string>,
  allowReplace: readonly string[],
  allowRemove: readonly string[],
): GuardResult {
  const refused: GuardFinding[] = [];
  const allowed: GuardFinding[] = [];
  for (const s of stacks) {
    for (const c of s.changes) {
      const removesStack = c.action === 'Remove' && c.type === 'AWS::CloudFormation::Stack';
      if (!isStateful(c.type) && !removesStack) continue;
      const kind: GuardKind | null =
        c.action === 'Remove' ? 'remove' : c.action === 'Modify' && (c.replacement === 'True' || c.replacement === 'Conditional') ? 'replace' : null;
      if (!kind) continue;
      const tenant = removesStack ? (tenantOfChild(s, c, tenantOf) ?? s.tenant) : s.tenant;
      const names = kind === 'replace' ? allowReplace : allowRemove;
      const allowedBy = names.find((n) => n === c.logicalId || (tenant !== null && n === `tenant:${tenant}`)) ?? null;
      const f: GuardFinding = { kind, path: s.path, stackId: s.stackId, tenant, logicalId: c.logicalId, type: c.type, allowedBy };
      (allowedBy ? allowed : refused).push(f);
    }
  }
  return { refused, allowed };
}
