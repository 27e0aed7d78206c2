import { finding, resourceEntries, type SecurityRule } from '../rule.ts';

const OPEN = new Set(['0.0.0.0/0', '::/0']);

/** Only the internet-facing ALB's group may admit the internet, and only on 80 and 443. */
export const noOpenIngress: SecurityRule = {
  id: 'E101',
  types: ['AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupIngress'],
  title: 'No ingress from anywhere except HTTP(S) to the ALB',
  reason:
    'An instance, database or cache reachable from 0.0.0.0/0 bypasses the ALB, its host routing and TLS: every tier but the ALB is reached through security-group references only.',
  fix: 'Reference the security group of the tier that needs the port (SourceSecurityGroupId) instead of a CIDR; only the ALB group admits the internet, on 80 and 443.',
  check(template, name) {
    const out = [];
    for (const [id, r] of resourceEntries(template)) {
      const rules =
        r.Type === 'AWS::EC2::SecurityGroup'
          ? ((r.Properties?.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? [])
          : r.Type === 'AWS::EC2::SecurityGroupIngress'
            ? [r.Properties ?? {}]
            : null;
      if (rules === null) continue;
      const open = rules.filter((x) => OPEN.has(String(x.CidrIp ?? x.CidrIpv6 ?? '')));
      const bad = open.filter(
        (x) => !(id === 'albSecurityGroup' && x.IpProtocol === 'tcp' && [80, 443].includes(Number(x.FromPort)) && x.FromPort === x.ToPort),
      );
      out.push(
        finding(
          this,
          name,
          id,
          bad.length === 0,
          bad.length
            ? `open to the internet on ${bad.map((x) => `${String(x.IpProtocol)} ${String(x.FromPort)}-${String(x.ToPort)}`).join(', ')}`
            : 'no open ingress beyond ALB 80/443',
        ),
      );
    }
    return out;
  },
};
