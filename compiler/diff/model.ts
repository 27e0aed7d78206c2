// The diff as a value: what changes between two compiled estates, grouped by tenant.
// Renderers (text, markdown, JSON) and the --fail-on gate read it; nothing here prints.
import type { TenantStatus } from '../manifest.ts';

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
  /** Compact JSON of the old and new values (absent: the key is added or removed). */
  readonly from?: string;
  readonly to?: string;
  /** For lists whose length changed: the elements added and removed. */
  readonly added?: readonly string[];
  readonly removed?: readonly string[];
}

export interface ResourceChange {
  readonly logicalId: string;
  readonly type: string;
  readonly change: 'add' | 'modify' | 'remove';
  readonly impact: Impact;
  readonly stateful: boolean;
  /** Modified resources only: what changed, at most MAX_PATHS entries. */
  readonly paths: readonly ValueChange[];
  readonly morePaths: number;
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
  /** The tier's compute: the shared fleet or its own. */
  readonly compute: 'shared' | 'dedicated';
  readonly status: TenantStatus;
  readonly dns: 'platform' | 'delegated' | 'external';
  /** Its own DNS is ready (always, on platform DNS): its names are served. */
  readonly dnsReady: boolean;
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
}

/** The kinds of change the --fail-on gate can refuse. */
export type FailOnKind = 'replacement' | 'removal' | 'broadening' | 'stateful';
export const FAIL_ON_KINDS: readonly FailOnKind[] = ['replacement', 'removal', 'broadening', 'stateful'];
