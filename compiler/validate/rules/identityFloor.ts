import type { Diagnostic } from '../../diagnostics.ts';
import type { Rule } from '../rule.ts';

const MFA_ORDER = ['off', 'optional', 'required'] as const;

export const identityFloor: Rule = {
  id: 'identity-floor',
  codes: ['identity-floor'],
  title: "A tenant's sign-in meets the platform's floors (MFA, password length)",
  reason:
    "Each tenant has its own user pool, so each could otherwise weaken its own sign-in below what the platform promises every customer; a breached weak pool is still the platform's breach.",
  check({ platform, tenants }) {
    if (!platform) return [];
    const floor = platform.value.identity ?? {};
    const minMfa = floor.minimumMfa ?? 'optional';
    const minLength = floor.minimumPasswordLength ?? 12;
    const out: Diagnostic[] = [];
    for (const { source, value } of tenants) {
      if (MFA_ORDER.indexOf(value.auth.mfa) < MFA_ORDER.indexOf(minMfa)) {
        out.push(
          source.diagnostic(
            'identity-floor',
            ['auth', 'mfa'],
            `auth.mfa "${value.auth.mfa}" is below the platform's minimum "${minMfa}" (${platform.source.path}: identity.minimumMfa)`,
          ),
        );
      }
      const length = value.auth.passwordPolicy?.minLength;
      if (length !== undefined && length < minLength) {
        out.push(
          source.diagnostic(
            'identity-floor',
            ['auth', 'passwordPolicy', 'minLength'],
            `auth.passwordPolicy.minLength ${length} is below the platform's minimum ${minLength} (${platform.source.path}: identity.minimumPasswordLength)`,
          ),
        );
      }
    }
    return out;
  },
};
