// tenants/placement.lock.yaml: where each tenant was placed, committed with the
// manifests so a pull request shows placement changes and compile keeps them sticky.
// Loading reads and parses it; validate/lockFile.ts checks it against its schema.
import { lstatSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LOCK_SIZE_CAP_BYTES, PLACEMENT_LOCK_FILE, type RawFile, SYMLINK_REFUSED } from './readManifests.ts';

/** I/O edge: the raw lock file, or null when the estate has none yet. */
export function readLockFile(dir: string, cwd = process.cwd()): RawFile | null {
  const path = join(dir, PLACEMENT_LOCK_FILE);
  try {
    const st = lstatSync(resolve(cwd, path));
    if (st.isSymbolicLink()) return { path, name: PLACEMENT_LOCK_FILE, size: 0, bytes: null, readError: SYMLINK_REFUSED };
    const size = st.size;
    if (size > LOCK_SIZE_CAP_BYTES) return { path, name: PLACEMENT_LOCK_FILE, size, bytes: null };
    const bytes = readFileSync(resolve(cwd, path));
    return { path, name: PLACEMENT_LOCK_FILE, size: bytes.length, bytes };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
