// A file's identity as the compile cache records it (write/compileCache.ts): its own
// module, so that the writer thread's bundle (write/writerThread.ts), which takes the
// identity of each file it writes, takes this and nothing else of the cache.
import { type BigIntStats, lstatSync } from 'node:fs';

/**
 * inode, size, and modification and change times in nanoseconds, of a status taken with
 * `bigint: true`; null unless a plain file with no other name, owned by this user and
 * writable by no one else. A write through the file's name changes the change time, which
 * no tool can set back (git's index trusts the same), so a file whose identity is the
 * one recorded right after the compile wrote it still holds those bytes. A write through
 * a shared memory mapping whose page is already dirty changes neither time (the kernel
 * stamps a mapped page when it is first written, not on each store): so the identity
 * holds only against whoever cannot open the file for writing. This user can (and can
 * read the compile cache's key and forge the cache itself, compileCache.ts
 * machineCacheKey): other users cannot, unless the file's mode lets them (a umask of 002
 * makes files group-writable): such a file has no identity, and is hashed every time.
 */
export function fileIdentity(st: BigIntStats, uid: number | undefined = process.getuid?.()): string | null {
  if (!st.isFile() || st.nlink !== 1n) return null;
  if ((st.mode & 0o022n) !== 0n || (uid !== undefined && st.uid !== BigInt(uid))) return null;
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * The identity (fileIdentity) of the file at `path` as it is now, not following a
 * symbolic link; null for anything but a plain file with no other name, or none.
 */
export function statOf(path: string): string | null {
  try {
    return fileIdentity(lstatSync(path, { bigint: true }));
  } catch {
    return null;
  }
}

/**
 * An identity without its change time: what linking a file to a new name and removing
 * its old name leave as they were (each sets the change time), and what a write changes.
 */
export function withoutChangeTime(identity: string): string {
  return identity.slice(0, identity.lastIndexOf(':'));
}
