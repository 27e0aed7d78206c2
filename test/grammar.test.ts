// One grammar for every manifest string (schema/strings.schema.json). The schemas are
// walked: every string they declare, wherever it is nested (a map's keys and values
// too), must name a kind of the grammar and a length cap; then each hostile payload is
// put in each of them, in a fixture estate that holds every string once, and the
// compile must refuse it at that string's line and column, saying why. The price table
// (`--prices FILE`, schema/prices.schema.json) is held to the same grammar: it is a
// file of the repository a pull request can change, and its words reach the status
// page, the terminal and diagnostics.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type Scalar } from 'yaml';
import { type Diagnostic, formatDiagnostic, formatPath } from '../compiler/diagnostics.ts';
import { PLACEMENT_LOCK_FILE, type RawFile } from '../compiler/load/readManifests.ts';
import { checkEstate, compileSources, parseSources } from '../compiler/pipeline.ts';
import { PRICED_TYPES } from '../compiler/status/pricers.ts';
import { checkedTable } from '../compiler/status/prices.ts';
import { quoted } from '../compiler/validate/schema.ts';
import { grammarViolation } from '../compiler/plan/manifestText.ts';
import { parseManifest } from '../compiler/load/parseManifest.ts';
import { FIXTURES, rawFile, ROOT } from './helpers.ts';

const G = suite('string grammar');

type SchemaNode = { readonly [key: string]: unknown };
type Seg = string | '*';

const SCHEMA_DIR = join(ROOT, 'schema');
const GRAMMAR_FILE = 'strings.schema.json';
const KINDS = ['text', 'identifier', 'httpsUrl', 'email', 'tagKey', 'tagValue'];
const readSchema = (file: string): SchemaNode => JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8'));

/** A string the schemas declare: the values at `path` (`*`: every item or map value), or the keys of the mapping there. */
interface StringField {
  readonly schema: string;
  /** JSON pointer of its schema, for messages. */
  readonly pointer: string;
  readonly path: readonly Seg[];
  readonly key: boolean;
  /** Its grammar kind, its length cap and its own pattern, following `$ref`s. */
  readonly kind: string | null;
  readonly maxLength: number | null;
  readonly pattern: string | null;
}

/** Follows a node's `$ref` chain (within schema/) and gathers what it says about a string. */
function describeString(schemas: ReadonlyMap<string, SchemaNode>, file: string, node: SchemaNode) {
  let kind: string | null = null;
  let maxLength: number | null = null;
  let pattern: string | null = null;
  let current: SchemaNode | undefined = node;
  let at = file;
  for (let hops = 0; current && hops < 10; hops++) {
    if (typeof current.maxLength === 'number') maxLength = Math.min(maxLength ?? Infinity, current.maxLength);
    if (typeof current.pattern === 'string' && at !== GRAMMAR_FILE) pattern ??= current.pattern;
    const ref: unknown = current.$ref;
    if (typeof ref !== 'string') break;
    const [target, pointer = ''] = (ref as string).split('#') as [string, string?];
    at = target || at;
    const kindMatch = at === GRAMMAR_FILE ? /^\/\$defs\/([A-Za-z]+)$/.exec(pointer) : null;
    if (kindMatch) kind ??= kindMatch[1]!;
    let next: SchemaNode | undefined = schemas.get(at);
    for (const seg of pointer.split('/').slice(1)) next = next?.[seg] as SchemaNode | undefined;
    current = next;
  }
  return { kind, maxLength, pattern };
}

/** Every string field of `file`'s schema (`root` is that schema, or a doctored copy of it). */
export function stringFields(schemas: ReadonlyMap<string, SchemaNode>, file: string, root: SchemaNode): StringField[] {
  const out: StringField[] = [];
  const visit = (node: unknown, pointer: string, path: readonly Seg[], key = false) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const n = node as SchemaNode;
    const types = Array.isArray(n.type) ? n.type : [n.type];
    const refersToString = typeof n.$ref === 'string' && n.enum === undefined && n.const === undefined;
    if (key || types.includes('string') || (refersToString && n.type === undefined && describeString(schemas, file, n).kind)) {
      if (n.enum === undefined && n.const === undefined) out.push({ schema: file, pointer, path, key, ...describeString(schemas, file, n) });
    }
    for (const [name, child] of Object.entries((n.properties as SchemaNode | undefined) ?? {})) visit(child, `${pointer}/properties/${name}`, [...path, name]);
    if (n.items) visit(n.items, `${pointer}/items`, [...path, '*']);
    if (n.additionalProperties && typeof n.additionalProperties === 'object') visit(n.additionalProperties, `${pointer}/additionalProperties`, [...path, '*']);
    if (n.propertyNames) visit(n.propertyNames, `${pointer}/propertyNames`, path, true);
    for (const combinator of ['allOf', 'anyOf', 'oneOf'])
      for (const [i, child] of ((n[combinator] as unknown[] | undefined) ?? []).entries()) visit(child, `${pointer}/${combinator}/${i}`, path);
    for (const branch of ['if', 'then', 'else']) visit(n[branch], `${pointer}/${branch}`, path);
    // A structure defined once and referred to (prices.schema.json's $defs/price): walked where it is used.
    const ref = n.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/') && !followed.has(ref)) {
      let target: unknown = root;
      for (const seg of ref.slice(2).split('/')) target = (target as SchemaNode | undefined)?.[seg];
      if (target && typeof target === 'object' && (target as SchemaNode).type === 'object') {
        followed.add(ref);
        visit(target, `${pointer} → ${ref}`, path);
        followed.delete(ref);
      }
    }
  };
  const followed = new Set<string>();
  visit(root, '#', []);
  // A field declared again under if/then (to require it) is one field.
  const seen = new Set<string>();
  return out.filter((f) => {
    const id = `${f.path.join('.')}${f.key ? ' (keys)' : ''}`;
    return !seen.has(id) && (seen.add(id), true);
  });
}

const SCHEMA_FILES = ['platform.schema.json', 'tenant.schema.json', 'placement-lock.schema.json', 'prices.schema.json'];
const SCHEMAS = new Map([...SCHEMA_FILES, GRAMMAR_FILE].map((f) => [f, readSchema(f)]));

/** What a string field lacks to be covered by the grammar; empty when it is. */
function grammarProblems(f: StringField): string[] {
  const where = `schema/${f.schema}${f.pointer.slice(1)} (${formatPath(f.path.map((s) => (s === '*' ? 0 : s)))}${f.key ? ' keys' : ''})`;
  const problems: string[] = [];
  if (!f.kind || !KINDS.includes(f.kind))
    problems.push(`${where} is a string without a kind of the grammar: give it "$ref": "${GRAMMAR_FILE}#/$defs/<${KINDS.join(' | ')}>"`);
  if (f.maxLength === null) problems.push(`${where} has no maxLength`);
  if (f.kind === 'identifier' && f.pattern === null) problems.push(`${where} is an identifier without a pattern of its own`);
  return problems;
}

G('every string of every schema names a kind of the grammar, a length cap and, for an identifier, its own pattern', () => {
  const fields = SCHEMA_FILES.flatMap((file) => stringFields(SCHEMAS, file, SCHEMAS.get(file)!));
  assert.equal(fields.flatMap(grammarProblems), []);
  // The walk reaches nested strings, map keys and map values (a walk that found little would pass).
  const found = new Set(fields.map((f) => `${f.schema} ${f.path.join('.')}${f.key ? ' (keys)' : ''}`));
  for (const expected of [
    'tenant.schema.json auth.federation.clientId',
    'tenant.schema.json contacts.*.name',
    'tenant.schema.json tags (keys)',
    'tenant.schema.json tags.*',
    'platform.schema.json tiers (keys)',
    'platform.schema.json tiers.*.description',
    'platform.schema.json review.suppressions.*.reason',
    'platform.schema.json name',
    'placement-lock.schema.json tenants (keys)',
    'placement-lock.schema.json removed.*.removed',
    'placement-lock.schema.json removed.*.identity.name',
    'placement-lock.schema.json removed.*.identity.owners.*.email',
    'placement-lock.schema.json tenants.*.identity.domains.*',
    'platform.schema.json userContentDomain',
    'platform.schema.json app.ami',
    'tenant.schema.json dns.platformDomain',
    'prices.schema.json prices (keys)',
    'prices.schema.json prices.*.source',
    'prices.schema.json assumptions.*.unit',
    'prices.schema.json resourceTypes.*.prices.*',
    'prices.schema.json resourceTypes.*.reason',
  ])
    assert.ok(found.has(expected), `the walk missed ${expected}`);
  assert.ok(fields.length >= 68, `only ${fields.length} string fields found`);
});

G('a string added without the grammar fails the walk (the test above can fail)', () => {
  const tenant = structuredClone(SCHEMAS.get('tenant.schema.json')!) as { properties: Record<string, unknown> };
  tenant.properties.nickname = { type: 'string', maxLength: 40 };
  (tenant.properties.contacts as { items: { properties: Record<string, unknown> } }).items.properties.phone = { type: 'string', pattern: '^[0-9+ ]+$' };
  (tenant.properties.tags as { propertyNames: unknown }).propertyNames = { pattern: '^[a-z]+$' };
  const problems = stringFields(SCHEMAS, 'tenant.schema.json', tenant).flatMap(grammarProblems);
  assert.equal(
    problems.map((p) => p.slice(0, p.indexOf(')') + 1)),
    [
      'schema/tenant.schema.json/properties/contacts/items/properties/phone (contacts[0].phone)',
      'schema/tenant.schema.json/properties/contacts/items/properties/phone (contacts[0].phone)',
      'schema/tenant.schema.json/properties/tags/propertyNames (tags keys)',
      'schema/tenant.schema.json/properties/tags/propertyNames (tags keys)',
      'schema/tenant.schema.json/properties/nickname (nickname)',
    ],
  );
});

G('a string without the grammar in a structure the price table refers to ($defs) fails the walk too', () => {
  const prices = structuredClone(SCHEMAS.get('prices.schema.json')!) as { $defs: { price: { properties: Record<string, unknown> } } };
  prices.$defs.price.properties.vendor = { type: 'string', maxLength: 40 };
  const problems = stringFields(SCHEMAS, 'prices.schema.json', prices).flatMap(grammarProblems);
  assert.equal(
    problems.map((p) => p.slice(0, p.indexOf(')') + 1)),
    ['schema/prices.schema.json/properties/prices/additionalProperties → #/$defs/price/properties/vendor (prices[0].vendor)'],
  );
});

// ---------------------------------------------------------------------------------
// Each payload in each string of an estate that holds every string once.

const ESTATE = join(FIXTURES, 'grammar');
const PRICE_FILES = ['prices.yaml', 'prices-unpriced.yaml'];
const FILE_OF_SCHEMA: Record<string, readonly string[]> = {
  'platform.schema.json': ['platform.yaml'],
  'tenant.schema.json': ['acme.yaml', 'globex.yaml'],
  'placement-lock.schema.json': [PLACEMENT_LOCK_FILE],
  'prices.schema.json': PRICE_FILES,
};
const ESTATE_FILES = ['platform.yaml', 'acme.yaml', 'globex.yaml', PLACEMENT_LOCK_FILE];
const estateText = new Map([...ESTATE_FILES, ...PRICE_FILES].map((f) => [f, readFileSync(join(ESTATE, f), 'utf8')]));

/** The price table as `--prices` reads it: its schema, then its rules. */
function checkPrices(file: string, text: string) {
  const parsed = parseManifest({ path: file, name: file, size: text.length, bytes: Buffer.from(text) });
  return parsed.source ? checkedTable(parsed.source, PRICED_TYPES) : { ok: false as const, diagnostics: parsed.diagnostics };
}

/**
 * The fixture's manifests as parseSources reads them, parsed once: a compile below
 * changes one file of the estate, and the others parse to the same result every time
 * (parseManifest is a function of the file's bytes), so only the changed one is parsed
 * again. The sources are combined in file order, as parseSources combines them.
 */
const parsedEstate = new Map<string, ReturnType<typeof parseSources>>();
function parsedManifest(file: string, text: string) {
  if (text !== estateText.get(file)) return parseSources([rawFile(file, text)]);
  let parsed = parsedEstate.get(file);
  if (!parsed) parsedEstate.set(file, (parsed = parseSources([rawFile(file, text)])));
  return parsed;
}

function compileEstate(texts: ReadonlyMap<string, string>, check = false) {
  const parsed = ESTATE_FILES.filter((f) => f !== PLACEMENT_LOCK_FILE).map((f) => parsedManifest(f, texts.get(f)!));
  const loaded = {
    sources: parsed.flatMap((p) => p.sources),
    diagnostics: parsed.flatMap((p) => p.diagnostics),
    lock: rawFile(PLACEMENT_LOCK_FILE, texts.get(PLACEMENT_LOCK_FILE)!),
  };
  return check ? checkEstate('tenants', loaded) : compileSources('tenants', loaded);
}

const REASON = {
  dynamicReference: 'must not contain "{{" (CloudFormation would resolve it as a dynamic reference)',
  closing: 'must not contain "}}" (it would close a dynamic reference or a template placeholder)',
  sub: 'must not contain "${" (Fn::Sub would substitute it, and IAM would read it as a policy variable)',
  oneLine: 'must be one line (a line break would start a line of its own in handover files, SQL, diffs and terminals)',
  control: 'must not contain control characters such as a tab or an escape (U+0000-U+001F, U+007F-U+009F: a terminal acts on them)',
  invisible:
    'must not contain invisible formatting characters such as U+200B (zero width space) or U+202E (right-to-left override): a reviewer would read something other than what is compiled',
  printable: 'must be printable text (no unpaired surrogate and no private-use character)',
} as const;

const HUGE = 5000;
const PAYLOADS: readonly { readonly name: string; readonly value: string; readonly reason: string | null }[] = [
  {
    name: 'a dynamic reference',
    value: '{{resolve:secretsmanager:/tessera/tenants/globex/app-credentials:SecretString:signingKey}}',
    reason: REASON.dynamicReference,
  },
  { name: 'an SSM dynamic reference', value: 'x{{resolve:ssm:/tessera/tenants/globex/domains}}', reason: REASON.dynamicReference },
  { name: 'closing braces', value: 'x}}', reason: REASON.closing },
  { name: 'a Sub variable', value: '${AWS::AccountId}', reason: REASON.sub },
  { name: 'an IAM policy variable', value: 'a${aws:username}', reason: REASON.sub },
  { name: 'a line break', value: 'first\nrm -rf ~', reason: REASON.oneLine },
  { name: 'a carriage return', value: 'first\rsecond', reason: REASON.oneLine },
  { name: 'a line separator', value: 'first\u2028second', reason: REASON.oneLine },
  { name: 'an ANSI escape', value: 'a\u001b[2J\u001b[31mb', reason: REASON.control },
  { name: 'a tab', value: 'a\tb', reason: REASON.control },
  { name: 'a NUL', value: 'a\u0000b', reason: REASON.control },
  { name: 'a C1 control (CSI)', value: 'a\u009b31mb', reason: REASON.control },
  { name: 'a right-to-left override', value: 'a\u202eb', reason: REASON.invisible },
  { name: 'a zero width space', value: 'a\u200bb', reason: REASON.invisible },
  { name: 'a lone surrogate', value: 'a\ud800b', reason: REASON.printable },
  { name: 'a private-use character', value: 'a\ue000b', reason: REASON.printable },
  { name: 'a huge string', value: 'a'.repeat(HUGE), reason: null },
];

/** The YAML nodes of `path` in `doc` (the first item or entry for each `*`), with their concrete paths. */
/**
 * The node at `path`; `*` is the first entry under which the rest of the path exists
 * (entries of one map may hold different branches of a oneOf: the lock's sign-in is
 * SAML in one identity, OIDC in another).
 */
function nodeAt(doc: Document, path: readonly Seg[]): { node: Node; path: (string | number)[] } | null {
  const walk = (node: unknown, rest: readonly Seg[], concrete: (string | number)[]): { node: Node; path: (string | number)[] } | null => {
    if (rest.length === 0) return node ? { node: node as Node, path: concrete } : null;
    const [seg, ...tail] = rest;
    if (isMap(node)) {
      const pairs = seg === '*' ? node.items : node.items.filter((p) => isScalar(p.key) && p.key.value === seg);
      for (const pair of pairs) {
        const found = walk(pair.value, tail, [...concrete, String((pair.key as Scalar).value)]);
        if (found) return found;
      }
      return null;
    }
    if (isSeq(node) && seg === '*') {
      for (const [i, item] of node.items.entries()) {
        const found = walk(item, tail, [...concrete, i]);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(doc.contents, path, []);
}

interface Placed {
  readonly field: StringField;
  /** Where the diagnostic must point, and the subject of its message. */
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** Each estate file's YAML document, parsed once; placeAll() edits a clone of it. */
const estateDocs = new Map([...estateText].map(([f, text]) => [f, parseDocument(text)]));

/** Where field `f` is in `file`'s unchanged document: its node's concrete path, and for a key the map's path. */
function target(file: string, f: StringField): { path: (string | number)[]; mapPath: (string | number)[] } | null {
  const found = nodeAt(estateDocs.get(file)!, f.path);
  if (!found) return null;
  if (!f.key) return { path: found.path, mapPath: found.path };
  if (!isMap(found.node) || found.node.items.length === 0) return null;
  return { path: [...found.path, String((found.node.items[0]!.key as Scalar).value)], mapPath: found.path };
}

const startsWith = (path: readonly (string | number)[], prefix: readonly (string | number)[]) =>
  prefix.length <= path.length && prefix.every((seg, i) => seg === path[i]);

/**
 * The fields of one file, in groups that each take a payload at once: a key's payload
 * renames the entry every path through that key goes by, so a key field never shares a
 * group with a field under its key (each message names the path as it is unchanged).
 */
function groups(file: string, fields: readonly StringField[]): StringField[][] {
  const out: { fields: StringField[]; paths: (string | number)[][]; keys: (string | number)[][] }[] = [];
  for (const f of fields) {
    const path = target(file, f)!.path;
    const fits = (g: (typeof out)[number]) => g.keys.every((k) => !startsWith(path, k)) && (!f.key || g.paths.every((p) => !startsWith(p, path)));
    let g = out.find(fits);
    if (!g) out.push((g = { fields: [], paths: [], keys: [] }));
    g.fields.push(f);
    g.paths.push(path);
    if (f.key) g.keys.push(path);
  }
  return out.map((g) => g.fields);
}

/**
 * Puts `payload` in every field of `fields` of `file` at once (its value, or its first
 * key), and says where each must be refused: read back from the text, as the compiler
 * reads it.
 */
function placeAll(file: string, fields: readonly StringField[], payload: (typeof PAYLOADS)[number]): { text: string; placed: Placed[] } {
  const doc = estateDocs.get(file)!.clone();
  const at = fields.map((f) => ({ f, ...target(file, f)! }));
  // Values first, by their unchanged paths; then keys, on the map node itself.
  for (const { f, path } of at) if (!f.key) doc.setIn(path, doc.createNode(payload.value));
  for (const { f, mapPath } of at) if (f.key) (doc.getIn(mapPath, true) as { items: { key: unknown }[] }).items[0]!.key = doc.createNode(payload.value);
  const text = String(doc);
  const lines = new LineCounter();
  const back = parseDocument(text, { lineCounter: lines });
  const placed = at.map(({ f, mapPath }) => {
    const node = nodeAt(back, f.path);
    assert.ok(node, `${payload.name} could not be placed in ${file} ${f.path.join('.')}`);
    const t = f.key && isMap(node!.node) ? (node!.node.items[0]!.key as Node) : node!.node;
    const { line, col } = lines.linePos(t.range![0]);
    const reason =
      payload.reason ?? (f.key ? `keys must be at most ${f.maxLength} characters long` : `must be at most ${f.maxLength} characters long (got ${HUGE})`);
    const message = f.key ? `${formatPath(mapPath)}: key ${quoted(payload.value)} is not allowed: ${reason}` : `${formatPath(mapPath)} ${reason}`;
    return { field: f, line, col, message };
  });
  return { text, placed };
}

G('the fixture estate that holds every string once is valid', () => {
  const r = compileEstate(estateText, true);
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.map(formatDiagnostic).join('\n'));
  for (const file of PRICE_FILES) {
    const prices = checkPrices(file, estateText.get(file)!);
    assert.ok(prices.ok, prices.ok ? '' : prices.diagnostics.map(formatDiagnostic).join('\n'));
  }
});

// One compile per payload, file and group: each diagnostic names its string's file,
// line, column and path, so a refusal is still told apart string by string.
G('each payload in each string is refused at that string, with the reason, and only the reason', () => {
  let refused = 0;
  let compiles = 0;
  const byFile = new Map<string, StringField[]>();
  for (const schema of SCHEMA_FILES) {
    for (const f of stringFields(SCHEMAS, schema, SCHEMAS.get(schema)!)) {
      const file = FILE_OF_SCHEMA[schema]!.find((candidate) => target(candidate, f));
      assert.ok(file, `test/fixtures/grammar lacks ${formatPath(f.path.map((s) => (s === '*' ? 0 : s)))} of ${schema}: add it, so each payload is tried in it`);
      byFile.set(file!, [...(byFile.get(file!) ?? []), f]);
    }
  }
  for (const [file, fields] of byFile) {
    for (const group of groups(file, fields)) {
      for (const payload of PAYLOADS) {
        const { text, placed } = placeAll(file, group, payload);
        const priceTable = PRICE_FILES.includes(file);
        const r = priceTable ? checkPrices(file, text) : compileEstate(new Map([...estateText, [file, text]]));
        compiles++;
        assert.is(r.ok, false, `${payload.name} in ${file} compiled`);
        if (r.ok) continue;
        const printed = r.diagnostics.map(formatDiagnostic);
        for (const p of placed) {
          const where = `${payload.name} in ${file} ${formatPath(p.field.path.map((s) => (s === '*' ? 0 : s)))}${p.field.key ? ' (key)' : ''}`;
          const expected: Diagnostic = {
            code: file === PLACEMENT_LOCK_FILE ? 'lock-file' : 'schema',
            file: priceTable ? file : `tenants/${file}`,
            position: { line: p.line, col: p.col },
            message: p.message,
          };
          assert.ok(
            r.diagnostics.some(
              (d) =>
                d.code === expected.code &&
                d.file === expected.file &&
                d.message === expected.message &&
                d.position.line === expected.position.line &&
                d.position.col === expected.position.col,
            ),
            `${where}: expected\n  ${formatDiagnostic(expected)}\ngot\n  ${printed.join('\n  ')}`,
          );
          refused++;
        }
        // No raw dump of ajv's: a pattern repeated at the reader, "must NOT be valid".
        for (const p of printed) assert.not.match(p, /must match \^|must NOT be valid|must match format/, `${payload.name} in ${file}: ${p}`);
      }
    }
  }
  assert.ok(refused >= 68 * PAYLOADS.length, `only ${refused} refusals checked`);
  // Grouped: a handful of compiles per payload, not one per string.
  assert.ok(compiles < 20 * PAYLOADS.length, `${compiles} compiles`);
});

G('emit checks each refusal of the grammar again, and names it as the schema does (one test for all, then each in order)', () => {
  const checks = (JSON.parse(readFileSync(join(SCHEMA_DIR, GRAMMAR_FILE), 'utf8')) as { $defs: { checks: { allOf: { 'x-hint': string }[] } } }).$defs.checks
    .allOf;
  // One text per check, in the schema's order, each breaking that check and no earlier one.
  const breaking = ['a {{resolve}}', 'b }} c', 'x ${AWS::Region}', 'two\nlines', 'tab\there', 'zero\u200bwidth', 'private \ue000 use'];
  assert.is(breaking.length, checks.length, 'one text per check of the grammar');
  breaking.forEach((text, i) => assert.is(grammarViolation(text), checks[i]!['x-hint'], JSON.stringify(text)));
  // Two refusals in one text: the first check's reason.
  assert.is(grammarViolation('{{ and \t'), checks[0]!['x-hint']);
  for (const fine of ['', 'Globex Europe', 'owner@globex.example.org', '{ a } } {', '$ {x}', 'caf\u00e9 \u4e2d\u6587 \u{1f600}'])
    assert.is(grammarViolation(fine), null, JSON.stringify(fine));
});

G.run();
