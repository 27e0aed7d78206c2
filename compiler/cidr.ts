// IPv4 CIDR arithmetic shared by validation (the VPC block) and planning (its subnets).
// Addresses are unsigned 32-bit numbers.

export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

/** Parses "a.b.c.d/p" whose shape the schema has already checked; octets may still exceed 255. */
export function parseCidr(cidr: string): Cidr {
  const [addr, prefix] = cidr.split('/') as [string, string];
  const base = addr.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  return { base, prefix: Number(prefix) };
}

export function formatCidr(base: number, prefix: number): string {
  return `${formatIpv4(base)}/${prefix}`;
}

export function formatIpv4(address: number): string {
  return [address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255].join('.');
}

/** The network mask of a prefix length. */
export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The address with its host bits cleared. */
export function networkOf(address: number, prefix: number): number {
  return (address & maskOf(prefix)) >>> 0;
}
