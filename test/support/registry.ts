// Checks emitted templates against the CloudFormation resource registry
// (@aws-cdk/aws-service-spec): every type exists, no unknown property at any depth,
// required properties present, values of the right shape and inside allowed sets;
// every Ref, GetAtt, Sub variable, Condition and DependsOn names something that
// exists; and the template limits CloudFormation enforces.
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, Resource, TypeDefinition } from '@aws-cdk/service-spec-types';

type SpecDb = ReturnType<typeof loadAwsServiceSpecSync>;
let db: SpecDb | null = null;
function spec(): SpecDb {
  db ??= loadAwsServiceSpecSync();
  return db;
}

/** CloudFormation template limits (AWS CloudFormation User Guide, "Quotas"). */
export const TEMPLATE_LIMITS = {
  resources: 500,
  parameters: 200,
  outputs: 200,
  /** Template body passed inline to CreateStack / CreateChangeSet. */
  inlineBodyBytes: 51_200,
  /** Template uploaded to S3 and passed as TemplateURL. */
  uploadedBodyBytes: 1_000_000,
} as const;

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

interface Template {
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[]; Condition?: string }>;
  Outputs?: Record<string, unknown>;
}

export interface RegistryOptions {
  /** Deploy uploads this template to S3 (TemplateURL), so the 51,200-byte inline limit does not apply. */
  readonly uploaded: boolean;
}

const resourceCache = new Map<string, Resource | null>();
function resourceType(type: string): Resource | null {
  if (!resourceCache.has(type)) {
    const found = spec().lookup('resource', 'cloudFormationType', 'equals', type);
    resourceCache.set(type, found.length === 1 ? found[0]! : null);
  }
  return resourceCache.get(type)!;
}

// Looked up once each: a 5,000-tenant estate asks for the same few thousand times.
const typeDefinitions = new Map<string, TypeDefinition>();
function typeDefinition(ref: { $ref: string }): TypeDefinition {
  let t = typeDefinitions.get(ref.$ref);
  if (!t) typeDefinitions.set(ref.$ref, (t = spec().get('typeDefinition', ref.$ref)));
  return t;
}

const requiredNames = new WeakMap<Record<string, Property>, readonly string[]>();
function required(props: Record<string, Property>): readonly string[] {
  let names = requiredNames.get(props);
  if (!names) requiredNames.set(props, (names = Object.entries(props).flatMap(([name, p]) => (p.required ? [name] : []))));
  return names;
}

const INTRINSICS = new Set([
  'Ref',
  'Fn::GetAtt',
  'Fn::Sub',
  'Fn::Join',
  'Fn::Select',
  'Fn::Split',
  'Fn::If',
  'Fn::Base64',
  'Fn::GetAZs',
  'Fn::ImportValue',
  'Fn::FindInMap',
  'Fn::Cidr',
  'Fn::Length',
  'Fn::ToJsonString',
  'Fn::Equals',
  'Fn::Not',
  'Fn::And',
  'Fn::Or',
]);

function isIntrinsic(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && INTRINSICS.has(keys[0]!);
}

export function checkTemplate(template: Template, name: string, body: string, opts: RegistryOptions): string[] {
  const errors: string[] = [];
  const err = (where: string, message: string) => errors.push(`${name}: ${where}: ${message}`);
  const resources = template.Resources ?? {};
  const params = template.Parameters ?? {};
  const conditions = template.Conditions ?? {};

  const count = Object.keys(resources).length;
  if (count === 0) err('Resources', 'a template needs at least one resource');
  if (count > TEMPLATE_LIMITS.resources) err('Resources', `${count} resources, over the ${TEMPLATE_LIMITS.resources} limit`);
  if (Object.keys(params).length > TEMPLATE_LIMITS.parameters) err('Parameters', `over ${TEMPLATE_LIMITS.parameters}`);
  if (Object.keys(template.Outputs ?? {}).length > TEMPLATE_LIMITS.outputs) err('Outputs', `over ${TEMPLATE_LIMITS.outputs}`);
  const bytes = Buffer.byteLength(body);
  const limit = opts.uploaded ? TEMPLATE_LIMITS.uploadedBodyBytes : TEMPLATE_LIMITS.inlineBodyBytes;
  if (bytes > limit) err('template', `${bytes} bytes, over the ${limit}-byte limit for a template ${opts.uploaded ? 'in S3' : 'passed inline'}`);

  const checkRefs = (where: string, value: unknown): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => checkRefs(`${where}[${i}]`, v));
    if (value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'Ref' && typeof v === 'string') {
        if (!PSEUDO_PARAMETERS.has(v) && !resources[v] && !params[v]) err(where, `Ref ${v} names nothing in the template`);
      } else if (k === 'Fn::GetAtt') {
        const [id, attr] = Array.isArray(v) ? (v as string[]) : String(v).split(/\.(.*)/s);
        checkGetAtt(where, String(id), String(attr));
      } else if (k === 'Fn::Sub') {
        const [text, vars] = Array.isArray(v) ? (v as [string, Record<string, unknown>]) : [String(v), {}];
        for (const m of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const ref = m[1]!;
          if (Object.hasOwn(vars, ref)) continue;
          const [id, attr] = ref.split(/\.(.*)/s);
          if (attr !== undefined) checkGetAtt(where, id!, attr);
          else if (!PSEUDO_PARAMETERS.has(ref) && !resources[ref] && !params[ref]) err(where, `Fn::Sub variable \${${ref}} names nothing in the template`);
        }
        if (vars) checkRefs(where, vars);
      } else if ((k === 'Fn::If' || k === 'Condition') && Array.isArray(v) && typeof v[0] === 'string') {
        if (!conditions[v[0]]) err(where, `condition ${v[0]} is not defined`);
        checkRefs(where, v.slice(1));
      } else checkRefs(`${where}.${k}`, v);
    }
  };
  const checkGetAtt = (where: string, id: string, attr: string) => {
    const target = resources[id];
    if (!target) return err(where, `GetAtt ${id}.${attr} names no resource`);
    if (target.Type === 'AWS::CloudFormation::Stack' && attr.startsWith('Outputs.')) return;
    const rt = resourceType(target.Type);
    if (rt && !Object.hasOwn(rt.attributes, attr))
      err(where, `GetAtt ${id}.${attr}: ${target.Type} has no attribute ${attr} (has ${Object.keys(rt.attributes).join(', ')})`);
  };

  for (const [id, res] of Object.entries(resources)) {
    if (!/^[A-Za-z0-9]{1,255}$/.test(id)) err(id, 'logical id must be alphanumeric');
    if (/^Custom::[A-Za-z0-9_@-]{1,60}$/.test(res.Type)) {
      // Custom resources take any properties; CloudFormation requires a ServiceToken.
      if (!res.Properties || !('ServiceToken' in res.Properties)) err(id, `${res.Type} needs a ServiceToken`);
      checkRefs(`${id}.Properties`, res.Properties ?? {});
      continue;
    }
    const rt = resourceType(res.Type);
    if (!rt) {
      err(id, `unknown resource type ${res.Type}`);
      continue;
    }
    checkProperties(`${id}.Properties`, res.Properties ?? {}, rt.properties, err);
    const deps = res.DependsOn === undefined ? [] : Array.isArray(res.DependsOn) ? res.DependsOn : [res.DependsOn];
    for (const d of deps) if (!resources[d]) err(id, `DependsOn ${d} names no resource`);
    if (res.Condition && !conditions[res.Condition]) err(id, `condition ${res.Condition} is not defined`);
    checkRefs(`${id}.Properties`, res.Properties ?? {});
  }
  checkRefs('Outputs', template.Outputs ?? {});
  checkRefs('Conditions', conditions);
  return errors;
}

function checkProperties(where: string, value: Record<string, unknown>, props: Record<string, Property>, err: (w: string, m: string) => void): void {
  for (const name of required(props)) {
    if (!Object.hasOwn(value, name)) err(where, `required property ${name} is missing`);
  }
  for (const [name, v] of Object.entries(value)) {
    const p = props[name];
    if (!p) {
      err(where, `unknown property ${name} (known: ${Object.keys(props).sort().join(', ')})`);
      continue;
    }
    checkValue(`${where}.${name}`, v, p.type, err);
  }
}

function checkValue(where: string, v: unknown, t: PropertyType, err: (w: string, m: string) => void): void {
  if (isIntrinsic(v)) return; // resolved by CloudFormation; its references are checked separately
  switch (t.type) {
    case 'string':
      if (typeof v !== 'string') return err(where, `expected a string, got ${JSON.stringify(v)}`);
      if (t.allowedValues && !t.allowedValues.includes(v)) err(where, `"${v}" is not one of ${t.allowedValues.join(', ')}`);
      return;
    case 'integer':
    case 'number':
      if (typeof v !== 'number' && !(typeof v === 'string' && /^-?[0-9.]+$/.test(v))) err(where, `expected a number, got ${JSON.stringify(v)}`);
      if (t.type === 'integer' && t.allowedValues && !t.allowedValues.includes(Number(v)))
        err(where, `${String(v)} is not one of ${t.allowedValues.join(', ')}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean' && v !== 'true' && v !== 'false') err(where, `expected a boolean, got ${JSON.stringify(v)}`);
      return;
    case 'json':
      if (v === null || typeof v !== 'object') err(where, `expected a JSON object, got ${JSON.stringify(v)}`);
      return;
    case 'date-time':
    case 'null':
      return;
    case 'tag':
      if (v === null || typeof v !== 'object' || !('Key' in v) || !('Value' in v)) err(where, 'expected a { Key, Value } tag');
      return;
    case 'array':
      if (!Array.isArray(v)) return err(where, `expected a list, got ${JSON.stringify(v)}`);
      v.forEach((item, i) => checkValue(`${where}[${i}]`, item, t.element, err));
      return;
    case 'map':
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return err(where, 'expected a map');
      for (const [k, item] of Object.entries(v)) checkValue(`${where}.${k}`, item, t.element, err);
      return;
    case 'ref': {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return err(where, `expected an object, got ${JSON.stringify(v)}`);
      checkProperties(where, v as Record<string, unknown>, typeDefinition(t.reference).properties, err);
      return;
    }
    case 'union': {
      // Accept the value when any member type accepts it.
      const attempts = t.types.map((member) => {
        const errs: string[] = [];
        checkValue(where, v, member, (w, m) => errs.push(`${w}: ${m}`));
        return errs;
      });
      if (!attempts.some((a) => a.length === 0)) err(where, `matches no allowed type: ${attempts.map((a) => a[0]).join(' | ')}`);
      return;
    }
  }
}
