// Golden output trees and determinism of compile.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSources } from '../compiler/pipeline.ts';
import { assertGoldenTree, compiledFrom, FIXTURES, filesDigest, GOLDEN, loadedFrom, ROOT, SAMPLE_TENANTS } from './helpers.ts';

const Compile = suite('compile');

/**
 * Compiles a fixture estate with its committed lock, which must be up to date (as
 * `--locked` checks), its files read in the given order.
 */
function compileDir(dir: string, order: 'sorted' | 'reversed' = 'sorted'): Map<string, string> {
  const loaded = loadedFrom(dir);
  const sources = order === 'reversed' ? [...loaded.sources].reverse() : loaded.sources;
  const result = compileSources('tenants', { ...loaded, sources }, { locked: true });
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return new Map(result.files.map((f) => [f.path, f.content]));
}

/**
 * The sample estate compiled in sorted order, once for the suite: the golden test, the
 * read-order test and the locale test each compare against it (they only read it).
 */
let sample: ReadonlyMap<string, string> | null = null;
const sampleFiles = (): ReadonlyMap<string, string> => (sample ??= compileDir(SAMPLE_TENANTS));

/** Goldens hold compact nested templates re-indented, so a reviewer can read their diffs. */
function readable(files: ReadonlyMap<string, string>): Map<string, string> {
  return new Map(
    [...files].map(([path, content]) => [
      path,
      path.endsWith('.json') && !content.slice(0, -1).includes('\n') ? `${JSON.stringify(JSON.parse(content), null, 2)}\n` : content,
    ]),
  );
}

Compile('the sample estate matches its golden tree', () => {
  assertGoldenTree(join(GOLDEN, 'sample'), readable(sampleFiles()));
});

Compile('the minimal fixture estate matches its golden tree', () => {
  assertGoldenTree(join(GOLDEN, 'minimal'), readable(compileDir(join(FIXTURES, 'estates', 'minimal'))));
});

Compile('output does not depend on the order files are read in', () => {
  const a = sampleFiles();
  const b = compileDir(SAMPLE_TENANTS, 'reversed');
  assert.equal([...b.keys()], [...a.keys()]);
  for (const [path, content] of a) assert.ok(b.get(path) === content, `${path} differs when files are read in reverse`);
});

Compile('output does not depend on locale, time zone or clock', () => {
  // Time zone and locale are read when a process starts: each setting is a child process
  // of its own, compared with this process's compile (the runner's settings; CI's are UTC
  // and C.UTF-8). A child costs ~2 s of CPU (tsx and loading the compiler), so this
  // process is the reference rather than a third child with TZ=UTC LANG=C.
  const script = `
    import { compiledDigest, SAMPLE_TENANTS } from './test/helpers.ts';
    process.stdout.write(compiledDigest(SAMPLE_TENANTS));`;
  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    assert.is(r.status, 0, r.stderr);
    return r.stdout;
  };
  // The children differ from each other in zone, locale and clock, so any dependence on
  // them shows as a digest that differs from this one in at least one of them.
  const base = filesDigest(sampleFiles());
  assert.is(base.length, 64);
  assert.is(run({ TZ: 'Pacific/Kiritimati', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' }), base);
  assert.is(run({ TZ: 'America/St_Johns', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8', SOURCE_DATE_EPOCH: '0' }), base);
});

Compile('the plan is read-only', () => {
  const result = compiledFrom(SAMPLE_TENANTS);
  assert.throws(() => {
    (result.plan.tenants as unknown as unknown[]).push({});
  });
  assert.throws(() => {
    (result.plan.platform as unknown as { name: string }).name = 'x';
  });
});

Compile.run();
