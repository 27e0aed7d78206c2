import { finding, resourcesOf, type SecurityRule } from '../rule.ts';

/** Above the 8 of AWS's own checks (cdk-nag COG1): some pools run without MFA, where the password is the only factor. */
const MIN_LENGTH = 12;
const CLASSES = ['RequireLowercase', 'RequireUppercase', 'RequireNumbers', 'RequireSymbols'] as const;

export const passwordPolicyStrong: SecurityRule = {
  id: 'E405',
  types: ['AWS::Cognito::UserPool'],
  title: 'Every user pool asks for passwords of at least 12 characters with every character class',
  reason:
    "Each tenant's users sign in to its own pool; a weak policy in one pool is the platform's breach all the same, and some tenants run without MFA, where the password is the only factor.",
  fix: 'Leave auth.passwordPolicy at its defaults (12, every class) or stronger; a tenant that must stay below needs identity.minimumPasswordLength lowered and this rule suppressed for its pool, with the reason, in the platform manifest.',
  check(template, name) {
    return resourcesOf(this, template).map(([id, r]) => {
      const p = ((r.Properties?.Policies as Record<string, unknown> | undefined)?.PasswordPolicy ?? {}) as Record<string, unknown>;
      const problems = [
        ...(Number(p.MinimumLength ?? 8) >= MIN_LENGTH ? [] : [`minimum length ${String(p.MinimumLength ?? 8)}`]),
        ...CLASSES.filter((c) => p[c] !== true).map((c) => `${c} off`),
      ];
      return finding(this, name, id, problems.length === 0, problems.length ? problems.join(', ') : `${String(p.MinimumLength)} characters, every class`);
    });
  },
};
