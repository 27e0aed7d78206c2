// The tenant's distribution tenant on the multi-tenant distribution: its assets host,
// its certificate, and the tenantId parameter that points the origin path at
// tenants/<id>/public/. Only an active tenant's distribution tenant is enabled, and
// there is none before the tenant's DNS is ready (its certificate is not there yet).
import type { EstatePlan, TenantPlan } from '../../../plan/model.ts';
import { tenantTagPairs } from '../../../plan/isolation.ts';
import { TENANT_ID_PARAMETER } from '../cdn.ts';
import type { StackParameters } from '../stackParameters.ts';
import { ref, tags, type LayerOutput } from '../template.ts';
import { TENANT_CERTIFICATE } from './dns.ts';

export function emitTenantCdn(plan: EstatePlan, t: TenantPlan, params: StackParameters): LayerOutput {
  if (!t.serving.hostNames) return { resources: {} };
  return {
    resources: {
      tenantDistributionTenant: {
        Type: 'AWS::CloudFront::DistributionTenant',
        Properties: {
          DistributionId: params.ref('DistributionId'),
          ConnectionGroupId: params.ref('ConnectionGroupId'),
          Name: t.names.distributionTenant,
          Domains: [t.assetsDomain],
          Enabled: t.serving.assets,
          Parameters: [{ Name: TENANT_ID_PARAMETER, Value: t.id }],
          Customizations: { Certificate: { Arn: ref(TENANT_CERTIFICATE) } },
          Tags: tags(tenantTagPairs(plan.platform.tags, t.id)),
        },
      },
    },
  };
}
