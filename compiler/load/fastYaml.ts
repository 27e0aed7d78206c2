// The fast path of YAML reading: js-yaml, several times faster than composing yaml's
// positioned document, made to read exactly what yaml reads or to decline and leave
// the file to yaml (parseManifest.ts), which is the reference. yaml stays the only
// reading of a file that holds a problem: every diagnostic is positioned by yaml.
//
// "Exactly" is proven by test/yamlFastPath.test.ts: a generated corpus of YAML 1.2
// core-schema scalars in every position (plain, quoted, keys, flow and block
// collections), the structures where the two parsers part ways, seeded edits of the
// sample manifests and every fixture. Whatever the fast path returns equals what yaml
// returns, type for type (-0, NaN) and key for key, and it declines what yaml refuses.
// Each rule below has a case there that fails without it.
//
// It holds because of two things:
//   - plain scalars resolve by yaml's own core-schema rules (yaml/dist/schema/core):
//     js-yaml's CORE_SCHEMA is YAML 1.1-flavoured and reads `0b101` as 5, `-0x1F` as
//     -31, `-0` as 0 and `-.5` as a string;
//   - text holding a construct where the two differ, or may, is declined (mayDiffer).
import jsYaml from 'js-yaml';

/** What readFast returns when the text must be read by yaml's positioned parser. */
export const DECLINED: unique symbol = Symbol('declined');

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A number, sign or dot can start a number; anything else cannot (most scalars are words). */
const mayBeNumber = (s: string) => {
  const c = s.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
};

const scalarType = (tag: string, resolve: (s: string) => boolean, construct: (s: string) => unknown) =>
  new jsYaml.Type(`tag:yaml.org,2002:${tag}`, { kind: 'scalar', resolve, construct });

/**
 * yaml's core schema (yaml/dist/schema/core, common/null.js): null, bool, int (octal,
 * decimal, hex), float (.inf/.nan, exponent, fraction), tried in that order, the first
 * that matches wins; the same regular expressions and the same conversions. One js-yaml
 * type per tag: a schema keeps only the last type of a tag.
 */
const YAML_CORE = jsYaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    // js-yaml asks every plain scalar, every key included, whether it is a null then a
    // bool: a length neither can have answers without the regular expression.
    scalarType(
      'null',
      (s) => (s.length === 0 || s.length === 1 || s.length === 4) && NULL.test(s),
      () => null,
    ),
    scalarType(
      'bool',
      (s) => (s.length === 4 || s.length === 5) && BOOL.test(s),
      (s) => s[0] === 't' || s[0] === 'T',
    ),
    scalarType(
      'int',
      (s) => mayBeNumber(s) && (INT_OCT.test(s) || INT.test(s) || INT_HEX.test(s)),
      (s) => (INT_OCT.test(s) ? parseInt(s.slice(2), 8) : INT.test(s) ? parseInt(s, 10) : parseInt(s.slice(2), 16)),
    ),
    scalarType(
      'float',
      (s) => mayBeNumber(s) && (FLOAT_NAN.test(s) || FLOAT_EXP.test(s) || FLOAT.test(s)),
      (s) =>
        FLOAT_NAN.test(s)
          ? s.slice(-3).toLowerCase() === 'nan'
            ? Number.NaN
            : s[0] === '-'
              ? Number.NEGATIVE_INFINITY
              : Number.POSITIVE_INFINITY
          : parseFloat(s),
    ),
  ],
});

/** yaml refuses an implicit key over 1,024 characters (YAML 1.2, 7.4.2); js-yaml does not. A line this long is declined. */
const LONG_LINE = 1000;

const isSpace = (c: string | undefined) => c === ' ' || c === '\t';
const isBreakOrEnd = (c: string | undefined) => c === undefined || c === '\n' || c === '\r';
const isSpaceOrEnd = (c: string | undefined) => isSpace(c) || isBreakOrEnd(c);
/**
 * A null key, which js-yaml names "null" and yaml "": `~:`, `null:`, `Null:`, `NULL:`
 * (an empty key is a `:` where a key may start). In a flow collection `:` may touch `,`
 * `]` `}` (`{~:}`); outside one, `~:,` is a plain scalar, declined all the same. In a
 * flow mapping a key may go without `:` (`{~}`, `{null, a: 1}`).
 */
const NULL_KEY = /(?:~|null|Null|NULL)[ \t]*:(?:[ \t\r\n,\]}]|$)/y;
const FLOW_NULL_KEY = /(?:~|null|Null|NULL)[ \t]*[,}]/y;

/**
 * Characters that change nothing in mayDiffer's scan while no token can start and no
 * flow collection is open: all but the markers it declines (`&` `*` `!` `<`), a
 * comment's `#`, the `:` and `-` after which a token may start, and line ends.
 */
const PLAIN_RUN = /[^&*!<#:\-\n\r]+/y;

/**
 * Whether the text may hold a construct js-yaml reads otherwise than yaml, in one pass
 * over its characters. Over-broad on purpose (a `*` in a quoted string declines too):
 * declining costs time, never correctness. Declined:
 *   - anywhere: a byte-order mark, a carriage return alone (a line break to js-yaml,
 *     content to yaml); outside comments and quoted scalars: anchors (&), aliases (*),
 *     tags (!), merge keys (<<); document markers (--- and ... at a line start); a tab
 *     in a line's indentation; a line of LONG_LINE characters or more;
 *   - where a scalar may start (the line's start, after `: `, `- `, `[`, `{`, `,`):
 *     an explicit key (`? `), a null key, an empty key, an empty sequence entry (`-` and
 *     nothing else on the line: js-yaml then swallows the parent's next entry);
 *   - a quoted scalar or a flow collection that runs past the end of its line (yaml
 *     enforces indentation rules there that js-yaml does not), a flow collection used
 *     as a key (`]:`), a comment touching a closing quote or bracket (`'x'#`).
 * A quote inside a plain scalar (`O'Brien`) opens nothing.
 */
function mayDiffer(text: string): boolean {
  // Anywhere, in a comment or a quoted scalar too.
  if (text.includes('\uFEFF')) return true;
  for (let k = text.indexOf('\r'); k !== -1; k = text.indexOf('\r', k + 1)) if (text[k + 1] !== '\n') return true;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const lineStart = i;
    // A tab in a line's indentation: yaml refuses it where js-yaml does not always (a
    // blank line of a block scalar).
    for (let j = i; text[j] === ' ' || text[j] === '\t'; j++) if (text[j] === '\t') return true;
    if ((text.startsWith('---', i) || text.startsWith('...', i)) && isSpaceOrEnd(text[i + 3])) return true;
    /** The open flow collections of the line, innermost last: `[` or `{`. */
    let flow = '';
    let tokenStart = true;
    /** Right after `{` or a `,` of a flow mapping: where a key may go without its `:`. */
    let flowKey = false;
    for (; i < n && text[i] !== '\n'; i++) {
      // Where no token can start and no flow collection is open, every character but
      // those of PLAIN_RUN's complement leaves the state as it is (tokenStart and flowKey
      // stay false): a run of them is skipped in one step of the regular expression
      // engine rather than one turn of this loop each (most of a manifest's text).
      if (!tokenStart && flow === '') {
        PLAIN_RUN.lastIndex = i;
        if (PLAIN_RUN.test(text)) {
          i = PLAIN_RUN.lastIndex - 1;
          continue;
        }
      }
      const c = text[i]!;
      const next = text[i + 1];
      if (c === ' ' || c === '\t') continue;
      if (c === '\r') continue;
      if (c === '&' || c === '*' || c === '!' || (c === '<' && next === '<')) return true;
      if (c === '#' && (i === lineStart || isSpace(text[i - 1]))) {
        while (i + 1 < n && text[i + 1] !== '\n') i++;
        continue;
      }
      if (tokenStart) {
        if (c === '?' && isSpaceOrEnd(next)) return true;
        if (c === ':' && (isSpaceOrEnd(next) || (flow !== '' && (next === ',' || next === ']' || next === '}')))) return true;
        if (c === '~' || c === 'n' || c === 'N') {
          NULL_KEY.lastIndex = i;
          if (NULL_KEY.test(text)) return true;
          // In a flow mapping a key needs no `:` (`{~}`, `{a: 1, null}`); a value may be null (`{a: null}`).
          FLOW_NULL_KEY.lastIndex = i;
          if (flowKey && FLOW_NULL_KEY.test(text)) return true;
        }
        if (c === '-' && isSpaceOrEnd(next)) {
          let j = i + 1;
          while (isSpace(text[j])) j++;
          if (isBreakOrEnd(text[j]) || text[j] === '#') return true;
          continue;
        }
        if (c === '"' || c === "'") {
          let j = i + 1;
          for (; j < n && text[j] !== '\n'; j++) {
            // An escape skips one character, unless it is a line break (an escaped line break).
            if (c === '"' && text[j] === '\\' && text[j + 1] !== '\n' && text[j + 1] !== '\r') j++;
            else if (c === "'" && text[j] === "'" && text[j + 1] === "'") j++;
            else if (text[j] === c) break;
          }
          if (j >= n || text[j] !== c || text[j + 1] === '#') return true;
          i = j;
          tokenStart = false;
          flowKey = false;
          continue;
        }
        if (c === '[' || c === '{') {
          flow += c;
          flowKey = c === '{';
          continue;
        }
      }
      if (flow !== '' && (c === ']' || c === '}')) {
        flow = flow.slice(0, -1);
        if (next === '#') return true;
        if (flow === '') {
          let j = i + 1;
          while (isSpace(text[j])) j++;
          if (text[j] === ':' && isSpaceOrEnd(text[j + 1])) return true;
        }
        tokenStart = false;
        flowKey = false;
        continue;
      }
      if (flow !== '' && c === ',') {
        tokenStart = true;
        flowKey = flow.endsWith('{');
        continue;
      }
      tokenStart = (c === ':' || c === '-') && isSpaceOrEnd(next);
      flowKey = false;
    }
    if (flow !== '' || i - lineStart >= LONG_LINE) return true;
    i++;
  }
  return false;
}

/**
 * The document's value as yaml reads it, or DECLINED. Takes only a mapping (every
 * manifest and the lock is one): a document that is a scalar or a sequence, empty or a
 * bare null, is left to yaml (js-yaml reads a scalar document indented by a tab, which
 * yaml refuses), and so is anything js-yaml rejects (a syntax error, a duplicate key).
 */
export function readFast(text: string): unknown {
  if (mayDiffer(text)) return DECLINED;
  let value: unknown;
  try {
    value = jsYaml.load(text, { schema: YAML_CORE });
  } catch {
    return DECLINED;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : DECLINED;
}
