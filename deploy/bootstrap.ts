// `tenantc bootstrap`: the one stack deploy needs before its first run, holding the
// assets bucket that compiled templates are uploaded to and CloudFormation reads.
import { CreateStackCommand, DescribeStackEventsCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { Aws } from './aws.ts';
import type { Pacer } from './clock.ts';
import { describeStack } from './stackState.ts';

export const BOOTSTRAP_STACK = 'tenantc-assets';

/**
 * The template keys deploy writes (compiler/outputFormat.ts, ASSET_KEY): the policy's
 * statements about templates name exactly these, never the deployed record
 * (tenantc/deployed/<stack>.assets.json), which each rollout rewrites.
 */
export const TEMPLATE_OBJECTS = 'tenantc/*.template.json';

/**
 * The assets bucket: versioned; encrypted at rest (SSE-S3: CloudFormation reads the
 * templates with the deployer's credentials, and SSE-S3 needs no key grant for that);
 * reachable only over TLS; public access blocked; ACLs disabled; noncurrent versions
 * expire after 30 days. Template objects cannot be deleted (deploy relies on a key it
 * uploaded once staying there), and the bucket outlives its stack.
 *
 * Template objects cannot be overwritten either, by anyone: S3 has no "overwrite"
 * action (s3:PutObject both creates and replaces), but it has the condition key
 * s3:if-none-match (S3 user guide, "Enforce conditional writes"), so a PutObject or
 * CompleteMultipartUpload on a template key without `If-None-Match: *` is denied, and
 * with it S3 refuses to write over an existing key (412). Multipart uploads and
 * CopyObject to template keys are thereby denied too (they cannot carry the header at
 * their start; deploy uses neither). With `deployRoleArn`, only that role may write a
 * template key at all. What a bucket policy cannot do: stop whoever may change the
 * policy itself (s3:PutBucketPolicy, or the account's root user) from lifting it, or say
 * which bytes belong under a key: deploy proves those itself (deploy/templateProof.ts).
 */
export function bootstrapTemplate(bucket: string, deployRoleArn: string | null = null): object {
  const arn = `arn:\${AWS::Partition}:s3:::${bucket}`;
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'tenantc assets bucket: compiled templates that tenantc deploy uploads and CloudFormation reads',
    Resources: {
      AssetsBucket: {
        Type: 'AWS::S3::Bucket',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BucketName: bucket,
          VersioningConfiguration: { Status: 'Enabled' },
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LifecycleConfiguration: {
            Rules: [
              {
                Id: 'expire-old-versions',
                Status: 'Enabled',
                NoncurrentVersionExpiration: { NoncurrentDays: 30 },
                AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              },
            ],
          },
          Tags: [{ Key: 'tenantc:purpose', Value: 'assets' }],
        },
      },
      AssetsBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'AssetsBucket' },
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyInsecureTransport',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [{ 'Fn::Sub': arn }, { 'Fn::Sub': `${arn}/*` }],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
              {
                Sid: 'DenyDeletingTemplates',
                Effect: 'Deny',
                Principal: '*',
                Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
                Resource: { 'Fn::Sub': `${arn}/tenantc/*` },
              },
              {
                Sid: 'DenyOverwritingTemplates',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:PutObject',
                Resource: { 'Fn::Sub': `${arn}/${TEMPLATE_OBJECTS}` },
                Condition: { Null: { 's3:if-none-match': 'true' } },
              },
              ...(deployRoleArn
                ? [
                    {
                      Sid: 'DenyTemplateWritesButTheDeployRole',
                      Effect: 'Deny',
                      Principal: '*',
                      Action: 's3:PutObject',
                      Resource: { 'Fn::Sub': `${arn}/${TEMPLATE_OBJECTS}` },
                      Condition: { ArnNotEquals: { 'aws:PrincipalArn': deployRoleArn } },
                    },
                  ]
                : []),
            ],
          },
        },
      },
    },
    Outputs: { AssetsBucketName: { Description: 'Pass as tenantc deploy --assets-bucket', Value: { Ref: 'AssetsBucket' } } },
  };
}

export type BootstrapResult = { readonly kind: 'created' | 'exists' } | { readonly kind: 'failed'; readonly message: string };

export async function bootstrap(
  aws: Aws,
  stack: string,
  bucket: string,
  pollMs: number,
  pacer: Pacer,
  say: (line: string) => void,
  deployRoleArn: string | null = null,
): Promise<BootstrapResult> {
  const state = await describeStack(aws, stack);
  if (state.kind === 'ready') {
    const outputs = (await aws.cfn.send(new DescribeStacksCommand({ StackName: stack }))).Stacks?.[0]?.Outputs ?? [];
    const holds = outputs.find((o) => o.OutputKey === 'AssetsBucketName')?.OutputValue;
    if (holds === bucket) return { kind: 'exists' };
    return {
      kind: 'failed',
      message: `stack ${stack} already exists and holds ${holds ? `bucket ${holds}` : 'no assets bucket'}, not ${bucket}: deploy with --assets-bucket ${holds ?? '...'}, or bootstrap with another --stack`,
    };
  }
  if (state.kind !== 'absent')
    return {
      kind: 'failed',
      message: `stack ${stack} exists and is not usable (${state.kind === 'busy' || state.kind === 'failed' ? state.status : state.kind}): resolve it in CloudFormation, or bootstrap with another --stack`,
    };
  const { StackId } = await aws.cfn.send(
    new CreateStackCommand({
      StackName: stack,
      TemplateBody: JSON.stringify(bootstrapTemplate(bucket, deployRoleArn)),
      EnableTerminationProtection: true,
      Tags: [{ Key: 'tenantc:purpose', Value: 'assets' }],
    }),
  );
  say(`  creating stack ${stack} (${StackId})`);
  for (;;) {
    const now = await describeStack(aws, StackId!);
    if (now.kind === 'ready') return { kind: 'created' };
    if (now.kind !== 'busy') {
      const events = await aws.cfn.send(new DescribeStackEventsCommand({ StackName: StackId }));
      const failed = (events.StackEvents ?? []).filter((e) => e.ResourceStatus?.endsWith('_FAILED')).at(-1);
      return {
        kind: 'failed',
        message: `stack ${stack} did not create${failed ? `: ${failed.LogicalResourceId} ${failed.ResourceStatus}: ${failed.ResourceStatusReason ?? ''}` : ''}`,
      };
    }
    await pacer.pause(pollMs, `stack ${stack} being created`);
  }
}
