// The settings every AWS client of deploy is made with, apart from the clients: `tenantc
// ami` makes only an SSM client, and importing this instead of aws.ts spares it loading
// the CloudFormation, S3 and EC2 clients (~0.5 s of CPU at each start).
export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
}

/**
 * The SDK's retry settings for every client deploy makes. CloudFormation's describe
 * calls are throttled per account (a few per second); a 5,000-stack rollout polled by
 * several workers meets that limit, and `adaptive` then paces the callers instead of
 * failing the watch. 10 attempts with the SDK's backoff (capped at 20 s each) ride out
 * about two minutes of throttling.
 */
export const RETRY = { maxAttempts: 10, retryMode: 'adaptive' } as const;

export function clientConfig(options: AwsOptions) {
  return { ...RETRY, ...(options.region ? { region: options.region } : {}), ...(options.profile ? { profile: options.profile } : {}) };
}
