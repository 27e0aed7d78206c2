import { tenantCacheDeniedCommands } from '../../plan/isolation.ts';
import { finding, resourcesOf, type SecurityRule } from '../rule.ts';
import { tenantOf } from './shared.ts';

/** Grants that open every key, channel or command, in the order findings name them. */
const WIDE_GRANTS = new Set(['allkeys', 'allchannels', '+@all', 'allcommands']);

/** The denials a tenant's cache user must end with, by engine (computed once, not per user). */
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
      if (tenant === null) {
        const grants = lower.filter((w) => w.startsWith('+') || w === 'allkeys' || w === 'allchannels' || w === 'allcommands');
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
      // One pass over the words (a tenant's cache user is one of thousands): its keys and
      // channels, where its grants are and where each denial last is.
      let keys = '';
      let channels = '';
      let firstGrant = -1;
      let lastGrant = -1;
      let allAt = -1;
      const lastDenial = new Map<string, number>();
      const wide = new Set<string>();
      for (let i = 0; i < words.length; i++) {
        const w = words[i]!;
        const l = lower[i]!;
        if (w.startsWith('~') || w.startsWith('%')) keys = keys ? `${keys} ${w}` : w;
        else if (w.startsWith('&')) channels = channels ? `${channels} ${w}` : w;
        if (l.startsWith('+')) {
          if (firstGrant < 0) firstGrant = i;
          lastGrant = i;
        } else if (l.startsWith('-')) {
          if (allAt < 0 && l === '-@all') allAt = i;
          lastDenial.set(l, i);
        }
        if (WIDE_GRANTS.has(l)) wide.add(l);
      }
      const problems: string[] = [];
      if (keys !== `~tenant:${tenant}:*`) problems.push(`keys ${keys || 'none'} instead of ~tenant:${tenant}:*`);
      if (channels !== `&tenant:${tenant}:*`) problems.push(`channels ${channels || 'none'} instead of &tenant:${tenant}:*`);
      for (const w of WIDE_GRANTS) if (wide.has(w)) problems.push(`grants ${w}`);
      if (allAt < 0 || firstGrant < allAt) problems.push('does not start from -@all');
      // Every denial must come after the last grant, or a later grant undoes it.
      // The user's own Engine says which commands exist to deny; anything but a literal
      // `redis` is held to Valkey's list, the longer one (WAITAOF).
      for (const c of REQUIRED_DENIALS[r.Properties?.Engine === 'redis' ? 'redis' : 'valkey']) {
        const at = lastDenial.get(c);
        if (at === undefined) problems.push(`lacks ${c}`);
        else if (at < lastGrant) problems.push(`${c} is undone by ${words[lastGrant]} after it`);
      }
      out.push(finding(this, name, id, problems.length === 0, problems.length ? problems.join('; ') : `confined to tenant:${tenant}:*`));
    }
    return out;
  },
};
