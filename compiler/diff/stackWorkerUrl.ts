// Where the stack differ's worker code is. Running from the sources, it is the entry
// beside this module that registers tsx first (a worker does not inherit the parent's
// hooks); scripts/build.ts replaces this module in the bundle with one that points at
// dist/diff-worker.mjs.
export function stackWorkerSpec(): { readonly url: URL; readonly execArgv: readonly string[] } {
  return { url: new URL('./stackWorker.source.mjs', import.meta.url), execArgv: [] };
}
