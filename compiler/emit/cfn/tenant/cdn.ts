// The tenant's distribution tenant on the multi-tenant distribution: its assets host
// (<id>.<user-content domain>), the platform's wildcard certificate for that domain,
// and the tenantId parameter that points the origin path at tenants/<id>/public/. Only
// an active tenant's distribution tenant is enabled. Its host is the platform's, not
// the tenant's, so it does not wait for the tenant's own DNS.
import type { EstatePlan, PlatformScope, TenantPlan } from '../../../plan/model.ts';
import { tenantTagPairs } from '../../../plan/isolation.ts';
import { TENANT_ID_PARAMETER } from '../cdn.ts';
import type { StackParameters } from '../stackParameters.ts';
import { tags, type LayerOutput } from '../template.ts';

export function emitTenantCdn(plan: PlatformScope, t: TenantPlan, params: StackParameters): LayerOutput {
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
          Customizations: { Certificate: { Arn: params.ref('UserContentCertificateArn') } },
          Tags: tags(tenantTagPairs(plan.platform.tags, t)),
        },
      },
    },
  };
}
