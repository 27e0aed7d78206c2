import type { Diagnostic } from '../../diagnostics.ts';
import { registrableDomain } from '../../registrableDomain.ts';
import { normalizeDomain, type Rule } from '../rule.ts';

export const userContentDomain: Rule = {
  id: 'user-content-domain',
  codes: ['user-content-domain'],
  title: 'Tenant-writable content is served from a registrable domain of its own',
  reason:
    "A page served from <tenant>.<userContentDomain> is written by a tenant, and a page may set cookies for its whole registrable domain: were that the platform apex's, its cookies for .<apex> would reach every platform-mode tenant's app and sign-in hosts (session fixation, CSRF token overwrite, cookie bombs); were it a tenant's, that tenant's hosts. The Public Suffix List, private section included, decides what is registrable, as browsers do.",
  check({ platform, tenants }) {
    if (!platform) return [];
    const out: Diagnostic[] = [];
    const content = normalizeDomain(platform.value.userContentDomain);
    const contentSite = registrableDomain(content);
    if (contentSite === null) {
      out.push(
        platform.source.diagnostic(
          'user-content-domain',
          ['userContentDomain'],
          `userContentDomain "${content}" is a public suffix: name a domain the platform registers, which it can host a zone and a certificate for`,
        ),
      );
      return out;
    }
    const apex = normalizeDomain(platform.value.apexDomain);
    if (registrableDomain(apex) === contentSite) {
      // Reported once, here: every platform-mode tenant's domain would repeat it.
      return [
        ...out,
        platform.source.diagnostic(
          'user-content-domain',
          ['userContentDomain'],
          `userContentDomain "${content}" shares the registrable domain "${contentSite}" with apexDomain "${apex}": a tenant's page served there could set cookies for .${contentSite}, which every tenant's app and sign-in hosts receive; use a domain of its own (e.g. "${platform.value.name}-usercontent.net")`,
        ),
      ];
    }
    for (const { source, value } of tenants) {
      const names: [(string | number)[], string, string][] = value.domains.map((d, i) => [['domains', i], `domains[${i}]`, d]);
      if (value.dns.zone) names.push([['dns', 'zone'], 'dns.zone', value.dns.zone]);
      if (value.auth.domain) names.push([['auth', 'domain'], 'auth.domain', value.auth.domain]);
      for (const [path, label, raw] of names) {
        // A registrable domain is its name's last labels: a name that does not end in the
        // content site's is not in it, and the Public Suffix List need not be asked (it
        // cost a tenth of validate at 5,000 tenants, for names that almost never are).
        const name = normalizeDomain(raw);
        if (name !== contentSite && !name.endsWith(`.${contentSite}`)) continue;
        if (registrableDomain(name) !== contentSite) continue;
        out.push(
          source.diagnostic(
            'user-content-domain',
            path,
            `${label} "${raw}" is in "${contentSite}", the registrable domain the platform serves tenant-written pages from (userContentDomain "${content}"): any tenant's page could set cookies for it`,
          ),
        );
      }
    }
    return out;
  },
};
