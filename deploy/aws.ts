// The AWS clients of deploy. Credentials, region and endpoint come from the SDK's
// standard chain and environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...);
// --profile and --region override. Retries are the SDK's own (RETRY): throttling and
// transient errors are retried inside each client with exponential backoff, jitter and,
// in adaptive mode, a client-side rate limiter that slows every later call once AWS
// throttles; nothing of deploy's retries again on top of it.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import type { Clock } from './clock.ts';

export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
}

export interface Aws {
  readonly cfn: CloudFormationClient;
  readonly s3: S3Client;
  /** Asked who owns each image of the output (deploy/imageProof.ts). */
  readonly ec2: EC2Client;
  readonly clock: Clock;
  region(): Promise<string>;
}

/**
 * The SDK's retry settings for every client deploy makes. CloudFormation's describe
 * calls are throttled per account (a few per second); a 5,000-stack rollout polled by
 * several workers meets that limit, and `adaptive` then paces the callers instead of
 * failing the watch. 10 attempts with the SDK's backoff (capped at 20 s each) ride out
 * about two minutes of throttling.
 */
export const RETRY = { maxAttempts: 10, retryMode: 'adaptive' } as const;

/** A custom endpoint (a local emulator, an S3-compatible store) needs path-style bucket addressing. */
function customEndpoint(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3);
}

export function clientConfig(options: AwsOptions) {
  return { ...RETRY, ...(options.region ? { region: options.region } : {}), ...(options.profile ? { profile: options.profile } : {}) };
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
