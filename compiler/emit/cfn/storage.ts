// S3. One tenant data bucket, one prefix per tenant (tenants/<id>/). Isolation holds
// in the bucket policy itself, whatever identity policies say: a principal that
// carries a tenant-id tag is denied every object outside tenants/<its tag>/ and every
// listing outside that prefix. An explicit Deny in a resource policy cannot be
// overridden by any Allow, so a mis-scoped role still cannot cross tenants.
import type { EstatePlan } from '../../plan/model.ts';
import { TENANT_TAG_KEY } from '../../plan/isolation.ts';
import { DATA_KEY } from './keys.ts';
import { ACCESS_LOG_BUCKET, ACCESS_LOG_BUCKET_POLICY, TENANT_DATA_BUCKET } from './rootIds.ts';
import type { PolicyDocument, PolicyPrincipal, PolicyStatement } from './policy.ts';
import { getAtt, join, ref, sub, tags, type LayerOutput, type Value } from './template.ts';

export { ACCESS_LOG_BUCKET, TENANT_DATA_BUCKET };
export const MULTI_TENANT_DISTRIBUTION = 'multiTenantDistribution';

const principalTag = `\${aws:PrincipalTag/${TENANT_TAG_KEY}}`;

/**
 * Who writes ALB access logs into the bucket: in Regions opened before August 2022, the
 * Elastic Load Balancing account of the Region; in later ones, the log-delivery service
 * principal (Elastic Load Balancing User Guide, "Enable access logs", Step 2).
 */
const ELB_ACCOUNT_BY_REGION: Readonly<Record<string, string>> = {
  'us-east-1': '127311923021',
  'us-east-2': '033677994240',
  'us-west-1': '027434742980',
  'us-west-2': '797873946194',
  'af-south-1': '098369216593',
  'ap-east-1': '754344448648',
  'ap-south-1': '718504428378',
  'ap-northeast-1': '582318560864',
  'ap-northeast-2': '600734575887',
  'ap-northeast-3': '383597477331',
  'ap-southeast-1': '114774131450',
  'ap-southeast-2': '783225319266',
  'ca-central-1': '985666609251',
  'eu-central-1': '054676820928',
  'eu-west-1': '156460612806',
  'eu-west-2': '652711504416',
  'eu-west-3': '009996457667',
  'eu-south-1': '635631232127',
  'eu-north-1': '897822967062',
  'me-south-1': '076674570225',
  'sa-east-1': '507241528517',
};

export function elbLogDeliveryPrincipal(region: string): PolicyPrincipal {
  const account = ELB_ACCOUNT_BY_REGION[region];
  return account ? { AWS: `arn:aws:iam::${account}:root` } : { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' };
}

/** Refuses every request to the bucket and its objects that does not come over TLS. */
function denyInsecureTransport(bucketArn: Value): PolicyStatement {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, join('', [bucketArn, '/*'])],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

const blockPublicAccess = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };

/** Who reads public assets for CloudFront: the OAC service principal scoped to our distribution, or a legacy OAI. */
export type CdnReader = { readonly kind: 'oac'; readonly distributionArn: Value } | { readonly kind: 'oai'; readonly canonicalUserId: Value };

export function tenantDataBucketPolicyDocument(bucketArn: Value, reader: CdnReader): PolicyDocument {
  const tagged = { Null: { [`aws:PrincipalTag/${TENANT_TAG_KEY}`]: 'false' } };
  return {
    Version: '2012-10-17',
    Statement: [
      denyInsecureTransport(bucketArn),
      {
        // Every S3 action (s3:*, not a list that new actions slip past) on anything but
        // the principal's own prefix and the bucket itself: versions, tags, ACLs,
        // retention, attributes, restores of other tenants' objects included.
        Sid: 'DenyEverythingOutsideOwnTenantPrefix',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        NotResource: [bucketArn, join('', [bucketArn, `/tenants/${principalTag}/*`])],
        Condition: tagged,
      },
      {
        // On the bucket itself, only a listing: its configuration, its policy and the
        // bucket-wide listings (multipart uploads, versions, inventory) are nobody's
        // among the tenants.
        Sid: 'DenyBucketActionsButListing',
        Effect: 'Deny',
        Principal: '*',
        NotAction: 's3:ListBucket',
        Resource: bucketArn,
        Condition: tagged,
      },
      {
        // A listing without a prefix, or with another tenant's, is denied too.
        Sid: 'DenyListingOutsideOwnTenantPrefix',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:ListBucket',
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
  const cdnDeliverySource = sub('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:delivery-source:${DeliverySource}', {
    DeliverySource: plan.platform.names.cdnLogDelivery,
  });
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
      [ACCESS_LOG_BUCKET_POLICY]: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: ref(ACCESS_LOG_BUCKET),
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              denyInsecureTransport(getAtt(ACCESS_LOG_BUCKET, 'Arn')),
              {
                Sid: 'AllowServerAccessLogDelivery',
                Effect: 'Allow',
                Principal: { Service: 'logging.s3.amazonaws.com' },
                Action: 's3:PutObject',
                Resource: join('', [getAtt(ACCESS_LOG_BUCKET, 'Arn'), '/s3/*']),
                Condition: { StringEquals: { 'aws:SourceAccount': sub('${AWS::AccountId}') }, ArnLike: { 'aws:SourceArn': getAtt(TENANT_DATA_BUCKET, 'Arn') } },
              },
              ...(plan.platform.edge.accessLogs
                ? [
                    {
                      Sid: 'AllowAlbAccessLogDelivery',
                      Effect: 'Allow' as const,
                      Principal: elbLogDeliveryPrincipal(plan.platform.region),
                      Action: 's3:PutObject',
                      Resource: join('', [getAtt(ACCESS_LOG_BUCKET, 'Arn'), sub('/alb/*/AWSLogs/${AWS::AccountId}/*')]),
                    },
                    // CloudFront's standard logging v2 (edge.ts), through CloudWatch Logs'
                    // log delivery, for this account's delivery source only.
                    {
                      Sid: 'AllowCloudFrontLogDelivery',
                      Effect: 'Allow' as const,
                      Principal: { Service: 'delivery.logs.amazonaws.com' },
                      Action: 's3:PutObject',
                      Resource: join('', [getAtt(ACCESS_LOG_BUCKET, 'Arn'), sub('/AWSLogs/${AWS::AccountId}/*')]),
                      Condition: {
                        StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': sub('${AWS::AccountId}') },
                        ArnLike: { 'aws:SourceArn': cdnDeliverySource },
                      },
                    },
                    {
                      Sid: 'AllowCloudFrontLogDeliveryAclCheck',
                      Effect: 'Allow' as const,
                      Principal: { Service: 'delivery.logs.amazonaws.com' },
                      Action: 's3:GetBucketAcl',
                      Resource: getAtt(ACCESS_LOG_BUCKET, 'Arn'),
                      Condition: { StringEquals: { 'aws:SourceAccount': sub('${AWS::AccountId}') }, ArnLike: { 'aws:SourceArn': cdnDeliverySource } },
                    },
                  ]
                : []),
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
