// KMS keys, one per kind of data, each with yearly automatic rotation. Separate keys
// keep blast radius small: a grant on the log key never decrypts database storage.
import type { EstatePlan } from '../../plan/model.ts';
import type { PolicyStatement } from './policy.ts';
import { ref, sub, tags, type LayerOutput, type ResourceOf } from './template.ts';

export const DATA_KEY = 'platformDataKey';
export const DATABASE_KEY = 'platformDatabaseKey';
export const LOGS_KEY = 'platformLogsKey';

function key(plan: EstatePlan, description: string, extraStatements: PolicyStatement[]): ResourceOf<'AWS::KMS::Key'> {
  return {
    Type: 'AWS::KMS::Key',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      Description: description,
      EnableKeyRotation: true,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyPolicy: {
        Version: '2012-10-17',
        Statement: [
          // The account administers the key through IAM; without this statement a
          // key whose policy names no principal could become unmanageable.
          {
            Sid: 'AccountAdministers',
            Effect: 'Allow',
            Principal: { AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') },
            Action: 'kms:*',
            Resource: '*',
          },
          ...extraStatements,
        ],
      },
      Tags: tags([...plan.platform.tags, ['tenantc:purpose', description]]),
    },
  };
}

export function emitKeys(plan: EstatePlan): LayerOutput {
  const region = plan.platform.region;
  return {
    resources: {
      [DATA_KEY]: key(plan, 'Tenant data: S3, DynamoDB registry, SQS, SNS, Secrets Manager', [
        {
          // CloudFront (through Origin Access Control) decrypts objects it serves, and
          // only for this account's distributions.
          Sid: 'CloudFrontDecryptsForThisAccount',
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: ['kms:Decrypt'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': sub('${AWS::AccountId}') } },
        },
        {
          // CloudWatch alarms publish to the encrypted alarm topic.
          Sid: 'CloudWatchPublishesAlarms',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': sub('${AWS::AccountId}') } },
        },
        {
          // Auto Scaling publishes its groups' notifications to the same topic (rule
          // E202) as its service-linked role, through SNS. Named by condition, not as
          // the principal: a key policy naming a role that does not exist yet (a new
          // account's first Auto Scaling group creates it) would be refused.
          Sid: 'AutoScalingPublishesNotifications',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: {
            StringEquals: {
              'aws:PrincipalArn': sub(
                'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
              ),
              'kms:ViaService': sub('sns.${AWS::Region}.amazonaws.com'),
            },
          },
        },
      ]),
      [DATABASE_KEY]: key(plan, 'Aurora storage, snapshots and the master user secret; ElastiCache at rest', []),
      [LOGS_KEY]: key(plan, 'CloudWatch Logs of the platform and of every tenant', [
        {
          // Logs encrypts a log group with this key only for log groups of this account
          // and region (the encryption context names the log group ARN).
          Sid: 'CloudWatchLogsEncrypts',
          Effect: 'Allow',
          Principal: { Service: `logs.${region}.amazonaws.com` },
          Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          Resource: '*',
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': sub('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*') } },
        },
      ]),
      platformDataKeyAlias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: `alias/${plan.platform.name}/data`, TargetKeyId: ref(DATA_KEY) } },
      platformDatabaseKeyAlias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: `alias/${plan.platform.name}/database`, TargetKeyId: ref(DATABASE_KEY) } },
      platformLogsKeyAlias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: `alias/${plan.platform.name}/logs`, TargetKeyId: ref(LOGS_KEY) } },
    },
  };
}
