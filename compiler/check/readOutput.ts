// I/O edge of `tenantc check`: the templates and the review record of a compiled
// output directory. Only a directory compile wrote (it holds the marker) is read.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareStrings } from '../diagnostics.ts';
import { REVIEW_FILE } from '../review/report.ts';
import { OUTPUT_MARKER } from '../write/writeOutput.ts';

export class OutputNotFoundError extends Error {}

export interface CompiledOutput {
  /** The directory as the user named it, and where it is. */
  readonly dir: string;
  readonly path: string;
  /** Output-relative path (`tenants/acme.template.json`) → template text, in path order. */
  readonly templates: ReadonlyMap<string, string>;
  /** out/review.json, or null when the directory has none. */
  readonly review: string | null;
}

/** `dir` as the user wrote it, read relative to `cwd`. */
export function readCompiledOutput(dir: string, cwd = process.cwd()): CompiledOutput {
  const at = resolve(cwd, dir);
  if (!existsSync(at) || !statSync(at).isDirectory()) throw new OutputNotFoundError(`${dir}: no such directory: run tenantc compile first`);
  if (!existsSync(join(at, OUTPUT_MARKER))) throw new OutputNotFoundError(`${dir}: not an output directory of tenantc compile (no ${OUTPUT_MARKER})`);
  const paths = (readdirSync(at, { recursive: true }) as string[])
    .map((p) => p.split('\\').join('/'))
    .filter((p) => p.endsWith('.template.json'))
    .sort(compareStrings);
  const templates = new Map(paths.map((p) => [p, readFileSync(join(at, p), 'utf8')]));
  const reviewPath = join(at, REVIEW_FILE);
  return { dir, path: at, templates, review: existsSync(reviewPath) ? readFileSync(reviewPath, 'utf8') : null };
}
