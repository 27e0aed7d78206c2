import { finding, resourcesOf, type SecurityRule } from '../rule.ts';
import { statements, tagsOf, tenantOf, text } from './shared.ts';

/**
 * Who may become a tenant role: the shared fleet with the tenant's own session tag (a
 * shared-compute tenant), its own dedicated fleet (EC2), its own identity pool (end
 * users), or nobody.
 */
export const tenantRoleTrust: SecurityRule = {
  id: 'E403',
  types: ['AWS::IAM::Role'],
  title: "A tenant role trusts only the fleet that serves the tenant, bound to the tenant's own id",
  reason:
    "A trust that admits the shared fleet without the tenant's session tag, or admits it for a premium tenant, lets code serving one tenant act as another: isolation then stops at compute.",
  fix: "Trust the pooled fleet only for shared-compute tenants, with aws:RequestTag/tenant-id equal to the tenant's id and no other session tag (tenant/iam.ts tenantTrustPolicy).",
  check(template, name) {
    const out = [];
    for (const [id, r] of resourcesOf(this, template)) {
      const tenant = tenantOf(r);
      if (tenant === null) continue;
      const compute = tagsOf(r)['tenantc:compute'];
      const problems: string[] = [];
      for (const s of statements(r.Properties?.AssumeRolePolicyDocument)) {
        if (s.Effect !== 'Allow') continue;
        const p = s.Principal as { AWS?: unknown; Service?: unknown; Federated?: unknown } | string | undefined;
        const cond = s.Condition ?? {};
        if (typeof p === 'object' && p.AWS !== undefined) {
          const tagged = text(cond.StringEquals?.['aws:RequestTag/tenant-id']) === tenant;
          const onlyTag = JSON.stringify(cond['ForAllValues:StringEquals']?.['aws:TagKeys']) === JSON.stringify(['tenant-id']);
          if (compute !== 'shared') problems.push(`trusts ${text(p.AWS)} though the tenant is not on shared compute`);
          else if (!tagged || !onlyTag) problems.push(`trusts ${text(p.AWS)} without binding the session tag to "${tenant}" alone`);
        } else if (typeof p === 'object' && text(p.Service) === 'ec2.amazonaws.com') {
          if (compute !== 'dedicated') problems.push('trusts EC2 though the tenant has no dedicated fleet');
        } else if (typeof p === 'object' && text(p.Federated) === 'cognito-identity.amazonaws.com') {
          if (cond.StringEquals?.['cognito-identity.amazonaws.com:aud'] === undefined)
            problems.push("trusts Cognito identities without naming the tenant's identity pool");
        } else problems.push(`trusts ${text(p)}`);
      }
      out.push(finding(this, name, id, problems.length === 0, problems.length ? problems.join('; ') : 'trusts only what serves the tenant'));
    }
    return out;
  },
};
