import { finding, type SecurityRule } from '../rule.ts';
import { asList, tenantOf, text } from './shared.ts';

/** Tenant roles (and every role of a tenant's stack) carry only policies the estate wrote. */
export const noAwsManagedPolicyOnTenantRole: SecurityRule = {
  id: 'E402',
  title: 'No AWS managed policy on a tenant role',
  reason:
    'AWS managed policies grant by service, not by tenant: AmazonSSMManagedInstanceCore allows ssm:GetParameter on "*", so a premium tenant role carrying it read every tenant\'s parameters.',
  fix: "Grant what the role needs in the tenant's own policy, naming the tenant's ARNs (tenant/iam.ts); for Session Manager, the agent's actions only.",
  check(template, name) {
    return Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role' && tenantOf(r) !== null)
      .map(([id, r]) => {
        const aws = asList(r.Properties?.ManagedPolicyArns).filter((a) => /:iam::aws:policy\//.test(text(a)));
        return finding(this, name, id, aws.length === 0, aws.length ? `carries ${aws.map(text).join(', ')}` : 'only its own policies');
      });
  },
};
