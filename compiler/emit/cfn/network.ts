// Network layer: a VPC over three AZs. Public subnets hold only the ALB nodes and the
// NAT gateways; app and data subnets have no route from the internet. One NAT
// gateway per AZ, and each AZ's app subnet routes through its own, so losing one AZ
// never cuts the egress of the others. Data subnets have no route to the internet.
import type { EstatePlan } from '../../plan/model.ts';
import { LOGS_KEY } from './keys.ts';
import { getAtt, ref, sub, tags, type LayerOutput, type Resources } from './template.ts';

export const VPC = 'platformVpc';
export const subnetId = (tier: 'Public' | 'App' | 'Data', suffix: string) => `platform${tier}Subnet${suffix}`;

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

  // Gateway endpoints keep S3 and DynamoDB traffic off the NAT gateways (cost) and
  // inside the AWS network; app and data route tables both get them.
  const privateTables = network.zones.flatMap((z) => [ref(`platformAppRouteTable${z.suffix}`), ref(`platformDataRouteTable${z.suffix}`)]);
  for (const [id, service] of [
    ['platformS3Endpoint', 's3'],
    ['platformDynamoDbEndpoint', 'dynamodb'],
  ] as const) {
    r[id] = {
      Type: 'AWS::EC2::VPCEndpoint',
      Properties: { VpcId: ref(VPC), ServiceName: sub(`com.amazonaws.\${AWS::Region}.${service}`), VpcEndpointType: 'Gateway', RouteTableIds: privateTables },
    };
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
