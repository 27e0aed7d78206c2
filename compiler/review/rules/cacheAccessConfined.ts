import { tenantCacheDeniedCommands } from '../../plan/isolation.ts';
import { finding, resourcesOf, type SecurityRule } from '../rule.ts';
import { tenantOf } from './shared.ts';

/** The denials a tenant's cache user must end with, by engine: built once, not for each of thousands of users. */
const REQUIRED_DENIALS = {
  redis: ['-@dangerous', '-@admin', '-@scripting', ...tenantCacheDeniedCommands('redis').map((c) => `-${c}`)],
  valkey: ['-@dangerous', '-@admin', '-@scripting', ...tenantCacheDeniedCommands('valkey').map((c) => `-${c}`)],
} as const;

/** Each engine's required denials by word, to the first of their positions in its list. */
const positions = (list: readonly string[]) => new Map(list.map((c) => [c, list.indexOf(c)]));
const DENIAL_AT = { redis: positions(REQUIRED_DENIALS.redis), valkey: positions(REQUIRED_DENIALS.valkey) } as const;

/** The grants no tenant's user may hold, in the order findings name them. */
const WIDE_GRANTS = ['allkeys', 'allchannels', '+@all', 'allcommands'] as const;

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
      // One pass over the words, in their order, for what each finding below asks of
      // them (keys, channels, grants and where they stand, each denial's last place),
      // where a filter, an includes or a lastIndexOf each went over the ~35 words of
      // each of 5,000 users (docs/benchmark.md).
      // The user's own Engine says which commands exist to deny; anything but a literal
      // `redis` is held to Valkey's list, the longer one (WAITAOF).
      const engine = r.Properties?.Engine === 'redis' ? 'redis' : 'valkey';
      const denialAt = DENIAL_AT[engine];
      const deniedLast: number[] = REQUIRED_DENIALS[engine].map(() => -1);
      let keys = '';
      let channels = '';
      const wide = [false, false, false, false];
      let allAt = -1;
      let firstGrant = -1;
      let lastGrant = -1;
      for (let i = 0; i < lower.length; i++) {
        const w = lower[i]!;
        const first = w.charCodeAt(0);
        if (first === 126 /* ~ */ || first === 37 /* % */) keys = keys ? `${keys} ${words[i]}` : words[i]!;
        else if (first === 38 /* & */) channels = channels ? `${channels} ${words[i]}` : words[i]!;
        else if (first === 43 /* + */) {
          if (firstGrant < 0) firstGrant = i;
          lastGrant = i;
        } else if (first === 45 /* - */) {
          if (allAt < 0 && w === '-@all') allAt = i;
          const d = denialAt.get(w);
          if (d !== undefined) deniedLast[d] = i;
        }
        if (first === 97 /* a */ || first === 43) {
          const g = WIDE_GRANTS.indexOf(w as (typeof WIDE_GRANTS)[number]);
          if (g >= 0) wide[g] = true;
        }
      }
      const problems: string[] = [];
      if (keys !== `~tenant:${tenant}:*`) problems.push(`keys ${keys || 'none'} instead of ~tenant:${tenant}:*`);
      if (channels !== `&tenant:${tenant}:*`) problems.push(`channels ${channels || 'none'} instead of &tenant:${tenant}:*`);
      WIDE_GRANTS.forEach((w, g) => {
        if (wide[g]) problems.push(`grants ${w}`);
      });
      if (allAt < 0 || firstGrant < allAt) problems.push('does not start from -@all');
      // Every denial must come after the last grant, or a later grant undoes it.
      for (const c of REQUIRED_DENIALS[engine]) {
        const at = deniedLast[denialAt.get(c)!]!;
        if (at < 0) problems.push(`lacks ${c}`);
        else if (at < lastGrant) problems.push(`${c} is undone by ${words[lastGrant]} after it`);
      }
      out.push(finding(this, name, id, problems.length === 0, problems.length ? problems.join('; ') : `confined to tenant:${tenant}:*`));
    }
    return out;
  },
};
