import { type Finding, finding, resourceEntries, type SecurityRule, type Template } from '../rule.ts';
import { tenantOf, text } from './shared.ts';

/** Properties that name a resource physically, by type: what must be unique in an account. */
const NAME_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  'AWS::IAM::Role': ['RoleName'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::SSM::Parameter': ['Name'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::ElastiCache::User': ['UserId'],
  'AWS::ElastiCache::UserGroup': ['UserGroupId'],
  'AWS::ElastiCache::ReplicationGroup': ['ReplicationGroupId'],
  'AWS::Cognito::UserPool': ['UserPoolName'],
  'AWS::Cognito::IdentityPool': ['IdentityPoolName'],
  'AWS::Logs::QueryDefinition': ['Name'],
  'AWS::CloudFront::DistributionTenant': ['Name'],
  'AWS::DynamoDB::Table': ['TableName'],
  'AWS::Lambda::Function': ['FunctionName'],
  'AWS::WAFv2::WebACL': ['Name'],
};

/**
 * What E601 compares of one template: each literal physical name as [type, name,
 * logical id, tenant of the resource or null] (a tuple: the compile cache keeps one per
 * name of every template).
 */
type NameFact = readonly [type: string, name: string, resource: string, tenant: string | null];

function nameFacts(template: Template): NameFact[] {
  // Straight from the gate's index of the template, with no object per name before its
  // tuple: E601 reads ~86,000 names over the templates of 5,000 tenants.
  const facts: NameFact[] = [];
  for (const [resource, r] of resourceEntries(template)) {
    const props = NAME_PROPERTIES[r.Type];
    if (props === undefined) continue;
    let tenant: string | null | undefined;
    for (const prop of props) {
      const name = r.Properties?.[prop];
      if (typeof name === 'string') facts.push([r.Type, name, resource, tenant === undefined ? (tenant = tenantOf(r)) : tenant]);
    }
  }
  return facts;
}

/**
 * Where E601 keeps, in the review's `seen`, the first holder ("template logical-id") of
 * each name, one map per resource type: a name is unique within its type, and a map per
 * type spares building (and hashing) a "type name" key for every name of the estate.
 */
function holdersOf(seen: Map<string, unknown>, type: string): Map<string, string> {
  let holders = seen.get(type) as Map<string, string> | undefined;
  if (holders === undefined) seen.set(type, (holders = new Map()));
  return holders;
}

/**
 * E601's comparison of one template's names with the names seen before: pushes to `out`
 * every finding (as compare returns them) or, for the gate, only the non-compliant ones;
 * returns how many were compliant. The gate needs nothing of a compliant name but its
 * count, and a finding and message for each of the ~86,000 names of a 5,000-tenant
 * estate were a third of this rule's time.
 */
function compareNames(facts: readonly NameFact[], name: string, seen: Map<string, unknown>, out: Finding[], withCompliant: boolean): number {
  let compliant = 0;
  let type: string | undefined;
  let holders: Map<string, string> | undefined;
  for (const [factType, physical, resource, tenant] of facts) {
    // A template's names come grouped by resource, many of one type in a row.
    if (factType !== type) holders = holdersOf(seen, (type = factType));
    const earlier = holders!.get(physical);
    if (earlier === undefined && (tenant === null || physical.includes(tenant))) {
      holders!.set(physical, `${name} ${resource}`);
      compliant++;
      if (withCompliant) out.push(finding(physicalNamesUnique, name, resource, true, `${text(physical)} is unique`));
      continue;
    }
    const problems: string[] = [];
    if (earlier) problems.push(`"${physical}" is also the name of ${earlier}`);
    if (tenant !== null && !physical.includes(tenant)) problems.push(`"${physical}" does not carry its tenant's id "${tenant}"`);
    if (!earlier) holders!.set(physical, `${name} ${resource}`);
    out.push(finding(physicalNamesUnique, name, resource, false, problems.join('; ')));
  }
  return compliant;
}

export const physicalNamesUnique: SecurityRule = {
  id: 'E601',
  types: Object.keys(NAME_PROPERTIES),
  title: 'Physical names are unique across the estate and carry their tenant',
  reason:
    'A name two resources can take collides on deploy, or lets a retained resource of one tenant (a secret, a log group) be adopted by another: names must differ by construction, not by luck.',
  fix: 'Derive every physical name in plan/names.ts from the platform name and the tenant id, with separators no id can contain.',
  check(template, name, seen) {
    return this.comparing!.compare(nameFacts(template), name, seen);
  },
  comparing: {
    facts: nameFacts,
    compare(facts, name, seen) {
      const out: Finding[] = [];
      compareNames(facts as NameFact[], name, seen, out, true);
      return out;
    },
    judge: (facts, name, seen, nonCompliant) => compareNames(facts as NameFact[], name, seen, nonCompliant, false),
  },
};
