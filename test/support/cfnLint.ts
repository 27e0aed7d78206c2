import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inTempDir } from '../helpers.ts';

/** Runs cfn-lint once over a set of templates; returns its parseable output and exit code. */
export function cfnLint(templates: ReadonlyMap<string, string>): { available: boolean; status: number | null; output: string } {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (probe.error) return { available: false, status: null, output: '' };
  return inTempDir((dir) => {
    const paths = [...templates].map(([name, body]) => {
      const p = join(dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, body);
      return p;
    });
    const r = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...paths], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    return { available: true, status: r.status, output: `${r.stdout}${r.stderr}`.replaceAll(`${dir}/`, '') };
  }, 'tenantc-lint-');
}

