// The diff as a value: what changes between two compiled estates, grouped by tenant.
// Renderers (text, markdown, JSON) and the --fail-on gate read it; nothing here prints.
import type { TenantStatus } from '../manifest.ts';
import type { SignInOf } from '../validate/lockFile.ts';

/** What CloudFormation will do to a resource (from @aws-cdk/cloudformation-diff's ResourceImpact). */
export type Impact =
  /** A new resource. */
  | 'create'
  /** Updated in place. */
  | 'update'
  /** A property that requires replacement changes: a new physical resource, the old one deleted. */
  | 'replace'
  /** Replaced or not depending on values only known at deploy time. */
  | 'may-replace'
  /** Removed from the template and deleted. */
  | 'destroy'
  /** Removed from the template; its DeletionPolicy keeps it, outside any stack. */
  | 'orphan'
  /** Nothing CloudFormation acts on (metadata only). */
  | 'none';

export interface ValueChange {
  /** Path inside the resource, e.g. `Properties.Conditions[0].HostHeaderConfig.Values`. */
  readonly path: string;
  /**
   * JSON of the old and new values, whole (absent: the key is added or removed). The
   * model never truncates: text and markdown shorten what they show, JSON carries all.
   */
  readonly from?: string;
  readonly to?: string;
  /** For lists whose length changed: the elements added and removed. */
  readonly added?: readonly string[];
  readonly removed?: readonly string[];
}

/**
 * A risk a change carries beyond what CloudFormation's impact says: which entry of the
 * risk table (diff/riskTable.ts) it matched, and what it means.
 */
export interface Risk {
  readonly kind: RiskKind;
  /** The risk table entry's id, e.g. `log-retention-shortened`. */
  readonly rule: string;
  /** The property as a reviewer names it, e.g. `RetentionInDays`. */
  readonly property: string;
  /** JSON of the old and new values (absent: not set). */
  readonly from?: string;
  readonly to?: string;
  /** What it does, in one sentence. */
  readonly says: string;
  /** The AWS documentation that says so. */
  readonly reference: string;
  /** Interruptions: in what order and batches it rolls out, from the plan (diffEstate.ts). */
  readonly rollout?: string;
}

export interface ResourceChange {
  readonly logicalId: string;
  readonly type: string;
  readonly change: 'add' | 'modify' | 'remove';
  readonly impact: Impact;
  readonly stateful: boolean;
  /** Modified resources only: every path that changed (renderers show the first few). */
  readonly paths: readonly ValueChange[];
  /** What the risk table finds in this change. */
  readonly risks: readonly Risk[];
  /** Shared resources: the manifest changes that caused this one (diff/attribution.ts). */
  readonly causes: readonly string[];
}

export interface StackChange {
  /** Output path of the template, e.g. `tenants/acme.template.json`. */
  readonly template: string;
  readonly change: 'add' | 'modify' | 'remove';
  readonly resources: readonly ResourceChange[];
  /** Nested stacks whose only change is their template (content-hash TemplateURL). */
  readonly nestedUpdated: readonly string[];
  readonly parameters: { readonly added: readonly string[]; readonly removed: readonly string[] };
  readonly outputs: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly modified: readonly string[] };
  /** IAM statements added (Allow) or removed (Deny), managed policies attached, security-group rules added. */
  readonly broadening: readonly string[];
}

export interface Placement {
  readonly albShard: number;
  readonly ruleSlot: number;
  readonly cacheCluster: number | null;
  readonly group: number;
}

export interface TenantFacts {
  readonly tier: string;
  /** Expected seats (manifest `users`): what sizes the shared fleet. */
  readonly users: number;
  /** The tier's compute: the shared fleet or its own. */
  readonly compute: 'shared' | 'dedicated';
  readonly status: TenantStatus;
  readonly dns: 'platform' | 'delegated' | 'external';
  /** Its own DNS is ready (always, on platform DNS): its names are served. */
  readonly dnsReady: boolean;
  /** A tenant moving to its own DNS: the platform host it keeps serving (plan: dns.platformDomain). */
  readonly platformDomain: string | null;
  /** 2 or more once brought back after a removal. */
  readonly incarnation: number;
  readonly domains: readonly string[];
  readonly signInDomain: string;
  readonly placement: Placement;
}

export interface TenantChange {
  readonly id: string;
  readonly change: 'add' | 'modify' | 'remove';
  readonly before: TenantFacts | null;
  readonly after: TenantFacts | null;
  /** Its own stack (tenants/<id>.template.json); null when the template did not change. */
  readonly stack: StackChange | null;
  /** Other outputs of this tenant that changed (dns/<id>.txt, idp/<id>.txt). */
  readonly files: readonly string[];
  /** What the change means over the tenant's life: traffic, cache, identities, its id (README, "Tenant lifecycle"). */
  readonly notes: readonly string[];
}

export interface LineChange {
  readonly file: string;
  /** Unified-diff lines of the change (`+`, `-`, ` ` and `@@` hunk headers). */
  readonly lines: readonly string[];
}

export interface SuppressionChange {
  readonly change: 'add' | 'remove';
  readonly rule: string;
  readonly template: string;
  readonly resource: string;
  readonly reason: string;
}

/**
 * A change that skips a step of a tenant's life against the base (README, "Tenant
 * lifecycle"): an error of the diff whatever --fail-on says, never allowed by override.
 */
export interface LifecycleError {
  /** The tenant it concerns; null for the platform (a major engine upgrade not allowed). */
  readonly tenant: string | null;
  readonly message: string;
}

/** Who a tenant is, as a reviewer reads it: its words on one line each (reportText). */
export interface IdentityView {
  readonly name: string;
  readonly tier: string;
  readonly domains: readonly string[];
  /** Its owner contacts, in manifest order. */
  readonly owners: readonly { readonly name: string; readonly email: string }[];
  /**
   * Whom its sign-in trusts: its SAML metadata URL, or its OIDC issuer and client id;
   * null when only its pool's own users sign in; "not recorded" when the lock that kept
   * a removed identity predates the field.
   */
  readonly federation: SignInOf<string> | null | 'not recorded';
}

/**
 * A removed id that comes back (README, "Tenant lifecycle"), or an offboarded tenant
 * given to another identity: whoever writes the manifest gets what the tenant left under
 * that id. Found against the base's lock, never
 * the head's (a pull request may edit the lock it commits). Every restore is a finding
 * of kind `restore`, by the same identity too: `restoredFrom` proves only that its
 * author read the lock.
 */
export interface Restore {
  readonly tenant: string;
  /**
   * `removed`: the base's lock records the id's removal, and the head brings it back.
   * `offboarded`: an offboarded tenant of the base (its data kept for a customer that
   * left) whose manifest names someone else at the head: the same hand-over, without a
   * removal in between.
   */
  readonly from: 'removed' | 'offboarded';
  /** The day the base's lock records its removal; null for an offboarded tenant. */
  readonly removedOn: string | null;
  /** The incarnation it had at the base, and the one it has at the head. */
  readonly removedIncarnation: number;
  readonly incarnation: number;
  /** Who had the id (the base's lock, or the offboarded tenant's manifest); null when that lock recorded no identity. */
  readonly removed: IdentityView | null;
  /** Who takes it (the head's manifest). */
  readonly now: IdentityView;
  /** What differs between the two (`name`, `owners`, `domains`, `tier`, `sign-in`); null when the removed identity is unknown. */
  readonly differs: readonly ('name' | 'owners' | 'domains' | 'tier' | 'sign-in')[] | null;
  /** What passes to the manifest that takes the id. */
  readonly handover: {
    readonly s3Prefix: string;
    readonly secretPath: string;
    readonly retainedSecret: string;
    readonly rows: { readonly schema: string; readonly tables: readonly string[] };
  };
}

/**
 * A domain the base's lock records for a removed tenant, claimed at the head by another
 * tenant (validate allows it only through `takesDomainsFrom`: plan/removedDomains.ts).
 * Whatever still calls the name (the former customer's webhooks, API clients, emailed
 * links) reaches the new tenant: a finding of kind `handover`, read against the base's lock.
 */
export interface DomainHandover {
  /** The tenant that takes the domain. */
  readonly tenant: string;
  readonly domain: string;
  /** The name of the removed tenant's that `domain` is under; absent when it held `domain` itself. */
  readonly under?: string;
  /** The removed tenant that had it, and the day the base's lock records its removal. */
  readonly from: string;
  readonly removedOn: string;
}

/**
 * A resource that holds data, unchanged in its template, that a change elsewhere makes
 * move: its VPC is replaced (CIDR change), and a running database or cache cannot follow
 * its subnets to another VPC. The diff of its own template is empty, so it is found here.
 */
export interface Stranded {
  readonly template: string;
  readonly logicalId: string;
  readonly type: string;
  readonly reason: string;
}

/** A shared resource's change with the manifest changes that caused it. */
export interface Attribution {
  readonly template: string;
  readonly logicalId: string;
  /** What the resource is to a reviewer, e.g. `shared fleet`. */
  readonly what: string;
  /** `MinSize 8 → 15, MaxSize 16 → 30`. */
  readonly change: string;
  /** `tenant acme users 2800 → 9999`. */
  readonly causes: readonly string[];
}

/** A security-rule finding the head's review.suppressions accept and the base's did not. */
export interface NewlySuppressed {
  readonly rule: string;
  readonly template: string;
  readonly resource: string;
  /** The tenant whose template it is, or null for the shared estate. */
  readonly tenant: string | null;
  /** The rule's finding. */
  readonly message: string;
  /** The accepting suppression's reason. */
  readonly reason: string;
}

/** A manifest risk table entry (diff/manifestRisks.ts) matched by a change: the diff's and the gate's view of it. */
export interface ManifestRisk {
  readonly kind: RiskKind;
  readonly rule: string;
  /** The tenant, or null for the platform manifest. */
  readonly tenant: string | null;
  readonly field: string;
  /** For a platform entry: its allow target's logical-id part (`estate:platform/<target>`). */
  readonly target: string | null;
  /** JSON of the old and new values. */
  readonly from: string;
  readonly to: string;
  readonly says: string;
  readonly reference: string;
}

export interface EstateDiff {
  readonly base: { readonly label: string; readonly tenants: number };
  readonly head: { readonly label: string; readonly tenants: number };
  /** Tenants that changed, by id. */
  readonly tenants: readonly TenantChange[];
  /** Root, shard and group templates that changed, by path. */
  readonly estate: readonly StackChange[];
  readonly suppressions: readonly SuppressionChange[];
  readonly sql: readonly LineChange[];
  readonly lock: LineChange | null;
  /** Steps of a tenant's life skipped against the base: each blocks the change. */
  readonly lifecycle: readonly LifecycleError[];
  /** Removed ids that come back, each a finding of kind `restore`. */
  readonly restores: readonly Restore[];
  /** Shared resources that changed, each with its cause. */
  readonly attributions: readonly Attribution[];
  /** Resources holding data that must move because something they live in is replaced. */
  readonly stranded: readonly Stranded[];
  /**
   * Manifest changes whose risk no template shows (diff/manifestRisks.ts): the SQL's
   * statistics, the schema the rows live in, a tenant's status. Absent when there are none.
   */
  readonly manifestRisks?: readonly ManifestRisk[];
  /**
   * Rule-pack findings the head accepts by suppression and the base did not
   * (diff/newlySuppressed.ts): each a `weakening`, allowed by its resource. Absent when none.
   */
  readonly newlySuppressed?: readonly NewlySuppressed[];
  /** Domains of removed tenants that another tenant takes (DomainHandover); absent when none. */
  readonly domainHandovers?: readonly DomainHandover[];
  /** The estimated monthly cost change and the capacity it uses (costLine.ts); absent when not computed. */
  readonly estimate?: DiffEstimate;
}

/** The cost and capacity lines of a change (compiler/diff/costLine.ts). */
export interface DiffEstimate {
  /** US dollars a month, before and after. */
  readonly estate: { readonly before: number; readonly after: number };
  /** The changed tenants' monthly cost, before (null: added) and after (null: removed). */
  readonly tenants: readonly { readonly id: string; readonly before: number | null; readonly after: number | null }[];
  /** New shards or groups, and quotas at 80% or more that the change uses more of. */
  readonly capacity: readonly string[];
}

/** Risks the risk table finds (diff/riskTable.ts), each with its AWS reference. */
export type RiskKind = 'data-loss' | 'weakening' | 'interruption' | 'broadening';

/**
 * The kinds of change the --fail-on gate can refuse: one table with deploy's allows
 * (compiler/allow.ts), one line each. A kind blocks only when --fail-on names it; an
 * override with a reason lets a finding of it through. (A lifecycle error of the diff
 * is not one: it always blocks, see LifecycleError.)
 */
export type { AllowKind as FailOnKind } from '../allow.ts';
export { REVIEW_KINDS as FAIL_ON_KINDS } from '../allow.ts';
