// I/O edge of the write stage. The new tree is written in full to a sibling
// directory, then swapped in with renames, so a reader never sees a half-written
// output and a failed compile leaves the previous output exactly as it was.
// (Linux has no portable atomic swap of two directories; the window between the two
// renames is a few microseconds, and a failure in it restores the old tree.)
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { OutputFile } from '../emit/output.ts';

/** Marks a directory as tenantc's, so compile never replaces a directory it did not write. */
export const OUTPUT_MARKER = '.tenantc-output';

export class OutputDirectoryError extends Error {}

/** Files in flight at once: writes overlap in libuv's thread pool instead of waiting one by one. */
const WRITE_CONCURRENCY = 32;

export async function writeOutput(outDir: string, files: readonly OutputFile[]): Promise<void> {
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) throw new OutputDirectoryError(`${outDir}: exists and is not a directory`);
    const entries = readdirSync(outDir);
    if (entries.length > 0 && !entries.includes(OUTPUT_MARKER)) {
      throw new OutputDirectoryError(`${outDir}: refusing to replace a non-empty directory that tenantc did not write (no ${OUTPUT_MARKER}); choose another --out`);
    }
  }
  const parent = dirname(outDir);
  mkdirSync(parent, { recursive: true });
  const staging = join(parent, `.tenantc-tmp-${basename(outDir)}-${process.pid}`);
  const retired = join(parent, `.tenantc-old-${basename(outDir)}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging);
    writeFileSync(join(staging, OUTPUT_MARKER), 'Written by tenantc compile; replaced as a whole on every compile.\n');
    for (const dir of new Set(files.map((f) => dirname(join(staging, f.path))))) mkdirSync(dir, { recursive: true });
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const file = files[next++]!;
        await writeFile(join(staging, file.path), file.content);
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, files.length) }, worker));
    const hadOld = existsSync(outDir);
    if (hadOld) renameSync(outDir, retired);
    try {
      renameSync(staging, outDir);
    } catch (e) {
      if (hadOld) renameSync(retired, outDir);
      throw e;
    }
    if (hadOld) rmSync(retired, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
