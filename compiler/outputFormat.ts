// The contract between compile and deploy: out/assets.json, and every name one side
// writes and the other reads (logical ids, parameters, outputs, stack names). deploy/
// reads the compiled output and nothing of the compiler but this file, stateful.ts and
// allow.ts, so each is declared here once, with no stage logic; the emitters and deploy
// both import it, and test/outputContract.test.ts fails when either side uses a name of
// its own instead.

/** out/assets.json */
export const ASSETS_FILE = 'assets.json';
/**
 * 4: tenant stacks carry their tenant's status (deploy refuses removing a tenant not offboarded).
 * 5: and its incarnation (deploy refuses a restore not allowed: deploy/restore.ts).
 */
export const ASSETS_FORMAT = 'tenantc-assets/5';

/** Template files end so; a template's name in an allow target is its path without it. */
export const TEMPLATE_SUFFIX = '.template.json';
export const ROOT_TEMPLATE_FILE = `root${TEMPLATE_SUFFIX}`;
/** A tenant's domain stage template. */
export const domainStageFile = (tenantId: string) => `domains/${tenantId}${TEMPLATE_SUFFIX}`;

/** The root's parameter naming the assets bucket, which deploy passes and nested TemplateURLs use. */
export const ASSETS_BUCKET_PARAMETER = 'AssetsBucketName';

/** Every template is uploaded under a key made from the SHA-256 of its bytes. */
export const ASSET_KEY = /^tenantc\/([0-9a-f]{64})\.template\.json$/;

export interface AssetTemplate {
  /** Path inside the output directory. */
  readonly file: string;
  /** Key in the assets bucket: tenantc/<sha256 of the file>.template.json. */
  readonly key: string;
}

export interface NestedTemplate extends AssetTemplate {
  /** Logical ids from the root down to this nested stack, joined by `/`. */
  readonly stack: string;
  /** The tenant whose stack this is, for tenant stacks. */
  readonly tenant?: string;
  /** That tenant's status (tenant stacks): what the deployed record says was last rolled out. */
  readonly status?: TenantStatus;
  /**
   * That tenant's incarnation (tenant stacks; absent in a record of format 4): 1, or more
   * once it was brought back after a removal. A tenant whose incarnation differs from the
   * deployed one, or whose id a deploy removed, is a restore (deploy/restore.ts).
   */
  readonly incarnation?: number;
  /** The removal day its manifest's restoredFrom names, for deploy's messages. */
  readonly restoredFrom?: string;
}

/** A tenant's status in its manifest (README, "Tenant lifecycle"). */
export type TenantStatus = 'active' | 'suspended' | 'offboarded';

/**
 * A tenant's domain stage (compiler/emit/cfn/domainStage.ts): a stack of its own,
 * deployed after the root and never waited on, named `<root stack>-domain-<tenant>`.
 */
export interface DomainStageTemplate extends AssetTemplate {
  readonly tenant: string;
  readonly mode: 'delegated' | 'external';
  /** The tenant's nested stack (logical ids from the root), whose outputs a delegated stage takes its zone from. */
  readonly tenantStack: string;
  /** The manifest says the stage's certificate was issued (dns.validated): the tenant stack holds its own. */
  readonly attached: boolean;
}

/**
 * Logical id of a tenant stack's certificate: deploy refuses a change set that adds or
 * replaces it while the tenant's domain stage is not issued (deploy/domainGate.ts).
 */
export const TENANT_CERTIFICATE = 'tenantCertificate';

/** Logical id of a delegated tenant's hosted zone in its stack: its domain stage validates there. */
export const TENANT_ZONE = 'tenantHostedZone';

/** Logical id of the certificate in a domain stage: deploy reads the validation records from its events. */
export const DOMAIN_STAGE_CERTIFICATE = 'domainStageCertificate';
/** A delegated tenant's domain stage takes its zone (the TENANT_ZONE of its stack) as this parameter, which deploy passes. */
export const DOMAIN_STAGE_ZONE_PARAMETER = 'HostedZoneId';
/** A delegated tenant stack's output: the zone's name servers, comma-joined, which deploy prints for the customer. */
export const TENANT_NAME_SERVERS_OUTPUT = 'NameServers';

export const domainStageStackName = (rootStack: string, tenant: string) => `${rootStack}-domain-${tenant}`;

export interface AssetsManifest {
  readonly format: typeof ASSETS_FORMAT;
  /** The root template, deployed with its TemplateURL (it is over the 51,200-byte inline limit). */
  readonly root: AssetTemplate;
  /** Nested templates, by file. */
  readonly nested: readonly NestedTemplate[];
  /** Domain stages, by file. */
  readonly domains: readonly DomainStageTemplate[];
}

// ---------------------------------------------------------------------------------
// The contract between compile and the application runtime (tenantc/runtime, issue 22):
// out/runtime/hosts.json. The runtime reads this file and SSM parameters, nothing of the
// compiler but these declarations; compiler/plan/runtimeHosts.ts computes its content.

/** out/runtime/hosts.json */
export const RUNTIME_HOSTS_FILE = 'runtime/hosts.json';
export const RUNTIME_HOSTS_FORMAT = 'tenantc-runtime-hosts/1';

/** A tenant as the runtime needs it: its status, which fleet serves it, and the names its isolation rests on. */
export interface RuntimeTenant {
  readonly status: 'active' | 'suspended' | 'offboarded';
  /** `shared` (the pooled fleet) or the tenant's own id (its dedicated fleet): the only fleet that may serve it. */
  readonly fleet: string;
  /** IAM role name; the pooled fleet assumes it with the tenant-id session tag, a dedicated fleet runs as it. */
  readonly role: string;
  /** SSM path of its parameters (user pool, app client, cache user...), readable with its own credentials only. */
  readonly ssmPath: string;
  /** Its key prefix in the tenant data bucket. */
  readonly s3Prefix: string;
  /** Its key and channel prefix in a cache (the ACL pattern without its `*`). */
  readonly cacheKeyPrefix: string;
  /** ElastiCache user id (= user name) of its ACL user. */
  readonly cacheUser: string;
  /** Replication group it connects to: a shared cluster's, or its dedicated one's. */
  readonly cacheGroup: string;
  /** SSM parameter holding its cache's endpoint as host:port: under the platform path (shared cluster) or its own (dedicated). */
  readonly cacheEndpointParameter: string;
  /** Its CloudWatch log group (the tenant's log stream lives here). */
  readonly logGroup: string;
  /** Its Secrets Manager secret's name. */
  readonly secret: string;
}

export interface RuntimeHostMap {
  readonly format: typeof RUNTIME_HOSTS_FORMAT;
  readonly platform: string;
  readonly region: string;
  /** The session (and principal) tag carrying the tenant id, which tenant roles' trust and every tenant policy require. */
  readonly sessionTagKey: string;
  /** SSM path of the platform's configuration (the tenant data bucket, shared cache endpoints). */
  readonly configPath: string;
  /** SSM parameter naming the tenant data bucket. */
  readonly dataBucketParameter: string;
  /** The database the application connects to: its login role (row-level security applies to it) and the schema of the tenant tables. */
  readonly database: { readonly name: string; readonly schema: string; readonly appRole: string };
  /** Every served host (lower case, no trailing dot, no port) → the tenant it serves. Sorted. */
  readonly hosts: Readonly<Record<string, string>>;
  /** Every tenant of the estate, by id. Sorted. */
  readonly tenants: Readonly<Record<string, RuntimeTenant>>;
}

/**
 * The SSM parameters each tenant stack publishes under its path (RuntimeTenant.ssmPath),
 * by what they hold: the runtime reads them with the tenant's own credentials.
 */
export const TENANT_PARAMETERS = {
  tier: 'tier',
  status: 'status',
  domains: 'domains',
  roleArn: 'role-arn',
  userPoolId: 'user-pool-id',
  userPoolClientId: 'user-pool-client-id',
  cacheUser: 'cache-user',
  cacheCluster: 'cache-cluster',
} as const;
