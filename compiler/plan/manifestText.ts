// A value a manifest's author wrote and the compiler passes on as it is (a display
// name, a contact, a tag, a federation setting, an email, a description) is a
// ManifestText in the plan, never a string. Its author may be an attacker (docs/isolation.md,
// "Proofs of isolation": the pull-request author), so:
//   - TypeScript will not place it where a template, a SQL file or a handover file
//     wants a string: it is not one;
//   - interpolating it (`${t.name}`), concatenating it, comparing it with `<` or
//     serializing it throws, so a slip that TypeScript lets through fails every test
//     that compiles a tenant instead of writing the value unchecked;
//   - it is read through one function per output: templateText (emit/cfn/template.ts)
//     for CloudFormation, which checks the string grammar (schema/strings.schema.json,
//     read from there: one grammar) again, since a template has no quoting that would
//     stop a dynamic reference; sqlLiteral and shellQuote (emit/render.ts) for SQL
//     and shell, and handoverText (emit/handover.ts) for the files operators and
//     customers read, which quote or escape any text exactly; reportText (below) for
//     the reports of the estate (tenantc status, the diff), which put it on one line
//     and escape it again for their medium (HTML, markdown, JSON, a terminal); and the
//     placement lock's writer (write/lockFile.ts), which keeps an offboarded or removed
//     tenant's identity as quoted YAML strings that read back exactly. Only those
//     modules read the raw text (test/injection.test.ts holds the list).
// A value that breaks the grammar at templateText passed validation only if
// validation was bypassed: that is a bug of tenantc, reported as one, never written.
//
// Identifiers the plan builds names from (tenant ids, the platform name, tier names,
// domains, regions, versions) stay strings: each has a pattern of its own that admits
// nothing the grammar refuses (test/grammar.test.ts checks every one has one), and
// the rule pack's E701 checks every string of every template, whatever its origin.
import stringsSchema from '../../schema/strings.schema.json' with { type: 'json' };

interface GrammarCheck {
  readonly pattern: RegExp;
  readonly reason: string;
}

/** The grammar's refusals, each with the reason validation gives. */
const GRAMMAR: readonly GrammarCheck[] = stringsSchema.$defs.checks.allOf.map((c) => ({ pattern: new RegExp(c.not.pattern, 'u'), reason: c['x-hint'] }));

/**
 * Whether any check of the grammar matches: the checks as alternatives of one pattern.
 * Nearly every text passes, and emit asks once per manifest value a template carries
 * (every tag of every resource): one test instead of seven, then the checks in order
 * only for a text that breaks one, to name the first.
 */
const ANY_GRAMMAR_CHECK = new RegExp(GRAMMAR.map((c) => `(?:${c.pattern.source})`).join('|'), 'u');

/** Why `value` breaks the string grammar, or null when it does not. */
export function grammarViolation(value: string): string | null {
  if (!ANY_GRAMMAR_CHECK.test(value)) return null;
  for (const check of GRAMMAR) if (check.pattern.test(value)) return check.reason;
  return null;
}

const READ_THROUGH =
  'a manifest value is read through templateText, sqlLiteral, shellQuote, handoverText, reportText or the lock writer, never used as a string';

/**
 * Characters a line of text must not carry as they are: control characters (line
 * breaks included), invisible formatting characters (bidirectional overrides, zero
 * width), line and paragraph separators, unpaired surrogates, private use.
 */
export const UNSAFE_IN_A_LINE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;

/** `text` as one line: printable characters as they are, anything else as \u{XXXX}. */
export function oneLine(text: string): string {
  return text.replace(new RegExp(UNSAFE_IN_A_LINE.source, 'gu'), (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`);
}

export class ManifestText {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  /** The raw text, for the writers listed above only. */
  static rawText(value: ManifestText): string {
    return value.#text;
  }

  /** Whether two values are the same text, exactly (a restore compares identities: plan/lifecycle.ts). */
  static same(a: ManifestText, b: ManifestText): boolean {
    return a.#text === b.#text;
  }

  toString(): never {
    throw new Error(`internal: ${READ_THROUGH}`);
  }

  toJSON(): never {
    throw new Error(`internal: ${READ_THROUGH}`);
  }

  valueOf(): never {
    throw new Error(`internal: ${READ_THROUGH}`);
  }

  [Symbol.toPrimitive](): never {
    throw new Error(`internal: ${READ_THROUGH}`);
  }
}

/**
 * A manifest value in a report of the estate (tenantc status in every format, the
 * causes the diff names): its text on one line (oneLine), so it can neither start a
 * line of its own nor hide or reorder what follows. Each report escapes it again for
 * its medium (compiler/status/renderHtml.ts, the diff's markdown, JSON, cli/terminal.ts).
 */
export function reportText(value: ManifestText): string {
  return oneLine(ManifestText.rawText(value));
}

/** A tag: key and value as the manifest wrote them, or (the compiler's own tags) plain strings. */
export type TagPair = readonly [key: string | ManifestText, value: string | ManifestText];
