// Shared Redis/Valkey for standard tenants. Isolation inside a shared cluster is by
// RBAC: each tenant has its own ACL user (created in its tenant stack, IAM-authenticated)
// whose access string confines it to tenant:<id>:* keys and channels. The `default`
// user of every group is replaced by a disabled one, so a connection that does not
// authenticate as a tenant can do nothing. Encrypted in transit (TLS required) and at
// rest. Each shared cluster is its own nested stack (a cache shard), holding at most
// 99 tenant users (100 users per user group, including `default`).
import type { CacheClusterPlan, EstatePlan, PlatformScope } from '../../plan/model.ts';
import { alarm } from './monitoring.ts';
import { subnetId } from './network.ts';
import { REDIS_PORT } from './securityGroups.ts';
import { declare, type ParameterSpec } from './stackParameters.ts';
import { CFN_LINT_METADATA, getAtt, join, ref, tagMap, tags, type CfnOutput, type CfnTemplate, type LayerOutput, type Value } from './template.ts';
import type { ElasticacheReplicationGroupProps } from './generated/resources.ts';

export const CACHE_SUBNET_GROUP = 'platformCacheSubnetGroup';
export const DISABLED_DEFAULT_USER = 'disabledDefaultCacheUser';

export const cacheShardFile = (index: number) => `shards/cache-${index}.template.json`;

export interface ReplicationGroupRefs {
  readonly subnetGroupName: Value;
  readonly securityGroupId: Value;
  readonly kmsKey: Value;
}

/** Settings every replication group of the estate shares, premium ones included. */
/** Settings every replication group shares; each adds its id, description, user groups and tags. */
export function replicationGroupProperties(
  plan: PlatformScope,
  refs: ReplicationGroupRefs,
): Omit<ElasticacheReplicationGroupProps, 'ReplicationGroupDescription'> {
  const c = plan.platform.cache;
  return {
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    CacheNodeType: c.nodeType,
    // A primary and a replica in different AZs, with automatic failover.
    NumCacheClusters: 2,
    AutomaticFailoverEnabled: true,
    MultiAZEnabled: true,
    AtRestEncryptionEnabled: true,
    KmsKeyId: refs.kmsKey,
    TransitEncryptionEnabled: true,
    TransitEncryptionMode: 'required',
    Port: REDIS_PORT,
    CacheSubnetGroupName: refs.subnetGroupName,
    SecurityGroupIds: [refs.securityGroupId],
    SnapshotRetentionLimit: 7,
    SnapshotWindow: '02:00-03:00',
    PreferredMaintenanceWindow: 'sun:06:00-sun:07:00',
    AutoMinorVersionUpgrade: true,
  };
}

/** Per-node memory and eviction alarms of a replication group (metrics are per node). */
export function cacheAlarms(groupId: string, label: string, topic: Value): LayerOutput['resources'] {
  const out: LayerOutput['resources'] = {};
  for (const node of ['001', '002']) {
    const dims = [{ Name: 'CacheClusterId', Value: `${groupId}-${node}` }];
    out[`node${node}MemoryAlarm`] = alarm(
      {
        description: `${label} node ${node} memory above 80 %`,
        namespace: 'AWS/ElastiCache',
        metric: 'DatabaseMemoryUsagePercentage',
        dimensions: dims,
        statistic: 'Maximum',
        threshold: 80,
        comparison: 'GreaterThanThreshold',
      },
      topic,
    );
    out[`node${node}EvictionsAlarm`] = alarm(
      {
        description: `${label} node ${node} evicts keys: tenants lose cached data`,
        namespace: 'AWS/ElastiCache',
        metric: 'Evictions',
        dimensions: dims,
        statistic: 'Sum',
        threshold: 0,
        comparison: 'GreaterThanThreshold',
      },
      topic,
    );
  }
  return out;
}

/** Root resources of the cache layer: the subnet group and the disabled default user. */
export function emitCacheBase(plan: EstatePlan): LayerOutput {
  const p = plan.platform;
  return {
    resources: {
      [CACHE_SUBNET_GROUP]: {
        Type: 'AWS::ElastiCache::SubnetGroup',
        Properties: {
          Description: 'Isolated data subnets, one per AZ',
          SubnetIds: plan.network.zones.map((z) => ref(subnetId('Data', z.suffix))),
          Tags: tags(p.tags),
        },
      },
      [DISABLED_DEFAULT_USER]: {
        Type: 'AWS::ElastiCache::User',
        Properties: {
          UserId: p.names.disabledDefaultCacheUser,
          UserName: 'default',
          Engine: p.cache.engine,
          // "off": the user cannot authenticate; "-@all": it could run nothing anyway.
          AccessString: 'off -@all',
          NoPasswordRequired: true,
          Tags: tags(p.tags),
        },
      },
    },
  };
}

/** What the root passes each shared cache shard. */
export const CACHE_SHARD_INPUTS = {
  CacheSubnetGroupName: { type: 'String', description: 'ElastiCache subnet group' },
  CacheSecurityGroupId: { type: 'AWS::EC2::SecurityGroup::Id', description: 'Shared cache security group' },
  DatabaseKeyArn: { type: 'String', description: 'KMS key at rest' },
  DisabledDefaultCacheUserId: { type: 'String', description: 'Disabled default user' },
  AlarmTopicArn: { type: 'String', description: 'SNS topic of alarms' },
} as const satisfies Record<string, ParameterSpec>;
export type CacheShardInput = keyof typeof CACHE_SHARD_INPUTS;
const input = (name: CacheShardInput) => ref(name);
/** What the root reads of a cache shard. */
export type CacheShardOutput = 'PrimaryEndpoint';

/** One shared cluster with the user group of its standard tenants. */
export function emitCacheShardTemplate(plan: EstatePlan, cluster: CacheClusterPlan): CfnTemplate {
  const p = plan.platform;
  const { index, name, users: tenantUsers } = cluster;
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tenantc estate ${p.name}: shared cache ${index} (${tenantUsers.length} tenants)`,
    Metadata: CFN_LINT_METADATA,
    Parameters: declare(CACHE_SHARD_INPUTS),
    Resources: {
      userGroup: {
        Type: 'AWS::ElastiCache::UserGroup',
        // Tenant users are created by the tenant stacks; the root orders this stack after theirs.
        Properties: { UserGroupId: name, Engine: p.cache.engine, UserIds: [input('DisabledDefaultCacheUserId'), ...tenantUsers], Tags: tags(p.tags) },
      },
      replicationGroup: {
        Type: 'AWS::ElastiCache::ReplicationGroup',
        DeletionPolicy: 'Snapshot',
        UpdateReplacePolicy: 'Snapshot',
        Properties: {
          ReplicationGroupId: name,
          ReplicationGroupDescription: `Shared cache ${index} for standard tenants (RBAC per tenant)`,
          ...replicationGroupProperties(plan, {
            subnetGroupName: input('CacheSubnetGroupName'),
            securityGroupId: input('CacheSecurityGroupId'),
            kmsKey: input('DatabaseKeyArn'),
          }),
          UserGroupIds: [ref('userGroup')],
          Tags: tags(p.tags),
        },
      },
      ...cacheAlarms(name, `Shared cache ${index}`, input('AlarmTopicArn')),
      // Where the pooled fleet's runtime finds the cluster (tenantc/runtime tenantCache).
      endpointParameter: {
        Type: 'AWS::SSM::Parameter',
        Properties: {
          Name: cluster.endpointParameter,
          Type: 'String',
          // host:port, as the runtime connects.
          Value: join(':', [getAtt('replicationGroup', 'PrimaryEndPoint.Address'), getAtt('replicationGroup', 'PrimaryEndPoint.Port')]),
          Description: `Primary endpoint of shared cache ${index}`,
          Tier: 'Standard',
          Tags: tagMap(p.tags),
        },
      },
    },
    Outputs: {
      PrimaryEndpoint: { Description: 'Primary endpoint', Value: getAtt('replicationGroup', 'PrimaryEndPoint.Address') },
    } satisfies Record<CacheShardOutput, CfnOutput>,
  };
}
