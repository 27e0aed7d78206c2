// What the gate found, in the two forms compile gives it: diagnostics that point at the
// manifest a template came from (a tenant's file for its stack, the platform manifest
// for everything shared), and out/review.json, which records the suppressions applied
// so that `tenantc check` re-reviews an output directory exactly as compile did.
import type { Diagnostic } from '../diagnostics.ts';
import { compareStrings } from '../diagnostics.ts';
import type { EstatePlan } from '../plan/model.ts';
import type { ValidatedEstate } from '../validate/validateEstate.ts';
import type { ReviewResult } from './gate.ts';
import type { SecurityRule } from './rule.ts';

export const REVIEW_FILE = 'review.json';

const TENANT_TEMPLATE = /^tenants\/([a-z0-9-]+)\.template\.json$/;

export function reviewDiagnostics(estate: ValidatedEstate, review: ReviewResult, rules: readonly SecurityRule[]): Diagnostic[] {
  const platform = estate.platform.source;
  const tenantSources = new Map(estate.tenants.map((t) => [t.value.id, t.source]));
  const out: Diagnostic[] = [];
  for (const f of review.violations) {
    const rule = rules.find((r) => r.id === f.rule)!;
    const tenant = TENANT_TEMPLATE.exec(f.template)?.[1];
    const source = (tenant && tenantSources.get(tenant)) || platform;
    out.push({
      ...source.diagnostic('security-rule', source === platform ? ['name'] : ['id'], `${f.rule} ${rule.title}: ${f.template} ${f.resource}: ${f.message}`),
      notes: [
        `why: ${rule.reason}`,
        `fix: ${rule.fix}`,
        `or accept it on purpose in ${platform.path} under review.suppressions: { rule: ${f.rule}, template: ${f.template}, resource: ${f.resource}, reason: "..." }`,
      ],
    });
  }
  for (const s of review.unused) {
    const unsuppressible = rules.find((r) => r.id === s.rule && r.suppressible === false);
    out.push(
      platform.diagnostic(
        'suppression-unused',
        ['review', 'suppressions', s.index],
        unsuppressible
          ? `review.suppressions[${s.index}] names ${s.rule}, which no suppression can accept (${unsuppressible.title}): remove it`
          : `review.suppressions[${s.index}] (${s.rule} ${s.template} ${s.resource}) accepts no finding: remove it, so it cannot hide a future one`,
      ),
    );
  }
  return out;
}

/** out/review.json: the rules applied, the suppressions declared and what each accepted. */
export function reviewRecord(plan: EstatePlan, review: ReviewResult, rules: readonly SecurityRule[]): string {
  const suppressed = [...review.suppressed]
    .map(({ finding, suppression }) => ({
      rule: finding.rule,
      template: finding.template,
      resource: finding.resource,
      message: finding.message,
      reason: suppression.reason,
    }))
    .sort((a, b) => compareStrings(a.template, b.template) || compareStrings(a.resource, b.resource) || compareStrings(a.rule, b.rule));
  const record = {
    rules: rules.map((r) => r.id),
    suppressions: plan.platform.suppressions.map(({ rule, template, resource, reason }) => ({ rule, template, resource, reason })),
    suppressed,
  };
  return `${JSON.stringify(record, null, 2)}\n`;
}
