// The risk table, entry by entry: for each entry a change it must flag and one it must
// not, on the smallest resource that shows it. A last test changes the AMI of a fleet's
// launch template in a compiled estate and checks the interruption and its batches.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compiledSide, diffEstate } from '../compiler/diff/diffEstate.ts';
import { inThreadDiffer } from '../compiler/diff/inThreadDiffer.ts';
import { matchRisks, RISK_TABLE, type TemplateResource, tlsMinimumOf } from '../compiler/diff/riskTable.ts';
import { isStateful } from '../compiler/stateful.ts';
import { compiledFrom, FIXTURES } from './helpers.ts';

const R = suite('risk table');

interface EntryCase {
  /** The resource before the change. */
  readonly before: TemplateResource;
  /** A change the entry must flag. */
  readonly risky: TemplateResource;
  /** A change of the same property it must not flag. */
  readonly safe: TemplateResource;
}

const res = (Type: string, Properties: Record<string, unknown>, attrs: Record<string, unknown> = {}): TemplateResource => ({ Type, Properties, ...attrs });
const pool = (p: Record<string, unknown>) => res('AWS::Cognito::UserPool', p);
const policy = (pp: Record<string, unknown>) =>
  pool({
    Policies: { PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true, ...pp } },
  });
const bucket = (p: Record<string, unknown>) => res('AWS::S3::Bucket', p);
const lifecycle = (days: number) => ({ LifecycleConfiguration: { Rules: [{ Id: 'expire', Status: 'Enabled', ExpirationInDays: days }] } });
const cache = (p: Record<string, unknown>) => res('AWS::ElastiCache::ReplicationGroup', p);
const lt = (data: Record<string, unknown>) => res('AWS::EC2::LaunchTemplate', { LaunchTemplateData: data });
const acl = (rules: { Name: string; Action?: unknown; OverrideAction?: unknown }[], def = { Block: {} }) =>
  res('AWS::WAFv2::WebACL', { DefaultAction: def, Rules: rules });
const block = { Block: {} };
const rated = (Limit: number) =>
  res('AWS::WAFv2::WebACL', {
    DefaultAction: { Allow: {} },
    Rules: [{ Name: 'rate', Action: block, Statement: { RateBasedStatement: { Limit, AggregateKeyType: 'IP' } } }],
  });
const idp = (details: Record<string, unknown>) =>
  res('AWS::Cognito::UserPoolIdentityProvider', { ProviderName: 'AcmeOkta', ProviderType: 'SAML', ProviderDetails: details, AttributeMapping: { email: 'e' } });
const client = (p: Record<string, unknown>) => res('AWS::Cognito::UserPoolClient', { ClientName: 'c', ...p });

/** One case per entry of the table, by id. */
const CASES: Record<string, EntryCase> = {
  'log-retention-shortened': {
    before: res('AWS::Logs::LogGroup', { RetentionInDays: 731 }),
    risky: res('AWS::Logs::LogGroup', { RetentionInDays: 1 }),
    safe: res('AWS::Logs::LogGroup', { RetentionInDays: 1827 }),
  },
  'bucket-expiry-shortened': { before: bucket(lifecycle(365)), risky: bucket(lifecycle(30)), safe: bucket(lifecycle(730)) },
  'bucket-versioning-suspended': {
    before: bucket({ VersioningConfiguration: { Status: 'Enabled' } }),
    risky: bucket({ VersioningConfiguration: { Status: 'Suspended' } }),
    safe: bucket({ VersioningConfiguration: { Status: 'Enabled' }, Tags: [] }),
  },
  'database-backups-shortened': {
    before: res('AWS::RDS::DBCluster', { BackupRetentionPeriod: 14 }),
    risky: res('AWS::RDS::DBCluster', { BackupRetentionPeriod: 1 }),
    safe: res('AWS::RDS::DBCluster', { BackupRetentionPeriod: 35 }),
  },
  'database-deletion-protection-off': {
    before: res('AWS::RDS::DBCluster', { DeletionProtection: true }),
    risky: res('AWS::RDS::DBCluster', { DeletionProtection: false }),
    safe: res('AWS::RDS::DBCluster', { DeletionProtection: true, CopyTagsToSnapshot: true }),
  },
  'cache-snapshots-shortened': {
    before: cache({ SnapshotRetentionLimit: 7 }),
    risky: cache({ SnapshotRetentionLimit: 0 }),
    safe: cache({ SnapshotRetentionLimit: 14 }),
  },
  'user-pool-deletion-protection-off': {
    before: pool({ DeletionProtection: 'ACTIVE' }),
    risky: pool({ DeletionProtection: 'INACTIVE' }),
    safe: pool({ DeletionProtection: 'ACTIVE', UserPoolTags: {} }),
  },
  'table-point-in-time-recovery-off': {
    before: res('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
    risky: res('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }),
    safe: res('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, Tags: [] }),
  },
  'deletion-policy-delete': {
    before: res('AWS::Logs::LogGroup', {}, { DeletionPolicy: 'Retain' }),
    risky: res('AWS::Logs::LogGroup', {}, { DeletionPolicy: 'Delete' }),
    safe: res('AWS::Logs::LogGroup', {}, { DeletionPolicy: 'RetainExceptOnCreate' }),
  },
  'mfa-lowered': {
    before: pool({ MfaConfiguration: 'ON' }),
    risky: pool({ MfaConfiguration: 'OPTIONAL' }),
    safe: pool({ MfaConfiguration: 'ON', EnabledMfas: [] }),
  },
  'password-length-lowered': { before: policy({ MinimumLength: 14 }), risky: policy({ MinimumLength: 8 }), safe: policy({ MinimumLength: 16 }) },
  'password-character-classes-dropped': { before: policy({}), risky: policy({ RequireSymbols: false }), safe: policy({ MinimumLength: 13 }) },
  'temporary-password-longer': {
    before: policy({ TemporaryPasswordValidityDays: 3 }),
    risky: policy({ TemporaryPasswordValidityDays: 7 }),
    safe: policy({ TemporaryPasswordValidityDays: 1 }),
  },
  'threat-protection-lowered': {
    before: pool({ UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' } }),
    risky: pool({ UserPoolAddOns: { AdvancedSecurityMode: 'AUDIT' } }),
    safe: pool({ UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' }, UserPoolTier: 'PLUS' }),
  },
  'listener-tls-minimum-lowered': {
    before: res('AWS::ElasticLoadBalancingV2::Listener', { SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }),
    risky: res('AWS::ElasticLoadBalancingV2::Listener', { SslPolicy: 'ELBSecurityPolicy-2016-08' }),
    safe: res('AWS::ElasticLoadBalancingV2::Listener', { SslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06' }),
  },
  'cache-transit-encryption-lowered': {
    before: cache({ TransitEncryptionEnabled: true, TransitEncryptionMode: 'required' }),
    risky: cache({ TransitEncryptionEnabled: true, TransitEncryptionMode: 'preferred' }),
    safe: cache({ TransitEncryptionEnabled: true, TransitEncryptionMode: 'required', Port: 6380 }),
  },
  'bucket-public-access-opened': {
    before: bucket({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true } }),
    risky: bucket({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: false, IgnorePublicAcls: true, RestrictPublicBuckets: true } }),
    safe: bucket({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      Tags: [],
    }),
  },
  'bucket-encryption-removed': {
    before: bucket({ BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } }),
    risky: bucket({}),
    safe: bucket({ BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' } }] } }),
  },
  'database-log-exports-removed': {
    before: res('AWS::RDS::DBCluster', { EnableCloudwatchLogsExports: ['postgresql'] }),
    risky: res('AWS::RDS::DBCluster', { EnableCloudwatchLogsExports: [] }),
    safe: res('AWS::RDS::DBCluster', { EnableCloudwatchLogsExports: ['postgresql', 'iam-db-auth-error'] }),
  },
  'imds-v1-allowed': {
    before: lt({ MetadataOptions: { HttpTokens: 'required' } }),
    risky: lt({ MetadataOptions: { HttpTokens: 'optional' } }),
    safe: lt({ MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } }),
  },
  'waf-rule-removed': {
    before: acl([
      { Name: 'rate', Action: block },
      { Name: 'common', OverrideAction: { None: {} } },
    ]),
    risky: acl([
      { Name: 'rate', Action: { Count: {} } },
      { Name: 'common', OverrideAction: { None: {} } },
    ]),
    safe: acl([
      { Name: 'rate', Action: block },
      { Name: 'common', OverrideAction: { None: {} } },
      { Name: 'bots', Action: block },
    ]),
  },
  'waf-default-allow': {
    before: acl([], { Block: {} }),
    risky: acl([], { Allow: {} } as unknown as { Block: object }),
    safe: acl([{ Name: 'rate', Action: block }], { Block: {} }),
  },
  'waf-rate-limit-raised': {
    before: rated(2000),
    risky: rated(20000),
    safe: rated(1000),
  },
  'identity-provider-trust-changed': {
    before: idp({ MetadataURL: 'https://acme.okta.com/app/exk1/sso/saml/metadata' }),
    risky: idp({ MetadataURL: 'https://acme-okta.attacker.example/metadata' }),
    // The client secret is a dynamic reference a manifest never changes: not trust.
    safe: idp({ MetadataURL: 'https://acme.okta.com/app/exk1/sso/saml/metadata', client_secret: '{{resolve:secretsmanager:other}}' }),
  },
  'client-callback-urls-gained': {
    before: client({ CallbackURLs: ['https://acme.com/auth/callback'] }),
    risky: client({ CallbackURLs: ['https://acme.com/auth/callback', 'https://evil.example/auth/callback'] }),
    safe: client({ CallbackURLs: [] }),
  },
  'client-logout-urls-gained': {
    before: client({ LogoutURLs: ['https://acme.com/'] }),
    risky: client({ LogoutURLs: ['https://acme.com/', 'https://evil.example/'] }),
    safe: client({ LogoutURLs: [] }),
  },
  'client-identity-providers-gained': {
    before: client({ SupportedIdentityProviders: ['COGNITO', 'AcmeOkta'] }),
    risky: client({ SupportedIdentityProviders: ['COGNITO', 'AcmeOkta', 'Google'] }),
    safe: client({ SupportedIdentityProviders: ['AcmeOkta'] }),
  },
  'client-oauth-flows-gained': {
    before: client({ AllowedOAuthFlows: ['code'] }),
    risky: client({ AllowedOAuthFlows: ['code', 'implicit'] }),
    safe: client({ AllowedOAuthFlows: [] }),
  },
  'client-oauth-scopes-gained': {
    before: client({ AllowedOAuthScopes: ['openid', 'email', 'profile'] }),
    risky: client({ AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'] }),
    safe: client({ AllowedOAuthScopes: ['openid', 'email'] }),
  },
  'database-instance-class-changed': {
    before: res('AWS::RDS::DBInstance', { DBInstanceClass: 'db.r6g.xlarge' }),
    risky: res('AWS::RDS::DBInstance', { DBInstanceClass: 'db.r6g.2xlarge' }),
    safe: res('AWS::RDS::DBInstance', { DBInstanceClass: 'db.r6g.xlarge', PerformanceInsightsRetentionPeriod: 31 }),
  },
  'database-engine-version-changed': {
    before: res('AWS::RDS::DBCluster', { EngineVersion: '16.6' }),
    risky: res('AWS::RDS::DBCluster', { EngineVersion: '16.8' }),
    safe: res('AWS::RDS::DBCluster', { EngineVersion: '16.6', CopyTagsToSnapshot: true }),
  },
  'cache-node-type-changed': {
    before: cache({ CacheNodeType: 'cache.r7g.large' }),
    risky: cache({ CacheNodeType: 'cache.r7g.xlarge' }),
    safe: cache({ CacheNodeType: 'cache.r7g.large', SnapshotWindow: '03:00-04:00' }),
  },
  'cache-engine-version-changed': {
    before: cache({ EngineVersion: '8.0' }),
    risky: cache({ EngineVersion: '8.1' }),
    safe: cache({ EngineVersion: '8.0', SnapshotRetentionLimit: 8 }),
  },
  'fleet-image-changed': {
    before: lt({ ImageId: 'ami-0aaaaaaaaaaaaaaa1' }),
    risky: lt({ ImageId: 'ami-0bbbbbbbbbbbbbbb2' }),
    safe: lt({ ImageId: 'ami-0aaaaaaaaaaaaaaa1', EbsOptimized: true }),
  },
  'fleet-instance-type-changed': {
    before: lt({ InstanceType: 'm5.large' }),
    risky: lt({ InstanceType: 'm5.xlarge' }),
    safe: lt({ InstanceType: 'm5.large', Monitoring: { Enabled: true } }),
  },
};

const ids = (before: TemplateResource, after: TemplateResource) => matchRisks(before, after, isStateful).map((m) => m.entry.id);

R('every entry has a case, and no case names an entry the table does not have', () => {
  assert.equal(Object.keys(CASES).sort(), RISK_TABLE.map((e) => e.id).sort());
});

R('every entry cites the AWS documentation and says what it does', () => {
  for (const e of RISK_TABLE) {
    assert.match(e.reference, /^https:\/\/docs\.aws\.amazon\.com\//, e.id);
    assert.ok(e.says.length > 20, e.id);
  }
  assert.is(new Set(RISK_TABLE.map((e) => e.id)).size, RISK_TABLE.length, 'ids are unique');
});

for (const entry of RISK_TABLE) {
  R(`${entry.id} (${entry.kind}): flags the risky change, not the safe one`, () => {
    const c = CASES[entry.id];
    if (!c) throw new Error(`no case for ${entry.id}`);
    assert.ok(ids(c.before, c.risky).includes(entry.id), `${entry.id} flags ${JSON.stringify(c.risky)}`);
    assert.not.ok(ids(c.before, c.safe).includes(entry.id), `${entry.id} leaves ${JSON.stringify(c.safe)} alone`);
    assert.not.ok(ids(c.before, c.before).includes(entry.id), 'no change, no risk');
  });
}

R('a trust added to a stack that exists is a broadening; other entries do not apply to additions', () => {
  const onAdd = RISK_TABLE.filter((e) => e.onAdd).map((e) => e.id);
  assert.ok(onAdd.length >= 6 && RISK_TABLE.filter((e) => e.onAdd).every((e) => e.kind === 'broadening'), onAdd.join(', '));
  for (const id of onAdd) {
    const added = matchRisks(null, CASES[id]!.risky, isStateful).map((m) => m.entry.id);
    assert.ok(added.includes(id), `${id} flags the resource added`);
  }
  assert.equal(
    matchRisks(null, idp({ oidc_issuer: 'https://login.example/v2.0', client_id: 'x' }), isStateful).map((m) => [m.entry.id, m.before]),
    [['identity-provider-trust-changed', null]],
  );
  // The mutation: an added identity provider that matched no entry (additions unread) was
  // the hole; so was a client list compared for equality only (a reordering is not a gain).
  assert.equal(matchRisks(null, res('AWS::Logs::LogGroup', { RetentionInDays: 1 }), isStateful), [], 'retention on a new log group deletes nothing');
  assert.equal(ids(client({ CallbackURLs: ['https://a/', 'https://b/'] }), client({ CallbackURLs: ['https://b/', 'https://a/'] })), []);
});

R('an entry does not apply across resource types', () => {
  assert.equal(ids(res('AWS::Logs::LogGroup', { RetentionInDays: 731 }), res('AWS::SQS::Queue', { RetentionInDays: 1 })), []);
  assert.equal(
    ids(res('AWS::SNS::Topic', {}, { DeletionPolicy: 'Retain' }), res('AWS::SNS::Topic', {}, { DeletionPolicy: 'Delete' })),
    [],
    'DeletionPolicy matters on resources that hold data',
  );
});

R('the TLS minimum of an ELB security policy is read from its name', () => {
  assert.is(tlsMinimumOf('ELBSecurityPolicy-TLS13-1-2-2021-06'), 1.2);
  assert.is(tlsMinimumOf('ELBSecurityPolicy-TLS13-1-3-2021-06'), 1.3);
  assert.is(tlsMinimumOf('ELBSecurityPolicy-TLS-1-1-2017-01'), 1.1);
  assert.is(tlsMinimumOf('ELBSecurityPolicy-2016-08'), 1.0);
});

R("a fleet's AMI changed in a compiled estate: an interruption with the plan's batches, shared and dedicated", async () => {
  const compiled = compiledFrom(join(FIXTURES, 'diff', 'base'));
  const base = compiledSide('main', compiled.plan, compiled.files, compiled.lock);
  // Whatever form the AMI takes in the templates (a parameter today), the head pins another.
  const pinned = (content: string) => {
    const t = JSON.parse(content) as { Resources: Record<string, { Type: string; Properties: { LaunchTemplateData: { ImageId: unknown } } }> };
    for (const r of Object.values(t.Resources)) if (r.Type === 'AWS::EC2::LaunchTemplate') r.Properties.LaunchTemplateData.ImageId = 'ami-0123456789abcdef0';
    return JSON.stringify(t);
  };
  const files = compiled.files.map((f) =>
    f.path === 'root.template.json' || f.path === 'tenants/acme.template.json' ? { ...f, content: pinned(f.content) } : f,
  );
  const head = compiledSide('work tree', compiled.plan, files, compiled.lock);
  const diff = await diffEstate(base, head, inThreadDiffer);
  const shared = diff.estate.flatMap((s) => s.resources).find((r) => r.logicalId === 'appLaunchTemplate')!;
  const risk = shared.risks.find((k) => k.rule === 'fleet-image-changed')!;
  assert.is(risk.kind, 'interruption');
  // Who published the image is proven by deploy (deploy/imageProof.ts), which the reviewer is told.
  assert.match(risk.says, 'image provenance: verified at deploy, not in this review');
  const c = compiled.plan.capacity;
  assert.is(
    risk.rollout,
    `the shared fleet (at least ${c.floor} instances) is replaced in batches of ${c.rollout.maxBatchSize}, keeping ${c.rollout.minInstancesInService} in service`,
  );
  const acme = diff.tenants.find((t) => t.id === 'acme')!.stack!.resources.find((r) => r.logicalId === 'tenantLaunchTemplate')!;
  assert.match(acme.risks.find((k) => k.rule === 'fleet-image-changed')!.rollout!, "tenant acme's fleet (2–12 instances) is replaced in batches of 1");
});

R.run();
