import type { Rule } from '../rule.ts';

// RFC 1918 private ranges. A VPC outside them would route the estate's private
// addresses over public space the platform does not own.
const PRIVATE_RANGES: readonly [number, number][] = [
  [ipv4(10, 0, 0, 0), 8],
  [ipv4(172, 16, 0, 0), 12],
  [ipv4(192, 168, 0, 0), 16],
];

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export const vpcCidr: Rule = {
  id: 'vpc-cidr',
  title: 'The VPC CIDR is a valid private block of a usable size',
  reason: 'Subnets for three tiers in three AZs are carved from it; AWS accepts VPC blocks from /16 to /28, and the subnet plan needs at least a /20.',
  check({ platforms }) {
    return platforms.flatMap(({ source, value }) => {
      const cidr = value.network.vpcCidr;
      const at = (message: string) => [source.diagnostic('vpc-cidr', ['network', 'vpcCidr'], `network.vpcCidr "${cidr}" ${message}`)];
      const [addr, prefixText] = cidr.split('/') as [string, string];
      const octets = addr.split('.').map(Number);
      if (octets.some((o) => o > 255) || /(^|\.)0[0-9]/.test(addr)) return at('is not a valid IPv4 address');
      const prefix = Number(prefixText);
      if (prefix < 16 || prefix > 20) return at(`has prefix /${prefix}: use a block from /16 to /20 (AWS allows /16 at most; three tiers of subnets in three AZs need /20 at least)`);
      const ip = ipv4(octets[0]!, octets[1]!, octets[2]!, octets[3]!);
      const network = (ip & maskOf(prefix)) >>> 0;
      if (network !== ip) {
        const fixed = [network >>> 24, (network >>> 16) & 255, (network >>> 8) & 255, network & 255].join('.');
        return at(`has host bits set: did you mean ${fixed}/${prefix}?`);
      }
      const isPrivate = PRIVATE_RANGES.some(([base, bits]) => prefix >= bits && ((ip & maskOf(bits)) >>> 0) === base);
      if (!isPrivate) return at('is not inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)');
      return [];
    });
  },
};
