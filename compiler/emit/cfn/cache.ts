// Shared Redis/Valkey for standard tenants. Isolation inside a shared cluster is by
// RBAC: each tenant has its own ACL user (in its tenant stack) whose access string
// confines it to tenant:<id>:* keys and channels. The `default` user of every group
// is replaced by a disabled one, so a connection that does not authenticate as a
// tenant can do nothing. Encrypted in transit (TLS required) and at rest.
import type { EstatePlan } from '../../plan/model.ts';
import type { NetworkPlan } from '../../plan/network.ts';
import { DATABASE_KEY } from './keys.ts';
import { subnetId } from './network.ts';
import { CACHE_SG, REDIS_PORT } from './securityGroups.ts';
import { getAtt, ref, tags, type LayerOutput, type Resources } from './template.ts';

export const CACHE_SUBNET_GROUP = 'platformCacheSubnetGroup';
export const DISABLED_DEFAULT_USER = 'disabledDefaultCacheUser';

export const sharedCacheClusterId = (index: number) => `sharedCacheCluster${index}`;
export const sharedCacheUserGroupId = (index: number) => `sharedCacheUserGroup${index}`;
/** Physical ids are chosen, not generated, so tenant stacks can name them. */
export const sharedCacheUserGroupName = (platform: string, index: number) => `${platform}-shared-${index}`;
export const disabledDefaultUserName = (platform: string) => `${platform}-default-off`;

/** Settings every replication group of the estate shares, premium ones included. */
export function replicationGroupProperties(plan: EstatePlan): object {
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
    KmsKeyId: ref(DATABASE_KEY),
    TransitEncryptionEnabled: true,
    TransitEncryptionMode: 'required',
    Port: REDIS_PORT,
    CacheSubnetGroupName: ref(CACHE_SUBNET_GROUP),
    SecurityGroupIds: [getAtt(CACHE_SG, 'GroupId')],
    SnapshotRetentionLimit: 7,
    SnapshotWindow: '02:00-03:00',
    PreferredMaintenanceWindow: 'sun:06:00-sun:07:00',
    AutoMinorVersionUpgrade: true,
  };
}

export function emitSharedCache(plan: EstatePlan, network: NetworkPlan, sharedClusters: readonly { readonly index: number; readonly userIds: readonly string[] }[]): LayerOutput {
  const p = plan.platform;
  const r: Resources = {
    [CACHE_SUBNET_GROUP]: {
      Type: 'AWS::ElastiCache::SubnetGroup',
      Properties: { Description: 'Isolated data subnets, one per AZ', SubnetIds: network.zones.map((z) => ref(subnetId('Data', z.suffix))), Tags: tags(p.tags) },
    },
    [DISABLED_DEFAULT_USER]: {
      Type: 'AWS::ElastiCache::User',
      Properties: {
        UserId: disabledDefaultUserName(p.name),
        UserName: 'default',
        Engine: p.cache.engine,
        // "off": the user cannot authenticate; "-@all": it could run nothing anyway.
        AccessString: 'off resetkeys resetchannels -@all',
        NoPasswordRequired: true,
        Tags: tags(p.tags),
      },
    },
  };
  const outputs: LayerOutput['outputs'] = {};
  for (const cluster of sharedClusters) {
    r[sharedCacheUserGroupId(cluster.index)] = {
      Type: 'AWS::ElastiCache::UserGroup',
      Properties: {
        UserGroupId: sharedCacheUserGroupName(p.name, cluster.index),
        Engine: p.cache.engine,
        UserIds: [ref(DISABLED_DEFAULT_USER), ...cluster.userIds],
        Tags: tags(p.tags),
      },
    };
    r[sharedCacheClusterId(cluster.index)] = {
      Type: 'AWS::ElastiCache::ReplicationGroup',
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
      Properties: {
        ReplicationGroupId: `${p.name}-shared-${cluster.index}`,
        ReplicationGroupDescription: `Shared cache ${cluster.index} for standard tenants (RBAC per tenant)`,
        ...replicationGroupProperties(plan),
        UserGroupIds: [ref(sharedCacheUserGroupId(cluster.index))],
        Tags: tags(p.tags),
      },
    };
    outputs[`SharedCache${cluster.index}Endpoint`] = { Description: `Primary endpoint of shared cache ${cluster.index}`, Value: getAtt(sharedCacheClusterId(cluster.index), 'PrimaryEndPoint.Address') };
  }
  return { resources: r, outputs };
}
