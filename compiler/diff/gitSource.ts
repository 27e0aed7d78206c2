// I/O edge of `tenantc diff`: the manifests and placement lock of a directory as a git
// commit holds them, read from git's object store (ls-tree, then one cat-file --batch
// for every blob), so the work tree, its out/ and its index are never touched.
import { spawnSync } from 'node:child_process';
import { relative, resolve } from 'node:path';
import { compareStrings } from '../diagnostics.ts';
import { isManifestFileName, PLACEMENT_LOCK_FILE, type RawFile, sizeCapOf } from '../load/readManifests.ts';

export class GitError extends Error {}

function git(cwd: string, args: readonly string[], input?: Buffer): Buffer {
  const r = spawnSync('git', args, { cwd, input, maxBuffer: 1024 * 2 ** 20 });
  if (r.error) throw new GitError(`git is not available: ${r.error.message}`);
  if (r.status !== 0) throw new GitError(`git ${args.join(' ')}: ${r.stderr.toString('utf8').trim()}`);
  return r.stdout;
}

export interface RefEstate {
  readonly files: RawFile[];
  readonly lock: RawFile | null;
  /** The commit the ref named when it was read. */
  readonly commit: string;
}

/**
 * The manifests of `dir` (as the user names it, relative to `cwd`) at `ref`. Display
 * paths are the same as the work tree's (`tenants/acme.yaml`), so diagnostics and
 * tenant files line up between the two sides. A directory the commit does not have
 * reads as an empty estate.
 */
export function readEstateAtRef(cwd: string, dir: string, ref: string): RefEstate {
  const top = git(cwd, ['rev-parse', '--show-toplevel']).toString('utf8').trim();
  const commit = git(cwd, ['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`])
    .toString('utf8')
    .trim();
  const inRepo = relative(top, resolve(cwd, dir)).split('\\').join('/');
  if (inRepo.startsWith('..')) throw new GitError(`${dir} is outside the git repository at ${top}`);
  const prefix = inRepo === '' ? '' : `${inRepo}/`;
  // -l gives each blob's size, so a file over the manifest cap is never read.
  const listing = git(top, ['ls-tree', '-l', '-z', commit, '--', prefix === '' ? '.' : prefix]).toString('utf8');
  const entries = listing
    .split('\0')
    .filter((l) => l !== '')
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode, type, object, size] = line.slice(0, tab).split(/\s+/) as [string, string, string, string];
      const path = line.slice(tab + 1);
      return { mode, type, object, size: Number(size), name: path.slice(prefix.length) };
    })
    .filter((e) => !e.name.includes('/') && e.type === 'blob')
    .sort((a, b) => compareStrings(a.name, b.name));
  const wanted = entries.filter((e) => isManifestFileName(e.name) || e.name === PLACEMENT_LOCK_FILE);
  const toRead = wanted.filter((e) => e.mode !== '120000' && e.size <= sizeCapOf(e.name));
  const blobs = readBlobs(
    top,
    toRead.map((e) => e.object),
  );
  const display = (name: string) => (dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`);
  const raw = (e: (typeof wanted)[number]): RawFile => {
    if (e.mode === '120000') return { path: display(e.name), name: e.name, size: 0, bytes: null, readError: 'a symbolic link, not a regular file' };
    return { path: display(e.name), name: e.name, size: e.size, bytes: blobs.get(e.object) ?? null };
  };
  return {
    files: wanted.filter((e) => e.name !== PLACEMENT_LOCK_FILE).map(raw),
    lock: wanted.filter((e) => e.name === PLACEMENT_LOCK_FILE).map(raw)[0] ?? null,
    commit,
  };
}

/** Every blob in one `git cat-file --batch`: `<oid> blob <size>\n<bytes>\n` per object. */
function readBlobs(cwd: string, objects: readonly string[]): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (objects.length === 0) return out;
  const data = git(cwd, ['cat-file', '--batch'], Buffer.from(`${objects.join('\n')}\n`));
  let at = 0;
  while (at < data.length) {
    const eol = data.indexOf(0x0a, at);
    const [oid, type, size] = data.subarray(at, eol).toString('utf8').split(' ') as [string, string, string];
    if (type !== 'blob') throw new GitError(`git cat-file: ${oid} is ${type ?? 'missing'}`);
    const start = eol + 1;
    out.set(oid, data.subarray(start, start + Number(size)));
    at = start + Number(size) + 1;
  }
  return out;
}
