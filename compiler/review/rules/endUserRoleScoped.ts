import { finding, resourcesOf, type SecurityRule } from '../rule.ts';
import { asList, statements, text } from './shared.ts';

const USER_VARIABLE = '${cognito-identity.amazonaws.com:sub}';

/** Roles end users reach through an identity pool: each user's own objects, nothing of the workload. */
export const endUserRoleScoped: SecurityRule = {
  id: 'E404',
  types: ['AWS::IAM::Role'],
  title: "End users' identity-pool roles reach only each user's own folder",
  reason:
    "A signed-in end user holding the tenant's workload policy reads and deletes every object of the tenant, its secret and its logs: the application's own authorization is bypassed.",
  fix: 'Give the identity role its own policy on tenants/<id>/users/${cognito-identity.amazonaws.com:sub}/ (tenant/auth.ts endUserPolicyDocument), never the tenant policy.',
  check(template, name) {
    const out = [];
    for (const [id, r] of resourcesOf(this, template)) {
      const federated = statements(r.Properties?.AssumeRolePolicyDocument).some(
        (s) => text((s.Principal as { Federated?: unknown } | undefined)?.Federated) === 'cognito-identity.amazonaws.com',
      );
      if (!federated) continue;
      const problems: string[] = [];
      if (asList(r.Properties?.ManagedPolicyArns).length)
        problems.push(`carries managed policies ${asList(r.Properties?.ManagedPolicyArns).map(text).join(', ')}`);
      for (const p of asList(r.Properties?.Policies) as { PolicyDocument?: unknown }[]) {
        for (const s of statements(p.PolicyDocument)) {
          if (s.Effect !== 'Allow') continue;
          const actions = asList(s.Action).map(String);
          const objects = actions.filter((a) => a.startsWith('s3:'));
          const others = actions.filter((a) => !a.startsWith('s3:') && !/^kms:(Decrypt|GenerateDataKey)$/.test(a));
          if (others.length) problems.push(`allows ${others.join(', ')}`);
          const scoped = [...asList(s.Resource), ...Object.values(s.Condition ?? {}).flatMap((c) => Object.values(c))].some((v) =>
            text(v).includes(USER_VARIABLE),
          );
          if (objects.length && !scoped) problems.push(`allows ${objects.join(', ')} beyond the user's own folder`);
        }
      }
      out.push(finding(this, name, id, problems.length === 0, problems.length ? problems.join('; ') : "each user's own folder only"));
    }
    return out;
  },
};
