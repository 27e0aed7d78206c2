// CloudFormation template shapes. Templates are plain data from the first emitter on:
// intrinsic functions are the objects CloudFormation reads ({ "Ref": ... }), so the
// security rule pack and the diff see exactly what is written. The registry test
// checks every emitted type and property against @aws-cdk/aws-service-spec.

export type Intrinsic =
  | { readonly Ref: string }
  | { readonly 'Fn::GetAtt': readonly [string, string] }
  | { readonly 'Fn::Sub': string | readonly [string, Readonly<Record<string, unknown>>] }
  | { readonly 'Fn::Join': readonly [string, readonly unknown[] | Intrinsic] }
  | { readonly 'Fn::Base64': unknown };

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DependsOn?: readonly string[];
  readonly DeletionPolicy?: 'Delete' | 'Retain' | 'Snapshot' | 'RetainExceptOnCreate';
  readonly UpdateReplacePolicy?: 'Delete' | 'Retain' | 'Snapshot';
  readonly Condition?: string;
  readonly Metadata?: object;
  readonly UpdatePolicy?: object;
  readonly CreationPolicy?: object;
}

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
  readonly Value: unknown;
  readonly Export?: { readonly Name: unknown };
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
export const sub = (template: string, vars?: Record<string, unknown>): Intrinsic => ({ 'Fn::Sub': vars ? [template, vars] : template });
/** `parts` may be a list or an intrinsic that yields one (a list parameter, GetAtt of a list). */
export const join = (sep: string, parts: readonly unknown[] | Intrinsic): Intrinsic => ({ 'Fn::Join': [sep, parts] });
export const base64 = (value: unknown): Intrinsic => ({ 'Fn::Base64': value });

export function tags(pairs: readonly (readonly [string, string])[]): { Key: string; Value: string }[] {
  return pairs.map(([Key, Value]) => ({ Key, Value }));
}

/** Merges layers into one Resources map; a logical id defined twice is a bug. */
export function mergeLayers(layers: readonly LayerOutput[]): Required<Pick<LayerOutput, 'resources' | 'outputs' | 'parameters' | 'conditions'>> {
  const merged = { resources: {} as Resources, outputs: {} as Record<string, CfnOutput>, parameters: {} as Record<string, CfnParameter>, conditions: {} as Record<string, unknown> };
  for (const layer of layers) {
    for (const [section, entries] of [
      ['resources', layer.resources],
      ['outputs', layer.outputs ?? {}],
      ['parameters', layer.parameters ?? {}],
      ['conditions', layer.conditions ?? {}],
    ] as const) {
      const target = merged[section] as Record<string, unknown>;
      for (const [id, value] of Object.entries(entries)) {
        if (Object.hasOwn(target, id)) throw new Error(`internal: logical id ${id} defined twice in ${section}`);
        target[id] = value;
      }
    }
  }
  return merged;
}
