// Renders Handlebars sources from templates/. Every value that comes from a manifest
// passes through a quoting helper chosen for the target language (sqlIdent, sqlLiteral,
// shellQuote); templates/ has a test that no bare {{value}} reaches the output.
import HandlebarsRuntime from 'handlebars/runtime.js';
import { templateSpec } from './templateSpecs.ts';

// The runtime alone renders precompiled specifications; it is the full package's
// runtime half, so the full package's typings describe it.
const hb = (HandlebarsRuntime as unknown as typeof Handlebars).create();

/** A SQL identifier: double quotes, embedded quotes doubled. */
export function sqlIdent(name: string): string {
  return `"${String(name).replace(/"/g, '""')}"`;
}

/**
 * A SQL string literal: single quotes doubled; a value holding a backslash uses an
 * escape string (E'...') with backslashes doubled, so its meaning does not depend on
 * standard_conforming_strings.
 */
export function sqlLiteral(value: string): string {
  const s = String(value);
  if (s.includes('\0')) throw new Error('a SQL literal cannot hold a NUL character');
  const quoted = s.replace(/'/g, "''");
  return s.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** A POSIX shell word: single-quoted, embedded single quotes closed and escaped. */
export function shellQuote(value: string): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

hb.registerHelper('sqlIdent', (v: string) => new hb.SafeString(sqlIdent(v)));
hb.registerHelper('sqlLiteral', (v: string) => new hb.SafeString(sqlLiteral(v)));
hb.registerHelper('shellQuote', (v: string) => new hb.SafeString(shellQuote(v)));
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
