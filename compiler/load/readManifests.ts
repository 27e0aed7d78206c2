// I/O edge of the load stage: lists and reads manifest files. Everything after this
// works on bytes in memory, so the rest of the pipeline is pure and testable.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareStrings } from '../diagnostics.ts';

/** Manifests are small; anything larger is a mistake (a pasted dump, a binary). */
export const MANIFEST_SIZE_CAP_BYTES = 64 * 1024;

/**
 * A manifest that is a symbolic link is refused, never followed: the review reads the
 * estate from git objects, where a link is its target's path, not its content, so a link
 * would compile one thing and show reviewers another (and its target could sit outside
 * tenants/, where no path filter sees it change).
 */
export const SYMLINK_REFUSED = 'a symbolic link, not a regular file: commit the file itself';

/** The placement lock lives beside the manifests but is not one. */
export const PLACEMENT_LOCK_FILE = 'placement.lock.yaml';

/**
 * The lock holds one ~120-byte line per tenant: ~600 KB at 5,000 tenants. Eight MiB is
 * room for far more, and still refuses something that is not a lock.
 */
export const LOCK_SIZE_CAP_BYTES = 8 * 1024 * 1024;

/** The size past which a file of this name is not read. */
export const sizeCapOf = (name: string) => (name === PLACEMENT_LOCK_FILE ? LOCK_SIZE_CAP_BYTES : MANIFEST_SIZE_CAP_BYTES);

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

/**
 * Reads every `*.yaml` / `*.yml` in `dir` (not recursive), in byte order of name.
 * `dir` is as the user wrote it (display paths keep it); it is read relative to `cwd`.
 */
export function readManifestFiles(dir: string, cwd = process.cwd()): RawFile[] {
  const at = resolve(cwd, dir);
  let names: string[];
  try {
    if (!statSync(at).isDirectory()) throw new ManifestDirectoryError(`${dir}: not a directory`);
    names = readdirSync(at);
  } catch (e) {
    if (e instanceof ManifestDirectoryError) throw e;
    throw new ManifestDirectoryError(`${dir}: no such directory`);
  }
  return names
    .filter(isManifestFileName)
    .sort(compareStrings)
    .map((name) => readOne(at, dir, name));
}

/** Where the system has no O_NOFOLLOW (Windows), a manifest is checked by path, then read. */
const OPEN_FLAGS = constants.O_NOFOLLOW === undefined ? null : constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function readOne(at: string, dir: string, name: string): RawFile {
  const path = join(dir, name);
  const file = join(at, name);
  // Opened first, then checked on the open file: one path lookup and four system calls
  // (open, fstat, read, close) a manifest instead of five (lstat before a read by name),
  // 5,000 of them in a 5,000-tenant estate. O_NOFOLLOW refuses a link as the lstat did;
  // O_NONBLOCK keeps a FIFO in the directory from hanging the open (it is then refused as
  // not a regular file, unread, as before).
  if (OPEN_FLAGS === null) return readOneByPath(path, name, file);
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch {
    // A link (ELOOP), a socket, a file gone or unreadable: said as the path's own
    // status says it, exactly as before the open came first.
    return readOneByPath(path, name, file);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { path, name, size: 0, bytes: null, readError: 'not a regular file' };
    if (st.size > MANIFEST_SIZE_CAP_BYTES) return { path, name, size: st.size, bytes: null };
    const bytes = readOpen(fd, st.size);
    return { path, name, size: bytes.length, bytes };
  } catch (e) {
    return { path, name, size: 0, bytes: null, readError: (e as NodeJS.ErrnoException).code ?? String(e) };
  } finally {
    closeSync(fd);
  }
}

/** What readFileSync reads of a regular file of `size` bytes: up to `size` bytes (to its end if it says 0, as files of /proc do). */
function readOpen(fd: number, size: number): Buffer {
  if (size === 0) return readFileSync(fd);
  const buffer = Buffer.allocUnsafe(size);
  let pos = 0;
  for (let n = -1; n !== 0 && pos < size; pos += n) n = readSync(fd, buffer, pos, size - pos, null);
  return pos < size ? buffer.subarray(0, pos) : buffer;
}

function readOneByPath(path: string, name: string, file: string): RawFile {
  try {
    const st = lstatSync(file);
    if (st.isSymbolicLink()) return { path, name, size: 0, bytes: null, readError: SYMLINK_REFUSED };
    if (!st.isFile()) return { path, name, size: 0, bytes: null, readError: 'not a regular file' };
    if (st.size > MANIFEST_SIZE_CAP_BYTES) return { path, name, size: st.size, bytes: null };
    const bytes = readFileSync(file);
    return { path, name, size: bytes.length, bytes };
  } catch (e) {
    return { path, name, size: 0, bytes: null, readError: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
}
