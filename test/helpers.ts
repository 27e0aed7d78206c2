// Shared test helpers: fixture estates, golden trees, running the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { isManifestFileName, type RawFile } from '../compiler/load/readManifests.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const GOLDEN = join(ROOT, 'test', 'golden');
export const SAMPLE_TENANTS = join(ROOT, 'tenants');

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

/** Runs the real CLI (bin/tenantc.mjs) in a child process. */
export function runCli(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tenantc.mjs'), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
