// The security rule pack, and a runner over a set of compiled templates.
import type { Finding, SecurityRule, Template } from './rule.ts';
import { bucketsPrivate } from './rules/bucketsPrivate.ts';
import { encryptedAtRest } from './rules/encryptedAtRest.ts';
import { imdsV2Required } from './rules/imdsV2Required.ts';
import { noOpenIngress } from './rules/noOpenIngress.ts';
import { noWildcardAdmin } from './rules/noWildcardAdmin.ts';
import { statefulRetained } from './rules/statefulRetained.ts';

export const SECURITY_RULES: readonly SecurityRule[] = [noOpenIngress, imdsV2Required, statefulRetained, encryptedAtRest, bucketsPrivate, noWildcardAdmin];

/** Every finding of every rule over `templates` (name → parsed template). */
export function reviewTemplates(templates: ReadonlyMap<string, Template>): Finding[] {
  const out: Finding[] = [];
  for (const [name, t] of templates) for (const rule of SECURITY_RULES) out.push(...rule.check(t, name));
  return out;
}
