// IAM isolation, evaluated with @cloud-copilot/iam-simulate on the policies exactly
// as compiled, resolved for a concrete account, on the isolation estate (the sample,
// plus acme-eu: an id with another tenant's id as prefix, and an identity pool).
//   - Tenant roles are evaluated with every policy attached to them: an attached
//     policy the test cannot read (an AWS managed one) fails the test by name.
//   - For every kind of tenant-scoped resource: tenant A's role and A-tagged sessions
//     are allowed on A's resources and denied on B's; a session tagged with another
//     tenant, or with no tenant tag, is denied.
//   - Trust: every pair of fleet (the pooled fleet, each dedicated fleet) and tenant.
//   - End users (identity pool) are evaluated apart from the workload role.
//   - The tenant's own secret through the KMS key it is encrypted with.
// Each proof has beside it the mutation that reopens its path, evaluated too.
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tenantCacheUserId, tenantRoleName } from '../compiler/plan/names.ts';
import { MANAGED_POLICY_MAX_CHARS } from '../compiler/emit/cfn/tenant/iam.ts';
import { ACCOUNT, REGION, resolve } from './support/resolve.ts';
import { isolationEstate } from './support/isolationEstate.ts';
import { matchesFilterPattern } from './support/filterPattern.ts';

const I = suite('IAM isolation');
const compiled = isolationEstate();
type Resource = { Type: string; Properties: Record<string, unknown> };
const files = new Map(
  compiled.files.filter((f) => f.path.endsWith('.template.json')).map((f) => [f.path, JSON.parse(f.content) as { Resources: Record<string, Resource> }]),
);
const root = files.get('root.template.json')!;
const tenantTemplate = (id: string) => files.get(`tenants/${id}.template.json`)!;
const planOf = (id: string) => compiled.plan.tenants.find((t) => t.id === id)!;

const BUCKET = 'tessera-tenant-data-abc123';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const DATA_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111-data`;
const TABLE = 'tessera-tenant-registry';
const APP_ROLE = `arn:aws:iam::${ACCOUNT}:role/tessera-appInstanceRole-XYZ`;
const secretArn = (id: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/tessera/tenants/${id}/app-credentials-AbCdEf`;
const roleArn = (id: string) => `arn:aws:iam::${ACCOUNT}:role/${tenantRoleName('tessera', id)}`;
const ownPolicyArn = (id: string) => `arn:aws:iam::${ACCOUNT}:policy/tenant-${id}`;

function tenantContext(id: string) {
  return {
    refs: {
      TenantDataBucketName: BUCKET,
      DataKeyArn: DATA_KEY,
      RegistryTableName: TABLE,
      AppInstanceRoleArn: APP_ROLE,
      tenantSecret: secretArn(id),
      tenantAccessPolicy: ownPolicyArn(id),
      tenantIdentityPool: `${REGION}:pool-${id}`,
      'AWS::StackId': stackArn(id),
    },
  };
}

/** A tenant stack's id, as CloudFormation names a nested stack. */
const stackArn = (id: string) => `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/tessera-tenantGroup0Stack-1A2B-tenant${id}Stack-3C4D/5e6f7a8b-${id}`;

/**
 * An excerpt of AWS's AmazonSSMManagedInstanceCore (its parameter statement), to show
 * what the role would allow if the policy were attached again: see the mutation test.
 */
const SSM_MANAGED_INSTANCE_CORE = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['ssm:DescribeAssociation', 'ssm:GetDocument', 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:UpdateInstanceInformation'],
      Resource: '*',
    },
  ],
};
const AWS_MANAGED: Record<string, object> = { 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore': SSM_MANAGED_INSTANCE_CORE };

/** Every policy attached to tenant `id`'s role, as compiled; `extraArns` re-attaches a managed policy (mutations). */
function rolePolicies(id: string, extraArns: readonly string[] = []): { name: string; policy: object }[] {
  const t = tenantTemplate(id);
  const ctx = tenantContext(id);
  const arns = [...(resolve(t.Resources.tenantRole!.Properties.ManagedPolicyArns, ctx) as string[]), ...extraArns];
  return arns.map((arn) => {
    if (arn === ownPolicyArn(id)) return { name: arn, policy: resolve(t.Resources.tenantAccessPolicy!.Properties.PolicyDocument, ctx) as object };
    const known = AWS_MANAGED[arn];
    if (!known) throw new Error(`${id}'s role carries ${arn}, which this test cannot evaluate: evaluate it, or take it off`);
    return { name: arn, policy: known };
  });
}

const trustOf = (id: string) => resolve(tenantTemplate(id).Resources.tenantRole!.Properties.AssumeRolePolicyDocument, tenantContext(id)) as object;

/** The data key's own policy: KMS evaluates it with the caller's identity policies. */
const dataKeyPolicy = resolve(root.Resources.platformDataKey!.Properties.KeyPolicy, { refs: {}, getAtts: {} }) as object;

const bucketPolicy = resolve(root.Resources.tenantDataBucketPolicy!.Properties.PolicyDocument, {
  refs: { multiTenantDistribution: 'E1ABCDEF' },
  getAtts: { 'tenantDataBucket.Arn': BUCKET_ARN },
}) as object;

interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  readonly withBucketPolicy?: boolean;
  /** A KMS request: evaluated with the key's policy, as KMS does. */
  readonly withKeyPolicy?: boolean;
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
  'ssm parameter': (id) => ({ action: 'ssm:GetParameter', resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/tessera/tenants/${id}/tier` }),
  secret: (id) => ({ action: 'secretsmanager:GetSecretValue', resource: secretArn(id) }),
  'secret decryption (KMS through Secrets Manager)': (id) => ({
    action: 'kms:Decrypt',
    resource: DATA_KEY,
    withKeyPolicy: true,
    context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': secretArn(id) },
  }),
  'log group': (id) => ({ action: 'logs:PutLogEvents', resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/tessera/tenants/${id}:log-stream:i-0abc` }),
  'cache user': (id) => ({ action: 'elasticache:Connect', resource: `arn:aws:elasticache:${REGION}:${ACCOUNT}:user:${tenantCacheUserId('tessera', id)}` }),
};

/**
 * Two condition keys iam-simulate does not know for the actions they guard, and would
 * silently ignore: the KMS encryption context (Secrets Manager puts the secret's ARN
 * there) and the Cognito identity of an end user. They are renamed, in the policies
 * and in the request alike, to principal-tag keys it evaluates with the same
 * semantics (StringEquals, policy variables), so they are evaluated, not ignored.
 */
const SIMULATOR_KEYS: readonly (readonly [string, string])[] = [
  ['kms:EncryptionContext:SecretARN', 'aws:PrincipalTag/kms-encryption-context-secretarn'],
  ['cognito-identity.amazonaws.com:sub', 'aws:PrincipalTag/cognito-identity-sub'],
];
const simulatorKeys = <T>(value: T): T => {
  let text = JSON.stringify(value);
  for (const [from, to] of SIMULATOR_KEYS) text = text.replaceAll(from, to);
  return JSON.parse(text) as T;
};

async function simulate(input: Simulation): Promise<string> {
  const sim = simulatorKeys(input);
  const r = await runSimulation(sim, {});
  const ignored = (r as { result?: { ignoredContextKeys?: string[] } }).result?.ignoredContextKeys ?? [];
  const dropped = ignored.filter(
    (k) => !['aws:PrincipalTag/tenant-id', 'aws:SecureTransport', 'aws:ResourceTag/tenantc:compute', 'aws:RequestTag/tenant-id', 'aws:TagKeys'].includes(k),
  );
  if (dropped.length) throw new Error(`iam-simulate ignored ${dropped.join(', ')} for ${sim.request.action}: the proof would not evaluate them`);
  if (r.resultType === 'error') throw new Error(`${sim.request.action} ${sim.request.resource.resource}: ${JSON.stringify(r.errors)}`);
  return r.overallResult;
}

async function decide(policyOf: string, tag: string | null, req: Request, extraArns: readonly string[] = []): Promise<string> {
  return simulate({
    identityPolicies: rolePolicies(policyOf, extraArns).map((p) => ({ name: p.name, policy: p.policy as never })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(req.withBucketPolicy ? { resourcePolicy: bucketPolicy as never } : {}),
    ...(req.withKeyPolicy ? { resourcePolicy: dataKeyPolicy as never } : {}),
    request: {
      action: req.action,
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${tenantRoleName('tessera', policyOf)}/request-1`,
      resource: { accountId: ACCOUNT, resource: req.resource },
      contextVariables: { ...(tag === null ? {} : { 'aws:PrincipalTag/tenant-id': tag }), 'aws:SecureTransport': 'true', ...(req.context ?? {}) },
    },
  });
}

/** Implicitly (no statement allows) or explicitly (a policy denies). */
const DENIED = /^(Implicitly|Explicitly)Denied$/;

// Shared and premium tenants both ways, and ids that are prefixes of one another.
const PAIRS: readonly (readonly [string, string])[] = [
  ['initech', 'hooli'],
  ['hooli', 'initech'],
  ['acme', 'stark-industries'],
  ['acme', 'acme-eu'],
  ['acme-eu', 'acme'],
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
  I(`${kind}: own allowed, other tenant's denied, wrong or missing tenant tag denied (every attached policy evaluated)`, async () => {
    for (const [a, b] of PAIRS) {
      assert.is(await decide(a, a, request(a)), 'Allowed', `${a} on its own ${kind}`);
      assert.match(await decide(a, a, request(b)), DENIED, `${a} on ${b}'s ${kind}`);
      assert.match(await decide(a, b, request(a)), DENIED, `${a}'s role in a session tagged ${b}, on ${a}'s ${kind}`);
      assert.match(await decide(a, b, request(b)), DENIED, `${a}'s role in a session tagged ${b}, on ${b}'s ${kind}`);
      assert.match(await decide(a, null, request(a)), DENIED, `${a}'s role with no tenant tag, on its own ${kind}`);
    }
  });
}

I("readiness: a dedicated fleet signals its own tenant stack only; a shared-compute tenant's role signals nothing", async () => {
  const signal = (id: string): Request => ({ action: 'cloudformation:SignalResource', resource: stackArn(id) });
  assert.is(await decide('hooli', 'hooli', signal('hooli')), 'Allowed', "hooli's fleet, its own stack");
  for (const other of ['acme', 'globex', 'initech']) assert.match(await decide('hooli', 'hooli', signal(other)), DENIED, `hooli's fleet, ${other}'s stack`);
  assert.match(await decide('hooli', 'acme', signal('acme')), DENIED, "hooli's role tagged acme, acme's stack");
  assert.match(await decide('initech', 'initech', signal('initech')), DENIED, 'shared compute has no fleet to signal for');
});

I("mutation: AmazonSSMManagedInstanceCore attached again lets a premium tenant read another tenant's parameters", async () => {
  const other = KINDS['ssm parameter']!('initech');
  assert.match(await decide('hooli', 'hooli', other), DENIED, 'as compiled');
  assert.is(await decide('hooli', 'hooli', other, ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore']), 'Allowed', 'the mutation reopens the path');
  assert.throws(
    () => rolePolicies('hooli', ['arn:aws:iam::aws:policy/AdministratorAccess']),
    /cannot evaluate/,
    'an unknown managed policy fails the proof by name',
  );
});

I("a tenant cannot decrypt with the data key outside Secrets Manager and S3, nor another tenant's secret by asking for its own", async () => {
  const direct = { action: 'kms:Decrypt', resource: DATA_KEY, context: {}, withKeyPolicy: true };
  assert.match(await decide('initech', 'initech', direct), DENIED, 'a direct kms:Decrypt');
  const wrongContext = {
    ...KINDS['secret decryption (KMS through Secrets Manager)']!('initech'),
    context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
  };
  assert.match(await decide('initech', 'initech', wrongContext), DENIED, 'through Secrets Manager without the secret as encryption context');
});

I(
  "the bucket policy alone denies an A-tagged principal every action on B's objects and the bucket's configuration, whatever its identity policy allows",
  async () => {
    const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    const run = (resource: string, tag: string, action: string, ctx: Record<string, string> = {}) =>
      simulate({
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
    const own = `${BUCKET_ARN}/tenants/initech/a.txt`;
    const other = `${BUCKET_ARN}/tenants/hooli/a.txt`;
    assert.is(await run(own, 'initech', 's3:GetObject'), 'Allowed');
    // What a deny that listed actions let through, on another tenant's objects.
    for (const action of [
      's3:GetObject',
      's3:DeleteObject',
      's3:GetObjectVersion',
      's3:GetObjectTagging',
      's3:GetObjectVersionTagging',
      's3:PutObjectTagging',
      's3:PutObjectAcl',
      's3:GetObjectAcl',
      's3:PutObjectRetention',
      's3:PutObjectLegalHold',
      's3:GetObjectAttributes',
      's3:RestoreObject',
    ])
      assert.is(await run(other, 'initech', action), 'ExplicitlyDenied', `${action} on hooli's object`);
    // acme's principal and acme-eu's objects: the prefix ends at the slash.
    assert.is(await run(`${BUCKET_ARN}/tenants/acme-eu/a.txt`, 'acme', 's3:GetObject'), 'ExplicitlyDenied', "acme on acme-eu's object");
    for (const action of ['s3:ListBucketMultipartUploads', 's3:ListBucketVersions', 's3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:GetBucketAcl'])
      assert.is(await run(BUCKET_ARN, 'initech', action), 'ExplicitlyDenied', `${action} on the bucket`);
    assert.is(await run(BUCKET_ARN, 'initech', 's3:ListBucket', { 's3:prefix': 'tenants/hooli/' }), 'ExplicitlyDenied');
    assert.is(await run(BUCKET_ARN, 'initech', 's3:ListBucket', { 's3:prefix': 'tenants/' }), 'ExplicitlyDenied');
    assert.is(await run(BUCKET_ARN, 'initech', 's3:ListBucket', { 's3:prefix': 'tenants/initech/' }), 'Allowed');
  },
);

/**
 * Every policy of the pooled fleet's role, as compiled: its inline policies, and any
 * policy attached by ARN, which must be one this test can evaluate (an AWS managed one
 * it does not know fails the proof by name). `extraArns` re-attaches one (mutations).
 */
function pooledFleetPolicies(extraArns: readonly string[] = []): { name: string; policy: object }[] {
  const role = root.Resources.appInstanceRole!.Properties;
  const inline = ((role.Policies ?? []) as { PolicyName: string; PolicyDocument: unknown }[]).map((p) => ({
    name: p.PolicyName,
    policy: resolve(p.PolicyDocument, { refs: {}, getAtts: {} }) as object,
  }));
  const attached = [...((role.ManagedPolicyArns ?? []) as unknown[]).map((a) => resolve(a, { refs: {}, getAtts: {} }) as string), ...extraArns].map((arn) => {
    const known = AWS_MANAGED[arn];
    if (!known) throw new Error(`the pooled fleet's role carries ${arn}, which this test cannot evaluate: evaluate it, or take it off`);
    return { name: arn, policy: known };
  });
  return [...inline, ...attached];
}
const appPolicy = pooledFleetPolicies()[0]!.policy;

/** The tag a compiled tenant resource carries (its role, its parameters), or null. */
function tagOf(resource: Resource | undefined, key: string): string | null {
  const tags = resource?.Properties.Tags as { Key: string; Value: string }[] | Record<string, string> | undefined;
  if (Array.isArray(tags)) return tags.find((t) => t.Key === key)?.Value ?? null;
  return tags?.[key] ?? null;
}

/** Who tries to become tenant `target`'s role: the pooled fleet, or a dedicated fleet (as its own tenant role). */
async function assume(fleet: string, target: string, requestTag: string, appPolicyDoc: object = appPolicy, trust: object = trustOf(target)): Promise<string> {
  const pooled = fleet === 'pooled';
  // The role's tag as compiled, which is what IAM reads.
  const compute = tagOf(tenantTemplate(target).Resources.tenantRole, 'tenantc:compute')!;
  return simulate({
    identityPolicies: pooled ? [{ name: 'app', policy: appPolicyDoc as never }] : rolePolicies(fleet).map((p) => ({ name: p.name, policy: p.policy as never })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: trust as never,
    request: {
      action: 'sts:AssumeRole',
      principal: pooled ? APP_ROLE : `arn:aws:sts::${ACCOUNT}:assumed-role/${tenantRoleName('tessera', fleet)}/i-0abc`,
      resource: { accountId: ACCOUNT, resource: roleArn(target) },
      contextVariables: {
        'aws:RequestTag/tenant-id': requestTag,
        'aws:TagKeys': ['tenant-id'],
        'aws:ResourceTag/tenantc:compute': compute,
        ...(pooled ? {} : { 'aws:PrincipalTag/tenant-id': fleet }),
      },
    },
  });
}

I("trust, for every pair of fleet and tenant: only the pooled fleet, only for a served shared-compute tenant, only with that tenant's own tag", async () => {
  const tenants = compiled.plan.tenants;
  const fleets = ['pooled', ...tenants.filter((t) => t.serving.fleet).map((t) => t.id)];
  let allowed = 0;
  for (const fleet of fleets) {
    for (const target of tenants) {
      for (const tag of new Set([target.id, fleet === 'pooled' ? 'initech' : fleet])) {
        const expected = fleet === 'pooled' && !target.serving.fleet && target.serving.credentials && tag === target.id;
        const verdict = await assume(fleet, target.id, tag);
        if (expected) allowed++;
        if (expected) assert.is(verdict, 'Allowed', `${fleet} → ${target.id} tagged ${tag}`);
        else assert.match(verdict, DENIED, `${fleet} → ${target.id} tagged ${tag}`);
      }
    }
  }
  assert.ok(allowed >= 5, `the pooled fleet serves the shared tenants (${allowed})`);
});

I("mutation: a premium tenant's trust admitting the pooled fleet again (as it did) opens the path the trust test closes", async () => {
  const sharedTrust = trustOf('initech') as { Statement: { Condition: { StringEquals: Record<string, string> } }[] };
  const premiumWithPool = {
    ...sharedTrust,
    Statement: sharedTrust.Statement.map((s) => ({ ...s, Condition: { ...s.Condition, StringEquals: { 'aws:RequestTag/tenant-id': 'hooli' } } })),
  };
  assert.match(await assume('pooled', 'hooli', 'hooli'), DENIED, 'as compiled');
  // Within one account a trust naming the fleet's role grants on its own: the trust
  // is the control, and rule E403 refuses such a trust on a premium role. (The fleet's
  // policy only ever names roles tagged tenantc:compute=shared besides.)
  assert.is(await assume('pooled', 'hooli', 'hooli', appPolicy, premiumWithPool), 'Allowed', 'the mutation reopens the path');
});

/** The pooled fleet's own role (no tenant tag) asking for `action` on `resource`, with the resource's tags. */
async function pooledFleetAsks(
  action: string,
  resource: string,
  resourceTags: Record<string, string> = {},
  policies: readonly { name: string; policy: object }[] = pooledFleetPolicies(),
): Promise<string> {
  return simulate({
    identityPolicies: policies.map((p) => ({ name: p.name, policy: p.policy as never })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action,
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/tessera-appInstanceRole-XYZ/i-0abc`,
      resource: { accountId: ACCOUNT, resource },
      contextVariables: {
        'aws:SecureTransport': 'true',
        ...Object.fromEntries(Object.entries(resourceTags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])),
      },
    },
  });
}

const parameterArn = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`;

/** Every SSM parameter of tenant `id`'s stack as compiled: its name and its tags. */
function tenantParameters(id: string): { name: string; tags: Record<string, string> }[] {
  return Object.values(tenantTemplate(id).Resources)
    .filter((r) => r.Type === 'AWS::SSM::Parameter')
    .map((r) => ({ name: r.Properties.Name as string, tags: r.Properties.Tags as Record<string, string> }));
}

/**
 * Whom the pooled fleet serves, said here apart from the plan: tenants of a tier on
 * shared compute, active or suspended (a suspended tenant's data stays readable to
 * it); not a premium tenant, not an offboarded one.
 */
const pooledFleetServes = (id: string) => planOf(id).tier.compute === 'shared' && planOf(id).status !== 'offboarded';

I('the pooled fleet reads the parameters of the tenants it serves, and of no premium or offboarded tenant (every parameter of every tenant)', async () => {
  const served: string[] = [];
  const refused: string[] = [];
  for (const t of compiled.plan.tenants) {
    const params = tenantParameters(t.id);
    assert.ok(params.length >= 8, `${t.id}: its parameters`);
    for (const p of params) {
      for (const action of ['ssm:GetParameter', 'ssm:GetParameters']) {
        const verdict = await pooledFleetAsks(action, parameterArn(p.name), p.tags);
        if (pooledFleetServes(t.id)) assert.is(verdict, 'Allowed', `${action} ${p.name}`);
        else assert.match(verdict, DENIED, `${action} ${p.name}`);
      }
    }
    (pooledFleetServes(t.id) ? served : refused).push(t.id);
  }
  // The estate has each case: standard tenants, a suspended one, premium ones, an offboarded one.
  for (const id of ['initech', 'umbrella', 'acme-eu']) assert.ok(served.includes(id), `${id} is served`);
  for (const id of ['acme', 'globex', 'hooli', 'wayne-enterprises', 'vandelay']) assert.ok(refused.includes(id), `${id} is not served`);
});

I("the pooled fleet reads its own configuration, and nothing by path under the tenants' (tags cannot guard a path)", async () => {
  assert.is(await pooledFleetAsks('ssm:GetParameter', parameterArn('/tessera/platform/database/writer-endpoint')), 'Allowed');
  assert.is(await pooledFleetAsks('ssm:GetParametersByPath', parameterArn('/tessera/platform')), 'Allowed', 'its own path');
  assert.is(await pooledFleetAsks('ssm:GetParametersByPath', parameterArn('/tessera/platform/database')), 'Allowed', 'below its own path');
  for (const path of ['/tessera/tenants', '/tessera/tenants/initech', '/tessera/tenants/hooli', '/tessera'])
    assert.match(await pooledFleetAsks('ssm:GetParametersByPath', parameterArn(path), { 'tenantc:compute': 'shared' }), DENIED, path);
  // Another estate in the account: its platform, and its tenants even when tagged shared.
  assert.match(await pooledFleetAsks('ssm:GetParameter', parameterArn('/tessera-eu/platform/apex-domain')), DENIED);
  assert.match(await pooledFleetAsks('ssm:GetParameter', parameterArn('/tessera-eu/tenants/initech/tier'), { 'tenantc:compute': 'shared' }), DENIED);
  // An untagged parameter under the tenants' path (one an operator made by hand).
  assert.match(await pooledFleetAsks('ssm:GetParameter', parameterArn('/tessera/tenants/initech/notes')), DENIED);
});

I(
  "a dedicated fleet reads the platform's configuration and its own tenant's, no other tenant's; a shared-compute tenant's role reads no platform configuration",
  async () => {
    const platformParam = { action: 'ssm:GetParameter', resource: parameterArn('/tessera/platform/database/writer-endpoint') };
    const byPath = { action: 'ssm:GetParametersByPath', resource: parameterArn('/tessera/platform') };
    for (const fleet of compiled.plan.tenants.filter((t) => t.serving.fleet && t.serving.credentials).map((t) => t.id)) {
      assert.is(await decide(fleet, fleet, platformParam), 'Allowed', `${fleet}'s fleet, the platform's parameter`);
      assert.is(await decide(fleet, fleet, byPath), 'Allowed', `${fleet}'s fleet, the platform's path`);
      assert.match(await decide(fleet, 'initech', platformParam), DENIED, `${fleet}'s role tagged initech`);
      for (const other of ['initech', 'hooli', 'acme'].filter((o) => o !== fleet))
        assert.match(await decide(fleet, fleet, KINDS['ssm parameter']!(other)), DENIED, `${fleet}'s fleet, ${other}'s parameter`);
      assert.match(
        await decide(fleet, fleet, { action: 'ssm:GetParametersByPath', resource: parameterArn('/tessera/tenants') }),
        DENIED,
        'the tenants by path',
      );
    }
    assert.match(await decide('initech', 'initech', platformParam), DENIED, 'the pooled fleet reads it with its own role, not a tenant session');
  },
);

I("mutations: AmazonSSMManagedInstanceCore on the pooled fleet, or its tag condition dropped, reads a premium tenant's parameters", async () => {
  const premium = tenantParameters('hooli').find((p) => p.name.endsWith('/user-pool-client-id'))!;
  assert.match(await pooledFleetAsks('ssm:GetParameter', parameterArn(premium.name), premium.tags), DENIED, 'as compiled');
  const withCore = pooledFleetPolicies(['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore']);
  assert.is(await pooledFleetAsks('ssm:GetParameter', parameterArn(premium.name), premium.tags, withCore), 'Allowed', 'the managed policy reopens the path');
  const untagged = pooledFleetPolicies().map((p) => ({
    ...p,
    policy: JSON.parse(JSON.stringify(p.policy), (key, value) =>
      key === 'Condition' && value?.StringEquals?.['aws:ResourceTag/tenantc:compute'] && !value['ForAllValues:StringEquals'] ? undefined : value,
    ),
  }));
  assert.is(await pooledFleetAsks('ssm:GetParameter', parameterArn(premium.name), premium.tags, untagged), 'Allowed', 'without the tag condition');
  assert.throws(
    () => pooledFleetPolicies(['arn:aws:iam::aws:policy/AdministratorAccess']),
    /cannot evaluate/,
    'an unknown managed policy fails the proof by name',
  );
});

I('end users (identity pool) reach their own folder and nothing else of the tenant, apart from the workload role', async () => {
  const t = tenantTemplate('acme-eu');
  const role = t.Resources.tenantIdentityRole!;
  assert.equal(role.Properties.ManagedPolicyArns, undefined, 'no workload policy on the end-user role');
  const policies = (role.Properties.Policies as { PolicyName: string; PolicyDocument: unknown }[]).map((p) => ({
    name: p.PolicyName,
    policy: resolve(p.PolicyDocument, tenantContext('acme-eu')) as never,
  }));
  const user = 'us-east-1:1111-user';
  const asUser = (action: string, resource: string, ctx: Record<string, string> = {}, withBucket = true) =>
    simulate({
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(withBucket ? { resourcePolicy: bucketPolicy as never } : {}),
      request: {
        action,
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/acme-eu-identity/CognitoIdentityCredentials`,
        resource: { accountId: ACCOUNT, resource },
        contextVariables: { 'aws:PrincipalTag/tenant-id': 'acme-eu', 'cognito-identity.amazonaws.com:sub': user, 'aws:SecureTransport': 'true', ...ctx },
      },
    });
  assert.is(await asUser('s3:GetObject', `${BUCKET_ARN}/tenants/acme-eu/users/${user}/avatar.png`), 'Allowed', 'own folder');
  assert.is(await asUser('s3:PutObject', `${BUCKET_ARN}/tenants/acme-eu/users/${user}/avatar.png`), 'Allowed', 'own folder');
  assert.match(await asUser('s3:GetObject', `${BUCKET_ARN}/tenants/acme-eu/users/us-east-1:2222-other/avatar.png`), DENIED, "another user's folder");
  assert.match(await asUser('s3:GetObject', `${BUCKET_ARN}/tenants/acme-eu/reports/q3.pdf`), DENIED, "the tenant's data outside user folders");
  assert.match(await asUser('s3:DeleteObject', `${BUCKET_ARN}/tenants/acme-eu/reports/q3.pdf`), DENIED, "deleting the tenant's data");
  assert.match(await asUser('s3:GetObject', `${BUCKET_ARN}/tenants/acme/users/${user}/avatar.png`), DENIED, 'another tenant');
  assert.match(await asUser('s3:ListBucket', BUCKET_ARN, { 's3:prefix': 'tenants/acme-eu/' }), DENIED, "listing the tenant's prefix");
  assert.is(await asUser('s3:ListBucket', BUCKET_ARN, { 's3:prefix': `tenants/acme-eu/users/${user}/` }), 'Allowed', 'listing its own folder');
  for (const kind of ['ssm parameter', 'secret', 'log group', 'registry item', 'cache user'])
    assert.match(
      await asUser(KINDS[kind]!('acme-eu').action, KINDS[kind]!('acme-eu').resource, KINDS[kind]!('acme-eu').context as Record<string, string>),
      DENIED,
      `an end user on the tenant's ${kind}`,
    );
  // The mutation: the end-user role given the tenant's workload policy, as it was.
  const workload = rolePolicies('acme-eu').map((p) => ({ name: p.name, policy: p.policy as never }));
  const mutated = await simulate({
    identityPolicies: workload,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: bucketPolicy as never,
    request: {
      action: 's3:DeleteObject',
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/acme-eu-identity/CognitoIdentityCredentials`,
      resource: { accountId: ACCOUNT, resource: `${BUCKET_ARN}/tenants/acme-eu/reports/q3.pdf` },
      contextVariables: { 'aws:PrincipalTag/tenant-id': 'acme-eu', 'aws:SecureTransport': 'true' },
    },
  });
  assert.is(mutated, 'Allowed', "with the workload policy an end user deletes the tenant's data");
});

I("an offboarded tenant's role can be assumed by nobody", async () => {
  const offboarded = compiled.plan.tenants.filter((t) => !t.serving.credentials);
  assert.ok(offboarded.length > 0, 'the sample has an offboarded tenant');
  for (const t of offboarded) assert.match(await assume('pooled', t.id, t.id), DENIED, t.id);
});

I("metric filters count only their own tenant's events (another tenant named in an event moves nothing)", () => {
  let checked = 0;
  for (const t of compiled.plan.tenants) {
    for (const r of Object.values(tenantTemplate(t.id).Resources).filter((x) => x.Type === 'AWS::Logs::MetricFilter')) {
      const pattern = String(r.Properties.FilterPattern);
      const event = (tenant: string | undefined) => ({ ...(tenant ? { tenant } : {}), status: 503, latency_ms: 40 });
      assert.ok(matchesFilterPattern(pattern, event(t.id)), `${t.id}: its own event`);
      for (const other of ['hooli', 'acme', t.id.slice(0, -1), `${t.id}-x`])
        if (other !== t.id) assert.not.ok(matchesFilterPattern(pattern, event(other)), `${t.id}: an event naming ${other}`);
      assert.not.ok(matchesFilterPattern(pattern, event(undefined)), `${t.id}: an event naming no tenant`);
      checked++;
    }
  }
  assert.ok(checked >= 2 * compiled.plan.tenants.length, `${checked} filters`);
  // The mutation: the pattern as it was counts any tenant's events.
  assert.ok(matchesFilterPattern('{ $.status >= 500 }', { tenant: 'hooli', status: 503 }));
});

I('every tenant policy names only its own tenant and stays under the managed-policy size limit', () => {
  for (const t of compiled.plan.tenants) {
    const policy = JSON.stringify(rolePolicies(t.id).find((p) => p.name === ownPolicyArn(t.id))!.policy);
    assert.ok(policy.length < MANAGED_POLICY_MAX_CHARS, `${t.id}: ${policy.length} characters`);
    for (const other of compiled.plan.tenants) {
      if (other.id !== t.id)
        assert.not.ok(new RegExp(`[/:"]${other.id}[/:"*]`).test(policy.replaceAll(`tenants/${t.id}`, '')), `${t.id}'s policy names ${other.id}`);
    }
  }
});

I.run();
