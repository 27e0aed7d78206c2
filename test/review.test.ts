// The security rule pack: each rule with compliant and non-compliant cases, then the
// whole pack over every template the sample estate compiles to.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { reviewTemplates, SECURITY_RULES } from '../compiler/review/index.ts';
import type { Finding, SecurityRule, Template, TemplateResource } from '../compiler/review/rule.ts';
import { ReviewGate } from '../compiler/review/gate.ts';
import { bucketsPrivate } from '../compiler/review/rules/bucketsPrivate.ts';
import { encryptedAtRest } from '../compiler/review/rules/encryptedAtRest.ts';
import { imdsV2Required } from '../compiler/review/rules/imdsV2Required.ts';
import { noOpenIngress } from '../compiler/review/rules/noOpenIngress.ts';
import { noWildcardAdmin } from '../compiler/review/rules/noWildcardAdmin.ts';
import { statefulRetained } from '../compiler/review/rules/statefulRetained.ts';
import { cacheAccessConfined } from '../compiler/review/rules/cacheAccessConfined.ts';
import { crossTenantDenyCoversService } from '../compiler/review/rules/crossTenantDenyCoversService.ts';
import { endUserRoleScoped } from '../compiler/review/rules/endUserRoleScoped.ts';
import { metricFilterBindsTenant } from '../compiler/review/rules/metricFilterBindsTenant.ts';
import { noAwsManagedPolicy } from '../compiler/review/rules/noAwsManagedPolicy.ts';
import { autoScalingNotifies } from '../compiler/review/rules/autoScalingNotifies.ts';
import { passwordPolicyStrong } from '../compiler/review/rules/passwordPolicyStrong.ts';
import { queuesRequireTls } from '../compiler/review/rules/queuesRequireTls.ts';
import { secretsRotate } from '../compiler/review/rules/secretsRotate.ts';
import { verifiedEmailOnly } from '../compiler/review/rules/verifiedEmailOnly.ts';
import { nameHash, physicalNamesUnique } from '../compiler/review/rules/physicalNamesUnique.ts';
import { publicEntryProtected } from '../compiler/review/rules/publicEntryProtected.ts';
import { tenantRoleTrust } from '../compiler/review/rules/tenantRoleTrust.ts';
import { tenantCacheAccessString } from '../compiler/plan/isolation.ts';
import { isolationEstate } from './support/isolationEstate.ts';

const R = suite('security rules');
const t = (resources: Record<string, TemplateResource>): Template => ({ Resources: resources });
/**
 * The gate runs a rule only on templates holding one of its declared `types` (rule.ts):
 * a finding on a resource of another type would go unseen there. Every rule test checks it.
 */
function outsideTypes(rule: (typeof SECURITY_RULES)[number], tpl: Template, findings: readonly Finding[]): string[] {
  const types = rule.types;
  if (!types) return [];
  return findings.filter((f) => !types.includes(tpl.Resources[f.resource]?.Type ?? '')).map((f) => `${rule.id} found on ${f.resource}, not of its types`);
}
function assertTypesCover(rule: (typeof SECURITY_RULES)[number], tpl: Template, findings: readonly Finding[]): void {
  assert.equal(outsideTypes(rule, tpl, findings), []);
}
const verdicts = (rule: (typeof SECURITY_RULES)[number], tpl: Template) => {
  const findings = rule.check(tpl, 'x', new Map());
  assertTypesCover(rule, tpl, findings);
  return findings.map((f) => `${f.resource}:${f.compliant ? 'ok' : 'bad'}`);
};

R('E101 no open ingress', () => {
  const open = (port: number) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, CidrIp: '0.0.0.0/0' });
  assert.equal(
    verdicts(
      noOpenIngress,
      t({
        albSecurityGroup: { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupIngress: [open(443), open(80)] } },
        appSecurityGroup: { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupIngress: [] } },
        albWithSsh: { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupIngress: [open(22)] } },
        dbOpen: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { ...open(5432), GroupId: 'sg' } },
        ipv6: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, CidrIpv6: '::/0' } },
        bucket: { Type: 'AWS::S3::Bucket' },
      }),
    ),
    ['albSecurityGroup:ok', 'appSecurityGroup:ok', 'albWithSsh:bad', 'dbOpen:bad', 'ipv6:bad'],
  );
});

R('E201 IMDSv2 required', () => {
  const lt = (m: object) => ({ Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: m } } });
  assert.equal(
    verdicts(
      imdsV2Required,
      t({
        good: lt({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 }),
        optional: lt({ HttpTokens: 'optional', HttpPutResponseHopLimit: 1 }),
        hops: lt({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 }),
      }),
    ),
    ['good:ok', 'optional:bad', 'hops:bad'],
  );
});

R('E301 stateful resources retained', () => {
  assert.equal(
    verdicts(
      statefulRetained,
      t({
        pool: { Type: 'AWS::Cognito::UserPool', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' },
        db: { Type: 'AWS::RDS::DBCluster', DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' },
        bucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' },
        logs: { Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Retain' },
        topic: { Type: 'AWS::SNS::Topic' },
      }),
    ),
    ['pool:ok', 'db:ok', 'bucket:bad', 'logs:bad'],
  );
});

R('E302 encrypted at rest', () => {
  assert.equal(
    verdicts(
      encryptedAtRest,
      t({
        cache: {
          Type: 'AWS::ElastiCache::ReplicationGroup',
          Properties: { AtRestEncryptionEnabled: true, TransitEncryptionEnabled: true, TransitEncryptionMode: 'required' },
        },
        cachePreferred: {
          Type: 'AWS::ElastiCache::ReplicationGroup',
          Properties: { AtRestEncryptionEnabled: true, TransitEncryptionEnabled: true, TransitEncryptionMode: 'preferred' },
        },
        logs: { Type: 'AWS::Logs::LogGroup', Properties: { KmsKeyId: 'k' } },
        plainLogs: { Type: 'AWS::Logs::LogGroup', Properties: {} },
        key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: false } },
      }),
    ),
    ['cache:ok', 'cachePreferred:bad', 'logs:ok', 'plainLogs:bad', 'key:bad'],
  );
});

R('E303 buckets private', () => {
  const all = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };
  const owned = { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] };
  assert.equal(
    verdicts(
      bucketsPrivate,
      t({
        good: { Type: 'AWS::S3::Bucket', Properties: { PublicAccessBlockConfiguration: all, OwnershipControls: owned } },
        acls: { Type: 'AWS::S3::Bucket', Properties: { PublicAccessBlockConfiguration: all } },
        policyAllowed: {
          Type: 'AWS::S3::Bucket',
          Properties: { PublicAccessBlockConfiguration: { ...all, BlockPublicPolicy: false }, OwnershipControls: owned },
        },
      }),
    ),
    ['good:ok', 'acls:bad', 'policyAllowed:bad'],
  );
});

R('E401 no wildcard grants in identity policies', () => {
  const doc = (Action: unknown, Resource: unknown) => ({ Statement: [{ Effect: 'Allow', Action, Resource }] });
  assert.equal(
    verdicts(
      noWildcardAdmin,
      t({
        scoped: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc(['s3:GetObject'], 'arn:aws:s3:::b/tenants/a/*') } },
        admin: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc('*', '*') } },
        s3All: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyDocument: doc(['s3:*'], ['*']) }] } },
        noPolicies: { Type: 'AWS::IAM::Role', Properties: {} },
        // IAM takes a lone statement without its list too.
        lone: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: { Effect: 'Allow', Action: 'kms:*', Resource: '*' } } } },
      }),
    ),
    ['scoped:ok', 'admin:bad', 's3All:bad', 'noPolicies:ok', 'lone:bad'],
  );
});

R('E102 WAF and access logs on every public entry point, unless the platform manifest says otherwise', () => {
  const lb = (attrs: object[], extra: object = {}) => ({
    Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
    Properties: { LoadBalancerAttributes: attrs },
    ...extra,
  });
  const logs = [{ Key: 'access_logs.s3.enabled', Value: 'true' }];
  assert.equal(
    verdicts(
      publicEntryProtected,
      t({
        guarded: lb(logs),
        guardedAcl: { Type: 'AWS::WAFv2::WebACLAssociation', Properties: { ResourceArn: { Ref: 'guarded' }, WebACLArn: 'x' } },
        bare: lb([]),
        chosen: lb([], { Metadata: { 'tenantc:edge': 'waf, accessLogs off by the platform manifest (edge)' } }),
        cdn: { Type: 'AWS::CloudFront::Distribution', Properties: { DistributionConfig: { WebACLId: 'x', Logging: { Bucket: 'b' } } } },
        cdnBare: { Type: 'AWS::CloudFront::Distribution', Properties: { DistributionConfig: {} } },
      }),
    ),
    ['guarded:ok', 'bare:bad', 'chosen:ok', 'cdn:ok', 'cdnBare:bad'],
  );
});

R('E304 a cross-tenant deny covers every S3 action (the listed-actions deny let tags, ACLs and versions through)', () => {
  const tagged = { Null: { 'aws:PrincipalTag/tenant-id': 'false' } };
  const policy = (...Statement: object[]) => ({ Type: 'AWS::S3::BucketPolicy', Properties: { PolicyDocument: { Statement } } });
  assert.equal(
    verdicts(
      crossTenantDenyCoversService,
      t({
        whole: policy(
          { Sid: 'a', Effect: 'Deny', Action: 's3:*', NotResource: 'x', Condition: tagged },
          { Sid: 'b', Effect: 'Deny', NotAction: 's3:ListBucket', Resource: 'x', Condition: tagged },
        ),
        listing: policy({
          Sid: 'l',
          Effect: 'Deny',
          Action: 's3:ListBucket',
          Resource: 'x',
          Condition: { ...tagged, StringNotLike: { 's3:prefix': ['tenants/${aws:PrincipalTag/tenant-id}/*'] } },
        }),
        listed: policy({ Sid: 'old', Effect: 'Deny', Action: ['s3:GetObject', 's3:PutObject'], NotResource: 'x', Condition: tagged }),
        platformOnly: policy({ Sid: 'tls', Effect: 'Deny', Action: ['s3:GetObject'], Resource: 'x', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      }),
    ),
    ['whole:ok', 'listing:ok', 'listed:bad', 'platformOnly:ok'],
  );
});

R("E402 no AWS managed policy on any role (AmazonSSMManagedInstanceCore read every tenant's parameters)", () => {
  const role = (arns: unknown[], tenant: string | null) => ({
    Type: 'AWS::IAM::Role',
    Properties: { ManagedPolicyArns: arns, Tags: tenant ? [{ Key: 'tenant-id', Value: tenant }] : [] },
  });
  const ssmCore = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore' };
  const rdsMonitoring = 'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole';
  assert.equal(
    verdicts(
      noAwsManagedPolicy,
      t({
        own: role([{ Ref: 'tenantAccessPolicy' }], 'hooli'),
        withCore: role([{ Ref: 'tenantAccessPolicy' }, ssmCore], 'hooli'),
        // The platform's roles too: the pooled fleet carried this one.
        pooledFleet: role([ssmCore], null),
        monitoring: role([rdsMonitoring], null),
        inlineOnly: { Type: 'AWS::IAM::Role', Properties: { Policies: [] } },
        user: { Type: 'AWS::IAM::User', Properties: { ManagedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] } },
        customerManaged: role(['arn:aws:iam::123456789012:policy/estate-own'], null),
        policy: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: {} } },
      }),
    ),
    ['own:ok', 'withCore:bad', 'pooledFleet:bad', 'monitoring:bad', 'inlineOnly:ok', 'user:bad', 'customerManaged:ok'],
  );
});

R('E202 every Auto Scaling group notifies a topic of launches, terminations and their failures', () => {
  const all = [
    'autoscaling:EC2_INSTANCE_LAUNCH',
    'autoscaling:EC2_INSTANCE_LAUNCH_ERROR',
    'autoscaling:EC2_INSTANCE_TERMINATE',
    'autoscaling:EC2_INSTANCE_TERMINATE_ERROR',
  ];
  const asg = (configs?: object[]) => ({ Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: configs ? { NotificationConfigurations: configs } : {} });
  assert.equal(
    verdicts(
      autoScalingNotifies,
      t({
        pooled: asg([{ TopicARN: { Ref: 'platformAlarmTopic' }, NotificationTypes: all }]),
        dedicated: asg([{ TopicARN: { Ref: 'AlarmTopicArn' }, NotificationTypes: all }]),
        split: asg([
          { TopicARN: 'a', NotificationTypes: all.slice(0, 2) },
          { TopicARN: 'b', NotificationTypes: all.slice(2) },
        ]),
        silent: asg(),
        errorsOnly: asg([{ TopicARN: 'a', NotificationTypes: [all[1], all[3]] }]),
        noTopic: asg([{ NotificationTypes: all }]),
        policy: { Type: 'AWS::AutoScaling::ScalingPolicy', Properties: {} },
      }),
    ),
    ['pooled:ok', 'dedicated:ok', 'split:ok', 'silent:bad', 'errorsOnly:bad', 'noTopic:bad'],
  );
});

R('E305 every secret has a rotation schedule', () => {
  const secret = { Type: 'AWS::SecretsManager::Secret', Properties: {} };
  const schedule = (id: string, props: object = { RotationLambdaARN: { Ref: 'SecretRotationFunctionArn' } }) => ({
    Type: 'AWS::SecretsManager::RotationSchedule',
    Properties: { SecretId: { Ref: id }, ...props },
  });
  assert.equal(
    verdicts(
      secretsRotate,
      t({
        tenantSecret: secret,
        tenantSecretRotation: schedule('tenantSecret'),
        hostedSecret: secret,
        hostedRotation: schedule('hostedSecret', { HostedRotationLambda: { RotationType: 'PostgreSQLSingleUser' } }),
        forgotten: secret,
        // A schedule with nothing to rotate with rotates nothing.
        emptySecret: secret,
        emptyRotation: schedule('emptySecret', {}),
        otherSchedule: schedule('elsewhere'),
      }),
    ),
    ['tenantSecret:ok', 'hostedSecret:ok', 'forgotten:bad', 'emptySecret:bad'],
  );
});

R('E306 every queue refuses requests without TLS', () => {
  const queue = { Type: 'AWS::SQS::Queue', Properties: {} };
  const policy = (queues: string[], statement: object) => ({
    Type: 'AWS::SQS::QueuePolicy',
    Properties: { Queues: queues.map((q) => ({ Ref: q })), PolicyDocument: { Statement: [statement] } },
  });
  const tls = { Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: 'x', Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
  assert.equal(
    verdicts(
      queuesRequireTls,
      t({
        deadLetters: queue,
        deadLettersPolicy: policy(['deadLetters'], tls),
        bare: queue,
        partial: queue,
        partialPolicy: policy(['partial'], { ...tls, Action: ['sqs:SendMessage'] }),
        allowOnly: queue,
        allowOnlyPolicy: policy(['allowOnly'], { ...tls, Effect: 'Allow' }),
        onePrincipal: queue,
        onePrincipalPolicy: policy(['onePrincipal'], { ...tls, Principal: { AWS: 'arn:aws:iam::111122223333:root' } }),
      }),
    ),
    ['deadLetters:ok', 'bare:bad', 'partial:bad', 'allowOnly:bad', 'onePrincipal:bad'],
  );
});

R('E405 user pools ask for 12 characters and every class', () => {
  const pool = (p: object) => ({ Type: 'AWS::Cognito::UserPool', Properties: { Policies: { PasswordPolicy: p } } });
  const strong = { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true };
  assert.equal(
    verdicts(
      passwordPolicyStrong,
      t({
        strong: pool(strong),
        longer: pool({ ...strong, MinimumLength: 16 }),
        short: pool({ ...strong, MinimumLength: 10 }),
        noSymbols: pool({ ...strong, RequireSymbols: false }),
        unset: { Type: 'AWS::Cognito::UserPool', Properties: {} },
      }),
    ),
    ['strong:ok', 'longer:ok', 'short:bad', 'noSymbols:bad', 'unset:bad'],
  );
});

R('E406 a changed email is not the claim until it is verified', () => {
  const pool = (settings?: object) => ({ Type: 'AWS::Cognito::UserPool', Properties: settings ? { UserAttributeUpdateSettings: settings } : {} });
  assert.equal(
    verdicts(
      verifiedEmailOnly,
      t({
        verified: pool({ AttributesRequireVerificationBeforeUpdate: ['email'] }),
        phoneOnly: pool({ AttributesRequireVerificationBeforeUpdate: ['phone_number'] }),
        unset: pool(),
      }),
    ),
    ['verified:ok', 'phoneOnly:bad', 'unset:bad'],
  );
});

R('E403 a tenant role trusts only the fleet that serves it, bound to its own id', () => {
  const role = (compute: string, ...Statement: object[]) => ({
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: { Statement },
      Tags: [
        { Key: 'tenant-id', Value: 'initech' },
        { Key: 'tenantc:compute', Value: compute },
      ],
    },
  });
  const pooled = (cond: object) => ({
    Effect: 'Allow',
    Principal: { AWS: { Ref: 'AppInstanceRoleArn' } },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
    Condition: cond,
  });
  const bound = { StringEquals: { 'aws:RequestTag/tenant-id': 'initech' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenant-id'] } };
  const ec2 = { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' };
  assert.equal(
    verdicts(
      tenantRoleTrust,
      t({
        shared: role('shared', pooled(bound)),
        unbound: role('shared', pooled({})),
        otherTag: role('shared', pooled({ ...bound, StringEquals: { 'aws:RequestTag/tenant-id': 'hooli' } })),
        premiumWithPool: role('dedicated', ec2, pooled(bound)),
        premium: role('dedicated', ec2),
        sharedOnEc2: role('shared', ec2),
        offboarded: role('shared', { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:*' }),
        anyone: role('shared', { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }),
      }),
    ),
    ['shared:ok', 'unbound:bad', 'otherTag:bad', 'premiumWithPool:bad', 'premium:ok', 'sharedOnEc2:bad', 'offboarded:ok', 'anyone:bad'],
  );
});

R("E404 end users' identity roles reach only each user's own folder (they held the whole tenant policy)", () => {
  const trust = { Statement: [{ Effect: 'Allow', Principal: { Federated: 'cognito-identity.amazonaws.com' }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
  const role = (props: object) => ({ Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: trust, ...props } });
  const inline = (Action: string[], Resource: unknown) => ({
    Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action, Resource }] } }],
  });
  assert.equal(
    verdicts(
      endUserRoleScoped,
      t({
        scoped: role(inline(['s3:GetObject'], { 'Fn::Join': ['', ['arn', '/tenants/acme-eu/users/${cognito-identity.amazonaws.com:sub}/*']] })),
        workload: role({ ManagedPolicyArns: [{ Ref: 'tenantAccessPolicy' }] }),
        wholeTenant: role(inline(['s3:GetObject'], 'arn:aws:s3:::b/tenants/acme-eu/*')),
        secrets: role(inline(['secretsmanager:GetSecretValue'], '*')),
        workloadRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [] } } },
      }),
    ),
    ['scoped:ok', 'workload:bad', 'wholeTenant:bad', 'secrets:bad'],
  );
});

R("E501 a tenant's cache user is confined and denied the key-revealing commands (CLIENT TRACKING showed other tenants' keys)", () => {
  const user = (AccessString: string, tenant = 'acme', Engine = 'redis') => ({
    Type: 'AWS::ElastiCache::User',
    Properties: { Engine, AccessString, Tags: [{ Key: 'tenant-id', Value: tenant }] },
  });
  const good = tenantCacheAccessString('acme', 'redis');
  const valkey = tenantCacheAccessString('acme', 'valkey');
  assert.equal(
    verdicts(
      cacheAccessConfined,
      t({
        good: user(good),
        offboarded: user(tenantCacheAccessString('acme', 'redis', false)),
        valkey: user(valkey, 'acme', 'valkey'),
        valkeyWithWaitaof: user(valkey.replace(' -waitaof', ''), 'acme', 'valkey'),
        engineNotLiteral: user(good, 'acme', { Ref: 'Engine' } as unknown as string),
        // Redis applies rules in order and reads keywords in any case (an outside probe's cases).
        regrantedAfter: user(`${valkey} +waitaof`, 'acme', 'valkey'),
        dangerousAfter: user(`${good} +@dangerous`),
        allUpperCase: user(`${good} +@ALL`),
        allKeysUpperCase: user(`${good} ALLKEYS`),
        deniedUpperCase: user(valkey.replace('-waitaof', '-WAITAOF'), 'acme', 'valkey'),
        withClient: user(good.replace(' -client', '')),
        allKeys: user(good.replace('~tenant:acme:*', '~*')),
        othersKeys: user(good, 'globex'),
        all: user(`${good} +@all`),
        platformDefault: { Type: 'AWS::ElastiCache::User', Properties: { AccessString: 'off -@all' } },
        untaggedOpen: { Type: 'AWS::ElastiCache::User', Properties: { AccessString: 'on ~* &* +@all' } },
        untaggedOffGranting: { Type: 'AWS::ElastiCache::User', Properties: { AccessString: 'off ~* +@all' } },
      }),
    ),
    [
      'good:ok',
      'offboarded:ok',
      'valkey:ok',
      'valkeyWithWaitaof:bad',
      'engineNotLiteral:bad',
      'regrantedAfter:bad',
      'dangerousAfter:bad',
      'allUpperCase:bad',
      'allKeysUpperCase:bad',
      'deniedUpperCase:ok',
      'withClient:bad',
      'allKeys:bad',
      'othersKeys:bad',
      'all:bad',
      'platformDefault:ok',
      'untaggedOpen:bad',
      'untaggedOffGranting:bad',
    ],
  );
});

R('E501 says what is wrong with a cache user: its keys, channels, wide grants, the -@all it starts from, each denial missing or undone', () => {
  const user = (AccessString: string, tenant: string | null = 'acme', Engine = 'redis') => ({
    Type: 'AWS::ElastiCache::User',
    Properties: { Engine, AccessString, ...(tenant ? { Tags: [{ Key: 'tenant-id', Value: tenant }] } : {}) },
  });
  const good = tenantCacheAccessString('acme', 'redis');
  const valkey = tenantCacheAccessString('acme', 'valkey');
  const denials = [
    '-@dangerous',
    '-@admin',
    '-@scripting',
    '-scan',
    '-randomkey',
    '-dbsize',
    '-pubsub',
    '-select',
    '-move',
    '-copy',
    '-client',
    '-wait',
    '-object',
    '-memory',
    '-lolwut',
  ];
  const undoneBy = (grant: string, list: readonly string[]) => list.map((c) => `${c} is undone by ${grant} after it`).join('; ');
  const findings = cacheAccessConfined.check(
    t({
      good: user(good),
      regrantedAfter: user(`${valkey} +waitaof`, 'acme', 'valkey'),
      wideUpperCase: user(`${good} +@ALL ALLKEYS allChannels`),
      withoutClientAndScan: user(good.replace(' -client', '').replace(' -scan', '')),
      twoKeyPatterns: user(good.replace('~tenant:acme:*', '~tenant:acme:* %R~*')),
      noChannels: user(good.replace(' &tenant:acme:*', '')),
      twoChannelPatterns: user(good.replace('&tenant:acme:*', '&tenant:acme:* &*')),
      othersKeys: user(good, 'globex'),
      grantBeforeAll: user(`on ~tenant:acme:* &tenant:acme:* +get -@all ${good.split(' -@all ')[1]}`),
      noAll: user(good.replace(' -@all', '')),
      empty: user(''),
      untaggedOpen: user('on ~* &* +@all', null),
      untaggedOn: user('off -@all on', null),
      // The last denial of a command is the one that counts: an early one as well changes nothing.
      scanDeniedTwice: user(good.replace(' -@all', ' -scan -@all')),
    }),
    'x',
    new Map(),
  );
  assert.equal(
    findings.map((f) => `${f.resource} ${f.compliant ? 'ok' : 'bad'}: ${f.message}`),
    [
      'good ok: confined to tenant:acme:*',
      `regrantedAfter bad: ${undoneBy('+waitaof', [...denials, '-waitaof'])}`,
      `wideUpperCase bad: grants allkeys; grants allchannels; grants +@all; ${undoneBy('+@ALL', denials)}`,
      'withoutClientAndScan bad: lacks -scan; lacks -client',
      'twoKeyPatterns bad: keys ~tenant:acme:* %R~* instead of ~tenant:acme:*',
      'noChannels bad: channels none instead of &tenant:acme:*',
      'twoChannelPatterns bad: channels &tenant:acme:* &* instead of &tenant:acme:*',
      'othersKeys bad: keys ~tenant:acme:* instead of ~tenant:globex:*; channels &tenant:acme:* instead of &tenant:globex:*',
      'grantBeforeAll bad: does not start from -@all',
      'noAll bad: does not start from -@all',
      `empty bad: keys none instead of ~tenant:acme:*; channels none instead of &tenant:acme:*; does not start from -@all; ${denials.map((c) => `lacks ${c}`).join('; ')}`,
      'untaggedOpen bad: a user of no tenant that is not off or grants +@all',
      'untaggedOn bad: a user of no tenant that is not off or grants access',
      'scanDeniedTwice ok: confined to tenant:acme:*',
    ],
  );
});

R("E502 metric filters bind the tenant in their pattern (another tenant's events drove its metrics)", () => {
  const group = { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/p/tenants/acme', Tags: [{ Key: 'tenant-id', Value: 'acme' }] } };
  const filter = (FilterPattern: string) => ({
    Type: 'AWS::Logs::MetricFilter',
    Properties: { LogGroupName: { Ref: 'group' }, FilterPattern, MetricTransformations: [{ Dimensions: [{ Key: 'TenantId', Value: '$.tenant' }] }] },
  });
  assert.equal(
    verdicts(
      metricFilterBindsTenant,
      t({
        group,
        bound: filter('{ ($.status >= 500) && ($.tenant = "acme") }'),
        unbound: filter('{ $.status >= 500 }'),
        otherBound: filter('{ ($.status >= 500) && ($.tenant = "globex") }'),
      }),
    ),
    ['bound:ok', 'unbound:bad', 'otherBound:bad'],
  );
});

R('E601 physical names are unique across the estate and carry their tenant (cache user ids and SSM paths could collide)', () => {
  const seen = new Map<string, unknown>();
  const secret = (Name: string, tenant: string) => ({ Type: 'AWS::SecretsManager::Secret', Properties: { Name, Tags: [{ Key: 'tenant-id', Value: tenant }] } });
  const first = physicalNamesUnique.check(t({ s: secret('/tessera/tenants/acme/app-credentials', 'acme') }), 'tenants/acme.template.json', seen);
  const again = physicalNamesUnique.check(t({ s: secret('/tessera/tenants/acme/app-credentials', 'acme') }), 'tenants/acme-copy.template.json', seen);
  const unnamed = physicalNamesUnique.check(t({ s: secret('/tenants/app-credentials', 'globex') }), 'tenants/globex.template.json', seen);
  assert.equal(
    [...first, ...again, ...unnamed].map((f) => `${f.template}:${f.compliant ? 'ok' : 'bad'}`),
    ['tenants/acme.template.json:ok', 'tenants/acme-copy.template.json:bad', 'tenants/globex.template.json:bad'],
  );
  assert.match(again[0]!.message, 'is also the name of tenants/acme.template.json s');
});

R('E601 compares a name with the names of its own type, in templates reviewed and replayed alike, and the gate judges it as compare does', () => {
  const secret = { Type: 'AWS::SecretsManager::Secret', Properties: { Name: '/p/shared' } };
  // The same name on a parameter is no collision: a name is unique within its type.
  const first = t({ s: secret, p: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/p/shared' } } });
  const second = t({
    other: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/p/other' } },
    again: secret,
    foreign: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'p-globex', Tags: [{ Key: 'tenant-id', Value: 'acme' }] } },
  });
  const outcome = (gate: ReviewGate) => {
    const r = gate.result();
    return { violations: r.violations.map((f) => `${f.template} ${f.resource}: ${f.message}`), checked: [...r.checked] };
  };
  const expected = {
    violations: [
      'second.template.json again: "/p/shared" is also the name of first.template.json s',
      'second.template.json foreign: "p-globex" does not carry its tenant\'s id "acme"',
    ],
    checked: [['E601', 5]],
  };
  // The gate asks judge (non-compliant findings and a count); without it, compare.
  const { facts, compare } = physicalNamesUnique.comparing!;
  for (const rule of [physicalNamesUnique, { ...physicalNamesUnique, comparing: { facts, compare } }]) {
    const what = rule.comparing!.judge ? 'judge' : 'compare';
    const reviewed = new ReviewGate([rule], []);
    const records = [
      { path: 'first.template.json', review: reviewed.review('first.template.json', first) },
      { path: 'second.template.json', review: reviewed.review('second.template.json', second) },
    ];
    assert.equal(outcome(reviewed), expected, what);
    // A recompile replays some templates' records and reviews the others: each way round, the same.
    for (const replayFirst of [true, false]) {
      const gate = new ReviewGate([rule], []);
      if (replayFirst) {
        assert.ok(gate.replay([records[0]!]));
        gate.review('second.template.json', second);
      } else {
        gate.review('first.template.json', first);
        assert.ok(gate.replay([records[1]!]));
      }
      assert.equal(outcome(gate), expected, `${what}, ${replayFirst ? 'first' : 'second'} replayed`);
    }
  }
  // compare, as check returns it, still gives every finding, compliant ones included.
  assert.equal(
    physicalNamesUnique.check(second, 'second.template.json', new Map()).map((f) => `${f.resource}:${f.compliant ? 'ok' : 'bad'}`),
    ['other:ok', 'again:ok', 'foreign:bad'],
  );
});
R('E601 finds every name held before, however many names it holds and whatever their hashes', () => {
  // E601 keeps the names it saw in a table by hash (physicalNamesUnique.ts): two names
  // that hash alike (found here: the hash's basis is drawn per process) are two names,
  // and a thousand names make the table grow.
  const [alike, alsoAlike] = twoNamesHashingAlike(nameHash);
  const seen = new Map<string, unknown>();
  const param = (Name: string) => ({ Type: 'AWS::SSM::Parameter', Properties: { Name } });
  const review = (template: string, names: readonly string[]) =>
    physicalNamesUnique
      .check(t(Object.fromEntries(names.map((n, i) => [`p${i}`, param(n)]))), template, seen)
      .filter((f) => !f.compliant)
      .map((f) => `${f.template} ${f.resource}: ${f.message}`);
  const many = Array.from({ length: 1000 }, (_, i) => `/p/many-${i}`);
  assert.equal(review('a.template.json', [alike, ...many]), []);
  assert.equal(review('b.template.json', [alsoAlike]), []);
  assert.equal(review('c.template.json', [alsoAlike, '/p/many-0', '/p/many-999', alike, '/p/many-1000']), [
    `c.template.json p0: "${alsoAlike}" is also the name of b.template.json p0`,
    'c.template.json p1: "/p/many-0" is also the name of a.template.json p1',
    'c.template.json p2: "/p/many-999" is also the name of a.template.json p1000',
    `c.template.json p3: "${alike}" is also the name of a.template.json p0`,
  ]);
});

/** Two different names `hash` gives one value (a birthday search: ~80,000 names for 32 bits). */
function twoNamesHashingAlike(hash: (name: string) => number): [string, string] {
  const byHash = new Map<number, string>();
  for (let i = 0; i < 1 << 22; i++) {
    const name = `/p/name-${i}`;
    const other = byHash.get(hash(name));
    if (other !== undefined) return [other, name];
    byHash.set(hash(name), name);
  }
  throw new Error('no two names hash alike');
}

R('E601 hashes names from a basis no manifest author knows: names made to collide under FNV-1a collide no more than any', () => {
  // Physical names are built from tenant ids, which a pull request chooses: ids made to
  // hash alike would put every name of the estate in one probe chain (a compile
  // quadratic in the ids). Names that collide under FNV-1a with its published basis,
  // computed as such an author would, must not all collide under E601's hash.
  const fnv1a = (name: string) => {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    return h;
  };
  const pairs = Array.from({ length: 8 }, (_, k) => twoNamesHashingAlike((n) => fnv1a(`${n}/${k}`)).map((n) => `${n}/${k}`));
  for (const [a, b] of pairs) assert.is(fnv1a(a!), fnv1a(b!));
  assert.ok(
    pairs.some(([a, b]) => nameHash(a!) !== nameHash(b!)),
    'names made to collide under FNV-1a collide under nameHash',
  );
});

R('the gate counts every finding of a rule, compliant or not, reviewed or replayed, and judges the non-compliant ones alike', () => {
  const bucket = (flags: boolean) => ({
    Type: 'AWS::S3::Bucket',
    Properties: {
      PublicAccessBlockConfiguration: { BlockPublicAcls: flags, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    },
  });
  const templates = [
    ['a.template.json', t({ good: bucket(true), open: bucket(false) })],
    ['b.template.json', t({ good: bucket(true), alsoGood: bucket(true) })],
  ] as const;
  const suppressions = [{ index: 0, rule: 'E303', template: 'a.template.json', resource: 'open', reason: 'Accepted for this test only.' }];
  const outcome = (gate: ReviewGate) => {
    const r = gate.result();
    return { violations: r.violations.length, suppressed: r.suppressed.map((s) => `${s.finding.template} ${s.finding.resource}`), checked: [...r.checked] };
  };
  for (const sup of [[], suppressions]) {
    const reviewed = new ReviewGate([bucketsPrivate], sup);
    const records = templates.map(([path, template]) => ({ path, review: reviewed.review(path, template) }));
    assert.equal(outcome(reviewed), { violations: sup.length ? 0 : 1, suppressed: sup.length ? ['a.template.json open'] : [], checked: [['E303', 4]] });
    const replayed = new ReviewGate([bucketsPrivate], sup);
    assert.ok(replayed.replay(records));
    assert.equal(outcome(replayed), outcome(reviewed));
  }
});

R('every rule has its id, title and reason, and ids are unique', () => {
  assert.is(new Set(SECURITY_RULES.map((r) => r.id)).size, SECURITY_RULES.length);
  for (const r of SECURITY_RULES) assert.ok(/^E\d{3}$/.test(r.id) && r.title.length > 10 && r.reason.length > 30, r.id);
});

R('every template of the isolation estate (the sample, a prefix id, an identity pool) complies, and every rule applies somewhere', () => {
  const c = isolationEstate();
  const templates = new Map(c.files.filter((f) => f.path.endsWith('.template.json')).map((f) => [f.path, JSON.parse(f.content) as Template]));
  const findings = reviewTemplates(templates);
  assert.equal(
    findings.filter((f) => !f.compliant).map((f) => `${f.rule} ${f.template} ${f.resource}: ${f.message}`),
    [],
  );
  for (const rule of SECURITY_RULES)
    assert.ok(
      findings.some((f) => f.rule === rule.id),
      `${rule.id} applied to nothing`,
    );
});

R('the type index skips only what finds nothing: the gate with and without it reviews the isolation estate alike', () => {
  const c = isolationEstate();
  const templates = c.files.filter((f) => f.path.endsWith('.template.json')).map((f) => [f.path, JSON.parse(f.content) as Template, f.content] as const);
  const review = (rules: typeof SECURITY_RULES) => {
    const gate = new ReviewGate(rules, c.plan.platform.suppressions);
    for (const [path, template, text] of templates) gate.review(path, template, text);
    const r = gate.result();
    return { violations: r.violations, suppressed: r.suppressed, checked: [...r.checked].sort() };
  };
  // The gate sees no types (it runs every rule on every template); each rule's check
  // still runs as itself, reading its own types through resourcesOf.
  const unindexed = SECURITY_RULES.map((r) => ({ ...r, types: undefined, check: r.check.bind(r) }));
  assert.equal(review(SECURITY_RULES), review(unindexed));
  for (const [, template] of templates) for (const rule of SECURITY_RULES) assertTypesCover(rule, template, rule.check(template, 'x', new Map()));
  // Mutation: E301 declaring one type too few gives findings the gate never asks for.
  const narrowed = { ...SECURITY_RULES.find((r) => r.id === 'E301')!, types: ['AWS::S3::Bucket'] };
  const root = templates.find(([p]) => p === 'root.template.json')![1];
  assert.ok(outsideTypes(narrowed, root, narrowed.check(root, 'x', new Map())).length > 0, 'the narrowed declaration is caught');
});

R("a recompile's replay of the review records gives the gate exactly what reviewing the templates again gives, rule counts included", () => {
  const c = isolationEstate();
  const templates = c.files.filter((f) => f.path.endsWith('.template.json')).map((f) => [f.path, JSON.parse(f.content) as Template, f.content] as const);
  const outcome = (gate: ReviewGate) => {
    const r = gate.result();
    return { violations: r.violations, suppressed: r.suppressed, unused: r.unused, checked: [...r.checked].sort() };
  };
  const reviewed = new ReviewGate(SECURITY_RULES, c.plan.platform.suppressions);
  const records = templates.map(([path, template, text]) => ({ path, review: reviewed.review(path, template, text) }));
  // A rule that applies to a template's types and finds nothing in it: it is in the
  // record with no compliant finding, and must count no more when replayed than when run.
  const silent: SecurityRule = {
    id: 'E998',
    types: ['AWS::IAM::Role'],
    title: 'Test rule: applies to roles, finds nothing',
    reason: 'A rule that applies and has nothing to say.',
    fix: 'None.',
    check: () => [],
  };
  const rules = [...SECURITY_RULES, silent];
  const withSilent = new ReviewGate(rules, c.plan.platform.suppressions);
  const silentRecords = templates.map(([path, template, text]) => ({ path, review: withSilent.review(path, template, text) }));
  assert.ok(
    silentRecords.some((t) => t.review.some((e) => e.rule === 'E998' && 'compliant' in e && e.compliant === 0 && !e.findings)),
    'some template records E998 applying and finding nothing',
  );
  for (const [gateRules, recorded, direct] of [
    [SECURITY_RULES, records, reviewed],
    [rules, silentRecords, withSilent],
  ] as const) {
    const replayed = new ReviewGate(gateRules, c.plan.platform.suppressions);
    assert.ok(replayed.replay(recorded));
    assert.equal(outcome(replayed), outcome(direct));
  }
});

R("mutation: AmazonSSMManagedInstanceCore back on any compiled role (the pooled fleet's, the database monitoring role, a premium tenant's) fails E402", () => {
  const c = isolationEstate();
  const template = (path: string) => JSON.parse(c.files.find((f) => f.path === path)!.content) as Template;
  const core = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore' };
  for (const [path, role] of [
    ['root.template.json', 'appInstanceRole'],
    ['root.template.json', 'platformDatabaseMonitoringRole'],
    ['tenants/hooli.template.json', 'tenantRole'],
  ] as const) {
    const compiled = template(path);
    assert.ok(noAwsManagedPolicy.check(compiled, path, new Map()).find((f) => f.resource === role)!.compliant, `${path} ${role} as compiled`);
    const r = compiled.Resources[role]!;
    const props = r.Properties as { ManagedPolicyArns?: unknown[] };
    const mutated: Template = {
      Resources: { ...compiled.Resources, [role]: { ...r, Properties: { ...props, ManagedPolicyArns: [...(props.ManagedPolicyArns ?? []), core] } } },
    };
    const f = noAwsManagedPolicy.check(mutated, path, new Map()).find((x) => x.resource === role)!;
    assert.not.ok(f.compliant, `${path} ${role} with the managed policy`);
    assert.match(f.message, /AmazonSSMManagedInstanceCore/);
  }
});

R.run();
