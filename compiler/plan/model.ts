// The plan: a normalized, typed, read-only model of the estate. Every default is
// resolved here, so emitters never consult manifests or apply defaults themselves.
import type { DnsMode, LogRetentionDays, TenantStatus } from '../manifest.ts';
import type { TenantPlacement } from './placement.ts';

export interface TierPlan {
  readonly name: string;
  readonly description: string;
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
  readonly min: number;
  readonly desired: number;
  readonly max: number;
  readonly targetCpuPercent: number;
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
  readonly vpcCidr: string;
  readonly availabilityZones: readonly string[];
  readonly app: {
    readonly instanceType: string;
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
    readonly tenantTables: readonly { readonly name: string; readonly description: string }[];
  };
  readonly cache: { readonly engine: 'valkey' | 'redis'; readonly engineVersion: string; readonly nodeType: string };
  readonly originAccess: 'oac' | 'oai';
  readonly tiers: readonly TierPlan[];
  readonly quotas: QuotaPlan;
  readonly suppressions: readonly SuppressionPlan[];
  readonly alarmEmail: string;
  /** Sorted by key. */
  readonly tags: readonly (readonly [string, string])[];
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
  readonly name: string;
  readonly tier: TierPlan;
  readonly status: TenantStatus;
  readonly users: number;
  /** Normalized (lower case, no trailing dot), in manifest order. */
  readonly domains: readonly string[];
  readonly dns: { readonly mode: DnsMode; readonly zone: string | null };
  readonly auth: {
    readonly mfa: 'off' | 'optional' | 'required';
    readonly domain: string;
    readonly passwordPolicy: PasswordPolicyPlan;
    readonly federation: {
      readonly protocol: 'saml' | 'oidc';
      readonly providerName: string;
      readonly metadataUrl: string | null;
      readonly issuer: string | null;
      readonly clientId: string | null;
    } | null;
    readonly identityPool: boolean;
  };
  /** Host of the tenant's CloudFront distribution tenant: assets.<first domain>. */
  readonly assetsDomain: string;
  /**
   * Names on the tenant's one ACM certificate (DNS-validated): its sign-in and assets
   * hosts, plus its own domains unless the platform wildcard already covers them.
   */
  readonly certificateNames: readonly string[];
  /** Its own certificate goes on the ALB listener (SNI) unless the wildcard covers its domains. */
  readonly needsListenerCertificate: boolean;
  /** Host-header values of each of its listener rules (at most 5 per rule). */
  readonly listenerRuleHosts: readonly (readonly string[])[];
  readonly placement: TenantPlacement;
  readonly logRetentionDays: LogRetentionDays;
  readonly contacts: readonly { readonly role: string; readonly name: string; readonly email: string }[];
  /** Sorted by key. */
  readonly tags: readonly (readonly [string, string])[];
  /** Manifest path, for messages that point back at the source. */
  readonly source: string;
}

export interface EstatePlan {
  readonly platform: PlatformPlan;
  readonly capacity: CapacityPlan;
  /** Indices in use, ascending. */
  readonly albShards: readonly number[];
  readonly cacheClusters: readonly number[];
  readonly groups: readonly number[];
  /** Every tenant's placement, to be written back to the lock file. */
  readonly placements: ReadonlyMap<string, TenantPlacement>;
  /** Sorted by id (byte order), whatever the order the files were read in. */
  readonly tenants: readonly TenantPlan[];
}
