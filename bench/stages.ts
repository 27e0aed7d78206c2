// Runs the pipeline stage by stage in this process and prints one JSON line of
// per-stage time and memory. bench.ts starts it in a fresh child per estate size, so
// the figures of one size never include the heap of another.
import { performance } from 'node:perf_hooks';
import { parseManifest } from '../compiler/load/parseManifest.ts';
import { readManifestFiles } from '../compiler/load/readManifests.ts';
import type { SourceFile } from '../compiler/load/sourceFile.ts';
import { emitEstate } from '../compiler/emit/emitEstate.ts';
import { planEstate } from '../compiler/plan/planEstate.ts';
import { compileDay } from '../compiler/pipeline.ts';
import { validateEstate } from '../compiler/validate/validateEstate.ts';
import { writeOutput } from '../compiler/write/writeOutput.ts';

const [dir, out] = process.argv.slice(2) as [string, string];
const stages: { stage: string; ms: number; rssMb: number; peakRssMb: number }[] = [];
async function measure<T>(stage: string, fn: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  stages.push({ stage, ms: performance.now() - t0, rssMb: process.memoryUsage().rss / 2 ** 20, peakRssMb: process.resourceUsage().maxRSS / 1024 });
  return r;
}

const raw = await measure('read', () => readManifestFiles(dir));
const sources = await measure('parse', () => {
  const ok: SourceFile[] = [];
  for (const f of raw) {
    const r = parseManifest(f);
    if (!r.source) throw new Error(`${f.path}: ${r.diagnostics[0]?.message}`);
    ok.push(r.source);
  }
  return ok;
});
const validated = await measure('validate', () => validateEstate(dir, sources));
if (!validated.ok)
  throw new Error(
    validated.diagnostics
      .slice(0, 5)
      .map((d) => `${d.file}: ${d.message}`)
      .join('\n'),
  );
const planned = await measure('plan', () => planEstate(validated.estate.platform, validated.estate.tenants, undefined, compileDay()));
if (!planned.ok) throw new Error(planned.diagnostics[0]?.message);
const files = await measure('emit', () => emitEstate(planned.plan));
await measure('write', () => writeOutput(out, files));
process.stdout.write(`${JSON.stringify({ stages, files: files.length, bytes: files.reduce((n, f) => n + f.content.length, 0) })}\n`);
