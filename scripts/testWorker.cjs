// One long-lived test process of `npm test` (scripts/testPool.mjs starts it): it takes
// units (a test file, or a TOGETHER group of files that must share a process) from the
// runner over IPC, one at a time, runs each as `uvu -r tsx` runs a directory's files
// (node_modules/uvu/run/index.js: the files loaded with require, then uvu's exec), and
// asks for the next. A unit's output ends with the line the runner names
// (TENANTC_TEST_UNIT_END), so the runner can print each unit's output whole.
//
//   node scripts/testWorker.cjs <directory of the test files>
'use strict';
const { join } = require('node:path');
// The CLI's V8 interrupt budget (cli/interruptBudget.cjs): ~7% less CPU over the suites,
// and the bundle the tests import takes its code cache.
const budget = require('../cli/interruptBudget.cjs').interruptBudgetFlag(process.execArgv, process.env.NODE_OPTIONS);
if (budget) require('node:v8').setFlagsFromString(budget);
const { ownAndReapedCpu } = require('./processCpu.cjs');

// What uvu's command line does before it loads the suites: colours on (-c is its
// default; the suites' children inherit it) and the suites' run() deferred to exec.
process.env.FORCE_COLOR = '1';
globalThis.UVU_DEFER = 1;
const profile = process.env.TENANTC_TEST_PROFILE === '1' ? require('../test/support/profile.cjs') : null;
const uvu = require('uvu');

const dir = process.argv[2];
const END = process.env.TENANTC_TEST_UNIT_END;
if (!dir || !END || !process.send) {
  process.stderr.write('scripts/testWorker.cjs runs under scripts/testPool.mjs (a directory argument, TENANTC_TEST_UNIT_END and an IPC channel)\n');
  process.exit(2);
}

process.on('message', async (message) => {
  if (message?.type !== 'unit') return;
  const cpu = ownAndReapedCpu();
  // uvu's queue holds one group per file: emptied in place, since profile.cjs wraps it.
  globalThis.UVU_QUEUE.length = 0;
  process.exitCode = undefined;
  try {
    // tsx (as `uvu -r tsx` loads it) before the first TypeScript file: a worker given
    // only JavaScript (test/testRunner.test.ts's) starts without its ~0.4 s of CPU.
    if (message.files.some((f) => /\.[cm]?tsx?$/.test(f))) require('tsx');
    message.files.forEach((name, index) => {
      globalThis.UVU_QUEUE.push([name]);
      globalThis.UVU_INDEX = index;
      require(join(dir, name));
    });
    await uvu.exec(false); // sets process.exitCode: 1 when a test failed
  } catch (e) {
    // As uvu's command line: a file that does not load fails (there it ends the process).
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exitCode = 1;
  }
  // test/helpers.ts compares the checkout after each unit (and when the process exits).
  process.emit('tenantc-test-unit-end');
  profile?.flush();
  const status = process.exitCode ?? 0;
  process.exitCode = undefined;
  // Pipes are written synchronously on Linux: the line follows all the unit wrote.
  process.stdout.write(`\n${END} ${message.id}\n`);
  process.send({ type: 'done', id: message.id, status, cpu: ownAndReapedCpu() - cpu });
});
// When the runner has no unit left it disconnects: the process then ends when its
// handles close, as uvu's does.
process.send({ type: 'ready' });
