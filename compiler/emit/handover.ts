// The handover files (out/dns/<id>.txt, out/idp/<id>.txt): what a customer's DNS or
// IdP administrator enters and what the platform's operators run, read line by line
// and copied into terminals. A manifest value there is written on one line whatever it
// holds, so a line break in a name can never start a line of its own (a record, a
// command), nor an escape sequence act on the reader's terminal: characters a line
// must not carry become \u{XXXX}. Where a command shows a value, it is one shell word
// (render.ts shellQuote). The string grammar refuses all of these in a manifest; these
// writers hold without it (test/injection.test.ts writes both files from values that
// bypassed validation).
import { ManifestText, oneLine } from '../plan/manifestText.ts';

export { shellQuote } from './render.ts';

const textOf = (value: string | ManifestText): string => (value instanceof ManifestText ? ManifestText.rawText(value) : value);

/** A value as one line of text: printable characters as they are, anything else as \u{XXXX}. */
export function handoverText(value: string | ManifestText): string {
  return oneLine(textOf(value));
}

/** A value as a URL query component: percent-encoded, so one line by construction. */
export function urlComponent(value: string | ManifestText): string {
  // An unpaired surrogate has no UTF-8 form; encodeURIComponent would throw on it.
  return encodeURIComponent(textOf(value).replace(/\p{Cs}/gu, '\uFFFD'));
}
