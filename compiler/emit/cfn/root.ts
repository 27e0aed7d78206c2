// The root template: the estate's shared layers, each from its own emitter module,
// merged into one Resources map (a logical id defined twice is a bug and throws).
import type { EstatePlan } from '../../plan/model.ts';
import { planNetwork } from '../../plan/network.ts';
import { emitSharedCache } from './cache.ts';
import { emitCdn } from './cdn.ts';
import { emitCompute } from './compute.ts';
import { emitPlatformConfig } from './config.ts';
import { emitDatabase } from './database.ts';
import { emitDns } from './dns.ts';
import { emitKeys } from './keys.ts';
import { emitLoadBalancer } from './loadBalancer.ts';
import { emitMonitoring } from './monitoring.ts';
import { emitNetwork } from './network.ts';
import { emitRegistry } from './registry.ts';
import { emitSecurityGroups } from './securityGroups.ts';
import { emitStorage } from './storage.ts';
import { CFN_LINT_METADATA, mergeLayers, type CfnTemplate, type LayerOutput } from './template.ts';

export const ROOT_TEMPLATE_FILE = 'root.template.json';

export function emitRootTemplate(plan: EstatePlan): CfnTemplate {
  const network = planNetwork(plan.platform.vpcCidr, plan.platform.availabilityZones);
  const standardTenants = plan.tenants.filter((t) => t.tier.cache === 'shared').length;
  const perCluster = plan.platform.quotas.cacheUsersPerUserGroup - 1; // `default` takes one seat
  const sharedClusters = Array.from({ length: Math.max(1, Math.ceil(standardTenants / perCluster)) }, (_, index) => ({ index, userIds: [] as string[] }));
  const layers: LayerOutput[] = [
    emitKeys(plan),
    emitNetwork(plan, network),
    emitSecurityGroups(plan),
    emitDns(plan),
    emitLoadBalancer(plan, network),
    emitCompute(plan, network),
    emitDatabase(plan, network),
    emitSharedCache(plan, network, sharedClusters),
    emitStorage(plan),
    emitCdn(plan),
    emitRegistry(plan),
    emitMonitoring(plan, sharedClusters.map((c) => `${plan.platform.name}-shared-${c.index}`)),
    emitPlatformConfig(plan),
  ];
  const merged = mergeLayers(layers);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tenantc estate ${plan.platform.name} (${plan.platform.region}): shared layers for ${plan.tenants.length} tenants`,
    Metadata: CFN_LINT_METADATA,
    ...(Object.keys(merged.parameters).length ? { Parameters: merged.parameters } : {}),
    ...(Object.keys(merged.conditions).length ? { Conditions: merged.conditions } : {}),
    Resources: merged.resources,
    ...(Object.keys(merged.outputs).length ? { Outputs: merged.outputs } : {}),
  };
}
