// The AWS clients of deploy. Credentials, region and endpoint come from the SDK's
// standard chain and environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...);
// --profile and --region override. Retries are the SDK's own (RETRY): throttling and
// transient errors are retried inside each client with exponential backoff, jitter and,
// in adaptive mode, a client-side rate limiter that slows every later call once AWS
// throttles; nothing of deploy's retries again on top of it.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { type AwsOptions, clientConfig } from './awsConfig.ts';
import type { Clock } from './clock.ts';

export interface Aws {
  readonly cfn: CloudFormationClient;
  readonly s3: S3Client;
  /** Asked who owns each image of the output (deploy/imageProof.ts). */
  readonly ec2: EC2Client;
  readonly clock: Clock;
  region(): Promise<string>;
}

/** A custom endpoint (a local emulator, an S3-compatible store) needs path-style bucket addressing. */
function customEndpoint(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3);
}

export function awsClients(options: AwsOptions, clock: Clock, env: NodeJS.ProcessEnv = process.env): Aws {
  const config = clientConfig(options);
  return wrap(new CloudFormationClient(config), new S3Client({ ...config, forcePathStyle: customEndpoint(env) }), clock, new EC2Client(config));
}

export function wrap(cfn: CloudFormationClient, s3: S3Client, clock: Clock, ec2: EC2Client): Aws {
  return { cfn, s3, ec2, clock, region: async () => cfn.config.region() };
}

/** The https URL CloudFormation reads a template from (virtual-hosted style). */
export function templateUrl(bucket: string, region: string, key: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${bucket}.s3.${region}.${suffix}/${key}`;
}
