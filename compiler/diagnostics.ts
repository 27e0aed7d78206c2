// Diagnostics: what every stage reports instead of throwing. A diagnostic points at
// a node in a source file by 1-based line and column, so the message reads like a
// compiler's: `tenants/acme.yaml:7:3: domains[1] "acme.com" is already claimed by ...`.

/** Closed set of diagnostic codes; tests assert on them as well as on the text. */
export const DIAGNOSTIC_CODES = [
  'file-unreadable',
  'file-empty',
  'file-not-utf8',
  'file-too-large',
  'yaml-syntax',
  'yaml-duplicate-key',
  'yaml-anchor',
  'yaml-alias',
  'yaml-merge-key',
  'yaml-tag',
  'yaml-multiple-documents',
  'manifest-kind',
  'schema',
  'platform-consistency',
  'platform-value',
  'reserved-name',
  'platform-missing',
  'platform-duplicate',
  'tenant-id-duplicate',
  'tenant-id-file-name',
  'tier-unknown',
  'tier-feature',
  'contacts-owner',
  'tenant-tag',
  'identity-floor',
  'domain-duplicate',
  'domain-nested',
  'domain-dns-mode',
  'user-content-domain',
  'vpc-cidr',
  'quota-exceeded',
  'lock-file',
  'lock-conflict',
  'lock-outdated',
  'tenant-removal',
  'tenant-id-reused',
  'domain-of-removed-tenant',
  'security-rule',
  'suppression-unused',
  'price-table',
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  /** Path as shown to the user (relative to the working directory when given so). */
  readonly file: string;
  readonly position: SourcePosition;
  readonly message: string;
  /** Further lines (why, how to fix, what would change), printed indented under the message. */
  readonly notes?: readonly string[];
}

/**
 * A diagnostic is one line, and each note one more: a line break or control character
 * in what a message quotes (a file name is the pull request author's to choose) is
 * printed as \u{XXXX}, so it can never forge a line of a compiler's output.
 */
const oneLine = (s: string) => s.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`);

export function formatDiagnostic(d: Diagnostic): string {
  const head = oneLine(`${d.file}:${d.position.line}:${d.position.col}: ${d.message}`);
  return d.notes?.length ? [head, ...d.notes.map((n) => `  ${oneLine(n)}`)].join('\n') : head;
}

/** Byte-order comparison: independent of locale, unlike localeCompare. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted by file, then position, then message: the order the user reads them in. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => compareStrings(a.file, b.file) || a.position.line - b.position.line || a.position.col - b.position.col || compareStrings(a.message, b.message),
  );
}

/** Render a manifest path such as ['domains', 1, 'name'] as `domains[1].name`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
