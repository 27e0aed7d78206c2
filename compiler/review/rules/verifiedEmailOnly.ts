import { finding, resourcesOf, type SecurityRule } from '../rule.ts';
import { asList } from './shared.ts';

export const verifiedEmailOnly: SecurityRule = {
  id: 'E406',
  types: ['AWS::Cognito::UserPool'],
  title: "A user pool keeps a user's verified email until the new one is verified",
  reason:
    "Without it a user may change their own email to anyone's, and the ID token's email claim is the new, unverified address at once: an app that trusts the claim (account linking, invitations, a lookup by email) hands that user another person's identity.",
  fix: "Set UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate to ['email'] on the pool (tenant/auth.ts).",
  check(template, name) {
    return resourcesOf(this, template).map(([id, r]) => {
      const settings = (r.Properties?.UserAttributeUpdateSettings ?? {}) as Record<string, unknown>;
      const ok = asList(settings.AttributesRequireVerificationBeforeUpdate).includes('email');
      return finding(this, name, id, ok, ok ? 'email changes wait for verification' : 'a changed email is the claim before it is verified');
    });
  },
};
