// DNS and certificates of the platform: its hosted zone and one wildcard certificate,
// DNS-validated in that zone. The certificate covers <label>.<apex>, exactly one
// label, which is why platform-mode tenant domains are one label under the apex.
// The region is us-east-1, where CloudFront also takes its certificates from.
//
// Tenant-writable content has a zone and a wildcard certificate of its own, on the
// user-content domain: a registrable domain apart from the apex's, so a page a tenant
// wrote can set no cookie that reaches an app or sign-in host (plan: assetsDomain).
// Its one wildcard record points at the CloudFront connection group (cdn.ts).
import type { EstatePlan } from '../../plan/model.ts';
import { getAtt, join, ref, tags, type LayerOutput } from './template.ts';

export const PLATFORM_ZONE = 'platformHostedZone';
export const WILDCARD_CERTIFICATE = 'platformWildcardCertificate';
export const USER_CONTENT_ZONE = 'userContentHostedZone';
export const USER_CONTENT_CERTIFICATE = 'userContentWildcardCertificate';

export function emitDns(plan: EstatePlan): LayerOutput {
  const apex = plan.platform.apexDomain;
  const content = plan.platform.userContentDomain;
  return {
    resources: {
      [PLATFORM_ZONE]: {
        Type: 'AWS::Route53::HostedZone',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          Name: apex,
          HostedZoneConfig: { Comment: `Platform zone of ${plan.platform.name}; tenants in dns mode "platform" live here` },
          HostedZoneTags: tags(plan.platform.tags),
        },
      },
      [WILDCARD_CERTIFICATE]: {
        Type: 'AWS::CertificateManager::Certificate',
        Properties: {
          DomainName: apex,
          SubjectAlternativeNames: [`*.${apex}`],
          ValidationMethod: 'DNS',
          DomainValidationOptions: [{ DomainName: apex, HostedZoneId: ref(PLATFORM_ZONE) }],
          KeyAlgorithm: 'EC_prime256v1',
          Tags: tags(plan.platform.tags),
        },
      },
      [USER_CONTENT_ZONE]: {
        Type: 'AWS::Route53::HostedZone',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          Name: content,
          HostedZoneConfig: { Comment: `User content of ${plan.platform.name}: <tenant id>.${content} serves tenants/<id>/public/` },
          HostedZoneTags: tags(plan.platform.tags),
        },
      },
      // Only the wildcard: nothing is served on the bare domain.
      [USER_CONTENT_CERTIFICATE]: {
        Type: 'AWS::CertificateManager::Certificate',
        Properties: {
          DomainName: `*.${content}`,
          ValidationMethod: 'DNS',
          DomainValidationOptions: [{ DomainName: `*.${content}`, HostedZoneId: ref(USER_CONTENT_ZONE) }],
          KeyAlgorithm: 'EC_prime256v1',
          Tags: tags(plan.platform.tags),
        },
      },
    },
    outputs: {
      PlatformHostedZoneId: { Description: 'Hosted zone of the platform apex', Value: ref(PLATFORM_ZONE) },
      UserContentNameServers: {
        Description: `Name servers the registrar of ${content} delegates it to`,
        Value: join(',', getAtt(USER_CONTENT_ZONE, 'NameServers')),
      },
    },
  };
}
