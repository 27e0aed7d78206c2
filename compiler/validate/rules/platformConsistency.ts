import type { Diagnostic } from '../../diagnostics.ts';
import type { Rule } from '../rule.ts';

export const platformConsistency: Rule = {
  id: 'platform-consistency',
  codes: ['platform-consistency'],
  title: 'Platform settings agree with each other',
  reason:
    'Zones outside the region, a dedicated-compute tier with no instance bounds or min above max would compile to templates that CloudFormation rejects mid-deploy.',
  check({ platforms }) {
    const out: Diagnostic[] = [];
    for (const { source, value } of platforms) {
      value.network.availabilityZones.forEach((az, i) => {
        if (!(az.startsWith(value.region) && az.length === value.region.length + 1)) {
          out.push(
            source.diagnostic(
              'platform-consistency',
              ['network', 'availabilityZones', i],
              `network.availabilityZones[${i}] "${az}" is not a zone of region "${value.region}"`,
            ),
          );
        }
      });
      // AWS WAF creates web ACLs for CloudFront only in us-east-1 (AWS WAF Developer Guide).
      if ((value.edge?.waf ?? true) && value.region !== 'us-east-1') {
        out.push(
          source.diagnostic(
            'platform-consistency',
            ['region'],
            `edge.waf needs region "us-east-1", where CloudFront web ACLs are created (region is "${value.region}"); set edge.waf: false to run without WAF`,
          ),
        );
      }
      const cap = value.app.capacity;
      if (cap.minInstances > cap.maxInstances) {
        out.push(
          source.diagnostic(
            'platform-consistency',
            ['app', 'capacity', 'minInstances'],
            `app.capacity.minInstances (${cap.minInstances}) is above maxInstances (${cap.maxInstances})`,
          ),
        );
      }
      for (const [name, tier] of Object.entries(value.tiers)) {
        if (tier.compute === 'dedicated' && !tier.dedicatedInstances) {
          out.push(
            source.diagnostic('platform-consistency', ['tiers', name], `tiers.${name}: compute is "dedicated" but dedicatedInstances (min, max) is missing`),
          );
        }
        if (tier.compute === 'shared' && tier.dedicatedInstances) {
          out.push(
            source.diagnostic(
              'platform-consistency',
              ['tiers', name, 'dedicatedInstances'],
              `tiers.${name}.dedicatedInstances is only for compute "dedicated"`,
            ),
          );
        }
        if (tier.dedicatedInstances && tier.dedicatedInstances.min > tier.dedicatedInstances.max) {
          out.push(
            source.diagnostic('platform-consistency', ['tiers', name, 'dedicatedInstances', 'min'], `tiers.${name}.dedicatedInstances.min is above max`),
          );
        }
      }
    }
    return out;
  },
};
