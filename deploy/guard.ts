// The change set as the operator reviews it, stack by stack and tenant by tenant, and
// the guard: a change set that replaces or removes a resource holding data is refused
// (and deleted before anything runs) unless an allow names that resource, in the
// language of the review (compiler/allow.ts): `tenant:<id>`, `tenant:<id>/<logicalId>`
// or `estate:<template>/<logicalId>`, never a bare logical id. Removing a nested stack
// removes everything in it, so it counts as removing stateful resources. A replacement
// or removal of anything else is let through, but an allow covering it is used: the
// review asked for that allow (its `replacement` and `removal` findings are of every
// resource), and deploy must not refuse as stale what the review required.
import { ALLOW_KIND_SPECS, type Allow, type AllowSubject, type AllowTarget, allowsCovering, formatAllow, unusedAllows } from '../compiler/allow.ts';
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
  /** The template the change is in (its output path without `.template.json`). */
  readonly template: string;
  /** The narrowest target naming it: what the refusal suggests. */
  readonly target: AllowTarget;
  /**
   * Every allow that covers it, as written (`replacement tenant:acme/tenantUserPool: ...`),
   * in the order given; empty: refused. Overlapping allows are each listed (and each used:
   * deploy's stale check reads these lists), as the review counts them.
   */
  readonly allowedBy: readonly string[];
}

export interface GuardResult {
  /** Replacements and removals of what holds data (or of a nested stack) no allow covers: deploy refuses them. */
  readonly refused: readonly GuardFinding[];
  /** The same, each covered by an allow: their stacks' policies are relaxed for exactly these. */
  readonly allowed: readonly GuardFinding[];
  /**
   * Replacements and removals of resources that hold no data, which deploy lets through
   * on their own, that an allow covers. The review reports each as a `replacement` or
   * `removal` finding and asks for an allow; that allow is used here too, never refused
   * as stale (a reviewed change that replaces a certificate deploys). Nothing else is
   * done with them: the stack policy denies only what holds data.
   */
  readonly named: readonly GuardFinding[];
}

/** The tenant of the nested stack that a change in `stack` creates or removes, if it is one. */
function tenantOfChild(stack: StackChanges, c: ResourceChangeInfo, tenantOf: ReadonlyMap<string, string>): string | null {
  return tenantOf.get(stack.path === '' ? c.logicalId : `${stack.path}/${c.logicalId}`) ?? null;
}

/**
 * `templateOf`: a stack's path → its template's name (`root`, `groups/group-0`,
 * `tenants/acme`), from the output's and the last rollout's manifests.
 */
export function guard(
  stacks: readonly StackChanges[],
  tenantOf: ReadonlyMap<string, string>,
  templateOf: ReadonlyMap<string, string>,
  allows: readonly Allow[],
): GuardResult {
  const refused: GuardFinding[] = [];
  const allowed: GuardFinding[] = [];
  const named: GuardFinding[] = [];
  for (const s of stacks) {
    for (const c of s.changes) {
      const removesStack = c.action === 'Remove' && c.type === 'AWS::CloudFormation::Stack';
      const guarded = isStateful(c.type) || removesStack;
      const kind: GuardKind | null =
        c.action === 'Remove' ? 'remove' : c.action === 'Modify' && (c.replacement === 'True' || c.replacement === 'Conditional') ? 'replace' : null;
      if (!kind) continue;
      const childTenant = removesStack ? tenantOfChild(s, c, tenantOf) : null;
      const tenant = childTenant ?? s.tenant;
      const template = templateOf.get(s.path) ?? (s.path === '' ? 'root' : s.path);
      // A tenant's whole stack is named by the tenant; anything else by its resource.
      const target: AllowTarget = childTenant
        ? { scope: 'tenant', tenant: childTenant, logicalId: null }
        : tenant
          ? { scope: 'tenant', tenant, logicalId: c.logicalId }
          : { scope: 'estate', template, logicalId: c.logicalId };
      // What holds data is refused by a check, which `replacement`/`removal` and `stateful`
      // lift; anything else is only the review's finding of its kind, matched as the review
      // matches it (a `stateful` allow names no certificate).
      const where = { tenant, template, logicalId: c.logicalId };
      const subject: AllowSubject = guarded ? { check: kind, ...where } : { kind: kind === 'replace' ? 'replacement' : 'removal', ...where };
      const by = allowsCovering(allows, subject).map(formatAllow);
      const f: GuardFinding = {
        kind,
        path: s.path,
        stackId: s.stackId,
        tenant,
        logicalId: c.logicalId,
        type: c.type,
        template,
        target,
        allowedBy: by,
      };
      if (guarded) (by.length ? allowed : refused).push(f);
      else if (by.length) named.push(f);
    }
  }
  return { refused, allowed, named };
}

/**
 * The allows deploy refuses as stale: of a kind some check of deploy's reads, and listed
 * by none of `findings` (the guard's, the lifecycle check's and the restore check's, each
 * with every allow covering it). So an allow counts as used here exactly when it covers
 * something, as the review counts it (compiler/allow.ts unusedAllows): overlapping allows
 * are all used on both sides.
 */
export function staleAllows(allows: readonly Allow[], findings: readonly { readonly allowedBy: readonly string[] }[]): Allow[] {
  return unusedAllows(
    allows.filter((a) => ALLOW_KIND_SPECS[a.kind].deploy.length > 0),
    findings.flatMap((f) => f.allowedBy),
  );
}
