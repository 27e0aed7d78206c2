// Renders Handlebars sources from templates/. Every value that comes from a manifest
// passes through a quoting helper chosen for the target language (sqlIdent, sqlLiteral,
// shellQuote); templates/ has a test that no bare {{value}} reaches the output.
import HandlebarsRuntime from 'handlebars/runtime.js';
import { ManifestText, UNSAFE_IN_A_LINE } from '../plan/manifestText.ts';
import { templateSpec } from './templateSpecs.ts';

// The runtime alone renders precompiled specifications; it is the full package's
// runtime half, so the full package's typings describe it.
const hb = (HandlebarsRuntime as unknown as typeof Handlebars).create();

/** A SQL identifier: double quotes, embedded quotes doubled. */
export function sqlIdent(name: string): string {
  return `"${String(name).replace(/"/g, '""')}"`;
}

/** The text of a value a template is given: the compiler's own strings, or a manifest's (plan/manifestText.ts). */
const textOf = (value: string | ManifestText): string => (value instanceof ManifestText ? ManifestText.rawText(value) : String(value));

/**
 * A SQL string literal: single quotes doubled; a value holding a backslash uses an
 * escape string (E'...') with backslashes doubled, so its meaning does not depend on
 * standard_conforming_strings. Any text round-trips exactly (test/sqlTemplates.test.ts,
 * with values the string grammar would have refused).
 */
export function sqlLiteral(value: string | ManifestText): string {
  const s = textOf(value);
  if (s.includes('\0')) throw new Error('a SQL literal cannot hold a NUL character');
  const quoted = s.replace(/'/g, "''");
  return s.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/**
 * One POSIX shell word, on one line, that the shell reads back as exactly `value`:
 * single-quoted (embedded quotes closed and escaped), or, when the value holds a
 * character a line must not carry, a $'...' string (POSIX.1-2024, bash, zsh, ksh) with
 * that character's UTF-8 bytes as \xHH escapes, so no line break or terminal control
 * ever reaches the script or the operator's screen.
 */
export function shellQuote(value: string | ManifestText): string {
  const s = textOf(value);
  if (!UNSAFE_IN_A_LINE.test(s)) return `'${s.replace(/'/g, `'\\''`)}'`;
  let out = '';
  for (const ch of s) {
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (UNSAFE_IN_A_LINE.test(ch)) out += [...Buffer.from(ch, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
    else out += ch;
  }
  return `$'${out}'`;
}

hb.registerHelper('sqlIdent', (v: string) => new hb.SafeString(sqlIdent(v)));
hb.registerHelper('sqlLiteral', (v: string | ManifestText) => new hb.SafeString(sqlLiteral(v)));
hb.registerHelper('shellQuote', (v: string | ManifestText) => new hb.SafeString(shellQuote(v)));
hb.registerHelper('join', (list: readonly string[], sep: string) => new hb.SafeString(list.join(typeof sep === 'string' ? sep : ', ')));

const compiled = new Map<string, HandlebarsTemplateDelegate>();

export function renderTemplate(name: string, context: object): string {
  let t = compiled.get(name);
  if (!t) {
    t = hb.template(templateSpec(name));
    compiled.set(name, t);
  }
  return t(context);
}
