// Entry of the stack-diff worker when tenantc runs from its TypeScript sources (tests,
// npm run dev): a worker thread starts without the parent's tsx hooks, so it registers
// them before loading the worker module. The bundle has its own entry (dist/diff-worker.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./stackWorker.ts');
