// Generates docs/manifest-reference.md: every field of every file tenantc reads (the
// tenant and platform manifests, the placement lock, the price table), with its type,
// whether it is required, its default, its examples and its description, from the JSON
// Schemas in schema/. The schemas are what validate enforces and what an editor shows
// while a manifest is written; generated from them, the reference cannot say something
// else. `npm run manifest-reference` rewrites the file, and test/manifestReference.test.ts
// fails when the committed file is not what the schemas generate, and when a field has
// no description: the generator refuses to write a row it cannot explain.
//
// The schemas are walked as scripts/manifestTypes.ts walks them (properties, list items,
// map values, $ref into this or another schema file, the if/then branches of an allOf);
// what a type cannot say (patterns, lengths, ranges) is exactly what a reader needs here,
// so it is written out in words.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readSchemas, type Schema } from './manifestTypes.ts';

export const REFERENCE_FILE = fileURLToPath(new URL('../docs/manifest-reference.md', import.meta.url));

/** The documents the reference describes, in the order a reader meets them, and where each lives. */
export const REFERENCE_DOCUMENTS = [
  { schema: 'tenant.schema.json', title: 'Tenant manifest', file: '`tenants/<id>.yaml`, one per tenant' },
  { schema: 'platform.schema.json', title: 'Platform manifest', file: '`tenants/platform.yaml`, one per estate' },
  { schema: 'placement-lock.schema.json', title: 'Placement lock', file: '`tenants/placement.lock.yaml`, written by `tenantc compile`' },
  { schema: 'prices.schema.json', title: 'Price table', file: '`prices/us-east-1.json`, or the file of `--prices`' },
] as const;

/** The schema of the string kinds every string field refers to. */
const STRINGS = 'strings.schema.json';

type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
type SchemaObject = { readonly [keyword: string]: JsonValue };

export class UndescribedFieldError extends Error {}

const isObject = (v: unknown): v is SchemaObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One row of a document's table. */
interface Row {
  readonly path: string;
  readonly type: string;
  readonly description: string;
}

/**
 * The reference, from `schemas` (file name → parsed schema, every file of schema/).
 * Throws UndescribedFieldError, naming the field, when a field has no description of its
 * own or of the schema its $ref names.
 */
export function generateManifestReference(schemas: ReadonlyMap<string, Schema>): string {
  const resolve = (ref: string, file: string): { schema: SchemaObject; file: string } => {
    const hash = ref.indexOf('#');
    const targetFile = hash <= 0 ? (hash === 0 ? file : ref) : ref.slice(0, hash);
    const pointer = hash < 0 ? '' : ref.slice(hash + 1);
    let node: JsonValue | undefined = schemas.get(targetFile) as JsonValue | undefined;
    for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) node = isObject(node) ? node[raw.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    if (!isObject(node)) throw new Error(`${file}: $ref "${ref}" names nothing`);
    return { schema: node, file: targetFile };
  };

  /** The schema with its $ref chain merged in: its own keywords win, as a reader expects. */
  const merged = (schema: SchemaObject, file: string): { schema: SchemaObject; file: string; kind: string | null } => {
    let out: Record<string, JsonValue> = { ...schema };
    let at = file;
    let kind: string | null = null;
    while (typeof out.$ref === 'string') {
      const ref = out.$ref;
      const target = resolve(ref, at);
      if (target.file === STRINGS) {
        // A string kind: named, not merged (its checks are the grammar's, described once below).
        kind = ref.slice(ref.lastIndexOf('/') + 1);
        const { $ref: _, ...rest } = out;
        out = rest;
        break;
      }
      const { $ref: _, ...rest } = out;
      out = { ...target.schema, ...rest };
      at = target.file;
    }
    return { schema: out, file: at, kind };
  };

  const missing: string[] = [];
  const rowsOf = (documentFile: string): Row[] => {
    const rows: Row[] = [];
    const walk = (raw: SchemaObject, file: string, path: string, required: boolean, describe: boolean) => {
      const { schema, file: at, kind } = merged(raw, file);
      if (describe) {
        if (typeof schema.description !== 'string' || schema.description.trim() === '') missing.push(`${documentFile}: ${path}`);
        else rows.push({ path, type: typeOf(schema, kind, required, at), description: describeField(schema, at) });
      }
      const types = Array.isArray(schema.type) ? schema.type : [schema.type];
      if (types.includes('object') && isObject(schema.properties)) {
        const req = new Set((schema.required ?? []) as string[]);
        for (const [name, field] of Object.entries(schema.properties)) {
          if (!isObject(field)) continue;
          walk(field, at, path ? `${path}.${name}` : name, req.has(name), true);
        }
      }
      if (types.includes('object') && isObject(schema.additionalProperties)) {
        const key = mapKey(schema, at);
        walk(schema.additionalProperties, at, `${path}.<${key}>`, true, describedOrNested(schema.additionalProperties, at));
      }
      if (types.includes('array') && isObject(schema.items)) walk(schema.items, at, `${path}[]`, true, describedOrNested(schema.items, at));
    };
    /** A list's items and a map's values get a row of their own when they say something; the list's or map's row speaks for them otherwise. */
    const describedOrNested = (s: SchemaObject, file: string) => typeof merged(s, file).schema.description === 'string';
    walk(schemas.get(documentFile) as SchemaObject, documentFile, '', true, false);
    return rows;
  };

  /** What a map's keys are called in a path: `<tenant id>` when they are tenant ids, else `<name>`. */
  const mapKey = (schema: SchemaObject, file: string): string => {
    const names = schema.propertyNames;
    if (isObject(names) && typeof names.$ref === 'string' && names.$ref.endsWith('tenant.schema.json#/properties/id')) return 'tenant id';
    if (isObject(names) && typeof names.$ref === 'string' && resolve(names.$ref, file).file === 'tenant.schema.json') return 'tenant id';
    return 'name';
  };

  const typeOf = (schema: SchemaObject, kind: string | null, required: boolean, file: string): string => {
    const parts: string[] = [];
    parts.push(required ? '**required**' : 'optional');
    parts.push(valueType(schema, kind, file));
    if (schema.default !== undefined) parts.push(`default ${code(JSON.stringify(schema.default))}`);
    return parts.join(' · ');
  };

  const valueType = (schema: SchemaObject, kind: string | null, file: string): string => {
    if (schema.const !== undefined) return code(JSON.stringify(schema.const));
    if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => code(typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t): t is string => typeof t === 'string');
    const words = types.map((t) => {
      switch (t) {
        case 'string':
          return `string${kind ? ` ([${kind}](#${kind.toLowerCase()}))` : ''}${range(schema.minLength, schema.maxLength, 'characters')}`;
        case 'integer':
        case 'number':
          return `${t}${bounds(schema)}`;
        case 'array': {
          const items = isObject(schema.items) ? merged(schema.items, file) : null;
          const of = items ? valueType(items.schema, items.kind, items.file) : 'values';
          return `list of ${of}${range(schema.minItems, schema.maxItems, 'items')}${schema.uniqueItems === true ? ', each once' : ''}`;
        }
        case 'object':
          return isObject(schema.properties) ? 'mapping' : `map${range(schema.minProperties, schema.maxProperties, 'entries')}`;
        default:
          return t;
      }
    });
    return words.length ? words.join(' or ') : 'any value';
  };

  const describeField = (schema: SchemaObject, file: string): string => {
    const parts = [String(schema.description).trim()];
    if (typeof schema['x-hint'] === 'string') parts.push(`Format: ${schema['x-hint'].replace(/^must be /, '')}.`);
    // Items and map values without a description of their own are spoken for here.
    for (const [inner, label] of [
      [schema.items, 'Each item'],
      [schema.additionalProperties, 'Each value'],
    ] as const) {
      if (!isObject(inner)) continue;
      const m = merged(inner, file).schema;
      if (typeof m.description === 'string') continue;
      if (typeof m['x-hint'] === 'string') parts.push(`${label}: ${m['x-hint'].replace(/^must be /, '')}.`);
      if (Array.isArray(m.examples) && m.examples.length)
        parts.push(`${label}, for example: ${m.examples.map((e) => code(typeof e === 'string' ? e : JSON.stringify(e))).join(', ')}.`);
    }
    const conditions = branches(schema);
    if (conditions) parts.push(conditions);
    if (Array.isArray(schema.examples) && schema.examples.length)
      parts.push(
        `Example${schema.examples.length > 1 ? 's' : ''}: ${schema.examples.map((e) => code(typeof e === 'string' ? e : JSON.stringify(e))).join(', ')}.`,
      );
    return parts.join(' ');
  };

  /** The `allOf` of `if {key: const} / then {required, not}` branches, in words. */
  const branches = (schema: SchemaObject): string | null => {
    if (!Array.isArray(schema.allOf)) return null;
    const said: string[] = [];
    for (const b of schema.allOf) {
      if (!isObject(b) || !isObject(b.if) || !isObject(b.then)) continue;
      const on = Object.entries((b.if.properties ?? {}) as Record<string, JsonValue>).find(([, v]) => isObject(v) && v.const !== undefined);
      if (!on) continue;
      const [key, cond] = on as [string, SchemaObject];
      const needs = ((b.then.required ?? []) as string[]).map(code);
      const refused = Object.entries((b.then.properties ?? {}) as Record<string, JsonValue>)
        .filter(([, v]) => isObject(v) && isObject(v.not) && Object.keys(v.not).length === 0)
        .map(([k]) => code(k));
      const clauses = [needs.length ? `requires ${needs.join(', ')}` : '', refused.length ? `takes no ${refused.join(', ')}` : ''].filter(Boolean);
      said.push(`With ${code(key)} ${code(String(cond.const))}, it ${clauses.join(' and ')}.`);
    }
    return said.length ? said.join(' ') : null;
  };

  const out: string[] = [
    '# Manifest reference',
    '',
    '<!-- Generated by scripts/manifestReference.ts from schema/*.json (`npm run manifest-reference`); test/manifestReference.test.ts fails when this file differs. Edit the descriptions in the schemas, not this file. -->',
    '',
    "Every field of every file tenantc reads, from the JSON Schemas in `schema/` that validate enforces and your editor completes with (each manifest's first line names its schema). A path reads `auth.federation.protocol` for a key inside a mapping, `domains[]` for the items of a list and `tiers.<name>` for the values of a map. What the fields mean together, with an annotated tenant and everything validation checks beyond the schemas, is in [The manifest language](manifests.md).",
    '',
  ];
  for (const doc of REFERENCE_DOCUMENTS) out.push(`- [${doc.title}](#${doc.title.toLowerCase().replace(/ /g, '-')})`);
  out.push('- [String kinds](#string-kinds)', '');
  for (const doc of REFERENCE_DOCUMENTS) {
    const schema = schemas.get(doc.schema) as SchemaObject;
    out.push(`## ${doc.title}`, '', `${doc.file}; schema \`schema/${doc.schema}\`. ${text(String(schema.description ?? ''))}`, '');
    out.push('| field | type | description |', '| --- | --- | --- |');
    for (const row of rowsOf(doc.schema)) out.push(`| ${code(row.path)} | ${cell(row.type)} | ${cell(text(row.description))} |`);
    out.push('');
  }
  if (missing.length)
    throw new UndescribedFieldError(
      `fields without a description (give each one in its schema: the reference and the editor show it):\n${missing.map((m) => `  ${m}`).join('\n')}`,
    );
  const strings = schemas.get(STRINGS) as SchemaObject;
  out.push('## String kinds', '', text(String(strings.description ?? '')), '');
  for (const [name, def] of Object.entries((strings.$defs ?? {}) as Record<string, JsonValue>)) {
    if (name === 'checks' || !isObject(def)) continue;
    const limit = range(def.minLength, def.maxLength, 'characters');
    out.push(`### ${name}`, '', `${text(String(def.description ?? ''))}${limit ? ` Length: ${limit.replace(/^,? ?/, '')}.` : ''}`, '');
  }
  const checks = (strings.$defs as Record<string, JsonValue>)?.checks;
  if (isObject(checks) && typeof checks.description === 'string') out.push('### What every kind refuses', '', text(checks.description), '');
  return `${out.join('\n').trimEnd()}\n`;
}

const code = (s: string) => {
  const ticks = s.includes('`') ? '``' : '`';
  return `${ticks}${ticks === '``' ? ` ${s} ` : s}${ticks}`;
};

/** `, 2–24 characters`, `, at most 253 characters`, ... or nothing. */
function range(min: JsonValue | undefined, max: JsonValue | undefined, unit: string): string {
  const lo = typeof min === 'number' && min > 0 ? min : null;
  const hi = typeof max === 'number' ? max : null;
  if (lo !== null && hi !== null) return lo === hi ? `, ${lo} ${unit}` : `, ${lo}–${hi} ${unit}`;
  if (hi !== null) return `, at most ${hi} ${unit}`;
  if (lo !== null) return `, at least ${lo} ${unit}`;
  return '';
}

function bounds(s: SchemaObject): string {
  const lo = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? `> ${s.exclusiveMinimum}` : null;
  const hi = typeof s.maximum === 'number' ? s.maximum : typeof s.exclusiveMaximum === 'number' ? `< ${s.exclusiveMaximum}` : null;
  if (typeof lo === 'number' && typeof hi === 'number') return ` ${lo}–${hi}`;
  const parts = [lo === null ? '' : typeof lo === 'number' ? `≥ ${lo}` : lo, hi === null ? '' : typeof hi === 'number' ? `≤ ${hi}` : hi].filter(Boolean);
  return parts.length ? ` ${parts.join(', ')}` : '';
}

/** Prose for markdown: `<` and `>` outside code spans are text, never HTML. */
function text(s: string): string {
  return s
    .split(/(`+[^`]*`+)/)
    .map((part, i) => (i % 2 ? part : part.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('');
}

/** One table cell: on one line, its pipes escaped (in code spans too: GitHub splits cells first). */
const cell = (s: string) => s.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(REFERENCE_FILE, generateManifestReference(readSchemas()));
  console.log(`wrote ${REFERENCE_FILE}`);
}
