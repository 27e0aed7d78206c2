// Generates compiler/generated/manifest.ts: the TypeScript types of the platform and
// tenant manifests, from their JSON Schemas (schema/). The schemas are what validate
// enforces; the types are what the stages after it assume. Generated from one source,
// the two cannot disagree: `npm run manifest-types` rewrites the file, and
// test/manifestTypes.test.ts fails when the committed file is not what the schemas
// generate, so a schema change shows as a reviewed change of types.
//
// Why a generator of our own (about the size of scripts/cfnTypes.ts) rather than a
// library, measured on these schemas:
// - json-schema-to-typescript 16 ignores if/then (auth.federation loses its saml/oidc
//   union), has no readonly output, turns minItems/maxItems into unions of tuples and
//   the string grammar's allOf into `string & string & ...`, and passes over keywords
//   it does not know, so a schema could admit something the type does not, unnoticed.
// - json-schema-to-ts 3 (FromSchema) needs each schema as an `as const` TypeScript
//   object, not a .json file; it infers `never` for every grammar string (it resolves
//   the `#/$defs/checks` of strings.schema.json against the wrong document, and takes
//   the `not` of a pattern as "not a string"), so every manifest type was `never`.
// This generator knows exactly the keywords the schemas use and refuses any other with
// the schema path where it stands: a type is generated only when it admits every value
// the schema admits.
//
// What a type can say, it says: required and optional keys, closed objects
// (`additionalProperties: false`), enums and consts as literal unions, maps, and the
// discriminated unions an `allOf` of `if {key: const} / then` spells (a key a branch
// forbids with `{ "not": {} }` is `?: never` there). What it cannot (patterns, lengths,
// ranges, item counts, the string grammar's `not`s, key patterns) it leaves to
// validate: the type is the nearest wider one (a grammar string is `string`; the plan
// wraps manifest text as ManifestText, compiler/plan/manifestText.ts).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The schemas whose instances get a type, and the type's name. */
export const MANIFEST_TYPES = [
  { schema: 'platform.schema.json', type: 'PlatformManifest' },
  { schema: 'tenant.schema.json', type: 'TenantManifest' },
] as const;

export const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));
export const GENERATED_FILE = fileURLToPath(new URL('../compiler/generated/manifest.ts', import.meta.url));

type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
type SchemaObject = { readonly [keyword: string]: JsonValue };
export type Schema = boolean | SchemaObject;

/** A type as the generator builds it, before it is printed. */
type Shape =
  | { readonly kind: 'unknown' } // the schema says nothing of the value's type
  | { readonly kind: 'never' }
  | { readonly kind: 'string' | 'number' | 'boolean' }
  | { readonly kind: 'literals'; readonly values: readonly (string | number | boolean | null)[] }
  | { readonly kind: 'array'; readonly items: Shape }
  | { readonly kind: 'map'; readonly values: Shape }
  | { readonly kind: 'object'; readonly props: readonly Prop[] }
  | { readonly kind: 'union'; readonly members: readonly Shape[] };

interface Prop {
  readonly name: string;
  readonly shape: Shape;
  readonly required: boolean;
  readonly doc: string | null;
}

const UNKNOWN: Shape = { kind: 'unknown' };
const NEVER: Shape = { kind: 'never' };

/** Keywords that say nothing of the value's type: documentation, and tenantc's `x-hint` (the words of a pattern). */
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'examples', 'default', 'x-hint']);
/** Constraints a TypeScript type cannot state: validate enforces them, the type is the nearest wider one. */
const NOT_TYPEABLE = new Set([
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'propertyNames',
]);
/** Keywords the generator turns into types; with the two sets above, the only ones it accepts. */
const TYPED = new Set(['type', 'enum', 'const', '$ref', '$defs', 'properties', 'required', 'additionalProperties', 'items', 'allOf', 'not']);

export class SchemaTypeError extends Error {}

const isObject = (v: unknown): v is SchemaObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The types of MANIFEST_TYPES, from `schemas` (file name → parsed schema: the manifests'
 * and every schema they refer to). Throws SchemaTypeError, naming the schema path, on a
 * keyword or a form it cannot type soundly.
 */
export function generateManifestTypes(schemas: ReadonlyMap<string, Schema>): string {
  const fail = (at: string, message: string): never => {
    throw new SchemaTypeError(`${at}: ${message}`);
  };

  const resolve = (ref: string, file: string, at: string): { schema: Schema; file: string; at: string } => {
    const hash = ref.indexOf('#');
    const target = hash < 0 ? ref : ref.slice(0, hash);
    const pointer = hash < 0 ? '' : ref.slice(hash + 1);
    const targetFile = target === '' ? file : target;
    let node: JsonValue | undefined = schemas.get(targetFile) as JsonValue | undefined;
    if (node === undefined) fail(at, `$ref "${ref}": no schema ${targetFile} (refs name a file of schema/)`);
    if (pointer !== '' && !pointer.startsWith('/')) fail(at, `$ref "${ref}": only JSON Pointer fragments are understood`);
    for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
      const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObject(node) ? node[seg] : undefined;
      if (node === undefined) fail(at, `$ref "${ref}": nothing at ${pointer} of ${targetFile}`);
    }
    return { schema: node as Schema, file: targetFile, at: `${targetFile}#${pointer}` };
  };

  /** The shape of the values `schema` admits (or a wider one); `file` resolves its refs, `at` names it in errors. */
  const shapeOf = (schema: Schema, file: string, at: string, seen: readonly string[] = []): Shape => {
    if (schema === true) return UNKNOWN;
    if (schema === false) return NEVER;
    for (const k of Object.keys(schema)) {
      if (!ANNOTATIONS.has(k) && !NOT_TYPEABLE.has(k) && !TYPED.has(k))
        fail(at, `keyword "${k}" is not understood by scripts/manifestTypes.ts (teach it there, so the type still admits every value the schema does)`);
    }
    // Every keyword applies (draft 2020-12, $ref included): the type is what they all admit.
    const parts: Shape[] = [];
    const type = schema.type;
    if (type !== undefined) parts.push(typeKeyword(schema, file, at, seen));
    if (schema.enum !== undefined) {
      if (!Array.isArray(schema.enum) || schema.enum.some((v) => isObject(v) || Array.isArray(v))) fail(at, 'enum: only lists of scalars are understood');
      parts.push({ kind: 'literals', values: schema.enum as (string | number | boolean | null)[] });
    }
    if (schema.const !== undefined) {
      if (isObject(schema.const) || Array.isArray(schema.const)) fail(at, 'const: only a scalar is understood');
      parts.push({ kind: 'literals', values: [schema.const as string | number | boolean | null] });
    }
    if (schema.$ref !== undefined) {
      if (typeof schema.$ref !== 'string') fail(at, '$ref must be a string');
      const ref = schema.$ref as string;
      const target = resolve(ref, file, at);
      if (seen.includes(target.at)) fail(at, `$ref "${ref}" is recursive; the generator writes no recursive types`);
      parts.push(shapeOf(target.schema, target.file, target.at, [...seen, target.at]));
    }
    if (type === undefined && (schema.properties !== undefined || schema.additionalProperties !== undefined))
      fail(at, 'properties and additionalProperties are understood on a schema that says `"type": "object"`');
    if (type === undefined && schema.items !== undefined) fail(at, 'items is understood on a schema that says `"type": "array"`');
    if (schema.required !== undefined && type !== 'object') fail(at, 'required is understood on a schema that says `"type": "object"`');
    if (schema.not !== undefined) {
      // `{ "not": {} }` admits nothing (a key a branch rules out). Any other `not`
      // narrows a type without changing it (the string grammar's refused sequences).
      const not = schema.not;
      parts.push(not === true || (isObject(not) && Object.keys(not).every((k) => ANNOTATIONS.has(k))) ? NEVER : UNKNOWN);
    }
    if (schema.allOf !== undefined) {
      if (!Array.isArray(schema.allOf)) fail(at, 'allOf must be a list');
      const branches = (schema.allOf as Schema[]).map((s, i) => ({ s, at: `${at}/allOf/${i}` }));
      const conditional = branches.filter((b) => isObject(b.s) && b.s.if !== undefined);
      for (const b of branches.filter((x) => !conditional.includes(x))) parts.push(shapeOf(b.s, file, b.at, seen));
      if (conditional.length) {
        const base = parts.reduce((a, b) => meet(a, b, at), UNKNOWN);
        return discriminated(base, conditional, file, at, seen);
      }
    }
    return parts.reduce((a, b) => meet(a, b, at), UNKNOWN);
  };

  const typeKeyword = (schema: SchemaObject, file: string, at: string, seen: readonly string[]): Shape => {
    switch (schema.type) {
      case 'string':
        return { kind: 'string' };
      case 'integer':
      case 'number':
        return { kind: 'number' };
      case 'boolean':
        return { kind: 'boolean' };
      case 'null':
        return { kind: 'literals', values: [null] };
      case 'array': {
        if (schema.items === undefined || Array.isArray(schema.items)) fail(at, 'an array schema needs `items`, one schema for every item');
        return { kind: 'array', items: shapeOf(schema.items as Schema, file, `${at}/items`, seen) };
      }
      case 'object':
        return objectShape(schema, file, at, seen);
      default:
        return fail(at, `type ${JSON.stringify(schema.type)}: one type name is understood, not a list`);
    }
  };

  const objectShape = (schema: SchemaObject, file: string, at: string, seen: readonly string[]): Shape => {
    const properties = (schema.properties ?? {}) as { readonly [name: string]: Schema };
    const required = (schema.required ?? []) as readonly string[];
    if (!isObject(properties)) fail(at, 'properties must be a mapping');
    if (!Array.isArray(required)) fail(at, 'required must be a list');
    for (const r of required) if (!(r in properties)) fail(at, `required key "${r}" is not among its properties`);
    const extra = schema.additionalProperties;
    if (extra === undefined || extra === true)
      fail(at, 'an object schema says `"additionalProperties": false` or gives the schema of its values: an open object has no sound type');
    if (extra !== false) {
      if (Object.keys(properties).length) fail(at, 'properties beside an additionalProperties schema are not understood');
      return { kind: 'map', values: shapeOf(extra as Schema, file, `${at}/additionalProperties`, seen) };
    }
    return {
      kind: 'object',
      props: Object.entries(properties).map(([name, s]) => ({
        name,
        shape: shapeOf(s, file, `${at}/properties/${name}`, seen),
        required: required.includes(name),
        doc: docOf(s),
      })),
    };
  };

  /**
   * An object whose `allOf` holds `if: { properties: { <key>: { const: v } } }, then: ...`
   * branches: one member per value of the discriminating key, each with its branches'
   * `then` applied (required keys become required, `{ "not": {} }` keys `?: never`).
   */
  const discriminated = (base: Shape, branches: readonly { s: Schema; at: string }[], file: string, at: string, seen: readonly string[]): Shape => {
    if (base.kind !== 'object') return fail(at, 'if/then is understood on an object schema with properties');
    const cases = branches.map(({ s, at: bAt }) => {
      const b = s as SchemaObject;
      for (const k of Object.keys(b)) if (k !== 'if' && k !== 'then' && !ANNOTATIONS.has(k)) fail(bAt, `keyword "${k}" beside if/then is not understood`);
      const cond = b.if;
      const props = isObject(cond) && isObject(cond.properties) ? cond.properties : null;
      const keys = props ? Object.keys(props) : [];
      const onlyConst = (v: JsonValue | undefined) => isObject(v) && Object.keys(v).length === 1 && v.const !== undefined && !isObject(v.const);
      if (!isObject(cond) || Object.keys(cond).length !== 1 || keys.length !== 1 || !onlyConst(props![keys[0]!]))
        fail(`${bAt}/if`, 'an `if` is understood as `{ "properties": { <key>: { "const": <value> } } }`');
      if (!isObject(b.then)) fail(`${bAt}/then`, 'a `then` is understood as a schema object');
      return { key: keys[0]!, value: (props![keys[0]!] as SchemaObject).const as string | number | boolean, then: b.then as SchemaObject, at: `${bAt}/then` };
    });
    const key = cases[0]!.key;
    if (cases.some((c) => c.key !== key)) fail(at, 'every if/then of one object is understood to test the same key');
    const discriminant = base.props.find((p) => p.name === key);
    // An `if` on an absent key holds: only a required key tells the branches apart.
    if (!discriminant?.required || discriminant.shape.kind !== 'literals') fail(at, `if/then on "${key}": it must be a required key with an enum or const`);
    const values = (discriminant!.shape as { values: readonly (string | number | boolean | null)[] }).values;
    for (const c of cases) if (!values.includes(c.value)) fail(c.at, `"${key}" is never ${JSON.stringify(c.value)}`);
    return {
      kind: 'union',
      members: values.map((value) => {
        let props = base.props.map((p) => (p.name === key ? { ...p, shape: { kind: 'literals', values: [value] } as Shape } : p));
        for (const c of cases.filter((x) => x.value === value)) {
          for (const k of Object.keys(c.then))
            if (k !== 'required' && k !== 'properties' && !ANNOTATIONS.has(k)) fail(c.at, `keyword "${k}" in a \`then\` is not understood`);
          const req = (c.then.required ?? []) as readonly string[];
          const thenProps = (c.then.properties ?? {}) as { readonly [name: string]: Schema };
          for (const name of [...req, ...Object.keys(thenProps)])
            if (!props.some((p) => p.name === name)) fail(c.at, `"${name}" is not a property of the object`);
          props = props.map((p) => {
            const narrowed =
              thenProps[p.name] === undefined ? p.shape : meet(p.shape, shapeOf(thenProps[p.name]!, file, `${c.at}/properties/${p.name}`, seen), c.at);
            const must = p.required || req.includes(p.name);
            if (must && narrowed.kind === 'never') fail(c.at, `"${p.name}" is both required and ruled out`);
            return { ...p, shape: narrowed, required: must };
          });
        }
        return { kind: 'object', props } as Shape;
      }),
    };
  };

  const meet = (a: Shape, b: Shape, at: string): Shape => {
    if (a.kind === 'unknown') return b;
    if (b.kind === 'unknown') return a;
    if (a.kind === 'never' || b.kind === 'never') return NEVER;
    if (a.kind === b.kind && (a.kind === 'string' || a.kind === 'number' || a.kind === 'boolean')) return a;
    const scalar = { string: 'string', number: 'number', boolean: 'boolean' } as const;
    if (a.kind === 'literals' && b.kind === 'literals') return { kind: 'literals', values: a.values.filter((v) => b.values.includes(v)) };
    for (const [lits, prim] of [
      [a, b],
      [b, a],
    ] as const) {
      if (lits.kind === 'literals' && (prim.kind === 'string' || prim.kind === 'number' || prim.kind === 'boolean')) {
        const wrong = lits.values.filter((v) => typeof v !== scalar[prim.kind]);
        if (wrong.length) fail(at, `${JSON.stringify(wrong[0])} is not a ${prim.kind}`);
        return lits;
      }
    }
    return fail(at, `cannot combine a ${a.kind} with a ${b.kind}`);
  };

  const out: string[] = [
    '// Generated by scripts/manifestTypes.ts from schema/*.schema.json. Do not edit: change',
    '// the schema, then run `npm run manifest-types` (test/manifestTypes.test.ts checks this',
    "// file is current). Comments are the schemas' descriptions.",
    '',
  ];
  for (const { schema: file, type } of MANIFEST_TYPES) {
    const schema = schemas.get(file);
    if (schema === undefined) fail(file, 'no such schema');
    const doc = docOf(schema!);
    if (doc) out.push(...comment(doc, ''));
    out.push(`export type ${type} =${withSpace(print(shapeOf(schema!, file, `${file}#`), ''))};`, '');
  }
  return out.join('\n');
}

function docOf(schema: Schema): string | null {
  if (typeof schema === 'boolean') return null;
  const description = typeof schema.description === 'string' ? schema.description : null;
  const dflt = schema.default === undefined ? null : `Default: \`${JSON.stringify(schema.default)}\`.`;
  return [description, dflt].filter((s) => s !== null).join('\n\n') || null;
}

function comment(text: string, indent: string): string[] {
  const lines = text.replace(/\*\//g, '*\\/').split('\n');
  return [`${indent}/**`, ...lines.map((l) => `${indent} *${l ? ` ${l}` : ''}`), `${indent} */`];
}

const ident = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name));
const literal = (v: string | number | boolean | null) => (typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(v));

function print(shape: Shape, indent: string): string {
  switch (shape.kind) {
    case 'unknown':
    case 'never':
    case 'string':
    case 'number':
    case 'boolean':
      return shape.kind;
    case 'literals':
      return shape.values.length ? shape.values.map(literal).join(' | ') : 'never';
    case 'array': {
      const item = print(shape.items, indent);
      return /^[A-Za-z]+$/.test(item) || item.startsWith('{') ? `readonly ${item}[]` : `readonly (${item})[]`;
    }
    case 'map': {
      const values = print(shape.values, `${indent}  `);
      return values.includes('\n') ? `{\n${indent}  readonly [key: string]: ${values};\n${indent}}` : `{ readonly [key: string]: ${values} }`;
    }
    case 'object': {
      const inner = `${indent}  `;
      const lines = shape.props.flatMap((p) => [
        ...(p.doc ? comment(p.doc, inner) : []),
        `${inner}readonly ${ident(p.name)}${p.required ? '' : '?'}:${withSpace(print(p.shape, inner))};`,
      ]);
      return lines.length ? `{\n${lines.join('\n')}\n${indent}}` : '{}';
    }
    case 'union':
      return shape.members.map((m) => `\n${indent}  | ${print(m, `${indent}    `)}`).join('');
  }
}

/** A union starts on its own lines, anything else after a space. */
const withSpace = (printed: string) => (printed.startsWith('\n') ? printed : ` ${printed}`);

/** Every schema of schema/, by file name. */
export function readSchemas(dir: string = SCHEMA_DIR): Map<string, Schema> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.schema.json'))
    .sort();
  return new Map(files.map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as Schema]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(GENERATED_FILE, generateManifestTypes(readSchemas()));
  console.log(`wrote ${GENERATED_FILE}`);
}
