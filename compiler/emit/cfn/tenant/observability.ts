// Logs and metrics of one tenant: its own log group (KMS, retention from its tier or
// manifest), Logs Insights queries scoped to that group only, metric filters that
// turn its request logs into per-tenant 5xx and latency metrics, and alarms on them.
// A filter's TenantId dimension comes from the event's `tenant` field, so its pattern
// requires that field to be this tenant's id: an event in this group that names
// another tenant (a bug, or a tenant's own code lying) counts for nobody, and one
// tenant's logs can never move another tenant's metrics or wake its alarms.
import type { EstatePlan, PlatformScope, TenantPlan } from '../../../plan/model.ts';
import { tenantTagPairs } from '../../../plan/isolation.ts';
import { alarm } from '../monitoring.ts';
import type { StackParameters } from '../stackParameters.ts';
import { ref, tags, type LayerOutput } from '../template.ts';

export const TENANT_LOG_GROUP = 'tenantLogGroup';

/** Logs Insights queries, each scoped to the tenant's log group. */
export const TENANT_QUERIES: readonly (readonly [string, string, string])[] = [
  ['Errors', 'errors', 'fields @timestamp, status, path, message | filter level = "error" or status >= 500 | sort @timestamp desc | limit 200'],
  ['SlowRequests', 'slow-requests', 'fields @timestamp, path, latency_ms | filter latency_ms > 1000 | sort latency_ms desc | limit 200'],
  [
    'SignInFailures',
    'sign-in-failures',
    'fields @timestamp, user, reason | filter event = "sign_in_failed" | stats count(*) as failures by user, reason | sort failures desc',
  ],
];

export function emitTenantObservability(plan: PlatformScope, t: TenantPlan, params: StackParameters): LayerOutput {
  const p = plan.platform;
  const name = t.names.logGroup;
  const namespace = p.names.tenantMetricNamespace;
  const dims = [{ Name: 'TenantId', Value: t.id }];
  const ownEvents = (condition: string) => `{ (${condition}) && ($.tenant = "${t.id}") }`;
  const r: LayerOutput['resources'] = {
    [TENANT_LOG_GROUP]: {
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { LogGroupName: name, RetentionInDays: t.logRetentionDays, KmsKeyId: params.ref('LogsKeyArn'), Tags: tags(tenantTagPairs(p.tags, t)) },
    },
  };
  for (const [id, slug, query] of TENANT_QUERIES) {
    r[`tenant${id}Query`] = {
      Type: 'AWS::Logs::QueryDefinition',
      Properties: { Name: `${t.names.queries}${slug}`, LogGroupNames: [name], QueryString: query },
    };
  }
  r.tenant5xxMetricFilter = {
    Type: 'AWS::Logs::MetricFilter',
    Properties: {
      LogGroupName: ref(TENANT_LOG_GROUP),
      FilterPattern: ownEvents('$.status >= 500'),
      MetricTransformations: [
        { MetricNamespace: namespace, MetricName: 'Http5xx', MetricValue: '1', Dimensions: [{ Key: 'TenantId', Value: '$.tenant' }], Unit: 'Count' },
      ],
    },
  };
  r.tenantLatencyMetricFilter = {
    Type: 'AWS::Logs::MetricFilter',
    Properties: {
      LogGroupName: ref(TENANT_LOG_GROUP),
      FilterPattern: ownEvents('$.latency_ms >= 0'),
      MetricTransformations: [
        {
          MetricNamespace: namespace,
          MetricName: 'LatencyMs',
          MetricValue: '$.latency_ms',
          Dimensions: [{ Key: 'TenantId', Value: '$.tenant' }],
          Unit: 'Milliseconds',
        },
      ],
    },
  };
  r.tenant5xxAlarm = alarm(
    {
      description: `Tenant ${t.id}: more than 20 responses 5xx in 5 minutes`,
      namespace,
      metric: 'Http5xx',
      dimensions: dims,
      statistic: 'Sum',
      threshold: 20,
      comparison: 'GreaterThanThreshold',
    },
    params.ref('AlarmTopicArn'),
  );
  r.tenantLatencyAlarm = alarm(
    {
      description: `Tenant ${t.id}: average latency above 1.5 s for 15 minutes`,
      namespace,
      metric: 'LatencyMs',
      dimensions: dims,
      statistic: 'Average',
      threshold: 1500,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 3,
    },
    params.ref('AlarmTopicArn'),
  );
  return { resources: r };
}
