// I/O edge of the load stage: lists and reads manifest files. Everything after this
// works on bytes in memory, so the rest of the pipeline is pure and testable.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compareStrings } from '../diagnostics.ts';

/** Manifests are small; anything larger is a mistake (a pasted dump, a binary). */
export const MANIFEST_SIZE_CAP_BYTES = 64 * 1024;

/** The placement lock lives beside the manifests but is not one. */
export const PLACEMENT_LOCK_FILE = 'placement.lock.yaml';

export interface RawFile {
  /** Display path: the directory as the user gave it joined with the file name. */
  readonly path: string;
  readonly name: string;
  readonly size: number;
  /** Null when the file is over the size cap (never read) or unreadable. */
  readonly bytes: Uint8Array | null;
  readonly readError?: string;
}

export class ManifestDirectoryError extends Error {}

export function isManifestFileName(name: string): boolean {
  return !name.startsWith('.') && /\.ya?ml$/.test(name) && name !== PLACEMENT_LOCK_FILE;
}

/** Reads every `*.yaml` / `*.yml` in `dir` (not recursive), in byte order of name. */
export function readManifestFiles(dir: string): RawFile[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new ManifestDirectoryError(`${dir}: not a directory`);
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof ManifestDirectoryError) throw e;
    throw new ManifestDirectoryError(`${dir}: no such directory`);
  }
  return names
    .filter(isManifestFileName)
    .sort(compareStrings)
    .map((name) => readOne(dir, name));
}

function readOne(dir: string, name: string): RawFile {
  const path = join(dir, name);
  try {
    const st = statSync(path);
    if (!st.isFile()) return { path, name, size: 0, bytes: null, readError: 'not a regular file' };
    if (st.size > MANIFEST_SIZE_CAP_BYTES) return { path, name, size: st.size, bytes: null };
    const bytes = readFileSync(path);
    return { path, name, size: bytes.length, bytes };
  } catch (e) {
    return { path, name, size: 0, bytes: null, readError: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
}
