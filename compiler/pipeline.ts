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
import { type WriteSummary, writeOutput } from './write/writeOutput.ts';
import { serializeLock, writeLockFile } from './write/lockFile.ts';
import { parseLockFile, readLockFile } from './load/lockFile.ts';

export interface Loaded {
  readonly sources: readonly SourceFile[];
  readonly diagnostics: readonly Diagnostic[];
  /** The placement lock as read, or null for an estate without one. */
  readonly lock: RawFile | null;
}

export function parseSources(raw: readonly RawFile[], lock: RawFile | null = null): Loaded {
  const sources: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of raw) {
    const r = parseManifest(file);
    if (r.source) sources.push(r.source);
    diagnostics.push(...r.diagnostics);
  }
  return { sources, diagnostics, lock };
}

export function loadSources(dir: string): Loaded {
  return parseSources(readManifestFiles(dir), readLockFile(dir));
}

export type Checked = { readonly ok: true; readonly estate: ValidatedEstate; readonly plan: EstatePlan } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Validate and plan; diagnostics come back sorted by file and position. */
export function checkEstate(dir: string, loaded: Loaded): Checked {
  const lock = parseLockFile(loaded.lock);
  const validated = validateEstate(dir, loaded.sources, [...loaded.diagnostics, ...lock.diagnostics]);
  if (!validated.ok) return { ok: false, diagnostics: sortDiagnostics(validated.diagnostics) };
  const planned = planEstate(validated.estate.platform, validated.estate.tenants, lock.placements);
  if (!planned.ok) return { ok: false, diagnostics: sortDiagnostics(planned.diagnostics) };
  return { ok: true, estate: validated.estate, plan: planned.plan };
}

export type CompileResult =
  | { readonly ok: true; readonly plan: EstatePlan; readonly files: readonly OutputFile[]; readonly lock: string }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** The pure part of compile: manifests in memory → output files in memory. */
export function compileSources(dir: string, loaded: Loaded): CompileResult {
  const checked = checkEstate(dir, loaded);
  if (!checked.ok) return checked;
  return { ok: true, plan: checked.plan, files: emitEstate(checked.plan), lock: serializeLock(checked.plan.placements) };
}

export type WrittenResult =
  | (CompileResult & { readonly ok: false })
  | (CompileResult & { readonly ok: true; readonly lockChanged: boolean; readonly written: WriteSummary });

/**
 * Full compile from disk to disk. Nothing is written unless every manifest is valid;
 * then the output tree, and the placement lock when placement changed.
 */
export async function compile(tenantsDir: string, outDir: string): Promise<WrittenResult> {
  const result = compileSources(tenantsDir, loadSources(tenantsDir));
  if (!result.ok) return result;
  const written = await writeOutput(outDir, result.files);
  return { ...result, lockChanged: writeLockFile(tenantsDir, result.lock), written };
}
