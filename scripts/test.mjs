#!/usr/bin/env node
// `npm test`: the strict typecheck, the format check (Biome: `npm run format` applies
// it) and every test/*.test.ts (uvu), run side by side.
// The suites run in a pool of long-lived test workers (scripts/testPool.mjs,
// scripts/testWorker.cjs; one more than the cores by default) that take units (a file,
// or a TOGETHER group of files) from one queue, heaviest first: while one worker waits
// (on moto_server, on cfn-lint's lints) the others keep both cores busy. Each unit's
// output is printed whole when it ends, each check's when it ends; then how busy the
// workers were and the run's CPU; the exit code is non-zero when the typecheck, the
// format check or any unit fails.
//
//   npm test                 everything
//   npm test -- <regex>      the test files whose name matches (typecheck and format still run)
//
// TENANTC_TEST_SHARDS=N runs N workers (1: every suite in one process).
// TENANTC_SKIP_MOTO=1 skips the moto run on purpose (never where TENANTC_REQUIRE_MOTO is
// set); the last line names every skip.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCfnLintServer } from './cfnLintServer.mjs';
import processCpu from './processCpu.cjs';
import { runPool, unitsOf } from './testPool.mjs';
import { notRun, summaryLine } from './testSummary.mjs';

const { ownAndReapedCpu, procStatFields } = processCpu;

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Each test file's weight: its wall seconds in its test process, from the profile of a
 * quiet 2-core run (TENANTC_TEST_PROFILE=1 npm test, test/support/profile.cjs; two
 * fixed shards at 68db66c, 2026-12-04 15:28, load under 1), to the half second.
 * The queue is taken heaviest first: a unit's weight is its files' sum, and the
 * longest (the moto run waiting on moto_server, the PostgreSQL group waiting on the
 * reapers' grace periods) start first, so that their waits overlap the rest and no long
 * unit starts last. Wall, not CPU, for that reason: a suite's wall includes what it
 * waits for outside its process (moto_server, the cfn-lint server's lints). Only the
 * order matters, so re-measure when a suite grows or shrinks by seconds; on a loaded
 * machine wall seconds say little. Files under 0.75 s are left out: they weigh 0.5.
 */
const WEIGHT = {
  'deployMoto.test.ts': 27,
  'withTenant.test.ts': 13,
  'scale.test.ts': 11.5,
  'rls.test.ts': 11,
  'check.test.ts': 8.5,
  'diff.test.ts': 8,
  'cli.test.ts': 7.5,
  'statusPage.test.ts': 5.5,
  'status.test.ts': 5.5,
  'referenceApp.test.ts': 5.5,
  'awsRetry.test.ts': 3.5,
  'lock.test.ts': 3,
  'deploy.test.ts': 3,
  'allow.test.ts': 3,
  'onboarding.test.ts': 2.5,
  'compile.test.ts': 2.5,
  'bootstrap.test.ts': 2.5,
  'testRunner.test.ts': 2,
  'sqlTemplates.test.ts': 2,
  'yamlFastPath.test.ts': 1.5,
  'templates.test.ts': 1.5,
  'provisioner.test.ts': 1.5,
  'isolation.test.ts': 1.5,
  'grammar.test.ts': 1.5,
  'cfnLintServer.test.ts': 1.5,
  'workflow.test.ts': 1,
  'resourceModel.test.ts': 1,
  'platformValues.test.ts': 1,
  'newlySuppressed.test.ts': 1,
  'live.test.ts': 1,
  'lifecycle.test.ts': 1,
  'compileCache.test.ts': 1,
  'ami.test.ts': 1,
};
/**
 * Suites that must share a process: those that run the built CLI (it is built once per
 * process), and those that create PostgreSQL roles (roles are cluster-wide); the suites
 * that start a PGlite join the latter, so its initdb runs once (test/support/databases.ts).
 * Each group is one unit of the queue: one worker runs its files, one after the other.
 */
const TOGETHER = [
  ['cli.test.ts', 'deployMoto.test.ts', 'dependencies.test.ts', 'bundleLoader.test.ts'],
  ['rls.test.ts', 'withTenant.test.ts', 'referenceApp.test.ts', 'sqlTemplates.test.ts'],
];

const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
const files = readdirSync(join(root, 'test')).filter((f) => f.endsWith('.test.ts') && (!filter || filter.test(f)));
const units = unitsOf(files, WEIGHT, TOGETHER);
const cores = availableParallelism();
const workers = Math.max(1, Math.floor(Number(process.env.TENANTC_TEST_SHARDS)) || cores + 1);

const started = Date.now();
const machineBefore = machineTimes();
const loadBefore = loadavg()[0];
// One cache of cfn-lint's clean verdicts for the whole run (test/helpers.ts LINT_CACHE).
const lintCache = mkdtempSync(join(tmpdir(), 'tenantc-lint-cache-'));
// The compile caches of the suites' compiles (compiler/write/compileCache.ts, one per
// output directory, each under the user's cache otherwise): the run's own, removed after it.
const compileCacheHome = mkdtempSync(join(tmpdir(), 'tenantc-test-cache-'));
// One cfn-lint imported once for the whole run (scripts/cfnLintServer.mjs): the suites'
// `cfn-lint` is a shim that forks it. TENANTC_TEST_CFN_LINT_SERVER=0 runs the real one.
const profile = process.env.TENANTC_TEST_PROFILE === '1';
const cfnLintServer = process.env.TENANTC_TEST_CFN_LINT_SERVER === '0' ? null : startCfnLintServer();
const env = {
  ...process.env,
  TENANTC_TEST_LINT_CACHE: lintCache,
  XDG_CACHE_HOME: compileCacheHome,
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
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const done = (status, text) => {
      const r = { label, passed: status === 0, output: text, wall: (Date.now() - start) / 1000 };
      print(r);
      resolve(r);
    };
    child.on('error', (e) => done(1, `${output}${e.message}\n`));
    child.on('close', (status) => done(status, output));
  });
}

/** A unit's or a check's output, whole, under one line that says what it was and how it went. */
function print(r, where = '') {
  process.stdout.write(`\n== ${r.label}: ${r.passed ? 'passed' : 'FAILED'} (${where}${r.wall.toFixed(1)} s)\n${r.output}`);
}

// Profiling: how many threads of the run are runnable (on a core or waiting for one),
// sampled every 0.2 s. On an otherwise quiet machine the cores idle while fewer than
// `cores` are; unlike wall seconds, this changes little when other work loads the machine.
const demand = profile ? sampleRunnable(cores) : null;

const checks = [
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
];
const pool = await runPool({
  units,
  workers,
  dir: join(root, 'test'),
  cwd: root,
  env,
  onResult: (r) => print({ ...r, label: r.unit.label }, `worker ${r.worker}, `),
});
const checked = await Promise.all(checks);
for (const w of pool.workers.filter((w) => w.output.trim() || !w.passed)) {
  process.stdout.write(`\n== test worker ${w.worker} after its units: ${w.passed ? 'passed' : 'FAILED'}\n${w.output}`);
}
const outputs = [...checked.map((r) => r.output), ...pool.results.map((r) => r.output), ...pool.workers.map((w) => w.output)];
const failures = [...checked.filter((r) => !r.passed).map((r) => r.label), ...pool.results.filter((r) => !r.passed).map((r) => r.unit.label)];
failures.push(...pool.workers.filter((w) => !w.passed).map((w) => `test worker ${w.worker}`));
rmSync(lintCache, { recursive: true, force: true });
rmSync(compileCacheHome, { recursive: true, force: true });
// Read before stop(), which removes the server's directory (the log with it, unless
// TENANTC_CFN_LINT_SERVER_LOG named another place). Each lint the server forks logs its
// CPU seconds there: they are no test process's children, so this is the only count of
// them in the run's CPU.
const lintsCpu = cfnLintServer ? readLints(cfnLintServer.log) : null;
const lintServerCpu = cfnLintServer?.stop() ?? null;
const wall = (Date.now() - started) / 1000;

if (profile) {
  // test/support/profile.cjs's lines, heaviest first: the numbers WEIGHT above is made of.
  const lines = outputs.flatMap((o) => [...o.matchAll(/^\[profile\] (\S+) cpu=([\d.]+) wall=([\d.]+)$/gm)]);
  lines.sort((a, b) => Number(b[2]) - Number(a[2]));
  process.stdout.write(`\n== CPU seconds per test file (its process and the children it waited for), wall seconds\n`);
  for (const m of lines) process.stdout.write(`  ${m[1].padEnd(28)} ${m[2].padStart(6)} ${m[3].padStart(6)}\n`);
  // Its lints are no test process's children: their CPU is in no line above (nor in a
  // `time npm test`, which counts only the children waited for).
  if (lintServerCpu != null) process.stdout.write(`  ${'(the cfn-lint server)'.padEnd(28)} ${lintServerCpu.toFixed(2).padStart(6)}\n`);
  if (lintsCpu) process.stdout.write(`  ${`(its ${lintsCpu.count} lints)`.padEnd(28)} ${lintsCpu.cpu.toFixed(2).padStart(6)}\n`);
}

// How busy the run kept the cores: each worker's wall seconds running a unit against
// its life (the rest is starting, waiting for its first unit, idle at the end, exiting),
// and the CPU of the whole run (this process, every child it reaped, the cfn-lint server
// and its lints) against cores × wall.
process.stdout.write(`\n== ${pool.workers.length} test workers on ${cores} cores: busy (running a unit) / alive wall s, CPU s in units, units\n`);
for (const w of pool.workers) {
  const alive = w.ended - w.started;
  process.stdout.write(
    `  worker ${String(w.worker).padEnd(3)} ${w.busy.toFixed(1).padStart(6)} / ${alive.toFixed(1).padStart(6)}  ${w.cpu.toFixed(1).padStart(6)}  ${w.units.length}\n`,
  );
}
const runCpu = ownAndReapedCpu() + (lintServerCpu ?? 0) + (lintsCpu?.cpu ?? 0);
const machine = machineTimes();
const machineBusy = machine && machineBefore ? (machine.busy - machineBefore.busy) / (machine.total - machineBefore.total) : null;
process.stdout.write(
  `  the run: ${runCpu.toFixed(1)} s of CPU in ${wall.toFixed(1)} s on ${cores} cores (${((100 * runCpu) / (cores * wall)).toFixed(0)}% of them${
    lintsCpu ? '' : '; its lints not counted'
  })${machineBusy == null ? '' : `; all processes kept the cores ${(100 * machineBusy).toFixed(0)}% busy`}; load average ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)}\n`,
);

if (demand) process.stdout.write(`  ${demand.stop()}\n`);

let failed = failures.length > 0;
failed ||= notRun(outputs) > 0;
if (failures.length) process.stdout.write(`\n== FAILED: ${failures.join('; ')}\n`);
process.stdout.write(`\n${summaryLine(failed, wall, outputs)}\n`);
process.exitCode = failed ? 1 : 0;

/** The cfn-lint server's log: how many lints and their CPU seconds. */
function readLints(log) {
  if (!existsSync(log)) return { count: 0, cpu: 0 };
  const lints = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).cpu);
  return { count: lints.length, cpu: lints.reduce((a, b) => a + b, 0) };
}

/** The machine's CPU time so far, all cores and processes (/proc/stat, Linux; null elsewhere). */
function machineTimes() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { total, busy: total - f[3] - (f[4] ?? 0) }; // idle, iowait
  } catch {
    return null;
  }
}

/**
 * Samples the runnable threads of this run's processes (this runner's own excepted) every
 * 0.2 s from /proc (Linux): stop() says for what share of the samples they were at least
 * `cores`, fewer, or none.
 */
function sampleRunnable(cores) {
  const counts = new Map();
  const sample = () => {
    const children = new Map();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const ppid = Number(procStatFields(`/proc/${name}/stat`)[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
      } catch {} // ended meanwhile
    }
    let runnable = 0;
    const stack = [...(children.get(process.pid) ?? [])];
    while (stack.length) {
      const pid = stack.pop();
      stack.push(...(children.get(pid) ?? []));
      try {
        for (const tid of readdirSync(`/proc/${pid}/task`)) if (procStatFields(`/proc/${pid}/task/${tid}/stat`)[0] === 'R') runnable++;
      } catch {}
    }
    counts.set(runnable, (counts.get(runnable) ?? 0) + 1);
  };
  const timer = setInterval(() => {
    try {
      sample();
    } catch {} // no /proc
  }, 200);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const n = [...counts.values()].reduce((a, b) => a + b, 0);
      if (!n) return 'runnable threads: no samples (no /proc)';
      const share = (keep) => `${((100 * [...counts].filter(([k]) => keep(k)).reduce((a, [, v]) => a + v, 0)) / n).toFixed(0)}%`;
      return `runnable threads of the run (${n} samples, every 0.2 s): at least ${cores} ${share((k) => k >= cores)} of the time, ${cores === 2 ? '1' : `1 to ${cores - 1}`} ${share((k) => k > 0 && k < cores)}, none ${share((k) => k === 0)}`;
    },
  };
}
