// One ALB shard: an internet-facing Application Load Balancer with its listeners and
// the shared fleet's target group. Tenants are packed into shards within the ALB
// quotas (rules, certificates, target groups); each tenant stack adds its own host
// rules to its shard's HTTPS listener. The default action answers every unknown host
// with a fixed 404, so a name no tenant claims never reaches any tenant's application.
import type { TagPair } from '../../plan/manifestText.ts';
import type { AlbShardPlan, EstatePlan, PlatformScope } from '../../plan/model.ts';
import { edgeChoices } from './edge.ts';
import { alarm } from './monitoring.ts';
import { declare, type ParameterSpec, type ShardParameter } from './stackParameters.ts';
import { CFN_LINT_METADATA, getAtt, ref, tags, type CfnOutput, type CfnTemplate, type ResourceOf, type Value } from './template.ts';

/** TLS 1.3 with TLS 1.2 fallback and forward-secret ciphers only (ELB predefined policy). */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** An HTTP target group of app instances: the shard's shared one, or a dedicated fleet's. */
export function appTargetGroup(plan: PlatformScope, vpcId: Value, tagPairs: readonly TagPair[]): ResourceOf<'AWS::ElasticLoadBalancingV2::TargetGroup'> {
  const app = plan.platform.app;
  return {
    Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
    Properties: {
      VpcId: vpcId,
      TargetType: 'instance',
      Protocol: 'HTTP',
      Port: app.port,
      HealthCheckEnabled: true,
      HealthCheckProtocol: 'HTTP',
      HealthCheckPath: app.healthCheckPath,
      HealthCheckIntervalSeconds: 15,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
      Matcher: { HttpCode: '200' },
      // Long enough for in-flight requests, short enough for fast rolling updates.
      TargetGroupAttributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
      Tags: tags(tagPairs),
    },
  };
}

export const albShardFile = (shard: number) => `shards/alb-${shard}.template.json`;

/** What the root passes each ALB shard. */
export const ALB_SHARD_INPUTS = {
  VpcId: { type: 'AWS::EC2::VPC::Id', description: 'VPC of the estate' },
  PublicSubnetIds: { type: 'List<AWS::EC2::Subnet::Id>', description: 'Public subnets, one per AZ' },
  AlbSecurityGroupId: { type: 'AWS::EC2::SecurityGroup::Id', description: 'ALB security group' },
  WildcardCertificateArn: { type: 'String', description: 'Default certificate: *.apex' },
  AlarmTopicArn: { type: 'String', description: 'SNS topic of alarms' },
  AccessLogBucketName: { type: 'String', description: 'Bucket of ALB access logs (edge.accessLogs)' },
  WebAclArn: { type: 'String', description: 'Regional WAF web ACL of the ALBs (edge.waf)' },
} as const satisfies Record<string, ParameterSpec>;
export type AlbShardInput = keyof typeof ALB_SHARD_INPUTS;
const input = (name: AlbShardInput) => ref(name);

/** The inputs a shard declares: all, but the log bucket and the web ACL only when the platform has them. */
export function albShardInputs(plan: EstatePlan): AlbShardInput[] {
  const { accessLogs, waf } = plan.platform.edge;
  return (Object.keys(ALB_SHARD_INPUTS) as AlbShardInput[]).filter((n) => (n !== 'AccessLogBucketName' || accessLogs) && (n !== 'WebAclArn' || waf));
}

/** Prefix of a shard's access logs in the access-log bucket. */
export const albAccessLogPrefix = (shard: number) => `alb/shard-${shard}`;

export function emitAlbShardTemplate(plan: EstatePlan, albShard: AlbShardPlan): CfnTemplate {
  const shard = albShard.index;
  const topic = input('AlarmTopicArn');
  const lb = [{ Name: 'LoadBalancer', Value: getAtt('loadBalancer', 'LoadBalancerFullName') }];
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tenantc estate ${plan.platform.name}: ALB shard ${shard}`,
    Metadata: CFN_LINT_METADATA,
    Parameters: declare(ALB_SHARD_INPUTS, albShardInputs(plan)),
    Resources: {
      ...(plan.platform.edge.waf
        ? { webAclAssociation: { Type: 'AWS::WAFv2::WebACLAssociation', Properties: { ResourceArn: ref('loadBalancer'), WebACLArn: input('WebAclArn') } } }
        : {}),
      loadBalancer: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        ...edgeChoices(plan),
        Properties: {
          Type: 'application',
          Scheme: 'internet-facing',
          IpAddressType: 'ipv4',
          Subnets: input('PublicSubnetIds'),
          SecurityGroups: [input('AlbSecurityGroupId')],
          LoadBalancerAttributes: [
            { Key: 'deletion_protection.enabled', Value: 'true' },
            ...(plan.platform.edge.accessLogs
              ? [
                  { Key: 'access_logs.s3.enabled', Value: 'true' },
                  { Key: 'access_logs.s3.bucket', Value: input('AccessLogBucketName') },
                  { Key: 'access_logs.s3.prefix', Value: albAccessLogPrefix(shard) },
                ]
              : []),
            // Headers that are not valid HTTP are dropped before they reach an app.
            { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
            { Key: 'routing.http.desync_mitigation_mode', Value: 'strictest' },
            { Key: 'idle_timeout.timeout_seconds', Value: '60' },
          ],
          Tags: tags([...plan.platform.tags, ['tenantc:alb-shard', String(shard)]]),
        },
      },
      httpsListener: {
        Type: 'AWS::ElasticLoadBalancingV2::Listener',
        Properties: {
          LoadBalancerArn: ref('loadBalancer'),
          Port: 443,
          Protocol: 'HTTPS',
          SslPolicy: TLS_POLICY,
          Certificates: [{ CertificateArn: input('WildcardCertificateArn') }],
          DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not found' } }],
        },
      },
      httpListener: {
        Type: 'AWS::ElasticLoadBalancingV2::Listener',
        Properties: {
          LoadBalancerArn: ref('loadBalancer'),
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [
            {
              Type: 'redirect',
              RedirectConfig: { Protocol: 'HTTPS', Port: '443', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' },
            },
          ],
        },
      },
      sharedTargetGroup: appTargetGroup(plan, input('VpcId'), plan.platform.tags),
      elb5xxAlarm: alarm(
        {
          description: `ALB shard ${shard} answers 5xx itself: capacity or configuration`,
          namespace: 'AWS/ApplicationELB',
          metric: 'HTTPCode_ELB_5XX_Count',
          dimensions: lb,
          statistic: 'Sum',
          threshold: 50,
          comparison: 'GreaterThanThreshold',
        },
        topic,
      ),
      target5xxAlarm: alarm(
        {
          description: `Apps behind ALB shard ${shard} answer 5xx`,
          namespace: 'AWS/ApplicationELB',
          metric: 'HTTPCode_Target_5XX_Count',
          dimensions: lb,
          statistic: 'Sum',
          threshold: 100,
          comparison: 'GreaterThanThreshold',
        },
        topic,
      ),
      unhealthyHostsAlarm: alarm(
        {
          description: `Unhealthy shared-fleet instances behind ALB shard ${shard}`,
          namespace: 'AWS/ApplicationELB',
          metric: 'UnHealthyHostCount',
          dimensions: [...lb, { Name: 'TargetGroup', Value: getAtt('sharedTargetGroup', 'TargetGroupFullName') }],
          statistic: 'Maximum',
          threshold: 0,
          comparison: 'GreaterThanThreshold',
          periodSeconds: 60,
          evaluationPeriods: 3,
        },
        topic,
      ),
    },
    Outputs: {
      // Exactly the values the root reads and hands tenant stacks (SHARD_PARAMETERS).
      ...({
        HttpsListenerArn: { Description: 'HTTPS listener', Value: ref('httpsListener') },
        SharedTargetGroupArn: { Description: 'Shared-fleet target group', Value: ref('sharedTargetGroup') },
        LoadBalancerDnsName: { Description: 'DNS name', Value: getAtt('loadBalancer', 'DNSName') },
        LoadBalancerHostedZoneId: { Description: 'Canonical hosted zone, for alias records', Value: getAtt('loadBalancer', 'CanonicalHostedZoneID') },
      } satisfies Record<ShardParameter, CfnOutput>),
    },
  };
}
