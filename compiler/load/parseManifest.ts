// Pure part of the load stage: bytes → SourceFile, with every problem of the file
// itself reported (encoding, size, YAML syntax and the YAML features we refuse).
//
// Why refuse anchors, aliases, merge keys and tags: a reviewer must understand a
// tenant file at a glance in a pull request. An alias makes a value depend on a line
// elsewhere (an "innocent" edit to an anchor changes another tenant's domains), and
// custom tags change how a value is read. Manifests are plain data, so none is needed.
import { LineCounter, parseAllDocuments, visit, isAlias, isPair, isScalar, type Document } from 'yaml';
import type { Diagnostic, DiagnosticCode } from '../diagnostics.ts';
import { LOCK_SIZE_CAP_BYTES, MANIFEST_SIZE_CAP_BYTES, PLACEMENT_LOCK_FILE, type RawFile } from './readManifests.ts';
import { DECLINED, readFast } from './fastYaml.ts';
import { SourceFile } from './sourceFile.ts';

export interface ParseResult {
  readonly source: SourceFile | null;
  readonly diagnostics: readonly Diagnostic[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `positioned: true` skips the fast path (tests compare the two). */
export function parseManifest(raw: RawFile, options: { readonly positioned?: boolean } = {}): ParseResult {
  const at = (code: DiagnosticCode, message: string, line = 1, col = 1): ParseResult => ({
    source: null,
    diagnostics: [{ code, file: raw.path, position: { line, col }, message }],
  });

  if (raw.readError) return at('file-unreadable', `cannot read file (${raw.readError})`);
  if (raw.bytes === null) {
    return raw.name === PLACEMENT_LOCK_FILE
      ? at('file-too-large', `file is ${raw.size} bytes, over the ${LOCK_SIZE_CAP_BYTES}-byte limit for the placement lock`)
      : at(
          'file-too-large',
          `file is ${raw.size} bytes, over the ${MANIFEST_SIZE_CAP_BYTES}-byte limit for a manifest; a manifest describes one tenant or the platform`,
        );
  }

  let text: string;
  try {
    text = utf8.decode(raw.bytes);
  } catch {
    const bad = firstInvalidUtf8(raw.bytes);
    const before = raw.bytes.subarray(0, bad);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < before.length; i++) if (before[i] === 0x0a) line++, (lineStart = i + 1);
    return at(
      'file-not-utf8',
      `file is not valid UTF-8 (byte 0x${raw.bytes[bad]?.toString(16).padStart(2, '0') ?? '??'} at offset ${bad}); save it as UTF-8`,
      line,
      bad - lineStart + 1,
    );
  }

  // A carriage return that does not end a CRLF pair: YAML readers disagree on it (js-yaml,
  // PyYAML and YAML 1.2 end a line there, `yaml` keeps reading a comment through it), so
  // a key hidden after one in a comment would be read by one tool and not another, and
  // a reviewer's editor may show either. Refused, with where it is.
  const loneCr = /\r(?!\n)/.exec(text);
  if (loneCr) {
    const before = text.slice(0, loneCr.index);
    const line = before.split('\n').length;
    return at(
      'yaml-syntax',
      'a carriage return that is not part of a CRLF line end: YAML readers disagree on whether it ends a line; save the file with LF (or CRLF) line ends',
      line,
      loneCr.index - before.lastIndexOf('\n'),
    );
  }

  // The fast path (fastYaml.ts) reads what yaml reads or declines; what it declines,
  // and every problem, is read and positioned by yaml.
  const fast = options.positioned ? DECLINED : readFast(text);
  if (fast !== DECLINED) return { source: new SourceFile(raw.path, raw.name, text, fast), diagnostics: [] };
  return parseSlow(raw, text, at);
}

function parseSlow(raw: RawFile, text: string, at: (code: DiagnosticCode, message: string) => ParseResult): ParseResult {
  const lineCounter = new LineCounter();
  // merge: false keeps `<<` an ordinary key so we can find and reject it; uniqueKeys
  // makes a duplicate key an error rather than "last one wins".
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, merge: false, prettyErrors: false });
  const positionAt = (offset: number) => lineCounter.linePos(offset);
  const diagnostics: Diagnostic[] = [];
  const report = (code: DiagnosticCode, offset: number, message: string) => {
    const { line, col } = positionAt(offset);
    diagnostics.push({ code, file: raw.path, position: { line, col }, message });
  };

  if (!Array.isArray(docs)) {
    // parseAllDocuments returns an EmptyStream for input with no documents.
    return at('file-empty', 'file is empty: a manifest needs at least a `kind` key');
  }
  if (docs.length === 0 || (docs.length === 1 && docs[0]!.contents === null)) {
    return at('file-empty', 'file is empty: a manifest needs at least a `kind` key');
  }
  for (const extra of docs.slice(1)) {
    report('yaml-multiple-documents', extra.range[0], 'a manifest holds exactly one YAML document: move this one to its own file');
  }

  const doc = docs[0] as Document.Parsed;
  for (const err of doc.errors) {
    const code: DiagnosticCode = err.code === 'DUPLICATE_KEY' ? 'yaml-duplicate-key' : 'yaml-syntax';
    const message =
      code === 'yaml-duplicate-key'
        ? `duplicate key: ${describeDuplicateKey(text, err.pos[0])} is already set in this mapping`
        : `YAML syntax error: ${err.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')}`;
    report(code, err.pos[0], message);
  }

  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        report('yaml-alias', node.range?.[0] ?? 0, `alias *${node.source} is not allowed: write the value out in full`);
        return;
      }
      // Anchor and tag tokens sit before the node's own range: point at the token.
      if (node.anchor) {
        report('yaml-anchor', text.lastIndexOf('&', node.range?.[0] ?? 0), `anchor &${node.anchor} is not allowed: manifests are plain data`);
      }
      if (node.tag) {
        report('yaml-tag', text.lastIndexOf('!', node.range?.[0] ?? 0), `tag ${shortTag(node.tag)} is not allowed: manifests use plain YAML values`);
      }
    },
    Pair(_key, pair) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === '<<') {
        report('yaml-merge-key', pair.key.range?.[0] ?? 0, 'merge key `<<` is not allowed: write the keys out in full');
      }
    },
  });

  if (diagnostics.length > 0) return { source: null, diagnostics };
  return { source: new SourceFile(raw.path, raw.name, text, doc.toJS(), { doc, lineCounter }), diagnostics };
}

function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

function describeDuplicateKey(text: string, offset: number): string {
  const m = /^[^\s:#]+|^"[^"]*"|^'[^']*'/.exec(text.slice(offset, offset + 200));
  return m ? `key ${m[0].startsWith('"') || m[0].startsWith("'") ? m[0] : `"${m[0]}"`}` : 'this key';
}

/** Offset of the first byte of the first invalid UTF-8 sequence (RFC 3629). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong three-byte forms, UTF-16 surrogates, and code points above U+10FFFF.
    const c1 = bytes[i + 1] ?? 0;
    if ((b === 0xe0 && c1 < 0xa0) || (b === 0xed && c1 >= 0xa0) || (b === 0xf0 && c1 < 0x90) || (b === 0xf4 && c1 >= 0x90)) return i;
    i += need + 1;
  }
  return bytes.length;
}
