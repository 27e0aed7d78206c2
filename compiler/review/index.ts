// The security rule pack, and a runner over a set of compiled templates.
import type { Finding, SecurityRule, Template } from './rule.ts';
import { autoScalingNotifies } from './rules/autoScalingNotifies.ts';
import { bucketsPrivate } from './rules/bucketsPrivate.ts';
import { cacheAccessConfined } from './rules/cacheAccessConfined.ts';
import { crossTenantDenyCoversService } from './rules/crossTenantDenyCoversService.ts';
import { endUserRoleScoped } from './rules/endUserRoleScoped.ts';
import { encryptedAtRest } from './rules/encryptedAtRest.ts';
import { imdsV2Required } from './rules/imdsV2Required.ts';
import { metricFilterBindsTenant } from './rules/metricFilterBindsTenant.ts';
import { noAwsManagedPolicy } from './rules/noAwsManagedPolicy.ts';
import { noForeignDynamicReference } from './rules/noForeignDynamicReference.ts';
import { noOpenIngress } from './rules/noOpenIngress.ts';
import { noWildcardAdmin } from './rules/noWildcardAdmin.ts';
import { passwordPolicyStrong } from './rules/passwordPolicyStrong.ts';
import { physicalNamesUnique } from './rules/physicalNamesUnique.ts';
import { publicEntryProtected } from './rules/publicEntryProtected.ts';
import { queuesRequireTls } from './rules/queuesRequireTls.ts';
import { secretsRotate } from './rules/secretsRotate.ts';
import { statefulRetained } from './rules/statefulRetained.ts';
import { tenantRoleTrust } from './rules/tenantRoleTrust.ts';
import { verifiedEmailOnly } from './rules/verifiedEmailOnly.ts';

export const SECURITY_RULES: readonly SecurityRule[] = [
  noOpenIngress,
  publicEntryProtected,
  imdsV2Required,
  autoScalingNotifies,
  statefulRetained,
  encryptedAtRest,
  bucketsPrivate,
  crossTenantDenyCoversService,
  secretsRotate,
  queuesRequireTls,
  noWildcardAdmin,
  noAwsManagedPolicy,
  tenantRoleTrust,
  endUserRoleScoped,
  passwordPolicyStrong,
  verifiedEmailOnly,
  cacheAccessConfined,
  metricFilterBindsTenant,
  physicalNamesUnique,
  noForeignDynamicReference,
];

/** Every finding of every rule over `templates` (name → parsed template). */
export function reviewTemplates(templates: ReadonlyMap<string, Template>): Finding[] {
  const out: Finding[] = [];
  const seen = new Map(SECURITY_RULES.map((r) => [r.id, new Map<string, unknown>()]));
  for (const [name, t] of templates) for (const rule of SECURITY_RULES) out.push(...rule.check(t, name, seen.get(rule.id)!));
  return out;
}
