#!/usr/bin/env node
// `npm test`: the strict typecheck, the format check (Biome: `npm run format` applies
// it) and every test/*.test.ts (uvu), run side by side.
// The suites are split between one uvu process per core (at most two), each file in
// one of them, heaviest first to the lighter process, so the wall time is about half
// the sum. Each process's output is printed whole, in order, when it ends; the exit
// code is non-zero when the typecheck or any suite fails.
//
//   npm test                 everything
//   npm test -- <regex>      the test files whose name matches (typecheck and format still run)
//
// TENANTC_TEST_SHARDS=1 runs every suite in one process. TENANTC_SKIP_MOTO=1 skips the
// moto run on purpose (never where TENANTC_REQUIRE_MOTO is set); the last line names
// every skip.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCfnLintServer } from './cfnLintServer.mjs';
import { notRun, summaryLine } from './testSummary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Each test file's weight: its wall seconds in its uvu process, measured with
 * TENANTC_TEST_PROFILE=1 npm test (test/support/profile.cjs) on the 2-core machine,
 * quiet (load 0.6, 2026-12-03 18:30), to the half second. Wall, not CPU: the two shards
 * run side by side and the run ends with the slower one, and a suite's wall includes
 * what it waits for outside its process (moto_server, the cfn-lint server's lints, the
 * reaper tests' grace periods). On a loaded machine wall seconds say little: measure
 * quiet, or compare the CPU column. Only the ratios matter: they decide the split.
 * Unlisted files weigh 0.5.
 */
const WEIGHT = {
  'deployMoto.test.ts': 43.5,
  'check.test.ts': 21,
  'scale.test.ts': 20,
  'rls.test.ts': 15.5,
  'diff.test.ts': 15.5,
  'withTenant.test.ts': 13.5,
  'statusPage.test.ts': 12,
  'status.test.ts': 11.5,
  'cli.test.ts': 11.5,
  'referenceApp.test.ts': 11,
  'testRunner.test.ts': 7.5,
  'lock.test.ts': 7,
  'cfnLintServer.test.ts': 6,
  'deploy.test.ts': 5,
  'workflow.test.ts': 4.5,
  'onboarding.test.ts': 4.5,
  'compile.test.ts': 4.5,
  'yamlFastPath.test.ts': 4,
  'awsRetry.test.ts': 4,
  'isolation.test.ts': 3.5,
  'injection.test.ts': 3,
  'allow.test.ts': 3,
  'platformValues.test.ts': 2.5,
  'grammar.test.ts': 2.5,
  'sqlTemplates.test.ts': 2,
  'lifecycle.test.ts': 2,
  'compileCache.test.ts': 2,
  'bootstrap.test.ts': 2,
  'ami.test.ts': 2,
  'templates.test.ts': 1.5,
  'provisioner.test.ts': 1.5,
  'resourceModel.test.ts': 1,
  'cfnTypes.test.ts': 1,
};
/**
 * Suites that must share a process: those that run the built CLI (it is built once per
 * process), and those that create PostgreSQL roles (roles are cluster-wide); the suites
 * that start a PGlite join the latter, so its initdb runs once (test/support/databases.ts).
 */
const TOGETHER = [
  ['cli.test.ts', 'deployMoto.test.ts', 'dependencies.test.ts'],
  ['rls.test.ts', 'withTenant.test.ts', 'referenceApp.test.ts', 'sqlTemplates.test.ts'],
];

const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
const files = readdirSync(join(root, 'test'))
  .filter((f) => f.endsWith('.test.ts') && (!filter || filter.test(f)))
  .sort();
const units = [];
for (const f of files) {
  const group = TOGETHER.find((g) => g.includes(f));
  const unit = group ? units.find((u) => u.group === group) : undefined;
  if (unit) unit.files.push(f);
  else units.push({ group, files: [f] });
}
const weight = (unit) => unit.files.reduce((w, f) => w + (WEIGHT[f] ?? 0.5), 0);
const count = Math.max(1, Math.min(Number(process.env.TENANTC_TEST_SHARDS) || 2, availableParallelism(), units.length));
const shards = Array.from({ length: count }, () => ({ weight: 0, files: [] }));
for (const unit of [...units].sort((a, b) => weight(b) - weight(a) || (a.files[0] < b.files[0] ? -1 : 1))) {
  const lightest = shards.reduce((min, s) => (s.weight < min.weight ? s : min));
  lightest.files.push(...unit.files);
  lightest.weight += weight(unit);
}

const started = Date.now();
// One cache of cfn-lint's clean verdicts for the whole run (test/helpers.ts LINT_CACHE).
const lintCache = mkdtempSync(join(tmpdir(), 'tenantc-lint-cache-'));
// One cfn-lint imported once for the whole run (scripts/cfnLintServer.mjs): the suites'
// `cfn-lint` is a shim that forks it. TENANTC_TEST_CFN_LINT_SERVER=0 runs the real one.
const profile = process.env.TENANTC_TEST_PROFILE === '1';
const cfnLintServer = process.env.TENANTC_TEST_CFN_LINT_SERVER === '0' ? null : startCfnLintServer();
const env = {
  ...process.env,
  TENANTC_TEST_LINT_CACHE: lintCache,
  ...(cfnLintServer
    ? {
        PATH: `${cfnLintServer.binDir}${delimiter}${process.env.PATH}`,
        TENANTC_TEST_CFN_LINT_REAL: cfnLintServer.real,
        // Each lint the server forks logs a line there (test/support/cfnLintServer.py).
        TENANTC_TEST_CFN_LINT_LOG: cfnLintServer.log,
      }
    : {}),
};

function run(label, command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => resolve({ label, status: 1, output: `${output}${e.message}\n` }));
    child.on('close', (status) => resolve({ label, status, output }));
  });
}

const escape = (f) => f.replace(/[.]/g, '\\.');
const uvu = join(root, 'node_modules', 'uvu', 'bin.js');
const jobs = [
  // TypeScript 7 (the native compiler). One checker (--checkers 1): the default four
  // each check the types the files share again, ~40% more CPU for a shorter tsc wall,
  // and here the suites want both cores anyway. Incremental: the first run checks
  // everything (~7 s of CPU at load 20; TypeScript 5.9 took ~40 s there) and records
  // what it checked in node_modules/.cache; a later run rechecks only the files a change
  // can affect, with the same verdict as a full check (TENANTC_TEST_TSC_FULL=1 forces one).
  run('typecheck (tsc --noEmit)', join(root, 'node_modules', '.bin', 'tsc'), [
    '--noEmit',
    '-p',
    '.',
    '--checkers',
    '1',
    ...(process.env.TENANTC_TEST_TSC_FULL === '1'
      ? []
      : ['--incremental', '--tsBuildInfoFile', join(root, 'node_modules', '.cache', 'tenantc', 'tsc.tsbuildinfo')]),
  ]),
  run('format (biome format; npm run format fixes it)', join(root, 'node_modules', '.bin', 'biome'), ['format', '.']),
  ...shards
    .filter((s) => s.files.length)
    .map((s, i) =>
      run(`suites ${i + 1}/${count}: ${s.files.join(' ')}`, process.execPath, [
        uvu,
        '-r',
        'tsx',
        ...(profile ? ['-r', join(root, 'test', 'support', 'profile.cjs')] : []),
        'test',
        `^(${s.files.map(escape).join('|')})$`,
      ]),
    ),
];
let failed = false;
const outputs = [];
for (const job of jobs) {
  const r = await job;
  process.stdout.write(`\n== ${r.label}: ${r.status === 0 ? 'passed' : 'FAILED'}\n${r.output}`);
  outputs.push(r.output);
  failed ||= r.status !== 0;
}
rmSync(lintCache, { recursive: true, force: true });
// Read before stop(), which removes the server's directory (the log with it, unless
// TENANTC_CFN_LINT_SERVER_LOG named another place).
const lintLines = cfnLintServer && existsSync(cfnLintServer.log) ? readFileSync(cfnLintServer.log, 'utf8').trim().split('\n').filter(Boolean) : [];
const lintServerCpu = cfnLintServer?.stop();
if (profile) {
  // test/support/profile.cjs's lines, heaviest first: the numbers WEIGHT above is made of.
  const lines = outputs.flatMap((o) => [...o.matchAll(/^\[profile\] (\S+) cpu=([\d.]+) wall=([\d.]+)$/gm)]);
  lines.sort((a, b) => Number(b[2]) - Number(a[2]));
  process.stdout.write(`\n== CPU seconds per test file (its process and the children it waited for), wall seconds\n`);
  for (const m of lines) process.stdout.write(`  ${m[1].padEnd(28)} ${m[2].padStart(6)} ${m[3].padStart(6)}\n`);
  // Its lints are no test process's children: their CPU is in no line above (nor in a
  // `time npm test`, which counts only the children waited for).
  if (lintServerCpu != null) process.stdout.write(`  ${'(the cfn-lint server)'.padEnd(28)} ${lintServerCpu.toFixed(2).padStart(6)}\n`);
  if (cfnLintServer) {
    const lints = lintLines.map((l) => JSON.parse(l).cpu);
    process.stdout.write(
      `  ${`(its ${lints.length} lints)`.padEnd(28)} ${lints
        .reduce((a, b) => a + b, 0)
        .toFixed(2)
        .padStart(6)}\n`,
    );
  }
}
failed ||= notRun(outputs) > 0;
process.stdout.write(`\n${summaryLine(failed, (Date.now() - started) / 1000, outputs)}\n`);
process.exitCode = failed ? 1 : 0;
