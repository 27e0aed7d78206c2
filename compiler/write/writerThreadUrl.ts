// Where the file-writer thread's code is. Running from the sources, it is the entry
// beside this module that registers tsx first (a worker does not inherit the parent's
// hooks); scripts/build.ts replaces this module in the bundle with one that points at
// dist/write-worker.mjs.
export function writerThreadUrl(): URL {
  return new URL('./writerThread.source.mjs', import.meta.url);
}
