// Which change of which property is which risk: data, not code. CloudFormation's
// update semantics say whether a resource is replaced; they do not say that a shorter
// log retention deletes logs, that MFA became optional, or that a new instance class
// reboots the database. Each entry here says one such thing, with the AWS documentation
// that says it; test/riskTable.test.ts proves every entry on a change it must flag and
// on one it must not.
import type { RiskKind } from './model.ts';

/** A resource as a template holds it. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly DependsOn?: string | readonly string[];
  readonly [attribute: string]: unknown;
}

export interface RiskEntry {
  /** Stable id, kebab-case: what an entry test and a reviewer refer to. */
  readonly id: string;
  readonly kind: RiskKind;
  /** Resource types it applies to; `*stateful*` for every type that holds data (stateful.ts). */
  readonly types: readonly string[];
  /** The property as a reviewer names it. */
  readonly property: string;
  /** The value compared, read from the resource (null: the resource is absent). */
  readonly value: (r: TemplateResource) => unknown;
  /** True when the change from `before` to `after` carries the risk (undefined: not set). */
  readonly risky: (before: unknown, after: unknown) => boolean;
  /** What it does, in one sentence. */
  readonly says: string;
  /** The AWS documentation that says so. */
  readonly reference: string;
  /**
   * The entry applies to the resource added to a stack that already exists too (its
   * `before` value is null): a new trust is as wide as a changed one. Resources of a new
   * stack are not matched (diffStack.ts): a new tenant trusts what its review reads.
   */
  readonly onAdd?: true;
}

// AWS documentation, each page once.
const REF = {
  logGroup: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html',
  bucket: 'https://docs.aws.amazon.com/ko_kr/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket.html',
  dbCluster: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbcluster.html',
  dbInstance: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-rds-database-instance.html',
  auroraFailover: 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-failover.html',
  cache: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticache-replicationgroup',
  cacheEngine:
    'https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/elasticache/aws.sdk.kotlin.services.elasticache.model/-modify-replication-group-request/engine-version.html',
  userPool: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cognito-userpool.html',
  launchTemplate: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-launchtemplate.html',
  rollingUpdate: 'https://docs.aws.amazon.com/cdk/api/latest/docs/@aws-cdk_core.CfnAutoScalingRollingUpdate.html',
  deletionPolicy: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html',
  listener: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-listener.html',
  webAcl: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-wafv2-webacl.html',
  webAclDefault: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-wafv2-webacl-defaultaction.html',
  identityProvider: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cognito-userpoolidentityprovider.html',
  userPoolClient: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cognito-userpoolclient.html',
  rateBasedStatement: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-wafv2-webacl-ratebasedstatement.html',
  tableRecovery: 'https://docs.aws.amazon.com/cdk/api/latest/docs/@aws-cdk_aws-dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty.html',
} as const;

const props = (r: TemplateResource) => r.Properties ?? {};
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
/** A number written as a number or a string; NaN when it is an intrinsic or absent. */
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN);
const isTrue = (v: unknown) => v === true || v === 'true';
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A limit that keeps data: lower is worse, and unset means "forever" (logs, snapshots kept). */
const shortened = (before: unknown, after: unknown) => {
  const a = num(before);
  const b = num(after);
  if (after === undefined) return false;
  if (before === undefined) return !Number.isNaN(b);
  return !Number.isNaN(a) && !Number.isNaN(b) && b < a;
};
/** A count that keeps data (backups, snapshots): lower is worse, unset means the AWS default. */
const reduced = (before: unknown, after: unknown) => {
  const a = num(before);
  const b = num(after ?? 0);
  return !Number.isNaN(a) && !Number.isNaN(b) && b < a;
};
const switchedOff = (before: unknown, after: unknown) => isTrue(before) && !isTrue(after);
const changed = (before: unknown, after: unknown) => before !== undefined && !same(before, after);

/** The shortest expiry any lifecycle rule sets (current or noncurrent versions); undefined when none. */
function shortestExpiry(r: TemplateResource): number | undefined {
  const rules = obj(props(r).LifecycleConfiguration).Rules;
  const days = (Array.isArray(rules) ? rules : [])
    .map(obj)
    .filter((rule) => rule.Status !== 'Disabled')
    .flatMap((rule) => [num(rule.ExpirationInDays), num(obj(rule.NoncurrentVersionExpiration).NoncurrentDays), num(rule.NoncurrentVersionExpirationInDays)])
    .filter((d) => !Number.isNaN(d));
  return days.length ? Math.min(...days) : undefined;
}

const MFA_RANK: Record<string, number> = { OFF: 0, OPTIONAL: 1, ON: 2 };
const THREAT_RANK: Record<string, number> = { OFF: 0, AUDIT: 1, ENFORCED: 2 };
const ranked = (rank: Record<string, number>, missing: number) => (before: unknown, after: unknown) =>
  (rank[String(after ?? '')] ?? missing) < (rank[String(before ?? '')] ?? missing);

const passwordPolicy = (r: TemplateResource) => obj(obj(props(r).Policies).PasswordPolicy);

/**
 * The lowest TLS version an ELB security policy accepts, from its name
 * (ELBSecurityPolicy-TLS13-1-2-2021-06: 1.2; ELBSecurityPolicy-TLS-1-1-2017-01: 1.1;
 * the older ELBSecurityPolicy-2016-08 and the like: 1.0).
 */
export function tlsMinimumOf(policy: unknown): number {
  if (typeof policy !== 'string') return 1.0;
  const m = /TLS13-1-(\d)|TLS-1-(\d)|TLSv1\.(\d)/.exec(policy);
  const minor = m?.[1] ?? m?.[2] ?? m?.[3];
  return minor === undefined ? 1.0 : Number(`1.${minor}`);
}

const PUBLIC_ACCESS_FLAGS = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'] as const;

/** Names of a web ACL's rules whose action still blocks (a rule set to count blocks nothing). */
function blockingRules(r: TemplateResource): string[] {
  const rules = props(r).Rules;
  return (Array.isArray(rules) ? rules : [])
    .map(obj)
    .filter((rule) => !('Count' in obj(rule.Action)) && !('Count' in obj(rule.OverrideAction)))
    .map((rule) => String(rule.Name))
    .sort();
}

/** Elements of a list that `after` has and `before` (a list, unset or an absent resource) has not. */
const gained = (before: unknown, after: unknown) => Array.isArray(after) && after.some((x) => !(Array.isArray(before) && before.some((y) => same(x, y))));
/** A value that is new (the resource added) or different. */
const setOrChanged = (before: unknown, after: unknown) => after !== undefined && !same(before, after);

/**
 * What a user pool trusts to vouch for a user: the identity provider's type and every
 * detail that says where its assertions come from and who may issue them (SAML metadata
 * URL or document; OIDC issuer, client id, endpoints), and how its claims become the
 * user's attributes (a mapped `email` is who the user is to the app). The client secret
 * is a dynamic reference, unchanged by a manifest, and stays out of the value shown.
 */
function providerTrust(r: TemplateResource) {
  const { client_secret: _secret, ...details } = obj(props(r).ProviderDetails);
  return { type: props(r).ProviderType, details, attributes: props(r).AttributeMapping, identifiers: props(r).IdpIdentifiers };
}

/** The highest request limit of a web ACL's rate-based rules that still block (undefined: none). */
function rateLimit(r: TemplateResource): number | undefined {
  const rules = props(r).Rules;
  const limits = (Array.isArray(rules) ? rules : [])
    .map(obj)
    .filter((rule) => !('Count' in obj(rule.Action)))
    .map((rule) => num(obj(obj(rule.Statement).RateBasedStatement).Limit))
    .filter((n) => !Number.isNaN(n));
  return limits.length ? Math.max(...limits) : undefined;
}

/** The risk table. One entry per fact, grouped by kind. */
export const RISK_TABLE: readonly RiskEntry[] = [
  // ---- data-loss: stored data deleted without replacing anything ----
  {
    id: 'log-retention-shortened',
    kind: 'data-loss',
    types: ['AWS::Logs::LogGroup'],
    property: 'RetentionInDays',
    value: (r) => props(r).RetentionInDays,
    risky: shortened,
    says: 'CloudWatch Logs deletes the events older than the new retention',
    reference: REF.logGroup,
  },
  {
    id: 'bucket-expiry-shortened',
    kind: 'data-loss',
    types: ['AWS::S3::Bucket'],
    property: 'LifecycleConfiguration (expiration)',
    value: shortestExpiry,
    risky: shortened,
    says: 'S3 expires (deletes) the objects or versions older than the new expiry',
    reference: REF.bucket,
  },
  {
    id: 'bucket-versioning-suspended',
    kind: 'data-loss',
    types: ['AWS::S3::Bucket'],
    property: 'VersioningConfiguration.Status',
    value: (r) => obj(props(r).VersioningConfiguration).Status,
    risky: (a, b) => a === 'Enabled' && b !== 'Enabled',
    says: 'overwritten and deleted objects are no longer kept as versions',
    reference: REF.bucket,
  },
  {
    id: 'database-backups-shortened',
    kind: 'data-loss',
    types: ['AWS::RDS::DBCluster'],
    property: 'BackupRetentionPeriod',
    value: (r) => props(r).BackupRetentionPeriod,
    risky: reduced,
    says: 'RDS deletes the automated backups older than the new retention: point-in-time restore reaches back less far',
    reference: REF.dbCluster,
  },
  {
    id: 'database-deletion-protection-off',
    kind: 'data-loss',
    types: ['AWS::RDS::DBCluster'],
    property: 'DeletionProtection',
    value: (r) => props(r).DeletionProtection,
    risky: switchedOff,
    says: 'the cluster can be deleted (by a stack operation or by hand) with its data',
    reference: REF.dbCluster,
  },
  {
    id: 'cache-snapshots-shortened',
    kind: 'data-loss',
    types: ['AWS::ElastiCache::ReplicationGroup'],
    property: 'SnapshotRetentionLimit',
    value: (r) => props(r).SnapshotRetentionLimit,
    risky: reduced,
    says: 'ElastiCache deletes the automatic snapshots beyond the new limit',
    reference: REF.cache,
  },
  {
    id: 'user-pool-deletion-protection-off',
    kind: 'data-loss',
    types: ['AWS::Cognito::UserPool'],
    property: 'DeletionProtection',
    value: (r) => props(r).DeletionProtection,
    risky: (a, b) => a === 'ACTIVE' && b !== 'ACTIVE',
    says: 'the user pool, with every user and their credentials, can be deleted',
    reference: REF.userPool,
  },
  {
    id: 'table-point-in-time-recovery-off',
    kind: 'data-loss',
    types: ['AWS::DynamoDB::Table'],
    property: 'PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled',
    value: (r) => obj(props(r).PointInTimeRecoverySpecification).PointInTimeRecoveryEnabled,
    risky: switchedOff,
    says: 'the continuous backups are deleted: the table can no longer be restored to an earlier time',
    reference: REF.tableRecovery,
  },
  {
    id: 'deletion-policy-delete',
    kind: 'data-loss',
    types: ['*stateful*'],
    property: 'DeletionPolicy',
    value: (r) => r.DeletionPolicy,
    risky: (a, b) => (a === 'Retain' || a === 'Snapshot' || a === 'RetainExceptOnCreate') && (b === undefined || b === 'Delete'),
    says: 'removing it from its stack (or deleting the stack) now deletes its data, with no retained copy or final snapshot',
    reference: REF.deletionPolicy,
  },

  // ---- weakening: security posture lowered ----
  {
    id: 'mfa-lowered',
    kind: 'weakening',
    types: ['AWS::Cognito::UserPool'],
    property: 'MfaConfiguration',
    value: (r) => props(r).MfaConfiguration,
    risky: ranked(MFA_RANK, 0),
    says: 'users can sign in without a second factor',
    reference: REF.userPool,
  },
  {
    id: 'password-length-lowered',
    kind: 'weakening',
    types: ['AWS::Cognito::UserPool'],
    property: 'Policies.PasswordPolicy.MinimumLength',
    value: (r) => passwordPolicy(r).MinimumLength,
    risky: (a, b) => num(b ?? 8) < num(a ?? 8),
    says: 'shorter passwords are accepted at the next password change',
    reference: REF.userPool,
  },
  {
    id: 'password-character-classes-dropped',
    kind: 'weakening',
    types: ['AWS::Cognito::UserPool'],
    property: 'Policies.PasswordPolicy.Require*',
    value: (r) => {
      const p = passwordPolicy(r);
      return ['RequireLowercase', 'RequireUppercase', 'RequireNumbers', 'RequireSymbols'].filter((k) => isTrue(p[k]));
    },
    risky: (a, b) => Array.isArray(a) && Array.isArray(b) && a.some((k) => !b.includes(k)),
    says: 'passwords without some character classes are accepted',
    reference: REF.userPool,
  },
  {
    id: 'temporary-password-longer',
    kind: 'weakening',
    types: ['AWS::Cognito::UserPool'],
    property: 'Policies.PasswordPolicy.TemporaryPasswordValidityDays',
    value: (r) => passwordPolicy(r).TemporaryPasswordValidityDays,
    risky: (a, b) => num(b ?? 7) > num(a ?? 7),
    says: 'an unused invitation password stays valid longer',
    reference: REF.userPool,
  },
  {
    id: 'threat-protection-lowered',
    kind: 'weakening',
    types: ['AWS::Cognito::UserPool'],
    property: 'UserPoolAddOns.AdvancedSecurityMode',
    value: (r) => obj(props(r).UserPoolAddOns).AdvancedSecurityMode,
    risky: ranked(THREAT_RANK, 0),
    says: 'compromised-credential and risky sign-in checks no longer block',
    reference: REF.userPool,
  },
  {
    id: 'listener-tls-minimum-lowered',
    kind: 'weakening',
    types: ['AWS::ElasticLoadBalancingV2::Listener'],
    property: 'SslPolicy',
    value: (r) => props(r).SslPolicy,
    risky: (a, b) => a !== undefined && tlsMinimumOf(b) < tlsMinimumOf(a),
    says: 'the load balancer accepts an older TLS version',
    reference: REF.listener,
  },
  {
    id: 'cache-transit-encryption-lowered',
    kind: 'weakening',
    types: ['AWS::ElastiCache::ReplicationGroup'],
    property: 'TransitEncryptionMode',
    value: (r) => (isTrue(props(r).TransitEncryptionEnabled) ? (props(r).TransitEncryptionMode ?? 'required') : 'off'),
    risky: ranked({ off: 0, preferred: 1, required: 2 }, 0),
    says: 'the cache accepts connections in clear text',
    reference: REF.cache,
  },
  {
    id: 'bucket-public-access-opened',
    kind: 'weakening',
    types: ['AWS::S3::Bucket'],
    property: 'PublicAccessBlockConfiguration',
    value: (r) => PUBLIC_ACCESS_FLAGS.filter((f) => isTrue(obj(props(r).PublicAccessBlockConfiguration)[f])),
    risky: (a, b) => Array.isArray(a) && Array.isArray(b) && a.some((f) => !b.includes(f)),
    says: 'public ACLs or a public bucket policy are no longer blocked',
    reference: REF.bucket,
  },
  {
    id: 'bucket-encryption-removed',
    kind: 'weakening',
    types: ['AWS::S3::Bucket'],
    property: 'BucketEncryption',
    value: (r) => props(r).BucketEncryption,
    risky: (a, b) => a !== undefined && b === undefined,
    says: "new objects are encrypted with S3's default key instead of the one chosen",
    reference: REF.bucket,
  },
  {
    id: 'database-log-exports-removed',
    kind: 'weakening',
    types: ['AWS::RDS::DBCluster'],
    property: 'EnableCloudwatchLogsExports',
    value: (r) => props(r).EnableCloudwatchLogsExports,
    risky: (a, b) => Array.isArray(a) && a.some((x) => !(Array.isArray(b) && b.includes(x))),
    says: 'database logs (connections, DDL, slow statements) no longer reach CloudWatch',
    reference: REF.dbCluster,
  },
  {
    id: 'imds-v1-allowed',
    kind: 'weakening',
    types: ['AWS::EC2::LaunchTemplate'],
    property: 'LaunchTemplateData.MetadataOptions.HttpTokens',
    value: (r) => obj(obj(props(r).LaunchTemplateData).MetadataOptions).HttpTokens,
    risky: (a, b) => a === 'required' && b !== 'required',
    says: "instances answer IMDSv1: a forwarded request can read the instance role's credentials",
    reference: REF.launchTemplate,
  },
  {
    id: 'waf-rule-removed',
    kind: 'weakening',
    types: ['AWS::WAFv2::WebACL'],
    property: 'Rules',
    value: blockingRules,
    risky: (a, b) => Array.isArray(a) && Array.isArray(b) && a.some((n) => !b.includes(n)),
    says: 'requests a removed (or counting) rule blocked reach the application',
    reference: REF.webAcl,
  },
  {
    id: 'waf-default-allow',
    kind: 'weakening',
    types: ['AWS::WAFv2::WebACL'],
    property: 'DefaultAction',
    value: (r) =>
      Object.keys(obj(props(r).DefaultAction))
        .sort()
        .join(','),
    risky: (a, b) => a === 'Block' && b !== 'Block',
    says: 'requests no rule matches are allowed instead of blocked',
    reference: REF.webAclDefault,
  },

  {
    id: 'waf-rate-limit-raised',
    kind: 'weakening',
    types: ['AWS::WAFv2::WebACL'],
    property: 'Rules[].Statement.RateBasedStatement.Limit',
    value: rateLimit,
    risky: (a, b) => a !== undefined && (b === undefined || num(b) > num(a)),
    says: 'one client IP may send more requests before WAF blocks it (a flood, a credential-stuffing run or a scrape goes on longer)',
    reference: REF.rateBasedStatement,
  },

  // ---- broadening: who is trusted to sign a user in, and where tokens may go ----
  {
    id: 'identity-provider-trust-changed',
    kind: 'broadening',
    types: ['AWS::Cognito::UserPoolIdentityProvider'],
    property: 'ProviderType, ProviderDetails, AttributeMapping',
    value: providerTrust,
    risky: setOrChanged,
    says: "the user pool trusts a new or different identity provider (issuer, metadata, client): whoever controls it can sign in as the tenant's users",
    reference: REF.identityProvider,
    onAdd: true,
  },
  {
    id: 'client-callback-urls-gained',
    kind: 'broadening',
    types: ['AWS::Cognito::UserPoolClient'],
    property: 'CallbackURLs',
    value: (r) => props(r).CallbackURLs,
    risky: gained,
    says: 'Cognito sends authorization codes (and so sign-ins) to a new URL: whoever serves it receives them',
    reference: REF.userPoolClient,
    onAdd: true,
  },
  {
    id: 'client-logout-urls-gained',
    kind: 'broadening',
    types: ['AWS::Cognito::UserPoolClient'],
    property: 'LogoutURLs',
    value: (r) => props(r).LogoutURLs,
    risky: gained,
    says: 'Cognito redirects signed-out users to a new URL (an open redirect from the sign-in domain if it is not the tenant’s)',
    reference: REF.userPoolClient,
    onAdd: true,
  },
  {
    id: 'client-identity-providers-gained',
    kind: 'broadening',
    types: ['AWS::Cognito::UserPoolClient'],
    property: 'SupportedIdentityProviders',
    value: (r) => props(r).SupportedIdentityProviders,
    risky: gained,
    says: 'the app client accepts sign-ins from another identity provider',
    reference: REF.userPoolClient,
    onAdd: true,
  },
  {
    id: 'client-oauth-flows-gained',
    kind: 'broadening',
    types: ['AWS::Cognito::UserPoolClient'],
    property: 'AllowedOAuthFlows',
    value: (r) => props(r).AllowedOAuthFlows,
    risky: gained,
    says: 'the app client issues tokens by another OAuth flow (implicit puts them in the URL; client_credentials needs no user)',
    reference: REF.userPoolClient,
    onAdd: true,
  },
  {
    id: 'client-oauth-scopes-gained',
    kind: 'broadening',
    types: ['AWS::Cognito::UserPoolClient'],
    property: 'AllowedOAuthScopes',
    value: (r) => props(r).AllowedOAuthScopes,
    risky: gained,
    says: "the app client's tokens carry more scopes (aws.cognito.signin.user.admin lets a token change its user's attributes)",
    reference: REF.userPoolClient,
    onAdd: true,
  },

  // ---- interruption: an update AWS documents as rebooting or interrupting ----
  {
    id: 'database-instance-class-changed',
    kind: 'interruption',
    types: ['AWS::RDS::DBInstance'],
    property: 'DBInstanceClass',
    value: (r) => props(r).DBInstanceClass,
    risky: changed,
    says: 'the instance restarts on the new class (minutes); while the writer restarts, Aurora fails over to a reader',
    reference: REF.dbInstance,
  },
  {
    id: 'database-engine-version-changed',
    kind: 'interruption',
    types: ['AWS::RDS::DBCluster'],
    property: 'EngineVersion',
    value: (r) => props(r).EngineVersion,
    risky: changed,
    says: 'every instance of the cluster is upgraded together: the database is unavailable during the upgrade',
    reference: REF.dbCluster,
  },
  {
    id: 'cache-node-type-changed',
    kind: 'interruption',
    types: ['AWS::ElastiCache::ReplicationGroup'],
    property: 'CacheNodeType',
    value: (r) => props(r).CacheNodeType,
    risky: changed,
    says: 'each node is replaced by one of the new type; the primary fails over to the replica',
    reference: REF.cache,
  },
  {
    id: 'cache-engine-version-changed',
    kind: 'interruption',
    types: ['AWS::ElastiCache::ReplicationGroup'],
    property: 'EngineVersion',
    value: (r) => props(r).EngineVersion,
    risky: changed,
    says: 'each node restarts on the new engine (a downgrade is impossible without recreating the cache); the primary fails over to the replica',
    reference: REF.cacheEngine,
  },
  {
    id: 'fleet-image-changed',
    kind: 'interruption',
    types: ['AWS::EC2::LaunchTemplate'],
    property: 'LaunchTemplateData.ImageId',
    value: (r) => obj(props(r).LaunchTemplateData).ImageId,
    risky: changed,
    // The review has no AWS credentials and cannot tell who published an id; deploy asks
    // EC2 and refuses an image not Amazon's nor an --image-owner's (deploy/imageProof.ts).
    // Said here so that a reviewer neither trusts the id nor thinks it unchecked.
    says: "the fleet's instances are replaced by instances of the new image, batch by batch; image provenance: verified at deploy, not in this review (deploy runs only images owned by Amazon or by an account its workflow names with --image-owner)",
    reference: REF.rollingUpdate,
  },
  {
    id: 'fleet-instance-type-changed',
    kind: 'interruption',
    types: ['AWS::EC2::LaunchTemplate'],
    property: 'LaunchTemplateData.InstanceType',
    value: (r) => obj(props(r).LaunchTemplateData).InstanceType,
    risky: changed,
    says: "the fleet's instances are replaced by instances of the new type, batch by batch",
    reference: REF.rollingUpdate,
  },
];

/** The documentation a roll-out order relies on (emit/cfn/database.ts orders the instances). */
export const ROLLOUT_REFERENCES = {
  dependsOn: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html',
  auroraFailover: REF.auroraFailover,
} as const;

export interface RiskMatch {
  readonly entry: RiskEntry;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * Every entry a resource's change matches, in table order. `before` null: the resource
 * is added to a stack that exists, and only the entries marked `onAdd` apply.
 */
export function matchRisks(before: TemplateResource | null, after: TemplateResource, isStateful: (type: string) => boolean): RiskMatch[] {
  const out: RiskMatch[] = [];
  for (const entry of RISK_TABLE) {
    const applies = entry.types.includes(after.Type) || (entry.types.includes('*stateful*') && isStateful(after.Type));
    if (!applies || (before === null ? !entry.onAdd : before.Type !== after.Type)) continue;
    const a = before === null ? null : entry.value(before);
    const b = entry.value(after);
    if (!same(a, b) && entry.risky(a, b)) out.push({ entry, before: a, after: b });
  }
  return out;
}
