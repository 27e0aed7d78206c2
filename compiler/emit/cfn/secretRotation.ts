// Rotation of every tenant's app-credentials secret: one Lambda for the estate
// (templates/lambda/secretRotator.js), which Secrets Manager invokes on each tenant
// secret's RotationSchedule (tenant/config.ts) to regenerate its signing key.
//
// Its role reaches nothing but those secrets: the four rotation actions on names
// /<platform>/tenants/<id>/[r<n>/]app-credentials only (not a tenant's OIDC client
// secret, which its IdP issued, nor another estate's), and the data key only through
// Secrets Manager, for those same secrets (their ARN is the encryption context). The
// function checks the name again, and never writes one tenant's id into another's
// secret.
import type { EstatePlan } from '../../plan/model.ts';
import { templateFileText } from '../templateSpecs.ts';
import { DATA_KEY, LOGS_KEY } from './keys.ts';
import { LAMBDA_RUNTIME } from './registry.ts';
import { getAtt, ref, sub, tags, type LayerOutput } from './template.ts';

export const SECRET_ROTATION_FUNCTION = 'secretRotationFunction';
/** Secrets Manager may invoke the function: tenant stacks schedule rotations only once it can. */
export const SECRET_ROTATION_PERMISSION = 'secretRotationInvokePermission';
/** Days between two rotations of a tenant's signing key. */
export const SECRET_ROTATION_DAYS = 30;

export function emitSecretRotation(plan: EstatePlan): LayerOutput {
  const p = plan.platform;
  const t = tags(p.tags);
  // Every tenant's app credentials, of any incarnation; the six characters are the
  // suffix Secrets Manager adds to a secret's ARN.
  const secrets = () =>
    sub('arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${TenantsPath}*/app-credentials-??????', {
      TenantsPath: p.names.tenantsConfigPath,
    });
  return {
    resources: {
      secretRotationLogGroup: {
        Type: 'AWS::Logs::LogGroup',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { LogGroupName: p.names.secretRotationLogGroup, RetentionInDays: 365, KmsKeyId: getAtt(LOGS_KEY, 'Arn'), Tags: t },
      },
      secretRotationFunctionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: "Secret rotation Lambda: tenants' app-credentials secrets and their key through Secrets Manager, its own logs",
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          Policies: [
            {
              PolicyName: 'rotate-tenant-secrets',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'RotateTenantAppCredentials',
                    Effect: 'Allow',
                    Action: [
                      'secretsmanager:DescribeSecret',
                      'secretsmanager:GetSecretValue',
                      'secretsmanager:PutSecretValue',
                      'secretsmanager:UpdateSecretVersionStage',
                    ],
                    Resource: secrets(),
                  },
                  {
                    Sid: 'DataKeyThroughSecretsManagerForThem',
                    Effect: 'Allow',
                    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
                    Resource: getAtt(DATA_KEY, 'Arn'),
                    Condition: {
                      StringEquals: { 'kms:ViaService': sub('secretsmanager.${AWS::Region}.amazonaws.com') },
                      StringLike: { 'kms:EncryptionContext:SecretARN': secrets() },
                    },
                  },
                  { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: sub('${secretRotationLogGroup.Arn}:*') },
                ],
              },
            },
          ],
          Tags: t,
        },
      },
      [SECRET_ROTATION_FUNCTION]: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: p.names.secretRotationFunction,
          Description: "Rotates tenants' app-credentials secrets: a new signing key, same tenant",
          Runtime: LAMBDA_RUNTIME,
          Handler: 'index.handler',
          Architectures: ['arm64'],
          MemorySize: 128,
          // Each step is a few Secrets Manager calls.
          Timeout: 30,
          Role: getAtt('secretRotationFunctionRole', 'Arn'),
          Code: { ZipFile: templateFileText('lambda/secretRotator.js') },
          Environment: { Variables: { SECRET_PREFIX: p.names.tenantsConfigPath } },
          KmsKeyArn: getAtt(DATA_KEY, 'Arn'),
          LoggingConfig: { LogGroup: ref('secretRotationLogGroup'), LogFormat: 'JSON' },
          Tags: t,
        },
      },
      [SECRET_ROTATION_PERMISSION]: {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          FunctionName: getAtt(SECRET_ROTATION_FUNCTION, 'Arn'),
          Action: 'lambda:InvokeFunction',
          Principal: 'secretsmanager.amazonaws.com',
          // Only Secrets Manager acting for this account's secrets (confused deputy).
          SourceAccount: sub('${AWS::AccountId}'),
        },
      },
    },
    outputs: {
      SecretRotationFunctionArn: { Description: "Rotation Lambda of tenants' app-credentials secrets", Value: getAtt(SECRET_ROTATION_FUNCTION, 'Arn') },
    },
  };
}
