// cfn-lint over templates held in memory: written to a temporary directory and linted
// by the same runner `tenantc check` uses (compiler/check/cfnLint.ts), with the test
// run's cache of clean verdicts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as assert from 'uvu/assert';
import { runCfnLint } from '../../compiler/check/cfnLint.ts';
import { inTempDir, LINT_CACHE } from '../helpers.ts';

export interface TestLint {
  readonly available: boolean;
  readonly status: number | null;
  readonly output: string;
}

export function cfnLint(templates: ReadonlyMap<string, string>): Promise<TestLint> {
  return inTempDir(async (dir) => {
    for (const [name, body] of templates) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), body);
    }
    const r = await runCfnLint(dir, '.', [...templates.keys()], { cacheDir: LINT_CACHE });
    if (!r.available) return { available: false, status: null, output: '' };
    return { available: true, status: r.ok ? 0 : 1, output: r.findings.join('\n') };
  }, 'tenantc-lint-');
}

/**
 * Asserts cfn-lint reports nothing; where it is not installed, the test fails when the
 * environment requires it (TENANTC_REQUIRE_CFN_LINT, set by .ci/run).
 */
export async function assertCfnLintClean(templates: ReadonlyMap<string, string>): Promise<boolean> {
  const lint = await cfnLint(templates);
  if (!lint.available) {
    assert.not.ok(process.env.TENANTC_REQUIRE_CFN_LINT, 'cfn-lint is required here (TENANTC_REQUIRE_CFN_LINT) but not installed');
    console.warn('  [expected] cfn-lint is not installed: this check was not run');
    return false;
  }
  assert.is(lint.status, 0, `cfn-lint findings:\n${lint.output}`);
  return true;
}
