// The shipped CLI's loader (cli/bundleLoader.ts, dist/tenantc.mjs): it runs the bundle
// through the V8 code cache the build made, and a cache that is not the bundle's own
// (damaged, stale, made by other V8 flags) never changes what runs: the loader, or V8,
// refuses it and the bundle compiles from its source, with the same output. Each case
// runs in a child process (the cache is read when the loader is imported), on a copy
// of the test build's dist/ where a case damages a file.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { builtDir, inTempDir, listTree, ROOT, SAMPLE_TENANTS } from './helpers.ts';

const Loader = suite('bundleLoader');

interface Run {
  readonly state: string;
  readonly status: number;
  readonly stdout: string;
}

/**
 * Runs `script` (an ES module; process.argv[1] is `dist`'s loader, then `args`) in a
 * child node with `flags` and no NODE_OPTIONS (the cache is made for a plain node), and
 * returns what it printed last, parsed.
 */
function throughLoader<T>(dist: string, script: string, args: readonly string[], flags: readonly string[], env: NodeJS.ProcessEnv = {}): T {
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script, pathToFileURL(join(dist, 'tenantc.mjs')).href, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

/**
 * Compiles a copy of the sample estate into work/`out` through `dist`'s loader, in a
 * child node with `flags`, and says what became of the code cache.
 */
function compileThrough(dist: string, work: string, out: string, flags: readonly string[] = []): Run {
  const tenants = join(work, `${out}-tenants`);
  cpSync(SAMPLE_TENANTS, tenants, { recursive: true });
  return throughLoader<Run>(
    dist,
    `const loader = await import(process.argv[1]);
let stdout = '';
const status = await loader.main(['compile', '--tenants', process.argv[2], '--out', process.argv[3]], { stdout: { write: (s) => (stdout += s) }, stderr: process.stderr, cwd: process.cwd() });
console.log(JSON.stringify({ state: loader.codeCacheState, status, stdout }));`,
    [tenants, join(work, out)],
    flags,
    { XDG_CACHE_HOME: join(work, 'cache') },
  );
}

/**
 * What became of `dist`'s code cache in a child node with `flags` that only loads the
 * CLI (the loader decides on the cache before anything runs): a fraction of a compile's
 * cost, for the cases whose point is the loader's or V8's verdict alone.
 */
function cacheStateThrough(dist: string, flags: readonly string[] = []): string {
  return throughLoader<string>(dist, 'const loader = await import(process.argv[1]);\nconsole.log(JSON.stringify(loader.codeCacheState));', [], flags);
}

/** A copy of the test build (dist/ beside node_modules, as in the package) that a case may damage. */
function distCopy(work: string): string {
  const dist = join(work, 'pkg', 'dist');
  mkdirSync(join(work, 'pkg'));
  cpSync(join(builtDir(), 'dist'), dist, { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'pkg', 'node_modules'), 'dir');
  return dist;
}

function assertSameTree(a: string, b: string): void {
  assert.equal(listTree(a), listTree(b));
  for (const p of listTree(a)) assert.ok(readFileSync(join(a, p)).equals(readFileSync(join(b, p))), p);
}

Loader('the built CLI runs from its code cache; a damaged cache is refused before V8 sees it, and the compile is the same', () => {
  inTempDir((work) => {
    const dist = distCopy(work);
    const cached = compileThrough(dist, work, 'cached');
    assert.is(cached.state, 'accepted');
    assert.is(cached.status, 0);
    const cacheFile = join(dist, 'tenantc.cjs.v8-cache');
    const bytes = readFileSync(cacheFile);
    // One byte of V8's data, past the loader's digest: V8 itself would not notice (no
    // checksum in release builds).
    const at = 32 + Math.floor((bytes.length - 32) / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(cacheFile, bytes);
    const damaged = compileThrough(dist, work, 'damaged');
    assert.is(damaged.state, 'mismatched');
    assert.is(damaged.status, 0);
    assert.is(damaged.stdout.replace(join(work, 'damaged'), 'OUT'), cached.stdout.replace(join(work, 'cached'), 'OUT'));
    assertSameTree(join(work, 'cached'), join(work, 'damaged'));
    // Cut short, and empty: refused the same way.
    writeFileSync(cacheFile, bytes.subarray(0, 40));
    assert.is(cacheStateThrough(dist), 'mismatched');
    writeFileSync(cacheFile, '');
    assert.is(cacheStateThrough(dist), 'mismatched');
  });
});

Loader('a stale cache (made for another bundle of the same length, which V8 would take) is refused, and the bundle on disk runs', () => {
  inTempDir((work) => {
    const dist = distCopy(work);
    const bundleFile = join(dist, 'tenantc.cjs');
    const bundle = readFileSync(bundleFile, 'utf8');
    const said = '`compiled ${';
    assert.ok(bundle.includes(said), 'the compile summary is in the bundle');
    writeFileSync(bundleFile, bundle.replace(said, '`COMPILED ${'));
    const r = compileThrough(dist, work, 'out');
    assert.is(r.state, 'mismatched');
    assert.is(r.status, 0);
    assert.match(r.stdout, /^COMPILED 11 tenants/);
  });
});

Loader('a cache V8 refuses (made with other V8 flags) leaves the bundle compiled from source', () => {
  inTempDir((work) => {
    const r = compileThrough(join(builtDir(), 'dist'), work, 'out', ['--no-opt']);
    assert.is(r.state, 'rejected');
    assert.is(r.status, 0);
    assert.match(r.stdout, /^compiled 11 tenants/);
  });
});

Loader("a budget the user gave node is kept, however spelled: the cache, made under the loader's budget, is then refused by V8", () => {
  // V8 keys its code cache on its flags: a cache taken means the loader's budget
  // replaced the user's. V8 reads `_` and `-` in a flag's name alike.
  assert.is(cacheStateThrough(join(builtDir(), 'dist')), 'accepted', "no budget given: the loader's own");
  for (const flag of ['--interrupt-budget=1000', '--interrupt_budget=1000']) assert.is(cacheStateThrough(join(builtDir(), 'dist'), [flag]), 'rejected', flag);
});

Loader("a stack trace names the bundle's file and line, or with source maps on, the TypeScript source", () => {
  // The bundle's stdout writer (cli/terminal.ts safeWriter) calls the stream it is given:
  // a stream that throws puts the bundle's frames on the stack.
  const frame = (flags: readonly string[]) =>
    throughLoader<{ state: string; frame: string }>(
      join(builtDir(), 'dist'),
      `const loader = await import(process.argv[1]);
const io = { stdout: { write() { throw new Error('unwritable'); } }, stderr: { write() {} }, cwd: process.cwd() };
try { await loader.main(['--help'], io); } catch (e) { console.log(JSON.stringify({ state: loader.codeCacheState, frame: e.stack.split('\\n')[2] })); }`,
      [],
      flags,
    );
  const plain = frame([]);
  assert.is(plain.state, 'accepted');
  const at = /\((.*):(\d+):\d+\)$/.exec(plain.frame);
  assert.ok(at, plain.frame);
  assert.is(at[1], join(builtDir(), 'dist', 'tenantc.cjs'));
  assert.match(readFileSync(at[1]!, 'utf8').split('\n')[Number(at[2]) - 1]!, 'stream.write(terminalSafe(');
  const mapped = frame(['--enable-source-maps']);
  assert.is(mapped.state, 'source-maps');
  assert.match(mapped.frame, /cli\/terminal\.ts:\d+:\d+\)$/);
});

Loader.run();
