// The API calls of a one-tenant change, as `npm run bench` prints them: a 5,000-tenant
// estate (BENCH_SIZES) compiled, one tenant renamed and compiled again, then deploy run
// against aws-sdk-client-mock answering a change set of that one tenant. The count is
// what deploy asks AWS whatever the estate's size (test/deploy.test.ts compares 50 and
// 500 tenants); event polling, which grows with the rollout's duration, is counted apart.
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  SetStackPolicyCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../cli/main.ts';
import { wrap } from '../deploy/aws.ts';
import { runDeploy } from '../deploy/deploy.ts';
import { image } from '../test/support/deployFakes.ts';
import { generateEstate, tenantId } from './generateEstate.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const size = Number(process.argv[2] ?? 5000);
const work = mkdtempSync(join(tmpdir(), 'tenantc-bench-deploy-'));
const quiet = { stdout: { write: () => true }, stderr: { write: (s: string) => process.stderr.write(s) }, cwd: work };
try {
  const tenants = join(work, 'tenants');
  const out = join(work, 'out');
  generateEstate(tenants, size, join(ROOT, 'test', 'fixtures', 'estates', 'sample', 'platform.yaml'));
  if ((await main(['compile', '--tenants', tenants, '--out', out], quiet)) !== 0) throw new Error('compile failed');
  const before = readFileSync(join(out, 'assets.json'), 'utf8');
  const one = join(tenants, `${tenantId(7)}.yaml`);
  writeFileSync(one, readFileSync(one, 'utf8').replace(/^name: .*$/m, 'name: Renamed'));
  if ((await main(['compile', '--tenants', tenants, '--out', out], quiet)) !== 0) throw new Error('compile failed');

  const cfn = mockClient(CloudFormationClient);
  const s3 = mockClient(S3Client);
  const ec2 = mockClient(EC2Client);
  ec2.on(DescribeImagesCommand).callsFake((input: { ImageIds?: string[] }) => ({ Images: (input.ImageIds ?? []).map((id) => image(id)) }));
  const root = 'arn:aws:cloudformation:us-east-1:111122223333:stack/bench/1';
  const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 12, 0, s));
  cfn
    .on(DescribeStacksCommand)
    .resolves({ Stacks: [{ StackName: 'bench', StackId: root, StackStatus: 'UPDATE_COMPLETE', CreationTime: at(0), EnableTerminationProtection: true }] });
  cfn.on(CreateChangeSetCommand).resolves({ Id: 'cs', StackId: root });
  cfn.on(DescribeChangeSetCommand).resolves({
    Status: 'CREATE_COMPLETE',
    StackId: root,
    Changes: [
      {
        Type: 'Resource',
        ResourceChange: { Action: 'Modify', LogicalResourceId: 'tenantGroup0Stack', ResourceType: 'AWS::CloudFormation::Stack', Replacement: 'False' },
      },
    ],
  });
  const stackEvent = (_id: string, status: string, s: number) => ({
    EventId: `${status}-${s}`,
    StackId: root,
    StackName: 'bench',
    LogicalResourceId: 'bench',
    PhysicalResourceId: root,
    ResourceType: 'AWS::CloudFormation::Stack',
    ResourceStatus: status as never,
    Timestamp: at(s),
  });
  cfn
    .on(DescribeStackEventsCommand)
    .resolvesOnce({ StackEvents: [stackEvent(root, 'UPDATE_COMPLETE', 0)] })
    .resolves({ StackEvents: [stackEvent(root, 'UPDATE_COMPLETE', 9), stackEvent(root, 'UPDATE_IN_PROGRESS', 1), stackEvent(root, 'UPDATE_COMPLETE', 0)] });
  cfn.on(ExecuteChangeSetCommand).resolves({});
  cfn.on(SetStackPolicyCommand).resolves({});
  s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => before } as never });
  s3.on(HeadObjectCommand).rejects(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }));
  s3.on(PutObjectCommand).resolves({});
  const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' };
  const clock = { now: () => Date.now(), sleep: async () => {} };
  const aws = wrap(
    new CloudFormationClient({ region: 'us-east-1', credentials }),
    new S3Client({ region: 'us-east-1', credentials }),
    clock,
    new EC2Client({ region: 'us-east-1', credentials }),
  );
  const t0 = process.hrtime.bigint();
  const report = await runDeploy(
    aws,
    {
      outDir: out,
      cwd: work,
      stack: 'bench',
      bucket: 'bench-assets',
      yes: true,
      execute: true,
      changeSet: null,
      allows: [],
      replaceFailed: false,
      wait: true,
      pollMs: 0,
      domainWaitMs: 0,
      timeoutMs: 600_000,
      roleArn: null,
      notePath: '.tenantc/change-sets/tessera.json',
    },
    { step: () => {}, line: () => {} },
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (report.outcome !== 'deployed') throw new Error(`deploy: ${report.outcome}: ${report.message}`);
  const tally = new Map<string, number>();
  let events = 0;
  for (const c of [...cfn.calls(), ...s3.calls(), ...ec2.calls()]) {
    const name = (c.args[0] as object).constructor.name.replace(/Command$/, '');
    if (name === 'DescribeStackEvents') events++;
    else tally.set(name, (tally.get(name) ?? 0) + 1);
  }
  const total = [...tally.values()].reduce((a, b) => a + b, 0);
  console.log(
    `deploy of a one-tenant change on ${size} tenants: ${total} API calls (${[...tally]
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), plus ${events} event polls; ${report.uploads!.uploaded.length} templates uploaded; ${ms.toFixed(0)} ms of deploy's own work`,
  );
  cfn.restore();
  s3.restore();
  ec2.restore();
} finally {
  rmSync(work, { recursive: true, force: true });
}
