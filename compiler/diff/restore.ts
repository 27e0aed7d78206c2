// A removed id brought back, or an offboarded tenant handed to someone else, as the
// review must see it. `restoredFrom` names a day the
// committed lock shows to anyone, so it proves nothing about who writes the manifest:
// an unrelated pull request can take a removed customer's id and with it the S3
// prefix, secret path and rows its tenant left. So every restore is a finding of its
// own kind (`restore`), shown beside the identity that left, whatever the identities
// say, and the review and deploy refuse it unless allowed (compiler/allow.ts).
//
// Both are read from the base: a pull request commits the lock too, and a lock edited
// in it (a removed entry dropped, an identity rewritten, an incarnation reset) compiles
// cleanly at its head and would hide the restore there. The base's lock is what main
// deploys; each edit of its history in the head's lock is a lifecycle error, which no
// override lets through. Pure: both sides are plans in memory.
import { compareStrings } from '../diagnostics.ts';
import { identityDifferences, namesOutsideDomains, restoreHandover, sameNames, tenantIdentity } from '../plan/lifecycle.ts';
import { removedNameHolders } from '../plan/removedDomains.ts';
import { reportText } from '../plan/manifestText.ts';
import { mapSignIn } from '../validate/lockFile.ts';
import { SIGN_IN_NOT_RECORDED, type EstatePlan, type RemovedTenant, type TenantIdentity } from '../plan/model.ts';
import type { DomainHandover, IdentityView, LifecycleError, Restore } from './model.ts';

export function identityView(i: TenantIdentity): IdentityView {
  const f = i.federation;
  return {
    name: reportText(i.name),
    tier: i.tier,
    domains: i.domains,
    owners: i.owners.map((o) => ({ name: reportText(o.name), email: reportText(o.email) })),
    federation: f === SIGN_IN_NOT_RECORDED || f === null ? f : mapSignIn(f, reportText),
  };
}

const incarnationOf = (r: RemovedTenant) => r.incarnation ?? 1;

/**
 * Every head tenant whose id the base's lock records as removed; and every offboarded
 * tenant of the base whose manifest names another identity at the head (its data is
 * kept for a customer that left: renaming it to someone else hands that over as surely
 * as a restore, and reactivating it afterwards would look like a plain resume).
 */
export function restoresOf(base: EstatePlan | null, head: EstatePlan | null): Restore[] {
  if (!base || !head) return [];
  const out: Restore[] = [];
  const before = new Map(base.tenants.map((t) => [t.id, t]));
  for (const t of head.tenants) {
    const now = tenantIdentity(t);
    const gone = base.removed.get(t.id);
    if (gone) {
      out.push({
        tenant: t.id,
        from: 'removed',
        removedOn: gone.removed,
        removedIncarnation: incarnationOf(gone),
        incarnation: t.lifecycle.incarnation,
        removed: gone.identity ? identityView(gone.identity) : null,
        now: identityView(now),
        differs: gone.identity ? identityDifferences(gone.identity, now) : null,
        handover: restoreHandover(head.platform, t.id, incarnationOf(gone)),
      });
      continue;
    }
    const was = before.get(t.id);
    if (!was || was.status !== 'offboarded') continue;
    const had = tenantIdentity(was);
    const differs = identityDifferences(had, now);
    if (differs.length === 0) continue;
    out.push({
      tenant: t.id,
      from: 'offboarded',
      removedOn: null,
      removedIncarnation: was.lifecycle.incarnation,
      incarnation: t.lifecycle.incarnation,
      removed: identityView(had),
      now: identityView(now),
      differs,
      handover: restoreHandover(head.platform, t.id, was.lifecycle.incarnation),
    });
  }
  return out;
}

/** The names a tenant of the plan claims: served, its own, and the others it holds (sign-in, zone, a kept platform host). */
const claimedNames = (t: EstatePlan['tenants'][number]) => new Set([...t.domains, ...t.dns.own.domains, ...namesOutsideDomains(t)]);

/**
 * Every domain the base's lock records for a removed tenant that a head tenant other
 * than that tenant claims and did not claim at the base: the pull request that hands
 * the name over is the one that shows it. Read from the base, like restores.
 */
export function domainHandoversOf(base: EstatePlan | null, head: EstatePlan | null): DomainHandover[] {
  if (!base || !head) return [];
  // A name under one the removed tenant held counts, as validate counts it (plan/removedDomains.ts).
  const holderOf = removedNameHolders(base.removed);
  const before = new Map(base.tenants.map((t) => [t.id, claimedNames(t)]));
  const out: DomainHandover[] = [];
  for (const t of head.tenants)
    for (const domain of [...claimedNames(t)].sort(compareStrings)) {
      const h = holderOf(domain);
      if (h && h.id !== t.id && !before.get(t.id)?.has(domain))
        out.push({ tenant: t.id, domain, ...(h.held === domain ? {} : { under: h.held }), from: h.id, removedOn: h.day });
    }
  return out;
}

/** The hand-over of a removed tenant's domain in one line: the gate's finding and the diff's. */
export const domainHandoverLine = (h: DomainHandover): string =>
  `${h.tenant} takes ${h.domain}, ${h.under ? `under ${h.under}, a name` : 'a domain'} of ${h.from} (removed on ${h.removedOn}): whatever still calls it (${h.from}'s webhooks, API clients, emailed links) reaches ${h.tenant}`;

const sameRemoval = (a: RemovedTenant, b: RemovedTenant) =>
  a.removed === b.removed &&
  incarnationOf(a) === incarnationOf(b) &&
  (a.identity === null
    ? b.identity === null
    : b.identity !== null && identityDifferences(a.identity, b.identity).length === 0 && sameNames(a.identity, b.identity));

const NEVER_EDITED = 'the lock is written by tenantc compile, and what it remembers of removed tenants is never edited by hand';

/**
 * The head's lock against the base's history: a removed id is never released, its
 * entry never rewritten, a removal records who left as the base knew them, and an
 * incarnation changes only by a restore. Each break is a lifecycle error.
 */
export function lockHistoryErrors(base: EstatePlan | null, head: EstatePlan | null, baseLabel: string, headLabel: string): LifecycleError[] {
  if (!base || !head) return [];
  const out: LifecycleError[] = [];
  const err = (tenant: string, message: string) => out.push({ tenant, message });
  const baseTenants = new Map(base.tenants.map((t) => [t.id, t]));
  const headTenants = new Map(head.tenants.map((t) => [t.id, t]));
  const ids = [...new Set([...base.removed.keys(), ...head.removed.keys(), ...headTenants.keys()])].sort(compareStrings);
  for (const id of ids) {
    const wasRemoved = base.removed.get(id);
    const isRemoved = head.removed.get(id);
    const t = headTenants.get(id);
    const before = baseTenants.get(id);
    if (wasRemoved && !isRemoved && !t) {
      err(
        id,
        `the placement lock at ${headLabel} drops removed.${id} (removed on ${wasRemoved.removed} at ${baseLabel}): a removed id is never released, or a new tenant could take it and what ${id} left; ${NEVER_EDITED}: take the entry back from ${baseLabel}`,
      );
    } else if (wasRemoved && isRemoved && !sameRemoval(wasRemoved, isRemoved)) {
      err(
        id,
        `the placement lock at ${headLabel} changes removed.${id} (the day, incarnation or identity ${baseLabel} records): ${NEVER_EDITED}: take the entry back from ${baseLabel}`,
      );
    } else if (wasRemoved && t && t.lifecycle.incarnation !== incarnationOf(wasRemoved) + 1) {
      err(
        id,
        `${id} comes back at ${headLabel} as incarnation ${t.lifecycle.incarnation}, but ${baseLabel}'s lock records its removal on ${wasRemoved.removed} as incarnation ${incarnationOf(wasRemoved)}, so it comes back as ${incarnationOf(wasRemoved) + 1}: the lock at ${headLabel} does not record that removal, and the restore would reuse the names of the resources ${id} left (${NEVER_EDITED}); take removed.${id} back from ${baseLabel} and bring it back with \`restoredFrom: "${wasRemoved.removed}"\``,
      );
    } else if (!wasRemoved && isRemoved) {
      if (!before) {
        err(id, `the placement lock at ${headLabel} records a removal of ${id}, which ${baseLabel} has no tenant of: ${NEVER_EDITED}`);
        continue;
      }
      const had = tenantIdentity(before);
      const differs = isRemoved.identity ? identityDifferences(had, isRemoved.identity) : [];
      if (isRemoved.identity === null)
        err(
          id,
          `${id} is removed at ${headLabel} without who it was: the lock's offboarded line for it holds no identity (a lock written before tenantc kept identities, or edited); compile once with ${before.source} in place (the lock then records who ${id} is), commit that, then delete the file`,
        );
      else if (isRemoved.identity.federation === SIGN_IN_NOT_RECORDED)
        err(
          id,
          `${id} is removed at ${headLabel} without how it signed in: the lock's offboarded line for it holds no federation (a lock written before tenantc kept sign-in, or edited), so a later restore could not be compared with the IdP it trusted; compile once with ${before.source} in place (the lock then records its sign-in), commit that, then delete the file`,
        );
      else if (differs.length || !sameNames(had, isRemoved.identity) || incarnationOf(isRemoved) !== before.lifecycle.incarnation)
        err(
          id,
          `the placement lock at ${headLabel} records the removal of ${id} as someone it is not at ${baseLabel} (${differs.length ? `its ${FIELDS(differs)}` : !sameNames(had, isRemoved.identity) ? 'the names it held' : 'its incarnation'}, against ${before.source}): a later restore would be compared with that; ${NEVER_EDITED}`,
        );
    } else if (!wasRemoved && t && before && t.lifecycle.incarnation !== before.lifecycle.incarnation) {
      err(
        id,
        `${id} is incarnation ${before.lifecycle.incarnation} at ${baseLabel} and ${t.lifecycle.incarnation} at ${headLabel}: only a restore changes an incarnation; ${NEVER_EDITED}`,
      );
    } else if (!wasRemoved && t && !before && t.lifecycle.incarnation > 1) {
      err(id, `${id} is new at ${headLabel} as incarnation ${t.lifecycle.incarnation}, but ${baseLabel}'s lock records no removal of it: ${NEVER_EDITED}`);
    }
  }
  return out;
}

const FIELDS = (fields: readonly string[]) => fields.join(', ');

/** `by a DIFFERENT identity (name, owners differ)`: how the restore's identity compares, in a few words. */
export function identityVerdict(r: Restore): string {
  if (r.differs === null) return "by an identity no one can compare: the base's lock recorded none (removed before tenantc kept identities)";
  if (r.differs.length === 0) return 'by the same identity (name, owners, domains, tier and sign-in as removed)';
  // An unrecorded sign-in counts as a different one (plan/lifecycle.ts): say why, or the
  // reviewer looks for a difference the two lines do not show.
  const unrecorded = r.removed?.federation === SIGN_IN_NOT_RECORDED ? `: the base's lock did not record how ${r.tenant} signed in` : '';
  return `by a DIFFERENT identity (${FIELDS(r.differs)} ${r.differs.length === 1 ? 'differs' : 'differ'}${unrecorded})`;
}

/** `S3 prefix tenants/x/, secret path /p/tenants/x/ (its retained secret …) and rows …`. */
export function handoverText(r: Restore): string {
  const h = r.handover;
  const tables = h.rows.tables.map((t) => `${h.rows.schema}.${t}`).join(', ');
  return `S3 prefix ${h.s3Prefix} of the tenant data bucket, secret path ${h.secretPath} (its ${r.from === 'removed' ? 'retained ' : ''}secret ${h.retainedSecret}) and its rows (tenant_id '${r.tenant}'${tables ? ` in ${tables}` : ''})`;
}

/** The restore in one line: the gate's finding and the first line of its section. */
export function restoreLine(r: Restore): string {
  return r.from === 'removed'
    ? `${r.tenant}, removed on ${r.removedOn}, comes back (incarnation ${r.removedIncarnation} → ${r.incarnation}) ${identityVerdict(r)}`
    : `${r.tenant}, offboarded (its data kept for the customer that left), is taken over ${identityVerdict(r)}`;
}

/** Whom the identity's sign-in trusts, in words: who signs in is who receives what a restore hands over. */
export function signInText(f: IdentityView['federation']): string {
  if (f === SIGN_IN_NOT_RECORDED) return 'not recorded (the lock kept no sign-in when it was removed)';
  if (f === null) return 'its user pool only (no federation)';
  return f.protocol === 'saml' ? `SAML identity provider, metadata ${f.metadataUrl}` : `OIDC identity provider ${f.issuer}, client ${f.clientId}`;
}

const identityLine = (i: IdentityView) =>
  `name ${JSON.stringify(i.name)}, tier ${i.tier}, domains ${i.domains.join(' ') || '(none)'}, owners ${i.owners.map((o) => `${o.name} <${o.email}>`).join(', ') || '(none)'}, signs in through: ${signInText(i.federation)}`;

/** A restore as the diff shows it: who left, who comes, what passes. */
export function restoreLines(r: Restore): string[] {
  return [
    restoreLine(r),
    `  removed: ${r.removed ? identityLine(r.removed) : 'not recorded'}`,
    `  now:     ${identityLine(r.now)}`,
    `  hands over: ${handoverText(r)}`,
  ];
}
