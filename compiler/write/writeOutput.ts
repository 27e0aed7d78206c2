// I/O edge of the write stage. The new tree is written in full to a sibling
// directory, then swapped in with renames, so a reader never sees a half-written
// output and a failed compile leaves the previous output exactly as it was.
// (Linux has no portable atomic swap of two directories; the window between the two
// renames is a few microseconds, and a failure in it restores the old tree.)
//
// A file whose bytes equal the previous output's file at the same path is hard-linked
// into the new tree instead of written again: an unchanged tenant keeps its file, its
// inode and its mtime, and a recompile allocates and frees inodes only for what changed.
// That is most of the cost at 5,000 tenants: creating a file is a metadata operation,
// and on ext4 without a journal (this machine's disk) each new inode is first checked
// against every recently deleted one, so replacing 5,800 files with 5,800 new ones
// costs seconds of kernel time while linking them costs milliseconds.
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { OutputFile, PreviousFile } from '../emit/output.ts';
import { fileIdentity, statOf, withoutChangeTime } from './fileIdentity.ts';
import { OUTPUT_MARKER, OUTPUT_MARKER_TEXT } from './outputMarker.ts';

export { OUTPUT_MARKER };

export class OutputDirectoryError extends Error {}

/** Files in flight at once: writes overlap in libuv's thread pool instead of waiting one by one. */
const WRITE_CONCURRENCY = 32;

export interface WriteSummary {
  /** Files written with new bytes. */
  readonly written: number;
  /** Files carried over unchanged from the previous output by a hard link. */
  readonly kept: number;
}

/** What a write did, and what the compile cache may record of the files it left. */
export interface Written {
  readonly summary: WriteSummary;
  /**
   * Each output file's identity (write/fileIdentity.ts) for the compile cache, which a
   * later compile trusts without reading the file: only where the writer knows the file
   * holds the bytes this compile gave it; null otherwise (the next compile hashes it).
   */
  readonly identity: (path: string) => string | null;
}

/** The sibling directory the new tree is written into before it is renamed into place. */
export function stagingDirectory(outDir: string): string {
  return join(dirname(outDir), `.tenantc-tmp-${basename(outDir)}-${process.pid}`);
}

export async function writeOutput(outDir: string, files: readonly OutputFile[]): Promise<Written> {
  const hadOld = existsSync(outDir);
  if (hadOld) {
    if (!statSync(outDir).isDirectory()) throw new OutputDirectoryError(`${outDir}: exists and is not a directory`);
    const entries = readdirSync(outDir);
    if (entries.length > 0 && !entries.includes(OUTPUT_MARKER)) {
      throw new OutputDirectoryError(
        `${outDir}: refusing to replace a non-empty directory that tenantc did not write (no ${OUTPUT_MARKER}); choose another --out`,
      );
    }
  }
  const parent = dirname(outDir);
  mkdirSync(parent, { recursive: true });
  const staging = stagingDirectory(outDir);
  const retired = join(parent, `.tenantc-old-${basename(outDir)}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  let written = 0;
  let kept = 0;
  // A written file's identity, taken before it is closed: these bytes, whatever happens
  // to the file next. A kept file's, without its change time (the link and the removal
  // of the old tree each set it), as it was when its bytes were checked: at the end, a
  // file still of that inode, size and modification time is recorded; one changed in
  // between (a write sets the modification time) is not, and the next compile hashes it.
  // What this cannot see: a write within the compile whose author then sets the
  // modification time back to the nanosecond (utimensat) before the old tree is removed.
  const writtenAs = new Map<string, string | null>();
  const keptAs = new Map<string, string>();
  try {
    mkdirSync(staging);
    writeFileSync(join(staging, OUTPUT_MARKER), OUTPUT_MARKER_TEXT);
    const dirs = new Set(files.map((f) => dirname(f.path)));
    for (const dir of dirs) mkdirSync(join(staging, dir), { recursive: true });
    const reusable = hadOld ? reusableDirectories(outDir, dirs) : new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const file = files[next++]!;
        const target = join(staging, file.path);
        // A file the compile already read from the previous output and checked: linked
        // without reading it a second time.
        if (file.previous !== undefined && reusable.has(dirname(file.path)) && file.previous.at === join(outDir, file.path)) {
          const linked = linkChecked(file.previous, target);
          if (linked !== null) {
            keptAs.set(file.path, linked);
            kept++;
            continue;
          }
        }
        const bytes = Buffer.from(file.content, 'utf8');
        const linked = reusable.has(dirname(file.path)) ? keepPrevious(join(outDir, file.path), bytes, target) : null;
        if (linked !== null) {
          keptAs.set(file.path, linked);
          kept++;
        } else {
          writtenAs.set(file.path, await writeTaken(target, bytes));
          written++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, files.length) }, worker));
    if (hadOld) renameSync(outDir, retired);
    try {
      renameSync(staging, outDir);
    } catch (e) {
      if (hadOld) renameSync(retired, outDir);
      throw e;
    }
    if (hadOld) removeTree(retired);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const identity = (path: string): string | null => {
    const taken = writtenAs.get(path);
    if (taken !== undefined) return taken;
    const checked = keptAs.get(path);
    const now = checked === undefined ? null : statOf(join(outDir, path));
    return now !== null && withoutChangeTime(now) === checked ? now : null;
  };
  return { summary: { written, kept }, identity };
}

/** Writes `bytes` to a new file at `path`; its identity as written (fstat before close). */
async function writeTaken(path: string, bytes: Buffer): Promise<string | null> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(bytes);
    return fileIdentity(await handle.stat({ bigint: true }));
  } finally {
    await handle.close();
  }
}

/**
 * Of the output's directories (relative, '.' for the top), those whose files may be
 * carried over: every component from the output directory down is a real directory,
 * not a symlink. Through a symlinked directory a "previous" file lives elsewhere, and
 * survives the removal of the old tree; linking it would share it with that place.
 */
function reusableDirectories(outDir: string, dirs: ReadonlySet<string>): Set<string> {
  const reusable = new Set<string>();
  const isRealDirectory = (p: string) => {
    try {
      return lstatSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  if (!isRealDirectory(outDir)) return reusable;
  for (const dir of dirs) {
    const parts = dir === '.' ? [] : dir.split('/');
    if (parts.every((_, i) => isRealDirectory(join(outDir, ...parts.slice(0, i + 1))))) reusable.add(dir);
  }
  return reusable;
}

/**
 * Links a previous file already checked (OutputFile.previous) if it is as it was then
 * (the same identity: a plain file with no other name, unchanged since); its identity
 * without the change time, or null when it is not linked.
 */
function linkChecked(previous: PreviousFile, target: string): string | null {
  try {
    if (statOf(previous.at) !== previous.identity) return null;
    linkSync(previous.at, target);
    return withoutChangeTime(previous.identity);
  } catch {
    return null;
  }
}

/**
 * Links the previous output's file into the new tree when it holds exactly `bytes`;
 * its identity without the change time, or null when it is not linked.
 * Synchronous on purpose: lstat, read and link of a small cached file are each a few
 * microseconds, less than a round trip through libuv's thread pool (twice as fast
 * measured on 5,812 files).
 * Only a plain file with no other name is reused: a symlink, or a file also linked from
 * outside the output, could change later without a compile, and the output must be
 * nothing but what this compile produced. Anything unexpected falls back to writing.
 */
function keepPrevious(previous: string, bytes: Buffer, target: string): string | null {
  try {
    const st = lstatSync(previous, { bigint: true });
    const identity = fileIdentity(st);
    if (identity === null || st.size !== BigInt(bytes.length)) return null;
    if (!readFileSync(previous).equals(bytes)) return null;
    linkSync(previous, target);
    // As it was before it was read: a change after that shows at the end (writeOutput).
    return withoutChangeTime(identity);
  } catch {
    return null;
  }
}

/**
 * Removes the retired tree: one readdir per directory and one unlink per file, where
 * rmSync also lstats every path first (a tenth of a recompile's writing at 5,000
 * tenants). The entry types come from readdir, which does not follow symlinks: a
 * symlink is unlinked, never followed. Anything unexpected falls back to rmSync.
 */
function removeTree(dir: string): void {
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) removeTree(path);
      else unlinkSync(path);
    }
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}
