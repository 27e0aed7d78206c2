// Protection and logs of the public entry points (platform manifest `edge`):
//   - AWS WAF: one regional web ACL shared by every ALB shard (associated in the root)
//     and one CloudFront web ACL on the distribution, each with AWS managed rule
//     groups (IP reputation, common attacks, known bad inputs) and a per-IP rate limit;
//   - CloudFront access logs, delivered (standard logging v2) to the access-log bucket.
// ALB access logs are the shards' own attributes (albShard.ts), into the access-log
// bucket, whose policy admits Elastic Load Balancing's log delivery (storage.ts).
import type { EstatePlan } from '../../plan/model.ts';
import type { Wafv2WebACL_Rule } from './generated/resources.ts';
import { ACCESS_LOG_BUCKET, ACCESS_LOG_BUCKET_POLICY } from './rootIds.ts';
import { getAtt, ref, sub, tags, type LayerOutput, type ResourceOf, type Resources } from './template.ts';

export const REGIONAL_WEB_ACL = 'regionalWebAcl';
export const CLOUDFRONT_WEB_ACL = 'cloudFrontWebAcl';

/** AWS managed rule groups every web ACL runs, in priority order (AWS WAF Developer Guide, "AWS Managed Rules rule groups list"). */
const MANAGED_RULE_GROUPS = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'] as const;

/**
 * Where the platform manifest turned a protection off, the resource says so (the rule
 * pack's E102 reads it): a reviewed choice, never an omission.
 */
export function edgeChoices(plan: EstatePlan): { readonly Metadata: { readonly 'tenantc:edge': string } } | Record<string, never> {
  const off = [...(plan.platform.edge.waf ? [] : ['waf']), ...(plan.platform.edge.accessLogs ? [] : ['accessLogs'])];
  return off.length ? { Metadata: { 'tenantc:edge': `${off.join(', ')} off by the platform manifest (edge)` } } : {};
}

function visibility(metric: string) {
  return { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: metric };
}

function webAcl(plan: EstatePlan, scope: 'REGIONAL' | 'CLOUDFRONT', name: string): ResourceOf<'AWS::WAFv2::WebACL'> {
  const rules: Wafv2WebACL_Rule[] = MANAGED_RULE_GROUPS.map((group, i) => ({
    Name: group,
    Priority: i + 1,
    OverrideAction: { None: {} },
    Statement: {
      ManagedRuleGroupStatement: {
        VendorName: 'AWS',
        Name: group,
        // Bodies over 8 KB are uploads the app takes on purpose: counted, not blocked.
        ...(group === 'AWSManagedRulesCommonRuleSet' ? { RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }] } : {}),
      },
    },
    VisibilityConfig: visibility(`${name}-${group}`),
  }));
  rules.push({
    Name: 'rate-limit-per-ip',
    Priority: MANAGED_RULE_GROUPS.length + 1,
    Action: { Block: {} },
    // A rate-based rule counts each IP's requests over the last 5 minutes.
    Statement: { RateBasedStatement: { Limit: plan.platform.edge.rateLimitPerFiveMinutes, AggregateKeyType: 'IP' } },
    VisibilityConfig: visibility(`${name}-rate-limit`),
  });
  return {
    Type: 'AWS::WAFv2::WebACL',
    Properties: { Name: name, Scope: scope, DefaultAction: { Allow: {} }, Rules: rules, VisibilityConfig: visibility(name), Tags: tags(plan.platform.tags) },
  };
}

export function emitEdge(plan: EstatePlan, distributionArn: ReturnType<typeof sub>): LayerOutput {
  const p = plan.platform;
  const r: Resources = {};
  if (p.edge.waf) {
    r[REGIONAL_WEB_ACL] = webAcl(plan, 'REGIONAL', p.names.regionalWebAcl);
    r[CLOUDFRONT_WEB_ACL] = webAcl(plan, 'CLOUDFRONT', p.names.cloudFrontWebAcl);
  }
  if (p.edge.accessLogs) {
    // Standard logging v2 into the access-log bucket, beside the ALBs' logs and under
    // the same lifecycle. Not the legacy DistributionConfig.Logging that cdk-nag's CFR3
    // looks for: it writes through bucket ACLs, which the bucket (BucketOwnerEnforced,
    // rule E303) does not take, and a multi-tenant distribution has v2 only. Rule E102
    // sees this delivery.
    r.cdnLogDeliverySource = {
      Type: 'AWS::Logs::DeliverySource',
      Properties: { Name: p.names.cdnLogDelivery, ResourceArn: distributionArn, LogType: 'ACCESS_LOGS', Tags: tags(p.tags) },
    };
    r.cdnLogDeliveryDestination = {
      Type: 'AWS::Logs::DeliveryDestination',
      Properties: { Name: p.names.cdnLogDelivery, DestinationResourceArn: getAtt(ACCESS_LOG_BUCKET, 'Arn'), OutputFormat: 'json', Tags: tags(p.tags) },
    };
    r.cdnLogDelivery = {
      Type: 'AWS::Logs::Delivery',
      // Log delivery checks the bucket policy admits it when the delivery is created.
      DependsOn: [ACCESS_LOG_BUCKET_POLICY],
      Properties: { DeliverySourceName: ref('cdnLogDeliverySource'), DeliveryDestinationArn: getAtt('cdnLogDeliveryDestination', 'Arn'), Tags: tags(p.tags) },
    };
  }
  return { resources: r };
}
