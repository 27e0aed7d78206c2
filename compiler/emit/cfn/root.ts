// The root template: the estate's shared layers, merged from one emitter per layer.
import type { EstatePlan } from '../../plan/model.ts';
import { emitPlatformConfig } from './config.ts';
import { mergeLayers, type CfnTemplate, type LayerOutput } from './template.ts';

export const ROOT_TEMPLATE_FILE = 'root.template.json';

export function emitRootTemplate(plan: EstatePlan): CfnTemplate {
  const layers: LayerOutput[] = [emitPlatformConfig(plan)];
  const merged = mergeLayers(layers);
  const template: CfnTemplate = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tenantc estate ${plan.platform.name} (${plan.platform.region}): shared layers for ${plan.tenants.length} tenants`,
    ...(Object.keys(merged.parameters).length ? { Parameters: merged.parameters } : {}),
    ...(Object.keys(merged.conditions).length ? { Conditions: merged.conditions } : {}),
    Resources: merged.resources,
    ...(Object.keys(merged.outputs).length ? { Outputs: merged.outputs } : {}),
  };
  return template;
}
