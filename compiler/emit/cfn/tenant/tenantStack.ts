// One tenant's nested stack, from one emitter per layer. Each layer refers to the shared
// and shard values it needs through StackParameters, so the stack declares exactly
// those; everything tenant-specific is literal.
import type { EstatePlan, PlatformScope, TenantPlan } from '../../../plan/model.ts';
import { StackParameters } from '../stackParameters.ts';
import { CFN_LINT_METADATA, mergeLayers, type CfnTemplate } from '../template.ts';
import { emitTenantAuth } from './auth.ts';
import { emitTenantCache } from './cache.ts';
import { emitTenantCdn } from './cdn.ts';
import { emitTenantConfig } from './config.ts';
import { emitTenantDns } from './dns.ts';
import { emitTenantFleet } from './fleet.ts';
import { emitTenantIam } from './iam.ts';
import { emitTenantObservability } from './observability.ts';
import { emitTenantRouting } from './routing.ts';

export const tenantFile = (id: string) => `tenants/${id}.template.json`;

export interface EmittedTenantTemplate {
  readonly template: CfnTemplate;
  /** The parameters its layers referred to, which its group passes. */
  readonly parameters: StackParameters;
}

export function emitTenantTemplate(plan: PlatformScope, t: TenantPlan): EmittedTenantTemplate {
  const params = new StackParameters();
  const merged = mergeLayers([
    emitTenantIam(plan, t, params),
    emitTenantDns(plan, t, params),
    emitTenantRouting(plan, t, params),
    emitTenantFleet(plan, t, params),
    emitTenantCache(plan, t, params),
    emitTenantCdn(plan, t, params),
    emitTenantAuth(plan, t, params),
    emitTenantObservability(plan, t, params),
    emitTenantConfig(t, params),
  ]);
  const hasOutputs = Object.keys(merged.outputs).length > 0;
  const template: CfnTemplate = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tenantc estate ${plan.platform.name}: tenant ${t.id} (${t.tier.name}, ${t.status})`,
    Metadata: CFN_LINT_METADATA,
    Parameters: params.declare(),
    Resources: merged.resources,
    ...(hasOutputs ? { Outputs: merged.outputs } : {}),
  };
  return { template, parameters: params };
}
