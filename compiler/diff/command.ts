// `tenantc diff`: compile the manifests at a base ref and at the head (the work tree by
// default), in memory, and print what changes, grouped by tenant. Both sides are
// compiled by this tenantc, so the diff shows what the manifest change does; a change
// to the compiler itself shows in the golden files its pull request updates.
import { formatDiagnostic, type Diagnostic } from '../diagnostics.ts';
import { ASSETS_FILE, type AssetsManifest } from '../outputFormat.ts';
import { readLockFile } from '../load/lockFile.ts';
import { readManifestFiles, type RawFile } from '../load/readManifests.ts';
import { compileSources, parseSources } from '../pipeline.ts';
import type { PriceTable } from '../status/prices.ts';
import { withEstimate } from './costLine.ts';
import { compiledSide, type CompiledSide, diffEstate, emptySide } from './diffEstate.ts';
import { evaluateGate, gateFails, gateFindings, type GateResult, type Override } from './failOn.ts';
import type { FailOnKind } from './model.ts';
import { type DiffFormat, renderDiff, type Writer } from './render.ts';
import { readEstateAtRef } from './gitSource.ts';
import { type StackDiffer, workerDiffer } from './stackDiffer.ts';

export interface DiffRequest {
  readonly cwd: string;
  readonly tenants: string;
  readonly base: string;
  /** A ref, or null for the work tree. */
  readonly head: string | null;
  readonly format: DiffFormat;
  readonly failOn: readonly FailOnKind[] | null;
  readonly allow: readonly Override[];
  /** The price table of the cost line (status/prices.ts). */
  readonly prices?: PriceTable;
}

export type DiffOutcome =
  | { readonly ok: true; readonly blocked: boolean }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly side: string };

function compileSide(label: string, dir: string, files: RawFile[], lock: RawFile | null): CompiledSide | { diagnostics: readonly Diagnostic[] } {
  if (files.length === 0) return emptySide(label);
  const r = compileSources(dir, parseSources(files, lock));
  if (!r.ok) return { diagnostics: r.diagnostics };
  return compiledSide(label, r.plan, r.files, r.lock);
}

export async function runDiff(req: DiffRequest, out: Writer): Promise<DiffOutcome> {
  // Started first: it loads the CloudFormation registry while this thread compiles.
  const differ = workerDiffer();
  try {
    return await diffSides(req, out, differ);
  } finally {
    await differ.close();
  }
}

async function diffSides(req: DiffRequest, out: Writer, differ: StackDiffer): Promise<DiffOutcome> {
  const base = readEstateAtRef(req.cwd, req.tenants, req.base);
  const head =
    req.head === null
      ? { files: readManifestFiles(req.tenants, req.cwd), lock: readLockFile(req.tenants, req.cwd) }
      : readEstateAtRef(req.cwd, req.tenants, req.head);
  const before = compileSide(req.base, req.tenants, base.files, base.lock);
  if ('diagnostics' in before) return { ok: false, diagnostics: before.diagnostics, side: req.base };
  const headLabel = req.head ?? 'work tree';
  const after = compileSide(headLabel, req.tenants, head.files, head.lock);
  if ('diagnostics' in after) return { ok: false, diagnostics: after.diagnostics, side: headLabel };
  const diff = withEstimate(await diffEstate(before, after, differ), before, after, req.prices);
  let gate: GateResult | null = null;
  if (req.failOn) {
    const stacks = new Map([...before.tenants, ...after.tenants].map((t) => [t.names.stack, t.id]));
    gate = evaluateGate(gateFindings(diff, stacks, stackHolders([before, after])), req.failOn, req.allow);
  }
  renderDiff(req.format, diff, gate, out);
  // A lifecycle error blocks whatever --fail-on says (model.ts, LifecycleError).
  return { ok: true, blocked: diff.lifecycle.length > 0 || (gate !== null && gateFails(gate)) };
}

/** Each nested template → the resource holding it in its parent's template, from the sides' assets manifests. */
export function stackHolders(sides: readonly CompiledSide[]): Map<string, { template: string; logicalId: string }> {
  const out = new Map<string, { template: string; logicalId: string }>();
  for (const side of sides) {
    const file = side.files.find((f) => f.path === ASSETS_FILE);
    if (!file) continue;
    const manifest = JSON.parse(file.content) as AssetsManifest;
    const fileOf = new Map([['', manifest.root.file], ...manifest.nested.map((n) => [n.stack, n.file] as const)]);
    for (const n of manifest.nested) {
      const slash = n.stack.lastIndexOf('/');
      const parent = fileOf.get(slash === -1 ? '' : n.stack.slice(0, slash));
      if (parent) out.set(n.file, { template: parent, logicalId: n.stack.slice(slash + 1) });
    }
  }
  return out;
}

export function formatSideDiagnostics(outcome: Extract<DiffOutcome, { ok: false }>): string {
  return `${outcome.side} does not compile:\n${outcome.diagnostics.map(formatDiagnostic).join('\n')}\n`;
}
