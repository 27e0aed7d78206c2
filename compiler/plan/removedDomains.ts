// A domain a removed tenant had is not free for the next customer. Whatever still calls
// that name (the former customer's webhooks, API clients, emailed links, bookmarks, a
// partner's allow-list) reaches whichever tenant claims it next, and the uniqueness
// rule (validate/rules/uniqueDomains.ts) sees only manifests: a removed tenant has
// none. The placement lock keeps the removed identity's domains (removed.<id>.identity),
// so a claim on one of them is refused unless the claiming tenant is the removed
// tenant itself brought back (`restoredFrom`), or names the removal on purpose
// (`takesDomainsFrom: { <id>: <day> }`, as `restoredFrom` names a day: it proves its
// author read the lock, and it puts the hand-over in the pull request's manifest where
// its reviewers read it). Names are compared as DNS does (lower case, no trailing dot),
// and a name under a removed domain counts as that domain (`login.acme.com` under a
// removed `acme.com`: the former customer's sign-in host by default, `auth.<domain>`,
// and any host its users were sent to there). The names it held outside its domains
// (its delegated zone, its kept platform host, its own names during a move to its own
// DNS: identity.names) count as its domains do; a lock written before they were kept
// records none.
import { formatPath, type Diagnostic } from '../diagnostics.ts';
import type { ManifestPath, SourceFile } from '../load/sourceFile.ts';
import type { TenantManifest } from '../manifest.ts';
import { normalizeDomain, type Loaded } from '../validate/rule.ts';
import type { RemovedEntry } from '../validate/lockFile.ts';

/** Every name a tenant manifest claims, where it claims it. */
function claimsOf(m: TenantManifest): [ManifestPath, string][] {
  const claims: [ManifestPath, string][] = m.domains.map((d, i) => [['domains', i], d]);
  if (m.dns.zone) claims.push([['dns', 'zone'], m.dns.zone]);
  if (m.dns.platformDomain) claims.push([['dns', 'platformDomain'], m.dns.platformDomain]);
  if (m.auth.domain) claims.push([['auth', 'domain'], m.auth.domain]);
  return claims;
}

/** A name a removed tenant held (a domain, or another of its names), and where its lock entry records it. */
export interface RemovedName {
  readonly id: string;
  /** The day its removal is recorded (YYYY-MM-DD). */
  readonly day: string;
  /** The name it held: the one asked about, or a domain that one is under. */
  readonly held: string;
  readonly field: 'domains' | 'names';
  readonly index: number;
}

/** A removed tenant as the lock (RemovedEntry) or the plan (RemovedTenant) has it. */
interface RemovedHolder {
  readonly removed: string;
  readonly identity?: { readonly domains: readonly string[]; readonly names?: readonly string[] } | null;
}

/**
 * Which removed tenant held `name` (normalized), or a name it is under: one answer for
 * validate (this file) and the review's hand-over findings (diff/restore.ts).
 */
export function removedNameHolders(removed: ReadonlyMap<string, RemovedHolder>): (name: string) => RemovedName | undefined {
  const held = new Map<string, RemovedName>();
  for (const [id, e] of removed)
    for (const field of ['domains', 'names'] as const)
      (e.identity?.[field] ?? []).forEach((d, index) => {
        const name = normalizeDomain(d);
        // Held by two removed tenants (one took it from the other, then left too): the
        // latest holder is the one whose callers would reach the next claimant.
        const other = held.get(name);
        if (!other || other.day < e.removed) held.set(name, { id, day: e.removed, held: name, field, index });
      });
  return (name) => {
    if (held.size === 0) return undefined;
    const labels = name.split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const had = held.get(labels.slice(i).join('.'));
      if (had) return had;
    }
    return undefined;
  };
}

export function removedDomainClaims(
  tenants: readonly Loaded<TenantManifest>[],
  removed: ReadonlyMap<string, RemovedEntry>,
  lock: SourceFile | null,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const lockPath = lock?.path ?? 'the placement lock';
  const ownerOf = removedNameHolders(removed);

  for (const { source, value: m } of tenants) {
    const named = m.takesDomainsFrom ?? {};
    const used = new Set<string>();
    for (const [path, raw] of claimsOf(m)) {
      const had = ownerOf(normalizeDomain(raw));
      // Its own id: brought back (restoredFrom), its names are its own (the restore is the
      // finding: diff/restore.ts); without restoredFrom, the id itself is refused (lifecycle.ts).
      if (!had || had.id === m.id) continue;
      if (named[had.id] === had.day) {
        used.add(had.id);
        continue;
      }
      const where = lock?.locate(['removed', had.id, 'identity', had.field, had.index]) ?? lockPath;
      out.push(
        source.diagnostic(
          'domain-of-removed-tenant',
          path,
          `${formatPath(path)} "${raw}" ${had.held === normalizeDomain(raw) ? 'belonged' : `is under ${had.held}, which belonged`} to removed tenant ${had.id} (${where}): whatever still calls it (${had.id}'s webhooks, API clients, emailed links) would reach ${m.id}; choose another domain, or, to give it to ${m.id} on purpose (the name was transferred, its former customer told), add \`takesDomainsFrom: { ${had.id}: "${had.day}" }\` to ${source.path} (docs/lifecycle.md)`,
        ),
      );
    }
    // A stale or mistaken grant is refused too: it would hand over names nobody reviewed when they are added later.
    for (const [id, day] of Object.entries(named)) {
      if (used.has(id)) continue;
      const e = removed.get(id);
      out.push(
        source.diagnostic(
          'domain-of-removed-tenant',
          ['takesDomainsFrom', id],
          !e
            ? `takesDomainsFrom.${id}: ${lockPath} records no removal of ${id}; remove the entry`
            : e.removed !== day
              ? `takesDomainsFrom.${id} "${day}" is not the day ${id} was removed (${lockPath} records ${e.removed})`
              : `takesDomainsFrom.${id}: ${m.id} claims none of the domains ${id} had (${[...(e.identity?.domains ?? []), ...(e.identity?.names ?? [])].join(', ') || 'none recorded'}); remove the entry`,
        ),
      );
    }
  }
  return out;
}
