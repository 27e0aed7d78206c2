// cfn-lint, when it is installed (pip install cfn-lint): one process over the given
// templates, parseable output. I/O edge: spawns the linter on files already on disk.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export type LintResult =
  | { readonly available: false }
  | { readonly available: true; readonly version: string; readonly ok: boolean; readonly findings: readonly string[] };

export function cfnLintVersion(): string | null {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0 ? null : probe.stdout.trim() || probe.stderr.trim();
}

/** Lints `paths` of `dir`, both as the user names them relative to `cwd`, so findings read the same. */
export function runCfnLint(cwd: string, dir: string, paths: readonly string[]): LintResult {
  const version = cfnLintVersion();
  if (version === null) return { available: false };
  if (paths.length === 0) return { available: true, version, ok: true, findings: [] };
  const r = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...paths.map((p) => join(dir, p))], { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const findings = `${r.stdout}${r.stderr}`
    .split('\n')
    .filter((l) => l.trim() !== '');
  return { available: true, version, ok: r.status === 0, findings };
}
