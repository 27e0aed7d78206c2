// One YAML reading: the fast path (compiler/load/fastYaml.ts, js-yaml) returns exactly
// what yaml's positioned document returns, or declines. Proven on a generated corpus of
// YAML 1.2 core-schema scalars (numbers in every base and sign, booleans and nulls in
// every spelling, .inf/.nan, dates, times, underscores, near misses of each) placed in
// every position a manifest can hold one (plain, single- and double-quoted; mapping
// value and key; block and flow sequence; flow mapping), plus structures where the two
// parsers are known to part ways, and every fixture manifest. "Exactly" means type for
// type and key order: -0 is not 0, NaN is NaN, "5" is not 5.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DECLINED, readFast } from '../compiler/load/fastYaml.ts';
import { parseManifest } from '../compiler/load/parseManifest.ts';
import { FIXTURES, rawFile, rawFilesFrom, SAMPLE_TENANTS } from './helpers.ts';

const Y = suite('one YAML reading');

/** What yaml reads (the positioned path of parseManifest): the value, or "refused" with the diagnostics. */
function positioned(text: string): { ok: true; value: unknown } | { ok: false; codes: string[] } {
  const r = parseManifest(rawFile('corpus.yaml', text), { positioned: true });
  return r.source ? { ok: true, value: r.source.value } : { ok: false, codes: r.diagnostics.map((d) => d.code) };
}

/** Strict structural equality: same types, Object.is for numbers, same keys in the same order. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a === 'number') return Object.is(a, b);
  if (a === null || b === null || typeof a !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => sameValue(x, (b as unknown[])[i]));
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const show = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (typeof x === 'number' && (Object.is(x, -0) || !Number.isFinite(x)) ? `<number ${Object.is(x, -0) ? '-0' : x}>` : x));

interface Verdict {
  readonly text: string;
  readonly fast: 'taken' | 'declined';
}

/** The property for one document; returns whether the fast path took it. */
function agree(text: string, problems: string[]): Verdict {
  const fast = readFast(text);
  if (fast === DECLINED) return { text, fast: 'declined' };
  const ref = positioned(text);
  if (!ref.ok) problems.push(`${JSON.stringify(text)}: the fast path read ${show(fast)}, yaml refuses it (${ref.codes.join(', ')})`);
  else if (!sameValue(fast, ref.value)) problems.push(`${JSON.stringify(text)}: the fast path read ${show(fast)}, yaml ${show(ref.value)}`);
  return { text, fast: 'taken' };
}

/** Scalars of the YAML 1.2 core schema and their near misses (YAML 1.1 forms, wrong case, separators). */
function scalarCorpus(): string[] {
  const out = new Set<string>([
    // The list.
    '0b101',
    '0o17',
    '0x1F',
    'yes',
    '~',
    '.inf',
    '2001-12-14',
    '1_000',
    // Nulls and booleans, every spelling yaml knows and some it does not.
    ...['null', 'Null', 'NULL', 'nULL', 'nul', '~~', 'None', 'nil'],
    ...[
      'true',
      'True',
      'TRUE',
      'tRUE',
      'false',
      'False',
      'FALSE',
      'fALSE',
      'yes',
      'Yes',
      'YES',
      'no',
      'No',
      'NO',
      'on',
      'On',
      'off',
      'Off',
      'y',
      'Y',
      'n',
      'N',
    ],
    // Infinities and NaN.
    ...[
      '.inf',
      '.Inf',
      '.INF',
      '.iNF',
      '+.inf',
      '-.inf',
      '-.Inf',
      '+.INF',
      'inf',
      'Infinity',
      '-Infinity',
      '.nan',
      '.NaN',
      '.NAN',
      '.naN',
      '+.nan',
      '-.nan',
      'NaN',
      'nan',
    ],
    // Dates and times (strings in the core schema; timestamps in YAML 1.1).
    ...['2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2002-12-14T00:00:00Z', '12:30', '1:30:00', '190:20:30', '-1:30', '1:30.5'],
    // Separators and signs that YAML 1.1 allowed in numbers.
    ...['1_000', '1_000.5', '0x_1F', '0b1_01', '1,000', '1 000', '+', '-', '.', '..', '-.', '+.', '0.', '-0.', '+0.'],
    // Things that look like numbers.
    ...['1e', 'e3', '1e3e3', '1.2.3', '0x', '0o', '0b', '0xG', '0o8', '0b2', '12abc', '0x1F_0', '1f', '1d', '1L', '- 1', '1-1', '1+1', '=', '<', '>='],
    // Strings with meaning elsewhere.
    ...['acme', 'Acme Corp.', 'a b', 'a:b', 'http://x.example/a', 'a # not a comment', 'a#b', "it's", 'say "hi"', 'tab\there', 'ünïcödé', '日本', '\u00e9'],
  ]);
  // Numbers: sign × base prefix × digits, with fractions and exponents.
  const digits = ['0', '00', '1', '7', '8', '9', '12', '017', '089', '1F', 'ff', 'FF', '101', '123456789012345678901234', '9007199254740993'];
  for (const sign of ['', '-', '+']) {
    for (const prefix of ['', '0x', '0X', '0o', '0O', '0b', '0B', '0']) for (const d of digits) out.add(`${sign}${prefix}${d}`);
    for (const d of ['0', '1', '12', '']) {
      for (const frac of ['', '.', '.0', '.5', '.50', '.000']) {
        for (const exp of ['', 'e3', 'E3', 'e-2', 'e+1', 'E+01', 'e']) {
          const s = `${sign}${d}${frac}${exp}`;
          if (s !== sign) out.add(s);
        }
      }
    }
  }
  return [...out];
}

/** A scalar as a single-quoted and a double-quoted YAML scalar. */
const singleQuoted = (s: string) => `'${s.replace(/'/g, "''")}'`;
const doubleQuoted = (s: string) => JSON.stringify(s);

/**
 * Every position of a manifest a scalar can take: plain as a block value, a comment
 * after it, a block and a flow sequence entry, a flow mapping value, a block and a flow
 * key; quoted (the quotes make a string whatever it holds) as a value and a key.
 */
function documentsOf(s: string): string[] {
  const docs = [
    `kind: Tenant\nname: ${s}\n`,
    `name: ${s} # comment\n`,
    `list:\n  - ${s}\n  - x\n`,
    `flow: [${s}, x]\n`,
    `map: { key: ${s}, other: 1 }\n`,
    `tags:\n  ${s}: ${s}\n`,
    `map: { ${s}: x }\n`,
  ];
  for (const q of [singleQuoted(s), doubleQuoted(s)]) docs.push(`name: ${q}\n`, `tags: { ${q}: x }\n`, `${q}: [${q}]\n`);
  return docs;
}

/** Structures where js-yaml and yaml are known to differ, or where a parser could slip. */
const STRUCTURES = [
  // Null and empty keys: js-yaml names them "null", yaml "".
  '~: 1\n',
  'null: 1\n',
  'NULL: 1\n',
  ': 1\n',
  '{ ~: 1 }\n',
  '{ : x }\n',
  'a: [ : x ]\n',
  'a: {  :}\n',
  'a: {~:, b: 1}\n',
  'quotas: {~}\n',
  'a: {b: 1, null}\n',
  'a: [~, null]\n',
  // A document that is not a mapping: js-yaml reads a scalar indented by a tab, yaml refuses it.
  "\ta[ \"x\\ty\"\nb:'it''s'\n",
  '- a\n- b\n',
  'just a string\n',
  'a: { b: null, c: ~ }\n',
  '"null": 1\n',
  // What the manifests refuse (the positioned path reports each): anchors, aliases,
  // tags, merge keys, a second document; and a directive, which makes yaml read YAML 1.1.
  'a: &x 1\nb: *x\n',
  'a: !!str 1\n',
  'a: !custom x\n',
  '<<: { a: 1 }\n',
  'a: 1\n---\nb: 2\n',
  '%YAML 1.1\n---\na: yes\n',
  // Collections as keys, explicit keys.
  '[a, b]: 1\n',
  '{ a: 1 }: 2\n',
  '? a\n: 1\n',
  '? [a]\n: 1\n',
  '- ? a\n  : 1\n',
  // Duplicate keys, including ones equal only as strings.
  'a: 1\na: 2\n',
  '1: a\n"1": b\n',
  '0x1F: a\n31: b\n',
  'true: a\n"true": b\n',
  // Prototype keys.
  '__proto__: { polluted: true }\n',
  'constructor: 1\ntoString: 2\n',
  // Multi-line scalars, block scalars, chomping, indentation indicators.
  'a: one\n  two\n\n  three\n',
  'a: "one\n  two"\n',
  "a: 'one\n\n  two'\n",
  'a: |\n  x\n   y\n\n',
  'a: |-\n  x\n',
  'a: |+\n  x\n\n',
  'a: >\n  folded\n  text\n\n  para\n',
  'a: >2\n   indented\n',
  'a: |1\n  x\n',
  'a: >-\n\n  x\n',
  // Escapes.
  'a: "\\x41\\u263A\\U0001F600\\N\\_\\L\\P\\0\\a\\e\\t\\/\\ "\n',
  'a: "\\q"\n',
  'a: "line\\\n  continued"\n',
  // Whitespace: tabs, CRLF, a BOM, trailing spaces, no final newline.
  'a:\tb\n',
  'a: b\t\n',
  '\ta: b\n',
  'a:\n\t- b\n',
  'a: b\r\nc: d\r\n',
  '\uFEFFa: b\n',
  'a: b   \n',
  'a: b',
  // Comments and empties.
  '# only a comment\n',
  '',
  'a:\n',
  'a: \nb: ~\n',
  'a: []\nb: {}\n',
  'a: [ ]\n',
  'a: [a, b, ]\n',
  'a: { x: 1, }\n',
  'a: [a: 1]\n',
  'a: [ { b: 1 } ]\n',
  // Indentation.
  'a:\n  b: 1\n c: 2\n',
  'a:\n- b\n- c\n',
  'a:\n  - b\n  -c\n',
  '- - a\n  - b\n-   - c\n',
  'a: b: c\n',
  'a: - b\n',
  'a: [b\n',
  'a: "b\n',
  'a: }\n',
  '- a\nb: c\n',
  // Long keys and lines.
  `${'k'.repeat(1100)}: v\n`,
  `"${'\\u0041'.repeat(300)}": v\n`,
  `a: ${'v'.repeat(1100)}\n`,
  // Document markers and directives.
  '%YAML 1.2\n---\na: 1\n',
  'a: 1\n...\n',
  '--- a\n',
  // Where js-yaml reads valid or invalid YAML differently (each declined by a rule of fastYaml.ts):
  // an empty entry of a nested sequence swallows the next entry of its parent,
  '- -\n- x\n',
  'a:\n  - - # c\n  - x\n',
  '- - a\n  -\n- 1\n',
  // quoted scalars and flow collections over several lines, under yaml's indentation rules,
  "a: 'x\n  y'\n",
  "a: 'x\ny'\n",
  'a: "x\\\n  y"\n',
  'a: "x\\\ny"\n',
  'a: [1,\n 2]\n',
  'a: { x: 1,\n y: 2 }\n',
  'b: {x: 1,\n\uFEFF  y: 2}\n',
  // a comment touching a closing quote or bracket,
  "a: 'x'#c\n",
  'a: [x]#c\n',
  // a carriage return alone (a line break to js-yaml), a byte-order mark inside the text.
  'a: b\rc: d\n',
  'a: b\n\rc: d\n',
  'a: b\n\uFEFFc: d\n',
  // a tab in the indentation of a block scalar's blank line,
  'a: >-\n  f1\n\t  \nb: 1\n',
  // And what those rules must not catch: an apostrophe inside a plain scalar.
  "name: O'Brien\n",
  "list:\n  - it's\n",
  // Non-printable characters.
  'a: "\u0007"\n',
  'a: b\u0007\n',
  'a: b\u0085c\n',
  'a: b\u2028c\n',
];

Y('the fast path reads every scalar of the corpus, in every position, as yaml does (or declines it)', () => {
  const problems: string[] = [];
  const verdicts = scalarCorpus().flatMap((s) => documentsOf(s).map((d) => agree(d, problems)));
  assert.equal(problems, []);
  const taken = verdicts.filter((v) => v.fast === 'taken').length;
  // Most of the corpus is plain data: the fast path must take it, or it proves nothing.
  assert.ok(verdicts.length > 9000, `${verdicts.length} documents`);
  assert.ok(taken / verdicts.length > 0.8, `the fast path took ${taken} of ${verdicts.length}`);
});

Y("the issue's scalars: what a manifest value reads as, on both paths", () => {
  const read = (s: string) => {
    const text = `name: ${s}\n`;
    const ref = positioned(text);
    assert.ok(ref.ok, text);
    const fast = readFast(text);
    assert.is.not(fast, DECLINED, `the fast path takes ${JSON.stringify(text)}`);
    assert.ok(ref.ok && sameValue(fast, ref.value), `${text}: ${show(fast)} against ${ref.ok ? show(ref.value) : ''}`);
    return (fast as { name: unknown }).name;
  };
  assert.is(read('0b101'), '0b101', 'not the number 5: binary is YAML 1.1');
  assert.is(read('0o17'), 15);
  assert.is(read('0x1F'), 31);
  assert.is(read('-0x1F'), '-0x1F', 'no sign before a base prefix');
  assert.is(read('yes'), 'yes', 'not true: YAML 1.1');
  assert.is(read('~'), null);
  assert.is(read('.inf'), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(read('.nan')));
  assert.is(read('2001-12-14'), '2001-12-14', 'no timestamps in the core schema');
  assert.is(read('1_000'), '1_000', 'no separators in the core schema');
  assert.ok(Object.is(read('-0'), -0));
  assert.is(read('-.5'), -0.5);
  assert.is(read("'0x1F'"), '0x1F');
  assert.is(read('"1e3"'), '1e3');
  assert.is(read('1e3'), 1000);
});

Y('structures where the parsers part ways are read alike or declined', () => {
  const problems: string[] = [];
  const verdicts = STRUCTURES.map((d) => agree(d, problems));
  assert.equal(problems, []);
  // The known differences are declined, not read.
  for (const d of [
    '~: 1\n',
    'null: 1\n',
    '{ : x }\n',
    'a: {  :}\n',
    'a: {~:, b: 1}\n',
    'quotas: {~}\n',
    'a: {b: 1, null}\n',
    'a: &x 1\nb: *x\n',
    'a: !!str 1\n',
    '%YAML 1.1\n---\na: yes\n',
    '[a, b]: 1\n',
    '? a\n: 1\n',
    `${'k'.repeat(1100)}: v\n`,
    '- -\n- x\n',
    "a: 'x'#c\n",
    'a: b\rc: d\n',
    'a: b\n\uFEFFc: d\n',
  ])
    assert.is(verdicts.find((v) => v.text === d)?.fast, 'declined', JSON.stringify(d));
  // And ordinary structure is read by the fast path.
  for (const d of [
    'a: |-\n  x\n',
    'a: >\n  folded\n  text\n\n  para\n',
    'a: b\r\nc: d\r\n',
    '__proto__: { polluted: true }\n',
    "name: O'Brien\n",
    "list:\n  - it's\n",
    'a: { b: null, c: ~ }\n',
  ])
    assert.is(verdicts.find((v) => v.text === d)?.fast, 'taken', JSON.stringify(d));
});

/** Small deterministic PRNG (mulberry32), as bench/generateEstate.ts. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Y('seeded edits of the sample manifests (indicators, breaks, quotes, odd spaces): read alike or declined', () => {
  const rand = prng(23);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const bases = [
    ...rawFilesFrom(SAMPLE_TENANTS).map((f) => Buffer.from(f.bytes!).toString('utf8')),
    'a: [1, 2,\n  3]\nb: {x: 1,\n  y: 2}\n',
    "a: \"x\\ty\"\nb: 'it''s'\n",
    'a: |\n  l1\n  l2\nb: >-\n  f1\n  f2\n',
    'k: v # c\n# c\nl:\n  - 1\n  - {a: b}\n  - [c]\n  - - d\n    -\n',
  ];
  const inserts = [
    '\r',
    '\r\n',
    '\n',
    ' ',
    '\t',
    '- ',
    '-',
    ': ',
    ':',
    '#',
    ' #',
    "'",
    '"',
    '[',
    ']',
    '{',
    '}',
    ', ',
    '|',
    '>',
    '\\',
    '~',
    '\u00a0',
    '\u2028',
    '\u0085',
    '\uFEFF',
    '? ',
  ];
  const problems: string[] = [];
  let taken = 0;
  for (let i = 0; i < 2000; i++) {
    let doc = pick(bases);
    for (let e = 1 + Math.floor(rand() * 3); e > 0; e--) {
      const at = Math.floor(rand() * doc.length);
      doc = rand() < 0.7 ? doc.slice(0, at) + pick(inserts) + doc.slice(at) : doc.slice(0, at) + doc.slice(at + 1 + Math.floor(rand() * 3));
    }
    if (agree(doc, problems).fast === 'taken') taken++;
  }
  assert.equal(problems.slice(0, 5), []);
  assert.ok(taken > 700, `the fast path took ${taken} of 2000`);
});

Y('every fixture manifest and lock: both paths, the same value; the fast path takes the sample estate', () => {
  const problems: string[] = [];
  let compared = 0;
  for (const dir of [
    SAMPLE_TENANTS,
    join(FIXTURES, 'estates', 'minimal'),
    ...readdirSync(join(FIXTURES, 'invalid')).map((c) => join(FIXTURES, 'invalid', c)),
  ]) {
    for (const raw of rawFilesFrom(dir)) {
      if (!raw.bytes) continue;
      agree(Buffer.from(raw.bytes).toString('utf8'), problems);
      compared++;
    }
  }
  assert.equal(problems, []);
  assert.ok(compared > 40, `compared ${compared}`);
  // The tenants and the lock (a null value in a flow mapping is not a null key) take the fast path.
  const sample = [...rawFilesFrom(SAMPLE_TENANTS), rawFile('placement.lock.yaml', readFileSync(join(SAMPLE_TENANTS, 'placement.lock.yaml'), 'utf8'))];
  for (const f of sample.filter((x) => x.name !== 'platform.yaml'))
    assert.is.not(readFast(Buffer.from(f.bytes!).toString('utf8')), DECLINED, `${f.path} takes the fast path`);
});

Y.run();
