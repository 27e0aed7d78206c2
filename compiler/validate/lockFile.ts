// The placement lock, checked by its JSON Schema (schema/placement-lock.schema.json)
// through the same positioned path as manifests: every problem at its line and column.
import { sortDiagnostics, type Diagnostic } from '../diagnostics.ts';
import { parseManifest } from '../load/parseManifest.ts';
import { reusedSource } from '../load/reuse.ts';
import type { RawFile } from '../load/readManifests.ts';
import type { SourceFile } from '../load/sourceFile.ts';
import { validateAgainstSchema } from './schema.ts';

/** One tenant's line of the lock: where it was placed and what it takes there (plan/placement.ts). */
export interface LockEntry {
  readonly albShard: number;
  readonly ruleSlot: number;
  readonly cacheCluster: number | null;
  readonly group: number;
  readonly rules: number;
  readonly certificates: number;
  readonly targetGroups: number;
  /** Version 2: the tenant's status when the lock was written; absent in a version 1 lock. */
  readonly status?: 'active' | 'suspended' | 'offboarded';
  /** Version 2: present (2 or more) once the tenant was restored after a removal. */
  readonly incarnation?: number;
  /** Who an offboarded tenant is, kept for its removal (LockIdentity). */
  readonly identity?: LockIdentity;
}

/**
 * Who a tenant was, as the lock keeps it for an offboarded or removed tenant: a restore
 * of its id is compared with it (plan/lifecycle.ts, diff/restore.ts). The words are as
 * the manifest wrote them; the plan makes them ManifestText again (plan/manifestText.ts).
 */
export interface LockIdentity {
  readonly name: string;
  readonly tier: string;
  readonly domains: readonly string[];
  /** The other names it held, outside its domains (plan/model.ts TenantIdentity.names); absent when none, or in a lock written before they were kept. */
  readonly names?: readonly string[];
  /** Its contacts of role owner, in manifest order. */
  readonly owners: readonly { readonly name: string; readonly email: string }[];
  /** Its sign-in trust (plan/model.ts, SignInTrust); null: no federation; absent in a lock written before it was kept. */
  readonly federation?: LockSignIn | null;
}

/**
 * Whom a sign-in trusts, its texts of type T: the SAML IdP's metadata URL, or the OIDC
 * issuer and client. One shape for the lock's strings (LockSignIn), the plan's
 * ManifestText (plan/model.ts SignInTrust) and the diff's report text.
 */
export type SignInOf<T> = { readonly protocol: 'saml'; readonly metadataUrl: T } | { readonly protocol: 'oidc'; readonly issuer: T; readonly clientId: T };

export type LockSignIn = SignInOf<string>;

/** The same sign-in with each of its texts mapped (and nothing else kept: a provider's display name is no part of it). */
export function mapSignIn<A, B>(f: SignInOf<A>, text: (t: A) => B): SignInOf<B> {
  return f.protocol === 'saml'
    ? { protocol: 'saml', metadataUrl: text(f.metadataUrl) }
    : { protocol: 'oidc', issuer: text(f.issuer), clientId: text(f.clientId) };
}

/** A tenant whose file was deleted: its id is never given again; its slot is remembered (plan/placement.ts). */
export interface RemovedEntry {
  /** YYYY-MM-DD. */
  readonly removed: string;
  readonly incarnation?: number;
  readonly slot?: { readonly albShard: number; readonly ruleSlot: number };
  /** Who it was when it was removed; absent when the lock recorded none (removed before tenantc kept identities). */
  readonly identity?: LockIdentity;
}

/** A listener slot left behind by a tenant that moved to another ALB shard (plan/placement.ts). */
export interface VacatedSlot {
  readonly albShard: number;
  readonly ruleSlot: number;
}

export interface LockResult {
  readonly placements: ReadonlyMap<string, LockEntry>;
  readonly removed: ReadonlyMap<string, RemovedEntry>;
  readonly vacated: readonly VacatedSlot[];
  readonly diagnostics: readonly Diagnostic[];
  /** The parsed lock, for diagnostics that point into it; null when there is none. */
  readonly source: SourceFile | null;
}

/** The identity as the schema checked it, copied (the parsed document is not kept). */
const identityOf = (i: LockIdentity): LockIdentity => ({
  name: i.name,
  tier: i.tier,
  domains: [...i.domains],
  ...(i.names === undefined ? {} : { names: [...i.names] }),
  owners: i.owners.map((o) => ({ name: o.name, email: o.email })),
  ...(i.federation === undefined ? {} : { federation: i.federation === null ? null : mapSignIn(i.federation, (t) => t) }),
});

const RESTORE = 'the lock is written by tenantc compile: restore it from version control, or delete it to place every tenant anew';

/**
 * `earlier`: the lock as an earlier compile of this build read these very bytes and
 * found it schema-valid (load/reuse.ts), as JSON text; it is not read or checked again.
 */
export function validateLockFile(raw: RawFile | null, earlier?: string): LockResult {
  if (!raw) return { placements: new Map(), removed: new Map(), vacated: [], diagnostics: [], source: null };
  const reused = reusedSource(raw, earlier);
  const parsed = reused ? { source: reused, diagnostics: [] } : parseManifest(raw);
  if (!parsed.source) return { placements: new Map(), removed: new Map(), vacated: [], diagnostics: parsed.diagnostics, source: null };
  const source = parsed.source;
  const problems = reused ? [] : validateAgainstSchema('PlacementLock', source, source.value);
  if (problems.length) {
    // The way out is the same for every problem: said once, under the first.
    return {
      placements: new Map(),
      removed: new Map(),
      vacated: [],
      source,
      diagnostics: sortDiagnostics(problems).map((d, i) => ({ ...d, code: 'lock-file', ...(i === 0 ? { notes: [RESTORE] } : {}) })),
    };
  }
  // The schema has checked every entry's shape.
  const {
    tenants,
    removed = {},
    vacated = [],
  } = source.value as {
    tenants: Record<string, LockEntry>;
    vacated?: VacatedSlot[];
    removed?: Record<string, { removed: string; incarnation?: number; albShard?: number; ruleSlot?: number; identity?: LockIdentity }>;
  };
  const gone = new Map<string, RemovedEntry>();
  for (const [id, e] of Object.entries(removed)) {
    gone.set(id, {
      removed: e.removed,
      ...(e.incarnation ? { incarnation: e.incarnation } : {}),
      ...(e.albShard !== undefined && e.ruleSlot !== undefined ? { slot: { albShard: e.albShard, ruleSlot: e.ruleSlot } } : {}),
      ...(e.identity ? { identity: identityOf(e.identity) } : {}),
    });
  }
  const placements = new Map<string, LockEntry>();
  for (const [id, e] of Object.entries(tenants)) {
    placements.set(id, {
      albShard: e.albShard,
      ruleSlot: e.ruleSlot,
      cacheCluster: e.cacheCluster,
      group: e.group,
      rules: e.rules,
      certificates: e.certificates,
      targetGroups: e.targetGroups,
      ...(e.status ? { status: e.status } : {}),
      ...(e.incarnation ? { incarnation: e.incarnation } : {}),
      ...(e.identity ? { identity: identityOf(e.identity) } : {}),
    });
  }
  return { placements, removed: gone, vacated: vacated.map((v) => ({ albShard: v.albShard, ruleSlot: v.ruleSlot })), diagnostics: [], source };
}
