// Schema validation with ajv, with each ajv error mapped back to the YAML node it
// concerns: instancePath is a JSON Pointer (decode `~1` → `/`, then `~0` → `~`);
// `required` points at the parent mapping, `additionalProperties` at the offending key.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { formatPath, type Diagnostic } from '../diagnostics.ts';
import type { ManifestPath, SourceFile } from '../load/sourceFile.ts';
import * as validators from './compileValidators.ts';

/** What a schema validates: the two manifest kinds, the placement lock and a price table. */
export type ManifestKind = 'Platform' | 'Tenant' | 'PlacementLock' | 'Prices';

export function decodePointer(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^(0|[1-9][0-9]*)$/.test(seg) ? Number(seg) : seg));
}

export function validateAgainstSchema(kind: ManifestKind, source: SourceFile, value: unknown): Diagnostic[] {
  const validate: ValidateFunction = validators[kind];
  if (validate(value)) return [];
  const errors = mostSpecific(withKeyNames(validate.errors ?? []));
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const err of errors) {
    // An if/then failure arrives as the `then` schema's own errors plus a wrapper that says only "must match then".
    if (err.keyword === 'if') continue;
    const d = toDiagnostic(source, err);
    const key = `${d.position.line}:${d.position.col}:${d.message}`;
    if (!seen.has(key)) seen.add(key), out.push(d);
  }
  return out;
}

/** Keywords that apply to a string: the only ones a key of a mapping can fail. */
const STRING_KEYWORDS = new Set(['not', 'pattern', 'format', 'minLength', 'maxLength']);

/**
 * ajv reports a key that fails `propertyNames` as the key schema's own errors, at the
 * mapping's path, then a wrapper naming the key; through a `$ref` (the string grammar
 * of schema/strings.schema.json) the inner errors do not carry the key themselves. The
 * string errors right before a wrapper at the same path are that key's (a mapping
 * itself never fails a string keyword). Wrappers are dropped once their key is given on.
 */
function withKeyNames(errors: readonly ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  let pending: ErrorObject[] = [];
  const flush = () => {
    out.push(...pending);
    pending = [];
  };
  for (const err of errors) {
    if (err.keyword === 'propertyNames') {
      const key = String((err.params as { propertyName?: unknown }).propertyName);
      const [mine, others] = partition(pending, (e) => e.instancePath === err.instancePath);
      out.push(...others, ...mine.map((e) => ({ ...e, propertyName: e.propertyName ?? key })));
      pending = [];
    } else if (STRING_KEYWORDS.has(err.keyword)) {
      if (pending.length && pending[0]!.instancePath !== err.instancePath) flush();
      pending.push(err);
    } else {
      flush();
      out.push(err);
    }
  }
  flush();
  return out;
}

function partition<T>(list: readonly T[], test: (t: T) => boolean): [T[], T[]] {
  return [list.filter(test), list.filter((t) => !test(t))];
}

/**
 * A string that breaks the grammar (schema/strings.schema.json: a refused sequence or
 * character, or its length) is told why, and not also that it does not match its
 * field's pattern or format: that would only repeat, less precisely, that it is wrong.
 */
function mostSpecific(errors: readonly ErrorObject[]): ErrorObject[] {
  const where = (e: ErrorObject) => `${e.instancePath}\u0000${e.propertyName ?? ''}`;
  const specific = new Set(errors.filter((e) => (e.keyword === 'not' && hintOf(e) !== undefined) || e.keyword === 'maxLength').map(where));
  return errors.filter((e) => !((e.keyword === 'pattern' || e.keyword === 'format') && specific.has(where(e))));
}

const hintOf = (err: ErrorObject): string | undefined => (err.parentSchema as { 'x-hint'?: string } | undefined)?.['x-hint'];

/** Values shown in messages are cut to this many characters: a message is one line a reader takes in at once. */
const SHOWN_CHARS = 60;

/** A string as a message shows it: JSON-quoted (escapes every control character), long ones cut. */
export function quoted(value: string): string {
  return value.length <= SHOWN_CHARS ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, SHOWN_CHARS))}… (${value.length} characters)`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return quoted(value);
  return String(value);
}

function toDiagnostic(source: SourceFile, err: ErrorObject): Diagnostic {
  const path: ManifestPath = decodePointer(err.instancePath);
  const where = formatPath(path);
  const subject = where === '' ? 'manifest' : where;
  const hint = hintOf(err);
  const params = err.params as Record<string, unknown>;
  if (err.propertyName !== undefined) {
    // A key that fails the schema of keys (propertyNames): point at the key.
    const reason =
      err.keyword === 'minLength'
        ? `keys must be at least ${String(params.limit)} characters long`
        : err.keyword === 'maxLength'
          ? `keys must be at most ${String(params.limit)} characters long`
          : (hint ?? (err.keyword === 'pattern' ? `keys must match ${String(params.pattern)}` : (err.message ?? 'is invalid')));
    return {
      code: 'schema',
      file: source.path,
      position: source.positionOfKey(path, err.propertyName),
      message: `${subject}: key ${quoted(err.propertyName)} is not allowed: ${reason}`,
    };
  }
  switch (err.keyword) {
    case 'required': {
      const key = String(params.missingProperty);
      return source.diagnostic('schema', path, `${where === '' ? '' : `${where}: `}missing required key "${key}"`);
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((err.parentSchema as { properties?: object }).properties ?? {});
      const p = source.positionOfKey(path, key);
      return {
        code: 'schema',
        file: source.path,
        position: p,
        message: `${where === '' ? '' : `${where}: `}unknown key "${key}"${allowed.length ? ` (expected one of: ${allowed.join(', ')})` : ''}`,
      };
    }
    case 'enum':
      return source.diagnostic(
        'schema',
        path,
        `${subject} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${describe(err.data)})`,
      );
    case 'const':
      return source.diagnostic('schema', path, `${subject} must be ${JSON.stringify(params.allowedValue)} (got ${describe(err.data)})`);
    case 'type':
      return source.diagnostic('schema', path, `${subject} must be ${article(String(params.type))} (got ${describe(err.data)})`);
    case 'pattern':
      return source.diagnostic('schema', path, `${subject} ${describe(err.data)} ${hint ?? `must match ${String(params.pattern)}`}`);
    case 'format':
      return source.diagnostic('schema', path, `${subject} ${describe(err.data)} ${hint ?? `is not a valid ${String(params.format)}`}`);
    case 'minItems':
      return source.diagnostic('schema', path, `${subject} must list at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`);
    case 'maxItems':
      return source.diagnostic('schema', path, `${subject} may list at most ${String(params.limit)} items`);
    case 'minLength':
      return source.diagnostic('schema', path, `${subject} must be at least ${String(params.limit)} characters long`);
    case 'maxLength':
      return source.diagnostic(
        'schema',
        path,
        `${subject} must be at most ${String(params.limit)} characters long (got ${String((err.data as string).length)})`,
      );
    case 'minimum':
    case 'maximum':
      return source.diagnostic(
        'schema',
        path,
        `${subject} must be ${err.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)} (got ${describe(err.data)})`,
      );
    case 'not':
      // With an x-hint: a key the rest of the mapping rules out (`{ "not": {} }`), or
      // what the string grammar refuses (schema/strings.schema.json), said with its reason.
      return source.diagnostic('schema', path, `${subject} ${hint ?? 'is not allowed here'}`);
    case 'uniqueItems':
      return source.diagnostic('schema', path, `${subject} lists the same item twice (items ${String(params.j)} and ${String(params.i)})`);
    default:
      return source.diagnostic('schema', path, `${subject} ${err.message ?? 'is invalid'}`);
  }
}

function article(type: string): string {
  const words: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    null: 'null',
  };
  return type
    .split(',')
    .map((t) => words[t] ?? t)
    .join(' or ');
}
