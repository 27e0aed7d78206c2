import { randomBytes } from 'node:crypto';
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
 * FNV-1a's basis, drawn once per process. With the published basis, names that hash
 * alike can be computed offline, and a pull request's author chooses the tenant ids every
 * physical name is built from: 5,000 ids made to hash alike after `/<platform>/tenants/`
 * turned the table below into one probe chain (E601 0.05 -> 3.2 s, a 5,000-tenant first
 * compile 2.5 -> 5.6 s wall, and quadratic in the ids). A hash is never written anywhere
 * (not to the output, not to the compile cache), so no output byte depends on it.
 */
const BASIS = (0x811c9dc5 ^ randomBytes(4).readInt32LE(0)) | 0;

/** A name's hash (FNV-1a over its UTF-16 code units, from this process's basis): equal names hash alike. */
export function nameHash(name: string): number {
  let h = BASIS;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * The names of one resource type E601 has seen (a name is unique within its type), kept
 * in the review's `seen`: `held` lists each name's [name, template, logical id] in the
 * order first seen; `slots` is a table over them, open-addressed by hash, two numbers a
 * slot (the name's hash, 1 + its position in `held`; 0 for an empty slot), at most half
 * full. A lookup reads one slot, or a few, and a held name only where the hash is the
 * same: a Map keyed by names read a bucket, an entry and each held name of the bucket
 * it probed, cache misses once emit has run between two templates (that lookup was
 * 0.1 s of a 5,000-tenant compile, 86,000 names; docs/benchmark.md). No string
 * is built per name either: the holder's "template logical-id" is joined for a finding.
 */
interface Holders {
  slots: Int32Array;
  readonly held: string[];
}

function holdersOf(seen: Map<string, unknown>, type: string): Holders {
  let holders = seen.get(type) as Holders | undefined;
  if (holders === undefined) seen.set(type, (holders = { slots: new Int32Array(64), held: [] }));
  return holders;
}

/** The slot holding `physical`, or the empty slot where it goes. */
function slotOf({ slots, held }: Holders, physical: string, hash: number): number {
  const mask = (slots.length >> 1) - 1;
  let slot = hash & mask;
  for (;;) {
    const at = slots[2 * slot + 1]!;
    if (at === 0 || (slots[2 * slot] === hash && held[at - 1] === physical)) return slot;
    slot = (slot + 1) & mask;
  }
}

/** Holds `physical` in its empty `slot`; doubles the table past half full. */
function hold(holders: Holders, slot: number, hash: number, physical: string, template: string, resource: string): void {
  holders.slots[2 * slot] = hash;
  holders.slots[2 * slot + 1] = holders.held.push(physical, template, resource) - 2;
  // Half full at most: a slot is two numbers, a held name three strings.
  if ((holders.held.length / 3) * 4 <= holders.slots.length) return;
  const old = holders.slots;
  const slots = new Int32Array(old.length * 2);
  const mask = (slots.length >> 1) - 1;
  for (let i = 0; i < old.length; i += 2) {
    if (old[i + 1] === 0) continue;
    let s = old[i]! & mask;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    slots[2 * s] = old[i]!;
    slots[2 * s + 1] = old[i + 1]!;
  }
  holders.slots = slots;
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
  let holders: Holders | undefined;
  for (const [factType, physical, resource, tenant] of facts) {
    // A template's names come grouped by resource, many of one type in a row.
    if (factType !== type) holders = holdersOf(seen, (type = factType));
    // (Facts replayed from the compile cache are JSON: a name that is not a string, which
    // nameFacts never records, is compared as the Map keyed by names compared it.)
    const hash = typeof physical === 'string' ? nameHash(physical) : 0;
    const slot = slotOf(holders!, physical, hash);
    const at = holders!.slots[2 * slot + 1]! - 1;
    const carriesTenant = tenant === null || physical.includes(tenant);
    if (at < 0) {
      hold(holders!, slot, hash, physical, name, resource);
      if (carriesTenant) {
        compliant++;
        if (withCompliant) out.push(finding(physicalNamesUnique, name, resource, true, `${text(physical)} is unique`));
        continue;
      }
    }
    const problems: string[] = [];
    if (at >= 0) problems.push(`"${physical}" is also the name of ${holders!.held[at + 1]} ${holders!.held[at + 2]}`);
    if (!carriesTenant) problems.push(`"${physical}" does not carry its tenant's id "${tenant}"`);
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
