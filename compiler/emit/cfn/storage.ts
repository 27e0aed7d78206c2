// S3. One tenant data bucket, one prefix per tenant (tenants/<id>/). Isolation holds
// in the bucket policy itself, whatever identity policies say: a principal that
// carries a tenant-id tag is denied every object outside tenants/<its tag>/ and every
// listing outside that prefix. An explicit Deny in a resource policy cannot be
// overridden by any Allow, so a mis-scoped role still cannot cross tenants.
import type { EstatePlan } from '../../plan/model.ts';
import { TENANT_TAG_KEY } from '../../plan/isolation.ts';
import { DATA_KEY } from './keys.ts';
import type { PolicyDocument } from './policy.ts';
import { getAtt, join, ref, sub, tags, type LayerOutput, type Value } from './template.ts';

export const TENANT_DATA_BUCKET = 'tenantDataBucket';
export const ACCESS_LOG_BUCKET = 'accessLogBucket';
export const MULTI_TENANT_DISTRIBUTION = 'multiTenantDistribution';

/** Actions on objects, denied outside the principal's own prefix. */
export const OBJECT_ACTIONS = [
  's3:GetObject',
  's3:GetObjectVersion',
  's3:GetObjectAttributes',
  's3:GetObjectTagging',
  's3:PutObject',
  's3:PutObjectTagging',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:RestoreObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

const principalTag = `\${aws:PrincipalTag/${TENANT_TAG_KEY}}`;

const blockPublicAccess = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };

/** Who reads public assets for CloudFront: the OAC service principal scoped to our distribution, or a legacy OAI. */
export type CdnReader = { readonly kind: 'oac'; readonly distributionArn: Value } | { readonly kind: 'oai'; readonly canonicalUserId: Value };

export function tenantDataBucketPolicyDocument(bucketArn: Value, reader: CdnReader): PolicyDocument {
  const tagged = { Null: { [`aws:PrincipalTag/${TENANT_TAG_KEY}`]: 'false' } };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketArn, join('', [bucketArn, '/*'])],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        // NotResource + Deny: every object except the principal's own prefix.
        Sid: 'DenyObjectsOutsideOwnTenantPrefix',
        Effect: 'Deny',
        Principal: '*',
        Action: OBJECT_ACTIONS,
        NotResource: join('', [bucketArn, `/tenants/${principalTag}/*`]),
        Condition: tagged,
      },
      {
        // A listing without a prefix, or with another tenant's, is denied too.
        Sid: 'DenyListingOutsideOwnTenantPrefix',
        Effect: 'Deny',
        Principal: '*',
        Action: ['s3:ListBucket', 's3:ListBucketVersions'],
        Resource: bucketArn,
        Condition: { ...tagged, StringNotLike: { 's3:prefix': [`tenants/${principalTag}/*`] } },
      },
      {
        // CloudFront reads only the public/ part of each tenant's prefix, and only for
        // this estate's multi-tenant distribution.
        Sid: 'AllowCloudFrontReadPublicAssets',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: join('', [bucketArn, '/tenants/*/public/*']),
        ...(reader.kind === 'oac'
          ? { Principal: { Service: 'cloudfront.amazonaws.com' }, Condition: { StringEquals: { 'AWS:SourceArn': reader.distributionArn } } }
          : { Principal: { CanonicalUser: reader.canonicalUserId } }),
      },
    ],
  };
}

export function emitStorage(plan: EstatePlan): LayerOutput {
  const t = tags(plan.platform.tags);
  const bucketArn = getAtt(TENANT_DATA_BUCKET, 'Arn');
  const reader: CdnReader =
    plan.platform.originAccess === 'oai'
      ? { kind: 'oai', canonicalUserId: getAtt('cdnOriginAccessIdentity', 'S3CanonicalUserId') }
      : { kind: 'oac', distributionArn: sub(`arn:\${AWS::Partition}:cloudfront::\${AWS::AccountId}:distribution/\${${MULTI_TENANT_DISTRIBUTION}}`) };
  return {
    resources: {
      [ACCESS_LOG_BUCKET]: {
        Type: 'AWS::S3::Bucket',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          // Server access logs can only be delivered to SSE-S3 buckets.
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          PublicAccessBlockConfiguration: blockPublicAccess,
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          VersioningConfiguration: { Status: 'Enabled' },
          LifecycleConfiguration: {
            Rules: [{ Id: 'expire-access-logs', Status: 'Enabled', ExpirationInDays: 400, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }],
          },
          Tags: t,
        },
      },
      accessLogBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: ref(ACCESS_LOG_BUCKET),
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyInsecureTransport',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [getAtt(ACCESS_LOG_BUCKET, 'Arn'), join('', [getAtt(ACCESS_LOG_BUCKET, 'Arn'), '/*'])],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
              {
                Sid: 'AllowServerAccessLogDelivery',
                Effect: 'Allow',
                Principal: { Service: 'logging.s3.amazonaws.com' },
                Action: 's3:PutObject',
                Resource: join('', [getAtt(ACCESS_LOG_BUCKET, 'Arn'), '/s3/*']),
                Condition: { StringEquals: { 'aws:SourceAccount': sub('${AWS::AccountId}') }, ArnLike: { 'aws:SourceArn': getAtt(TENANT_DATA_BUCKET, 'Arn') } },
              },
            ],
          },
        },
      },
      [TENANT_DATA_BUCKET]: {
        Type: 'AWS::S3::Bucket',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt(DATA_KEY, 'Arn') }, BucketKeyEnabled: true },
            ],
          },
          PublicAccessBlockConfiguration: blockPublicAccess,
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          VersioningConfiguration: { Status: 'Enabled' },
          LoggingConfiguration: { DestinationBucketName: ref(ACCESS_LOG_BUCKET), LogFilePrefix: 's3/tenant-data/' },
          LifecycleConfiguration: {
            Rules: [
              {
                Id: 'expire-old-versions',
                Status: 'Enabled',
                NoncurrentVersionExpiration: { NoncurrentDays: 90 },
                AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
              },
            ],
          },
          Tags: t,
        },
      },
      tenantDataBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: { Bucket: ref(TENANT_DATA_BUCKET), PolicyDocument: tenantDataBucketPolicyDocument(bucketArn, reader) },
      },
    },
    outputs: {
      TenantDataBucketName: { Description: 'Tenant data bucket (one prefix per tenant)', Value: ref(TENANT_DATA_BUCKET) },
    },
  };
}
