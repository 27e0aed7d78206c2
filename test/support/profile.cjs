// `TENANTC_TEST_PROFILE=1 npm test`: what each test file costs in its test process, to
// weigh the units (scripts/test.mjs WEIGHT) with measurements rather than guesses.
// Loaded before the suites (by scripts/testWorker.cjs, or with `uvu -r`): it wraps uvu's
// queue so each file's import and each of its suites' runs are timed, in CPU seconds of
// this process and of the child processes it waited for (cfn-lint, the built CLI, moto's
// probe: /proc's cutime and cstime), and in wall seconds. Printed as one `[profile]` line
// per file after each unit of a test worker, or at exit.
// A child's CPU counts when it is reaped: moto_server, killed at the end of the moto
// suite, can land in a later file's line; the cfn-lint server's forks are in none (they
// are not this process's children). The wall seconds are what scripts/test.mjs weighs.
const { ownAndReapedCpu: cpu } = require('../../scripts/processCpu.cjs');

const wall = () => performance.now() / 1000;

const costs = new Map(); // file → { cpu, wall }
const add = (file, c, w) => {
  const o = costs.get(file) ?? { cpu: 0, wall: 0 };
  o.cpu += c;
  o.wall += w;
  costs.set(file, o);
};

let importing = null; // { file, cpu, wall } of the file being imported
const endImport = () => {
  if (importing) add(importing.file, cpu() - importing.cpu, wall() - importing.wall);
  importing = null;
};

const queue = [];
const push = queue.push.bind(queue);
queue.push = (group) => {
  // uvu/run pushes [file name] right before it imports that file.
  endImport();
  const file = group[0];
  importing = { file, cpu: cpu(), wall: wall() };
  const runs = [];
  const wrapped = [file];
  wrapped.shift = () => Array.prototype.shift.call(wrapped);
  wrapped.push = (run) =>
    Array.prototype.push.call(wrapped, async () => {
      endImport();
      const c = cpu();
      const w = wall();
      try {
        return await run();
      } finally {
        add(file, cpu() - c, wall() - w);
      }
    });
  return push(wrapped);
};
globalThis.UVU_QUEUE = queue;

/** Prints the lines of the files timed so far and forgets them: scripts/testWorker.cjs calls it after each unit, so the lines land in that unit's output. */
function flush() {
  endImport();
  for (const [file, c] of costs) process.stdout.write(`[profile] ${file} cpu=${c.cpu.toFixed(2)} wall=${c.wall.toFixed(2)}\n`);
  costs.clear();
}
process.on('exit', flush);
module.exports = { flush };
