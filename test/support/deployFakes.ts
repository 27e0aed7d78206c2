// Fakes for deploy's unit tests: a clock that never waits, AWS clients mocked with
// aws-sdk-client-mock, and builders for the CloudFormation answers a rollout reads.
import { CloudFormationClient, type Change, type StackEvent } from '@aws-sdk/client-cloudformation';
import { DescribeImagesCommand, EC2Client, type Image } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { type Aws, wrap } from '../../deploy/aws.ts';
import type { Clock } from '../../deploy/clock.ts';
import type { DeployRequest } from '../../deploy/deploy.ts';

/** A deploy of the output in `outDir` to stack tessera, approved (--yes), with `more` over it. */
export const deployRequest = (outDir: string, cwd: string, more: Partial<DeployRequest> = {}): DeployRequest => ({
  outDir,
  cwd,
  stack: 'tessera',
  bucket: 'tessera-assets',
  yes: true,
  execute: true,
  changeSet: null,
  allows: [],
  replaceFailed: false,
  wait: true,
  pollMs: 1000,
  domainWaitMs: 60_000,
  timeoutMs: 3_600_000,
  roleArn: null,
  notePath: 'note.json',
  ...more,
});

export interface FakeClock extends Clock {
  readonly sleeps: number[];
}

/** Time moves only when deploy sleeps; an aborted signal ends a sleep as the real clock's does. */
export function fakeClock(): FakeClock {
  let t = Date.UTC(2026, 10, 27, 12, 0, 0);
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      t += ms;
    },
  };
}

/** An image as DescribeImages describes it: an Amazon Linux 2023 image of Amazon's unless `more` says otherwise. */
export function image(imageId: string, more: Partial<Image> = {}): Image {
  return {
    ImageId: imageId,
    OwnerId: '137112412989',
    ImageOwnerAlias: 'amazon',
    State: 'available',
    Name: 'al2023-ami-2023.9.20261120.0-kernel-6.1-x86_64',
    ...more,
  };
}

export function mockedAws(clock: Clock) {
  const cfn = mockClient(CloudFormationClient);
  const s3 = mockClient(S3Client);
  const ec2 = mockClient(EC2Client);
  // Every image is Amazon's unless a test says otherwise (test/imageProof.test.ts).
  ec2.on(DescribeImagesCommand).callsFake((input: { ImageIds?: string[] }) => ({ Images: (input.ImageIds ?? []).map((id) => image(id)) }));
  const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };
  const aws: Aws = wrap(
    new CloudFormationClient({ region: 'us-east-1', credentials }),
    new S3Client({ region: 'us-east-1', credentials }),
    clock,
    new EC2Client({ region: 'us-east-1', credentials }),
  );
  return { aws, cfn, s3, ec2, restore: () => (cfn.restore(), s3.restore(), ec2.restore()) };
}

/** A GetObject body, as the SDK hands it over. */
export function body(text: string) {
  return { transformToString: async () => text } as never;
}

export const ROOT_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/tessera/root-1';
export const nestedId = (name: string) => `arn:aws:cloudformation:us-east-1:111122223333:stack/tessera-${name}/n-${name}`;

export function resourceChange(action: string, logicalId: string, type: string, more: Record<string, unknown> = {}): Change {
  return { Type: 'Resource', ResourceChange: { Action: action as never, LogicalResourceId: logicalId, ResourceType: type, ...more } };
}

let eventCounter = 0;
/** An event at second `s` of the rollout. */
export function event(stackId: string, logicalId: string, type: string, status: string, s: number, more: Partial<StackEvent> = {}): StackEvent {
  return {
    EventId: `e-${++eventCounter}`,
    StackId: stackId,
    StackName: stackId.split('/')[1],
    LogicalResourceId: logicalId,
    ResourceType: type,
    ResourceStatus: status as never,
    Timestamp: new Date(Date.UTC(2026, 10, 27, 12, 0, s)),
    ...more,
  };
}

/** The stack's own event (its status), as CloudFormation records it. */
export function stackEvent(stackId: string, status: string, s: number, reason?: string): StackEvent {
  return event(stackId, stackId.split('/')[1]!, 'AWS::CloudFormation::Stack', status, s, {
    PhysicalResourceId: stackId,
    ...(reason ? { ResourceStatusReason: reason } : {}),
  });
}

// The SDK warns, once per process, that its releases after January 2027 will need
// Node.js 22; this project runs on Node.js 20 (README). Expected, so not repeated in
// every test run's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
