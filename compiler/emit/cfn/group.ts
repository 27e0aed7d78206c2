// A group stack: up to TENANTS_PER_GROUP tenant stacks, each named by the content hash
// of its template. It receives the shared values and, for every ALB shard its tenants
// use, that shard's values, and hands each tenant stack exactly what it declares.
import type { EstatePlan, TenantPlan } from '../../plan/model.ts';
import { tenantTagPairs } from '../../plan/isolation.ts';
import { templateUrl } from './assets.ts';
import { declare, SHARD_PARAMETERS, shardParameterName, SHARED_PARAMETERS, type ParameterSpec } from './stackParameters.ts';
import { CFN_LINT_METADATA, join, ref, tags, type CfnTemplate, type Resources } from './template.ts';

export const groupFile = (group: number) => `groups/group-${group}.template.json`;
export const groupStackId = (group: number) => `tenantGroup${group}Stack`;
export const tenantStackId = (t: TenantPlan) => `tenant${t.logicalName}Stack`;

export interface TenantAsset {
  readonly tenant: TenantPlan;
  readonly key: string;
  readonly parameters: readonly string[];
}

/** The value a parent passes for a parameter of its own: list parameters travel joined. */
export function forward(name: string, spec: ParameterSpec): unknown {
  return spec.list ? join(',', ref(name)) : ref(name);
}

export function emitGroupTemplate(plan: EstatePlan, group: number, tenants: readonly TenantAsset[]): CfnTemplate {
  const shared: Record<string, ParameterSpec> = SHARED_PARAMETERS;
  const shard: Record<string, ParameterSpec> = SHARD_PARAMETERS;
  const sharedUsed = new Set<string>(['AssetsBucketName']);
  const shardUsed = new Set<string>();
  const resources: Resources = {};
  for (const { tenant, key, parameters } of tenants) {
    const values: Record<string, unknown> = {};
    for (const name of parameters) {
      if (shared[name]) {
        sharedUsed.add(name);
        values[name] = forward(name, shared[name]!);
      } else {
        const own = shardParameterName(tenant.placement.albShard, name as keyof typeof SHARD_PARAMETERS);
        shardUsed.add(own);
        values[name] = ref(own);
      }
    }
    resources[tenantStackId(tenant)] = {
      Type: 'AWS::CloudFormation::Stack',
      Properties: { TemplateURL: templateUrl(key), Parameters: values, Tags: tags(tenantTagPairs(plan.platform.tags, tenant.id)) },
    };
  }
  const shardSpecs = Object.fromEntries([...shardUsed].sort().map((n) => [n, shard[n.replace(/^Shard\d+/, '')]!]));
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tenantc estate ${plan.platform.name}: tenant group ${group} (${tenants.length} tenants)`,
    Parameters: { ...declare(shared, Object.keys(shared).filter((n) => sharedUsed.has(n))), ...declare(shardSpecs) },
    Resources: resources,
    Metadata: CFN_LINT_METADATA,
  };
}
