// Configuration of one tenant: SSM parameters under /tenants/<id>/ (never secrets),
// its Secrets Manager secret (retained), and its registration, which the provisioning
// Lambda turns into a registry item and a database row.
import type { EstatePlan, TenantPlan } from '../../../plan/model.ts';
import { COMPUTE_TAG_KEY, TENANT_TAG_KEY } from '../../../plan/isolation.ts';
import { SECRET_ROTATION_DAYS } from '../secretRotation.ts';
import type { StackParameters } from '../stackParameters.ts';
import { getAtt, ref, type LayerOutput, type Resources, type Value } from '../template.ts';
import { TENANT_ROLE } from './iam.ts';
import { USER_POOL, USER_POOL_CLIENT } from './auth.ts';

export function emitTenantConfig(t: TenantPlan, params: StackParameters): LayerOutput {
  const path = t.names.ssmPath;
  const ssm: [string, string, Value][] = [
    ['Tier', 'tier', t.tier.name],
    ['Status', 'status', t.status],
    ['Domains', 'domains', t.appHosts.join(',')],
    ['RoleArn', 'role-arn', getAtt(TENANT_ROLE, 'Arn')],
    ['UserPoolId', 'user-pool-id', ref(USER_POOL)],
    ['UserPoolClientId', 'user-pool-client-id', ref(USER_POOL_CLIENT)],
    ['CacheUser', 'cache-user', t.names.cacheUser],
    ['CacheCluster', 'cache-cluster', t.names.cacheGroup],
  ];
  const r: Resources = {};
  for (const [id, name, value] of ssm) {
    r[`tenant${id}Parameter`] = {
      Type: 'AWS::SSM::Parameter',
      // The compute tag decides whether the pooled fleet may read it (compute.ts).
      Properties: {
        Name: `${path}${name}`,
        Type: 'String',
        Value: value,
        Tier: 'Standard',
        Tags: { [TENANT_TAG_KEY]: t.id, [COMPUTE_TAG_KEY]: t.serving.computeTag },
      },
    };
  }
  r.tenantSecret = {
    Type: 'AWS::SecretsManager::Secret',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      Name: t.names.secret,
      Description: `Application credentials of tenant ${t.id}`,
      KmsKeyId: params.ref('DataKeyArn'),
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ tenant: t.id }),
        GenerateStringKey: 'signingKey',
        PasswordLength: 48,
        ExcludePunctuation: true,
      },
      Tags: [{ Key: TENANT_TAG_KEY, Value: t.id }],
    },
  };
  // A new signing key every SECRET_ROTATION_DAYS (emit/cfn/secretRotation.ts). Not at
  // creation: the key was just generated, and a first deploy of thousands of tenants
  // would rotate them all at once.
  r.tenantSecretRotation = {
    Type: 'AWS::SecretsManager::RotationSchedule',
    Properties: {
      SecretId: ref('tenantSecret'),
      RotationLambdaARN: params.ref('SecretRotationFunctionArn'),
      RotationRules: { ScheduleExpression: `rate(${SECRET_ROTATION_DAYS} days)` },
      RotateImmediatelyOnUpdate: false,
    },
  };
  r.tenantRegistration = {
    Type: 'Custom::TenantRegistration',
    Properties: {
      ServiceToken: params.ref('ProvisioningFunctionArn'),
      TenantId: t.id,
      Name: t.name,
      Tier: t.tier.name,
      Status: t.status,
      StackId: ref('AWS::StackId'),
      ...(t.lifecycle.restoredFrom ? { RestoredFrom: t.lifecycle.restoredFrom } : {}),
    },
  };
  return { resources: r };
}
