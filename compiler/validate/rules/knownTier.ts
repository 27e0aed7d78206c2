import type { Rule } from '../rule.ts';

export const knownTier: Rule = {
  id: 'tier-unknown',
  codes: ['tier-unknown', 'tier-feature'],
  title: 'A tenant names a tier the platform defines, and uses only what the tier allows',
  reason: 'What a tenant gets (dedicated compute and cache, log retention, federation) comes from its tier; an unknown tier has no definition to compile.',
  check({ platform, tenants }) {
    if (!platform) return [];
    const tiers = platform.value.tiers;
    const names = Object.keys(tiers).sort();
    return tenants.flatMap(({ source, value }) => {
      const tier = Object.hasOwn(tiers, value.tier) ? tiers[value.tier] : undefined;
      if (!tier) {
        return [source.diagnostic('tier-unknown', ['tier'], `tier "${value.tier}" is not defined by the platform manifest (defined: ${names.join(', ')})`)];
      }
      if (value.auth.federation && !tier.federation) {
        return [
          source.diagnostic(
            'tier-feature',
            ['auth', 'federation'],
            `auth.federation: tier "${value.tier}" does not allow federation; move the tenant to a tier that does or remove federation`,
          ),
        ];
      }
      return [];
    });
  },
};
