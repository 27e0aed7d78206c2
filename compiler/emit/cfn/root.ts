// The root template: the estate's shared layers (one emitter module per layer), plus
// the nested stacks: one per ALB shard, one per shared cache cluster, one per group of
// tenant stacks. Every value a nested stack needs is passed as a parameter from the
// root's own resources.
import type { AlbShardPlan, CacheClusterPlan, EstatePlan, GroupPlan } from '../../plan/model.ts';
import { groupStackId } from '../../plan/names.ts';
import { templateUrl } from './assets.ts';
import { albShardInputs, type AlbShardInput } from './albShard.ts';
import { CACHE_SUBNET_GROUP, DISABLED_DEFAULT_USER, emitCacheBase, type CacheShardInput, type CacheShardOutput } from './cache.ts';
import { CONNECTION_GROUP, emitCdn } from './cdn.ts';
import { APP_INSTANCE_ROLE, emitCompute } from './compute.ts';
import { emitPlatformConfig } from './config.ts';
import { emitDatabase } from './database.ts';
import { emitDns, PLATFORM_ZONE, USER_CONTENT_CERTIFICATE, WILDCARD_CERTIFICATE } from './dns.ts';
import { emitEdge, REGIONAL_WEB_ACL } from './edge.ts';
import type { GroupParameters } from '../reuse.ts';
import { DATA_KEY, DATABASE_KEY, emitKeys, LOGS_KEY } from './keys.ts';
import { ALARM_TOPIC, emitMonitoring } from './monitoring.ts';
import { emitNetwork, subnetId, VPC } from './network.ts';
import { emitRegistry, PROVISIONING_FUNCTION, REGISTRY_TABLE } from './registry.ts';
import { emitSecretRotation, SECRET_ROTATION_FUNCTION, SECRET_ROTATION_PERMISSION } from './secretRotation.ts';
import { ALB_SG, CACHE_SG, emitSecurityGroups, PREMIUM_FLEET_SG } from './securityGroups.ts';
import type { ShardParameter, SharedParameter } from './stackParameters.ts';
import { ACCESS_LOG_BUCKET, MULTI_TENANT_DISTRIBUTION, TENANT_DATA_BUCKET, emitStorage } from './storage.ts';
import { CFN_LINT_METADATA, getAtt, join, mergeLayers, ref, sub, tags, type CfnTemplate, type LayerOutput, type Resources, type Value } from './template.ts';

export { ROOT_TEMPLATE_FILE } from '../../outputFormat.ts';
import { ASSETS_BUCKET_PARAMETER } from '../../outputFormat.ts';

/** The emitted nested templates the root points at: each one's asset key (and a group's parameters). */
export interface NestedKeys {
  readonly albShards: readonly { readonly shard: AlbShardPlan; readonly key: string }[];
  readonly cacheShards: readonly { readonly cluster: CacheClusterPlan; readonly key: string }[];
  readonly groups: readonly { readonly group: GroupPlan; readonly key: string; readonly parameters: GroupParameters }[];
}

const shardOutput = (shard: AlbShardPlan, name: ShardParameter) => getAtt(shard.stack, `Outputs.${name}`);

function sharedValues(plan: EstatePlan): Record<SharedParameter, Value> {
  const network = plan.network;
  return {
    AssetsBucketName: ref('AssetsBucketName'),
    VpcId: ref(VPC),
    AppSubnetIds: join(
      ',',
      network.zones.map((z) => ref(subnetId('App', z.suffix))),
    ),
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
    UserContentCertificateArn: ref(USER_CONTENT_CERTIFICATE),
    DistributionId: ref(MULTI_TENANT_DISTRIBUTION),
    ConnectionGroupId: getAtt(CONNECTION_GROUP, 'Id'),
    TenantDataBucketName: ref(TENANT_DATA_BUCKET),
    RegistryTableName: ref(REGISTRY_TABLE),
    ProvisioningFunctionArn: getAtt(PROVISIONING_FUNCTION, 'Arn'),
    SecretRotationFunctionArn: getAtt(SECRET_ROTATION_FUNCTION, 'Arn'),
    AlarmTopicArn: ref(ALARM_TOPIC),
  };
}

function emitNestedStacks(plan: EstatePlan, keys: NestedKeys): LayerOutput {
  const network = plan.network;
  const r: Resources = {};
  const outputs: LayerOutput['outputs'] = {};
  const t = tags(plan.platform.tags);
  const shardInputs: Record<AlbShardInput, Value> = {
    VpcId: ref(VPC),
    PublicSubnetIds: join(
      ',',
      network.zones.map((z) => ref(subnetId('Public', z.suffix))),
    ),
    AlbSecurityGroupId: getAtt(ALB_SG, 'GroupId'),
    WildcardCertificateArn: ref(WILDCARD_CERTIFICATE),
    AlarmTopicArn: ref(ALARM_TOPIC),
    AccessLogBucketName: ref(ACCESS_LOG_BUCKET),
    WebAclArn: plan.platform.edge.waf ? getAtt(REGIONAL_WEB_ACL, 'Arn') : '',
  };
  const declared = albShardInputs(plan);
  for (const { shard, key } of keys.albShards) {
    r[shard.stack] = {
      Type: 'AWS::CloudFormation::Stack',
      Properties: {
        TemplateURL: templateUrl(key),
        Parameters: Object.fromEntries(declared.map((n) => [n, shardInputs[n]])),
        Tags: t,
      },
    };
    outputs[`AlbShard${shard.index}DnsName`] = { Description: `DNS name of ALB shard ${shard.index}`, Value: shardOutput(shard, 'LoadBalancerDnsName') };
  }
  const shared = sharedValues(plan);
  const shardByIndex = new Map(plan.albShards.map((s) => [s.index, s]));
  for (const { group, key, parameters } of keys.groups) {
    const values: Record<string, Value> = {};
    for (const name of parameters.shared) values[name] = shared[name];
    for (const s of parameters.shard) values[s.declared] = shardOutput(shardByIndex.get(s.shard)!, s.name);
    r[group.stack] = {
      Type: 'AWS::CloudFormation::Stack',
      // Its tenants' rotation schedules need Secrets Manager able to invoke the function.
      ...(parameters.shared.includes('SecretRotationFunctionArn') ? { DependsOn: [SECRET_ROTATION_PERMISSION] } : {}),
      Properties: { TemplateURL: templateUrl(key), Parameters: values, Tags: t },
    };
  }
  for (const { cluster, key } of keys.cacheShards) {
    // Its tenants' cache users are created by their tenant stacks: the user group needs them first.
    r[cluster.stack] = {
      Type: 'AWS::CloudFormation::Stack',
      ...(cluster.groups.length ? { DependsOn: cluster.groups.map(groupStackId) } : {}),
      Properties: {
        TemplateURL: templateUrl(key),
        Parameters: {
          CacheSubnetGroupName: ref(CACHE_SUBNET_GROUP),
          CacheSecurityGroupId: getAtt(CACHE_SG, 'GroupId'),
          DatabaseKeyArn: getAtt(DATABASE_KEY, 'Arn'),
          DisabledDefaultCacheUserId: ref(DISABLED_DEFAULT_USER),
          AlarmTopicArn: ref(ALARM_TOPIC),
        } satisfies Record<CacheShardInput, Value>,
        Tags: t,
      },
    };
    outputs[`SharedCache${cluster.index}Endpoint`] = {
      Description: `Primary endpoint of shared cache ${cluster.index}`,
      Value: getAtt(cluster.stack, `Outputs.${'PrimaryEndpoint' satisfies CacheShardOutput}`),
    };
  }
  return {
    resources: r,
    outputs,
    parameters: {
      [ASSETS_BUCKET_PARAMETER]: {
        Type: 'String',
        Description: 'S3 bucket that deploy uploads the compiled templates to (nested TemplateURLs point into it)',
        AllowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      },
    },
  };
}

export function emitRootTemplate(plan: EstatePlan, keys: NestedKeys): CfnTemplate {
  const shardTargetGroups = plan.albShards.map((s) => shardOutput(s, 'SharedTargetGroupArn'));
  const layers: LayerOutput[] = [
    emitKeys(plan),
    emitNetwork(plan),
    emitSecurityGroups(plan),
    emitDns(plan),
    emitCompute(plan, shardTargetGroups),
    emitDatabase(plan),
    emitCacheBase(plan),
    emitStorage(plan),
    emitCdn(plan),
    emitEdge(plan, sub(`arn:\${AWS::Partition}:cloudfront::\${AWS::AccountId}:distribution/\${${MULTI_TENANT_DISTRIBUTION}}`)),
    emitRegistry(plan),
    emitSecretRotation(plan),
    emitMonitoring(plan),
    emitPlatformConfig(plan),
    emitNestedStacks(plan, keys),
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
