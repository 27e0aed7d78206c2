// The tenant registry (DynamoDB) and the provisioning Lambda behind every tenant
// stack's Custom::TenantRegistration. The function's role can write the registry,
// run statements through the Data API on this cluster, and read the cluster's
// managed secret: nothing else.
import type { EstatePlan } from '../../plan/model.ts';
import { sqlIdent } from '../render.ts';
import { templateFileText } from '../templateSpecs.ts';
import { DB_CLUSTER } from './database.ts';
import { DATA_KEY, DATABASE_KEY, LOGS_KEY } from './keys.ts';
import { REGISTRY_TABLE } from './rootIds.ts';
import { getAtt, ref, sub, tags, type LayerOutput } from './template.ts';

export { REGISTRY_TABLE };
export const PROVISIONING_FUNCTION = 'provisioningFunction';
/** Current Node.js runtime; nodejs20.x is being retired (cfn-lint's runtime lifecycle data). */
export const LAMBDA_RUNTIME = 'nodejs24.x';

export function emitRegistry(plan: EstatePlan): LayerOutput {
  const p = plan.platform;
  const t = tags(p.tags);
  const functionName = p.names.provisioningFunction;
  const code = templateFileText('lambda/provisioner.js');
  return {
    resources: {
      [REGISTRY_TABLE]: {
        Type: 'AWS::DynamoDB::Table',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          TableName: p.names.registryTable,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'tenantId', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'tenantId', KeyType: 'HASH' }],
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: getAtt(DATA_KEY, 'Arn') },
          DeletionProtectionEnabled: true,
          Tags: t,
        },
      },
      provisioningDeadLetterQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: { MessageRetentionPeriod: 1209600, KmsMasterKeyId: ref(DATA_KEY), Tags: t },
      },
      // Failed registrations carry tenant names and ids: never over plain HTTP (rule E306).
      provisioningDeadLetterQueuePolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [ref('provisioningDeadLetterQueue')],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyInsecureTransport',
                Effect: 'Deny',
                Principal: '*',
                Action: 'sqs:*',
                Resource: getAtt('provisioningDeadLetterQueue', 'Arn'),
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          },
        },
      },
      provisioningLogGroup: {
        Type: 'AWS::Logs::LogGroup',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { LogGroupName: p.names.provisioningLogGroup, RetentionInDays: 365, KmsKeyId: getAtt(LOGS_KEY, 'Arn'), Tags: t },
      },
      provisioningFunctionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: 'Provisioning Lambda: registry writes, Data API on the platform cluster, its own logs',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          Policies: [
            {
              PolicyName: 'provision-tenants',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Sid: 'WriteRegistry', Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: getAtt(REGISTRY_TABLE, 'Arn') },
                  { Sid: 'UseDataKeyForRegistryAndQueue', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: getAtt(DATA_KEY, 'Arn') },
                  { Sid: 'RunStatements', Effect: 'Allow', Action: ['rds-data:ExecuteStatement'], Resource: getAtt(DB_CLUSTER, 'DBClusterArn') },
                  {
                    Sid: 'ReadMasterSecret',
                    Effect: 'Allow',
                    Action: ['secretsmanager:GetSecretValue'],
                    Resource: getAtt(DB_CLUSTER, 'MasterUserSecret.SecretArn'),
                  },
                  { Sid: 'DecryptMasterSecret', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: getAtt(DATABASE_KEY, 'Arn') },
                  { Sid: 'DeadLetters', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: getAtt('provisioningDeadLetterQueue', 'Arn') },
                  { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: sub('${provisioningLogGroup.Arn}:*') },
                ],
              },
            },
          ],
          Tags: t,
        },
      },
      [PROVISIONING_FUNCTION]: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: functionName,
          Description: 'Registers tenants in the registry and the database; always answers CloudFormation',
          Runtime: LAMBDA_RUNTIME,
          Handler: 'index.handler',
          Architectures: ['arm64'],
          MemorySize: 256,
          // Well under CloudFormation's one-hour custom-resource wait; the handler
          // answers FAILED itself 10 s before this.
          Timeout: 120,
          ReservedConcurrentExecutions: 10,
          Role: getAtt('provisioningFunctionRole', 'Arn'),
          Code: { ZipFile: code },
          DeadLetterConfig: { TargetArn: getAtt('provisioningDeadLetterQueue', 'Arn') },
          Environment: {
            Variables: {
              TABLE_NAME: ref(REGISTRY_TABLE),
              DB_CLUSTER_ARN: getAtt(DB_CLUSTER, 'DBClusterArn'),
              DB_SECRET_ARN: getAtt(DB_CLUSTER, 'MasterUserSecret.SecretArn'),
              DB_NAME: p.database.databaseName,
              DB_SCHEMA_IDENT: sqlIdent(p.database.schema),
            },
          },
          KmsKeyArn: getAtt(DATA_KEY, 'Arn'),
          LoggingConfig: { LogGroup: ref('provisioningLogGroup'), LogFormat: 'JSON' },
          Tags: t,
        },
      },
    },
    outputs: {
      RegistryTableName: { Description: 'DynamoDB tenant registry', Value: ref(REGISTRY_TABLE) },
      ProvisioningFunctionArn: { Description: 'Service token of Custom::TenantRegistration', Value: getAtt(PROVISIONING_FUNCTION, 'Arn') },
    },
  };
}
