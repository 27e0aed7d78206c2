// The session policy the pooled fleet passes with AssumeRole (the "dynamic IAM policy"):
// generated at run time for one tenant from the names compile published (its S3
// prefix, SSM path, secret, log group, cache user and replication group) and the account
// and bucket the deployed estate has. A session's rights are the intersection of its
// role's policy and this one, so even a tenant role whose policy were broadened by
// mistake would give a request no more than its own tenant's ARNs. Each statement is
// the same resource as a statement of the tenant's role policy
// (compiler/emit/cfn/tenant/iam.ts); test/runtime.credentials.test.ts evaluates the two
// together with iam-simulate against the compiled bucket policy.
import type { RuntimeTenant } from '../compiler/outputFormat.ts';

export interface SessionPolicyInput {
  readonly tenant: RuntimeTenant;
  readonly partition: string;
  readonly account: string;
  readonly region: string;
  /** The tenant data bucket (the platform's SSM parameter). */
  readonly bucket: string;
}

export interface SessionPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Action: readonly string[];
    readonly Resource: readonly string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
  }[];
}

/** AWS's limit on an inline session policy: 2,048 characters of plaintext (STS AssumeRole, Policy). */
export const SESSION_POLICY_MAX_CHARS = 2048;

export function tenantSessionPolicy(input: SessionPolicyInput): SessionPolicy {
  const { tenant: t, partition, account, region, bucket } = input;
  const arn = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${account}:${resource}`;
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'OwnObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: [`${bucketArn}/${t.s3Prefix}*`] },
      {
        Sid: 'ListOwnPrefix',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [bucketArn],
        Condition: { StringLike: { 's3:prefix': [`${t.s3Prefix}*`] } },
      },
      // The bucket's KMS key, only as S3 uses it (SSE-KMS); which key is the role policy's to say.
      {
        Sid: 'DataKeyThroughS3',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [arn('kms', 'key/*')],
        Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
      },
      {
        Sid: 'OwnParameters',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
        Resource: [arn('ssm', `parameter${t.ssmPath}*`), arn('ssm', `parameter${t.ssmPath.slice(0, -1)}`)],
      },
      // Secrets Manager appends a dash and six characters to a secret's name in its ARN.
      { Sid: 'OwnSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [arn('secretsmanager', `secret:${t.secret}-??????`)] },
      { Sid: 'OwnLogGroup', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [arn('logs', `log-group:${t.logGroup}:*`)] },
      {
        Sid: 'OwnCacheUser',
        Effect: 'Allow',
        Action: ['elasticache:Connect'],
        Resource: [arn('elasticache', `user:${t.cacheUser}`), arn('elasticache', `replicationgroup:${t.cacheGroup}`)],
      },
    ],
  };
}
