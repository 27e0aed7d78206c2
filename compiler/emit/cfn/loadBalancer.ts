// The internet-facing Application Load Balancer. Routing is by Host header: each
// tenant stack adds a rule for its own domains. The default action answers every
// unknown host with a fixed 404, so a request for a name no tenant claims never
// reaches any tenant's application.
import type { EstatePlan } from '../../plan/model.ts';
import type { NetworkPlan } from '../../plan/network.ts';
import { WILDCARD_CERTIFICATE } from './dns.ts';
import { subnetId, VPC } from './network.ts';
import { ALB_SG } from './securityGroups.ts';
import { getAtt, ref, tags, type LayerOutput } from './template.ts';

export const LOAD_BALANCER = 'platformLoadBalancer';
export const HTTPS_LISTENER = 'platformHttpsListener';
export const SHARED_TARGET_GROUP = 'sharedAppTargetGroup';

/** TLS 1.3 with TLS 1.2 fallback and forward-secret ciphers only (ELB predefined policy). */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

export function emitLoadBalancer(plan: EstatePlan, network: NetworkPlan): LayerOutput {
  const app = plan.platform.app;
  return {
    resources: {
      [LOAD_BALANCER]: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: {
          Type: 'application',
          Scheme: 'internet-facing',
          IpAddressType: 'ipv4',
          Subnets: network.zones.map((z) => ref(subnetId('Public', z.suffix))),
          SecurityGroups: [getAtt(ALB_SG, 'GroupId')],
          LoadBalancerAttributes: [
            { Key: 'deletion_protection.enabled', Value: 'true' },
            // Headers that are not valid HTTP are dropped before they reach an app.
            { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
            { Key: 'routing.http.desync_mitigation_mode', Value: 'strictest' },
            { Key: 'idle_timeout.timeout_seconds', Value: '60' },
          ],
          Tags: tags(plan.platform.tags),
        },
      },
      [HTTPS_LISTENER]: {
        Type: 'AWS::ElasticLoadBalancingV2::Listener',
        Properties: {
          LoadBalancerArn: ref(LOAD_BALANCER),
          Port: 443,
          Protocol: 'HTTPS',
          SslPolicy: TLS_POLICY,
          Certificates: [{ CertificateArn: ref(WILDCARD_CERTIFICATE) }],
          DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not found' } }],
        },
      },
      platformHttpListener: {
        Type: 'AWS::ElasticLoadBalancingV2::Listener',
        Properties: {
          LoadBalancerArn: ref(LOAD_BALANCER),
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' } }],
        },
      },
      [SHARED_TARGET_GROUP]: {
        Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
        Properties: {
          VpcId: ref(VPC),
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
          TargetGroupAttributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
          Tags: tags(plan.platform.tags),
        },
      },
    },
    outputs: {
      LoadBalancerDnsName: { Description: 'DNS name of the ALB', Value: getAtt(LOAD_BALANCER, 'DNSName') },
      LoadBalancerHostedZoneId: { Description: 'Hosted zone of the ALB, for alias records', Value: getAtt(LOAD_BALANCER, 'CanonicalHostedZoneID') },
    },
  };
}
