// The plan: a normalized, typed, read-only model of the estate. Every default is
// resolved and every decision made here (names, shard and group membership, what a
// tenant's status means, the subnets, rollout sizes), so emitters only translate it
// into resources and never consult manifests or decide anything themselves.
import type { DnsMode, LogRetentionDays, TenantStatus } from '../manifest.ts';
import type { ManifestText } from './manifestText.ts';
import type { SignInOf, VacatedSlot } from '../validate/lockFile.ts';

/** A tenant's life as the lock remembers it (plan/lifecycle.ts). */
export interface TenantLifecycle {
  /** 1, or how many times the tenant has been brought back after a removal, plus one. */
  readonly incarnation: number;
  /** The removal day its manifest names, when it was brought back. */
  readonly restoredFrom: string | null;
}

/**
 * Whom a tenant's sign-in trusts besides the users the platform creates in its pool:
 * the SAML IdP whose metadata it reads, or the OIDC issuer and the client registered
 * there. Whoever runs that IdP decides who signs in as the tenant, so whoever it is
 * receives what a restore hands over. The provider's display name is left out: it
 * names the IdP in the pool, it decides nothing about who signs in.
 */
export type SignInTrust = SignInOf<ManifestText>;

/** A lock written before tenantc recorded sign-in: how the tenant signed in is unknown. */
export const SIGN_IN_NOT_RECORDED = 'not recorded';

/**
 * Who a tenant is: its name, tier, domains, owner contacts and sign-in trust. The lock
 * keeps it for an offboarded tenant and, once its file is deleted, for the removed id,
 * so that a pull request bringing the id back (and with it the old tenant's S3 prefix,
 * secret path and rows) is reviewed beside who had them (plan/lifecycle.ts, diff/restore.ts).
 */
export interface TenantIdentity {
  readonly name: ManifestText;
  readonly tier: string;
  /** Normalized (lower case, no trailing dot), in manifest order. */
  readonly domains: readonly string[];
  /**
   * The other names it holds, outside its domains: its delegated zone, its kept platform
   * host, its own domains and sign-in host while a move to its own DNS is not validated
   * (normalized, none equal to or under one of its domains or an earlier one:
   * plan/lifecycle.ts namesOutsideDomains). Not part of who it is (identityDifferences
   * ignores them); kept so that a removed tenant's names are not free for the next
   * customer (plan/removedDomains.ts), as its domains are not.
   */
  readonly names: readonly string[];
  /** Its contacts of role owner, in manifest order. */
  readonly owners: readonly { readonly name: ManifestText; readonly email: ManifestText }[];
  /**
   * Its federation, null when only the pool's own users sign in; SIGN_IN_NOT_RECORDED
   * when the lock that kept the identity predates the field (never the same as any
   * sign-in a manifest names: plan/lifecycle.ts, identityDifferences).
   */
  readonly federation: SignInTrust | null | typeof SIGN_IN_NOT_RECORDED;
}

/** A removed tenant, as the next lock records it (plan/lifecycle.ts). */
export interface RemovedTenant {
  /** YYYY-MM-DD: the day the compile that removed it ran. */
  readonly removed: string;
  /** Its incarnation when removed, when more than 1. */
  readonly incarnation?: number;
  /** Its listener slot, while no newcomer was given it (plan/placement.ts). */
  readonly slot?: { readonly albShard: number; readonly ruleSlot: number };
  /** Who it was; null when the lock that removed it recorded no identity (written before tenantc kept them). */
  readonly identity: TenantIdentity | null;
}

/** A listener slot remembered for a removed tenant (plan/lifecycle.ts, plan/placement.ts). */
export interface RemovedSlot {
  readonly albShard: number;
  readonly ruleSlot: number;
  /** Removed by an earlier compile: may be given again once the shard has no unused slot. */
  readonly released: boolean;
}

/** Where a tenant lives, as the placement lock records it. */
export interface TenantPlacement {
  readonly albShard: number;
  /** Stable slot on the shard's HTTPS listener; rule priorities derive from it. */
  readonly ruleSlot: number;
  /** Shared cache cluster of a standard tenant; null for a dedicated (premium) cache. */
  readonly cacheCluster: number | null;
  readonly group: number;
  /** What it consumes on its shard, recorded so that a tenant whose needs grow is the one that moves. */
  readonly rules: number;
  readonly certificates: number;
  readonly targetGroups: number;
}

export interface SubnetPlan {
  readonly az: string;
  /** Letter of the AZ (A, B, C): the stem of logical ids. */
  readonly suffix: string;
  readonly public: string;
  readonly app: string;
  readonly data: string;
}

export interface NetworkPlan {
  readonly vpcCidr: string;
  readonly zones: readonly SubnetPlan[];
}

/** A rolling update of an Auto Scaling group. */
export interface RolloutPlan {
  readonly minInstancesInService: number;
  readonly maxBatchSize: number;
}

/** A tag of a manifest: key and value as its author wrote them (plan/manifestText.ts). */
export type ManifestTag = readonly [key: ManifestText, value: ManifestText];

export interface TierPlan {
  readonly name: string;
  readonly description: ManifestText;
  readonly compute: 'dedicated' | 'shared';
  readonly cache: 'dedicated' | 'shared';
  readonly logRetentionDays: LogRetentionDays;
  readonly federation: boolean;
  readonly dedicatedInstances: { readonly min: number; readonly max: number } | null;
}

export interface QuotaPlan {
  readonly albRulesPerLoadBalancer: number;
  readonly albCertificatesPerLoadBalancer: number;
  readonly albTargetGroupsPerLoadBalancer: number;
  readonly loadBalancersPerRegion: number;
  readonly cacheUsersPerUserGroup: number;
  readonly hostedZones: number;
  readonly cognitoUserPools: number;
  readonly cloudFrontDistributionTenants: number;
  readonly acmCertificates: number;
  readonly cloudFormationStacks: number;
}

export interface CapacityPlan {
  readonly totalUsers: number;
  readonly usersPerInstance: number;
  /** Instances the seats need before min and headroom: ceil(totalUsers / usersPerInstance). */
  readonly needed: number;
  /** The group's MinSize: what the seats need, at least minInstances. No desired count is ever emitted. */
  readonly floor: number;
  readonly max: number;
  readonly targetCpuPercent: number;
  readonly rollout: RolloutPlan;
}

/** A security-rule finding accepted on purpose (platform manifest, review.suppressions[index]). */
export interface SuppressionPlan {
  readonly index: number;
  readonly rule: string;
  /** Output path pattern; `*` matches any characters except `/`. */
  readonly template: string;
  /** Logical id, or `*`. */
  readonly resource: string;
  readonly reason: string;
}

export interface PlatformPlan {
  readonly name: string;
  readonly region: string;
  readonly apexDomain: string;
  /** Where tenant-writable content is served: <tenant id>.<userContentDomain>, a registrable domain apart from the apex's. */
  readonly userContentDomain: string;
  readonly vpcCidr: string;
  readonly availabilityZones: readonly string[];
  readonly app: {
    readonly instanceType: string;
    /** The pinned image of every app fleet (`tenantc ami --latest` writes it): changing it rolls each fleet. */
    readonly ami: string;
    readonly port: number;
    readonly healthCheckPath: string;
    readonly usersPerInstance: number;
    readonly minInstances: number;
    readonly maxInstances: number;
    readonly headroomPercent: number;
    readonly targetCpuPercent: number;
  };
  readonly database: {
    readonly engineVersion: string;
    readonly instanceClass: string;
    readonly instances: number;
    readonly databaseName: string;
    readonly schema: string;
    readonly tenantTables: readonly { readonly name: string; readonly description: ManifestText }[];
    readonly tenantStatistics: 'private' | 'shared';
    /** A major engine upgrade is allowed (emits AllowMajorVersionUpgrade); false unless the manifest says so. */
    readonly allowMajorUpgrade: boolean;
  };
  readonly cache: { readonly engine: 'valkey' | 'redis'; readonly engineVersion: string; readonly nodeType: string };
  readonly originAccess: 'oac' | 'oai';
  /** Where app instances may connect: AWS services through VPC endpoints, or anywhere over HTTPS. */
  readonly appEgress: 'endpoints' | 'internet';
  readonly edge: { readonly waf: boolean; readonly rateLimitPerFiveMinutes: number; readonly accessLogs: boolean };
  readonly identity: {
    readonly minimumMfa: 'off' | 'optional' | 'required';
    readonly minimumPasswordLength: number;
    readonly threatProtection: 'enforced' | 'audit' | 'off';
  };
  readonly tiers: readonly TierPlan[];
  readonly quotas: QuotaPlan;
  readonly suppressions: readonly SuppressionPlan[];
  readonly alarmEmail: ManifestText;
  /** Sorted by key. */
  readonly tags: readonly ManifestTag[];
  readonly names: PlatformNames;
}

/** Physical names of platform resources that another stack, a policy or the app must name. */
export interface PlatformNames {
  readonly registryTable: string;
  readonly provisioningFunction: string;
  readonly provisioningLogGroup: string;
  /** The Lambda that rotates every tenant's app-credentials secret, and its log group. */
  readonly secretRotationFunction: string;
  readonly secretRotationLogGroup: string;
  readonly appLogGroup: string;
  readonly flowLogGroup: string;
  /** The user that replaces `default` in every cache user group, with no access. */
  readonly disabledDefaultCacheUser: string;
  /** CloudFront connection group the distribution tenants join. */
  readonly connectionGroup: string;
  readonly originAccessControl: string;
  /** `<platform>-tenant-*`: the only roles the shared fleet may assume. */
  readonly tenantRolePattern: string;
  /** SSM path of the platform's own configuration. */
  readonly configPath: string;
  /** SSM path every tenant's own path is under (`/<platform>/tenants/`). */
  readonly tenantsConfigPath: string;
  /** SSM parameter naming the tenant data bucket (the runtime builds session policies from it). */
  readonly dataBucketParameter: string;
  /**
   * Cluster-wide PostgreSQL roles: the owner of the schema and its tables (NOLOGIN),
   * the application's login role, and the registrar that alone reads every tenant's
   * row of the registry (the provisioning path), and the reaper that alone may end the
   * application role's sessions, only through tenantc_end_session (runtime/withTenant.ts).
   * Prefixed with the platform.
   */
  readonly databaseRoles: { readonly owner: string; readonly app: string; readonly registrar: string; readonly reaper: string };
  /** CloudWatch namespace of the app's per-tenant metrics (dimension TenantId). */
  readonly tenantMetricNamespace: string;
  readonly regionalWebAcl: string;
  readonly cloudFrontWebAcl: string;
  /** Source and destination of CloudFront's log delivery. */
  readonly cdnLogDelivery: string;
}

/** Physical names and logical ids of one tenant's resources. */
export interface TenantNames {
  /** Its nested stack's logical id in its group stack. */
  readonly stack: string;
  readonly role: string;
  readonly logGroup: string;
  /** ElastiCache user id (and name: IAM authentication needs them equal). */
  readonly cacheUser: string;
  /** The replication group it connects to: its shared cluster's, or its dedicated one's. */
  readonly cacheGroup: string;
  /** SSM parameter publishing that replication group's endpoint (names.ts says where). */
  readonly cacheEndpointParameter: string;
  readonly ssmPath: string;
  readonly secret: string;
  readonly oidcClientSecret: string;
  readonly userPool: string;
  readonly userPoolClient: string;
  readonly identityPool: string;
  readonly distributionTenant: string;
  /** Prefix of its Logs Insights query names. */
  readonly queries: string;
  /** Name tag of its dedicated fleet's instances. */
  readonly fleet: string;
}

/** What a tenant's status means for each layer, decided once. */
export interface ServingPlan {
  /** Its listener rules forward to its app, answer the suspended page, or do not exist (its hosts fall to the 404 default). */
  readonly routing: 'forward' | 'suspended-page' | 'none';
  /** Users can sign in: its app client offers the sign-in flows and the hosted UI (the client itself always exists, so its id never changes). */
  readonly signIn: boolean;
  /** Its distribution tenant serves its assets. */
  readonly assets: boolean;
  /** Its seats count on the shared fleet. */
  readonly sharedSeats: boolean;
  /** Its host names are served (certificate, rules, sign-in and assets hosts): false until a tenant's own DNS is ready. */
  readonly hostNames: boolean;
  /** Its cache user can authenticate, and its role can be assumed (both kept, switched off, when offboarded). */
  readonly credentials: boolean;
  /**
   * Which fleet serves it, as the tenantc:compute tag of its role and of its SSM
   * parameters says: `shared`, the pooled fleet (shared compute, until offboarded; a
   * suspended tenant's data stays readable to it); `dedicated`, its own fleet; `none`
   * once offboarded. The pooled fleet assumes only roles, and reads only tenant
   * parameters, tagged `shared` (emit/cfn/compute.ts), so a premium tenant's are out of
   * its reach even by name.
   */
  readonly computeTag: 'shared' | 'dedicated' | 'none';
  /** A dedicated fleet's size and rollout; null on shared compute. */
  readonly fleet: { readonly min: number; readonly max: number; readonly rollout: RolloutPlan } | null;
}

export interface PasswordPolicyPlan {
  readonly minLength: number;
  readonly requireLowercase: boolean;
  readonly requireUppercase: boolean;
  readonly requireNumbers: boolean;
  readonly requireSymbols: boolean;
  readonly temporaryPasswordValidityDays: number;
}

export interface TenantPlan {
  readonly id: string;
  /** PascalCase of the id; the stem of every logical id of this tenant. */
  readonly logicalName: string;
  /** Display name: the manifest's words, data only (plan/manifestText.ts). */
  readonly name: ManifestText;
  readonly tier: TierPlan;
  readonly status: TenantStatus;
  readonly users: number;
  /** Normalized (lower case, no trailing dot), in manifest order. */
  readonly domains: readonly string[];
  /**
   * Those of its domains that are registrable domains themselves (`acme.com`,
   * `acme.co.uk`: the Public Suffix List decides), in manifest order: the apex of the
   * customer's zone, where DNS allows no CNAME, so its own DNS points them with an
   * alias record (ALIAS/ANAME at its provider).
   */
  readonly apexDomains: readonly string[];
  /** `zone`: the zone the tenant delegated to us (mode delegated only, which requires it). */
  /**
   * `ready`: platform DNS always; a delegated or external tenant's once its manifest says
   * its domain stage's certificate was issued (dns.validated). Until then its domain
   * stage (emit/cfn/domainStage.ts) requests and validates a certificate on its own,
   * and no part of the estate waits on the tenant's DNS.
   */
  readonly dns: (
    | { readonly mode: 'delegated'; readonly zone: string; readonly ready: boolean }
    | { readonly mode: Exclude<DnsMode, 'delegated'>; readonly zone: null; readonly ready: boolean }
  ) & {
    /**
     * A tenant moving from platform DNS to its own keeps its platform host
     * (dns.platformDomain): until its own DNS is ready, its stack serves that host and
     * its sign-in host exactly as on platform DNS (`servedOnPlatform`); once
     * ready, its own names take over and the platform host keeps forwarding to its app.
     * So the move never leaves it dark while ACM waits (docs/domains.md, "Custom domains").
     */
    readonly platformDomain: string | null;
    /** Its stack serves its platform names (platform DNS, or a move not yet validated): records in the platform zone. */
    readonly servedOnPlatform: boolean;
    /** Its own names, which its domain stage validates and out/dns/<id>.txt tells the customer (for platform DNS, the served ones). */
    readonly own: {
      readonly domains: readonly string[];
      readonly signIn: string;
      readonly certificateNames: readonly [string, ...string[]];
    };
  };
  readonly auth: {
    readonly mfa: 'off' | 'optional' | 'required';
    readonly domain: string;
    readonly passwordPolicy: PasswordPolicyPlan;
    /** The schema requires the fields of the protocol and rules out the other's. */
    readonly federation:
      | { readonly protocol: 'saml'; readonly providerName: ManifestText; readonly metadataUrl: ManifestText }
      | { readonly protocol: 'oidc'; readonly providerName: ManifestText; readonly issuer: ManifestText; readonly clientId: ManifestText }
      | null;
    readonly identityPool: boolean;
  };
  /**
   * Host of the tenant's CloudFront distribution tenant, which serves its
   * tenant-writable content: <id>.<platform userContentDomain>, covered by the
   * platform's wildcard certificate for that domain, whatever the tenant's DNS.
   */
  readonly assetsDomain: string;
  /**
   * Names on the tenant's one ACM certificate (DNS-validated): its sign-in host, plus
   * its own domains unless the platform wildcard already covers them.
   */
  readonly certificateNames: readonly [string, ...string[]];
  /** Its own certificate goes on the ALB listener (SNI) unless the wildcard covers its domains. */
  readonly needsListenerCertificate: boolean;
  /** Hosts its app answers for (callback URLs, its configuration): its domains, and a kept platform host. */
  readonly appHosts: readonly string[];
  /** Host-header values of each of its listener rules (at most 5 per rule). */
  readonly listenerRuleHosts: readonly (readonly string[])[];
  readonly placement: TenantPlacement;
  readonly lifecycle: TenantLifecycle;
  readonly names: TenantNames;
  readonly serving: ServingPlan;
  readonly logRetentionDays: LogRetentionDays;
  readonly contacts: readonly { readonly role: string; readonly name: ManifestText; readonly email: ManifestText }[];
  /** Sorted by key. */
  readonly tags: readonly ManifestTag[];
  /** Manifest path, for messages that point back at the source. */
  readonly source: string;
}

export interface AlbShardPlan {
  readonly index: number;
  /** Its nested stack's logical id in the root. */
  readonly stack: string;
}

export interface CacheClusterPlan {
  readonly index: number;
  readonly stack: string;
  /** Replication group and user group id. */
  readonly name: string;
  /** SSM parameter publishing its primary endpoint (under the platform's path: the pooled fleet reads it). */
  readonly endpointParameter: string;
  /** Cache user ids of its tenants, sorted. */
  readonly users: readonly string[];
  /** Groups whose tenant stacks create those users: its stack waits for them. */
  readonly groups: readonly number[];
}

export interface GroupPlan {
  readonly index: number;
  readonly stack: string;
  /** Its tenants' ids, sorted. */
  readonly tenants: readonly string[];
  /** ALB shards its tenants use, ascending: the shard values it receives. */
  readonly albShards: readonly number[];
}

export interface EstatePlan {
  readonly platform: PlatformPlan;
  readonly capacity: CapacityPlan;
  readonly network: NetworkPlan;
  /** Ascending by index. */
  readonly albShards: readonly AlbShardPlan[];
  readonly cacheClusters: readonly CacheClusterPlan[];
  readonly groups: readonly GroupPlan[];
  /** Every tenant's placement, to be written back to the lock file. */
  readonly placements: ReadonlyMap<string, TenantPlacement>;
  /** Removed tenants, as the next lock records them. */
  readonly removed: ReadonlyMap<string, RemovedTenant>;
  /** Slots left by moves that the next lock keeps (plan/placement.ts). */
  readonly vacated: readonly VacatedSlot[];
  /** Sorted by id (byte order), whatever the order the files were read in. */
  readonly tenants: readonly TenantPlan[];
}

/**
 * What the emitters of one tenant's templates may read of the estate's plan besides the
 * tenant's own: the platform, nothing of other tenants. A compile reuses a tenant's
 * templates when the digest of exactly these (and of the tenant) is unchanged
 * (emit/reuse.ts); TypeScript holds the emitters to it.
 */
export type PlatformScope = Pick<EstatePlan, 'platform'>;
