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

/** Starts the worker now, so that it loads the registry while the caller compiles. */
export function workerDiffer(): StackDiffer {
  const spec = stackWorkerSpec();
  const worker = new Worker(spec.url, { execArgv: [...spec.execArgv] });
  let failure: Error | null = null;
  worker.on('error', (e) => (failure = e));
  return {
    diff(pairs) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        worker.once('error', reject);
        worker.once('message', (m: { ok: true; changes: (StackChange | null)[] } | { ok: false; error: string }) => {
          worker.off('error', reject);
          if (m.ok) resolve(m.changes);
          else reject(new Error(`diff worker: ${m.error}`));
        });
        worker.postMessage(pairs);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
