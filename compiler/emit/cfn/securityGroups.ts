// Security groups, least privilege. Every rule between tiers references a security
// group, never a CIDR, so an address that lands in a subnet gains nothing by being
// there: only membership of the right group opens a port.
//   internet → ALB: 443, and 80 (which only redirects to 443)
//   ALB → app fleet: the app port only
//   app → Aurora 5432, app → Redis 6379, app → 443: AWS APIs, which with
//     network.appEgress endpoints (the default) is all 443 can reach, since the app
//     subnets have no route beyond the VPC endpoints (network.ts)
//   app fleets → interface endpoints 443
// Aurora and Redis accept and initiate nothing else. The provisioning Lambda has no
// network path to Aurora at all: it writes tenant rows through the RDS Data API over
// HTTPS with IAM and the managed secret, which is narrower than any port rule.
import type { EstatePlan } from '../../plan/model.ts';
import { ENDPOINT_SG, NO_EGRESS, VPC } from './network.ts';
import type { Ec2SecurityGroup_Egress } from './generated/resources.ts';
import { getAtt, ref, tags, type CfnResource, type LayerOutput, type ResourceOf, type Resources } from './template.ts';

export const ALB_SG = 'albSecurityGroup';
export const APP_SG = 'appSecurityGroup';
export const DATABASE_SG = 'databaseSecurityGroup';
export const CACHE_SG = 'cacheSecurityGroup';
export const PREMIUM_FLEET_SG = 'premiumFleetSecurityGroup';

export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;

export { NO_EGRESS };

function group(plan: EstatePlan, description: string, egress: Ec2SecurityGroup_Egress[]): ResourceOf<'AWS::EC2::SecurityGroup'> {
  return {
    Type: 'AWS::EC2::SecurityGroup',
    Properties: { GroupDescription: description, VpcId: ref(VPC), SecurityGroupEgress: egress, Tags: tags(plan.platform.tags) },
  };
}

function ingress(to: string, from: string, port: number, description: string): CfnResource {
  return {
    Type: 'AWS::EC2::SecurityGroupIngress',
    Properties: {
      GroupId: getAtt(to, 'GroupId'),
      SourceSecurityGroupId: getAtt(from, 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: port,
      ToPort: port,
      Description: description,
    },
  };
}

function egress(from: string, to: string, port: number, description: string): CfnResource {
  return {
    Type: 'AWS::EC2::SecurityGroupEgress',
    Properties: {
      GroupId: getAtt(from, 'GroupId'),
      DestinationSecurityGroupId: getAtt(to, 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: port,
      ToPort: port,
      Description: description,
    },
  };
}

export function emitSecurityGroups(plan: EstatePlan): LayerOutput {
  const port = plan.platform.app.port;
  const viaEndpoints = plan.platform.appEgress === 'endpoints';
  const https = {
    IpProtocol: 'tcp',
    FromPort: 443,
    ToPort: 443,
    CidrIp: '0.0.0.0/0',
    Description: viaEndpoints ? 'HTTPS: the subnets route only to VPC endpoints' : 'HTTPS to anywhere through the NAT gateways (network.appEgress internet)',
  };
  const r: Resources = {
    [ALB_SG]: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: 'Internet-facing ALB: HTTPS, and HTTP only to redirect',
        VpcId: ref(VPC),
        SecurityGroupIngress: [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0', Description: 'HTTPS from the internet' },
          { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIp: '0.0.0.0/0', Description: 'HTTP from the internet, answered with a redirect to HTTPS' },
        ],
        SecurityGroupEgress: [NO_EGRESS],
        Tags: tags(plan.platform.tags),
      },
    },
    [APP_SG]: group(plan, 'Shared app fleet: the app port from the ALB only', [https]),
    [DATABASE_SG]: group(plan, 'Aurora PostgreSQL: 5432 from the app fleets only', [NO_EGRESS]),
    [CACHE_SG]: group(plan, 'Shared Redis/Valkey: 6379 from the app fleet only', [NO_EGRESS]),
    // Every dedicated (premium) fleet joins this group besides its own: two rules here
    // instead of one per tenant in the Aurora group, whose rule quota (60) would not
    // hold hundreds of premium tenants. Its own group admits only the ALB.
    [PREMIUM_FLEET_SG]: group(plan, 'Dedicated fleets: reach Aurora; reached by the ALB', [https]),
    albToPremiumFleetEgress: egress(ALB_SG, PREMIUM_FLEET_SG, port, 'ALB to dedicated fleets'),
    premiumFleetToDatabaseEgress: egress(PREMIUM_FLEET_SG, DATABASE_SG, POSTGRES_PORT, 'Dedicated fleets to Aurora'),
    databaseFromPremiumFleetIngress: ingress(DATABASE_SG, PREMIUM_FLEET_SG, POSTGRES_PORT, 'Aurora from dedicated fleets'),
    albToAppEgress: egress(ALB_SG, APP_SG, port, 'ALB to the app port'),
    appFromAlbIngress: ingress(APP_SG, ALB_SG, port, 'App port from the ALB'),
    appToDatabaseEgress: egress(APP_SG, DATABASE_SG, POSTGRES_PORT, 'App to Aurora'),
    databaseFromAppIngress: ingress(DATABASE_SG, APP_SG, POSTGRES_PORT, 'Aurora from the app fleet'),
    appToCacheEgress: egress(APP_SG, CACHE_SG, REDIS_PORT, 'App to Redis'),
    cacheFromAppIngress: ingress(CACHE_SG, APP_SG, REDIS_PORT, 'Redis from the app fleet'),
    ...(viaEndpoints
      ? {
          endpointFromAppIngress: ingress(ENDPOINT_SG, APP_SG, 443, 'AWS APIs from the shared fleet'),
          endpointFromPremiumFleetIngress: ingress(ENDPOINT_SG, PREMIUM_FLEET_SG, 443, 'AWS APIs from dedicated fleets'),
        }
      : {}),
  };
  return { resources: r };
}
