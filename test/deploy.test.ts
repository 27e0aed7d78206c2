// tenantc deploy, path by path, against AWS clients mocked with aws-sdk-client-mock:
// create, update, no changes, the stateful guard (refused replacement and removal,
// --allow-replace), a failure deep in a nested stack reported with its root cause, each
// state a stack can be stuck in, a busy stack, throttling, approval, and the number of
// API calls a one-tenant change makes (which must not grow with the estate).
import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  SetStackPolicyCommand,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateEstate } from '../bench/generateEstate.ts';
import { type DeployReport, type DeployRequest, EXIT_OF, runDeploy } from '../deploy/deploy.ts';
import { stackPolicy } from '../deploy/stackPolicy.ts';
import { flagAllow, formatAllow, parseAllow, type Allow } from '../compiler/allow.ts';
import { Interrupted } from '../deploy/clock.ts';
import { rootCause } from '../deploy/execute.ts';
import { FIXTURES, listTree, runMain } from './helpers.ts';
import { body, deployRequest, event, fakeClock, mockedAws, nestedId, resourceChange, ROOT_ID, stackEvent } from './support/deployFakes.ts';

const D = suite('deploy');
const work = mkdtempSync(join(tmpdir(), 'tenantc-deploy-test-'));
const OUT = join(work, 'out');
const GROUP_ID = nestedId('group0');
const ACME_ID = nestedId('acme');

// The base estate with vandelay (removed on 2026-10-01) restored by another identity, as
// the review saw it; and the same id taken past a lock edited to forget the removal.
const OUT_RESTORED = join(work, 'out-restored');
const OUT_REUSED = join(work, 'out-reused');
const DIFF_CASES = join(FIXTURES, 'diff', 'cases');

D.before(async () => {
  const r = await runMain(['compile', '--locked', '--tenants', join(FIXTURES, 'diff', 'base'), '--out', OUT]);
  assert.is(r.status, 0, r.stderr);
  for (const [name, out] of [
    ['restored-by-another-identity', OUT_RESTORED],
    ['restored-past-an-edited-lock', OUT_REUSED],
  ] as const) {
    const tenants = join(work, `tenants-${name}`);
    cpSync(join(FIXTURES, 'diff', 'base'), tenants, { recursive: true });
    cpSync(join(DIFF_CASES, name, 'head'), tenants, { recursive: true });
    const c = await runMain(['compile', '--tenants', tenants, '--out', out]);
    assert.is(c.status, 0, c.stderr);
  }
});
D.after(() => rmSync(work, { recursive: true, force: true }));

const request = (more: Partial<DeployRequest> = {}): DeployRequest => deployRequest(OUT, work, more);

/** `--allow-replace TARGET` / `--allow-remove TARGET`. */
const allowReplace = (target: string): Allow => flagAllow('replacement', target) as Allow;
const allowRemove = (target: string): Allow => flagAllow('removal', target) as Allow;

interface Captured {
  report: DeployReport;
  out: string;
}

async function deploy(
  aws: Parameters<typeof runDeploy>[0],
  more: Partial<DeployRequest> = {},
  prompt?: (q: string) => Promise<string>,
  signal?: AbortSignal,
): Promise<Captured> {
  let out = '';
  const report = await runDeploy(
    aws,
    request(more),
    { step: (t) => (out += `==> ${t}\n`), line: (t) => (out += `${t}\n`) },
    { ...(prompt ? { prompt } : {}), ...(signal ? { signal } : {}) },
  );
  return { report, out };
}

const manifest = () =>
  JSON.parse(readFileSync(join(OUT, 'assets.json'), 'utf8')) as {
    root: { key: string };
    nested: { key: string; stack: string; tenant?: string; file: string }[];
    domains: { key: string }[];
  };

/** A stack that exists and is ready, and the bucket records the last deploy's manifest. */
function readyStack(m: ReturnType<typeof mockedAws>, status = 'UPDATE_COMPLETE', record: string | null = readFileSync(join(OUT, 'assets.json'), 'utf8')) {
  m.cfn.on(DescribeStacksCommand).resolves({
    Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: status as never, CreationTime: new Date(), EnableTerminationProtection: true }],
  });
  if (record === null) m.s3.on(GetObjectCommand).rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' }));
  else m.s3.on(GetObjectCommand).resolves({ Body: body(record) });
  bucketHoldsItsKeys(m);
  m.s3.on(PutObjectCommand).resolves({});
  m.cfn.on(CreateChangeSetCommand).resolves({ Id: 'cs-root', StackId: ROOT_ID });
  m.cfn.on(DeleteChangeSetCommand).resolves({});
  m.cfn.on(SetStackPolicyCommand).resolves({});
  issuedStages(m);
}

/**
 * The bucket holds every template key with the bytes its name says: HEAD answers with
 * the SHA-256 S3 stored at upload (the key's hex digest, in base64), as S3 does for an
 * object uploaded with ChecksumSHA256.
 */
function bucketHoldsItsKeys(m: ReturnType<typeof mockedAws>) {
  m.s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    const hex = /^tenantc\/([0-9a-f]{64})\.template\.json$/.exec(input.Key)?.[1];
    if (!hex) throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    return { ChecksumSHA256: Buffer.from(hex, 'hex').toString('base64') };
  });
}

/** The domain stages of the base estate's own-DNS tenants (acme delegated, umbrella external): issued, nothing to update. */
function issuedStages(m: ReturnType<typeof mockedAws>) {
  for (const tenant of ['acme', 'umbrella']) {
    const name = `tessera-domain-${tenant}`;
    m.cfn.on(DescribeStacksCommand, { StackName: name }).resolves({
      Stacks: [{ StackName: name, StackId: nestedId(`domain-${tenant}`), StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
    });
    m.cfn.on(UpdateStackCommand, { StackName: name }).rejects(Object.assign(new Error('No updates are to be performed.'), { name: 'ValidationError' }));
    m.cfn.on(DescribeStackEventsCommand, { StackName: name }).resolves({ StackEvents: [] });
  }
  m.cfn.on(DescribeStackResourceCommand, { StackName: 'tessera', LogicalResourceId: 'tenantGroup0Stack' }).resolves({
    StackResourceDetail: { PhysicalResourceId: GROUP_ID } as never,
  });
  m.cfn.on(DescribeStackResourceCommand, { StackName: GROUP_ID, LogicalResourceId: 'tenantAcmeStack' }).resolves({
    StackResourceDetail: { PhysicalResourceId: ACME_ID } as never,
  });
  m.cfn.on(DescribeStackResourceCommand, { StackName: ACME_ID, LogicalResourceId: 'tenantHostedZone' }).resolves({
    StackResourceDetail: { PhysicalResourceId: 'Z0ACME' } as never,
  });
  m.cfn.on(DescribeStacksCommand, { StackName: ACME_ID }).resolves({
    Stacks: [
      {
        StackName: 'acme',
        StackId: ACME_ID,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [{ OutputKey: 'NameServers', OutputValue: 'ns-1.awsdns-01.org,ns-2.awsdns-02.net' }],
      },
    ],
  });
}

/** The change set tree: the root updates group 0, which updates acme's stack, whose changes are given. */
function changeSetTree(
  m: ReturnType<typeof mockedAws>,
  acmeChanges: ReturnType<typeof resourceChange>[],
  groupChanges: ReturnType<typeof resourceChange>[] = [],
) {
  m.cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'cs-root' }).resolves({
    Status: 'CREATE_COMPLETE',
    StackId: ROOT_ID,
    Changes: [resourceChange('Modify', 'tenantGroup0Stack', 'AWS::CloudFormation::Stack', { ChangeSetId: 'cs-group0', PhysicalResourceId: GROUP_ID })],
  });
  m.cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'cs-group0' }).resolves({
    Status: 'CREATE_COMPLETE',
    StackId: GROUP_ID,
    Changes: [
      ...(acmeChanges.length
        ? [resourceChange('Modify', 'tenantAcmeStack', 'AWS::CloudFormation::Stack', { ChangeSetId: 'cs-acme', PhysicalResourceId: ACME_ID })]
        : []),
      ...groupChanges,
    ],
  });
  m.cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'cs-acme' }).resolves({ Status: 'CREATE_COMPLETE', StackId: ACME_ID, Changes: acmeChanges });
  changeSetHoldsOutput(m);
}

/** A rollout that succeeds: the root goes UPDATE_IN_PROGRESS → UPDATE_COMPLETE, its nested stacks with it. */
function successfulRollout(m: ReturnType<typeof mockedAws>, final = 'UPDATE_COMPLETE') {
  const old = stackEvent(ROOT_ID, 'UPDATE_COMPLETE', 0);
  const events = [
    stackEvent(ROOT_ID, final, 9),
    event(ROOT_ID, 'tenantGroup0Stack', 'AWS::CloudFormation::Stack', 'UPDATE_COMPLETE', 8, { PhysicalResourceId: GROUP_ID }),
    event(ROOT_ID, 'tenantGroup0Stack', 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 2, { PhysicalResourceId: GROUP_ID }),
    stackEvent(ROOT_ID, final.replace('COMPLETE', 'IN_PROGRESS'), 1),
    old,
  ];
  m.cfn
    .on(DescribeStackEventsCommand, { StackName: ROOT_ID })
    .resolvesOnce({ StackEvents: [old] })
    .resolves({ StackEvents: events });
  m.cfn.on(DescribeStackEventsCommand, { StackName: GROUP_ID }).resolves({
    StackEvents: [
      stackEvent(GROUP_ID, 'UPDATE_COMPLETE', 7),
      event(GROUP_ID, 'tenantAcmeStack', 'AWS::CloudFormation::Stack', 'UPDATE_COMPLETE', 6, { PhysicalResourceId: ACME_ID }),
      stackEvent(GROUP_ID, 'UPDATE_IN_PROGRESS', 3),
    ],
  });
  m.cfn.on(DescribeStackEventsCommand, { StackName: ACME_ID }).resolves({
    StackEvents: [
      stackEvent(ACME_ID, 'UPDATE_COMPLETE', 5),
      event(ACME_ID, 'tenantLogGroup', 'AWS::Logs::LogGroup', 'UPDATE_COMPLETE', 4),
      stackEvent(ACME_ID, 'UPDATE_IN_PROGRESS', 3),
    ],
  });
  m.cfn.on(ExecuteChangeSetCommand).resolves({});
}

D(
  'update: only templates new since the last deploy are checked and uploaded; executes, follows nested stacks, re-applies the policy, records the deploy',
  async () => {
    const m = mockedAws(fakeClock());
    try {
      // The last deploy lacked acme's current template: that key alone is new.
      const current = manifest();
      const acmeKey = current.nested.find((t) => t.stack.endsWith('tenantAcmeStack'))!.key;
      const old = 'tenantc/0000000000000000000000000000000000000000000000000000000000000000.template.json';
      readyStack(m, 'UPDATE_COMPLETE', JSON.stringify({ ...current, nested: current.nested.map((t) => (t.key === acmeKey ? { ...t, key: old } : t)) }));
      m.s3.on(HeadObjectCommand, { Key: acmeKey }).rejects(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }));
      changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False', Scope: ['Properties'] })]);
      successfulRollout(m);
      const { report, out } = await deploy(m.aws);
      assert.is(report.outcome, 'deployed', out);
      const groupKey = current.nested.find((t) => t.stack === 'tenantGroup0Stack')!.key;
      const heads = m.s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.Key);
      assert.equal(
        [heads[0], ...heads.slice(1).sort()],
        // The key new since the record, before uploading; then the keys the record vouched
        // for of the stacks the change set changes (root, group 0), proven before review.
        [acmeKey, ...[current.root.key, groupKey].sort()],
      );
      assert.ok(m.s3.commandCalls(HeadObjectCommand).every((c) => c.args[0].input.ChecksumMode === 'ENABLED'));
      const puts = m.s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
      assert.equal(puts, [acmeKey, 'tenantc/deployed/tessera.assets.json'], 'the new template, then the record of this deploy');
      const create = m.cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input;
      assert.is(create.ChangeSetType, 'UPDATE');
      assert.is(create.IncludeNestedStacks, true);
      assert.ok(create.Capabilities!.includes('CAPABILITY_NAMED_IAM'));
      assert.is(create.TemplateURL, `https://tessera-assets.s3.us-east-1.amazonaws.com/${manifest().root.key}`);
      assert.equal(create.Parameters, [{ ParameterKey: 'AssetsBucketName', ParameterValue: 'tessera-assets' }]);
      assert.match(out, 'tenant acme (tenantGroup0Stack/tenantAcmeStack)');
      assert.match(out, '[~] tenantLogGroup AWS::Logs::LogGroup');
      assert.match(out, '[3/3 00:00] tenant acme: tenantLogGroup AWS::Logs::LogGroup UPDATE_COMPLETE', 'progress counts the resources of the whole change set');
      assert.equal(
        m.cfn.commandCalls(SetStackPolicyCommand).map((c) => c.args[0].input.StackName),
        [ROOT_ID],
      );
      assert.is(m.cfn.commandCalls(UpdateTerminationProtectionCommand).length, 0, 'already protected');
    } finally {
      m.restore();
    }
  },
);

D(
  'uploads carry their SHA-256 and If-None-Match: *; a key found in the bucket (HEAD, or a 412 from the conditional write) is proven, and other bytes under it stop the deploy before any change set',
  async () => {
    const current = manifest();
    const acmeKey = current.nested.find((t) => t.stack.endsWith('tenantAcmeStack'))!.key;
    const right = Buffer.from(/([0-9a-f]{64})/.exec(acmeKey)![1]!, 'hex').toString('base64');
    const wrong = createHash('sha256').update('a role for someone else').digest('base64');
    const notFound = () => Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    const exists = () =>
      Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      });
    const cases: [string, (m: ReturnType<typeof mockedAws>) => void, string, number][] = [
      ['new key: uploaded, conditional and checksummed', (m) => m.s3.on(HeadObjectCommand, { Key: acmeKey }).rejects(notFound()), 'deployed', 1],
      ['present with its bytes: proven, not uploaded', (m) => m.s3.on(HeadObjectCommand, { Key: acmeKey }).resolves({ ChecksumSHA256: right }), 'deployed', 0],
      ['present with other bytes', (m) => m.s3.on(HeadObjectCommand, { Key: acmeKey }).resolves({ ChecksumSHA256: wrong }), 'refused', 0],
      [
        'written by another between HEAD and PUT, with its bytes',
        (m) => {
          m.s3.on(HeadObjectCommand, { Key: acmeKey }).rejectsOnce(notFound()).resolves({ ChecksumSHA256: right });
          m.s3.on(PutObjectCommand, { Key: acmeKey }).rejects(exists());
        },
        'deployed',
        1,
      ],
      [
        'written by another between HEAD and PUT, with other bytes',
        (m) => {
          m.s3.on(HeadObjectCommand, { Key: acmeKey }).rejectsOnce(notFound()).resolves({ ChecksumSHA256: wrong });
          m.s3.on(PutObjectCommand, { Key: acmeKey }).rejects(exists());
        },
        'refused',
        1,
      ],
    ];
    for (const [label, bucket, outcome, puts] of cases) {
      const m = mockedAws(fakeClock());
      try {
        const old = 'tenantc/0000000000000000000000000000000000000000000000000000000000000000.template.json';
        readyStack(m, 'UPDATE_COMPLETE', JSON.stringify({ ...current, nested: current.nested.map((t) => (t.key === acmeKey ? { ...t, key: old } : t)) }));
        bucket(m);
        changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False', Scope: ['Properties'] })]);
        successfulRollout(m);
        const { report, out } = await deploy(m.aws);
        assert.is(report.outcome, outcome, `${label}: ${out}`);
        const templatePuts = m.s3.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.Key === acmeKey);
        assert.is(templatePuts.length, puts, label);
        for (const p of templatePuts) {
          assert.is(p.args[0].input.IfNoneMatch, '*', `${label}: never written over`);
          assert.is(p.args[0].input.ChecksumSHA256, right, `${label}: S3 checks and keeps the SHA-256`);
          const sent = createHash('sha256')
            .update(p.args[0].input.Body as Uint8Array)
            .digest('base64');
          assert.is(p.args[0].input.ChecksumSHA256, sent, `${label}: the checksum (read from the key) is that of the bytes sent`);
        }
        if (outcome === 'refused') {
          assert.match(report.message, "not this output's bytes", label);
          assert.match(report.message, acmeKey, label);
          assert.is(m.cfn.commandCalls(CreateChangeSetCommand).length, 0, `${label}: no change set made from other bytes`);
          assert.is(EXIT_OF[report.outcome], 3);
        }
      } finally {
        m.restore();
      }
    }
  },
);

D('a change set made now is proven against the bucket: a key the record vouched for, overwritten since, refuses it (deleted, nothing executed)', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    const groupKey = manifest().nested.find((t) => t.stack === 'tenantGroup0Stack')!.key;
    // Someone with bucket write put other bytes under group 0's key: CloudFormation read them into the change set.
    m.s3.on(HeadObjectCommand, { Key: groupKey }).resolves({ ChecksumSHA256: createHash('sha256').update('{"Resources":{}}').digest('base64') });
    changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
    successfulRollout(m);
    const { report, out } = await deploy(m.aws);
    assert.is(report.outcome, 'refused', out);
    assert.match(report.message, `${groupKey} (groups/group-0.template.json): its SHA-256 is`);
    assert.is(m.cfn.commandCalls(ExecuteChangeSetCommand).length, 0);
    assert.is(m.cfn.commandCalls(DeleteChangeSetCommand).length, 1, 'the change set this run made is deleted');
  } finally {
    m.restore();
  }
});

D('an allow that lifts nothing in this change set is stale: refused (exit 3), the change set deleted, nothing executed', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
    successfulRollout(m);
    const { report, out } = await deploy(m.aws, { allows: [allowReplace('tenant:acme/tenantUserPool')] });
    assert.is(report.outcome, 'refused', out);
    assert.match(report.message, 'an allow matches nothing this deploy would refuse ("replacement tenant:acme/tenantUserPool")');
    assert.is(m.cfn.commandCalls(ExecuteChangeSetCommand).length, 0);
    assert.is(m.cfn.commandCalls(DeleteChangeSetCommand).length, 1);
  } finally {
    m.restore();
  }
});

D('create: a new stack; with no record the bucket is listed once; termination protection and the policy are set', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m, 'UPDATE_COMPLETE', null);
    m.cfn
      .on(DescribeStacksCommand)
      .rejectsOnce(Object.assign(new Error('Stack with id tessera does not exist'), { name: 'ValidationError' }))
      .resolves({ Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
    m.s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: manifest().nested[0]!.key }], IsTruncated: false });
    m.cfn
      .on(DescribeChangeSetCommand, { ChangeSetName: 'cs-root' })
      .resolves({ Status: 'CREATE_COMPLETE', StackId: ROOT_ID, Changes: [resourceChange('Add', 'platformVpc', 'AWS::EC2::VPC')] });
    m.cfn.on(UpdateTerminationProtectionCommand).resolves({});
    successfulRollout(m, 'CREATE_COMPLETE');
    const { report, out } = await deploy(m.aws);
    assert.is(report.outcome, 'deployed', out);
    assert.is(m.cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.ChangeSetType, 'CREATE');
    assert.is(m.s3.commandCalls(ListObjectsV2Command).length, 1);
    assert.is(
      m.s3.commandCalls(PutObjectCommand).length,
      manifest().nested.length + manifest().domains.length + 1 - 1 + 1,
      'every template (domain stages too) but the one listed, then the record',
    );
    assert.equal(m.cfn.commandCalls(UpdateTerminationProtectionCommand)[0]!.args[0].input, { StackName: ROOT_ID, EnableTerminationProtection: true });
    assert.is(m.cfn.commandCalls(SetStackPolicyCommand)[0]!.args[0].input.StackPolicyBody, stackPolicy());
  } finally {
    m.restore();
  }
});

D("no changes: recognised from the change set's status and reason, the empty change set deleted, exit 0, nothing executed", async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    m.cfn.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set.",
      StackId: ROOT_ID,
    });
    const { report, out } = await deploy(m.aws);
    assert.is(report.outcome, 'no-changes');
    assert.match(out, 'No changes: stack tessera already matches');
    assert.is(m.cfn.commandCalls(DeleteChangeSetCommand).length, 1);
    assert.is(m.cfn.commandCalls(ExecuteChangeSetCommand).length, 0);
  } finally {
    m.restore();
  }
});

D('a change set that fails for another reason is reported with it and deleted', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    m.cfn
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_IN_PROGRESS' })
      .resolves({ Status: 'FAILED', StatusReason: 'Template error: instance of Fn::GetAtt references undefined resource x', StackId: ROOT_ID });
    const { report } = await deploy(m.aws);
    assert.is(report.outcome, 'failed');
    assert.match(report.message, 'Template error: instance of Fn::GetAtt references undefined resource x');
    assert.is(m.cfn.commandCalls(DeleteChangeSetCommand).length, 1);
  } finally {
    m.restore();
  }
});

D("guard: replacing a tenant's user pool is refused, the change set deleted, nothing executed, and the way to allow it printed", async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    changeSetTree(m, [
      resourceChange('Modify', 'tenantUserPool', 'AWS::Cognito::UserPool', { Replacement: 'True', PolicyAction: 'ReplaceAndRetain' }),
      resourceChange('Modify', 'tenantUserPoolDomain', 'AWS::Cognito::UserPoolDomain', { Replacement: 'True' }),
    ]);
    const { report, out } = await deploy(m.aws);
    assert.is(report.outcome, 'refused');
    assert.equal(
      report.guard!.refused.map((f) => `${f.kind} ${f.tenant} ${f.logicalId}`),
      ['replace acme tenantUserPool'],
      'a stateless replacement is not refused',
    );
    assert.match(out, 'replaces tenantUserPool (AWS::Cognito::UserPool) in tenant acme (tenantGroup0Stack/tenantAcmeStack)');
    assert.match(out, '--allow-replace tenant:acme/tenantUserPool');
    assert.match(out, 'tenantc-allow: replacement tenant:acme/tenantUserPool: <why>');
    assert.match(out, /\[~\] tenantUserPool\s+AWS::Cognito::UserPool\s+Replacement: True/);
    assert.is(m.cfn.commandCalls(DeleteChangeSetCommand).length, 1);
    assert.is(m.cfn.commandCalls(ExecuteChangeSetCommand).length, 0);
  } finally {
    m.restore();
  }
});

D("guard: removing a tenant's nested stack (and with it its data) is refused unless named", async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    changeSetTree(m, [], [resourceChange('Remove', 'tenantGlobexStack', 'AWS::CloudFormation::Stack', { PolicyAction: 'Delete' })]);
    const refused = await deploy(m.aws);
    assert.is(refused.report.outcome, 'refused');
    assert.equal(
      refused.report.guard!.refused.map((f) => `${f.kind} ${f.tenant} ${f.logicalId}`),
      ['remove globex tenantGlobexStack'],
    );
    assert.match(refused.out, '--allow-remove tenant:globex');
  } finally {
    m.restore();
  }
});

D("--allow-replace tenant:ID: executes, with the stack policy of that tenant's stack relaxed for that resource only, and restored", async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    changeSetTree(m, [resourceChange('Modify', 'tenantUserPool', 'AWS::Cognito::UserPool', { Replacement: 'Conditional' })]);
    successfulRollout(m);
    const { report, out } = await deploy(m.aws, { allows: [allowReplace('tenant:acme')] });
    assert.is(report.outcome, 'deployed', out);
    assert.match(
      out,
      'allowed: replaces tenantUserPool (AWS::Cognito::UserPool) in tenant acme (tenantGroup0Stack/tenantAcmeStack), by "replacement tenant:acme"',
    );
    const policies = m.cfn.commandCalls(SetStackPolicyCommand).map((c) => [c.args[0].input.StackName, JSON.parse(c.args[0].input.StackPolicyBody!)]);
    assert.is(policies[0]![0], ACME_ID);
    assert.equal(policies[0]![1].Statement[1].NotResource, ['LogicalResourceId/tenantUserPool'], 'relaxed for that resource only');
    assert.equal(policies[1], [ACME_ID, JSON.parse(stackPolicy())], 'restored after the rollout');
    const executed = m.cfn.commandCalls(ExecuteChangeSetCommand)[0]!;
    assert.ok(executed.calledAfter(m.cfn.commandCalls(SetStackPolicyCommand)[0]!) && m.cfn.commandCalls(SetStackPolicyCommand)[1]!.calledAfter(executed));
  } finally {
    m.restore();
  }
});

D(
  'overlapping allows (a tenant and one of its resources, replacement and stateful): each is used, none refused as stale, as the review counts them',
  async () => {
    const m = mockedAws(fakeClock());
    try {
      readyStack(m);
      changeSetTree(m, [resourceChange('Modify', 'tenantUserPool', 'AWS::Cognito::UserPool', { Replacement: 'True' })]);
      successfulRollout(m);
      const reason = 'pool recreated for the new sign-in domain (CHG-14)';
      const allows = [
        allowReplace('tenant:acme'),
        parseAllow(`replacement tenant:acme/tenantUserPool: ${reason}`) as Allow,
        parseAllow(`stateful tenant:acme/tenantUserPool: ${reason}`) as Allow,
      ];
      const { report, out } = await deploy(m.aws, { allows });
      assert.is(report.outcome, 'deployed', out);
      assert.equal(
        report.guard!.allowed.map((f) => f.allowedBy),
        [['replacement tenant:acme', `replacement tenant:acme/tenantUserPool: ${reason}`, `stateful tenant:acme/tenantUserPool: ${reason}`]],
      );
      assert.match(out, `by "replacement tenant:acme", "replacement tenant:acme/tenantUserPool: ${reason}", "stateful tenant:acme/tenantUserPool: ${reason}"`);
      assert.is(m.cfn.commandCalls(ExecuteChangeSetCommand).length, 1);
      // Overlap is not staleness: an allow beside them that covers nothing is still refused, alone.
      const withStale = await deploy(m.aws, { allows: [...allows, allowReplace('tenant:globex')] });
      assert.is(withStale.report.outcome, 'refused', withStale.out);
      assert.match(withStale.report.message, 'an allow matches nothing this deploy would refuse ("replacement tenant:globex")');
    } finally {
      m.restore();
    }
  },
);

D('a replacement of what holds no data (a certificate) is not refused, and the allow the review asked for it is used, not stale', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    changeSetTree(m, [resourceChange('Modify', 'tenantCertificate', 'AWS::CertificateManager::Certificate', { Replacement: 'True' })]);
    successfulRollout(m);
    // The review's finding: "replacement tenant:acme: tenants/acme.template.json tenantCertificate ... is replaced".
    const reviewed = parseAllow('replacement tenant:acme: the sign-in domain is renamed (CHG-21)') as Allow;
    const { report, out } = await deploy(m.aws, { allows: [reviewed] });
    assert.is(report.outcome, 'deployed', out);
    assert.equal(report.guard!.allowed, [], 'nothing holding data: no stack policy relaxed');
    assert.equal(
      report.guard!.named.map((f) => `${f.kind} ${f.logicalId} by ${f.allowedBy.join(', ')}`),
      ['replace tenantCertificate by replacement tenant:acme: the sign-in domain is renamed (CHG-21)'],
    );
    assert.match(out, 'named: replaces tenantCertificate (AWS::CertificateManager::Certificate) in tenant acme');
    for (const c of m.cfn.commandCalls(SetStackPolicyCommand)) assert.is(c.args[0].input.StackPolicyBody, stackPolicy(), 'no policy relaxed for it');
    // Matched as the review matches it: a stateful allow names no certificate, so it is stale.
    const wrongKind = await deploy(m.aws, { allows: [reviewed, flagAllow('stateful', 'tenant:acme/tenantCertificate') as Allow] });
    assert.is(wrongKind.report.outcome, 'refused', wrongKind.out);
    assert.match(wrongKind.report.message, 'an allow matches nothing this deploy would refuse ("stateful tenant:acme/tenantCertificate")');
  } finally {
    m.restore();
  }
});

D('a failure deep in a nested stack: the root cause is the first failure that is not a cascade, named by tenant', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    changeSetTree(m, [resourceChange('Modify', 'tenantCertificate', 'AWS::CertificateManager::Certificate', { Replacement: 'True' })]);
    const old = stackEvent(ROOT_ID, 'UPDATE_COMPLETE', 0);
    m.cfn
      .on(DescribeStackEventsCommand, { StackName: ROOT_ID })
      .resolvesOnce({ StackEvents: [old] })
      .resolves({
        StackEvents: [
          stackEvent(ROOT_ID, 'UPDATE_ROLLBACK_COMPLETE', 20),
          stackEvent(ROOT_ID, 'UPDATE_ROLLBACK_IN_PROGRESS', 12, 'The following resource(s) failed to update: [tenantGroup0Stack].'),
          event(ROOT_ID, 'tenantGroup0Stack', 'AWS::CloudFormation::Stack', 'UPDATE_FAILED', 11, {
            PhysicalResourceId: GROUP_ID,
            ResourceStatusReason: 'Embedded stack arn:...group0 was not successfully updated.',
          }),
          event(ROOT_ID, 'tenantGroup0Stack', 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 2, { PhysicalResourceId: GROUP_ID }),
          stackEvent(ROOT_ID, 'UPDATE_IN_PROGRESS', 1),
          old,
        ],
      });
    m.cfn.on(DescribeStackEventsCommand, { StackName: GROUP_ID }).resolves({
      StackEvents: [
        stackEvent(GROUP_ID, 'UPDATE_ROLLBACK_COMPLETE', 19),
        event(GROUP_ID, 'tenantAcmeStack', 'AWS::CloudFormation::Stack', 'UPDATE_FAILED', 10, {
          PhysicalResourceId: ACME_ID,
          ResourceStatusReason: 'Embedded stack arn:...acme was not successfully updated.',
        }),
        event(GROUP_ID, 'tenantUmbrellaStack', 'AWS::CloudFormation::Stack', 'UPDATE_FAILED', 10, {
          PhysicalResourceId: nestedId('umbrella'),
          ResourceStatusReason: 'Resource update cancelled',
        }),
        stackEvent(GROUP_ID, 'UPDATE_IN_PROGRESS', 3),
      ],
    });
    m.cfn.on(DescribeStackEventsCommand, { StackName: nestedId('umbrella') }).resolves({
      StackEvents: [
        stackEvent(nestedId('umbrella'), 'UPDATE_ROLLBACK_COMPLETE', 17),
        event(nestedId('umbrella'), 'tenantLogGroup', 'AWS::Logs::LogGroup', 'UPDATE_FAILED', 10, { ResourceStatusReason: 'Resource update cancelled' }),
      ],
    });
    m.cfn.on(DescribeStackEventsCommand, { StackName: ACME_ID }).resolves({
      StackEvents: [
        stackEvent(ACME_ID, 'UPDATE_ROLLBACK_COMPLETE', 18),
        event(ACME_ID, 'tenantCertificate', 'AWS::CertificateManager::Certificate', 'CREATE_FAILED', 9, {
          ResourceStatusReason:
            'Resource handler returned message: "DNS validation record for login.acme.com could not be created: the zone acme.com is not delegated"',
        }),
        event(ACME_ID, 'tenantCertificate', 'AWS::CertificateManager::Certificate', 'CREATE_IN_PROGRESS', 4),
        stackEvent(ACME_ID, 'UPDATE_IN_PROGRESS', 3),
      ],
    });
    m.cfn.on(ExecuteChangeSetCommand).resolves({});
    m.cfn
      .on(DescribeStacksCommand)
      .resolvesOnce({
        Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), EnableTerminationProtection: true }],
      })
      .resolves({
        Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'UPDATE_ROLLBACK_COMPLETE', CreationTime: new Date() }],
      });
    // Its domain stage is issued (the gate lets the replacement through); the rollout fails anyway.
    issuedStages(m);
    const { report, out } = await deploy(m.aws);
    assert.is(report.outcome, 'failed');
    assert.equal(report.rootCause, {
      path: 'tenantGroup0Stack/tenantAcmeStack',
      tenant: 'acme',
      logicalId: 'tenantCertificate',
      type: 'AWS::CertificateManager::Certificate',
      status: 'CREATE_FAILED',
      reason: 'Resource handler returned message: "DNS validation record for login.acme.com could not be created: the zone acme.com is not delegated"',
    });
    assert.match(out, 'root cause: tenant acme (tenantGroup0Stack/tenantAcmeStack): tenantCertificate (AWS::CertificateManager::Certificate) CREATE_FAILED:');
    assert.match(out, 'deploy failed: stack tessera is UPDATE_ROLLBACK_COMPLETE (rolled back: the stack is as it was before)');
    assert.is(
      m.s3.commandCalls(PutObjectCommand).filter((c) => String(c.args[0].input.Key).startsWith('tenantc/deployed/')).length,
      0,
      'a failed rollout is not recorded as deployed',
    );
  } finally {
    m.restore();
  }
});

D('root cause: a cascade recorded before the failure that caused it (clocks of nested stacks differ) is passed over', () => {
  const f = (path: string, reason: string, at: number) => ({ path, tenant: null, logicalId: 'x', type: 'T', status: 'CREATE_FAILED', reason, at });
  assert.is(
    rootCause([
      f('g/a', 'Resource creation cancelled', 1000),
      f('g', 'Embedded stack arn:... was not successfully created', 1001),
      f('g/b', 'Bucket name already exists', 1002),
    ])!.reason,
    'Bucket name already exists',
  );
  // Two real failures at the same instant: the deeper one, closer to the cause.
  assert.is(rootCause([f('g', 'Limit exceeded', 5), f('g/b', 'Invalid parameter', 5)])!.path, 'g/b');
  // Only cascades: the earliest is still shown rather than nothing.
  assert.is(rootCause([f('', 'The following resource(s) failed to update: [g].', 7)])!.path, '');
  assert.is(rootCause([]), null);
});

D('stuck states: each is explained and nothing is created', async () => {
  const cases: [string, RegExp][] = [
    ['ROLLBACK_COMPLETE', /first create failed and rolled back[\s\S]*--replace-failed/],
    ['UPDATE_ROLLBACK_FAILED', /continue-update-rollback --stack-name tessera/],
    ['UPDATE_IN_PROGRESS', /is busy: UPDATE_IN_PROGRESS since .*Another deploy.*\(--no-wait: not waiting\)/],
    ['DELETE_FAILED', /is DELETE_FAILED/],
  ];
  for (const [status, explained] of cases) {
    const m = mockedAws(fakeClock());
    try {
      m.cfn
        .on(DescribeStacksCommand)
        .resolves({ Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: status as never, StackStatusReason: 'x', CreationTime: new Date() }] });
      const { report } = await deploy(m.aws, { wait: false });
      assert.is(report.outcome, 'blocked', status);
      assert.is(EXIT_OF[report.outcome], 1);
      assert.match(report.message, explained, status);
      assert.is(m.cfn.commandCalls(CreateChangeSetCommand).length, 0, status);
      assert.is(m.s3.calls().length, 0, `${status}: nothing uploaded`);
    } finally {
      m.restore();
    }
  }
});

D('--replace-failed: a stack whose first create rolled back is deleted, then created anew', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m, 'UPDATE_COMPLETE', null);
    m.cfn
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }] })
      .resolvesOnce({ Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'DELETE_IN_PROGRESS', CreationTime: new Date() }] })
      .resolvesOnce({ Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'DELETE_COMPLETE', CreationTime: new Date() }] })
      .resolves({ Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
    m.cfn.on(DeleteStackCommand).resolves({});
    m.s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
    m.cfn
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'CREATE_COMPLETE', StackId: ROOT_ID, Changes: [resourceChange('Add', 'platformVpc', 'AWS::EC2::VPC')] });
    m.cfn.on(UpdateTerminationProtectionCommand).resolves({});
    successfulRollout(m, 'CREATE_COMPLETE');
    const { report, out } = await deploy(m.aws, { replaceFailed: true });
    assert.is(report.outcome, 'deployed', out);
    assert.ok(m.cfn.commandCalls(DeleteStackCommand)[0]!.calledBefore(m.cfn.commandCalls(CreateChangeSetCommand)[0]!));
    assert.is(m.cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.ChangeSetType, 'CREATE');
  } finally {
    m.restore();
  }
});

D('an AWS error the SDK gave up on ends the deploy with a report naming the step and the error, never a throw', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    m.cfn.on(CreateChangeSetCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    const { report, out } = await deploy(m.aws);
    assert.is(report.outcome, 'failed');
    assert.is(EXIT_OF[report.outcome], 1);
    assert.match(report.error!.step, /^Creating change set tenantc-/);
    assert.is(report.error!.message, 'AWS Throttling (HTTP 400): Rate exceeded');
    assert.match(out, /deploy failed: Creating change set tenantc-\S+ \(UPDATE, with nested stacks\): AWS Throttling \(HTTP 400\): Rate exceeded/);
  } finally {
    m.restore();
  }
});

D('an assets bucket that does not exist: one line naming bootstrap', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    m.s3
      .on(GetObjectCommand)
      .rejects(Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }));
    const { report } = await deploy(m.aws);
    assert.is(report.outcome, 'failed');
    assert.is(
      report.error!.message,
      'bucket tessera-assets does not exist: run `tenantc bootstrap --assets-bucket tessera-assets` once in this account and Region, then deploy again',
    );
    assert.is(m.cfn.commandCalls(CreateChangeSetCommand).length, 0);
  } finally {
    m.restore();
  }
});

D('approval: never a prompt without a terminal; a "no" at the prompt executes nothing; --no-execute stops after the review', async () => {
  for (const [more, prompt, outcome] of [
    [{ yes: false }, undefined, 'not-approved'],
    [{ yes: false }, async () => 'n', 'not-approved'],
    [{ execute: false }, undefined, 'reviewed'],
  ] as const) {
    const m = mockedAws(fakeClock());
    try {
      readyStack(m);
      changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
      const { report, out } = await deploy(m.aws, more, prompt);
      assert.is(report.outcome, outcome, out);
      assert.is(m.cfn.commandCalls(ExecuteChangeSetCommand).length, 0);
      assert.is(m.cfn.commandCalls(DeleteChangeSetCommand).length, outcome === 'reviewed' ? 0 : 1, 'an unapproved change set is deleted; a reviewed one stays');
    } finally {
      m.restore();
    }
  }
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
    successfulRollout(m);
    let asked = '';
    const { report } = await deploy(m.aws, { yes: false }, async (q) => ((asked = q), 'yes'));
    assert.is(report.outcome, 'deployed');
    assert.match(asked, /^Execute change set tenantc-\d{8}-\d{6} on tessera\? \[y\/N\] $/);
  } finally {
    m.restore();
  }
});

D('an output edited after compile is refused before anything is uploaded', async () => {
  const copy = join(work, 'tampered');
  const r = await runMain(['compile', '--locked', '--tenants', join(FIXTURES, 'diff', 'base'), '--out', copy]);
  assert.is(r.status, 0);
  const t = join(copy, 'tenants', 'acme.template.json');
  writeFileSync(t, readFileSync(t, 'utf8').replace('"MaxSessionDuration":3600', '"MaxSessionDuration":43200'));
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    const { report } = await deploy(m.aws, { outDir: copy });
    assert.is(report.outcome, 'failed');
    assert.match(report.error!.message, /tenants\/acme\.template\.json does not match its key .*: run tenantc compile again/);
    assert.is(m.s3.commandCalls(PutObjectCommand).length, 0);
  } finally {
    m.restore();
  }
});

D("the domain gate: a change set that replaces an own-DNS tenant's certificate while its stage waits is refused, and nothing runs", async () => {
  for (const [stage, outcome] of [
    ['UPDATE_IN_PROGRESS', 'refused'],
    // The mutation's control: the same change set, the stage issued, goes through.
    ['UPDATE_COMPLETE', 'deployed'],
  ] as const) {
    const m = mockedAws(fakeClock());
    try {
      readyStack(m);
      m.cfn.on(DescribeStacksCommand, { StackName: 'tessera-domain-acme' }).resolves({
        Stacks: [{ StackName: 'tessera-domain-acme', StackId: nestedId('domain-acme'), StackStatus: stage, CreationTime: new Date() }],
      });
      changeSetTree(m, [resourceChange('Modify', 'tenantCertificate', 'AWS::CertificateManager::Certificate', { Replacement: 'True' })]);
      successfulRollout(m);
      // A certificate holds no data: no allow is needed (and one would be stale, refused).
      const { report, out } = await deploy(m.aws);
      assert.is(report.outcome, outcome, out);
      if (outcome === 'refused') {
        assert.equal(report.domainGate, [{ tenant: 'acme', change: 'replaces its certificate' }]);
        assert.match(out, 'acme: the change set replaces its certificate, but its domain stage cannot be issued before the rollout');
        assert.match(out, 'refused: acme says dns.validated but its domain stage cannot be issued before this rollout');
        assert.is(m.cfn.commandCalls(ExecuteChangeSetCommand).length, 0, 'nothing executed');
        assert.is(m.cfn.commandCalls(DeleteChangeSetCommand).length, 1, 'the change set deleted');
      } else assert.equal(report.domainGate, []);
    } finally {
      m.restore();
    }
  }
});

D('a tenant whose own DNS is not ready: its stage is requested, its records printed, and the deploy goes on without waiting past the bound', async () => {
  // umbrella (external DNS) as a new customer: its manifest does not say validated.
  const tenants = join(work, 'pending-estate');
  const out = join(work, 'out-pending');
  cpSync(join(FIXTURES, 'diff', 'base'), tenants, { recursive: true });
  const file = join(tenants, 'umbrella.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {2}validated: true.*\n/m, ''));
  const compiled = await runMain(['compile', '--tenants', tenants, '--out', out]);
  assert.is(compiled.status, 0, compiled.stderr);
  assert.match(compiled.stdout, `umbrella: its external DNS is not ready, so its names are not served yet: what the tenant does is in ${out}/dns/umbrella.txt`);
  const m = mockedAws(fakeClock());
  try {
    readyStack(m, 'UPDATE_COMPLETE', null);
    m.s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
    const stage = 'tessera-domain-umbrella';
    m.cfn
      .on(DescribeStacksCommand, { StackName: stage })
      .rejectsOnce(Object.assign(new Error(`Stack with id ${stage} does not exist`), { name: 'ValidationError' }))
      .resolves({ Stacks: [{ StackName: stage, StackId: nestedId('domain-umbrella'), StackStatus: 'CREATE_IN_PROGRESS', CreationTime: new Date() }] });
    m.cfn.on(CreateStackCommand).resolves({ StackId: nestedId('domain-umbrella') });
    m.cfn.on(DescribeStackEventsCommand, { StackName: stage }).resolves({
      StackEvents: [
        event(nestedId('domain-umbrella'), 'domainStageCertificate', 'AWS::CertificateManager::Certificate', 'CREATE_IN_PROGRESS', 2, {
          ResourceStatusReason: 'Content of DNS Record is: {Name: _1a2b.portal.umbrella.example.,Type: CNAME,Value: _3c4d.abcdefgh.acm-validations.aws.}',
        }),
      ],
    });
    changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
    successfulRollout(m);
    const { report, out: printed } = await deploy(m.aws, { outDir: out, domainWaitMs: 30_000, pollMs: 5_000 });
    assert.is(report.outcome, 'deployed', printed);
    const create = m.cfn.commandCalls(CreateStackCommand)[0]!.args[0].input;
    assert.is(create.StackName, stage);
    assert.is(create.OnFailure, 'DELETE', 'a stage that never validates removes itself; the next deploy asks again');
    const stages = JSON.parse(readFileSync(join(out, 'assets.json'), 'utf8')).domains as { tenant: string; key: string }[];
    assert.is(create.TemplateURL, `https://tessera-assets.s3.us-east-1.amazonaws.com/${stages.find((d) => d.tenant === 'umbrella')!.key}`);
    const acmeUpdate = m.cfn.commandCalls(UpdateStackCommand, { StackName: 'tessera-domain-acme' })[0]!.args[0].input;
    assert.equal(acmeUpdate.Parameters, [{ ParameterKey: 'HostedZoneId', ParameterValue: 'Z0ACME' }], "a delegated stage validates in its tenant stack's zone");
    const umbrella = report.domainStages.find((r) => r.tenant === 'umbrella')!;
    assert.is(umbrella.status, 'waiting');
    assert.equal(umbrella.records, ['_1a2b.portal.umbrella.example. CNAME _3c4d.abcdefgh.acm-validations.aws.']);
    assert.match(
      printed,
      'umbrella: certificate waiting for validation\n    the tenant creates (and keeps) these records:\n      _1a2b.portal.umbrella.example. CNAME _3c4d.abcdefgh.acm-validations.aws.',
    );
    // Nothing in the change set needs umbrella's stage: read once when planned, once after it started, never waited for.
    assert.is(m.cfn.commandCalls(DescribeStacksCommand, { StackName: stage }).length, 2);
    assert.ok(m.cfn.commandCalls(CreateStackCommand)[0]!.calledBefore(m.cfn.commandCalls(ExecuteChangeSetCommand)[0]!));
    assert.equal(report.domainGate, [], 'umbrella is not attached: its stack has no certificate to wait on');
    const umbrellaTemplate = readFileSync(join(out, 'tenants', 'umbrella.template.json'), 'utf8');
    assert.not.match(umbrellaTemplate, 'tenantCertificate');
  } finally {
    m.restore();
  }
});

D('a domain stage the output no longer has (tenant removed, or back on platform DNS) is deleted once the rollout succeeded', async () => {
  const m = mockedAws(fakeClock());
  try {
    // The last deploy had stages for oldco (still standing) and goneco (already deleted by hand).
    const current = manifest();
    const stale = (tenant: string) => ({ ...current.domains[0]!, tenant, key: `tenantc/${tenant}.template.json` });
    readyStack(m, 'UPDATE_COMPLETE', JSON.stringify({ ...current, domains: [...current.domains, stale('oldco'), stale('goneco')] }));
    m.cfn.on(DescribeStacksCommand, { StackName: 'tessera-domain-oldco' }).resolves({
      Stacks: [{ StackName: 'tessera-domain-oldco', StackId: nestedId('domain-oldco'), StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
    });
    m.cfn
      .on(DescribeStacksCommand, { StackName: 'tessera-domain-goneco' })
      .rejects(Object.assign(new Error('Stack with id tessera-domain-goneco does not exist'), { name: 'ValidationError' }));
    m.cfn.on(DeleteStackCommand).resolves({});
    changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
    successfulRollout(m);
    const { report, out } = await deploy(m.aws);
    assert.is(report.outcome, 'deployed', out);
    assert.equal(
      m.cfn.commandCalls(DeleteStackCommand).map((c) => c.args[0].input.StackName),
      ['tessera-domain-oldco'],
    );
    assert.equal(report.domainStagesRemoved, ['oldco']);
    assert.match(out, '==> Domain stages no longer compiled: oldco, goneco\n  oldco: deleting its domain stage (stack tessera-domain-oldco)');
    assert.ok(
      m.cfn.commandCalls(DeleteStackCommand)[0]!.calledAfter(m.cfn.commandCalls(ExecuteChangeSetCommand)[0]!),
      'only after the rollout that dropped them',
    );
  } finally {
    m.restore();
  }
});

D('a host name passing from one tenant to another in one deploy is refused before anything is uploaded, naming both and the two steps', async () => {
  const m = mockedAws(fakeClock());
  try {
    // The last rollout had "initrode" holding umbrella's domain (it was removed and umbrella
    // claimed the domain in two pull requests merged before this deploy); umbrella's own
    // template changed since.
    const current = manifest();
    const umbrella = current.nested.find((t) => t.stack.endsWith('tenantUmbrellaStack'))!;
    const initrode = {
      ...umbrella,
      stack: umbrella.stack.replace('Umbrella', 'Initrode'),
      tenant: 'initrode',
      // Offboarded by an earlier deploy: removing it is its next step (deploy/lifecycle.ts).
      status: 'offboarded' as const,
      key: 'tenantc/initrode-old.template.json',
      file: 'tenants/initrode.template.json',
    };
    const record = {
      ...current,
      nested: [...current.nested.filter((t) => t !== umbrella), { ...umbrella, key: 'tenantc/umbrella-old.template.json' }, initrode],
    };
    readyStack(m, 'UPDATE_COMPLETE', JSON.stringify(record));
    const template = (resources: object) => ({ Body: body(JSON.stringify({ Resources: resources })) });
    m.s3.on(GetObjectCommand, { Key: 'tenantc/initrode-old.template.json' }).resolves(
      template({
        tenantDomain0Record: { Type: 'AWS::Route53::RecordSet', Properties: { Name: 'Portal.Umbrella.Example.' } },
        tenantDistributionTenant: { Type: 'AWS::CloudFront::DistributionTenant', Properties: { Domains: ['assets.portal.umbrella.example'] } },
        tenantUserPoolDomain: { Type: 'AWS::Cognito::UserPoolDomain', Properties: { Domain: 'auth.portal.umbrella.example' } },
      }),
    );
    m.s3.on(GetObjectCommand, { Key: 'tenantc/umbrella-old.template.json' }).resolves(template({}));
    const { report, out } = await deploy(m.aws);
    assert.is(report.outcome, 'refused', out);
    // (initrode's old assets host is not umbrella's: an assets host is its tenant's id under
    // the user-content domain now, and ids are never given again.)
    assert.equal(report.nameHandovers, [{ name: 'auth.portal.umbrella.example', from: 'initrode', to: 'umbrella' }]);
    // (umbrella keeps its DNS: it holds no record named portal.umbrella.example, so that one is no handover.)
    assert.match(out, "auth.portal.umbrella.example: held by initrode's deployed stack, claimed by umbrella");
    assert.match(out, "deploy in two steps: first without umbrella's claim");
    assert.is(m.s3.commandCalls(PutObjectCommand).length, 0, 'nothing uploaded');
    assert.is(m.cfn.commandCalls(CreateChangeSetCommand).length, 0, 'no change set');
    assert.equal(
      m.s3
        .commandCalls(GetObjectCommand)
        .map((c) => c.args[0].input.Key)
        .sort(),
      ['tenantc/deployed/tessera.assets.json', 'tenantc/initrode-old.template.json', 'tenantc/umbrella-old.template.json'],
      "only the changed tenants' last templates are read",
    );
  } finally {
    m.restore();
  }
});

D('exit codes: one per outcome, as documented', () => {
  assert.equal(EXIT_OF, {
    'no-changes': 0,
    reviewed: 0,
    deployed: 0,
    failed: 1,
    blocked: 1,
    refused: 3,
    'not-approved': 4,
    interrupted: 130,
  });
});

D('nothing changes AWS before approval: a "no" leaves no domain stage started, no policy set, nothing executed', async () => {
  const m = mockedAws(fakeClock());
  try {
    // The last deploy predates acme's stage key: its stage would be updated once approved.
    const current = manifest();
    readyStack(m, 'UPDATE_COMPLETE', JSON.stringify({ ...current, domains: [] }));
    changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
    let asked = '';
    const { report, out } = await deploy(m.aws, { yes: false }, async (q) => ((asked = q), 'n'));
    assert.is(report.outcome, 'not-approved', out);
    assert.is(EXIT_OF[report.outcome], 4);
    assert.match(out, 'acme: its stage will be updated', 'the summary says what the stages will do');
    assert.ok(out.indexOf('its stage will be updated') < out.length && asked !== '', 'asked after the summary');
    const changing = [CreateStackCommand, UpdateStackCommand, SetStackPolicyCommand, ExecuteChangeSetCommand, UpdateTerminationProtectionCommand];
    assert.equal(
      m.cfn.calls().filter((c) => changing.some((k) => c.args[0] instanceof k)),
      [],
    );
    assert.equal(
      m.s3.commandCalls(PutObjectCommand).filter((c) => String(c.args[0].input.Key).startsWith('tenantc/deployed/')),
      [],
      'no record written',
    );
    assert.is(m.cfn.commandCalls(DeleteChangeSetCommand).length, 1);
  } finally {
    m.restore();
  }
});

D('a service role and client request tokens go with every call that changes a stack', async () => {
  const m = mockedAws(fakeClock());
  try {
    const current = manifest();
    readyStack(m, 'UPDATE_COMPLETE', JSON.stringify({ ...current, domains: [] }));
    changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
    successfulRollout(m);
    const role = 'arn:aws:iam::111122223333:role/tenantc-cloudformation';
    const { report, out } = await deploy(m.aws, { roleArn: role });
    assert.is(report.outcome, 'deployed', out);
    const create = m.cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input;
    assert.is(create.RoleARN, role);
    assert.is(create.ClientToken, report.changeSet!.name);
    assert.is(m.cfn.commandCalls(ExecuteChangeSetCommand)[0]!.args[0].input.ClientRequestToken, `${report.changeSet!.name}-execute`);
    for (const c of m.cfn.commandCalls(UpdateStackCommand)) {
      assert.is(c.args[0].input.RoleARN, role);
      assert.match(String(c.args[0].input.ClientRequestToken), report.changeSet!.name);
    }
    assert.ok(m.cfn.commandCalls(UpdateStackCommand).length > 0, 'the stages were updated, after approval');
  } finally {
    m.restore();
  }
});

D("allows are scoped: tenant:acme/tenantUserPool lets acme's pool be replaced, not globex's; estate:root/X names a shared resource", async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    const globex = nestedId('globex');
    m.cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'cs-root' }).resolves({
      Status: 'CREATE_COMPLETE',
      StackId: ROOT_ID,
      Changes: [
        resourceChange('Modify', 'platformDatabaseCluster', 'AWS::RDS::DBCluster', { Replacement: 'True' }),
        resourceChange('Modify', 'tenantGroup0Stack', 'AWS::CloudFormation::Stack', { ChangeSetId: 'cs-group0', PhysicalResourceId: GROUP_ID }),
      ],
    });
    m.cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'cs-group0' }).resolves({
      Status: 'CREATE_COMPLETE',
      StackId: GROUP_ID,
      Changes: [
        resourceChange('Modify', 'tenantAcmeStack', 'AWS::CloudFormation::Stack', { ChangeSetId: 'cs-acme', PhysicalResourceId: ACME_ID }),
        resourceChange('Modify', 'tenantGlobexStack', 'AWS::CloudFormation::Stack', { ChangeSetId: 'cs-globex', PhysicalResourceId: globex }),
      ],
    });
    const pool = [resourceChange('Modify', 'tenantUserPool', 'AWS::Cognito::UserPool', { Replacement: 'True' })];
    m.cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'cs-acme' }).resolves({ Status: 'CREATE_COMPLETE', StackId: ACME_ID, Changes: pool });
    m.cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'cs-globex' }).resolves({ Status: 'CREATE_COMPLETE', StackId: globex, Changes: pool });
    const { report, out } = await deploy(m.aws, {
      allows: [allowReplace('tenant:acme/tenantUserPool'), allowReplace('estate:root/platformDatabaseCluster')],
    });
    assert.is(report.outcome, 'refused', out);
    assert.is(EXIT_OF[report.outcome], 3);
    assert.equal(
      report.guard!.allowed.map((f) => `${f.tenant ?? 'estate'} ${f.logicalId} by ${f.allowedBy.join(', ')}`),
      ['estate platformDatabaseCluster by replacement estate:root/platformDatabaseCluster', 'acme tenantUserPool by replacement tenant:acme/tenantUserPool'],
    );
    assert.equal(
      report.guard!.refused.map((f) => `${f.tenant} ${f.logicalId}`),
      ['globex tenantUserPool'],
      "acme's allow does not reach globex's pool",
    );
    assert.match(out, '--allow-replace tenant:globex/tenantUserPool');
    // A removal allow does not allow a replacement, and the kind `stateful` allows both.
    const wrongKind = await deploy(m.aws, {
      allows: [allowRemove('tenant:globex'), allowReplace('tenant:acme'), allowReplace('estate:root/platformDatabaseCluster')],
    });
    assert.equal(
      wrongKind.report.guard!.refused.map((f) => f.tenant),
      ['globex'],
    );
  } finally {
    m.restore();
  }
});

D('lifecycle: a tenant leaving the output while its deployed status is active is refused before anything is uploaded; offboarded first, it goes', async () => {
  const current = manifest();
  const goneco = {
    ...current.nested.find((t) => t.tenant === 'acme')!,
    stack: 'tenantGroup0Stack/tenantGonecoStack',
    tenant: 'goneco',
    file: 'tenants/goneco.template.json',
  };
  for (const [status, allows, outcome] of [
    ['active', [], 'refused'],
    ['suspended', [], 'refused'],
    ['active', [parseAllow('lifecycle tenant:goneco: court order, data exported (LEGAL-7)') as Allow], 'deployed'],
    [
      'active',
      [
        parseAllow('lifecycle tenant:goneco: court order, data exported (LEGAL-7)') as Allow,
        parseAllow('lifecycle tenant:goneco: the customer confirmed the export (LEGAL-8)') as Allow,
      ],
      'deployed',
    ],
    ['offboarded', [], 'deployed'],
  ] as const) {
    const m = mockedAws(fakeClock());
    try {
      readyStack(m, 'UPDATE_COMPLETE', JSON.stringify({ ...current, nested: [...current.nested, { ...goneco, status }] }));
      changeSetTree(m, [], [resourceChange('Remove', 'tenantGonecoStack', 'AWS::CloudFormation::Stack')]);
      successfulRollout(m);
      const { report, out } = await deploy(m.aws, { allows: [...allows, allowRemove('tenant:goneco')] });
      assert.is(report.outcome, outcome, `${status}: ${out}`);
      if (outcome === 'refused') {
        assert.equal(report.lifecycle, [{ tenant: 'goneco', deployedStatus: status, allowedBy: [] }]);
        assert.match(out, `goneco: removed from the output, but its deployed status is ${status}, not offboarded`);
        assert.match(out, 'deploy `status: offboarded`');
        assert.is(m.s3.commandCalls(PutObjectCommand).length, 0, 'nothing uploaded');
        assert.is(m.cfn.commandCalls(CreateChangeSetCommand).length, 0);
      }
    } finally {
      m.restore();
    }
  }
});

const assetsText = (out: string) => readFileSync(join(out, 'assets.json'), 'utf8');
/** The records deploy wrote, parsed, in order. */
const recordsWritten = (m: ReturnType<typeof mockedAws>) =>
  m.s3
    .commandCalls(PutObjectCommand)
    .filter((c) => c.args[0].input.Key === 'tenantc/deployed/tessera.assets.json')
    .map(
      (c) =>
        JSON.parse(String(c.args[0].input.Body)) as {
          manifest: { nested: { tenant?: string; incarnation?: number }[] } | null;
          removed: Record<string, { incarnation: number | null; on: string }>;
          restoring: { tenant: string; incarnation: number; assets: string }[];
        },
    );
/** The change set of a restore: vandelay's stack added to group 0. */
const vandelayAdded = (m: ReturnType<typeof mockedAws>) => changeSetTree(m, [], [resourceChange('Add', 'tenantVandelayStack', 'AWS::CloudFormation::Stack')]);

D('restore: refused without --allow-restore, before anything is uploaded; allowed, it deploys and is recorded at its incarnation', async () => {
  const reason = 'Kel Varnsen bought Vandelay Industries: contract CHG-9, signed by Art Vandelay';
  for (const [allows, outcome] of [
    [[], 'refused'],
    [[allowRemove('tenant:vandelay'), flagAllow('stateful', 'tenant:vandelay') as Allow], 'refused'],
    [[flagAllow('restore', 'tenant:vandelay') as Allow], 'deployed'],
    [[parseAllow(`restore tenant:vandelay: ${reason}`) as Allow], 'deployed'],
    // The same restore twice (the operator's flag and the pull request's line): both used, neither stale.
    [[flagAllow('restore', 'tenant:vandelay') as Allow, parseAllow(`restore tenant:vandelay: ${reason}`) as Allow], 'deployed'],
  ] as const) {
    const m = mockedAws(fakeClock());
    try {
      readyStack(m, 'UPDATE_COMPLETE', assetsText(OUT));
      vandelayAdded(m);
      successfulRollout(m);
      const { report, out } = await deploy(m.aws, { outDir: OUT_RESTORED, allows: [...allows] });
      assert.is(report.outcome, outcome, out);
      assert.is(report.restores.length, 1);
      assert.equal(
        { ...report.restores[0]!, allowedBy: [] },
        {
          tenant: 'vandelay',
          incarnation: 2,
          restoredFrom: '2026-10-01',
          why: 'it is not deployed, and the output brings it back as incarnation 2',
          allowedBy: [],
          journalled: false,
        },
      );
      if (outcome === 'refused') {
        assert.is(EXIT_OF[report.outcome], 3);
        assert.match(out, 'vandelay is a restore (restoredFrom 2026-10-01): it is not deployed');
        assert.match(report.message, 'refused: vandelay comes back after a removal');
        assert.match(report.message, '--allow-restore tenant:<id>');
        assert.is(m.s3.commandCalls(PutObjectCommand).length, 0, 'nothing uploaded, no record written');
        assert.is(m.cfn.commandCalls(CreateChangeSetCommand).length, 0, 'no change set made');
      } else {
        assert.match(out, 'allowed: vandelay is a restore');
        assert.equal(report.restores[0]!.allowedBy, allows.map(formatAllow), 'every allow covering it, in the order given');
        const records = recordsWritten(m);
        assert.equal(
          records[0]!.restoring.map((r) => [r.tenant, r.incarnation]),
          [['vandelay', 2]],
          'journalled before executing',
        );
        const last = records.at(-1)!;
        assert.equal(last.restoring, [], 'recorded once the rollout succeeded');
        assert.is(last.manifest!.nested.find((n) => n.tenant === 'vandelay')!.incarnation, 2);
      }
    } finally {
      m.restore();
    }
  }
});

D("restore: a removal never deployed, a compile long before, a lock edited to forget the id: each refused on the record's evidence", async () => {
  const restored = JSON.parse(assetsText(OUT_RESTORED)) as { nested: { tenant?: string; incarnation?: number; status?: string }[] };
  const base = JSON.parse(assetsText(OUT)) as Record<string, unknown> & { nested: object[] };
  const vandelayAt = (incarnation: number | undefined) => {
    const v = { ...restored.nested.find((n) => n.tenant === 'vandelay')!, status: 'offboarded' };
    if (incarnation === undefined) delete (v as { incarnation?: number }).incarnation;
    else v.incarnation = incarnation;
    return JSON.stringify({ ...base, nested: [...base.nested, v] });
  };
  const cases: [string, string, string, string][] = [
    // Removed and restored in two pull requests merged before one deploy: incarnation 1 is still deployed.
    [OUT_RESTORED, vandelayAt(1), 'its deployed stack is incarnation 1: its removal was never deployed, and this rollout gives it incarnation 2', 'refused'],
    // A record older than incarnations: a restored tenant is asked about once.
    [OUT_RESTORED, vandelayAt(undefined), "its deployed stack's incarnation is not recorded", 'refused'],
    // The deploy that removed it is remembered: the id back as a new tenant (its lock edited) is a restore.
    [
      OUT_REUSED,
      JSON.stringify({ format: 'tenantc-deployed/1', manifest: base, relaxed: [], removed: { vandelay: { incarnation: 1, on: '2026-10-02' } }, restoring: [] }),
      'a deploy removed it on 2026-10-02 (incarnation 1), and the output brings the id back as a new tenant',
      'refused',
    ],
    // Without that memory, a new id of incarnation 1 is a new tenant: the SQL refuses the id, the review the lock edit.
    [OUT_REUSED, assetsText(OUT), '', 'deployed'],
  ];
  for (const [outDir, record, why, outcome] of cases) {
    const m = mockedAws(fakeClock());
    try {
      readyStack(m, 'UPDATE_COMPLETE', record);
      vandelayAdded(m);
      successfulRollout(m);
      const { report, out } = await deploy(m.aws, { outDir });
      assert.is(report.outcome, outcome, out);
      if (outcome === 'refused') {
        assert.match(report.restores[0]!.why, why);
        assert.is(m.cfn.commandCalls(CreateChangeSetCommand).length, 0);
      } else assert.equal(report.restores, []);
    } finally {
      m.restore();
    }
  }
});

D('restore: re-running deploy after an allowed restore asks nothing again, recorded or interrupted (the journal is for that output only)', async () => {
  const restoredHash = createHash('sha256').update(assetsText(OUT_RESTORED)).digest('hex');
  const base = JSON.parse(assetsText(OUT)) as object;
  for (const [record, outcome] of [
    // Recorded: the tenant is deployed at its incarnation.
    [assetsText(OUT_RESTORED), 'no-changes'],
    // Interrupted while executing, for this output: journalled.
    [
      JSON.stringify({
        format: 'tenantc-deployed/1',
        manifest: base,
        relaxed: [],
        removed: {},
        restoring: [{ tenant: 'vandelay', incarnation: 2, assets: restoredHash }],
      }),
      'deployed',
    ],
    // Journalled for another output: asked again.
    [
      JSON.stringify({
        format: 'tenantc-deployed/1',
        manifest: base,
        relaxed: [],
        removed: {},
        restoring: [{ tenant: 'vandelay', incarnation: 2, assets: '0'.repeat(64) }],
      }),
      'refused',
    ],
  ] as const) {
    const m = mockedAws(fakeClock());
    try {
      readyStack(m, 'UPDATE_COMPLETE', record);
      if (outcome === 'no-changes')
        m.cfn.on(DescribeChangeSetCommand).resolves({
          Status: 'FAILED',
          StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set.",
        });
      else vandelayAdded(m);
      successfulRollout(m);
      const { report, out } = await deploy(m.aws, { outDir: OUT_RESTORED });
      assert.is(report.outcome, outcome, out);
      if (outcome !== 'refused') assert.equal(recordsWritten(m).at(-1)?.restoring ?? [], [], 'the journal ends with the record');
    } finally {
      m.restore();
    }
  }
});

D('the record remembers the tenants a rollout removed, whatever the lock later says', async () => {
  const current = JSON.parse(assetsText(OUT)) as { nested: { tenant?: string; stack: string; file: string }[] };
  const goneco = {
    ...current.nested.find((t) => t.tenant === 'acme')!,
    stack: 'tenantGroup0Stack/tenantGonecoStack',
    tenant: 'goneco',
    file: 'tenants/goneco.template.json',
    status: 'offboarded',
    incarnation: 3,
  };
  const m = mockedAws(fakeClock());
  try {
    readyStack(m, 'UPDATE_COMPLETE', JSON.stringify({ ...current, nested: [...current.nested, goneco] }));
    changeSetTree(m, [], [resourceChange('Remove', 'tenantGonecoStack', 'AWS::CloudFormation::Stack')]);
    successfulRollout(m);
    const { report, out } = await deploy(m.aws, { allows: [allowRemove('tenant:goneco')] });
    assert.is(report.outcome, 'deployed', out);
    assert.equal(recordsWritten(m).at(-1)!.removed, { goneco: { incarnation: 3, on: '2026-11-27' } });
  } finally {
    m.restore();
  }
});

/** The template file of this output for a stack path ('' the root), as CloudFormation's GetTemplate returns it. */
function templateOfPath(path: string): string {
  const m = manifest() as ReturnType<typeof manifest> & { root: { file: string } };
  const file = path === '' ? m.root.file : m.nested.find((n) => n.stack === path)!.file;
  return readFileSync(join(OUT, file), 'utf8');
}

/** CloudFormation holds this output's templates in the change sets of changeSetTree (GetTemplate with ChangeSetName). */
function changeSetHoldsOutput(m: ReturnType<typeof mockedAws>, override: Record<string, string> = {}) {
  for (const [id, path] of [
    ['cs-root', ''],
    ['cs-group0', 'tenantGroup0Stack'],
    ['cs-acme', 'tenantGroup0Stack/tenantAcmeStack'],
  ] as const)
    m.cfn.on(GetTemplateCommand, { ChangeSetName: id }).resolves({ TemplateBody: override[id] ?? templateOfPath(path) });
}

D(
  '--change-set NAME: executes the reviewed change set only with its note, made by that deploy from this output for the stack as it was, its templates proven; anything else is refused with the reason',
  async () => {
    const stackChanged = new Date(Date.UTC(2026, 10, 27, 11, 0, 0));
    const good = {
      ChangeSetId: 'cs-root',
      ChangeSetName: 'tenantc-20261127-110500',
      StackId: ROOT_ID,
      Status: 'CREATE_COMPLETE' as const,
      ExecutionStatus: 'AVAILABLE' as const,
      Description: '',
      CreationTime: new Date(Date.UTC(2026, 10, 27, 11, 5, 0)),
      Parameters: [{ ParameterKey: 'AssetsBucketName', ParameterValue: 'tessera-assets' }],
    };
    const { changeSetDescription } = await import('../deploy/deploy.ts');
    const { readCompiledOutput } = await import('../deploy/compiledOutput.ts');
    const description = changeSetDescription(readCompiledOutput(OUT, work));
    const outputSha256 = createHash('sha256')
      .update(readFileSync(join(OUT, 'assets.json')))
      .digest('hex');
    const note = {
      format: 'tenantc-change-set-note/1',
      stack: 'tessera',
      changeSet: { name: good.ChangeSetName, id: 'cs-root' },
      outputSha256,
      bucket: 'tessera-assets',
      stackAtCreation: { stackId: ROOT_ID, status: 'UPDATE_COMPLETE', changedAt: stackChanged.toISOString() },
    };
    type Case = {
      change?: Record<string, unknown> | Error;
      note?: Record<string, unknown> | null;
      templates?: Record<string, string>;
      bucketBytes?: string;
    };
    const cases: [string, Case, string][] = [
      ['current', {}, 'deployed'],
      ['obsolete', { change: { ExecutionStatus: 'OBSOLETE' } }, 'is OBSOLETE: the stack was updated after it was made'],
      ['executed', { change: { ExecutionStatus: 'EXECUTE_COMPLETE' } }, 'it was executed already'],
      ['another output', { change: { Description: 'tenantc out/assets.json sha256:0000' } }, 'was made from another output'],
      ['another bucket', { change: { Parameters: [{ ParameterKey: 'AssetsBucketName', ParameterValue: 'other' }] } }, 'was made with AssetsBucketName=other'],
      ['made before the stack changed', { change: { CreationTime: new Date(Date.UTC(2026, 10, 27, 10, 0, 0)) } }, 'before the stack last changed'],
      ['not on this stack', { change: Object.assign(new Error('ChangeSet [x] does not exist'), { name: 'ChangeSetNotFoundException' }) }, 'has no change set'],
      // The note: the chain from the review to this execution.
      ['no note', { note: null }, 'no note note.json: --change-set executes only a change set that deploy --no-execute made'],
      [
        'a note for another change set',
        { note: { ...note, changeSet: { name: 'tenantc-20261127-100000', id: 'cs-root' } } },
        'is for change set tenantc-20261127-100000',
      ],
      ['a note for another stack', { note: { ...note, stack: 'tessera-staging' } }, 'is for stack tessera-staging, not tessera'],
      ['a note for another output', { note: { ...note, outputSha256: '0'.repeat(64) } }, `was noted for the output with assets.json sha256:${'0'.repeat(64)}`],
      [
        'made by someone else under the reviewed name',
        { change: { ChangeSetId: 'cs-someone-else' } },
        'is cs-someone-else, not cs-root that the note records: it was made by someone else',
      ],
      [
        'the stack moved since (updated and back to the same status)',
        { note: { ...note, stackAtCreation: { ...note.stackAtCreation, changedAt: '2026-11-27T10:00:00.000Z' } } },
        'stack tessera moved since change set tenantc-20261127-110500 was made',
      ],
      [
        'the stack moved since (another status)',
        { note: { ...note, stackAtCreation: { ...note.stackAtCreation, status: 'UPDATE_ROLLBACK_COMPLETE' } } },
        'it was UPDATE_ROLLBACK_COMPLETE',
      ],
      [
        'the stack was deleted and made again under its name',
        { note: { ...note, stackAtCreation: { ...note.stackAtCreation, stackId: nestedId('old-root') } } },
        'stack tessera moved since',
      ],
      // The templates: what the change set will run, and what the bucket holds, are this output's bytes.
      [
        "a change set whose nested template is not this output's",
        { templates: { 'cs-acme': JSON.stringify({ Resources: { tenantBackdoor: { Type: 'AWS::IAM::Role' } } }) } },
        "the change set's template for nested stack tenantGroup0Stack/tenantAcmeStack is not tenants/acme.template.json of this output",
      ],
      ['a template overwritten in the bucket', { bucketBytes: 'other bytes' }, "not this output's bytes"],
    ];
    for (const [label, c, expected] of cases) {
      const m = mockedAws(fakeClock());
      try {
        readyStack(m);
        rmSync(join(work, 'note.json'), { force: true });
        if (c.note !== null) writeFileSync(join(work, 'note.json'), JSON.stringify(c.note ?? note));
        m.cfn.on(DescribeStacksCommand, { StackName: 'tessera' }).resolves({
          Stacks: [
            {
              StackName: 'tessera',
              StackId: ROOT_ID,
              StackStatus: 'UPDATE_COMPLETE',
              CreationTime: stackChanged,
              LastUpdatedTime: stackChanged,
              EnableTerminationProtection: true,
            },
          ],
        });
        changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
        changeSetHoldsOutput(m, c.templates);
        if (c.bucketBytes) {
          // The object under acme's key was overwritten (no checksum: S3 stored none for the other upload).
          const acmeKey = manifest().nested.find((t) => t.stack === 'tenantGroup0Stack/tenantAcmeStack')!.key;
          m.s3.on(HeadObjectCommand, { Key: acmeKey }).resolves({});
          m.s3
            .on(GetObjectCommand, { Key: acmeKey })
            .resolves({ Body: { transformToByteArray: async () => new TextEncoder().encode(c.bucketBytes) } as never });
        }
        const adopt = m.cfn.on(DescribeChangeSetCommand, { ChangeSetName: good.ChangeSetName, StackName: 'tessera' });
        if (c.change instanceof Error) adopt.rejects(c.change);
        else adopt.resolves({ ...good, Description: description, ...c.change } as never);
        successfulRollout(m);
        const { report, out } = await deploy(m.aws, { changeSet: good.ChangeSetName });
        if (expected === 'deployed') {
          assert.is(report.outcome, 'deployed', out);
          assert.is(m.cfn.commandCalls(CreateChangeSetCommand).length, 0, 'no new change set');
          assert.is(m.cfn.commandCalls(ExecuteChangeSetCommand)[0]!.args[0].input.ChangeSetName, 'cs-root');
          assert.is(m.s3.commandCalls(PutObjectCommand).length, 0, 'nothing uploaded again; the record already says this output');
          assert.equal(
            m.cfn
              .commandCalls(GetTemplateCommand)
              .map((x) => x.args[0].input.ChangeSetName)
              .sort(),
            ['cs-acme', 'cs-group0', 'cs-root'],
            'the template of every stack the change set changes, as the change set holds it',
          );
          assert.match(out, "its templates are this output's bytes");
        } else {
          assert.is(report.outcome, 'refused', `${label}: ${out}`);
          assert.is(EXIT_OF[report.outcome], 3);
          assert.match(report.message, expected, label);
          assert.is(m.cfn.commandCalls(ExecuteChangeSetCommand).length, 0, label);
          assert.is(m.cfn.commandCalls(DeleteChangeSetCommand).length, 0, `${label}: a change set this run did not make is not deleted`);
        }
      } finally {
        m.restore();
      }
    }
  },
);

D('--no-execute keeps the change set and prints how to execute exactly it', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
    const { report, out } = await deploy(m.aws, { execute: false });
    assert.is(report.outcome, 'reviewed');
    assert.match(out, `--change-set ${report.changeSet!.name}`);
    assert.is(m.cfn.commandCalls(DeleteChangeSetCommand).length, 0);
    const cs = m.cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input;
    assert.match(String(cs.Description), /^tenantc out\/assets\.json sha256:[0-9a-f]{64}$/);
    // The note --change-set will require: this change set, this output, the stack as it was.
    const note = JSON.parse(readFileSync(join(work, 'note.json'), 'utf8'));
    assert.equal(note.changeSet, { name: report.changeSet!.name, id: 'cs-root' });
    assert.is(note.stack, 'tessera');
    assert.is(note.bucket, 'tessera-assets');
    assert.is(
      note.outputSha256,
      createHash('sha256')
        .update(readFileSync(join(OUT, 'assets.json')))
        .digest('hex'),
    );
    assert.equal(note.stackAtCreation, { stackId: ROOT_ID, status: 'UPDATE_COMPLETE', changedAt: note.stackAtCreation.changedAt });
    assert.match(note.stackAtCreation.changedAt, /^2026-|^\d{4}-/);
  } finally {
    m.restore();
  }
});

/** A rollout that never ends: the root stays UPDATE_IN_PROGRESS. */
function endlessRollout(m: ReturnType<typeof mockedAws>) {
  const old = stackEvent(ROOT_ID, 'UPDATE_COMPLETE', 0);
  m.cfn
    .on(DescribeStackEventsCommand, { StackName: ROOT_ID })
    .resolvesOnce({ StackEvents: [old] })
    .resolves({
      StackEvents: [
        event(ROOT_ID, 'tenantGroup0Stack', 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 2, { PhysicalResourceId: GROUP_ID }),
        stackEvent(ROOT_ID, 'UPDATE_IN_PROGRESS', 1),
        old,
      ],
    });
  m.cfn.on(DescribeStackEventsCommand, { StackName: GROUP_ID }).resolves({ StackEvents: [stackEvent(GROUP_ID, 'UPDATE_IN_PROGRESS', 3)] });
  m.cfn.on(ExecuteChangeSetCommand).resolves({});
}

D('a stack the rollout creates gets its stack policy as it is created: interrupted before the end, the new tenant stack is protected already', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    const NEW_ID = nestedId('initech');
    m.cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'cs-root' }).resolves({
      Status: 'CREATE_COMPLETE',
      StackId: ROOT_ID,
      Changes: [resourceChange('Modify', 'tenantGroup0Stack', 'AWS::CloudFormation::Stack', { ChangeSetId: 'cs-group0', PhysicalResourceId: GROUP_ID })],
    });
    m.cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'cs-group0' }).resolves({
      Status: 'CREATE_COMPLETE',
      StackId: GROUP_ID,
      Changes: [resourceChange('Add', 'tenantInitechStack', 'AWS::CloudFormation::Stack')],
    });
    endlessRollout(m);
    const controller = new AbortController();
    let polls = 0;
    m.cfn.on(DescribeStackEventsCommand, { StackName: GROUP_ID }).callsFake(async () => {
      if (++polls === 2) controller.abort(new Interrupted('SIGINT'));
      return {
        StackEvents: [
          event(GROUP_ID, 'tenantInitechStack', 'AWS::CloudFormation::Stack', 'CREATE_IN_PROGRESS', 4, { PhysicalResourceId: NEW_ID }),
          event(GROUP_ID, 'tenantInitechStack', 'AWS::CloudFormation::Stack', 'CREATE_IN_PROGRESS', 3, { PhysicalResourceId: '' }),
          stackEvent(GROUP_ID, 'UPDATE_IN_PROGRESS', 3),
        ],
      };
    });
    m.cfn.on(DescribeStackEventsCommand, { StackName: NEW_ID }).resolves({ StackEvents: [stackEvent(NEW_ID, 'CREATE_IN_PROGRESS', 4)] });
    const { report, out } = await deploy(m.aws, {}, undefined, controller.signal);
    assert.is(report.outcome, 'interrupted', out);
    assert.equal(
      m.cfn.commandCalls(SetStackPolicyCommand).map((c) => [c.args[0].input.StackName, c.args[0].input.StackPolicyBody]),
      [[NEW_ID, stackPolicy()]],
      'the new stack has the strict policy though the closing reconcile never ran',
    );
    assert.match(out, /stack policy set on .*tenantInitechStack.* as it is created/);
  } finally {
    m.restore();
  }
});

D('interrupted while executing (SIGINT): the relaxed policy is restored first, what still runs is named with the command that resumes, exit 130', async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m);
    changeSetTree(m, [resourceChange('Modify', 'tenantUserPool', 'AWS::Cognito::UserPool', { Replacement: 'True' })]);
    endlessRollout(m);
    const controller = new AbortController();
    let polls = 0;
    m.cfn.on(DescribeStackEventsCommand, { StackName: GROUP_ID }).callsFake(async () => {
      if (++polls === 2) controller.abort(new Interrupted('SIGINT'));
      return { StackEvents: [stackEvent(GROUP_ID, 'UPDATE_IN_PROGRESS', 3)] };
    });
    const { report, out } = await deploy(m.aws, { allows: [allowReplace('tenant:acme/tenantUserPool')] }, undefined, controller.signal);
    assert.is(report.outcome, 'interrupted', out);
    assert.is(EXIT_OF[report.outcome], 130);
    const policies = m.cfn.commandCalls(SetStackPolicyCommand).map((c) => [c.args[0].input.StackName, c.args[0].input.StackPolicyBody]);
    assert.equal(policies.at(-1), [ACME_ID, stackPolicy()], 'the strict policy is back');
    assert.match(out, 'still running: root');
    assert.match(out, 'still running: tenantGroup0Stack');
    assert.match(out, 'tenantc deploy --out');
    assert.is(report.resume, `tenantc deploy --out ${OUT} --stack tessera --assets-bucket tessera-assets`);
    const records = m.s3.commandCalls(PutObjectCommand).filter((c) => String(c.args[0].input.Key).startsWith('tenantc/deployed/'));
    assert.equal(
      records.map((c) => JSON.parse(String(c.args[0].input.Body)).relaxed),
      [[ACME_ID], []],
      'journalled before relaxing, cleared once restored',
    );
  } finally {
    m.restore();
  }
});

D(
  'a watch that fails midway (credentials expire), then a plain re-run: it waits for the rollout, finds no changes, and reconciles protection, policies and the record',
  async () => {
    // An estate with one tenant more than the last record: its stack is new in this rollout.
    const current = manifest();
    const newest = current.nested.find((t) => t.stack.endsWith('tenantUmbrellaStack'))!;
    const record = JSON.stringify({ ...current, nested: current.nested.filter((t) => t !== newest) });
    const umbrellaId = nestedId('umbrella');
    const first = mockedAws(fakeClock());
    try {
      readyStack(first, 'UPDATE_COMPLETE', record);
      changeSetTree(first, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
      endlessRollout(first);
      first.cfn
        .on(DescribeStackEventsCommand, { StackName: GROUP_ID })
        .resolvesOnce({ StackEvents: [stackEvent(GROUP_ID, 'UPDATE_IN_PROGRESS', 3)] })
        .rejects(
          Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken', $metadata: { httpStatusCode: 403 } }),
        );
      const { report, out } = await deploy(first.aws);
      assert.is(report.outcome, 'failed', out);
      assert.match(report.message, 'AWS credentials expired (ExpiredToken)');
      assert.match(report.message, 'waits for it, then sets termination protection, the stack policies and the record');
      assert.equal(
        report.running.map((r) => r.path),
        ['', 'tenantGroup0Stack'],
      );
      assert.equal(
        first.s3.commandCalls(PutObjectCommand).filter((c) => String(c.args[0].input.Key).startsWith('tenantc/deployed/')),
        [],
        'not recorded: the rollout did not finish under its eyes',
      );
    } finally {
      first.restore();
    }
    const again = mockedAws(fakeClock());
    try {
      readyStack(again, 'UPDATE_COMPLETE', record);
      // The rollout is still going when the re-run starts, and succeeds meanwhile; termination protection was lost (console).
      again.cfn
        .on(DescribeStacksCommand, { StackName: 'tessera' })
        .resolvesOnce({ Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }] })
        .resolves({
          Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), EnableTerminationProtection: false }],
        });
      again.cfn
        .on(DescribeStacksCommand, { StackName: ROOT_ID })
        .resolvesOnce({ Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }] })
        .resolves({
          Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), EnableTerminationProtection: false }],
        });
      again.cfn
        .on(DescribeChangeSetCommand)
        .resolves({ Status: 'FAILED', StatusReason: "The submitted information didn't contain changes.", StackId: ROOT_ID });
      again.cfn.on(DescribeStackResourceCommand, { StackName: GROUP_ID, LogicalResourceId: 'tenantUmbrellaStack' }).resolves({
        StackResourceDetail: { PhysicalResourceId: umbrellaId } as never,
      });
      again.cfn.on(UpdateTerminationProtectionCommand).resolves({});
      const { report, out } = await deploy(again.aws);
      assert.is(report.outcome, 'no-changes', out);
      assert.match(out, 'UPDATE_IN_PROGRESS since');
      assert.match(out, 'waiting for it to finish');
      assert.equal(again.cfn.commandCalls(UpdateTerminationProtectionCommand)[0]!.args[0].input, { StackName: ROOT_ID, EnableTerminationProtection: true });
      assert.equal(
        again.cfn.commandCalls(SetStackPolicyCommand).map((c) => c.args[0].input.StackName),
        [ROOT_ID, umbrellaId],
        'the root, and the stack the interrupted rollout created',
      );
      const written = again.s3.commandCalls(PutObjectCommand).filter((c) => String(c.args[0].input.Key).startsWith('tenantc/deployed/'));
      assert.is(written.length, 1);
      assert.equal(JSON.parse(String(written[0]!.args[0].input.Body)).manifest, current, 'the record now says what the stack holds');
      assert.equal(report.reconciled, { terminationProtection: true, policies: 2, recorded: true });
    } finally {
      again.restore();
    }
  },
);

D('a record that says a deploy was killed with a policy relaxed: the next deploy restores it before anything else', async () => {
  const m = mockedAws(fakeClock());
  try {
    const current = manifest();
    readyStack(m, 'UPDATE_COMPLETE', JSON.stringify({ format: 'tenantc-deployed/1', manifest: current, relaxed: [ACME_ID] }));
    m.cfn.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', StatusReason: 'No updates are to be performed.', StackId: ROOT_ID });
    const { report, out } = await deploy(m.aws);
    assert.is(report.outcome, 'no-changes', out);
    const first = m.cfn.commandCalls(SetStackPolicyCommand)[0]!;
    assert.equal([first.args[0].input.StackName, first.args[0].input.StackPolicyBody], [ACME_ID, stackPolicy()]);
    assert.ok(first.calledBefore(m.cfn.commandCalls(CreateChangeSetCommand)[0]!));
    assert.match(out, 'restored the strict stack policy on 1 stack an interrupted deploy had relaxed');
  } finally {
    m.restore();
  }
});

D('--timeout bounds every wait: a rollout that outlasts it ends the deploy (exit 1) with what still runs, the policy restored', async () => {
  const clock = fakeClock();
  const m = mockedAws(clock);
  try {
    readyStack(m);
    changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
    endlessRollout(m);
    const { report, out } = await deploy(m.aws, { timeoutMs: 600_000, pollMs: 30_000 });
    assert.is(report.outcome, 'failed', out);
    assert.match(report.message, 'still not done after 10 min (--timeout)');
    assert.ok(clock.sleeps.reduce((a, b) => a + b, 0) <= 600_000, 'no wait past the bound');
    // And a change set that never finishes being created.
    const m2 = mockedAws(fakeClock());
    try {
      readyStack(m2);
      m2.cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_IN_PROGRESS', StackId: ROOT_ID });
      const stuck = await deploy(m2.aws, { timeoutMs: 60_000 });
      assert.is(stuck.report.outcome, 'failed');
      assert.match(stuck.report.message, /change set .* being created: still not done after 1 min \(--timeout\); nothing was executed/);
    } finally {
      m2.restore();
    }
  } finally {
    m.restore();
  }
});

D("a domain stage that AWS refuses to start is that tenant's failure; the deploy goes on", async () => {
  const m = mockedAws(fakeClock());
  try {
    readyStack(m, 'UPDATE_COMPLETE', JSON.stringify({ ...manifest(), domains: [] }));
    m.cfn
      .on(UpdateStackCommand, { StackName: 'tessera-domain-umbrella' })
      .rejects(
        Object.assign(new Error('User is not authorized to perform: cloudformation:UpdateStack'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      );
    changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False' })]);
    successfulRollout(m);
    const { report, out } = await deploy(m.aws);
    assert.is(report.outcome, 'deployed', out);
    const umbrella = report.domainStages.find((s) => s.tenant === 'umbrella')!;
    assert.is(umbrella.status, 'failed');
    assert.match(umbrella.detail, 'AccessDenied');
    assert.is(report.domainStages.find((s) => s.tenant === 'acme')!.status, 'issued');
  } finally {
    m.restore();
  }
});

D('the API calls of a one-tenant change do not grow with the estate (event polling aside)', async () => {
  const counts: Record<number, Record<string, number>> = {};
  const partitions: Record<number, string> = {};
  // 200 tenants, not more: the larger estate needs only more of every partition the
  // deploy could call per (groups, ALB and cache shards: 2, 1, 1 at 50; 5, 2, 2 at 200),
  // which the partitions assertion below checks.
  for (const size of [50, 200]) {
    const tenants = join(work, `estate-${size}`);
    const out = join(work, `out-${size}`);
    generateEstate(tenants, size, join(FIXTURES, 'platform.yaml'));
    assert.is((await runMain(['compile', '--tenants', tenants, '--out', out])).status, 0);
    const before = readFileSync(join(out, 'assets.json'), 'utf8');
    const files = listTree(out);
    partitions[size] = ['groups/', 'shards/alb-', 'shards/cache-'].map((p) => files.filter((f) => f.startsWith(p)).length).join(' ');
    // One tenant changes: its template, its group's and the root's get new keys.
    const one = join(tenants, 'bravo-t1.yaml');
    writeFileSync(one, readFileSync(one, 'utf8').replace(/^name: .*$/m, 'name: Renamed'));
    assert.is((await runMain(['compile', '--tenants', tenants, '--out', out])).status, 0);
    const m = mockedAws(fakeClock());
    try {
      readyStack(m, 'UPDATE_COMPLETE', before);
      m.s3.on(HeadObjectCommand).rejects(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }));
      changeSetTree(m, [resourceChange('Modify', 'tenantRegistration', 'Custom::TenantRegistration', { Replacement: 'False' })]);
      successfulRollout(m);
      const { report, out: printed } = await deploy(m.aws, { outDir: out });
      assert.is(report.outcome, 'deployed', printed);
      const tally: Record<string, number> = {};
      for (const c of [...m.cfn.calls(), ...m.s3.calls(), ...m.ec2.calls()]) {
        const name = c.args[0].constructor.name;
        if (name === 'DescribeStackEventsCommand') continue;
        tally[name] = (tally[name] ?? 0) + 1;
      }
      counts[size] = tally;
    } finally {
      m.restore();
    }
  }
  assert.equal([partitions[50], partitions[200]], ['2 1 1', '5 2 2'], 'groups, ALB shards, cache shards');
  assert.equal(counts[200], counts[50]);
  assert.is(counts[200]!.PutObjectCommand, 4, 'the tenant, its group and the root template, and the record');
  assert.is(counts[200]!.DescribeImagesCommand, 1, 'each distinct image of the output, asked once');
});

D.run();
