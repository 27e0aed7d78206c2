// Shared test helpers: fixture estates, golden trees, running the CLI.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as assert from 'uvu/assert';
import { generatedEstateFiles } from '../bench/generateEstate.ts';
import { compareStrings, formatDiagnostic } from '../compiler/diagnostics.ts';
import { isManifestFileName, PLACEMENT_LOCK_FILE, type RawFile } from '../compiler/load/readManifests.ts';
import { type CompileResult, compileSources, type Loaded, parseSources } from '../compiler/pipeline.ts';

/**
 * The day compiles in tests date removals with (compileDay): golden files hold the
 * lock a removal leaves, so they must not depend on the day the suite runs.
 */
export const TEST_DAY = '2026-11-27';
process.env.SOURCE_DATE_EPOCH ??= String(Date.parse(`${TEST_DAY}T00:00:00Z`) / 1000);

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const GOLDEN = join(ROOT, 'test', 'golden');
/** A fixed copy of the sample estate: the fixture golden tests compile. */
export const SAMPLE_TENANTS = join(FIXTURES, 'estates', 'sample');
/**
 * The users' live estate (tenants/). Only test/live.test.ts reads it, and only for
 * properties that hold whatever tenants it holds (test/support/liveEstate.ts); the
 * onboarding test proves them again on a copy with one more tenant. TENANTC_LIVE_TENANTS
 * points the suite at another estate.
 */
export const LIVE_TENANTS = process.env.TENANTC_LIVE_TENANTS ?? join(ROOT, 'tenants');

/**
 * cfn-lint's cache of clean verdicts for this test run (tenantc check --lint-cache), so
 * the suites that lint the same templates (the sample estate, the live estate, the
 * onboarding copy) lint each only once. Child processes share it through the variable.
 */
export const LINT_CACHE = (process.env.TENANTC_TEST_LINT_CACHE ??= (() => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantc-lint-cache-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
})());

/**
 * Goldens are rewritten only when TENANTC_UPDATE_GOLDEN=1 is set, and never under CI,
 * so a CI run can only ever compare.
 */
export const UPDATE_GOLDEN = process.env.TENANTC_UPDATE_GOLDEN === '1' && !process.env.CI;

/** Reads a directory's manifests as RawFiles whose display path is `<display>/<name>`. */
export function rawFilesFrom(dir: string, display = 'tenants'): RawFile[] {
  return readdirSync(dir)
    .filter(isManifestFileName)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name));
      return { path: `${display}/${name}`, name, size: bytes.length, bytes };
    });
}

/** A directory's manifests and its placement lock, as compile reads them. */
export function loadedFrom(dir: string, display = 'tenants'): Loaded {
  const lockPath = join(dir, PLACEMENT_LOCK_FILE);
  return parseSources(rawFilesFrom(dir, display), existsSync(lockPath) ? rawFile(PLACEMENT_LOCK_FILE, readFileSync(lockPath, 'utf8'), display) : null);
}

/**
 * A generated estate of `count` tenants (bench/generateEstate.ts, the sample's platform)
 * loaded as `loadSources('.', dir)` loads the directory generateEstate writes (names
 * sorted, paths as '.' names them, no lock), or with paths `<display>/<name>` when
 * `display` is given, without writing it: writing, reading and deleting 5,500 files cost
 * more than compiling or the status of them. test/status.test.ts proves the two equal.
 */
export function generatedLoaded(count: number, display?: string): Loaded {
  const files = generatedEstateFiles(count, join(SAMPLE_TENANTS, 'platform.yaml'));
  const raw = [...files.keys()].sort(compareStrings).map((name): RawFile => {
    const file = rawFile(name, files.get(name)!, display);
    return display === undefined ? { ...file, path: name } : file;
  });
  return parseSources(raw);
}

/** Compiles a directory in memory, throwing on diagnostics (fixtures are valid). */
export function compiledFrom(dir: string, display = 'tenants'): Extract<CompileResult, { ok: true }> {
  const r = compileSources(display, loadedFrom(dir, display));
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r;
}

/** A directory's compile output as one SHA-256 (its files' paths and contents, in order). */
export function compiledDigest(dir: string): string {
  return filesDigest(compiledFrom(dir).files.map((f) => [f.path, f.content] as const));
}

/** SHA-256 of output files (path, content) in the order given. */
export function filesDigest(files: Iterable<readonly [string, string]>): string {
  const h = createHash('sha256');
  for (const [path, content] of files) h.update(`${path}\0${content}\0`);
  return h.digest('hex');
}

/**
 * The minimal fixture estate (acme, initech) under another platform name, so that each
 * suite that applies its SQL to a shared server has roles of its own.
 */
export function minimalEstateAs(platform: string): RawFile[] {
  return rawFilesFrom(join(FIXTURES, 'estates', 'minimal')).map((f) =>
    f.name === 'platform.yaml' ? rawFile(f.name, Buffer.from(f.bytes!).toString('utf8').replace('name: tessera', `name: ${platform}`)) : f,
  );
}

export function rawFile(name: string, text: string, display = 'tenants'): RawFile {
  const bytes = Buffer.from(text, 'utf8');
  return { path: `${display}/${name}`, name, size: bytes.length, bytes };
}

export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Compares files (path → content) with a golden folder: the list of files first, then each file. */
export function assertGoldenTree(goldenDir: string, files: ReadonlyMap<string, string>): void {
  const actualList = [...files.keys()].sort();
  if (UPDATE_GOLDEN) {
    rmSync(goldenDir, { recursive: true, force: true });
    for (const [path, content] of files) {
      mkdirSync(dirname(join(goldenDir, path)), { recursive: true });
      writeFileSync(join(goldenDir, path), content);
    }
  }
  assert.ok(existsSync(goldenDir), `golden folder ${relative(ROOT, goldenDir)} is missing: review the output and run npm run golden:update`);
  assert.equal(actualList, listTree(goldenDir), `files under ${relative(ROOT, goldenDir)}`);
  for (const path of actualList) {
    assert.fixture(files.get(path)!, readFileSync(join(goldenDir, path), 'utf8'), `${relative(ROOT, goldenDir)}/${path}`);
  }
}

export function assertGoldenFile(goldenPath: string, actual: string): void {
  if (UPDATE_GOLDEN) {
    mkdirSync(dirname(goldenPath), { recursive: true });
    writeFileSync(goldenPath, actual);
  }
  assert.ok(existsSync(goldenPath), `golden file ${relative(ROOT, goldenPath)} is missing: review the output and run npm run golden:update`);
  assert.fixture(actual, readFileSync(goldenPath, 'utf8'), relative(ROOT, goldenPath));
}

/**
 * Runs `fn` in a new temporary directory and removes the directory when `fn` returns,
 * throws, or (for an async `fn`) settles.
 */
export function inTempDir<T>(fn: (dir: string) => T, prefix = 'tenantc-test-'): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let result: T;
  try {
    result = fn(dir);
  } catch (e) {
    remove();
    throw e;
  }
  if (result instanceof Promise) return result.finally(remove) as T;
  remove();
  return result;
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * No test writes into the checkout: the users' estate, the fixtures, the goldens (unless
 * TENANTC_UPDATE_GOLDEN asks) and dist/ are the same when the test process exits (and
 * after each unit of a test worker) as when it started, or the run fails naming what
 * changed.
 */
const GUARDED = ['tenants', 'test/fixtures', 'test/golden', 'dist'];
function checkoutSnapshot(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const abs = join(ROOT, rel);
    if (!existsSync(abs)) return;
    const st = statSync(abs);
    if (st.isDirectory()) for (const name of readdirSync(abs)) walk(join(rel, name));
    else out.set(rel, `${st.size} ${st.mtimeMs}`);
  };
  for (const dir of GUARDED) walk(dir);
  return out;
}
let checkoutBefore = checkoutSnapshot();
function checkCheckout(): void {
  if (UPDATE_GOLDEN) return;
  const after = checkoutSnapshot();
  const changed = [...new Set([...checkoutBefore.keys(), ...after.keys()])].filter((p) => checkoutBefore.get(p) !== after.get(p)).sort();
  checkoutBefore = after;
  if (changed.length === 0) return;
  process.stderr.write(`\n  FAIL  the tests wrote into the checkout:\n${changed.map((p) => `    ${p}`).join('\n')}\n`);
  process.exitCode = 1;
}
process.on('exit', checkCheckout);
// A test worker (scripts/testWorker.cjs) runs many units in one process: it asks after
// each, so the failure lands on the unit that wrote.
process.on('tenantc-test-unit-end', checkCheckout);

let builtBin: string | null = null;

/**
 * The CLI as it ships: scripts/build.ts into a temporary directory (never the
 * checkout's dist/, which may be stale or in use), with bin/tenantc.mjs beside it and
 * the checkout's node_modules for the packages the bundle leaves external. Built once
 * per test process; removed when the process exits.
 */
export function builtCli(): string {
  if (builtBin) return builtBin;
  const dir = mkdtempSync(join(tmpdir(), 'tenantc-built-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'build.ts'), '--out', join(dir, 'dist')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/build.ts failed:\n${r.stdout}${r.stderr}`);
  mkdirSync(join(dir, 'bin'));
  cpSync(join(ROOT, 'bin', 'tenantc.mjs'), join(dir, 'bin', 'tenantc.mjs'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  builtBin = join(dir, 'bin', 'tenantc.mjs');
  return builtBin;
}

/** The directory the test build went to (its dist/ and bin/). */
export const builtDir = () => dirname(dirname(builtCli()));

/** Runs the built CLI (bin/tenantc.mjs over the bundle) in a child process. */
export function runCli(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [builtCli(), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface MainResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built bundle's main (what bin/tenantc.mjs calls; built once per process by
 * builtCli) in this process, capturing what it prints: for comparing the bundle's output
 * with the sources' where the process is not the point (a child costs ~0.2 s of CPU).
 */
export async function runBundledMain(args: readonly string[], cwd = ROOT): Promise<MainResult> {
  const { main } = (await import(pathToFileURL(join(builtDir(), 'dist', 'tenantc.mjs')).href)) as typeof import('../cli/main.ts');
  let stdout = '';
  let stderr = '';
  const status = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, cwd });
  return { status, stdout, stderr };
}

/** Runs the CLI in this process (compiler/cli.ts main), capturing what it prints. */
export async function runMain(args: readonly string[], cwd = ROOT): Promise<MainResult> {
  const { main } = await import('../cli/main.ts');
  let stdout = '';
  let stderr = '';
  const status = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, cwd });
  return { status, stdout, stderr };
}
