// The domain stage of a tenant whose DNS is its own (delegated or external): a stack of
// its own, deployed apart from the root (deploy/domainStage.ts),
// that asks ACM for the tenant's certificate names and waits for their validation.
// Nothing waits on it: the root, the group and the tenant's stack are deployed without
// it, and the tenant's host names are served once its manifest says the stage's
// certificate was issued (dns.validated), when the tenant stack gets its own
// certificate for the same names; ACM validates it at once from the same records.
// The stage stays after that: when the tenant's names change, it validates the new
// ones first, and deploy refuses to put a certificate in the tenant stack whose
// stage is not issued (deploy/domainGate.ts), rather than wait on it.
//
// A delegated tenant's stage validates in the zone its tenant stack holds (ACM writes
// the records there; they answer once the customer delegates the zone), so deploy
// passes that zone's id. An external tenant's stage waits for the records the customer
// creates; deploy prints them from the certificate's events.
import type { EstatePlan, PlatformScope, TenantPlan } from '../../plan/model.ts';
import { CFN_LINT_METADATA, ref, type CfnTemplate } from './template.ts';
import { certificate } from './tenant/dns.ts';

// The names deploy reads are the contract's (compiler/outputFormat.ts).
export { DOMAIN_STAGE_CERTIFICATE, DOMAIN_STAGE_ZONE_PARAMETER, domainStageFile } from '../../outputFormat.ts';
import { DOMAIN_STAGE_CERTIFICATE, DOMAIN_STAGE_ZONE_PARAMETER } from '../../outputFormat.ts';

export function emitDomainStageTemplate(plan: PlatformScope, t: TenantPlan): CfnTemplate {
  const delegated = t.dns.mode === 'delegated';
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tenantc estate ${plan.platform.name}: domain stage of tenant ${t.id} (${t.dns.mode} DNS), deployed apart from the root`,
    Metadata: CFN_LINT_METADATA,
    ...(delegated
      ? { Parameters: { [DOMAIN_STAGE_ZONE_PARAMETER]: { Type: 'AWS::Route53::HostedZone::Id', Description: `Zone of ${t.dns.zone}, from the tenant stack` } } }
      : {}),
    // Its own names, also while a move from platform DNS keeps the tenant served at its platform host.
    Resources: { [DOMAIN_STAGE_CERTIFICATE]: certificate(plan, t, delegated ? ref(DOMAIN_STAGE_ZONE_PARAMETER) : null, t.dns.own.certificateNames) },
    Outputs: { CertificateArn: { Description: `Certificate of ${t.dns.own.certificateNames.join(', ')}`, Value: ref(DOMAIN_STAGE_CERTIFICATE) } },
  };
}
