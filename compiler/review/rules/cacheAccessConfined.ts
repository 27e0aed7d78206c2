import { tenantCacheDeniedCommands } from '../../plan/isolation.ts';
import { finding, resourcesOf, type SecurityRule } from '../rule.ts';
import { tenantOf } from './shared.ts';

/** The denials a tenant's cache user must end with, by engine: built once, not for each of thousands of users. */
const REQUIRED_DENIALS = {
  redis: ['-@dangerous', '-@admin', '-@scripting', ...tenantCacheDeniedCommands('redis').map((c) => `-${c}`)],
  valkey: ['-@dangerous', '-@admin', '-@scripting', ...tenantCacheDeniedCommands('valkey').map((c) => `-${c}`)],
} as const;

/** What a tenant's cache user may reach: its own keys and channels, and no command that reveals others'. */
export const cacheAccessConfined: SecurityRule = {
  id: 'E501',
  types: ['AWS::ElastiCache::User'],
  title: "A tenant's cache user is confined to tenant:<id>:* and denied the key-revealing commands",
  reason:
    "In a shared cluster the access string is the only wall between tenants: a wider pattern, or a command that lists keys, tracks them (CLIENT TRACKING BCAST) or reads another database, shows one tenant another's keys.",
  fix: 'Build the access string with tenantCacheAccessString (plan/isolation.ts).',
  check(template, name) {
    const out = [];
    for (const [id, r] of resourcesOf(this, template)) {
      const tenant = tenantOf(r);
      const words = String(r.Properties?.AccessString ?? '').split(/\s+/);
      // Redis applies the rules in order and reads keywords, categories and command names
      // in any case: `-@all ... -waitaof +WAITAOF` or `... ALLKEYS` undo what came before.
      const lower = words.map((w) => w.toLowerCase());
      const grants = lower.filter((w) => w.startsWith('+') || w === 'allkeys' || w === 'allchannels' || w === 'allcommands');
      if (tenant === null) {
        // A user of no tenant (the platform's replacement for the default user) must be off
        // and grant nothing: in a tenant's user group it would be a way in for anyone.
        const off = lower[0] === 'off' && !lower.includes('on') && grants.length === 0;
        out.push(
          finding(
            this,
            name,
            id,
            off,
            off ? 'a user of no tenant, off and granting nothing' : `a user of no tenant that is not off or grants ${grants.join(' ') || 'access'}`,
          ),
        );
        continue;
      }
      const problems: string[] = [];
      const keys = words.filter((w) => w.startsWith('~') || w.startsWith('%'));
      const channels = words.filter((w) => w.startsWith('&'));
      if (keys.join(' ') !== `~tenant:${tenant}:*`) problems.push(`keys ${keys.join(' ') || 'none'} instead of ~tenant:${tenant}:*`);
      if (channels.join(' ') !== `&tenant:${tenant}:*`) problems.push(`channels ${channels.join(' ') || 'none'} instead of &tenant:${tenant}:*`);
      for (const w of ['allkeys', 'allchannels', '+@all', 'allcommands']) if (lower.includes(w)) problems.push(`grants ${w}`);
      const allAt = lower.indexOf('-@all');
      if (allAt < 0 || lower.findIndex((w) => w.startsWith('+')) < allAt) problems.push('does not start from -@all');
      // Every denial must come after the last grant, or a later grant undoes it.
      const lastGrant = lower.reduce((at, w, i) => (w.startsWith('+') ? i : at), -1);
      // The user's own Engine says which commands exist to deny; anything but a literal
      // `redis` is held to Valkey's list, the longer one (WAITAOF).
      const engine = r.Properties?.Engine === 'redis' ? 'redis' : 'valkey';
      for (const c of REQUIRED_DENIALS[engine]) {
        const at = lower.lastIndexOf(c);
        if (at < 0) problems.push(`lacks ${c}`);
        else if (at < lastGrant) problems.push(`${c} is undone by ${words[lastGrant]} after it`);
      }
      out.push(finding(this, name, id, problems.length === 0, problems.length ? problems.join('; ') : `confined to tenant:${tenant}:*`));
    }
    return out;
  },
};
