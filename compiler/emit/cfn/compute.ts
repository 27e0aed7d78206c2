// The shared app fleet: an Auto Scaling group of the platform's instance type in the
// app subnets, from a hardened launch template (AWS no longer creates launch
// configurations). Sizes come from the capacity model (plan/capacity.ts, README).
import type { EstatePlan } from '../../plan/model.ts';
import { COMPUTE_TAG_KEY, TENANT_TAG_KEY } from '../../plan/isolation.ts';
import { renderTemplate } from '../render.ts';
import { LOGS_KEY } from './keys.ts';
import { subnetId } from './network.ts';
import { APP_SG } from './securityGroups.ts';
import { base64, getAtt, join, ref, sub, tags, type LayerOutput, type Value } from './template.ts';
import type { Ec2LaunchTemplate_LaunchTemplateData } from './generated/resources.ts';

export const APP_INSTANCE_ROLE = 'appInstanceRole';
export const APP_LOG_GROUP = 'appFleetLogGroup';

export interface LaunchTemplateInput {
  readonly fleet: string;
  /** The image, pinned in the platform manifest (app.ami): literal, so the diff shows each fleet it rolls. */
  readonly imageId: string;
  readonly instanceType: string;
  readonly securityGroupIds: readonly Value[];
  readonly instanceProfileArn: Value;
  /** The script, or its parts with `userDataValues` between them (values CloudFormation resolves). */
  readonly userData: string | readonly string[];
  readonly userDataValues?: readonly Value[];
  readonly tags: readonly (readonly [string, string])[];
}

/** Launch template data shared by the pooled fleet and each dedicated (premium) fleet. */
export function hardenedLaunchTemplateData(input: LaunchTemplateInput): Ec2LaunchTemplate_LaunchTemplateData {
  return {
    ImageId: input.imageId,
    InstanceType: input.instanceType,
    IamInstanceProfile: { Arn: input.instanceProfileArn },
    SecurityGroupIds: input.securityGroupIds,
    // IMDSv2 only, one hop: a container or proxy on the host cannot reach the
    // instance role's credentials through a forwarded request.
    MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled', InstanceMetadataTags: 'disabled' },
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 30, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }],
    EbsOptimized: true,
    Monitoring: { Enabled: true },
    UserData: base64(
      typeof input.userData === 'string'
        ? input.userData
        : join(
            '',
            input.userData.flatMap((part, i) => (i === 0 ? [part] : [input.userDataValues![i - 1]!, part])),
          ),
    ),
    TagSpecifications: [
      { ResourceType: 'instance', Tags: tags([...input.tags, ['tenantc:fleet', input.fleet]]) },
      { ResourceType: 'volume', Tags: tags([...input.tags, ['tenantc:fleet', input.fleet]]) },
    ],
  };
}

/** `targetGroupArns`: the shared target group of every ALB shard, so any shard reaches the pooled fleet. */
export function emitCompute(plan: EstatePlan, targetGroupArns: readonly Value[]): LayerOutput {
  const p = plan.platform;
  const cap = plan.capacity;
  const logGroupName = p.names.appLogGroup;
  return {
    resources: {
      [APP_LOG_GROUP]: {
        Type: 'AWS::Logs::LogGroup',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { LogGroupName: logGroupName, RetentionInDays: 90, KmsKeyId: getAtt(LOGS_KEY, 'Arn'), Tags: tags(p.tags) },
      },
      [APP_INSTANCE_ROLE]: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: 'Shared app fleet: Session Manager, its log group, platform configuration, assuming tenant roles',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          // Session Manager replaces SSH: no key pair, no port 22, every session logged.
          ManagedPolicyArns: [sub('arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore')],
          Policies: [
            {
              PolicyName: 'platform-runtime',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'WriteOwnLogGroup',
                    Effect: 'Allow',
                    Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
                    Resource: sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${logGroupName}:*`),
                  },
                  // Tenant data is reached only through a tenant role, assumed per request
                  // with the tenant-id session tag that the role's trust policy requires.
                  {
                    Sid: 'AssumeTenantRolesWithTenantTag',
                    Effect: 'Allow',
                    Action: ['sts:AssumeRole', 'sts:TagSession'],
                    Resource: sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${p.names.tenantRolePattern}`),
                    // Only roles of tenants it serves: a premium tenant's role is tagged dedicated.
                    Condition: {
                      'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_TAG_KEY] },
                      StringEquals: { [`aws:ResourceTag/${COMPUTE_TAG_KEY}`]: 'shared' },
                    },
                  },
                  {
                    Sid: 'ReadPlatformConfiguration',
                    Effect: 'Allow',
                    Action: ['ssm:GetParameter', 'ssm:GetParametersByPath'],
                    Resource: sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${p.names.configPath}*`),
                  },
                ],
              },
            },
          ],
          Tags: tags(p.tags),
        },
      },
      appInstanceProfile: { Type: 'AWS::IAM::InstanceProfile', Properties: { Roles: [ref(APP_INSTANCE_ROLE)] } },
      appLaunchTemplate: {
        Type: 'AWS::EC2::LaunchTemplate',
        Properties: {
          LaunchTemplateData: hardenedLaunchTemplateData({
            fleet: 'shared',
            instanceType: p.app.instanceType,
            securityGroupIds: [getAtt(APP_SG, 'GroupId')],
            instanceProfileArn: getAtt('appInstanceProfile', 'Arn'),
            userData: renderTemplate('userdata.sh.hbs', {
              platformName: p.name,
              region: p.region,
              appPort: String(p.app.port),
              fleet: 'shared',
              logGroup: logGroupName,
            }),
            imageId: p.app.ami,
            tags: p.tags,
          }),
        },
      },
      appAutoScalingGroup: {
        Type: 'AWS::AutoScaling::AutoScalingGroup',
        UpdatePolicy: {
          AutoScalingRollingUpdate: {
            MinInstancesInService: cap.rollout.minInstancesInService,
            MaxBatchSize: cap.rollout.maxBatchSize,
            PauseTime: 'PT5M',
            WaitOnResourceSignals: false,
          },
        },
        Properties: {
          VPCZoneIdentifier: plan.network.zones.map((z) => ref(subnetId('App', z.suffix))),
          LaunchTemplate: { LaunchTemplateId: ref('appLaunchTemplate'), Version: getAtt('appLaunchTemplate', 'LatestVersionNumber') },
          // No DesiredCapacity: target tracking owns the live size (plan/capacity.ts).
          MinSize: String(cap.floor),
          MaxSize: String(cap.max),
          TargetGroupARNs: targetGroupArns,
          HealthCheckType: 'ELB',
          HealthCheckGracePeriod: 300,
          MetricsCollection: [{ Granularity: '1Minute' }],
          Tags: [...p.tags, ['Name', `${p.name}-app-shared`] as const].map(([Key, Value]) => ({ Key, Value, PropagateAtLaunch: true })),
        },
      },
      appCpuScalingPolicy: {
        Type: 'AWS::AutoScaling::ScalingPolicy',
        Properties: {
          AutoScalingGroupName: ref('appAutoScalingGroup'),
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingConfiguration: {
            PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
            TargetValue: cap.targetCpuPercent,
          },
        },
      },
    },
    outputs: {
      AppAutoScalingGroupName: { Description: 'Shared app fleet', Value: ref('appAutoScalingGroup') },
    },
  };
}
