// npm test's runner: its last line (scripts/test.mjs, scripts/testSummary.mjs) names what
// was skipped on purpose, so a green run that skipped the moto suite says so; its pool of
// test workers (scripts/testPool.mjs, scripts/testWorker.cjs) runs each unit once, a
// TOGETHER group in one process, and fails the run for a failing unit, a worker that
// dies mid-unit (naming it) or a worker that fails after its last unit.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runPool, type Unit, unitsOf } from '../scripts/testPool.mjs';
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

const P = suite('npm test worker pool');

const UVU = join(ROOT, 'node_modules', 'uvu', 'dist', 'index.js');
/** A test file for a worker: it logs `<name> <pid>` to `log` when it loads, then runs `body` as its one test. */
const testFile = (dir: string, name: string, body: string, extra = '') =>
  writeFileSync(
    join(dir, name),
    [
      `const { suite } = require(${JSON.stringify(UVU)});`,
      `require('node:fs').appendFileSync(${JSON.stringify(join(dir, 'log'))}, ${JSON.stringify(name)} + ' ' + process.pid + '\\n');`,
      extra,
      `const S = suite(${JSON.stringify(name)});`,
      `S('one', async () => { ${body} });`,
      'S.run();',
      '',
    ].join('\n'),
  );
const logged = (dir: string) =>
  readFileSync(join(dir, 'log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' ') as [string, string]);
const unit = (...files: string[]): Unit => ({ label: files.join(' '), files, weight: 1 });
const quiet = { ...process.env, TENANTC_TEST_PROFILE: '' };

P('units: a TOGETHER group is one unit weighing its sum, heaviest first, ties by name, unlisted files 0.5', () => {
  const units = unitsOf(
    ['e.test.ts', 'd.test.ts', 'c.test.ts', 'b.test.ts', 'a.test.ts'],
    { 'a.test.ts': 1, 'b.test.ts': 3, 'c.test.ts': 2.5, 'd.test.ts': 2 },
    [['d.test.ts', 'a.test.ts']],
  );
  assert.equal(
    units.map((u) => [u.label, u.weight]),
    [
      ['a.test.ts d.test.ts', 3],
      ['b.test.ts', 3],
      ['c.test.ts', 2.5],
      ['e.test.ts', 0.5],
    ],
  );
});

P('each unit runs exactly once; a failing unit and a worker killed mid-unit fail, named; a group shares one process', async () => {
  await inTempDir(async (dir) => {
    testFile(dir, 'killed.test.cjs', "process.kill(process.pid, 'SIGKILL');");
    testFile(dir, 'fails.test.cjs', "throw new Error('this unit fails');");
    testFile(dir, 'group-a.test.cjs', 'await new Promise((r) => setTimeout(r, 50));');
    testFile(dir, 'group-b.test.cjs', '');
    const light = ['l1', 'l2', 'l3', 'l4', 'l5', 'l6'].map((n) => `${n}.test.cjs`);
    for (const f of light) testFile(dir, f, 'await new Promise((r) => setTimeout(r, 20));');
    const units = [unit('killed.test.cjs'), unit('group-a.test.cjs', 'group-b.test.cjs'), unit('fails.test.cjs'), ...light.map((f) => unit(f))];
    const seen: string[] = [];
    const run = await runPool({ units, workers: 2, dir, cwd: dir, env: quiet, onResult: (r) => seen.push(r.unit.label) });

    // Once each: reported once, loaded once (the units after the kill ran on a replacement).
    assert.equal(seen.sort(), units.map((u) => u.label).sort());
    assert.equal(run.results.map((r) => r.unit.label).sort(), seen);
    const log = logged(dir);
    assert.equal(log.map(([f]) => f).sort(), units.flatMap((u) => u.files).sort());
    assert.is(run.workers.length, 3, 'two workers and the one that replaced the killed one');

    const byLabel = new Map(run.results.map((r) => [r.unit.label, r]));
    const killed = byLabel.get('killed.test.cjs');
    assert.ok(killed && !killed.passed);
    assert.match(killed.output, /FAIL {2}test worker \d+ \(pid \d+\) was killed \(SIGKILL\) while running killed\.test\.cjs/);
    const fails = byLabel.get('fails.test.cjs');
    assert.ok(fails && !fails.passed);
    assert.match(fails.output, 'this unit fails');
    for (const r of run.results.filter((r) => r !== killed && r !== fails)) {
      assert.ok(r.passed, r.output);
      // Whole and its own: its files' headers and summary, no other unit's.
      for (const f of r.unit.files) assert.match(r.output, f);
      assert.match(r.output, /Total: +\d+/);
      for (const other of units.filter((u) => u !== r.unit)) for (const f of other.files) assert.not.match(r.output, f);
    }
    const pid = (f: string) => log.find(([g]) => g === f)?.[1];
    assert.is(pid('group-a.test.cjs'), pid('group-b.test.cjs'));
    assert.is(String(byLabel.get('group-a.test.cjs group-b.test.cjs')?.pid), pid('group-a.test.cjs'));
    assert.ok(
      run.workers.every((w) => w.passed),
      "a worker that died mid-unit is that unit's failure, not one more",
    );
  }, 'tenantc-pool-');
});

P('one worker runs every unit in one process, in the order given; profile lines land in their unit; a worker failing at exit fails', async () => {
  await inTempDir(async (dir) => {
    testFile(dir, 'first.test.cjs', '');
    testFile(dir, 'second.test.cjs', '');
    // As test/helpers.ts's check of the checkout: after each unit, and at exit.
    testFile(
      dir,
      'third.test.cjs',
      '',
      "process.on('tenantc-test-unit-end', () => { process.exitCode = 1; }); process.on('exit', () => { process.exitCode = 4; });",
    );
    const units = [unit('second.test.cjs'), unit('first.test.cjs'), unit('third.test.cjs')];
    const run = await runPool({ units, workers: 1, dir, cwd: dir, env: { ...process.env, TENANTC_TEST_PROFILE: '1' } });
    const log = logged(dir);
    assert.equal(
      log.map(([f]) => f),
      ['second.test.cjs', 'first.test.cjs', 'third.test.cjs'],
    );
    assert.is(new Set(log.map(([, p]) => p)).size, 1);
    for (const r of run.results) assert.match(r.output, new RegExp(`^\\[profile\\] ${r.unit.files[0]?.replace('.', '\\.')} cpu=`, 'm'));
    assert.equal(
      run.results.map((r) => r.passed),
      [true, true, false],
      'the unit-end check fails the unit it ran after',
    );
    assert.is(run.workers.length, 1);
    assert.not.ok(run.workers[0]?.passed);
    assert.match(run.workers[0]?.output ?? '', 'exited with code 4 after its last unit');
  }, 'tenantc-pool-');
});

P('a worker that does not exit after its last unit (a handle left open) is killed and fails, naming its units', async () => {
  await inTempDir(async (dir) => {
    testFile(dir, 'leaks.test.cjs', 'setInterval(() => {}, 1000);');
    const run = await runPool({ units: [unit('leaks.test.cjs')], workers: 1, dir, cwd: dir, env: quiet, exitGraceMs: 300 });
    assert.ok(run.results[0]?.passed);
    assert.not.ok(run.workers[0]?.passed);
    assert.match(run.workers[0]?.output ?? '', /did not exit 0\.3 s after its last unit: a test left a handle open \(it ran leaks\.test\.cjs\)/);
  }, 'tenantc-pool-');
});

P.run();
