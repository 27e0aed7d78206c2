// Diffs many templates in a worker thread (see stackWorker.ts). This module does not
// import the differ itself, so the CLI's bundle never contains cloudformation-diff.
import { Worker } from 'node:worker_threads';
import type { StackChange } from './model.ts';
import type { StackPair } from './stackWorker.ts';
import { stackWorkerSpec } from './stackWorkerUrl.ts';

export interface StackDiffer {
  diff(pairs: readonly StackPair[]): Promise<(StackChange | null)[]>;
  close(): Promise<void>;
}

/**
 * The worker the last closed differ left, kept for the next diff of this process. The
 * CLI diffs once per process; `npm run dev` and the test suites diff through the CLI
 * many times in one, and a worker started from the sources loads the whole registry
 * again (~1 s of CPU each). The worker's diff is a pure function of the templates it is
 * sent, so a reused worker answers as a new one would. Idle it is unref'd: it never
 * keeps the process alive.
 */
let warm: Worker | null = null;

function startWorker(): Worker {
  const spec = stackWorkerSpec();
  const worker = new Worker(spec.url, { execArgv: [...spec.execArgv] });
  // A worker that fails or ends while idle is never handed out again.
  const forget = () => {
    if (warm === worker) warm = null;
  };
  worker.on('error', forget);
  worker.on('exit', forget);
  return worker;
}

/** Starts the worker now (or takes the warm one), so that it loads the registry while the caller compiles. */
export function workerDiffer(): StackDiffer {
  const worker = warm ?? startWorker();
  warm = null;
  worker.ref();
  let failure: Error | null = null;
  // A diff still in flight at close would answer whoever takes the worker next.
  let inFlight = 0;
  const failed = (e: Error) => (failure = e);
  worker.on('error', failed);
  return {
    diff(pairs) {
      if (failure) return Promise.reject(failure);
      inFlight++;
      return new Promise((resolve, reject) => {
        worker.once('error', reject);
        worker.once('message', (m: { ok: true; changes: (StackChange | null)[] } | { ok: false; error: string }) => {
          inFlight--;
          worker.off('error', reject);
          if (m.ok) resolve(m.changes);
          else reject(new Error(`diff worker: ${m.error}`));
        });
        worker.postMessage(pairs);
      });
    },
    async close() {
      worker.off('error', failed);
      if (failure || inFlight > 0 || warm) {
        await worker.terminate();
        return;
      }
      worker.unref();
      warm = worker;
    },
  };
}
