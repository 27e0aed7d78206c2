// npm test's last line (scripts/test.mjs, scripts/testSummary.mjs) names what was
// skipped on purpose, so a green run that skipped the moto suite says so.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { notRun, summaryLine } from '../scripts/testSummary.mjs';
import { inTempDir, ROOT } from './helpers.ts';

const R = suite('npm test summary');

const uvuSummary = (skipped: number) => `\n  Total:     3\n\u001b[32m  Passed:    3\u001b[39m\n  Skipped:   ${skipped}\n  Duration:  1.00ms\n`;

R('a run that skipped nothing says passed or FAILED and its time, nothing more', () => {
  assert.is(summaryLine(false, 48.04, [uvuSummary(0), uvuSummary(0)]), '== npm test: passed in 48.0 s');
  assert.is(summaryLine(true, 3, [uvuSummary(0)]), '== npm test: FAILED in 3.0 s');
});

R('skipped tests are counted across processes, with the reasons the suites print', () => {
  assert.is(
    summaryLine(false, 50, [`  [skipped] deploy on moto: TENANTC_SKIP_MOTO=1\n${uvuSummary(9)}`, uvuSummary(1)]),
    '== npm test: passed in 50.0 s; 10 tests skipped on purpose (deploy on moto: TENANTC_SKIP_MOTO=1)',
  );
});

R('a suite whose before hook throws (uvu prints "(0 / N)" and exits 0) fails the run, saying so', () => {
  inTempDir((dir) => {
    writeFileSync(
      join(dir, 'hook.test.mjs'),
      [
        `import { suite } from '${pathToFileURL(join(ROOT, 'node_modules', 'uvu', 'dist', 'index.mjs')).href}';`,
        "const S = suite('hook');",
        "S.before(() => { throw new Error('the server did not start'); });",
        "S('one', () => {});",
        "S('two', () => {});",
        'S.run();',
        '',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'uvu', 'bin.js'), dir, '^hook\\.test\\.mjs$'], { cwd: ROOT, encoding: 'utf8' });
    const output = r.stdout + r.stderr;
    assert.match(output, /Total: +2\b/, output);
    assert.is(notRun([output]), r.status === 0 ? 2 : notRun([output]), 'uvu exits 0: only the counts show the two tests that did not run');
    assert.match(summaryLine(r.status !== 0, 1, [output]), /^== npm test: FAILED in 1\.0 s/);
  }, 'tenantc-uvu-hook-');
  assert.is(
    summaryLine(false, 2, [uvuSummary(0), '\n  Total:     13\n\u001b[32m  Passed:    0\u001b[39m\n  Skipped:   0\n']),
    '== npm test: FAILED in 2.0 s; 13 tests neither passed nor failed (a before hook threw: uvu reports such a suite as passing)',
  );
  assert.is(notRun([uvuSummary(2)]), 0, 'skipped tests are not lost ones');
});

R('the moto suite under TENANTC_SKIP_MOTO=1: its tests are skipped, and the summary line says which and why', () => {
  const { TENANTC_REQUIRE_MOTO: _required, ...env } = process.env;
  const run = (extra: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [join(ROOT, 'node_modules', 'uvu', 'bin.js'), '-r', 'tsx', 'test', '^deployMoto\\.test\\.ts$'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...env, ...extra },
    });
  const skipped = run({ TENANTC_SKIP_MOTO: '1' });
  assert.is(skipped.status, 0, skipped.stdout + skipped.stderr);
  assert.match(summaryLine(false, 1, [skipped.stdout + skipped.stderr]), /; [1-9]\d* tests skipped on purpose \(deploy on moto: TENANTC_SKIP_MOTO=1\)$/);
  // An environment that requires moto cannot skip it.
  const refused = run({ TENANTC_SKIP_MOTO: '1', TENANTC_REQUIRE_MOTO: '1' });
  assert.is.not(refused.status, 0);
  assert.match(refused.stderr, 'this environment requires the moto run, it cannot skip it');
});

R.run();
