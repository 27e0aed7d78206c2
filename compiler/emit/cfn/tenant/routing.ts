// Routing: host-header rules on the tenant's ALB shard (at most 5 host values per
// rule), its certificate on the listener for SNI, and, for dedicated compute, its own
// target group. Suspended: the rules answer a fixed 403 page instead.
// Offboarded: no rules at all, so its hosts fall to the listener's default 404.
//
// A rule that forwards to the tenant's own fleet depends on that fleet's Auto Scaling
// group, whose creation completes only when its instances signal that the app answers
// its health check (fleet.ts, CreationPolicy). A tenant moving from shared to dedicated
// compute therefore keeps being served by the shared fleet until its own is ready, in
// one deploy; if the fleet never gets ready, the tenant's stack rolls back with its
// traffic still on the shared fleet.
import type { EstatePlan, PlatformScope, TenantPlan } from '../../../plan/model.ts';
import { tenantTagPairs } from '../../../plan/isolation.ts';
import { rulePriority } from '../../../plan/placement.ts';
import { appTargetGroup } from '../albShard.ts';
import type { StackParameters } from '../stackParameters.ts';
import { ref, type LayerOutput, type Resources } from '../template.ts';
import { TENANT_CERTIFICATE } from './dns.ts';

export const TENANT_TARGET_GROUP = 'tenantTargetGroup';
/** The dedicated fleet's Auto Scaling group (fleet.ts); named here, where the rules wait for it. */
export const TENANT_FLEET_GROUP = 'tenantAutoScalingGroup';

export const SUSPENDED_PAGE = '<!doctype html><title>Suspended</title><h1>This workspace is suspended</h1><p>Contact your administrator.</p>';

export function emitTenantRouting(plan: PlatformScope, t: TenantPlan, params: StackParameters): LayerOutput {
  const r: Resources = {};
  const dedicated = t.serving.fleet !== null;
  if (dedicated) r[TENANT_TARGET_GROUP] = appTargetGroup(plan, params.ref('VpcId'), tenantTagPairs(plan.platform.tags, t));
  if (t.serving.routing === 'none') return { resources: r };
  const action =
    t.serving.routing === 'suspended-page'
      ? { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '403', ContentType: 'text/html', MessageBody: SUSPENDED_PAGE } }
      : { Type: 'forward', TargetGroupArn: dedicated ? ref(TENANT_TARGET_GROUP) : params.ref('SharedTargetGroupArn') };
  const waitForFleet = dedicated && action.Type === 'forward';
  t.listenerRuleHosts.forEach((hosts, k) => {
    r[`tenantListenerRule${k}`] = {
      Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
      ...(waitForFleet ? { DependsOn: [TENANT_FLEET_GROUP] } : {}),
      Properties: {
        ListenerArn: params.ref('HttpsListenerArn'),
        Priority: rulePriority(t.placement.ruleSlot, k),
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [...hosts] } }],
        Actions: [action],
      },
    };
  });
  if (t.needsListenerCertificate) {
    r.tenantListenerCertificate = {
      Type: 'AWS::ElasticLoadBalancingV2::ListenerCertificate',
      Properties: { ListenerArn: params.ref('HttpsListenerArn'), Certificates: [{ CertificateArn: ref(TENANT_CERTIFICATE) }] },
    };
  }
  return { resources: r };
}
