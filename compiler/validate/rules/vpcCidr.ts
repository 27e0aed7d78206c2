import { formatIpv4, networkOf, parseCidr } from '../../cidr.ts';
import type { Rule } from '../rule.ts';

// RFC 1918 private ranges. A VPC outside them would route the estate's private
// addresses over public space the platform does not own.
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(parseCidr);

export const vpcCidr: Rule = {
  id: 'vpc-cidr',
  codes: ['vpc-cidr'],
  title: 'The VPC CIDR is a valid private block of a usable size',
  reason: 'Subnets for three tiers in three AZs are carved from it; AWS accepts VPC blocks from /16 to /28, and the subnet plan needs at least a /20.',
  check({ platforms }) {
    return platforms.flatMap(({ source, value }) => {
      const cidr = value.network.vpcCidr;
      const at = (message: string) => [source.diagnostic('vpc-cidr', ['network', 'vpcCidr'], `network.vpcCidr "${cidr}" ${message}`)];
      const addr = cidr.split('/')[0]!;
      if (addr.split('.').some((o) => Number(o) > 255) || /(^|\.)0[0-9]/.test(addr)) return at('is not a valid IPv4 address');
      const { base: ip, prefix } = parseCidr(cidr);
      if (prefix < 16 || prefix > 20)
        return at(`has prefix /${prefix}: use a block from /16 to /20 (AWS allows /16 at most; three tiers of subnets in three AZs need /20 at least)`);
      const network = networkOf(ip, prefix);
      if (network !== ip) return at(`has host bits set: did you mean ${formatIpv4(network)}/${prefix}?`);
      const isPrivate = PRIVATE_RANGES.some((r) => prefix >= r.prefix && networkOf(ip, r.prefix) === r.base);
      if (!isPrivate) return at('is not inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)');
      return [];
    });
  },
};
