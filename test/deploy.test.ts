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
  SetStackPolicyCommand,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateEstate } from '../bench/generateEstate.ts';
import { type DeployReport, type DeployRequest, runDeploy } from '../deploy/deploy.ts';
import { stackPolicy } from '../deploy/stackPolicy.ts';
import { BACKOFF } from '../deploy/clock.ts';
import { rootCause } from '../deploy/execute.ts';
import { FIXTURES, runMain } from './helpers.ts';
import { body, event, fakeClock, mockedAws, nestedId, resourceChange, ROOT_ID, stackEvent } from './support/deployFakes.ts';

const D = suite('deploy');
const work = mkdtempSync(join(tmpdir(), 'tenantc-deploy-test-'));
const OUT = join(work, 'out');
const GROUP_ID = nestedId('group0');
const ACME_ID = nestedId('acme');

D.before(async () => {
  const r = await runMain(['compile', '--locked', '--tenants', join(FIXTURES, 'diff', 'base'), '--out', OUT]);
  assert.is(r.status, 0, r.stderr);
});
D.after(() => rmSync(work, { recursive: true, force: true }));

const request = (more: Partial<DeployRequest> = {}): DeployRequest => ({
  outDir: OUT,
  cwd: work,
  stack: 'tessera',
  bucket: 'tessera-assets',
  yes: true,
  execute: true,
  allowReplace: [],
  allowRemove: [],
  replaceFailed: false,
  pollMs: 1000,
  domainWaitMs: 60_000,
  ...more,
});

interface Captured {
  report: DeployReport;
  out: string;
}

async function deploy(aws: Parameters<typeof runDeploy>[0], more: Partial<DeployRequest> = {}, prompt?: (q: string) => Promise<string>): Promise<Captured> {
  let out = '';
  const report = await runDeploy(aws, request(more), { step: (t) => (out += `==> ${t}\n`), line: (t) => (out += `${t}\n`) }, prompt);
  return { report, out };
}

const manifest = () =>
  JSON.parse(readFileSync(join(OUT, 'assets.json'), 'utf8')) as { root: { key: string }; nested: { key: string; stack: string }[]; domains: { key: string }[] };

/** A stack that exists and is ready, and the bucket records the last deploy's manifest. */
function readyStack(m: ReturnType<typeof mockedAws>, status = 'UPDATE_COMPLETE', record: string | null = readFileSync(join(OUT, 'assets.json'), 'utf8')) {
  m.cfn.on(DescribeStacksCommand).resolves({
    Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: status as never, CreationTime: new Date(), EnableTerminationProtection: true }],
  });
  if (record === null) m.s3.on(GetObjectCommand).rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' }));
  else m.s3.on(GetObjectCommand).resolves({ Body: body(record) });
  m.s3.on(HeadObjectCommand).resolves({});
  m.s3.on(PutObjectCommand).resolves({});
  m.cfn.on(CreateChangeSetCommand).resolves({ Id: 'cs-root', StackId: ROOT_ID });
  m.cfn.on(DeleteChangeSetCommand).resolves({});
  m.cfn.on(SetStackPolicyCommand).resolves({});
  issuedStages(m);
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
      readyStack(m, 'UPDATE_COMPLETE', JSON.stringify({ ...current, nested: current.nested.filter((t) => t.key !== acmeKey) }));
      m.s3.on(HeadObjectCommand).rejects(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }));
      changeSetTree(m, [resourceChange('Modify', 'tenantLogGroup', 'AWS::Logs::LogGroup', { Replacement: 'False', Scope: ['Properties'] })]);
      successfulRollout(m);
      const { report, out } = await deploy(m.aws);
      assert.is(report.outcome, 'deployed', out);
      assert.equal(
        m.s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.Key),
        [acmeKey],
      );
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
    assert.match(out, '--allow-replace tenant:acme');
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
    const { report, out } = await deploy(m.aws, { allowReplace: ['tenant:acme'] });
    assert.is(report.outcome, 'deployed', out);
    assert.match(
      out,
      'allowed: replaces tenantUserPool (AWS::Cognito::UserPool) in tenant acme (tenantGroup0Stack/tenantAcmeStack), by --allow-replace tenant:acme',
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
    const { report, out } = await deploy(m.aws, { allowReplace: ['tenantCertificate'] });
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
    ['UPDATE_IN_PROGRESS', /is busy: UPDATE_IN_PROGRESS since .*Another deploy/],
    ['DELETE_FAILED', /is DELETE_FAILED/],
  ];
  for (const [status, explained] of cases) {
    const m = mockedAws(fakeClock());
    try {
      m.cfn
        .on(DescribeStacksCommand)
        .resolves({ Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: status as never, StackStatusReason: 'x', CreationTime: new Date() }] });
      const { report } = await deploy(m.aws);
      assert.is(report.outcome, 'blocked', status);
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

D('throttling: retried with exponential backoff and full jitter, then the deploy goes on', async () => {
  const clock = fakeClock([0.25, 0.5, 0.75]);
  const m = mockedAws(clock);
  try {
    readyStack(m);
    const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    m.cfn
      .on(DescribeStacksCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ Stacks: [{ StackName: 'tessera', StackId: ROOT_ID, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] });
    m.cfn.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', StatusReason: 'No updates are to be performed.' });
    const { report } = await deploy(m.aws);
    assert.is(report.outcome, 'no-changes');
    // Attempt n waits random() × min(cap, base × 2^n): 0.25 × 1000, 0.5 × 2000, 0.75 × 4000.
    assert.equal(clock.sleeps.slice(0, 3), [0.25 * BACKOFF.baseMs * 2, 0.5 * BACKOFF.baseMs * 4, 0.75 * BACKOFF.baseMs * 8]);
  } finally {
    m.restore();
  }
});

D('throttling past the last attempt is reported, not hidden', async () => {
  const m = mockedAws(fakeClock());
  try {
    m.cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await deploy(m.aws).then(
      () => assert.unreachable('should throw'),
      (e: Error) => assert.is(e.name, 'Throttling'),
    );
    assert.is(m.cfn.commandCalls(DescribeStacksCommand).length, BACKOFF.attempts);
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
    await deploy(m.aws, { outDir: copy }).then(
      () => assert.unreachable('should throw'),
      (e: Error) => assert.match(e.message, /tenants\/acme\.template\.json does not match its key .*: run tenantc compile again/),
    );
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
      const { report, out } = await deploy(m.aws, { allowReplace: ['tenantCertificate'] });
      assert.is(report.outcome, outcome, out);
      if (outcome === 'refused') {
        assert.equal(report.domainGate, [{ tenant: 'acme', change: 'replaces its certificate' }]);
        assert.match(out, 'acme: the change set replaces its certificate, but its domain stage is not issued');
        assert.match(out, 'refused: acme says dns.validated but its domain stage is not issued');
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
    // The bound: 30 s at 5 s polls, then the deploy moved on.
    assert.is(m.cfn.commandCalls(DescribeStacksCommand, { StackName: stage }).length, 1 + 7);
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

D('the API calls of a one-tenant change do not grow with the estate (event polling aside)', async () => {
  const counts: Record<number, Record<string, number>> = {};
  for (const size of [50, 500]) {
    const tenants = join(work, `estate-${size}`);
    const out = join(work, `out-${size}`);
    generateEstate(tenants, size, join(FIXTURES, 'platform.yaml'));
    assert.is((await runMain(['compile', '--tenants', tenants, '--out', out])).status, 0);
    const before = readFileSync(join(out, 'assets.json'), 'utf8');
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
      for (const c of [...m.cfn.calls(), ...m.s3.calls()]) {
        const name = c.args[0].constructor.name;
        if (name === 'DescribeStackEventsCommand') continue;
        tally[name] = (tally[name] ?? 0) + 1;
      }
      counts[size] = tally;
    } finally {
      m.restore();
    }
  }
  assert.equal(counts[500], counts[50]);
  assert.is(counts[500]!.PutObjectCommand, 4, 'the tenant, its group and the root template, and the record');
});

D.run();
