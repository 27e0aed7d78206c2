// The first compile's file writer, in a thread of its own (write/threadedWrite.ts). Emit
// is synchronous: writes queued on the main thread would not progress until it ends, so
// the files are handed here as they are emitted and written while the main thread keeps
// emitting. Writes are synchronous: this thread does nothing else, and each fs call
// through libuv's thread pool would add a round trip per open, write and close.
// Each file's identity (write/fileIdentity.ts) is taken on the file just written, and
// returned with the end: the compile cache records the bytes this thread wrote, not
// whatever the file holds when the cache is written (write/threadedWrite.ts).
import { closeSync, fstatSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { fileIdentity } from './fileIdentity.ts';
import { OUTPUT_MARKER, OUTPUT_MARKER_TEXT } from './outputMarker.ts';

/** One file to write: its path in the output and its text. */
export interface WriterFile {
  readonly path: string;
  readonly text: string;
}

/** What the main thread sends: batches of files (written in order), then the end. */
export type WriterMessage = { readonly files: readonly WriterFile[] } | { readonly end: true };

/**
 * The one answer, to the end: the writes done, with each file's identity (fileIdentity,
 * null for none) as this thread left it, by path; or the first write's error.
 */
export type WriterReply =
  | { readonly ok: true; readonly writes: number; readonly identities: ReadonlyMap<string, string | null> }
  | { readonly ok: false; readonly message: string; readonly code?: string };

export interface WriterData {
  /** The staging directory: created here on the first file (its parent exists). */
  readonly staging: string;
}

if (!parentPort) throw new Error('writerThread.ts runs as a worker thread');
const port = parentPort;
const { staging } = workerData as WriterData;
/** Directories made so far, relative to the staging directory ('.' for itself). */
const made = new Set<string>();
let writes = 0;
/** By path: the last write's identity (a file sent again is written again). */
const identities = new Map<string, string | null>();
let failure: WriterReply | null = null;

function makeStaging(): void {
  if (made.has('.')) return;
  // Not recursive: the main thread checked the parent, and a staging directory left by
  // another compile must not be written into.
  mkdirSync(staging);
  made.add('.');
  writeFileSync(join(staging, OUTPUT_MARKER), OUTPUT_MARKER_TEXT);
}

/** Writes `text` to `path` (created or truncated) and returns the identity of the file written. */
function writeFile(path: string, text: string): string | null {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, text);
    return fileIdentity(fstatSync(fd, { bigint: true }));
  } finally {
    closeSync(fd);
  }
}

/** Runs one write; the first error is kept, and the writes after it are dropped. */
function attempt(write: () => void): void {
  if (failure) return;
  try {
    write();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    failure = { ok: false, message: e instanceof Error ? e.message : String(e), ...(typeof code === 'string' ? { code } : {}) };
  }
}

port.on('message', (m: WriterMessage) => {
  if ('end' in m) {
    attempt(makeStaging);
    port.postMessage(failure ?? ({ ok: true, writes, identities } satisfies WriterReply));
    // Nothing more is coming: the thread ends with its port.
    port.close();
    return;
  }
  for (const { path, text } of m.files)
    attempt(() => {
      makeStaging();
      const dir = dirname(path);
      if (!made.has(dir)) {
        mkdirSync(join(staging, dir), { recursive: true });
        made.add(dir);
      }
      identities.set(path, writeFile(join(staging, path), text));
      writes++;
    });
});
