// IAM isolation, evaluated with @cloud-copilot/iam-simulate on the policies exactly
// as compiled (tenant policies, trust policies, the tenant data bucket policy, the
// pooled fleet's role), resolved for a concrete account. For every kind of
// tenant-scoped resource: tenant A's role and A-tagged sessions are allowed on A's
// resources and denied on B's; a session tagged with another tenant, or with no
// tenant tag, is denied.
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tenantCacheUserId, tenantRoleName } from '../compiler/plan/names.ts';
import { MANAGED_POLICY_MAX_CHARS } from '../compiler/emit/cfn/tenant/iam.ts';
import { compiledFrom, SAMPLE_TENANTS } from './helpers.ts';
import { ACCOUNT, REGION, resolve } from './support/resolve.ts';

const I = suite('IAM isolation');
const compiled = compiledFrom(SAMPLE_TENANTS);
const files = new Map(
  compiled.files
    .filter((f) => f.path.endsWith('.template.json'))
    .map((f) => [f.path, JSON.parse(f.content) as { Resources: Record<string, { Properties: Record<string, unknown> }> }]),
);
const root = files.get('root.template.json')!;

const BUCKET = 'tessera-tenant-data-abc123';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const DATA_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111-data`;
const TABLE = 'tessera-tenant-registry';
const APP_ROLE = `arn:aws:iam::${ACCOUNT}:role/tessera-appInstanceRole-XYZ`;
const secretArn = (id: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/tenants/${id}/app-credentials-AbCdEf`;
const roleArn = (id: string) => `arn:aws:iam::${ACCOUNT}:role/${tenantRoleName('tessera', id)}`;

function tenantContext(id: string) {
  return {
    refs: {
      TenantDataBucketName: BUCKET,
      DataKeyArn: DATA_KEY,
      RegistryTableName: TABLE,
      AppInstanceRoleArn: APP_ROLE,
      tenantSecret: secretArn(id),
      tenantAccessPolicy: `arn:aws:iam::${ACCOUNT}:policy/tenant-${id}`,
    },
  };
}

interface Compiled {
  readonly policy: object;
  readonly trust: object;
}

function compiledTenant(id: string): Compiled {
  const t = files.get(`tenants/${id}.template.json`)!;
  const ctx = tenantContext(id);
  return {
    policy: resolve(t.Resources.tenantAccessPolicy!.Properties.PolicyDocument, ctx) as object,
    trust: resolve(t.Resources.tenantRole!.Properties.AssumeRolePolicyDocument, ctx) as object,
  };
}

const bucketPolicy = resolve(root.Resources.tenantDataBucketPolicy!.Properties.PolicyDocument, {
  refs: { multiTenantDistribution: 'E1ABCDEF' },
  getAtts: { 'tenantDataBucket.Arn': BUCKET_ARN },
}) as object;

interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  readonly withBucketPolicy?: boolean;
}

/** Kinds of tenant-scoped resources, and the request that touches tenant `id`'s one. */
const KINDS: Record<string, (id: string) => Request> = {
  's3 object read': (id) => ({ action: 's3:GetObject', resource: `${BUCKET_ARN}/tenants/${id}/reports/q3.pdf`, withBucketPolicy: true }),
  's3 object write': (id) => ({ action: 's3:PutObject', resource: `${BUCKET_ARN}/tenants/${id}/uploads/new.csv`, withBucketPolicy: true }),
  's3 listing': (id) => ({ action: 's3:ListBucket', resource: BUCKET_ARN, context: { 's3:prefix': `tenants/${id}/` }, withBucketPolicy: true }),
  'registry item': (id) => ({
    action: 'dynamodb:GetItem',
    resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`,
    context: { 'dynamodb:LeadingKeys': [id] },
  }),
  'ssm parameter': (id) => ({ action: 'ssm:GetParameter', resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/tenants/${id}/tier` }),
  secret: (id) => ({ action: 'secretsmanager:GetSecretValue', resource: secretArn(id) }),
  'log group': (id) => ({ action: 'logs:PutLogEvents', resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/tessera/tenants/${id}:log-stream:i-0abc` }),
  'cache user': (id) => ({ action: 'elasticache:Connect', resource: `arn:aws:elasticache:${REGION}:${ACCOUNT}:user:${tenantCacheUserId('tessera', id)}` }),
};

async function decide(policyOf: string, tag: string | null, req: Request): Promise<string> {
  const sim: Simulation = {
    identityPolicies: [{ name: `tenant-${policyOf}`, policy: compiledTenant(policyOf).policy as never }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(req.withBucketPolicy ? { resourcePolicy: bucketPolicy as never } : {}),
    request: {
      action: req.action,
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${tenantRoleName('tessera', policyOf)}/request-1`,
      resource: { accountId: ACCOUNT, resource: req.resource },
      contextVariables: { ...(tag === null ? {} : { 'aws:PrincipalTag/tenant-id': tag }), 'aws:SecureTransport': 'true', ...(req.context ?? {}) },
    },
  };
  const r = await runSimulation(sim, {});
  if (r.resultType === 'error') throw new Error(`${req.action} ${req.resource}: ${JSON.stringify(r.errors)}`);
  return r.overallResult;
}

// A: a standard tenant on the pooled fleet; B: a premium tenant; C: a premium tenant with a delegated zone.
/** Implicitly (no statement allows) or explicitly (the bucket policy denies). */
const DENIED = /^(Implicitly|Explicitly)Denied$/;

const PAIRS: readonly (readonly [string, string])[] = [
  ['initech', 'hooli'],
  ['hooli', 'initech'],
  ['acme', 'stark-industries'],
];

// S3 kinds are also checked without the bucket policy: each layer must hold alone.
const LAYERED: [string, (id: string) => Request][] = Object.entries(KINDS).flatMap(([kind, request]) =>
  request('x').withBucketPolicy
    ? [
        [kind, request] as [string, (id: string) => Request],
        [`${kind} (identity policy alone)`, (id: string) => ({ ...request(id), withBucketPolicy: false })] as [string, (id: string) => Request],
      ]
    : [[kind, request] as [string, (id: string) => Request]],
);

for (const [kind, request] of LAYERED) {
  I(`${kind}: own allowed, other tenant's denied, wrong or missing tenant tag denied`, async () => {
    for (const [a, b] of PAIRS) {
      assert.is(await decide(a, a, request(a)), 'Allowed', `${a} on its own ${kind}`);
      assert.match(await decide(a, a, request(b)), DENIED, `${a} on ${b}'s ${kind}`);
      assert.match(await decide(a, b, request(a)), DENIED, `${a}'s role in a session tagged ${b}, on ${a}'s ${kind}`);
      assert.match(await decide(a, b, request(b)), DENIED, `${a}'s role in a session tagged ${b}, on ${b}'s ${kind}`);
      assert.match(await decide(a, null, request(a)), DENIED, `${a}'s role with no tenant tag, on its own ${kind}`);
    }
  });
}

I("the bucket policy alone denies an A-tagged principal B's prefix, whatever its identity policy allows", async () => {
  const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
  const base = (resource: string, tag: string, action = 's3:GetObject', ctx: Record<string, string> = {}): Simulation => ({
    identityPolicies: [{ name: 'too-broad', policy: allowAll as never }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: bucketPolicy as never,
    request: {
      action,
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/mis-scoped/x`,
      resource: { accountId: ACCOUNT, resource },
      contextVariables: { 'aws:PrincipalTag/tenant-id': tag, 'aws:SecureTransport': 'true', ...ctx },
    },
  });
  const run = async (s: Simulation) => {
    const r = await runSimulation(s, {});
    if (r.resultType === 'error') throw new Error(JSON.stringify(r.errors));
    return r.overallResult;
  };
  assert.is(await run(base(`${BUCKET_ARN}/tenants/initech/a.txt`, 'initech')), 'Allowed');
  assert.is(await run(base(`${BUCKET_ARN}/tenants/hooli/a.txt`, 'initech')), 'ExplicitlyDenied');
  assert.is(await run(base(`${BUCKET_ARN}/tenants/hooli/a.txt`, 'initech', 's3:DeleteObject')), 'ExplicitlyDenied');
  assert.is(await run(base(BUCKET_ARN, 'initech', 's3:ListBucket', { 's3:prefix': 'tenants/hooli/' })), 'ExplicitlyDenied');
  assert.is(await run(base(BUCKET_ARN, 'initech', 's3:ListBucket', { 's3:prefix': 'tenants/' })), 'ExplicitlyDenied');
  assert.is(await run(base(BUCKET_ARN, 'initech', 's3:ListBucket', { 's3:prefix': 'tenants/initech/' })), 'Allowed');
});

I("only the pooled fleet, with the tenant's own id as session tag, may assume a tenant role", async () => {
  const appRole = root.Resources.appInstanceRole!.Properties;
  const appPolicy = resolve((appRole.Policies as { PolicyDocument: unknown }[])[0]!.PolicyDocument, {
    refs: {},
    getAtts: { 'provisioningLogGroup.Arn': 'x' },
  }) as object;
  const assume = async (tenant: string, requestTag: string, action = 'sts:AssumeRole', principal = APP_ROLE) => {
    const r = await runSimulation(
      {
        identityPolicies: [{ name: 'app', policy: appPolicy as never }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: compiledTenant(tenant).trust as never,
        request: {
          action,
          principal,
          resource: { accountId: ACCOUNT, resource: roleArn(tenant) },
          contextVariables: { 'aws:RequestTag/tenant-id': requestTag, 'aws:TagKeys': ['tenant-id'] },
        },
      },
      {},
    );
    if (r.resultType === 'error') throw new Error(JSON.stringify(r.errors));
    return r.overallResult;
  };
  assert.is(await assume('initech', 'initech'), 'Allowed');
  assert.is(await assume('initech', 'initech', 'sts:TagSession'), 'Allowed');
  assert.match(await assume('initech', 'hooli'), DENIED, 'a session tagged with another tenant');
  assert.match(await assume('initech', 'hooli', 'sts:TagSession'), DENIED);
  assert.match(await assume('initech', 'initech', 'sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/someone-else`), DENIED, 'another principal');
});

I('every tenant policy names only its own tenant and stays under the managed-policy size limit', () => {
  for (const t of compiled.plan.tenants) {
    const policy = JSON.stringify(compiledTenant(t.id).policy);
    assert.ok(policy.length < MANAGED_POLICY_MAX_CHARS, `${t.id}: ${policy.length} characters`);
    for (const other of compiled.plan.tenants) {
      if (other.id !== t.id)
        assert.not.ok(new RegExp(`[/:"]${other.id}[/:"*]`).test(policy.replace(`tenants/${t.id}`, '')), `${t.id}'s policy names ${other.id}`);
    }
  }
});

I.run();
