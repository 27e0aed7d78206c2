// cfn-lint, when it is installed (pip install cfn-lint), over templates already on
// disk, parseable output. I/O edge: spawns the linter. cfn-lint is single-threaded and
// spends ~0.5 s per template, so the templates are shared out between one process per
// core (at most four), balanced by size; the version probe runs beside them.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

export type LintResult =
  | { readonly available: false }
  | { readonly available: true; readonly version: string; readonly ok: boolean; readonly findings: readonly string[] };

interface Run {
  readonly status: number | null;
  readonly output: string;
  readonly missing: boolean;
}

function run(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('cfn-lint', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ status: null, output: e.message, missing: e.code === 'ENOENT' }));
    child.on('close', (status) => resolve({ status, output, missing: false }));
  });
}

/** `paths` spread over `n` lists of about equal total size (largest first, each to the lightest list). */
export function balance(paths: readonly { readonly path: string; readonly bytes: number }[], n: number): string[][] {
  const lists = Array.from({ length: Math.max(1, Math.min(n, paths.length)) }, () => ({ bytes: 0, paths: [] as string[] }));
  for (const p of [...paths].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1))) {
    const lightest = lists.reduce((min, l) => (l.bytes < min.bytes ? l : min));
    lightest.paths.push(p.path);
    lightest.bytes += p.bytes;
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

/** Lints `paths` of `dir`, both as the user names them relative to `cwd`, so findings read the same. */
export async function runCfnLint(cwd: string, dir: string, paths: readonly string[], processes = Math.min(4, availableParallelism())): Promise<LintResult> {
  const files = paths.map((p) => ({ path: join(dir, p), bytes: statSync(resolve(cwd, dir, p)).size }));
  const [version, ...runs] = await Promise.all([run(['--version'], cwd), ...balance(files, processes).filter((l) => l.length).map((l) => run(['--format', 'parseable', '--', ...l], cwd))]);
  if (version!.missing) return { available: false };
  const findings = runs
    .flatMap((r) => r.output.split('\n'))
    .filter((l) => l.trim() !== '')
    .sort(byPosition);
  return { available: true, version: version!.output.trim(), ok: runs.every((r) => r.status === 0), findings };
}
