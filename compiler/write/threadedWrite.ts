// A first compile's write, overlapped with its emit. With no previous output there is
// nothing to link or compare, so each template can be written as soon as it is emitted:
// the main thread posts its text to a writer thread (writerThread.ts), which writes it
// into the staging directory while emit goes on. The end is the same
// as writeOutput's: the staging directory renamed into place once every file is in, or
// removed (thread stopped first) when the compile fails, so a failed compile leaves
// nothing behind. The files go to the thread in batches (WRITER_BATCH), and the thread
// returns the identity of each file it wrote, which the compile cache records.
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { OutputFile } from '../emit/output.ts';
import { stagingDirectory, type Written } from './writeOutput.ts';
import type { WriterData, WriterFile, WriterMessage, WriterReply } from './writerThread.ts';
import { writerThreadUrl } from './writerThreadUrl.ts';

/**
 * The text, in UTF-16 code units, the main thread gathers before it posts the files to
 * the thread. A post costs the main thread ~25 µs besides copying the text: one per
 * template, 5,891 at 5,000 tenants, was ~150 ms of its CPU (docs/benchmark.md, branch
 * writer-batch). A batch of this size is ~13 templates of a 5,000-tenant estate,
 * emitted in a few ms: the thread starts writing almost as soon as emit starts.
 */
export const WRITER_BATCH = 256 * 1024;

export interface ThreadedWrite {
  /** Hands one file to the writer thread (posted with the next batch). */
  readonly send: (path: string, content: string) => void;
  /**
   * Sends every file not sent yet (or whose content is not the text sent), waits for
   * the thread to write them all, and renames the staging directory into place. On a
   * failed write the staging directory is removed and the write's error thrown. The
   * identities are the ones the thread took of each file right after writing it.
   */
  finish(files: readonly OutputFile[]): Promise<Written>;
  /** Stops the thread and removes the staging directory: the compile failed. */
  abort(): Promise<void>;
}

/**
 * A threaded write into `outDir`, or null where writeOutput must do it: the output
 * exists (its unchanged files are linked, not written), or its parent does not (a
 * failed compile must not leave the directories it would have made). `threadUrl`:
 * the thread's entry (tests start the bundle's); `batch`: WRITER_BATCH (0: each file
 * posted on its own).
 */
export function startThreadedWrite(outDir: string, threadUrl: URL = writerThreadUrl(), batch = WRITER_BATCH): ThreadedWrite | null {
  if (existsSync(outDir)) return null;
  try {
    if (!statSync(dirname(outDir)).isDirectory()) return null;
  } catch {
    return null;
  }
  const staging = stagingDirectory(outDir);
  // A staging directory left by a crashed compile of the same pid; the thread creates it anew.
  rmSync(staging, { recursive: true, force: true });
  // No options of the parent's command line: an --input-type (node -e) or an --import
  // meant for the main module fails or slows the thread's start.
  const worker = new Worker(threadUrl, { workerData: { staging } satisfies WriterData, execArgv: [] });
  let outcome: WriterReply | Error | null = null;
  let settle: ((o: WriterReply | Error) => void) | null = null;
  const settled = (o: WriterReply | Error) => {
    if (outcome) return;
    outcome = o;
    settle?.(o);
  };
  // Listened to from the start: an 'error' event without a listener would be thrown
  // in the main thread, outside the compile.
  worker.on('message', (reply: WriterReply) => settled(reply));
  worker.on('error', (e) => settled(e));
  worker.on('exit', (code) => settled(new Error(`tenantc: the file writer thread stopped (exit code ${code}) before writing the output`)));
  // Only finish() waits for the thread: until then it must not keep the process alive.
  // After the listeners: adding a 'message' listener refs the worker's port again.
  worker.unref();
  const sent = new Map<string, string>();
  const post = (m: WriterMessage) => worker.postMessage(m);
  let pending: WriterFile[] = [];
  let pendingText = 0;
  const flush = () => {
    if (!pending.length) return;
    // The text itself, copied into the thread's heap: half the main thread's cost of
    // encoding it here and moving the bytes (0.03-0.07 s against 0.07-0.13 s of CPU
    // for the 97 MB of 5,000 tenants); the thread encodes it as it writes.
    post({ files: pending });
    pending = [];
    pendingText = 0;
  };
  const send = (path: string, content: string) => {
    sent.set(path, content);
    pending.push({ path, text: content });
    pendingText += content.length;
    if (pendingText >= batch) flush();
  };
  const removeStaging = async () => {
    await worker.terminate();
    rmSync(staging, { recursive: true, force: true });
  };
  return {
    send,
    async finish(files) {
      try {
        const paths = new Set(files.map((f) => f.path));
        // A file sent that the compile did not produce would stay in the output.
        for (const path of sent.keys()) if (!paths.has(path)) throw new Error(`internal: ${path} was sent to the writer but is not an output file`);
        for (const f of files) if (sent.get(f.path) !== f.content) send(f.path, f.content);
        flush();
        worker.ref();
        post({ end: true });
        const reply = outcome ?? (await new Promise<WriterReply | Error>((resolve) => (settle = resolve)));
        if (reply instanceof Error) throw reply;
        if (!reply.ok) throw Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {});
        // Renaming the directory changes its own inode's times, not its files'.
        renameSync(staging, outDir);
        const { identities } = reply;
        return { summary: { written: files.length, kept: 0 }, identity: (path) => identities.get(path) ?? null };
      } finally {
        await removeStaging();
      }
    },
    abort: removeStaging,
  };
}
