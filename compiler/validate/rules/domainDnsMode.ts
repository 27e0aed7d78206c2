import type { Diagnostic } from '../../diagnostics.ts';
import { isSameOrUnder, normalizeDomain, type Rule } from '../rule.ts';

/** Host names under the apex that the platform itself serves. */
export const RESERVED_PLATFORM_LABELS: readonly string[] = ['admin', 'api', 'assets', 'auth', 'cdn', 'internal', 'mail', 'status', 'www'];

export const domainDnsMode: Rule = {
  id: 'domain-dns-mode',
  codes: ['domain-dns-mode'],
  title: "Domains fit the tenant's DNS mode",
  reason:
    "platform: the wildcard certificate *.<apex> covers exactly one label, so a platform domain is <label>.<apex>. delegated: we can only answer for names inside the delegated zone. external: a name under the apex is the platform's, not the tenant's.",
  check({ platform, tenants }) {
    if (!platform) return [];
    const apex = normalizeDomain(platform.value.apexDomain);
    const out: Diagnostic[] = [];
    for (const { source, value } of tenants) {
      const mode = value.dns.mode;
      const zone = value.dns.zone ? normalizeDomain(value.dns.zone) : undefined;
      if (mode === 'delegated' && !zone)
        out.push(source.diagnostic('domain-dns-mode', ['dns'], 'dns: mode "delegated" needs `zone`, the zone the tenant delegates to us'));
      if (mode !== 'delegated' && zone)
        out.push(source.diagnostic('domain-dns-mode', ['dns', 'zone'], `dns.zone is only for mode "delegated" (mode is "${mode}")`));
      if (mode === 'platform' && value.dns.validated !== undefined)
        out.push(
          source.diagnostic(
            'domain-dns-mode',
            ['dns', 'validated'],
            'dns.validated is only for modes "delegated" and "external": platform DNS is always ready',
          ),
        );
      if (value.dns.platformDomain !== undefined) {
        const kept = normalizeDomain(value.dns.platformDomain);
        const at = (m: string) =>
          out.push(source.diagnostic('domain-dns-mode', ['dns', 'platformDomain'], `dns.platformDomain "${value.dns.platformDomain}" ${m}`));
        const label = kept.endsWith(`.${apex}`) ? kept.slice(0, -apex.length - 1) : null;
        if (mode === 'platform') at('is only for modes "delegated" and "external": it keeps the platform host of a tenant moving to its own DNS');
        else if (label === null || label.includes('.')) at(`must be <name>.${apex}, the host the tenant had on platform DNS`);
        else if (RESERVED_PLATFORM_LABELS.includes(label)) at(`uses "${label}", a name reserved for the platform (${RESERVED_PLATFORM_LABELS.join(', ')})`);
      }
      if (zone && isSameOrUnder(zone, apex))
        out.push(source.diagnostic('domain-dns-mode', ['dns', 'zone'], `dns.zone "${zone}" is inside the platform apex "${apex}": use mode "platform"`));
      value.domains.forEach((raw, i) => {
        const d = normalizeDomain(raw);
        const at = (m: string) => out.push(source.diagnostic('domain-dns-mode', ['domains', i], `domains[${i}] "${raw}" ${m}`));
        if (d === apex) return at('is the platform apex itself and belongs to no tenant');
        if (mode === 'platform') {
          if (!d.endsWith(`.${apex}`) || d.slice(0, -apex.length - 1).includes('.')) {
            return at(`must be <name>.${apex} in dns mode "platform" (the platform wildcard certificate covers one label)`);
          }
          const label = d.slice(0, -apex.length - 1);
          if (RESERVED_PLATFORM_LABELS.includes(label)) return at(`uses "${label}", a name reserved for the platform (${RESERVED_PLATFORM_LABELS.join(', ')})`);
        } else if (isSameOrUnder(d, apex)) {
          return at(`is under the platform apex "${apex}": use dns mode "platform"`);
        }
        if (mode === 'delegated' && zone && !isSameOrUnder(d, zone)) return at(`is outside the delegated zone "${zone}"`);
        return undefined;
      });
      if (value.auth.domain) {
        const auth = normalizeDomain(value.auth.domain);
        const owned = value.domains.map(normalizeDomain).concat(zone ? [zone] : []);
        if (!owned.some((o) => isSameOrUnder(auth, o) && auth !== o)) {
          out.push(
            source.diagnostic(
              'domain-dns-mode',
              ['auth', 'domain'],
              `auth.domain "${value.auth.domain}" must be a sub-domain of one of the tenant's own domains`,
            ),
          );
        }
      }
    }
    return out;
  },
};
