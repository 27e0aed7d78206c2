import { finding, type SecurityRule, type Template } from '../rule.ts';
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

export interface PhysicalName {
  readonly type: string;
  readonly name: string;
  readonly resource: string;
}

/** The literal physical names a template gives its resources. */
export function physicalNames(template: Template): PhysicalName[] {
  // Loops rather than flatMap: E601 reads every template of the estate.
  const out: PhysicalName[] = [];
  for (const resource in template.Resources) {
    const r = template.Resources[resource]!;
    const props = NAME_PROPERTIES[r.Type];
    if (props === undefined) continue;
    for (const prop of props) {
      const name = r.Properties?.[prop];
      if (typeof name === 'string') out.push({ type: r.Type, name, resource });
    }
  }
  return out;
}

/**
 * What E601 compares of one template: each literal physical name as [type, name,
 * logical id, tenant of the resource or null] (a tuple: the compile cache keeps one per
 * name of every template).
 */
type NameFact = readonly [type: string, name: string, resource: string, tenant: string | null];

function nameFacts(template: Template): NameFact[] {
  const facts: NameFact[] = [];
  for (const n of physicalNames(template)) facts.push([n.type, n.name, n.resource, tenantOf(template.Resources[n.resource]!)]);
  return facts;
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
      const out = [];
      for (const [type, physical, resource, tenant] of facts as NameFact[]) {
        const key = `${type} ${physical}`;
        const earlier = seen.get(key) as string | undefined;
        const problems: string[] = [];
        if (earlier) problems.push(`"${physical}" is also the name of ${earlier}`);
        if (tenant !== null && !physical.includes(tenant)) problems.push(`"${physical}" does not carry its tenant's id "${tenant}"`);
        if (!earlier) seen.set(key, `${name} ${resource}`);
        out.push(finding(physicalNamesUnique, name, resource, problems.length === 0, problems.length ? problems.join('; ') : `${text(physical)} is unique`));
      }
      return out;
    },
  },
};
