// The security rule pack: each rule with compliant and non-compliant cases, then the
// whole pack over every template the sample estate compiles to.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { reviewTemplates, SECURITY_RULES } from '../compiler/review/index.ts';
import type { Template, TemplateResource } from '../compiler/review/rule.ts';
import { bucketsPrivate } from '../compiler/review/rules/bucketsPrivate.ts';
import { encryptedAtRest } from '../compiler/review/rules/encryptedAtRest.ts';
import { imdsV2Required } from '../compiler/review/rules/imdsV2Required.ts';
import { noOpenIngress } from '../compiler/review/rules/noOpenIngress.ts';
import { noWildcardAdmin } from '../compiler/review/rules/noWildcardAdmin.ts';
import { statefulRetained } from '../compiler/review/rules/statefulRetained.ts';
import { compiledFrom, SAMPLE_TENANTS } from './helpers.ts';

const R = suite('security rules');
const t = (resources: Record<string, TemplateResource>): Template => ({ Resources: resources });
const verdicts = (rule: (typeof SECURITY_RULES)[number], tpl: Template) => rule.check(tpl, 'x').map((f) => `${f.resource}:${f.compliant ? 'ok' : 'bad'}`);

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
      }),
    ),
    ['scoped:ok', 'admin:bad', 's3All:bad', 'noPolicies:ok'],
  );
});

R('every rule has its id, title and reason, and ids are unique', () => {
  assert.is(new Set(SECURITY_RULES.map((r) => r.id)).size, SECURITY_RULES.length);
  for (const r of SECURITY_RULES) assert.ok(/^E\d{3}$/.test(r.id) && r.title.length > 10 && r.reason.length > 30, r.id);
});

R('every template of the sample estate complies, and every rule applies somewhere', () => {
  const c = compiledFrom(SAMPLE_TENANTS);
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

R.run();
