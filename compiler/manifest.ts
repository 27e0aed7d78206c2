// TypeScript shapes of the two manifest kinds, as the JSON Schemas in schema/ admit
// them. Values reach these types only after schema validation has passed.

export type LogRetentionDays = 1 | 3 | 5 | 7 | 14 | 30 | 60 | 90 | 120 | 150 | 180 | 365 | 400 | 545 | 731 | 1096 | 1827 | 2192 | 2557 | 2922 | 3288 | 3653;

export interface TierManifest {
  readonly description: string;
  readonly compute: 'dedicated' | 'shared';
  readonly cache: 'dedicated' | 'shared';
  readonly logRetentionDays: LogRetentionDays;
  readonly federation: boolean;
  readonly dedicatedInstances?: { readonly min: number; readonly max: number };
}

export interface QuotaManifest {
  readonly albRulesPerLoadBalancer?: number;
  readonly albCertificatesPerLoadBalancer?: number;
  readonly albTargetGroupsPerLoadBalancer?: number;
  readonly loadBalancersPerRegion?: number;
  readonly cacheUsersPerUserGroup?: number;
  readonly hostedZones?: number;
  readonly cognitoUserPools?: number;
  readonly cloudFrontDistributionTenants?: number;
  readonly acmCertificates?: number;
  readonly cloudFormationStacks?: number;
}

export interface SuppressionManifest {
  readonly rule: string;
  readonly template: string;
  readonly resource: string;
  readonly reason: string;
}

export interface PlatformManifest {
  readonly kind: 'Platform';
  readonly name: string;
  readonly region: string;
  readonly apexDomain: string;
  /** Where tenant-writable content is served from: <tenant id>.<userContentDomain>. */
  readonly userContentDomain: string;
  readonly network: { readonly vpcCidr: string; readonly availabilityZones: readonly string[]; readonly appEgress?: 'endpoints' | 'internet' };
  readonly app: {
    readonly instanceType: string;
    readonly ami: string;
    readonly port: number;
    readonly healthCheckPath: string;
    readonly capacity: {
      readonly usersPerInstance: number;
      readonly minInstances: number;
      readonly maxInstances: number;
      readonly headroomPercent?: number;
      readonly targetCpuPercent?: number;
    };
  };
  readonly database: {
    readonly engineVersion: string;
    readonly instanceClass: string;
    readonly instances: number;
    readonly databaseName: string;
    readonly schema: string;
    readonly tenantTables: readonly { readonly name: string; readonly description: string }[];
    readonly tenantStatistics?: 'private' | 'shared';
    readonly allowMajorUpgrade?: boolean;
  };
  readonly cache: { readonly engine: 'valkey' | 'redis'; readonly engineVersion: string; readonly nodeType: string };
  readonly cdn?: { readonly originAccess?: 'oac' | 'oai' };
  readonly edge?: { readonly waf?: boolean; readonly rateLimitPerFiveMinutes?: number; readonly accessLogs?: boolean };
  readonly identity?: {
    readonly minimumMfa?: 'off' | 'optional' | 'required';
    readonly minimumPasswordLength?: number;
    readonly threatProtection?: 'enforced' | 'audit' | 'off';
  };
  readonly tiers: Readonly<Record<string, TierManifest>>;
  readonly quotas?: QuotaManifest;
  readonly review?: { readonly suppressions?: readonly SuppressionManifest[] };
  readonly alarmEmail: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export type TenantStatus = 'active' | 'suspended' | 'offboarded';
export type DnsMode = 'platform' | 'delegated' | 'external';

export interface TenantManifest {
  readonly kind: 'Tenant';
  readonly id: string;
  readonly name: string;
  readonly tier: string;
  readonly status: TenantStatus;
  /** The removal date the lock records, when a removed tenant is brought back on purpose. */
  readonly restoredFrom?: string;
  readonly users: number;
  readonly domains: readonly string[];
  readonly dns: { readonly mode: DnsMode; readonly zone?: string; readonly validated?: boolean; readonly platformDomain?: string };
  readonly auth: {
    readonly mfa: 'off' | 'optional' | 'required';
    readonly domain?: string;
    readonly passwordPolicy?: {
      readonly minLength?: number;
      readonly requireLowercase?: boolean;
      readonly requireUppercase?: boolean;
      readonly requireNumbers?: boolean;
      readonly requireSymbols?: boolean;
      readonly temporaryPasswordValidityDays?: number;
    };
    readonly federation?: {
      readonly protocol: 'saml' | 'oidc';
      readonly providerName: string;
      readonly metadataUrl?: string;
      readonly issuer?: string;
      readonly clientId?: string;
    };
    readonly identityPool?: boolean;
  };
  readonly logs?: { readonly retentionDays?: LogRetentionDays };
  readonly contacts: readonly { readonly role: 'owner' | 'technical' | 'billing' | 'security'; readonly name: string; readonly email: string }[];
  readonly tags?: Readonly<Record<string, string>>;
}
