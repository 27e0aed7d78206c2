import { finding, resourceEntries, type SecurityRule } from '../rule.ts';

interface Statement {
  Effect?: string;
  Action?: unknown;
  Resource?: unknown;
}

const asList = (v: unknown) => (Array.isArray(v) ? v : [v]);

/** An Allow of "*" or "<service>:*" on "*". */
const wildcardAdmin = (s: Statement): boolean =>
  s.Effect === 'Allow' && asList(s.Resource).includes('*') && asList(s.Action).some((a) => a === '*' || /^[a-z0-9-]+:\*$/.test(String(a)));

/** Identity policies (roles, managed policies): never an Allow of "*" or "<service>:*" on "*". */
export const noWildcardAdmin: SecurityRule = {
  id: 'E401',
  types: ['AWS::IAM::ManagedPolicy', 'AWS::IAM::Role'],
  title: 'No identity policy allows every action, or every action of a service, on every resource',
  reason:
    'A tenant role or platform role with a service-wide wildcard on "*" reaches every tenant\'s resources of that service; isolation rests on naming resources.',
  fix: "Name the actions the principal needs and the ARNs it may act on; scope tenant access to the tenant's own ARNs (plan/isolation.ts).",
  check(template, name) {
    const out = [];
    for (const [id, r] of resourceEntries(template)) {
      const docs =
        r.Type === 'AWS::IAM::ManagedPolicy'
          ? [r.Properties?.PolicyDocument]
          : r.Type === 'AWS::IAM::Role'
            ? ((r.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument)
            : null;
      if (docs === null) continue;
      // Statement by statement, with no list of every statement of a role and no closure
      // per statement: most of 5,000 tenants' roles allow nothing on "*"
      // (docs/benchmark.md). (forEach, as the flatMap and filter it replaced,
      // passes over holes.)
      let bad: Statement[] | undefined;
      for (const d of docs) {
        const list = (d as { Statement?: Statement[] } | undefined)?.Statement ?? [];
        if (Array.isArray(list))
          list.forEach((s) => {
            if (wildcardAdmin(s)) (bad ??= []).push(s);
          });
        else if (wildcardAdmin(list)) (bad ??= []).push(list);
      }
      out.push(finding(this, name, id, bad === undefined, bad ? `allows ${bad.map((s) => JSON.stringify(s.Action)).join(', ')} on "*"` : 'no wildcard grants'));
    }
    return out;
  },
};
