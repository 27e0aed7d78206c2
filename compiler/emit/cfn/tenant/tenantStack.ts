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
  /** The same template as data (its Parameters section declared as in `content`). */
  readonly template: CfnTemplate;
}

function tenantLayers(plan: EstatePlan, t: TenantPlan) {
  return mergeLayers([
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
}

function templateHead(plan: EstatePlan, t: TenantPlan) {
  return {
    AWSTemplateFormatVersion: '2010-09-09' as const,
    Description: `tenantc estate ${plan.platform.name}: tenant ${t.id} (${t.tier.name}, ${t.status})`,
    Metadata: CFN_LINT_METADATA,
  };
}

/** The shared and shard parameters that serialized resources and outputs refer to, in declaration order. */
function parametersUsed(json: string): string[] {
  const used = referencedNamesInJson(json);
  return Object.keys(ALL_PARAMETERS).filter((n) => used.has(n));
}

/**
 * Serializes the tenant template once: resources and outputs are stringified first,
 * the parameters they refer to are read from that text, and the document is assembled
 * from the pieces in the order JSON.stringify would produce.
 */
export function emitTenantTemplateJson(plan: EstatePlan, t: TenantPlan): EmittedTenantTemplate {
  const merged = tenantLayers(plan, t);
  const resources = JSON.stringify(merged.resources);
  const outputs = Object.keys(merged.outputs).length ? JSON.stringify(merged.outputs) : null;
  const names = parametersUsed(outputs ? resources + outputs : resources);
  const head = { ...templateHead(plan, t), Parameters: declare(ALL_PARAMETERS, names) };
  const headJson = JSON.stringify(head);
  const content = `${headJson.slice(0, -1)},"Resources":${resources}${outputs ? `,"Outputs":${outputs}` : ''}}\n`;
  return { content, parameters: names, template: { ...head, Resources: merged.resources, ...(outputs ? { Outputs: merged.outputs } : {}) } };
}

/** The same template as an object; tests check that the assembled JSON equals its JSON.stringify. */
export function emitTenantTemplate(plan: EstatePlan, t: TenantPlan): CfnTemplate {
  const merged = tenantLayers(plan, t);
  const hasOutputs = Object.keys(merged.outputs).length > 0;
  return {
    ...templateHead(plan, t),
    Parameters: declare(ALL_PARAMETERS, parametersUsed(JSON.stringify(merged.resources) + (hasOutputs ? JSON.stringify(merged.outputs) : ''))),
    Resources: merged.resources,
    ...(hasOutputs ? { Outputs: merged.outputs } : {}),
  };
}
