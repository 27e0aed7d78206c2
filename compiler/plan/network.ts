// Subnet plan: carved from the VPC block so that growing the estate never needs
// renumbering. For a VPC of prefix p (16..20):
//   quarters 0-2 (p+2)  → app subnets, one per AZ: instances, Lambda ENIs, dedicated fleets
//   quarter 3 splits into sixteenths (p+4): 0-2 → data subnets (Aurora, ElastiCache)
//   sixteenth 3 splits into p+6 blocks: 0-2 → public subnets (ALB nodes, NAT gateways)
// For 10.18.0.0/16: app /18 (16,379 usable), data /20 (4,091), public /22 (1,019).
// AWS reserves 5 addresses per subnet; the smallest subnet AWS allows is /28.

import { formatCidr, parseCidr } from '../cidr.ts';

export interface SubnetPlan {
  readonly az: string;
  /** Index of the AZ (0..2): the stem of logical ids (a, b, c). */
  readonly suffix: string;
  readonly public: string;
  readonly app: string;
  readonly data: string;
}

export interface NetworkPlan {
  readonly vpcCidr: string;
  readonly zones: readonly SubnetPlan[];
}

/** The `index`-th block of size `/prefix` inside `base/parentPrefix`. */
function block(base: number, parentPrefix: number, prefix: number, index: number): number {
  if (prefix < parentPrefix || index >= 2 ** (prefix - parentPrefix)) throw new Error(`internal: block ${index} of /${prefix} does not fit in /${parentPrefix}`);
  return base + index * 2 ** (32 - prefix);
}

export function planNetwork(vpcCidr: string, azs: readonly string[]): NetworkPlan {
  const { base, prefix: p } = parseCidr(vpcCidr);
  const quarter3 = block(base, p, p + 2, 3);
  const sixteenth3 = block(quarter3, p + 2, p + 4, 3);
  const zones = azs.map((az, i) => ({
    az,
    suffix: String.fromCharCode(65 + i),
    app: formatCidr(block(base, p, p + 2, i), p + 2),
    data: formatCidr(block(quarter3, p + 2, p + 4, i), p + 4),
    public: formatCidr(block(sixteenth3, p + 4, p + 6, i), p + 6),
  }));
  const plan = { vpcCidr, zones };
  assertSubnetsValid(plan);
  return plan;
}

/** Every subnet inside the VPC, no two overlapping, none smaller than AWS's /28. */
export function assertSubnetsValid(plan: NetworkPlan): void {
  const vpc = parseCidr(plan.vpcCidr);
  const vpcEnd = vpc.base + 2 ** (32 - vpc.prefix);
  const ranges = plan.zones
    .flatMap((z) => [z.public, z.app, z.data])
    .map((c) => {
      const { base, prefix } = parseCidr(c);
      if (prefix > 28) throw new Error(`subnet ${c} is smaller than /28, the smallest AWS allows`);
      return { c, start: base, end: base + 2 ** (32 - prefix) };
    })
    .sort((a, b) => a.start - b.start);
  ranges.forEach((r, i) => {
    if (r.start < vpc.base || r.end > vpcEnd) throw new Error(`subnet ${r.c} is outside ${plan.vpcCidr}`);
    const next = ranges[i + 1];
    if (next && next.start < r.end) throw new Error(`subnets ${r.c} and ${next.c} overlap`);
  });
}
