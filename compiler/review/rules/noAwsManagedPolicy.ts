import { finding, resourceEntries, type SecurityRule } from '../rule.ts';
import { asList, text } from './shared.ts';

/** Resource types that carry policies by ARN. */
const HOLDERS = new Set(['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group']);

/** Every role (and user or group) the compiler emits carries only policies the estate wrote. */
export const noAwsManagedPolicy: SecurityRule = {
  id: 'E402',
  types: [...HOLDERS],
  title: 'No AWS managed policy on any role',
  reason:
    'AWS managed policies grant by service, not by tenant, and AWS changes them without a review of ours: AmazonSSMManagedInstanceCore allows ssm:GetParameter on "*", so the pooled fleet (or a premium tenant role) carrying it read every tenant\'s parameters.',
  fix: "Write what the role needs in a policy of the estate, naming its ARNs (tenant/iam.ts for a tenant role; compute.ts's sessionManagerAgent for Session Manager, the agent's actions only).",
  check(template, name) {
    return resourceEntries(template)
      .filter(([, r]) => HOLDERS.has(r.Type))
      .map(([id, r]) => {
        const aws = asList(r.Properties?.ManagedPolicyArns).filter((a) => /:iam::aws:policy\//.test(text(a)));
        return finding(this, name, id, aws.length === 0, aws.length ? `carries ${aws.map(text).join(', ')}` : 'only policies of the estate');
      });
  },
};
