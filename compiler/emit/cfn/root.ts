// The root template: the estate's shared layers (one emitter module per layer), plus
// the nested stacks: one per ALB shard, one per shared cache cluster, one per group of
// tenant stacks. Every value a nested stack needs is passed as a parameter from the
// root's own resources.
import type { EstatePlan } from '../../plan/model.ts';
import type { NetworkPlan } from '../../plan/network.ts';
import { albShardStackId } from './albShard.ts';
import { templateUrl } from './assets.ts';
import { CACHE_SUBNET_GROUP, cacheShardStackId, DISABLED_DEFAULT_USER, emitCacheBase } from './cache.ts';
import { CONNECTION_GROUP, emitCdn } from './cdn.ts';
import { APP_INSTANCE_ROLE, emitCompute } from './compute.ts';
import { emitPlatformConfig } from './config.ts';
import { emitDatabase } from './database.ts';
import { emitDns, PLATFORM_ZONE, WILDCARD_CERTIFICATE } from './dns.ts';
import { groupStackId } from './group.ts';
import { DATA_KEY, DATABASE_KEY, emitKeys, LOGS_KEY } from './keys.ts';
import { ALARM_TOPIC, emitMonitoring } from './monitoring.ts';
import { emitNetwork, subnetId, VPC } from './network.ts';
import { emitRegistry, PROVISIONING_FUNCTION, REGISTRY_TABLE } from './registry.ts';
import { ALB_SG, CACHE_SG, emitSecurityGroups, PREMIUM_FLEET_SG } from './securityGroups.ts';
import { SHARD_PARAMETERS, type SharedParameter } from './stackParameters.ts';
import { MULTI_TENANT_DISTRIBUTION, TENANT_DATA_BUCKET, emitStorage } from './storage.ts';
import { CFN_LINT_METADATA, getAtt, join, mergeLayers, ref, tags, type CfnTemplate, type LayerOutput, type Resources } from './template.ts';

export const ROOT_TEMPLATE_FILE = 'root.template.json';

export interface NestedKeys {
  readonly albShards: ReadonlyMap<number, string>;
  readonly cacheShards: ReadonlyMap<number, string>;
  /** Group → its asset key and the parameters it declares. */
  readonly groups: ReadonlyMap<number, { readonly key: string; readonly parameters: readonly string[] }>;
}

function sharedValues(network: NetworkPlan): Record<SharedParameter, unknown> {
  return {
    AssetsBucketName: ref('AssetsBucketName'),
    VpcId: ref(VPC),
    AppSubnetIds: join(',', network.zones.map((z) => ref(subnetId('App', z.suffix)))),
    AppAmiId: ref('AppAmiId'),
    AppInstanceRoleArn: getAtt(APP_INSTANCE_ROLE, 'Arn'),
    AlbSecurityGroupId: getAtt(ALB_SG, 'GroupId'),
    PremiumFleetSecurityGroupId: getAtt(PREMIUM_FLEET_SG, 'GroupId'),
    CacheSubnetGroupName: ref(CACHE_SUBNET_GROUP),
    DisabledDefaultCacheUserId: ref(DISABLED_DEFAULT_USER),
    DataKeyArn: getAtt(DATA_KEY, 'Arn'),
    DatabaseKeyArn: getAtt(DATABASE_KEY, 'Arn'),
    LogsKeyArn: getAtt(LOGS_KEY, 'Arn'),
    PlatformHostedZoneId: ref(PLATFORM_ZONE),
    WildcardCertificateArn: ref(WILDCARD_CERTIFICATE),
    DistributionId: ref(MULTI_TENANT_DISTRIBUTION),
    ConnectionGroupId: getAtt(CONNECTION_GROUP, 'Id'),
    ConnectionGroupRoutingEndpoint: getAtt(CONNECTION_GROUP, 'RoutingEndpoint'),
    TenantDataBucketName: ref(TENANT_DATA_BUCKET),
    RegistryTableName: ref(REGISTRY_TABLE),
    ProvisioningFunctionArn: getAtt(PROVISIONING_FUNCTION, 'Arn'),
    AlarmTopicArn: ref(ALARM_TOPIC),
  };
}

function emitNestedStacks(plan: EstatePlan, network: NetworkPlan, keys: NestedKeys): LayerOutput {
  const r: Resources = {};
  const outputs: LayerOutput['outputs'] = {};
  const t = tags(plan.platform.tags);
  for (const [shard, key] of keys.albShards) {
    r[albShardStackId(shard)] = {
      Type: 'AWS::CloudFormation::Stack',
      Properties: {
        TemplateURL: templateUrl(key),
        Parameters: {
          VpcId: ref(VPC),
          PublicSubnetIds: join(',', network.zones.map((z) => ref(subnetId('Public', z.suffix)))),
          AlbSecurityGroupId: getAtt(ALB_SG, 'GroupId'),
          WildcardCertificateArn: ref(WILDCARD_CERTIFICATE),
          AlarmTopicArn: ref(ALARM_TOPIC),
        },
        Tags: t,
      },
    };
    outputs[`AlbShard${shard}DnsName`] = { Description: `DNS name of ALB shard ${shard}`, Value: getAtt(albShardStackId(shard), 'Outputs.LoadBalancerDnsName') };
  }
  const shared = sharedValues(network);
  for (const [group, { key, parameters }] of keys.groups) {
    const values: Record<string, unknown> = {};
    for (const name of parameters) {
      const m = /^Shard(\d+)(.+)$/.exec(name);
      if (m && m[2]! in SHARD_PARAMETERS) values[name] = getAtt(albShardStackId(Number(m[1])), `Outputs.${m[2]}`);
      else values[name] = shared[name as SharedParameter];
    }
    r[groupStackId(group)] = { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: templateUrl(key), Parameters: values, Tags: t } };
  }
  for (const [index, key] of keys.cacheShards) {
    // Its tenants' cache users are created by their tenant stacks: the user group needs them first.
    const groups = [...new Set(plan.tenants.filter((x) => x.placement.cacheCluster === index).map((x) => x.placement.group))].sort((a, b) => a - b);
    r[cacheShardStackId(index)] = {
      Type: 'AWS::CloudFormation::Stack',
      ...(groups.length ? { DependsOn: groups.map(groupStackId) } : {}),
      Properties: {
        TemplateURL: templateUrl(key),
        Parameters: {
          CacheSubnetGroupName: ref(CACHE_SUBNET_GROUP),
          CacheSecurityGroupId: getAtt(CACHE_SG, 'GroupId'),
          DatabaseKeyArn: getAtt(DATABASE_KEY, 'Arn'),
          DisabledDefaultCacheUserId: ref(DISABLED_DEFAULT_USER),
          AlarmTopicArn: ref(ALARM_TOPIC),
        },
        Tags: t,
      },
    };
    outputs[`SharedCache${index}Endpoint`] = { Description: `Primary endpoint of shared cache ${index}`, Value: getAtt(cacheShardStackId(index), 'Outputs.PrimaryEndpoint') };
  }
  return {
    resources: r,
    outputs,
    parameters: {
      AssetsBucketName: {
        Type: 'String',
        Description: 'S3 bucket that deploy uploads the compiled templates to (nested TemplateURLs point into it)',
        AllowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      },
    },
  };
}

export function emitRootTemplate(plan: EstatePlan, network: NetworkPlan, keys: NestedKeys): CfnTemplate {
  const shardTargetGroups = [...keys.albShards.keys()].map((s) => getAtt(albShardStackId(s), `Outputs.${'SharedTargetGroupArn' satisfies keyof typeof SHARD_PARAMETERS}`));
  const layers: LayerOutput[] = [
    emitKeys(plan),
    emitNetwork(plan, network),
    emitSecurityGroups(plan),
    emitDns(plan),
    emitCompute(plan, network, shardTargetGroups),
    emitDatabase(plan, network),
    emitCacheBase(plan, network),
    emitStorage(plan),
    emitCdn(plan),
    emitRegistry(plan),
    emitMonitoring(plan),
    emitPlatformConfig(plan),
    emitNestedStacks(plan, network, keys),
  ];
  const merged = mergeLayers(layers);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tenantc estate ${plan.platform.name} (${plan.platform.region}): shared layers, ALB shards, shared caches and tenant groups`,
    Metadata: CFN_LINT_METADATA,
    Parameters: merged.parameters,
    ...(Object.keys(merged.conditions).length ? { Conditions: merged.conditions } : {}),
    Resources: merged.resources,
    ...(Object.keys(merged.outputs).length ? { Outputs: merged.outputs } : {}),
  };
}
