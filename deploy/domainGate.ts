// The domain gate: a tenant with its own DNS gets a certificate in its stack only once
// its domain stage has one issued for the same names (compiler/emit/cfn/domainStage.ts).
// A change set that would add or replace such a certificate while the stage is still
// waiting would hold the tenant's stack, its group, the root and every other tenant's
// change until a customer acts; deploy refuses it before anything runs instead, naming
// the tenant, the records and the way out.
import { type DomainStageTemplate, TENANT_CERTIFICATE } from '../compiler/outputFormat.ts';
import type { StackChanges } from './guard.ts';

export interface DomainGateFinding {
  readonly tenant: string;
  /** What the change set does: creates the tenant's stack, or adds or replaces its certificate. */
  readonly change: 'creates its stack' | 'adds its certificate' | 'replaces its certificate';
}

/**
 * `issued`: tenants whose domain stage is complete with the compiled names. Returns
 * the attached tenants whose certificate this change set would create without that.
 */
export function domainGate(stacks: readonly StackChanges[], stages: readonly DomainStageTemplate[], issued: ReadonlySet<string>): DomainGateFinding[] {
  const byPath = new Map(stacks.map((s) => [s.path, s]));
  const out: DomainGateFinding[] = [];
  for (const stage of stages) {
    if (!stage.attached || issued.has(stage.tenant)) continue;
    const slash = stage.tenantStack.lastIndexOf('/');
    const parent = byPath.get(slash === -1 ? '' : stage.tenantStack.slice(0, slash));
    const logicalId = stage.tenantStack.slice(slash + 1);
    if (parent?.changes.some((c) => c.logicalId === logicalId && c.action === 'Add')) {
      out.push({ tenant: stage.tenant, change: 'creates its stack' });
      continue;
    }
    const cert = byPath.get(stage.tenantStack)?.changes.find((c) => c.logicalId === TENANT_CERTIFICATE);
    if (cert?.action === 'Add') out.push({ tenant: stage.tenant, change: 'adds its certificate' });
    else if (cert?.action === 'Modify' && cert.replacement !== 'False') out.push({ tenant: stage.tenant, change: 'replaces its certificate' });
  }
  return out;
}
