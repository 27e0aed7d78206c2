// Platform alarms, all to one encrypted SNS topic. Thresholds are starting points an
// on-call engineer can defend: each says what it protects.
import type { EstatePlan } from '../../plan/model.ts';
import { DB_CLUSTER } from './database.ts';
import { DATA_KEY } from './keys.ts';
import { LOAD_BALANCER, SHARED_TARGET_GROUP } from './loadBalancer.ts';
import { PROVISIONING_FUNCTION } from './registry.ts';
import { getAtt, ref, tags, type CfnResource, type LayerOutput, type Resources } from './template.ts';

export const ALARM_TOPIC = 'platformAlarmTopic';

export interface AlarmSpec {
  readonly description: string;
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: readonly { readonly Name: string; readonly Value: unknown }[];
  readonly statistic: 'Sum' | 'Average' | 'Maximum' | 'Minimum';
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';
  readonly periodSeconds?: number;
  readonly evaluationPeriods?: number;
}

export function alarm(spec: AlarmSpec, topic: unknown = ref(ALARM_TOPIC)): CfnResource {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: spec.description,
      Namespace: spec.namespace,
      MetricName: spec.metric,
      Dimensions: spec.dimensions,
      Statistic: spec.statistic,
      Period: spec.periodSeconds ?? 300,
      EvaluationPeriods: spec.evaluationPeriods ?? 1,
      Threshold: spec.threshold,
      ComparisonOperator: spec.comparison,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
    },
  };
}

export function emitMonitoring(plan: EstatePlan, sharedCacheReplicationGroups: readonly string[]): LayerOutput {
  const lb = [{ Name: 'LoadBalancer', Value: getAtt(LOAD_BALANCER, 'LoadBalancerFullName') }];
  const db = [{ Name: 'DBClusterIdentifier', Value: ref(DB_CLUSTER) }];
  const r: Resources = {
    [ALARM_TOPIC]: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: `${plan.platform.name} alarms`, KmsMasterKeyId: ref(DATA_KEY), Tags: tags(plan.platform.tags) } },
    platformAlarmEmailSubscription: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: ref(ALARM_TOPIC), Protocol: 'email', Endpoint: plan.platform.alarmEmail } },
    albElb5xxAlarm: alarm({ description: 'ALB itself answers 5xx: capacity or configuration', namespace: 'AWS/ApplicationELB', metric: 'HTTPCode_ELB_5XX_Count', dimensions: lb, statistic: 'Sum', threshold: 50, comparison: 'GreaterThanThreshold' }),
    albTarget5xxAlarm: alarm({ description: 'Apps answer 5xx across tenants', namespace: 'AWS/ApplicationELB', metric: 'HTTPCode_Target_5XX_Count', dimensions: lb, statistic: 'Sum', threshold: 100, comparison: 'GreaterThanThreshold' }),
    sharedFleetUnhealthyHostsAlarm: alarm({
      description: 'Unhealthy instances in the shared fleet',
      namespace: 'AWS/ApplicationELB',
      metric: 'UnHealthyHostCount',
      dimensions: [...lb, { Name: 'TargetGroup', Value: getAtt(SHARED_TARGET_GROUP, 'TargetGroupFullName') }],
      statistic: 'Maximum',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      periodSeconds: 60,
      evaluationPeriods: 3,
    }),
    databaseCpuAlarm: alarm({ description: 'Aurora CPU above 80 %: one tenant\'s load reaches all', namespace: 'AWS/RDS', metric: 'CPUUtilization', dimensions: db, statistic: 'Average', threshold: 80, comparison: 'GreaterThanThreshold', evaluationPeriods: 3 }),
    databaseConnectionsAlarm: alarm({ description: 'Aurora connections above 80 % of the smallest instance\'s max_connections', namespace: 'AWS/RDS', metric: 'DatabaseConnections', dimensions: db, statistic: 'Maximum', threshold: 2500, comparison: 'GreaterThanThreshold', evaluationPeriods: 2 }),
    databaseFreeableMemoryAlarm: alarm({ description: 'Aurora freeable memory below 1 GiB', namespace: 'AWS/RDS', metric: 'FreeableMemory', dimensions: db, statistic: 'Minimum', threshold: 1073741824, comparison: 'LessThanThreshold', evaluationPeriods: 2 }),
    provisioningErrorsAlarm: alarm({ description: 'The provisioning Lambda failed: a tenant stack may be failing', namespace: 'AWS/Lambda', metric: 'Errors', dimensions: [{ Name: 'FunctionName', Value: ref(PROVISIONING_FUNCTION) }], statistic: 'Sum', threshold: 0, comparison: 'GreaterThanThreshold' }),
  };
  sharedCacheReplicationGroups.forEach((groupId, i) => {
    // ElastiCache publishes per node; node 001 is the primary at creation.
    for (const node of ['001', '002']) {
      const dims = [{ Name: 'CacheClusterId', Value: `${groupId}-${node}` }];
      r[`sharedCache${i}Node${node}MemoryAlarm`] = alarm({ description: `Shared cache ${i} node ${node} memory above 80 %`, namespace: 'AWS/ElastiCache', metric: 'DatabaseMemoryUsagePercentage', dimensions: dims, statistic: 'Maximum', threshold: 80, comparison: 'GreaterThanThreshold' });
      r[`sharedCache${i}Node${node}EvictionsAlarm`] = alarm({ description: `Shared cache ${i} node ${node} evicts keys: tenants lose cached data`, namespace: 'AWS/ElastiCache', metric: 'Evictions', dimensions: dims, statistic: 'Sum', threshold: 0, comparison: 'GreaterThanThreshold' });
    }
  });
  return { resources: r, outputs: { AlarmTopicArn: { Description: 'SNS topic of every alarm', Value: ref(ALARM_TOPIC) } } };
}
