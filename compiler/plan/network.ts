// Subnet plan: carved from the VPC block so that growing the estate never needs
// renumbering. For a VPC of prefix p (16..20):
//   quarters 0-2 (p+2)  → app subnets, one per AZ: instances, Lambda ENIs, dedicated fleets
//   quarter 3 splits into sixteenths (p+4): 0-2 → data subnets (Aurora, ElastiCache)
//   sixteenth 3 splits into p+6 blocks: 0-2 → public subnets (ALB nodes, NAT gateways)
// For 10.18.0.0/16: app /18 (16,379 usable), data /20 (4,091), public /22 (1,019).
// AWS reserves 5 addresses per subnet; the smallest subnet AWS allows is /28.

import { formatCidr, parseCidr } from '../cidr.ts';
import type { NetworkPlan } from './model.ts';

export type NetworkResult = { readonly ok: true; readonly plan: NetworkPlan } | { readonly ok: false; readonly problems: readonly string[] };

/** The `index`-th block of size `/prefix` inside `base/parentPrefix`, or null when it does not fit. */
function block(base: number, parentPrefix: number, prefix: number, index: number): number | null {
  if (prefix < parentPrefix || index >= 2 ** (prefix - parentPrefix)) return null;
  return base + index * 2 ** (32 - prefix);
}

export function planNetwork(vpcCidr: string, azs: readonly string[]): NetworkResult {
  const { base, prefix: p } = parseCidr(vpcCidr);
  const quarter3 = block(base, p, p + 2, 3)!;
  const sixteenth3 = block(quarter3, p + 2, p + 4, 3)!;
  const problems: string[] = [];
  const at = (parent: number, parentPrefix: number, prefix: number, index: number, tier: string) => {
    const b = block(parent, parentPrefix, prefix, index);
    if (b === null)
      problems.push(`no room for a ${tier} subnet in AZ ${index + 1}: /${prefix} blocks of a /${parentPrefix} number ${2 ** (prefix - parentPrefix)}`);
    return formatCidr(b ?? 0, prefix);
  };
  const zones = azs.map((az, i) => ({
    az,
    suffix: String.fromCharCode(65 + i),
    app: at(base, p, p + 2, i, 'app'),
    data: at(quarter3, p + 2, p + 4, i, 'data'),
    public: at(sixteenth3, p + 4, p + 6, i, 'public'),
  }));
  const plan = { vpcCidr, zones };
  problems.push(...subnetProblems(plan));
  return problems.length ? { ok: false, problems } : { ok: true, plan };
}

/** Every subnet inside the VPC, no two overlapping, none smaller than AWS's /28. */
export function subnetProblems(plan: NetworkPlan): string[] {
  const vpc = parseCidr(plan.vpcCidr);
  const vpcEnd = vpc.base + 2 ** (32 - vpc.prefix);
  const problems: string[] = [];
  const ranges = plan.zones
    .flatMap((z) => [z.public, z.app, z.data])
    .map((c) => {
      const { base, prefix } = parseCidr(c);
      if (prefix > 28) problems.push(`subnet ${c} is smaller than /28, the smallest AWS allows`);
      return { c, start: base, end: base + 2 ** (32 - prefix) };
    })
    .sort((a, b) => a.start - b.start);
  ranges.forEach((r, i) => {
    if (r.start < vpc.base || r.end > vpcEnd) problems.push(`subnet ${r.c} is outside ${plan.vpcCidr}`);
    const next = ranges[i + 1];
    if (next && next.start < r.end) problems.push(`subnets ${r.c} and ${next.c} overlap`);
  });
  return problems;
}
