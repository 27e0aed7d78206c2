// The AWS clients of deploy. Credentials, region and endpoint come from the SDK's
// standard chain and environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...);
// --profile and --region override. Every call goes through withBackoff.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { type Clock, withBackoff } from './clock.ts';

export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
}

export interface Aws {
  readonly cfn: CloudFormationClient;
  readonly s3: S3Client;
  readonly clock: Clock;
  /** Sends a command, retrying while AWS throttles it. */
  send<T>(fn: () => Promise<T>): Promise<T>;
  region(): Promise<string>;
}

/** A custom endpoint (a local emulator, an S3-compatible store) needs path-style bucket addressing. */
function customEndpoint(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3);
}

export function awsClients(options: AwsOptions, clock: Clock, onRetry?: (attempt: number, waitMs: number) => void, env: NodeJS.ProcessEnv = process.env): Aws {
  const config = { ...(options.region ? { region: options.region } : {}), ...(options.profile ? { profile: options.profile } : {}) };
  return wrap(new CloudFormationClient(config), new S3Client({ ...config, forcePathStyle: customEndpoint(env) }), clock, onRetry);
}

export function wrap(cfn: CloudFormationClient, s3: S3Client, clock: Clock, onRetry?: (attempt: number, waitMs: number) => void): Aws {
  return {
    cfn,
    s3,
    clock,
    send: (fn) => withBackoff(clock, fn, onRetry),
    region: async () => cfn.config.region(),
  };
}

/** The https URL CloudFormation reads a template from (virtual-hosted style). */
export function templateUrl(bucket: string, region: string, key: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${bucket}.s3.${region}.${suffix}/${key}`;
}
