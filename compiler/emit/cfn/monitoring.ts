// Platform alarms, all to one encrypted SNS topic (ALB and cache alarms live in their
// shard stacks, tenant alarms in tenant stacks). Thresholds are starting points an
// on-call engineer can defend: each says what it protects.
import type { EstatePlan } from '../../plan/model.ts';
import { DB_CLUSTER } from './database.ts';
import { DATA_KEY } from './keys.ts';
import { PROVISIONING_FUNCTION } from './registry.ts';
import { ref, tags, templateText, type CfnResource, type LayerOutput, type ResourceOf, type Resources, type Value } from './template.ts';

export const ALARM_TOPIC = 'platformAlarmTopic';

export interface AlarmSpec {
  readonly description: string;
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: readonly { readonly Name: string; readonly Value: Value }[];
  readonly statistic: 'Sum' | 'Average' | 'Maximum' | 'Minimum';
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';
  readonly periodSeconds?: number;
  readonly evaluationPeriods?: number;
}

export function alarm(spec: AlarmSpec, topic: Value = ref(ALARM_TOPIC)): ResourceOf<'AWS::CloudWatch::Alarm'> {
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

export function emitMonitoring(plan: EstatePlan): LayerOutput {
  const db = [{ Name: 'DBClusterIdentifier', Value: ref(DB_CLUSTER) }];
  const r: Resources = {
    [ALARM_TOPIC]: {
      Type: 'AWS::SNS::Topic',
      Properties: { DisplayName: `${plan.platform.name} alarms`, KmsMasterKeyId: ref(DATA_KEY), Tags: tags(plan.platform.tags) },
    },
    platformAlarmEmailSubscription: {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: ref(ALARM_TOPIC), Protocol: 'email', Endpoint: templateText(plan.platform.alarmEmail) },
    },
    databaseCpuAlarm: alarm({
      description: "Aurora CPU above 80 %: one tenant's load reaches all",
      namespace: 'AWS/RDS',
      metric: 'CPUUtilization',
      dimensions: db,
      statistic: 'Average',
      threshold: 80,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 3,
    }),
    databaseConnectionsAlarm: alarm({
      description: "Aurora connections above 80 % of the smallest instance's max_connections",
      namespace: 'AWS/RDS',
      metric: 'DatabaseConnections',
      dimensions: db,
      statistic: 'Maximum',
      threshold: 2500,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 2,
    }),
    databaseFreeableMemoryAlarm: alarm({
      description: 'Aurora freeable memory below 1 GiB',
      namespace: 'AWS/RDS',
      metric: 'FreeableMemory',
      dimensions: db,
      statistic: 'Minimum',
      threshold: 1073741824,
      comparison: 'LessThanThreshold',
      evaluationPeriods: 2,
    }),
    provisioningErrorsAlarm: alarm({
      description: 'The provisioning Lambda failed: a tenant stack may be failing',
      namespace: 'AWS/Lambda',
      metric: 'Errors',
      dimensions: [{ Name: 'FunctionName', Value: ref(PROVISIONING_FUNCTION) }],
      statistic: 'Sum',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
    }),
  };
  return { resources: r, outputs: { AlarmTopicArn: { Description: 'SNS topic of every alarm', Value: ref(ALARM_TOPIC) } } };
}
