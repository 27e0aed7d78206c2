// Dedicated compute for tenants whose tier asks for it: the tenant's own Auto Scaling
// group, from the same hardened launch template data as the pooled fleet, running as
// the tenant's role (instance profile). Its instances join the tenant's own security
// group (which admits only the ALB) and the shared dedicated-fleet group (which
// reaches Aurora). An offboarded tenant's fleet is scaled to zero.
import type { EstatePlan, PlatformScope, TenantPlan } from '../../../plan/model.ts';
import { tenantTagPairs } from '../../../plan/isolation.ts';
import { renderTemplate } from '../../render.ts';
import { ASG_NOTIFICATION_TYPES, hardenedLaunchTemplateData } from '../compute.ts';
import { NO_EGRESS } from '../network.ts';
import type { StackParameters } from '../stackParameters.ts';
import { getAtt, propagatedTags, ref, tags, type LayerOutput } from '../template.ts';
import { TENANT_ROLE } from './iam.ts';
import { TENANT_FLEET_GROUP, TENANT_TARGET_GROUP } from './routing.ts';

/** Where the tenant stack's id goes in the user data (CloudFormation joins it in). */
const STACK_ID_SLOT = '@TENANT_STACK_ID@';
const READINESS_TIMEOUT = 'PT20M';

export const TENANT_FLEET_SG = 'tenantFleetSecurityGroup';

export function emitTenantFleet(plan: PlatformScope, t: TenantPlan, params: StackParameters): LayerOutput {
  const size = t.serving.fleet;
  if (!size) return { resources: {} };
  const p = plan.platform;
  return {
    resources: {
      [TENANT_FLEET_SG]: {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: {
          GroupDescription: `Dedicated fleet of tenant ${t.id}: the app port from the ALB only`,
          VpcId: params.ref('VpcId'),
          // Its HTTPS egress is the dedicated-fleet group's, which it also joins
          // (securityGroups.ts); its own adds only its cache, where it has one.
          SecurityGroupEgress: [NO_EGRESS],
          Tags: tags(tenantTagPairs(p.tags, t)),
        },
      },
      tenantFleetFromAlbIngress: {
        Type: 'AWS::EC2::SecurityGroupIngress',
        Properties: {
          GroupId: getAtt(TENANT_FLEET_SG, 'GroupId'),
          SourceSecurityGroupId: params.ref('AlbSecurityGroupId'),
          IpProtocol: 'tcp',
          FromPort: p.app.port,
          ToPort: p.app.port,
          Description: 'App port from the ALB',
        },
      },
      tenantInstanceProfile: { Type: 'AWS::IAM::InstanceProfile', Properties: { Roles: [ref(TENANT_ROLE)] } },
      tenantLaunchTemplate: {
        Type: 'AWS::EC2::LaunchTemplate',
        Properties: {
          LaunchTemplateData: hardenedLaunchTemplateData({
            fleet: t.id,
            instanceType: p.app.instanceType,
            securityGroupIds: [getAtt(TENANT_FLEET_SG, 'GroupId'), params.ref('PremiumFleetSecurityGroupId')],
            instanceProfileArn: getAtt('tenantInstanceProfile', 'Arn'),
            userData: renderTemplate('userdata.sh.hbs', {
              platformName: p.name,
              region: p.region,
              appPort: String(p.app.port),
              fleet: t.id,
              logGroup: t.names.logGroup,
              readiness: true,
              healthCheckPath: p.app.healthCheckPath,
              stackIdSlot: STACK_ID_SLOT,
              signalResource: TENANT_FLEET_GROUP,
            }).split(STACK_ID_SLOT),
            userDataValues: [ref('AWS::StackId')],
            imageId: p.app.ami,
            tags: tenantTagPairs(p.tags, t),
          }),
        },
      },
      [TENANT_FLEET_GROUP]: {
        Type: 'AWS::AutoScaling::AutoScalingGroup',
        // Created (and replaced instances accepted) only once each instance reports that
        // the app answers its health check (templates/userdata.sh.hbs); the tenant's
        // listener rules wait for it (routing.ts). 20 minutes covers the security
        // updates at boot and the app's start; a fleet that never gets ready fails the
        // tenant's stack, which rolls back with its traffic where it was.
        ...(size.min > 0 ? { CreationPolicy: { ResourceSignal: { Count: size.min, Timeout: READINESS_TIMEOUT } } } : {}),
        UpdatePolicy: {
          AutoScalingRollingUpdate: {
            MinInstancesInService: size.rollout.minInstancesInService,
            MaxBatchSize: size.rollout.maxBatchSize,
            PauseTime: READINESS_TIMEOUT,
            WaitOnResourceSignals: true,
          },
        },
        Properties: {
          VPCZoneIdentifier: params.ref('AppSubnetIds'),
          LaunchTemplate: { LaunchTemplateId: ref('tenantLaunchTemplate'), Version: getAtt('tenantLaunchTemplate', 'LatestVersionNumber') },
          MinSize: String(size.min),
          MaxSize: String(size.max),
          TargetGroupARNs: [ref(TENANT_TARGET_GROUP)],
          HealthCheckType: 'ELB',
          HealthCheckGracePeriod: 300,
          MetricsCollection: [{ Granularity: '1Minute' }],
          NotificationConfigurations: [{ TopicARN: params.ref('AlarmTopicArn'), NotificationTypes: ASG_NOTIFICATION_TYPES }],
          Tags: propagatedTags([...tenantTagPairs(p.tags, t), ['Name', t.names.fleet]]),
        },
      },
      tenantCpuScalingPolicy: {
        Type: 'AWS::AutoScaling::ScalingPolicy',
        Properties: {
          AutoScalingGroupName: ref('tenantAutoScalingGroup'),
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingConfiguration: {
            PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
            TargetValue: p.app.targetCpuPercent,
          },
        },
      },
    },
    outputs: { AutoScalingGroupName: { Description: 'Dedicated fleet', Value: ref('tenantAutoScalingGroup') } },
  };
}
