// Configuration of one tenant: SSM parameters under /tenants/<id>/ (never secrets),
// its Secrets Manager secret (retained), and its registration, which the provisioning
// Lambda turns into a registry item and a database row.
import { TENANT_PARAMETERS } from '../../../outputFormat.ts';
import type { EstatePlan, TenantPlan } from '../../../plan/model.ts';
import { COMPUTE_TAG_KEY, TENANT_TAG_KEY } from '../../../plan/isolation.ts';
import { SECRET_ROTATION_DAYS } from '../secretRotation.ts';
import type { StackParameters } from '../stackParameters.ts';
import { getAtt, join, ref, templateText, type LayerOutput, type Resources, type Value } from '../template.ts';
import { TENANT_ROLE } from './iam.ts';
import { USER_POOL, USER_POOL_CLIENT } from './auth.ts';
import { TENANT_CACHE_CLUSTER } from './cache.ts';

export function emitTenantConfig(t: TenantPlan, params: StackParameters): LayerOutput {
  const path = t.names.ssmPath;
  const n = TENANT_PARAMETERS;
  const ssm: [string, string, Value][] = [
    ['Tier', n.tier, t.tier.name],
    ['Status', n.status, t.status],
    ['Domains', n.domains, t.appHosts.join(',')],
    ['RoleArn', n.roleArn, getAtt(TENANT_ROLE, 'Arn')],
    ['UserPoolId', n.userPoolId, ref(USER_POOL)],
    ['UserPoolClientId', n.userPoolClientId, ref(USER_POOL_CLIENT)],
    ['CacheUser', n.cacheUser, t.names.cacheUser],
    ['CacheCluster', n.cacheCluster, t.names.cacheGroup],
  ];
  const named: [string, string, Value][] = ssm.map(([id, name, value]) => [id, `${path}${name}`, value]);
  // A dedicated cache's endpoint, for its fleet's runtime (a shared cluster's is published by its shard).
  if (t.placement.cacheCluster === null)
    named.push([
      'CacheEndpoint',
      t.names.cacheEndpointParameter,
      join(':', [getAtt(TENANT_CACHE_CLUSTER, 'PrimaryEndPoint.Address'), getAtt(TENANT_CACHE_CLUSTER, 'PrimaryEndPoint.Port')]),
    ]);
  const r: Resources = {};
  for (const [id, name, value] of named) {
    r[`tenant${id}Parameter`] = {
      Type: 'AWS::SSM::Parameter',
      // The compute tag decides whether the pooled fleet may read it (compute.ts).
      Properties: {
        Name: name,
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
      Name: templateText(t.name),
      Tier: t.tier.name,
      Status: t.status,
      StackId: ref('AWS::StackId'),
      ...(t.lifecycle.restoredFrom ? { RestoredFrom: t.lifecycle.restoredFrom } : {}),
    },
  };
  return { resources: r };
}
