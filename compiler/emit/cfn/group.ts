// A group stack: up to TENANTS_PER_GROUP tenant stacks, each named by the content hash
// of its template. It receives the shared values and, for every ALB shard its tenants
// use, that shard's values, and hands each tenant stack exactly what it declares.
import type { GroupPlan, PlatformScope } from '../../plan/model.ts';
import { tenantTagPairs } from '../../plan/isolation.ts';
import { templateUrl } from './assets.ts';
import {
  declare,
  SHARD_PARAMETERS,
  shardParameterName,
  SHARED_PARAMETERS,
  type ParameterSpec,
  type ShardParameter,
  type SharedParameter,
} from './stackParameters.ts';
import type { GroupParameters, TenantAsset } from '../reuse.ts';
import { CFN_LINT_METADATA, join, ref, tags, type CfnTemplate, type Resources, type Value } from './template.ts';

export const groupFile = (group: number) => `groups/group-${group}.template.json`;

/** The value a parent passes for a parameter of its own: list parameters travel joined. */
export function forward(name: string, spec: ParameterSpec): Value {
  return spec.list ? join(',', ref(name)) : ref(name);
}

/**
 * The group's stack, from its plan: a nested stack for each tenant `group.tenants`
 * lists (`tenants` holds every emitted tenant stack, by id), and the values of exactly
 * the ALB shards `group.albShards` lists that those tenants use.
 */
export function emitGroupTemplate(
  // The platform's plan only, not the estate's: a recompile reuses a group's template when
  // the platform, the group and its members' assets are unchanged (emit/reuse.ts digests().group).
  plan: PlatformScope,
  group: GroupPlan,
  tenants: ReadonlyMap<string, TenantAsset>,
): { template: CfnTemplate; parameters: GroupParameters } {
  const sharedUsed = new Set<SharedParameter>(['AssetsBucketName']);
  /** Per ALB shard of the group's plan, the shard values its tenants use. */
  const shardUsed = new Map(group.albShards.map((shard) => [shard, new Set<ShardParameter>()]));
  // Made by one Object.fromEntries below, not key by key: see mergeLayers (template.ts).
  const stacks: [string, Resources[string]][] = [];
  for (const id of group.tenants) {
    const asset = tenants.get(id);
    if (!asset) throw new Error(`internal: group ${group.index} lists tenant ${id}, whose stack was not emitted`);
    const { tenant, key, parameters } = asset;
    const albShard = tenant.placement.albShard;
    const used = shardUsed.get(albShard);
    if (!used)
      throw new Error(
        `internal: tenant ${id} is on ALB shard ${albShard}, which the plan of group ${group.index} does not list (${group.albShards.join(', ')})`,
      );
    // In the order the tenant template declares them: shared, then shard.
    // Made at once, as the resources are: key by key, a tenant's many parameters made a dictionary.
    const values: [string, Value][] = [];
    for (const name of parameters.shared) {
      sharedUsed.add(name);
      values.push([name, forward(name, SHARED_PARAMETERS[name])]);
    }
    for (const name of parameters.shard) {
      used.add(name);
      values.push([name, ref(shardParameterName(albShard, name))]);
    }
    stacks.push([
      tenant.names.stack,
      {
        Type: 'AWS::CloudFormation::Stack',
        Properties: { TemplateURL: templateUrl(key), Parameters: Object.fromEntries(values), Tags: tags(tenantTagPairs(plan.platform.tags, tenant)) },
      },
    ]);
  }
  const resources: Resources = Object.fromEntries(stacks);
  const shared = (Object.keys(SHARED_PARAMETERS) as SharedParameter[]).filter((n) => sharedUsed.has(n));
  const shard = group.albShards
    .flatMap((s) => [...shardUsed.get(s)!].map((name) => ({ shard: s, name, declared: shardParameterName(s, name) })))
    .sort((a, b) => (a.declared < b.declared ? -1 : a.declared > b.declared ? 1 : 0));
  const template: CfnTemplate = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tenantc estate ${plan.platform.name}: tenant group ${group.index} (${group.tenants.length} tenants)`,
    Parameters: {
      ...declare(SHARED_PARAMETERS, shared),
      ...Object.fromEntries(shard.map((s) => [s.declared, declare(SHARD_PARAMETERS, [s.name])[s.name]!])),
    },
    Resources: resources,
    Metadata: CFN_LINT_METADATA,
  };
  return { template, parameters: { shared, shard } };
}
