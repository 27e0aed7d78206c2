// The shared app fleet: an Auto Scaling group of the platform's instance type in the
// app subnets, from a hardened launch template (AWS no longer creates launch
// configurations). Sizes come from the capacity model (plan/capacity.ts, docs/architecture.md).
import type { EstatePlan } from '../../plan/model.ts';
import { COMPUTE_TAG_KEY, TENANT_TAG_KEY } from '../../plan/isolation.ts';
import { SHARED_FLEET } from '../../plan/runtimeHosts.ts';
import { renderTemplate } from '../render.ts';
import { LOGS_KEY } from './keys.ts';
import { ALARM_TOPIC } from './monitoring.ts';
import { subnetId } from './network.ts';
import { APP_SG } from './securityGroups.ts';
import { base64, getAtt, join, propagatedTags, ref, sub, tags, type LayerOutput, type Value } from './template.ts';
import type { TagPair } from '../../plan/manifestText.ts';
import type { Ec2LaunchTemplate_LaunchTemplateData } from './generated/resources.ts';
import type { PolicyCondition, PolicyStatement } from './policy.ts';

export const APP_INSTANCE_ROLE = 'appInstanceRole';
export const APP_LOG_GROUP = 'appFleetLogGroup';

/**
 * What every Auto Scaling group tells the alarm topic (rule E202): each instance it
 * launches or terminates, and each it fails to. A fleet that cannot launch (a bad AMI,
 * capacity, a quota) otherwise fails silently until its alarms catch the lost capacity,
 * and the scaling steps are what on-call lines up with a latency or 5xx alarm.
 */
export const ASG_NOTIFICATION_TYPES = [
  'autoscaling:EC2_INSTANCE_LAUNCH',
  'autoscaling:EC2_INSTANCE_LAUNCH_ERROR',
  'autoscaling:EC2_INSTANCE_TERMINATE',
  'autoscaling:EC2_INSTANCE_TERMINATE_ERROR',
];

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
  readonly tags: readonly TagPair[];
}

/**
 * What the SSM agent needs for Session Manager, on the pooled fleet's role and on each
 * dedicated fleet's: register the instance and open the session channels (AWS Systems
 * Manager User Guide, "Create a custom IAM role for Session Manager"). Not
 * AmazonSSMManagedInstanceCore, which also grants ssm:GetParameter(s) on "*" (every
 * tenant's parameters), documents, inventory, associations and Run Command's
 * ec2messages: none of these serves a session, and the parameters are what isolation
 * withholds. Session logging to S3 or KMS-encrypted sessions, if the account turns
 * them on in Session Manager's preferences, need s3:GetEncryptionConfiguration and
 * kms:Decrypt on their key besides.
 */
export function sessionManagerAgent(condition?: PolicyCondition): PolicyStatement {
  return {
    Sid: 'SessionManagerAgent',
    Effect: 'Allow',
    Action: [
      'ssm:UpdateInstanceInformation',
      'ssmmessages:CreateControlChannel',
      'ssmmessages:CreateDataChannel',
      'ssmmessages:OpenControlChannel',
      'ssmmessages:OpenDataChannel',
    ],
    Resource: '*',
    ...(condition ? { Condition: condition } : {}),
  };
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

const ssmArn = (name: string) => sub('arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ParameterName}', { ParameterName: name });

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
          // No AWS managed policy (rule E402): Session Manager replaces SSH (no key pair,
          // no port 22, every session logged) with the agent's own actions only.
          Policies: [
            {
              PolicyName: 'platform-runtime',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  sessionManagerAgent(),
                  {
                    Sid: 'WriteOwnLogGroup',
                    Effect: 'Allow',
                    Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
                    Resource: sub('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${LogGroupName}:*', { LogGroupName: logGroupName }),
                  },
                  // Tenant data is reached only through a tenant role, assumed per request
                  // with the tenant-id session tag that the role's trust policy requires.
                  {
                    Sid: 'AssumeTenantRolesWithTenantTag',
                    Effect: 'Allow',
                    Action: ['sts:AssumeRole', 'sts:TagSession'],
                    Resource: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${RoleNames}', { RoleNames: p.names.tenantRolePattern }),
                    // Only roles of tenants it serves: a premium tenant's role is tagged dedicated.
                    Condition: {
                      'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_TAG_KEY] },
                      StringEquals: { [`aws:ResourceTag/${COMPUTE_TAG_KEY}`]: 'shared' },
                    },
                  },
                  {
                    Sid: 'ReadPlatformConfiguration',
                    Effect: 'Allow',
                    Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
                    Resource: [ssmArn(`${p.names.configPath}*`), ssmArn(p.names.configPath.slice(0, -1))],
                  },
                  // The configuration of the tenants it serves, by name, never by path:
                  // GetParametersByPath cannot be conditioned on a parameter's tags, and a
                  // premium (or offboarded) tenant's parameters are tagged otherwise
                  // (plan: serving.computeTag).
                  {
                    Sid: 'ReadServedTenantsParameters',
                    Effect: 'Allow',
                    Action: ['ssm:GetParameter', 'ssm:GetParameters'],
                    Resource: ssmArn(`${p.names.tenantsConfigPath}*`),
                    Condition: { StringEquals: { [`aws:ResourceTag/${COMPUTE_TAG_KEY}`]: 'shared' } },
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
            fleet: SHARED_FLEET,
            instanceType: p.app.instanceType,
            securityGroupIds: [getAtt(APP_SG, 'GroupId')],
            instanceProfileArn: getAtt('appInstanceProfile', 'Arn'),
            userData: renderTemplate('userdata.sh.hbs', {
              platformName: p.name,
              region: p.region,
              appPort: String(p.app.port),
              fleet: SHARED_FLEET,
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
          NotificationConfigurations: [{ TopicARN: ref(ALARM_TOPIC), NotificationTypes: ASG_NOTIFICATION_TYPES }],
          Tags: propagatedTags([...p.tags, ['Name', `${p.name}-app-shared`]]),
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
