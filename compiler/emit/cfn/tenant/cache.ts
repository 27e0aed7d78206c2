// The tenant's cache user: IAM-authenticated (no password exists to leak), with the
// access string that confines it to tenant:<id>:* keys and channels. Standard tenants'
// users join their shared cluster's user group (in the cache shard stack); premium
// tenants get a dedicated replication group, reachable only from their own fleet.
import type { EstatePlan, PlatformScope, TenantPlan } from '../../../plan/model.ts';
import { tenantCacheAccessString, tenantTagPairs } from '../../../plan/isolation.ts';
import { cacheAlarms, replicationGroupProperties } from '../cache.ts';
import { NO_EGRESS, REDIS_PORT } from '../securityGroups.ts';
import type { StackParameters } from '../stackParameters.ts';
import { getAtt, ref, tags, type LayerOutput, type Resources } from '../template.ts';
import { TENANT_FLEET_SG } from './fleet.ts';

export const TENANT_CACHE_USER = 'tenantCacheUser';
export const TENANT_CACHE_CLUSTER = 'tenantCacheCluster';

export function emitTenantCache(plan: PlatformScope, t: TenantPlan, params: StackParameters): LayerOutput {
  const p = plan.platform;
  const userId = t.names.cacheUser;
  const r: Resources = {
    [TENANT_CACHE_USER]: {
      Type: 'AWS::ElastiCache::User',
      Properties: {
        UserId: userId,
        // IAM authentication requires the user name to equal the user id.
        UserName: userId,
        Engine: p.cache.engine,
        AccessString: tenantCacheAccessString(t.id, p.cache.engine, t.serving.credentials),
        AuthenticationMode: { Type: 'iam' },
        Tags: tags(tenantTagPairs(p.tags, t)),
      },
    },
  };
  if (t.placement.cacheCluster !== null) return { resources: r };
  const name = t.names.cacheGroup;
  Object.assign(r, {
    tenantCacheSecurityGroup: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: `Dedicated cache of tenant ${t.id}: 6379 from its own fleet only`,
        VpcId: params.ref('VpcId'),
        SecurityGroupEgress: [NO_EGRESS],
        Tags: tags(tenantTagPairs(p.tags, t)),
      },
    },
    tenantCacheFromFleetIngress: {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: getAtt('tenantCacheSecurityGroup', 'GroupId'),
        SourceSecurityGroupId: getAtt(TENANT_FLEET_SG, 'GroupId'),
        IpProtocol: 'tcp',
        FromPort: REDIS_PORT,
        ToPort: REDIS_PORT,
        Description: "Redis from the tenant's fleet",
      },
    },
    tenantFleetToCacheEgress: {
      Type: 'AWS::EC2::SecurityGroupEgress',
      Properties: {
        GroupId: getAtt(TENANT_FLEET_SG, 'GroupId'),
        DestinationSecurityGroupId: getAtt('tenantCacheSecurityGroup', 'GroupId'),
        IpProtocol: 'tcp',
        FromPort: REDIS_PORT,
        ToPort: REDIS_PORT,
        Description: 'Fleet to its dedicated cache',
      },
    },
    tenantCacheUserGroup: {
      Type: 'AWS::ElastiCache::UserGroup',
      Properties: {
        UserGroupId: name,
        Engine: p.cache.engine,
        UserIds: [params.ref('DisabledDefaultCacheUserId'), ref(TENANT_CACHE_USER)],
        Tags: tags(tenantTagPairs(p.tags, t)),
      },
    },
    [TENANT_CACHE_CLUSTER]: {
      Type: 'AWS::ElastiCache::ReplicationGroup',
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
      Properties: {
        ReplicationGroupId: name,
        ReplicationGroupDescription: `Dedicated cache of tenant ${t.id}`,
        ...replicationGroupProperties(plan, {
          subnetGroupName: params.ref('CacheSubnetGroupName'),
          securityGroupId: getAtt('tenantCacheSecurityGroup', 'GroupId'),
          kmsKey: params.ref('DatabaseKeyArn'),
        }),
        UserGroupIds: [ref('tenantCacheUserGroup')],
        Tags: tags(tenantTagPairs(p.tags, t)),
      },
    },
    ...Object.fromEntries(
      Object.entries(cacheAlarms(name, `Cache of tenant ${t.id}`, params.ref('AlarmTopicArn'))).map(([k, v]) => [
        `tenantCache${k[0]!.toUpperCase()}${k.slice(1)}`,
        v,
      ]),
    ),
  });
  return {
    resources: r,
    outputs: { CacheEndpoint: { Description: 'Dedicated cache primary endpoint', Value: getAtt(TENANT_CACHE_CLUSTER, 'PrimaryEndPoint.Address') } },
  };
}
