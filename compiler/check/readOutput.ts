// I/O edge of `tenantc check`: the templates, the review record and the assets manifest
// of a compiled output directory. Only a directory compile wrote (it holds the marker)
// is read. A file that cannot be read is a problem of the output, reported with the
// rest (checkOutput.ts), never an exception.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareStrings } from '../diagnostics.ts';
import { ASSETS_FILE } from '../outputFormat.ts';
import { REVIEW_FILE } from '../review/report.ts';
import { OUTPUT_MARKER } from '../write/writeOutput.ts';

export class OutputNotFoundError extends Error {}

/** A file of the output that is damaged: unreadable, not JSON, not what compile writes. */
export interface OutputProblem {
  /** Output-relative path. */
  readonly file: string;
  readonly message: string;
}

export interface CompiledOutput {
  /** The directory as the user named it, and where it is. */
  readonly dir: string;
  readonly path: string;
  /** Output-relative path (`tenants/acme.template.json`) → template text, in path order; the readable ones. */
  readonly templates: ReadonlyMap<string, string>;
  /** out/review.json, or null when the directory has none. */
  readonly review: string | null;
  /** out/assets.json, or null when the directory has none. */
  readonly assets: string | null;
  /** The files that exist but could not be read. */
  readonly unreadable: readonly OutputProblem[];
}

/** `dir` as the user wrote it, read relative to `cwd`. */
export function readCompiledOutput(dir: string, cwd = process.cwd()): CompiledOutput {
  const at = resolve(cwd, dir);
  if (!existsSync(at) || !statSync(at).isDirectory()) throw new OutputNotFoundError(`${dir}: no such directory: run tenantc compile first`);
  if (!existsSync(join(at, OUTPUT_MARKER))) throw new OutputNotFoundError(`${dir}: not an output directory of tenantc compile (no ${OUTPUT_MARKER})`);
  const unreadable: OutputProblem[] = [];
  const read = (file: string): string | null => {
    try {
      return readFileSync(join(at, file), 'utf8');
    } catch (e) {
      unreadable.push({ file, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
      return null;
    }
  };
  const paths = (readdirSync(at, { recursive: true }) as string[])
    .map((p) => p.split('\\').join('/'))
    .filter((p) => p.endsWith('.template.json'))
    .sort(compareStrings);
  const templates = new Map<string, string>();
  for (const p of paths) {
    const text = read(p);
    if (text !== null) templates.set(p, text);
  }
  const optional = (file: string) => (existsSync(join(at, file)) ? read(file) : null);
  return { dir, path: at, templates, review: optional(REVIEW_FILE), assets: optional(ASSETS_FILE), unreadable };
}
