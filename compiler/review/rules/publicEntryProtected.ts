import { finding, resourceEntries, resourcesOfTypes, type SecurityRule } from '../rule.ts';
import { asList, text } from './shared.ts';

/** Every public entry point has WAF and access logs, or says the platform manifest turned them off. */
export const publicEntryProtected: SecurityRule = {
  id: 'E102',
  types: ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::CloudFront::Distribution'],
  title: 'Every ALB and distribution has a WAF web ACL and access logs, unless the platform manifest turns them off',
  reason:
    "The ALBs and the distribution take every tenant's traffic: without a web ACL, common attacks and floods reach the apps; without access logs, an incident cannot be traced to a request.",
  fix: 'Keep edge.waf and edge.accessLogs on in the platform manifest (edge.ts); turning one off is recorded on the resource.',
  check(template, name) {
    const out = [];
    const choice = (r: { Metadata?: unknown }) => (r.Metadata as Record<string, unknown> | undefined)?.['tenantc:edge'];
    for (const [id, r] of resourceEntries(template)) {
      const problems: string[] = [];
      if (r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') {
        const attrs = asList(r.Properties?.LoadBalancerAttributes) as { Key: string; Value: unknown }[];
        const logs = attrs.some((a) => a.Key === 'access_logs.s3.enabled' && a.Value === 'true');
        const waf = resourcesOfTypes(template, ['AWS::WAFv2::WebACLAssociation']).some(
          ([, a]) => text(a.Properties?.ResourceArn) === JSON.stringify({ Ref: id }),
        );
        if (!logs && !String(choice(r) ?? '').includes('accessLogs')) problems.push('no access logs');
        if (!waf && !String(choice(r) ?? '').includes('waf')) problems.push('no web ACL');
      } else if (r.Type === 'AWS::CloudFront::Distribution') {
        const config = (r.Properties?.DistributionConfig ?? {}) as Record<string, unknown>;
        const logs =
          config.Logging !== undefined ||
          resourcesOfTypes(template, ['AWS::Logs::DeliverySource']).some(([, d]) => text(d.Properties?.ResourceArn).includes(id));
        if (!logs && !String(choice(r) ?? '').includes('accessLogs')) problems.push('no access logs');
        if (config.WebACLId === undefined && !String(choice(r) ?? '').includes('waf')) problems.push('no web ACL');
      } else continue;
      out.push(
        finding(this, name, id, problems.length === 0, problems.length ? problems.join('; ') : choice(r) ? String(choice(r)) : 'web ACL and access logs'),
      );
    }
    return out;
  },
};
