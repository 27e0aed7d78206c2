// One tenant's nested stack, from one emitter per layer. Its parameters are exactly
// the shared and shard values it refers to; everything tenant-specific is literal.
import type { EstatePlan, TenantPlan } from '../../../plan/model.ts';
import { referencedNamesInJson } from '../refs.ts';
import { declare, SHARD_PARAMETERS, SHARED_PARAMETERS } from '../stackParameters.ts';
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

const ALL_PARAMETERS = { ...SHARED_PARAMETERS, ...SHARD_PARAMETERS };

export interface EmittedTenantTemplate {
  /** Compact JSON, byte-identical to JSON.stringify of the template, plus a newline. */
  readonly content: string;
  readonly parameters: readonly string[];
}

/**
 * Serializes the tenant template once: resources and outputs are stringified first,
 * the parameters they refer to are read from that text, and the document is assembled
 * from the pieces in the order JSON.stringify would produce.
 */
export function emitTenantTemplateJson(plan: EstatePlan, t: TenantPlan): EmittedTenantTemplate {
  const { Resources, Outputs, Parameters: _unused, ...head } = emitTenantTemplate(plan, t, false);
  const resources = JSON.stringify(Resources);
  const outputs = Outputs ? JSON.stringify(Outputs) : null;
  const used = referencedNamesInJson(outputs ? resources + outputs : resources);
  const names = Object.keys(ALL_PARAMETERS).filter((n) => used.has(n));
  const headJson = JSON.stringify({ ...head, Parameters: declare(ALL_PARAMETERS, names) });
  const content = `${headJson.slice(0, -1)},"Resources":${resources}${outputs ? `,"Outputs":${outputs}` : ''}}\n`;
  return { content, parameters: names };
}

export function emitTenantTemplate(plan: EstatePlan, t: TenantPlan, withParameters = true): CfnTemplate {
  const merged = mergeLayers([
    emitTenantIam(plan, t),
    emitTenantDns(plan, t),
    emitTenantRouting(plan, t),
    emitTenantFleet(plan, t),
    emitTenantCache(plan, t),
    emitTenantCdn(plan, t),
    emitTenantAuth(plan, t),
    emitTenantObservability(plan, t),
    emitTenantConfig(plan, t),
  ]);
  const names = withParameters ? Object.keys(ALL_PARAMETERS).filter((n) => referencedNamesInJson(JSON.stringify([merged.resources, merged.outputs])).has(n)) : [];
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tenantc estate ${plan.platform.name}: tenant ${t.id} (${t.tier.name}, ${t.status})`,
    Metadata: CFN_LINT_METADATA,
    Parameters: declare(ALL_PARAMETERS, names),
    Resources: merged.resources,
    ...(Object.keys(merged.outputs).length ? { Outputs: merged.outputs } : {}),
  };
}
