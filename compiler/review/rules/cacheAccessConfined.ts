import { tenantCacheDeniedCommands } from '../../plan/isolation.ts';
import { finding, resourcesOf, type SecurityRule } from '../rule.ts';
import { tenantOf } from './shared.ts';

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
      if (tenant === null) continue;
      const words = String(r.Properties?.AccessString ?? '').split(/\s+/);
      const problems: string[] = [];
      const keys = words.filter((w) => w.startsWith('~') || w.startsWith('%'));
      const channels = words.filter((w) => w.startsWith('&'));
      if (keys.join(' ') !== `~tenant:${tenant}:*`) problems.push(`keys ${keys.join(' ') || 'none'} instead of ~tenant:${tenant}:*`);
      if (channels.join(' ') !== `&tenant:${tenant}:*`) problems.push(`channels ${channels.join(' ') || 'none'} instead of &tenant:${tenant}:*`);
      for (const w of ['allkeys', 'allchannels', '+@all', 'allcommands']) if (words.includes(w)) problems.push(`grants ${w}`);
      const allAt = words.indexOf('-@all');
      if (allAt < 0 || words.findIndex((w) => w.startsWith('+')) < allAt) problems.push('does not start from -@all');
      // The user's own Engine says which commands exist to deny; anything but a literal
      // `redis` is held to Valkey's list, the longer one (WAITAOF).
      const engine = r.Properties?.Engine === 'redis' ? 'redis' : 'valkey';
      for (const c of ['-@dangerous', '-@admin', '-@scripting', ...tenantCacheDeniedCommands(engine).map((c) => `-${c}`)])
        if (!words.includes(c)) problems.push(`lacks ${c}`);
      out.push(finding(this, name, id, problems.length === 0, problems.length ? problems.join('; ') : `confined to tenant:${tenant}:*`));
    }
    return out;
  },
};
