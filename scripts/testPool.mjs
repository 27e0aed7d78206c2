// The pool of test workers behind `npm test` (scripts/test.mjs). A fixed split of the
// files between processes leaves a core idle whenever one process waits (on
// moto_server, on the cfn-lint server's lints, on a reaper's grace period) and at the
// end, when one split finishes before the other. Here each worker
// (scripts/testWorker.cjs) is a long-lived process that takes the next unit from one
// queue, in the order given (heaviest first), when it is done with the last: a worker
// that waits holds only its unit, and the others keep taking units.
//
// Each unit's output (stdout and stderr, as one stream in the order written) is handed
// back whole when the unit ends. A unit that fails, or whose worker dies while running
// it, is a failed result naming the unit; a worker that dies is replaced while units
// remain. A worker that exits non-zero after its last unit (test/helpers.ts's check of
// the checkout at exit) or does not exit is a failure of its own.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./testWorker.cjs', import.meta.url));
/** How long a worker may take to exit after its last unit: longer means a test left a handle open. */
const EXIT_GRACE_MS = 60_000;

/**
 * The units of a run, heaviest first (ties by name): each file alone, except the files
 * of a group in `together`, which make one unit (in name order) and weigh their sum.
 * @param {readonly string[]} files
 * @param {Readonly<Record<string, number>>} weights a file's weight; unlisted files weigh `unlisted`
 * @param {readonly (readonly string[])[]} together
 * @returns {Unit[]}
 */
export function unitsOf(files, weights, together, unlisted = 0.5) {
  const byGroup = new Map();
  const units = [];
  for (const f of [...files].sort()) {
    const group = together.find((g) => g.includes(f));
    const unit = group && byGroup.get(group);
    if (unit) unit.files.push(f);
    else {
      const u = { label: '', files: [f], weight: 0 };
      if (group) byGroup.set(group, u);
      units.push(u);
    }
  }
  for (const u of units) {
    u.label = u.files.join(' ');
    u.weight = u.files.reduce((w, f) => w + (weights[f] ?? unlisted), 0);
  }
  return units.sort((a, b) => b.weight - a.weight || (a.files[0] < b.files[0] ? -1 : 1));
}

/**
 * @typedef {{ label: string, files: string[], weight: number }} Unit
 * @typedef {{ unit: Unit, worker: number, pid: number | undefined, passed: boolean, output: string, started: number, wall: number, cpu: number | null }} UnitResult
 * @typedef {{ worker: number, pid: number | undefined, started: number, ended: number, busy: number, cpu: number, units: string[], passed: boolean, output: string }} WorkerRecord
 *   passed: false when the worker failed outside a unit (it never started, failed at exit,
 *   or did not exit); dying mid-unit is that unit's failure; output: what it wrote outside a unit
 */

/**
 * Runs the units on `workers` processes. Resolves when every worker has ended; never rejects.
 * @param {{ units: readonly Unit[], workers: number, dir: string, cwd: string, env: NodeJS.ProcessEnv, onResult?: (r: UnitResult) => void, exitGraceMs?: number }} options
 *   units in the order they are to be taken; dir holds their files; exitGraceMs: how long
 *   a worker may take to exit after its last unit before it is killed and fails
 * @returns {Promise<{ results: UnitResult[], workers: WorkerRecord[] }>}
 */
export function runPool({ units, workers, dir, cwd, env, onResult = () => {}, exitGraceMs = EXIT_GRACE_MS }) {
  const now = () => performance.now() / 1000;
  const queue = [...units];
  /** @type {UnitResult[]} */
  const results = [];
  /** @type {WorkerRecord[]} */
  const records = [];
  // The line that ends a unit's output: no test prints this run's random part.
  const endLine = `tenantc-test-unit-end-${randomBytes(8).toString('hex')}`;
  let live = 0;
  let nextUnitId = 0;
  const size = Math.max(1, Math.min(workers, queue.length));
  return new Promise((resolve) => {
    const settle = () => {
      if (live > 0) return;
      // Every worker ended before these were taken (each died before its first unit).
      for (const unit of queue.splice(0)) {
        const r = {
          unit,
          worker: 0,
          pid: undefined,
          passed: false,
          output: `  FAIL  not run: no test worker could start (see the workers' output)\n`,
          started: now(),
          wall: 0,
          cpu: null,
        };
        results.push(r);
        onResult(r);
      }
      resolve({ results, workers: records });
    };

    const start = () => {
      live++;
      // sh joins stderr to stdout, so a unit's output keeps the order it was written in
      // (its children's included), and exec leaves node as the worker's process.
      const child = spawn('/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', process.execPath, WORKER, dir], {
        cwd,
        env: { ...env, TENANTC_TEST_UNIT_END: endLine },
        stdio: ['ignore', 'pipe', 'ignore', 'ipc'],
      });
      /** @type {WorkerRecord} */
      const record = { worker: records.length + 1, pid: child.pid, started: now(), ended: 0, busy: 0, cpu: 0, units: [], passed: true, output: '' };
      records.push(record);
      /** @type {null | { unit: Unit, id: number, started: number, output: string, ended: boolean, done: null | { status: number, cpu: number } }} */
      let current = null;
      let exitTimer = null;
      let drainTimer = null;
      let hung = false;

      const finish = () => {
        if (!current?.ended || !current.done) return;
        const wall = now() - current.started;
        const r = {
          unit: current.unit,
          worker: record.worker,
          pid: child.pid,
          passed: current.done.status === 0,
          output: current.output,
          started: current.started,
          wall,
          cpu: current.done.cpu,
        };
        record.busy += wall;
        record.cpu += r.cpu;
        current = null;
        results.push(r);
        onResult(r);
        next();
      };
      const next = () => {
        const unit = queue.shift();
        if (!unit) {
          // Nothing left: the worker ends when its handles close.
          child.disconnect();
          exitTimer = setTimeout(() => {
            hung = true;
            child.kill('SIGKILL');
          }, exitGraceMs);
          return;
        }
        const id = nextUnitId++;
        current = { unit, id, started: now(), output: '', ended: false, done: null };
        record.units.push(unit.label);
        child.send({ type: 'unit', id, files: unit.files });
      };

      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text) => {
        if (!current || current.ended) {
          record.output += text;
          return;
        }
        const marker = `\n${endLine} ${current.id}\n`;
        const from = Math.max(0, current.output.length - marker.length);
        current.output += text;
        const at = current.output.indexOf(marker, from);
        if (at < 0) return;
        record.output += current.output.slice(at + marker.length);
        current.output = current.output.slice(0, at);
        current.ended = true;
        finish();
      });
      child.on('message', (m) => {
        if (m?.type === 'ready') next();
        else if (m?.type === 'done' && current && m.id === current.id) {
          current.done = { status: m.status, cpu: m.cpu };
          finish();
        }
      });
      let ended = false;
      const onEnd = (code, signal, error) => {
        if (ended) return;
        ended = true;
        clearTimeout(exitTimer);
        clearTimeout(drainTimer);
        record.ended = now();
        const how = error ? `could not start (${error.message})` : signal ? `was killed (${signal})` : `exited with code ${code}`;
        const ranAny = record.units.length > 0;
        if (current) {
          // Died mid-unit: the unit fails, named, with what it printed.
          const wall = now() - current.started;
          record.busy += wall;
          const r = {
            unit: current.unit,
            worker: record.worker,
            pid: child.pid,
            passed: false,
            output: `${current.output}\n  FAIL  test worker ${record.worker} (pid ${child.pid}) ${how} while running ${current.unit.label}: the rest of this unit did not run\n`,
            started: current.started,
            wall,
            cpu: null,
          };
          current = null;
          results.push(r);
          onResult(r);
        } else if (hung) {
          record.passed = false;
          record.output += `\n  FAIL  test worker ${record.worker} (pid ${child.pid}) did not exit ${exitGraceMs / 1000} s after its last unit: a test left a handle open (it ran ${record.units.join('; ')})\n`;
        } else if (code !== 0 || error) {
          record.passed = false;
          record.output += `\n  FAIL  test worker ${record.worker} (pid ${child.pid}) ${how}${ranAny ? ` after its last unit (it ran ${record.units.join('; ')})` : ''}\n`;
        }
        live--;
        // A replacement takes the rest, unless this worker never got as far as a unit.
        if (queue.length > 0 && ranAny) start();
        settle();
      };
      child.on('error', (e) => onEnd(null, null, e));
      // The end: the exit, and everything the worker wrote read (its 'close' does not come
      // with an IPC channel the runner closed). A grandchild left holding the pipe gets 2 s.
      let exited = null;
      let drained = false;
      child.stdout.on('end', () => {
        drained = true;
        if (exited) onEnd(exited.code, exited.signal, null);
      });
      child.on('exit', (code, signal) => {
        exited = { code, signal };
        if (drained) onEnd(code, signal, null);
        else drainTimer = setTimeout(() => onEnd(code, signal, null), 2000);
      });
    };

    for (let i = 0; i < size; i++) start();
  });
}
