// The tenant's role and its one managed policy. Every statement names only this
// tenant's ARNs (its S3 prefix, its registry item by leading key, its SSM path, its
// secret, its log group, its cache user) AND requires the caller to carry this
// tenant's id as the tenant-id principal tag. So even a session of this role tagged
// with another tenant's id, or with no tag at all, is allowed nothing.
//
// Who may act as the role is decided by its trust policy, one case per tenant:
//   - shared compute: the pooled fleet, through sts:AssumeRole with a tenant-id session
//     tag equal to this tenant's id (and the fleet may assume only roles tagged
//     tenantc:compute=shared);
//   - dedicated compute: only its own fleet's instances (EC2 instance profile); the
//     pooled fleet is not trusted at all, so premium isolation holds past compute;
//   - offboarded: nobody (an explicit deny), though the role is kept with the data.
// The role carries no AWS managed policy (rule E402): AmazonSSMManagedInstanceCore, for
// one, allows ssm:GetParameter on "*", every tenant's parameters. Session Manager's
// agent gets the few actions it needs, which read nothing (compute.ts).
import type { EstatePlan, PlatformScope, TenantPlan } from '../../../plan/model.ts';
import { COMPUTE_TAG_KEY, TENANT_TAG_KEY, tenantS3Prefix } from '../../../plan/isolation.ts';
import type { StackParameters } from '../stackParameters.ts';
import type { PolicyDocument, PolicyStatement } from '../policy.ts';
import { sessionManagerAgent } from '../compute.ts';
import { join, ref, sub, type LayerOutput } from '../template.ts';

export const TENANT_ROLE = 'tenantRole';
export const TENANT_POLICY = 'tenantAccessPolicy';

/** Maximum size of a managed policy document, whitespace excluded (IAM quota). */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/** ARN of the shared tenant data bucket, from the name its stack receives. */
export const tenantDataBucketArn = (params: StackParameters) => join('', [sub('arn:${AWS::Partition}:s3:::'), params.ref('TenantDataBucketName')]);

export function tenantPolicyDocument(plan: PlatformScope, t: TenantPlan, params: StackParameters): PolicyDocument {
  const own = { StringEquals: { [`aws:PrincipalTag/${TENANT_TAG_KEY}`]: t.id } };
  const arn = (service: string, resource: string) =>
    sub('arn:${AWS::Partition}:${Service}:${AWS::Region}:${AWS::AccountId}:${Resource}', { Service: service, Resource: resource });
  const bucketArn = tenantDataBucketArn(params);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OwnObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: join('', [bucketArn, `/${tenantS3Prefix(t.id)}*`]),
        Condition: own,
      },
      {
        Sid: 'ListOwnPrefix',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucketArn,
        Condition: { ...own, StringLike: { 's3:prefix': [`${tenantS3Prefix(t.id)}*`] } },
      },
      // The data key only through S3 (the bucket's SSE-KMS), where the prefix rules above apply.
      {
        Sid: 'DataKeyThroughS3',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: params.ref('DataKeyArn'),
        Condition: { ...own, StringEquals: { ...own.StringEquals, 'kms:ViaService': sub('s3.${AWS::Region}.amazonaws.com') } },
      },
      {
        Sid: 'OwnRegistryItem',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem'],
        Resource: join('', [sub('arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/'), params.ref('RegistryTableName')]),
        Condition: { ...own, 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [t.id] } },
      },
      {
        Sid: 'OwnParameters',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
        Resource: [arn('ssm', `parameter${t.names.ssmPath}*`), arn('ssm', `parameter${t.names.ssmPath.slice(0, -1)}`)],
        Condition: own,
      },
      { Sid: 'OwnSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: ref('tenantSecret'), Condition: own },
      // The secret is encrypted with the data key: decrypting it is allowed only through
      // Secrets Manager and only for this secret (its ARN is the encryption context).
      {
        Sid: 'DataKeyThroughOwnSecret',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: params.ref('DataKeyArn'),
        Condition: {
          StringEquals: {
            ...own.StringEquals,
            'kms:ViaService': sub('secretsmanager.${AWS::Region}.amazonaws.com'),
            'kms:EncryptionContext:SecretARN': ref('tenantSecret'),
          },
        },
      },
      {
        Sid: 'OwnLogGroup',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: arn('logs', `log-group:${t.names.logGroup}:*`),
        Condition: own,
      },
      {
        Sid: 'OwnCacheUser',
        Effect: 'Allow',
        Action: ['elasticache:Connect'],
        Resource: [arn('elasticache', `user:${t.names.cacheUser}`), arn('elasticache', `replicationgroup:${t.names.cacheGroup}`)],
        Condition: own,
      },
      ...(t.serving.fleet ? [sessionManagerAgent(own), platformConfiguration(plan, own), fleetReadiness(own)] : []),
    ],
  };
}

/**
 * A dedicated fleet's app reads the platform's own configuration (database endpoints,
 * bucket, registry: nothing of any tenant) as the pooled fleet does (compute.ts); its
 * tenant's parameters it reads through OwnParameters above, and no other tenant's.
 */
function platformConfiguration(plan: PlatformScope, own: PolicyStatement['Condition']): PolicyStatement {
  const path = plan.platform.names.configPath;
  const arn = (name: string) => sub('arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ParameterName}', { ParameterName: name });
  return {
    Sid: 'ReadPlatformConfiguration',
    Effect: 'Allow',
    Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
    Resource: [arn(`${path}*`), arn(path.slice(0, -1))],
    ...(own ? { Condition: own } : {}),
  };
}

/**
 * A dedicated fleet's instances report readiness to their own tenant stack (fleet.ts):
 * SignalResource on that stack only, which can do nothing but complete or fail the
 * fleet's creation or rolling update it is waiting for.
 */
function fleetReadiness(own: PolicyStatement['Condition']): PolicyStatement {
  return { Sid: 'FleetReadiness', Effect: 'Allow', Action: 'cloudformation:SignalResource', Resource: ref('AWS::StackId'), ...(own ? { Condition: own } : {}) };
}

/** The trust policy of the tenant role (see the comment at the top of this file). */
export function tenantTrustPolicy(t: TenantPlan, params: StackParameters): PolicyDocument {
  if (!t.serving.credentials) {
    return { Version: '2012-10-17', Statement: [{ Sid: 'OffboardedNobody', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:*' }] };
  }
  if (t.serving.fleet) {
    return {
      Version: '2012-10-17',
      Statement: [{ Sid: 'OwnDedicatedFleet', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
  }
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PooledFleetWithThisTenantTag',
        Effect: 'Allow',
        Principal: { AWS: params.ref('AppInstanceRoleArn') },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { [`aws:RequestTag/${TENANT_TAG_KEY}`]: t.id }, 'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_TAG_KEY] } },
      },
    ],
  };
}

export function emitTenantIam(plan: PlatformScope, t: TenantPlan, params: StackParameters): LayerOutput {
  return {
    resources: {
      [TENANT_POLICY]: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: { Description: `Access of tenant ${t.id}: only its own resources`, PolicyDocument: tenantPolicyDocument(plan, t, params) },
      },
      [TENANT_ROLE]: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: t.names.role,
          Description: `Tenant ${t.id}`,
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: tenantTrustPolicy(t, params),
          ManagedPolicyArns: [ref(TENANT_POLICY)],
          Tags: [
            { Key: TENANT_TAG_KEY, Value: t.id },
            { Key: COMPUTE_TAG_KEY, Value: t.serving.computeTag },
          ],
        },
      },
    },
  };
}
