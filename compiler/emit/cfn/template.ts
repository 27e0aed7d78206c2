// CloudFormation template shapes. Templates are plain data from the first emitter on:
// intrinsic functions are the objects CloudFormation reads ({ "Ref": ... }), so the
// security rule pack and the diff see exactly what is written. Resources are typed by
// the registry at compile time; the registry test also checks the emitted values
// (allowed patterns, references) that types cannot express.

import { grammarViolation, ManifestText, type TagPair } from '../../plan/manifestText.ts';
import type { RegistryResource } from './generated/resources.ts';
import type { Intrinsic, ResourceAttributes, Value } from './intrinsic.ts';

export type { Intrinsic, Value } from './intrinsic.ts';

/** The provisioning Lambda's custom resource (templates/lambda/provisioner.js reads these). */
export interface TenantRegistrationResource extends ResourceAttributes {
  readonly Type: 'Custom::TenantRegistration';
  readonly Properties: {
    readonly ServiceToken: Intrinsic;
    readonly TenantId: string;
    readonly Name: string;
    readonly Tier: string;
    readonly Status: string;
    readonly StackId: Intrinsic;
    /** Set when a removed tenant is brought back on purpose: the Lambda reactivates it first. */
    readonly RestoredFrom?: string;
  };
}

/**
 * A resource whose Properties the compiler checks against its type in the CloudFormation
 * registry (generated/resources.ts): a misspelt or unknown property, a value of the wrong
 * type or a missing required property does not compile.
 */
export type CfnResource = RegistryResource | TenantRegistrationResource;

/** The resource of one type, for helpers that build it. */
export type ResourceOf<T extends CfnResource['Type']> = Extract<CfnResource, { readonly Type: T }>;

export interface CfnParameter {
  readonly Type: string;
  readonly Description: string;
  readonly Default?: string | number;
  readonly AllowedPattern?: string;
  readonly AllowedValues?: readonly string[];
  readonly NoEcho?: boolean;
}

export interface CfnOutput {
  readonly Description: string;
  readonly Value: Value;
  readonly Export?: { readonly Name: Value };
}

export type Resources = Record<string, CfnResource>;

export interface CfnTemplate {
  readonly AWSTemplateFormatVersion: '2010-09-09';
  readonly Description: string;
  readonly Metadata?: object;
  readonly Parameters?: Record<string, CfnParameter>;
  readonly Conditions?: Record<string, unknown>;
  readonly Resources: Resources;
  readonly Outputs?: Record<string, CfnOutput>;
}

/**
 * cfn-lint checks we turn off, each with its reason. W3010 (hard-coded AZ names):
 * the platform manifest pins its three AZs on purpose; subnets, Aurora instances and
 * NAT gateways must agree on them, and AZ names are stable within an account.
 */
export const CFN_LINT_METADATA = { 'cfn-lint': { config: { ignore_checks: ['W3010'] } } } as const;

/** A layer's contribution to a template. */
export interface LayerOutput {
  readonly resources: Resources;
  readonly outputs?: Record<string, CfnOutput>;
  readonly parameters?: Record<string, CfnParameter>;
  readonly conditions?: Record<string, unknown>;
}

export const ref = (logicalId: string): Intrinsic => ({ Ref: logicalId });
export const getAtt = (logicalId: string, attribute: string): Intrinsic => ({ 'Fn::GetAtt': [logicalId, attribute] });

/**
 * A Fn::Sub template is a string literal of the compiler's own source: its type must
 * be a literal (constants may be spliced in, they are literals too), so a computed
 * string, such as a name or anything a manifest reached, is refused by the type
 * checker: `string` and template types with a `${string}` hole both make
 * `Record<T, 1>` an index signature, which `{}` satisfies. Values go in `vars`, which
 * Fn::Sub inserts as they are (test/types/manifestText.typecheck.ts keeps the proof).
 */
export type SubTemplate<T extends string> = {} extends Record<T, 1> ? never : T;
export const sub = <T extends string>(template: SubTemplate<T>, vars?: Record<string, Value>): Intrinsic => ({
  'Fn::Sub': vars ? [template, vars] : template,
});
/** `parts` may be a list or an intrinsic that yields one (a list parameter, GetAtt of a list). */
export const join = (sep: string, parts: readonly Value[] | Intrinsic): Intrinsic => ({ 'Fn::Join': [sep, parts] });
export const base64 = (value: Value): Intrinsic => ({ 'Fn::Base64': value });

/**
 * The one way a manifest value enters a template. CloudFormation resolves
 * `{{resolve:...}}` in any property, with the deployer's permissions, and nothing in a
 * template can quote it: so the value is checked against the string grammar again
 * (plan/manifestText.ts), and one that breaks it, which only a bypassed validation can
 * bring here, stops the compile as a bug of tenantc.
 */
export function templateText(value: ManifestText): string {
  const text = ManifestText.rawText(value);
  const problem = grammarViolation(text);
  if (problem) throw new Error(`internal: a manifest value that ${problem} reached a template: validation was bypassed`);
  return text;
}

const tagText = (v: string | ManifestText): string => (typeof v === 'string' ? v : templateText(v));

/**
 * Tag pairs as text, each key once in any case. A key twice would fail a Tags list, and
 * in a tag map the later value would silently win: were a manifest's tag ever to reach
 * here named like tenantc's own (tenant-id, which every isolation condition reads), it
 * would replace the tenant's id. The schema and rule tenant-tags refuse such a manifest;
 * this stops the compile as a bug of tenantc if one gets through.
 */
function tagTexts(pairs: readonly TagPair[]): [string, string][] {
  const seen = new Set<string>();
  return pairs.map(([key, value]) => {
    const k = tagText(key);
    if (seen.has(k.toLowerCase())) throw new Error(`internal: tag key "${k}" twice on one resource: validation was bypassed`);
    seen.add(k.toLowerCase());
    return [k, tagText(value)];
  });
}

/** Tags as a list of Key/Value (most resource types). */
export function tags(pairs: readonly TagPair[]): { Key: string; Value: string }[] {
  return tagTexts(pairs).map(([Key, Value]) => ({ Key, Value }));
}

/** Tags as a map (Cognito user pools, SSM parameters, DynamoDB's tags are a list), in the pairs' order. */
export function tagMap(pairs: readonly TagPair[]): Record<string, string> {
  return Object.fromEntries(tagTexts(pairs));
}

/** Tags of an Auto Scaling group, each propagated to the instances it launches. */
export function propagatedTags(pairs: readonly TagPair[]): { Key: string; Value: string; PropagateAtLaunch: true }[] {
  return tags(pairs).map((t) => ({ ...t, PropagateAtLaunch: true }));
}

/**
 * Merges layers into one Resources map; a logical id defined twice is a bug. Each section
 * is made by one Object.fromEntries, in the layers' order: a tenant's resources added one
 * key at a time made V8 turn the object into a dictionary, which JSON.stringify walks
 * slower (3-5 % of the compact templates' serialization at 5,000 tenants,
 * docs/benchmark.md). The keys and their order are the same.
 */
export function mergeLayers(layers: readonly LayerOutput[]): Required<Pick<LayerOutput, 'resources' | 'outputs' | 'parameters' | 'conditions'>> {
  const sections = ['resources', 'outputs', 'parameters', 'conditions'] as const;
  const entries = { resources: [], outputs: [], parameters: [], conditions: [] } as Record<(typeof sections)[number], [string, unknown][]>;
  const seen = { resources: new Set<string>(), outputs: new Set<string>(), parameters: new Set<string>(), conditions: new Set<string>() };
  for (const layer of layers) {
    for (const section of sections) {
      for (const entry of Object.entries(layer[section] ?? {})) {
        const id = entry[0];
        if (seen[section].has(id)) throw new Error(`internal: logical id ${id} defined twice in ${section}`);
        seen[section].add(id);
        entries[section].push(entry);
      }
    }
  }
  return {
    resources: Object.fromEntries(entries.resources) as Resources,
    outputs: Object.fromEntries(entries.outputs) as Record<string, CfnOutput>,
    parameters: Object.fromEntries(entries.parameters) as Record<string, CfnParameter>,
    conditions: Object.fromEntries(entries.conditions),
  };
}
