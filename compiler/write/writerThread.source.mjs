// Entry of the file-writer thread when tenantc runs from its TypeScript sources (tests,
// npm run dev): a worker thread starts without the parent's tsx hooks, so it registers
// them before loading the thread's module. The bundle has its own entry (dist/write-worker.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./writerThread.ts');
