import { finding, resourcesOf, resourcesOfTypes, type SecurityRule } from '../rule.ts';
import { asList, tenantOf } from './shared.ts';

/** A metric filter whose dimension comes from the event also requires the event to be the tenant's. */
export const metricFilterBindsTenant: SecurityRule = {
  id: 'E502',
  types: ['AWS::Logs::MetricFilter'],
  title: "Metric filters that take a dimension from the event bind the tenant's id in their pattern",
  reason: "A TenantId dimension read from the log event lets an event in one tenant's log group name another tenant, driving that tenant's metrics and alarms.",
  fix: 'Require ($.<field> = "<tenant id>") in the filter pattern for every dimension read from the event (tenant/observability.ts).',
  check(template, name) {
    const out = [];
    for (const [id, r] of resourcesOf(this, template)) {
      const target = r.Properties?.LogGroupName;
      const refId = (target as { Ref?: string } | undefined)?.Ref;
      const group = refId
        ? template.Resources[refId]
        : resourcesOfTypes(template, ['AWS::Logs::LogGroup']).find(([, g]) => g.Properties?.LogGroupName === target)?.[1];
      const tenant = group ? tenantOf(group) : null;
      // Whitespace dropped once, so binding a field is a substring test rather than a
      // regular expression compiled per dimension of thousands of templates.
      const pattern = String(r.Properties?.FilterPattern ?? '').replace(/\s+/g, '');
      const problems: string[] = [];
      for (const t of asList(r.Properties?.MetricTransformations) as { Dimensions?: { Key: string; Value: string }[] }[]) {
        for (const d of t.Dimensions ?? []) {
          const field = /^\$\.(.+)$/.exec(d.Value)?.[1];
          if (!field) continue;
          const bound = tenant !== null && pattern.includes(`$.${field}="${tenant}"`);
          if (!bound)
            problems.push(
              `dimension ${d.Key} comes from $.${field}, which the pattern does not bind to ${tenant === null ? "the group's tenant" : `"${tenant}"`}`,
            );
        }
      }
      out.push(finding(this, name, id, problems.length === 0, problems.length ? problems.join('; ') : 'dimensions bound to the tenant'));
    }
    return out;
  },
};
