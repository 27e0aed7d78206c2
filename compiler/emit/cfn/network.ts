// Network layer: a VPC over three AZs. Public subnets hold only the ALB nodes (and the
// NAT gateways); app and data subnets have no route from the internet, and data
// subnets none to it.
//
// Where app instances may connect is the platform's choice (network.appEgress):
//   endpoints (default): no route from the app subnets to the internet at all; the AWS
//     services the platform uses are reached through VPC endpoints (gateway endpoints
//     for S3 and DynamoDB, interface endpoints for the rest), each with a policy or a
//     security group that admits only the estate. A compromised app has nowhere to
//     send tenant data. No NAT gateway: nothing would use one.
//   internet: one NAT gateway per AZ, each AZ's app subnet routing through its own, so
//     losing one AZ never cuts the others' egress; HTTPS to anywhere.
import type { EstatePlan } from '../../plan/model.ts';
import { LOGS_KEY } from './keys.ts';
import type { PolicyDocument } from './policy.ts';
import type { Ec2SecurityGroup_Egress } from './generated/resources.ts';
import { ACCESS_LOG_BUCKET, REGISTRY_TABLE, TENANT_DATA_BUCKET } from './rootIds.ts';
import { getAtt, join, ref, sub, tags, type LayerOutput, type Resources, type Value } from './template.ts';

export const VPC = 'platformVpc';
/**
 * CloudFormation gives a group without egress rules an allow-all egress rule; this
 * rule (ICMP type 252 code 86, to the broadcast address) matches no real traffic and
 * replaces it, which is how a group is made to initiate nothing.
 */
export const NO_EGRESS: Ec2SecurityGroup_Egress = { CidrIp: '255.255.255.255/32', IpProtocol: 'icmp', FromPort: 252, ToPort: 86, Description: 'No egress' };

/** Security group of the interface endpoints: HTTPS from the app fleets only (securityGroups.ts). */
export const ENDPOINT_SG = 'endpointSecurityGroup';
export const subnetId = (tier: 'Public' | 'App' | 'Data', suffix: string) => `platform${tier}Subnet${suffix}`;

/**
 * The AWS services app instances call, each through an interface endpoint when they
 * have no route to the internet: Session Manager (ssm, ssmmessages, ec2messages),
 * their logs and metrics, STS (assuming tenant roles), Secrets Manager and KMS (tenant
 * secrets), Cognito (verifying tokens), and CloudFormation (a dedicated fleet's
 * readiness signal, tenant/fleet.ts). S3 and DynamoDB use gateway endpoints.
 */
export const INTERFACE_ENDPOINT_SERVICES = [
  { id: 'Ssm', name: 'ssm' },
  { id: 'SsmMessages', name: 'ssmmessages' },
  { id: 'Ec2Messages', name: 'ec2messages' },
  { id: 'Logs', name: 'logs' },
  { id: 'Monitoring', name: 'monitoring' },
  { id: 'Sts', name: 'sts' },
  { id: 'SecretsManager', name: 'secretsmanager' },
  { id: 'Kms', name: 'kms' },
  { id: 'CognitoIdp', name: 'cognito-idp' },
  { id: 'CloudFormation', name: 'cloudformation' },
] as const;

/**
 * The S3 gateway endpoint carries every S3 request of the private subnets, so it
 * admits only the estate's buckets and the AWS-owned buckets instances read: the
 * Amazon Linux 2023 package repositories and the SSM agent's (Amazon Linux User
 * Guide, "Access AL2023 repositories through a VPC endpoint"; AWS Systems Manager
 * User Guide, "Reference: Amazon S3 buckets for the SSM Agent").
 */
function s3EndpointPolicy(): PolicyDocument {
  const bucket = (name: Value) => [join('', [sub('arn:${AWS::Partition}:s3:::'), name]), join('', [sub('arn:${AWS::Partition}:s3:::'), name, '/*'])];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EstateBuckets',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:*',
        Resource: [...bucket(ref(TENANT_DATA_BUCKET)), ...bucket(ref(ACCESS_LOG_BUCKET))],
      },
      {
        Sid: 'AwsOwnedBucketsInstancesRead',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: [
          sub('arn:${AWS::Partition}:s3:::al2023-repos-${AWS::Region}-*/*'),
          sub('arn:${AWS::Partition}:s3:::amazon-ssm-${AWS::Region}/*'),
          sub('arn:${AWS::Partition}:s3:::amazon-ssm-packages-${AWS::Region}/*'),
          sub('arn:${AWS::Partition}:s3:::${AWS::Region}-birdwatcher-prod/*'),
          sub('arn:${AWS::Partition}:s3:::aws-ssm-document-attachments-${AWS::Region}/*'),
          sub('arn:${AWS::Partition}:s3:::aws-ssm-${AWS::Region}/*'),
        ],
      },
    ],
  };
}

export function emitNetwork(plan: EstatePlan): LayerOutput {
  const network = plan.network;
  const t = plan.platform.tags;
  const named = (name: string) => tags([...t, ['Name', `${plan.platform.name}-${name}`]]);
  const r: Resources = {
    [VPC]: {
      Type: 'AWS::EC2::VPC',
      Properties: { CidrBlock: network.vpcCidr, EnableDnsHostnames: true, EnableDnsSupport: true, InstanceTenancy: 'default', Tags: named('vpc') },
    },
    platformInternetGateway: { Type: 'AWS::EC2::InternetGateway', Properties: { Tags: named('igw') } },
    platformInternetGatewayAttachment: {
      Type: 'AWS::EC2::VPCGatewayAttachment',
      Properties: { VpcId: ref(VPC), InternetGatewayId: ref('platformInternetGateway') },
    },
  };

  for (const z of network.zones) {
    const zone = z.suffix.toLowerCase();
    for (const [tier, cidr, isPublic] of [
      ['Public', z.public, true],
      ['App', z.app, false],
      ['Data', z.data, false],
    ] as const) {
      const subnet = subnetId(tier, z.suffix);
      const table = `platform${tier}RouteTable${z.suffix}`;
      r[subnet] = {
        Type: 'AWS::EC2::Subnet',
        Properties: {
          VpcId: ref(VPC),
          CidrBlock: cidr,
          AvailabilityZone: z.az,
          // Only ALB nodes and NAT gateways live in public subnets, and they get
          // their addresses explicitly; nothing launched there gets a public IP.
          MapPublicIpOnLaunch: false,
          Tags: named(`${tier.toLowerCase()}-${zone}`),
        },
      };
      r[table] = { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: ref(VPC), Tags: named(`${tier.toLowerCase()}-${zone}`) } };
      r[`${subnet}RouteTableAssociation`] = { Type: 'AWS::EC2::SubnetRouteTableAssociation', Properties: { SubnetId: ref(subnet), RouteTableId: ref(table) } };
      if (isPublic) {
        r[`platformPublicDefaultRoute${z.suffix}`] = {
          Type: 'AWS::EC2::Route',
          DependsOn: ['platformInternetGatewayAttachment'],
          Properties: { RouteTableId: ref(table), DestinationCidrBlock: '0.0.0.0/0', GatewayId: ref('platformInternetGateway') },
        };
      }
    }
    if (plan.platform.appEgress !== 'internet') continue;
    r[`platformNatAddress${z.suffix}`] = {
      Type: 'AWS::EC2::EIP',
      DependsOn: ['platformInternetGatewayAttachment'],
      Properties: { Domain: 'vpc', Tags: named(`nat-${zone}`) },
    };
    r[`platformNatGateway${z.suffix}`] = {
      Type: 'AWS::EC2::NatGateway',
      Properties: {
        AllocationId: getAtt(`platformNatAddress${z.suffix}`, 'AllocationId'),
        SubnetId: ref(subnetId('Public', z.suffix)),
        ConnectivityType: 'public',
        Tags: named(`nat-${zone}`),
      },
    };
    r[`platformAppDefaultRoute${z.suffix}`] = {
      Type: 'AWS::EC2::Route',
      Properties: {
        RouteTableId: ref(`platformAppRouteTable${z.suffix}`),
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: ref(`platformNatGateway${z.suffix}`),
      },
    };
  }

  // Gateway endpoints keep S3 and DynamoDB traffic inside the AWS network (and off the
  // NAT gateways); app and data route tables both get them. Their policies admit the
  // estate's own buckets and table, and the AWS-owned buckets instances need.
  const privateTables = network.zones.flatMap((z) => [ref(`platformAppRouteTable${z.suffix}`), ref(`platformDataRouteTable${z.suffix}`)]);
  r.platformS3Endpoint = {
    Type: 'AWS::EC2::VPCEndpoint',
    Properties: {
      VpcId: ref(VPC),
      ServiceName: sub('com.amazonaws.${AWS::Region}.s3'),
      VpcEndpointType: 'Gateway',
      RouteTableIds: privateTables,
      PolicyDocument: s3EndpointPolicy(),
    },
  };
  r.platformDynamoDbEndpoint = {
    Type: 'AWS::EC2::VPCEndpoint',
    Properties: {
      VpcId: ref(VPC),
      ServiceName: sub('com.amazonaws.${AWS::Region}.dynamodb'),
      VpcEndpointType: 'Gateway',
      RouteTableIds: privateTables,
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'OnlyTheRegistry', Effect: 'Allow', Principal: '*', Action: 'dynamodb:*', Resource: getAtt(REGISTRY_TABLE, 'Arn') }],
      },
    },
  };
  if (plan.platform.appEgress === 'endpoints') {
    r[ENDPOINT_SG] = {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: 'Interface endpoints: HTTPS from the app fleets only',
        VpcId: ref(VPC),
        SecurityGroupEgress: [NO_EGRESS],
        Tags: tags(t),
      },
    };
    for (const service of INTERFACE_ENDPOINT_SERVICES) {
      r[`platform${service.id}Endpoint`] = {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: {
          VpcId: ref(VPC),
          ServiceName: sub(`com.amazonaws.\${AWS::Region}.${service.name}`),
          VpcEndpointType: 'Interface',
          PrivateDnsEnabled: true,
          SubnetIds: network.zones.map((z) => ref(subnetId('App', z.suffix))),
          SecurityGroupIds: [getAtt(ENDPOINT_SG, 'GroupId')],
        },
      };
    }
  }

  // Flow logs of every accepted and rejected connection, for incident response.
  r.platformFlowLogGroup = {
    Type: 'AWS::Logs::LogGroup',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: { LogGroupName: plan.platform.names.flowLogGroup, RetentionInDays: 365, KmsKeyId: getAtt(LOGS_KEY, 'Arn'), Tags: tags(t) },
  };
  r.platformFlowLogRole = {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': sub('${AWS::AccountId}') } },
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'write-flow-logs',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
                Resource: sub('${platformFlowLogGroup.Arn}:*'),
              },
            ],
          },
        },
      ],
      Tags: tags(t),
    },
  };
  r.platformFlowLog = {
    Type: 'AWS::EC2::FlowLog',
    Properties: {
      ResourceId: ref(VPC),
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: ref('platformFlowLogGroup'),
      DeliverLogsPermissionArn: getAtt('platformFlowLogRole', 'Arn'),
      MaxAggregationInterval: 60,
      Tags: tags(t),
    },
  };

  return {
    resources: r,
    outputs: {
      VpcId: { Description: 'VPC of the estate', Value: ref(VPC) },
    },
  };
}
