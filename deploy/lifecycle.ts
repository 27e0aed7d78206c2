// Removal follows offboarding (README, "Tenant lifecycle"): a tenant's file may be
// deleted only once `status: offboarded` is deployed, so that its users were shown the
// way out, its rules removed and its fleet scaled to zero by a deploy of their own.
// Compile cannot see this: two pull requests (offboard, then delete) each compile
// cleanly, and both may be merged before one deploy. Deploy knows what is deployed: the
// record of the last rollout carries each tenant's status, so a tenant that leaves the
// output while its deployed status is not offboarded is refused before anything is
// uploaded, unless an allow of kind `lifecycle` names it.
import { type Allow, allowsCovering, formatAllow, templateName } from '../compiler/allow.ts';
import { quotedAllows } from './render.ts';
import type { AssetsManifest } from '../compiler/outputFormat.ts';

export interface LifecycleFinding {
  readonly tenant: string;
  /** Its status in the last rollout; null when the record predates statuses. */
  readonly deployedStatus: string | null;
  /** Every allow that covers it, as written, in the order given (compiler/allow.ts allowsCovering); empty: refused. */
  readonly allowedBy: readonly string[];
}

export function removedBeforeOffboarded(last: AssetsManifest | null, now: AssetsManifest, allows: readonly Allow[]): LifecycleFinding[] {
  if (!last) return [];
  const kept = new Set(now.nested.flatMap((n) => (n.tenant ? [n.tenant] : [])));
  const out: LifecycleFinding[] = [];
  for (const n of last.nested) {
    if (!n.tenant || kept.has(n.tenant) || n.status === 'offboarded') continue;
    const by = allowsCovering(allows, { check: 'lifecycle', tenant: n.tenant, template: templateName(n.file), logicalId: null });
    out.push({ tenant: n.tenant, deployedStatus: n.status ?? null, allowedBy: by.map(formatAllow) });
  }
  return out.sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}

export function lifecycleLines(findings: readonly LifecycleFinding[]): string[] {
  return findings.map((f) =>
    f.allowedBy.length
      ? `  allowed: ${f.tenant} leaves while ${f.deployedStatus ?? 'its status is unknown'}, by ${quotedAllows(f.allowedBy)}`
      : `  ${f.tenant}: removed from the output, but its deployed status is ${f.deployedStatus ?? 'unknown (the last record predates statuses)'}, not offboarded`,
  );
}
