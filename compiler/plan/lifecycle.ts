// A tenant's life as the placement lock remembers it, so that what a change does to a
// tenant is a reviewed act and never an accident:
//   - a tenant leaves in two steps: `status: offboarded` (deployed: nothing served,
//     data kept), then its file deleted. Deleting the file of a tenant the lock knows as
//     active or suspended is an error naming the way out;
//   - a removed id is remembered (removed.<id>, with the day) and refused to any new
//     tenant; bringing the same tenant back is explicit (`restoredFrom: <that day>`),
//     and its new retained resources are named apart from the old ones (incarnation);
//   - who a tenant was is remembered with its id (TenantIdentity: kept in the lock from
//     the compile that offboards it, moved to removed.<id> with it): `restoredFrom`
//     proves only that its author read the lock, so a restore hands the old tenant's S3
//     prefix, secret path and rows to whoever wrote the manifest. The diff shows every
//     restore beside the identity that left, and review and deploy refuse it unless
//     allowed (diff/restore.ts, deploy/restore.ts);
//   - a removed tenant's listener slot stays remembered with it, so no newcomer takes
//     it while its shard has unused slots (plan/placement.ts): the deploy creates
//     before it deletes, and a newcomer given the freed rule priorities in the same
//     update would collide with rules not yet deleted. The lock stays a fixed point:
//     compiling again changes nothing.
import type { Diagnostic } from '../diagnostics.ts';
import type { SourceFile } from '../load/sourceFile.ts';
import type { TenantManifest } from '../manifest.ts';
import { isSameOrUnder, type Loaded } from '../validate/rule.ts';
import { type LockEntry, type LockIdentity, mapSignIn, type RemovedEntry } from '../validate/lockFile.ts';
import { ManifestText } from './manifestText.ts';
import { tenantS3Prefix } from './isolation.ts';
import {
  SIGN_IN_NOT_RECORDED,
  type PlatformPlan,
  type RemovedSlot,
  type RemovedTenant,
  type SignInTrust,
  type TenantIdentity,
  type TenantLifecycle,
  type TenantPlan,
} from './model.ts';
import { tenantNames, tenantSsmPath } from './names.ts';
import { removedDomainClaims } from './removedDomains.ts';
import { TENANT_STATUS_MEANING } from './status.ts';

/**
 * What bringing a removed id back hands to the manifest that names it: everything the
 * old tenant left that is found by its id, not by its incarnation.
 */
export interface RestoreHandover {
  /** Its key prefix in the tenant data bucket: the new tenant's role reads and writes every object the old one left there. */
  readonly s3Prefix: string;
  /** Its parameter and secret path, where the secret of its last incarnation is retained. */
  readonly secretPath: string;
  /** That retained secret (the new incarnation's is named apart: `.../r<n>/app-credentials`). */
  readonly retainedSecret: string;
  /** Its rows (tenant_id = the id) in these tables, which `tenantc_restore_tenant` makes readable and writable again. */
  readonly rows: { readonly schema: string; readonly tables: readonly string[] };
}

/** What restoring `id`, removed at `incarnation`, hands over (README, "Tenant lifecycle"). */
export function restoreHandover(platform: PlatformPlan, id: string, incarnation: number): RestoreHandover {
  return {
    s3Prefix: tenantS3Prefix(id),
    secretPath: tenantSsmPath(platform.name, id),
    retainedSecret: tenantNames(platform.name, id, null, incarnation).secret,
    rows: { schema: platform.database.schema, tables: platform.database.tenantTables.map((t) => t.name) },
  };
}

/** Whom a tenant's sign-in trusts (SignInTrust): its federation without the provider's display name. */
export function signInTrust(federation: TenantPlan['auth']['federation']): SignInTrust | null {
  return federation ? mapSignIn(federation, (t) => t) : null;
}

/**
 * The names a tenant holds outside its domains (TenantIdentity.names), each once,
 * leaving out any equal to or under one of its domains or a name kept before it: its
 * delegated zone (the parent of its domains), its kept platform host, and its own names
 * while a move to its own DNS is not yet validated (then `domains` holds only the
 * platform host it is served on, and its own domains and sign-in host are elsewhere).
 * Its sign-in domain is always under its own domains (validate), so it is covered.
 */
export function namesOutsideDomains(t: Pick<TenantPlan, 'domains' | 'auth' | 'dns'>): string[] {
  const candidates = [t.dns.zone, t.dns.platformDomain, ...t.dns.own.domains, t.dns.own.signIn, t.auth.domain];
  const out: string[] = [];
  for (const name of candidates) {
    if (name === null || [...t.domains, ...out].some((d) => isSameOrUnder(name, d))) continue;
    out.push(name);
  }
  return out;
}

/** Who a tenant of the plan is. */
export function tenantIdentity(t: Pick<TenantPlan, 'name' | 'tier' | 'domains' | 'contacts' | 'auth' | 'dns'>): TenantIdentity {
  return {
    name: t.name,
    tier: t.tier.name,
    domains: t.domains,
    names: namesOutsideDomains(t),
    owners: t.contacts.filter((c) => c.role === 'owner').map((c) => ({ name: c.name, email: c.email })),
    federation: signInTrust(t.auth.federation),
  };
}

/** An identity as the lock keeps it: its words are a pull request's (ManifestText). */
export function lockedIdentity(i: LockIdentity): TenantIdentity {
  const f = i.federation;
  return {
    name: new ManifestText(i.name),
    tier: i.tier,
    domains: i.domains,
    names: i.names ?? [],
    owners: i.owners.map((o) => ({ name: new ManifestText(o.name), email: new ManifestText(o.email) })),
    federation: f === undefined ? SIGN_IN_NOT_RECORDED : f === null ? null : mapSignIn(f, (t) => new ManifestText(t)),
  };
}

export type IdentityField = 'name' | 'owners' | 'domains' | 'tier' | 'sign-in';

/**
 * Two sign-ins are the same when they trust the same IdP by the same text. A sign-in
 * the lock did not record equals only another unrecorded one (the same lock entry,
 * unedited): against any sign-in a manifest names it differs, since nothing shows
 * that the restored tenant trusts the IdP the removed one did. Unknown is never
 * "the same": the review must not read a restore as the same customer on a guess.
 */
function sameSignIn(a: TenantIdentity['federation'], b: TenantIdentity['federation']): boolean {
  if (a === SIGN_IN_NOT_RECORDED || b === SIGN_IN_NOT_RECORDED) return a === b;
  if (a === null || b === null) return a === b;
  if (a.protocol === 'saml') return b.protocol === 'saml' && ManifestText.same(a.metadataUrl, b.metadataUrl);
  return b.protocol === 'oidc' && ManifestText.same(a.issuer, b.issuer) && ManifestText.same(a.clientId, b.clientId);
}

const sameSet = <T>(x: readonly T[], y: readonly T[], eq: (p: T, q: T) => boolean) =>
  x.length === y.length && x.every((p) => y.some((q) => eq(p, q))) && y.every((q) => x.some((p) => eq(p, q)));

/**
 * Whether two identities hold the same names outside their domains, as sets. Not part of
 * who the tenant is (identityDifferences), but what keeps them from the next customer: a
 * lock that drops or adds one is edited (a dropped name would be free; an added one would
 * block whoever claims it).
 */
export const sameNames = (a: TenantIdentity, b: TenantIdentity): boolean => sameSet(a.names, b.names, (p, q) => p === q);

/**
 * Where two identities differ, field by field; empty when they are the same. Domains
 * and owners are compared as sets (their order says nothing about who the tenant is);
 * text exactly, so a look-alike name (or IdP URL) counts as another. Sign-in is part
 * of who the tenant is: whoever its IdP lets in reads what a restore hands over.
 */
export function identityDifferences(a: TenantIdentity, b: TenantIdentity): IdentityField[] {
  const out: IdentityField[] = [];
  if (!ManifestText.same(a.name, b.name)) out.push('name');
  if (!sameSet(a.owners, b.owners, (p, q) => ManifestText.same(p.name, q.name) && ManifestText.same(p.email, q.email))) out.push('owners');
  if (!sameSet(a.domains, b.domains, (p, q) => p === q)) out.push('domains');
  if (a.tier !== b.tier) out.push('tier');
  if (!sameSignIn(a.federation, b.federation)) out.push('sign-in');
  return out;
}

export interface LifecyclePlan {
  readonly tenants: ReadonlyMap<string, TenantLifecycle>;
  /** The removed tenants the next lock records. */
  readonly removed: ReadonlyMap<string, RemovedTenant>;
  /** Removed tenants' listener slots, for placement. */
  readonly removedSlots: readonly RemovedSlot[];
}

export function planLifecycle(
  tenantsIn: readonly Loaded<TenantManifest>[],
  lock: { readonly placements: ReadonlyMap<string, LockEntry>; readonly removed: ReadonlyMap<string, RemovedEntry>; readonly source: SourceFile | null },
  today: string,
): { readonly ok: true; readonly plan: LifecyclePlan } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const manifests = new Map(tenantsIn.map((t) => [t.value.id, t]));
  const removed = new Map<string, RemovedTenant>();
  const removedSlots: RemovedSlot[] = [];
  const tenants = new Map<string, TenantLifecycle>();

  // Removed before: still removed (the slot released), unless brought back on purpose.
  for (const [id, entry] of lock.removed) {
    const m = manifests.get(id);
    if (!m) {
      const { identity, ...kept } = entry;
      removed.set(id, { ...kept, identity: identity ? lockedIdentity(identity) : null });
      if (entry.slot) removedSlots.push({ ...entry.slot, released: true });
      continue;
    }
    if (m.value.restoredFrom === entry.removed) {
      tenants.set(id, { incarnation: (entry.incarnation ?? 1) + 1, restoredFrom: entry.removed });
      continue;
    }
    diagnostics.push(
      m.source.diagnostic(
        'tenant-id-reused',
        m.value.restoredFrom !== undefined ? ['restoredFrom'] : ['id'],
        m.value.restoredFrom !== undefined
          ? `restoredFrom "${m.value.restoredFrom}" is not the day ${id} was removed (${lock.source?.path ?? 'the placement lock'} records ${entry.removed})`
          : `tenant id "${id}" was removed on ${entry.removed} (${lock.source?.locate(['removed', id]) ?? 'the placement lock'}): an id is never given to another tenant, whose new customer would inherit the old one's data; choose another id, or, to bring the same tenant back on purpose, add \`restoredFrom: "${entry.removed}"\` (README, "Tenant lifecycle")`,
      ),
    );
  }

  // In the lock, its file gone: removed now, if it was offboarded first.
  for (const [id, entry] of lock.placements) {
    if (manifests.has(id)) continue;
    const status = entry.status ?? 'active';
    if (!TENANT_STATUS_MEANING[status].removable) {
      diagnostics.push(
        lock.source!.diagnostic(
          'tenant-removal',
          ['tenants', id],
          `${lock.source!.path.replace(/[^/]*$/, '')}${id}.yaml is gone but the lock knows ${id} as ${entry.status ?? 'a tenant (a version 1 lock records no status)'}: deleting its file would delete its whole stack; a tenant leaves in two steps: restore the file with \`status: offboarded\` and deploy (nothing served, data kept), then delete the file`,
        ),
      );
      continue;
    }
    removed.set(id, {
      removed: today,
      ...(entry.incarnation ? { incarnation: entry.incarnation } : {}),
      slot: { albShard: entry.albShard, ruleSlot: entry.ruleSlot },
      // Who it was: the lock keeps an offboarded tenant's identity from the compile that
      // last read its manifest (write/lockFile.ts), and only an offboarded tenant is removed.
      identity: entry.identity ? lockedIdentity(entry.identity) : null,
    });
    removedSlots.push({ albShard: entry.albShard, ruleSlot: entry.ruleSlot, released: false });
  }

  for (const m of tenantsIn) {
    const id = m.value.id;
    if (tenants.has(id) || lock.removed.has(id)) continue;
    const known = lock.placements.get(id);
    if (m.value.restoredFrom !== undefined && !(known?.incarnation && known.incarnation > 1)) {
      diagnostics.push(
        m.source.diagnostic(
          'tenant-id-reused',
          ['restoredFrom'],
          `restoredFrom: the placement lock records no removal of ${id} to bring back; remove restoredFrom`,
        ),
      );
      continue;
    }
    tenants.set(id, { incarnation: known?.incarnation ?? 1, restoredFrom: m.value.restoredFrom ?? null });
  }
  diagnostics.push(...removedDomainClaims(tenantsIn, lock.removed, lock.source));
  if (diagnostics.length) return { ok: false, diagnostics };
  return { ok: true, plan: { tenants, removed, removedSlots } };
}
