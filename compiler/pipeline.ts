// compile(): load → validate → plan → emit → write. Each stage is a function of the
// previous stage's data; only loadSources (reading) and writeOutput (writing) touch
// the file system.
import type { Diagnostic } from './diagnostics.ts';
import { sortDiagnostics } from './diagnostics.ts';
import { emitEstate } from './emit/emitEstate.ts';
import type { OutputFile } from './emit/output.ts';
import { parseManifest } from './load/parseManifest.ts';
import { readManifestFiles, type RawFile } from './load/readManifests.ts';
import type { SourceFile } from './load/sourceFile.ts';
import type { EstatePlan } from './plan/model.ts';
import { planEstate } from './plan/planEstate.ts';
import { validateEstate, type ValidatedEstate } from './validate/validateEstate.ts';
import { writeOutput } from './write/writeOutput.ts';

export interface Loaded {
  readonly sources: readonly SourceFile[];
  readonly diagnostics: readonly Diagnostic[];
}

export function parseSources(raw: readonly RawFile[]): Loaded {
  const sources: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of raw) {
    const r = parseManifest(file);
    if (r.source) sources.push(r.source);
    diagnostics.push(...r.diagnostics);
  }
  return { sources, diagnostics };
}

export function loadSources(dir: string): Loaded {
  return parseSources(readManifestFiles(dir));
}

export type Checked = { readonly ok: true; readonly estate: ValidatedEstate; readonly plan: EstatePlan } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Validate and plan; diagnostics come back sorted by file and position. */
export function checkEstate(dir: string, loaded: Loaded): Checked {
  const validated = validateEstate(dir, loaded.sources, loaded.diagnostics);
  if (!validated.ok) return { ok: false, diagnostics: sortDiagnostics(validated.diagnostics) };
  const planned = planEstate(validated.estate.platform, validated.estate.tenants);
  if (!planned.ok) return { ok: false, diagnostics: sortDiagnostics(planned.diagnostics) };
  return { ok: true, estate: validated.estate, plan: planned.plan };
}

export type CompileResult =
  | { readonly ok: true; readonly plan: EstatePlan; readonly files: readonly OutputFile[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** The pure part of compile: manifests in memory → output files in memory. */
export function compileSources(dir: string, loaded: Loaded): CompileResult {
  const checked = checkEstate(dir, loaded);
  if (!checked.ok) return checked;
  return { ok: true, plan: checked.plan, files: emitEstate(checked.plan) };
}

/** Full compile from disk to disk. Nothing is written unless every manifest is valid. */
export function compile(tenantsDir: string, outDir: string): CompileResult {
  const result = compileSources(tenantsDir, loadSources(tenantsDir));
  if (result.ok) writeOutput(outDir, result.files);
  return result;
}
