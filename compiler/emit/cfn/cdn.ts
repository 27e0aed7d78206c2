// CloudFront: one multi-tenant distribution (connection mode tenant-only) that each
// tenant stack attaches a distribution tenant to, with its own domains and
// certificate. The origin path takes the tenant id as a parameter, so a tenant's
// domains serve only tenants/<id>/public/ from the data bucket.
//
// Origin Access Control signs requests with SigV4, which S3 needs to serve
// KMS-encrypted objects; a legacy Origin Access Identity cannot read them, so OAI is
// emitted only where the platform manifest asks for it (cdn.originAccess: oai).
import type { EstatePlan } from '../../plan/model.ts';
import { USER_CONTENT_CERTIFICATE, USER_CONTENT_ZONE } from './dns.ts';
import { CLOUDFRONT_WEB_ACL, edgeChoices } from './edge.ts';
import { MULTI_TENANT_DISTRIBUTION, TENANT_DATA_BUCKET } from './storage.ts';
import { getAtt, join, ref, tags, type LayerOutput, type Resources } from './template.ts';

/** AWS managed cache policy "CachingOptimized". */
export const CACHING_OPTIMIZED_POLICY_ID = '658327ea-f89d-4fab-a63d-7e88639e58f6';
export const TENANT_ID_PARAMETER = 'tenantId';
export const CONNECTION_GROUP = 'tenantConnectionGroup';

export function emitCdn(plan: EstatePlan): LayerOutput {
  const oai = plan.platform.originAccess === 'oai';
  const r: Resources = {};
  if (oai) {
    r.cdnOriginAccessIdentity = {
      Type: 'AWS::CloudFront::CloudFrontOriginAccessIdentity',
      Properties: { CloudFrontOriginAccessIdentityConfig: { Comment: `${plan.platform.name} (legacy OAI, requested by the platform manifest)` } },
    };
  } else {
    r.cdnOriginAccessControl = {
      Type: 'AWS::CloudFront::OriginAccessControl',
      Properties: {
        OriginAccessControlConfig: {
          Name: plan.platform.names.originAccessControl,
          Description: 'SigV4-signed reads of tenant public assets',
          OriginAccessControlOriginType: 's3',
          SigningBehavior: 'always',
          SigningProtocol: 'sigv4',
        },
      },
    };
  }
  // Tenants' assets host names point at this connection group's routing endpoint.
  r[CONNECTION_GROUP] = {
    Type: 'AWS::CloudFront::ConnectionGroup',
    Properties: { Name: plan.platform.names.connectionGroup, Ipv6Enabled: true, Enabled: true, Tags: tags(plan.platform.tags) },
  };
  // Every <tenant id>.<user-content domain> at once: CloudFront answers only the names
  // a distribution tenant holds, so the record serves nothing that is not a tenant's.
  r.userContentRecord = {
    Type: 'AWS::Route53::RecordSet',
    Properties: {
      HostedZoneId: ref(USER_CONTENT_ZONE),
      Name: `*.${plan.platform.userContentDomain}`,
      Type: 'CNAME',
      TTL: '300',
      ResourceRecords: [getAtt(CONNECTION_GROUP, 'RoutingEndpoint')],
    },
  };
  r[MULTI_TENANT_DISTRIBUTION] = {
    Type: 'AWS::CloudFront::Distribution',
    ...edgeChoices(plan),
    Properties: {
      DistributionConfig: {
        Enabled: true,
        Comment: `${plan.platform.name} multi-tenant distribution`,
        ConnectionMode: 'tenant-only',
        HttpVersion: 'http2and3',
        TenantConfig: {
          ParameterDefinitions: [
            { Name: TENANT_ID_PARAMETER, Definition: { StringSchema: { Required: true, Comment: 'Tenant id: selects tenants/<id>/public/' } } },
          ],
        },
        Origins: [
          {
            Id: 'tenant-assets',
            DomainName: getAtt(TENANT_DATA_BUCKET, 'RegionalDomainName'),
            OriginPath: `/tenants/{{${TENANT_ID_PARAMETER}}}/public`,
            S3OriginConfig: oai
              ? { OriginAccessIdentity: join('', ['origin-access-identity/cloudfront/', ref('cdnOriginAccessIdentity')]) }
              : { OriginAccessIdentity: '' },
            ...(oai ? {} : { OriginAccessControlId: getAtt('cdnOriginAccessControl', 'Id') }),
          },
        ],
        // TLS 1.2 at least, with forward-secret ciphers (CloudFront security policy
        // TLSv1.2_2021); every distribution tenant's host is under the user-content
        // wildcard.
        ViewerCertificate: { AcmCertificateArn: ref(USER_CONTENT_CERTIFICATE), SslSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1.2_2021' },
        ...(plan.platform.edge.waf ? { WebACLId: getAtt(CLOUDFRONT_WEB_ACL, 'Arn') } : {}),
        DefaultCacheBehavior: {
          TargetOriginId: 'tenant-assets',
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
          CachedMethods: ['GET', 'HEAD'],
          CachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
          Compress: true,
        },
      },
      Tags: tags(plan.platform.tags),
    },
  };
  return {
    resources: r,
    outputs: {
      MultiTenantDistributionId: { Description: 'Multi-tenant distribution that tenant distribution tenants attach to', Value: ref(MULTI_TENANT_DISTRIBUTION) },
      MultiTenantDistributionDomainName: {
        Description: 'CloudFront domain of the multi-tenant distribution',
        Value: getAtt(MULTI_TENANT_DISTRIBUTION, 'DomainName'),
      },
    },
  };
}
