// cfn-lint, when it is installed (pip install cfn-lint), over templates already on
// disk, parseable output. I/O edge: spawns the linter, reads and writes its cache.
//
// cfn-lint is single-threaded and spends ~0.5 s per template, so the templates are
// shared out between one process per core (at most four), balanced by size, with the
// version probe beside them. With a cache directory, a template whose exact bytes a
// run of the same cfn-lint version found clean is not linted again: a pull request
// relints only the templates it changed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

export type LintResult =
  | { readonly available: false }
  | {
      readonly available: true;
      readonly version: string;
      readonly ok: boolean;
      readonly findings: readonly string[];
      /** Templates found clean by an earlier run (the cache), not linted again. */
      readonly cached: number;
    };

export interface LintOptions {
  /** Processes to share the templates between (default: one per core, at most four). */
  readonly processes?: number;
  /** Directory of the cache of clean verdicts; none by default. */
  readonly cacheDir?: string;
}

interface Run {
  readonly status: number | null;
  readonly output: string;
  readonly missing: boolean;
}

function run(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    const child = spawn('cfn-lint', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.on('error', (e: NodeJS.ErrnoException) => done({ status: null, output: e.message, missing: e.code === 'ENOENT' }));
    child.on('close', (status) => done({ status, output, missing: false }));
  });
}

/** The installed cfn-lint's version, asked once per process (each ask starts Python: 0.8 s). */
let versionProbe: Promise<Run> | null = null;
const probeVersion = (cwd: string) => (versionProbe ??= run(['--version'], cwd));

/** `files` spread over `n` lists of about equal total size (largest first, each to the lightest list). */
export function balance(files: readonly { readonly path: string; readonly bytes: number }[], n: number): string[][] {
  const lists = Array.from({ length: Math.max(1, Math.min(n, files.length)) }, () => ({ bytes: 0, paths: [] as string[] }));
  for (const f of [...files].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1))) {
    const lightest = lists.reduce((min, l) => (l.bytes < min.bytes ? l : min));
    lightest.paths.push(f.path);
    lightest.bytes += f.bytes;
  }
  return lists.map((l) => l.paths.sort());
}

/** Parseable findings (`path:line:col:...`) by path, then line and column as numbers. */
function byPosition(a: string, b: string): number {
  const key = (l: string) => /^(.*?):(\d+):(\d+):/.exec(l) ?? [l, l, '0', '0'];
  const [, pa, la, ca] = key(a);
  const [, pb, lb, cb] = key(b);
  if (pa !== pb) return pa! < pb! ? -1 : 1;
  return Number(la) - Number(lb) || Number(ca) - Number(cb) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The templates of one cfn-lint run known clean: all of them when it exited 0; when it
 * exited with findings (status bits 2, 4, 8: error, warning, informational) and every
 * line it printed is a parseable finding naming one of them, those it named none of, so
 * one bad template does not cost its neighbours their verdict. Anything else (a crash, a
 * line that is not a finding) makes none of them known.
 */
export function knownClean(paths: readonly string[], status: number | null, output: string): string[] {
  if (status === 0) return [...paths];
  if (status === null || status <= 0 || (status & ~14) !== 0) return [];
  const named = new Set<string>();
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const path = paths.find((p) => line.startsWith(`${p}:`) && /^\d+:\d+:\d+:\d+:[EWI]\d+:/.test(line.slice(p.length + 1)));
    if (path === undefined) return [];
    named.add(path);
  }
  return named.size ? paths.filter((p) => !named.has(p)) : [];
}

interface CacheFile {
  readonly version: string;
  /** sha256 of the bytes of templates this version found clean. */
  readonly clean: readonly string[];
}

const CACHE_FILE = 'cfn-lint.json';

function readCache(dir: string | undefined): CacheFile | null {
  if (!dir) return null;
  try {
    const c = JSON.parse(readFileSync(join(dir, CACHE_FILE), 'utf8')) as CacheFile;
    return typeof c.version === 'string' && Array.isArray(c.clean) ? c : null;
  } catch {
    return null;
  }
}

/** Verdicts kept: enough for every shape of a large estate over many changes, bounded all the same. */
const CACHE_ENTRIES = 50_000;

function writeCache(dir: string, cache: CacheFile): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${CACHE_FILE}.${process.pid}.tmp`);
  // Oldest first, each verdict at its latest use, so the bound drops those unused longest.
  const seen = new Set<string>();
  const clean: string[] = [];
  for (let i = cache.clean.length - 1; i >= 0 && clean.length < CACHE_ENTRIES; i--) {
    const h = cache.clean[i]!;
    if (!seen.has(h)) seen.add(h), clean.push(h);
  }
  clean.reverse();
  writeFileSync(tmp, JSON.stringify({ version: cache.version, clean }));
  // Atomic: a concurrent run reads the old cache or this one, never half of one.
  renameSync(tmp, join(dir, CACHE_FILE));
}

/** Lints `paths` of `dir`, both as the user names them relative to `cwd`, so findings read the same. */
export async function runCfnLint(cwd: string, dir: string, paths: readonly string[], options: LintOptions = {}): Promise<LintResult> {
  const processes = options.processes ?? Math.min(4, availableParallelism());
  const files = paths.map((p) => {
    const bytes = readFileSync(resolve(cwd, dir, p));
    return { path: join(dir, p), bytes: bytes.length, hash: createHash('sha256').update(bytes).digest('hex') };
  });
  const cache = readCache(options.cacheDir);
  const cachedClean = new Set(cache?.clean ?? []);
  const lint = async (list: typeof files) =>
    Promise.all(
      balance(list, processes)
        .filter((l) => l.length)
        .map(async (l) => ({ paths: l, ...(await run(['--format', 'parseable', '--', ...l], cwd)) })),
    );
  const misses = files.filter((f) => !cachedClean.has(f.hash));
  const [version, missRuns] = await Promise.all([probeVersion(cwd), lint(misses)]);
  if (version.missing) return { available: false };
  const current = version.output.trim();
  // Verdicts of another cfn-lint version count for nothing: lint those templates now.
  const hits = files.filter((f) => cachedClean.has(f.hash));
  const stale = cache !== null && cache.version !== current;
  const runs = stale ? [...missRuns, ...(await lint(hits))] : missRuns;
  const findings = runs
    .flatMap((r) => r.output.split('\n'))
    .filter((l) => l.trim() !== '')
    .sort(byPosition);
  if (options.cacheDir) {
    const clean = new Set(runs.flatMap((r) => knownClean(r.paths, r.status, r.output)));
    const hashes = files.filter((f) => clean.has(f.path)).map((f) => f.hash);
    writeCache(options.cacheDir, { version: current, clean: [...(stale ? [] : (cache?.clean ?? [])), ...hashes] });
  }
  return { available: true, version: current, ok: runs.every((r) => r.status === 0), findings, cached: stale ? 0 : hits.length };
}
