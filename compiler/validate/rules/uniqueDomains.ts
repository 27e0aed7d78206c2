import type { Diagnostic } from '../../diagnostics.ts';
import type { ManifestPath, SourceFile } from '../../load/sourceFile.ts';
import { formatPath } from '../../diagnostics.ts';
import { normalizeDomain, type Rule } from '../rule.ts';

interface Claim {
  readonly name: string;
  readonly tenantId: string;
  readonly label: string;
  readonly source: SourceFile;
  readonly path: ManifestPath;
}

/** Positions are computed only when a claim is reported: most never are. */
const where = (c: Claim) => c.source.locate(c.path);

export const uniqueDomains: Rule = {
  id: 'domain-claim',
  codes: ['domain-duplicate', 'domain-nested'],
  title: "A domain belongs to one tenant, and no tenant sits under another tenant's domain",
  reason:
    "The ALB routes by Host header and CloudFront by domain: a name claimed twice sends one tenant's users (and their session cookies) to the other. A domain under another tenant's domain lets that tenant set cookies and records for it.",
  check({ platform, tenants, known }) {
    // The apex is nobody's claim (domainDnsMode reports a tenant that lists it);
    // skipping it here avoids a knock-on error on every platform-mode tenant.
    const apex = platform ? normalizeDomain(platform.value.apexDomain) : null;
    const exact = new Map<string, Claim>();
    // Every proper parent of every claimed name → the first claim below it.
    const below = new Map<string, Claim>();
    const out: Diagnostic[] = [];
    // Tenants the lock knows claim first, then the new ones, each in file order: a clash
    // is reported on the change that caused it (the file new to the lock, or the later
    // of two new ones), with the earlier claim as the reference.
    const inOrder = [...tenants.filter((t) => known.has(t.value.id)), ...tenants.filter((t) => !known.has(t.value.id))];
    for (const { source, value } of inOrder) {
      const claims: [ManifestPath, string][] = value.domains.map((d, i) => [['domains', i], d]);
      if (value.dns.zone) claims.push([['dns', 'zone'], value.dns.zone]);
      if (value.dns.platformDomain) claims.push([['dns', 'platformDomain'], value.dns.platformDomain]);
      if (value.auth.domain) claims.push([['auth', 'domain'], value.auth.domain]);
      for (const [path, raw] of claims) {
        const name = normalizeDomain(raw);
        if (name === apex) continue;
        const label = `${formatPath(path)} "${raw}"`;
        const at = (message: string) => out.push(source.diagnostic('domain-duplicate', path, message));
        const claim: Claim = { name, tenantId: value.id, label, source, path };

        const same = exact.get(name);
        if (same) {
          if (same.tenantId !== value.id) at(`${label} is already claimed by ${where(same)}`);
          else if (path[0] === 'domains' && same.label.startsWith('domains')) at(`${label} is listed twice (also ${same.label})`);
          continue;
        }
        let reported = false;
        for (let i = name.indexOf('.'); i !== -1 && !reported; i = name.indexOf('.', i + 1)) {
          const parent = exact.get(name.slice(i + 1));
          if (parent && parent.tenantId !== value.id) {
            out.push({ ...source.diagnostic('domain-nested', path, ''), message: `${label} is under "${parent.name}", claimed by ${where(parent)}` });
            reported = true;
          }
        }
        const child = below.get(name);
        if (!reported && child && child.tenantId !== value.id) {
          out.push({ ...source.diagnostic('domain-nested', path, ''), message: `${label} contains "${child.name}", claimed by ${where(child)}` });
          reported = true;
        }
        if (reported) continue;
        exact.set(name, claim);
        for (let i = name.indexOf('.'); i !== -1; i = name.indexOf('.', i + 1)) {
          const parent = name.slice(i + 1);
          if (!below.has(parent)) below.set(parent, claim);
        }
      }
    }
    return out;
  },
};
