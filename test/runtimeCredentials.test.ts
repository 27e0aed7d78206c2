// tenantCredentials: what the pooled fleet asks STS for (aws-sdk-client-mock records
// it), how long it keeps the answer, and what it refuses; and the session policy it
// sends, evaluated with iam-simulate together with the tenant role's compiled policy.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIME_HOSTS_FILE, type RuntimeHostMap } from '../compiler/outputFormat.ts';
import { credentialBroker, SESSION_POLICY_MAX_CHARS, TenantRefusedError, tenantSessionPolicy } from '../runtime/index.ts';
import { isolationEstate } from './support/isolationEstate.ts';
import { ACCOUNT, REGION, resolve } from './support/resolve.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const C = suite('runtime: tenantCredentials');
const compiled = isolationEstate();
const map = JSON.parse(compiled.files.find((f) => f.path === RUNTIME_HOSTS_FILE)!.content) as RuntimeHostMap;
const BUCKET = 'tessera-tenant-data-abc123';
// Made in before() and restored after: suites of one process share the STSClient class
// (the end-to-end suite talks to moto with it).
const mockSts = () => mockClient(STSClient);
let sts: ReturnType<typeof mockSts>;
let clock = Date.parse('2026-12-01T10:00:00Z');
const FLEET_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/tessera-appInstanceRole-XYZ/i-0abc`;

function answer(expiresInMs: number) {
  let n = 0;
  sts.on(AssumeRoleCommand).callsFake(async () => ({
    Credentials: { AccessKeyId: `ASIA${++n}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(clock + expiresInMs) },
  }));
}

const broker = (fleet = 'shared') =>
  credentialBroker({
    map,
    fleet,
    clientConfig: { region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } },
    dataBucket: async () => BUCKET,
    now: () => clock,
  });

C.before(() => {
  sts = mockSts();
});
C.after(() => sts.restore());

C.before.each(() => {
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: FLEET_ARN, Account: ACCOUNT });
  answer(3600_000);
});

C("AssumeRole of the tenant's own role, tagged with its id, with a session policy naming its ARNs only", async () => {
  const c = await broker().tenantCredentials('initech');
  assert.is(c.accessKeyId, 'ASIA1');
  const calls = sts.commandCalls(AssumeRoleCommand);
  assert.is(calls.length, 1);
  const input = calls[0]!.args[0].input;
  assert.is(input.RoleArn, `arn:aws:iam::${ACCOUNT}:role/tessera-tenant-initech`);
  assert.equal(input.Tags, [{ Key: 'tenant-id', Value: 'initech' }]);
  assert.is(input.RoleSessionName, 'tenantc-initech');
  const policy = JSON.parse(input.Policy!);
  assert.equal(
    policy,
    JSON.parse(JSON.stringify(tenantSessionPolicy({ tenant: map.tenants.initech!, partition: 'aws', account: ACCOUNT, region: REGION, bucket: BUCKET }))),
  );
  const text = JSON.stringify(policy);
  for (const other of Object.keys(map.tenants)) if (other !== 'initech') assert.not.ok(new RegExp(`[/:-]${other}[/:*"]`).test(text), `names ${other}`);
});

C('credentials are kept until shortly before they expire, one AssumeRole at a time per tenant', async () => {
  const b = broker();
  const [x, y] = await Promise.all([b.tenantCredentials('initech'), b.tenantCredentials('initech')]);
  assert.is(x, y);
  clock += 50 * 60_000;
  assert.is(await b.tenantCredentials('initech'), x, 'still valid for 10 minutes: kept');
  clock += 6 * 60_000;
  const z = await b.tenantCredentials('initech');
  assert.is.not(z, x, 'within 5 minutes of expiry: renewed');
  assert.is(sts.commandCalls(AssumeRoleCommand).length, 2);
  await b.tenantCredentials('soylent');
  assert.is(sts.commandCalls(AssumeRoleCommand).length, 3, 'each tenant its own session');
  assert.is(sts.commandCalls(GetCallerIdentityCommand).length, 1, 'who the fleet is: asked once');
});

C('a failed AssumeRole is not kept: the next request asks again', async () => {
  sts
    .on(AssumeRoleCommand)
    .rejectsOnce(new Error('throttled'))
    .resolves({ Credentials: { AccessKeyId: 'ASIA9', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(clock + 3600_000) } });
  const b = broker();
  try {
    await b.tenantCredentials('initech');
    assert.unreachable('the first call fails');
  } catch (e) {
    assert.match((e as Error).message, /throttled/);
  }
  assert.is((await b.tenantCredentials('initech')).accessKeyId, 'ASIA9');
});

C('refused: a premium tenant on the pooled fleet, another tenant on a dedicated fleet, an offboarded tenant, an unknown id; nothing asked of STS', async () => {
  const cases: [string, string, string][] = [
    ['shared', 'hooli', 'host-other-fleet'],
    ['hooli', 'initech', 'host-other-fleet'],
    ['hooli', 'acme', 'host-other-fleet'],
    ['shared', 'vandelay', 'tenant-offboarded'],
    ['shared', 'nobody', 'host-unknown'],
    ['shared', 'constructor', 'host-unknown'],
  ];
  for (const [fleet, tenant, reason] of cases) {
    try {
      await broker(fleet).tenantCredentials(tenant);
      assert.unreachable(`${fleet} → ${tenant}`);
    } catch (e) {
      assert.instance(e, TenantRefusedError, `${fleet} → ${tenant}`);
      assert.is((e as TenantRefusedError).refusal.reason, reason);
    }
  }
  assert.is(sts.commandCalls(AssumeRoleCommand).length, 0);
});

C("a dedicated fleet uses its instance's credentials, which must be its tenant's role", async () => {
  sts.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/tessera-tenant-hooli/i-0def`, Account: ACCOUNT });
  const c = await broker('hooli').tenantCredentials('hooli');
  assert.is(c.accessKeyId, 'x', "the fleet's own credentials");
  assert.is(sts.commandCalls(AssumeRoleCommand).length, 0);
  sts.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/tessera-tenant-acme/i-0def`, Account: ACCOUNT });
  try {
    await broker('hooli').tenantCredentials('hooli');
    assert.unreachable('a fleet running as another role');
  } catch (e) {
    assert.instance(e, TenantRefusedError);
  }
});

C("every tenant's session policy fits STS's 2,048-character limit (the longest ids of the estate included)", () => {
  for (const [id, t] of Object.entries(map.tenants)) {
    const long = {
      ...t,
      s3Prefix: `tenants/${'x'.repeat(24)}/`,
      ssmPath: `/${'p'.repeat(30)}/tenants/${'x'.repeat(24)}/`,
      logGroup: `/${'p'.repeat(30)}/tenants/${'x'.repeat(24)}/r9`,
    };
    for (const tenant of [t, long]) {
      const text = JSON.stringify(tenantSessionPolicy({ tenant, partition: 'aws-us-gov', account: ACCOUNT, region: 'ap-southeast-2', bucket: 'b'.repeat(63) }));
      assert.ok(text.length <= SESSION_POLICY_MAX_CHARS, `${id}: ${text.length} characters`);
    }
  }
});

// The session policy with the role's compiled policy: what a session of the pooled fleet
// may do for tenant A, as AWS evaluates it (identity policy ∩ session policy).
const rolePolicy = (id: string) => {
  const t = JSON.parse(compiled.files.find((f) => f.path === `tenants/${id}.template.json`)!.content) as {
    Resources: Record<string, { Properties: Record<string, unknown> }>;
  };
  return resolve(t.Resources.tenantAccessPolicy!.Properties.PolicyDocument, {
    refs: {
      TenantDataBucketName: BUCKET,
      DataKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111-data`,
      RegistryTableName: 'tessera-tenant-registry',
      tenantSecret: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/tessera/tenants/${id}/app-credentials-AbCdEf`,
      'AWS::StackId': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/x/${id}`,
    },
  }) as object;
};
const KINDS: Record<string, (id: string) => { action: string; resource: string; context?: Record<string, string> }> = {
  'object read': (id) => ({ action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/tenants/${id}/files/x` }),
  'object write': (id) => ({ action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/tenants/${id}/files/x` }),
  listing: (id) => ({ action: 's3:ListBucket', resource: `arn:aws:s3:::${BUCKET}`, context: { 's3:prefix': `tenants/${id}/` } }),
  parameter: (id) => ({ action: 'ssm:GetParametersByPath', resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/tessera/tenants/${id}` }),
  secret: (id) => ({
    action: 'secretsmanager:GetSecretValue',
    resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/tessera/tenants/${id}/app-credentials-AbCdEf`,
  }),
  'log stream': (id) => ({ action: 'logs:PutLogEvents', resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/tessera/tenants/${id}:log-stream:i-1` }),
  'cache user': (id) => ({ action: 'elasticache:Connect', resource: `arn:aws:elasticache:${REGION}:${ACCOUNT}:user:tessera-t-${id}` }),
};

async function decide(identity: object, session: object | null, req: { action: string; resource: string; context?: Record<string, string> }, tag: string) {
  const r = await runSimulation(
    {
      identityPolicies: [{ name: 'identity', policy: identity as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(session ? { sessionPolicy: session as never } : {}),
      request: {
        action: req.action,
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/tessera-tenant-${tag}/tenantc-${tag}`,
        resource: { accountId: ACCOUNT, resource: req.resource },
        contextVariables: { 'aws:PrincipalTag/tenant-id': tag, 'aws:SecureTransport': 'true', ...req.context },
      },
    },
    {},
  );
  if (r.resultType === 'error') throw new Error(`${req.action}: ${JSON.stringify(r.errors)}`);
  return r.overallResult;
}
const sessionFor = (id: string) => tenantSessionPolicy({ tenant: map.tenants[id]!, partition: 'aws', account: ACCOUNT, region: REGION, bucket: BUCKET });
const DENIED = /^(Implicitly|Explicitly)Denied$/;

C("the session policy with the compiled role policy: A's own resources allowed, B's denied (acme and acme-eu: ids that are prefixes)", async () => {
  for (const [a, b] of [
    ['initech', 'soylent'],
    ['acme-eu', 'cyberdyne'],
    ['cyberdyne', 'acme-eu'],
  ]) {
    for (const [kind, req] of Object.entries(KINDS)) {
      assert.is(await decide(rolePolicy(a!), sessionFor(a!), req(a!), a!), 'Allowed', `${a} on its own ${kind}`);
      assert.match(await decide(rolePolicy(a!), sessionFor(a!), req(b!), a!), DENIED, `${a} on ${b}'s ${kind}`);
    }
  }
  // The session policy names acme-eu's prefix with its slash: acme's objects are not acme-eu's.
  assert.match(
    await decide(
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
      sessionFor('acme-eu'),
      KINDS['object read']!('acme'),
      'acme-eu',
    ),
    DENIED,
  );
});

C('the session policy alone confines a role broadened by mistake (mutation: no session policy, and the same request is allowed)', async () => {
  const broadened = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:*', 'ssm:*', 'secretsmanager:*', 'logs:*', 'elasticache:*'], Resource: '*' }],
  };
  for (const [kind, req] of Object.entries(KINDS)) {
    assert.match(await decide(broadened, sessionFor('initech'), req('soylent'), 'initech'), DENIED, `session policy: soylent's ${kind}`);
    assert.is(await decide(broadened, null, req('soylent'), 'initech'), 'Allowed', `mutation: no session policy, soylent's ${kind}`);
  }
});

C.run();
