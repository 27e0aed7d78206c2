// DNS and certificates of the platform: its hosted zone and one wildcard certificate,
// DNS-validated in that zone. The certificate covers <label>.<apex>, exactly one
// label, which is why platform-mode tenant domains are one label under the apex.
// The region is us-east-1, where CloudFront also takes its certificates from.
import type { EstatePlan } from '../../plan/model.ts';
import { ref, tags, type LayerOutput } from './template.ts';

export const PLATFORM_ZONE = 'platformHostedZone';
export const WILDCARD_CERTIFICATE = 'platformWildcardCertificate';

export function emitDns(plan: EstatePlan): LayerOutput {
  const apex = plan.platform.apexDomain;
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
    },
    outputs: {
      PlatformHostedZoneId: { Description: 'Hosted zone of the platform apex', Value: ref(PLATFORM_ZONE) },
    },
  };
}
