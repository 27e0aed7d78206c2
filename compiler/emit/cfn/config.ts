// Configuration layer: SSM parameters that application code reads at start-up.
// CloudFormation cannot create SecureString parameters, so nothing secret goes here:
// secrets live in Secrets Manager.
import type { EstatePlan } from '../../plan/model.ts';
import type { LayerOutput } from './template.ts';

export function emitPlatformConfig(plan: EstatePlan): LayerOutput {
  const p = plan.platform;
  const param = (name: string, value: string, description: string) => ({
    Type: 'AWS::SSM::Parameter',
    Properties: { Name: `/${p.name}/platform/${name}`, Type: 'String', Value: value, Description: description, Tier: 'Standard' },
  });
  return {
    resources: {
      platformApexDomainParameter: param('apex-domain', p.apexDomain, 'Apex domain of the platform'),
      platformTenantCountParameter: param('tenant-count', String(plan.tenants.length), 'Number of tenants compiled into this estate'),
    },
  };
}
