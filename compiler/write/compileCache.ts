// I/O edge of template reuse (emit/reuse.ts): a cache file per output directory, kept in
// the user's cache directory ($XDG_CACHE_HOME/tenantc/compile-cache/, never in the output:
// it records file identities, inode and times, that differ between two compiles, and the
// output must be the same bytes for the same manifests), records, for each tenant, the digest of what its templates were made of, each template's path and
// SHA-256, and what the review gate recorded of it. A recompile reuses a tenant's
// templates only when all of these hold:
//   - the cache file carries an HMAC-SHA256 under a key that exists only on this
//     machine (under the user's cache directory, created 0600 on first use): a cache
//     file anyone else wrote (a file planted in the user's cache directory, a copy from
//     another machine, a damaged file) fails it and is ignored as a whole.
//     The digests alone would not do: they are computed from public inputs, so a
//     planted cache could name planted templates under the right digests;
//   - the tenant's digest (its plan, the platform's plan, this build, the rule pack)
//     equals the recorded one: a stale entry is never used;
//   - each template file of the previous output is a plain file whose bytes hash to the
//     recorded SHA-256: a file changed after the compile is emitted afresh.
// Anything else, and any error reading, means a fresh emit of that tenant: the cache
// can make a compile faster, never different.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type Stats,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TemplateReview } from '../review/gate.ts';
import type { GroupParameters, TenantParameters } from '../emit/reuse.ts';
import { groupFile } from '../emit/cfn/group.ts';
import { SHARD_PARAMETERS, SHARED_PARAMETERS, shardParameterName } from '../emit/cfn/stackParameters.ts';
import type { GroupPlan } from '../plan/model.ts';
import { statOf } from './fileIdentity.ts';
import { sha256Hex } from '../emit/cfn/assets.ts';

const FORMAT = 'tenantc-compile-cache/5';
/** The line that ends the tenants' lines and starts the groups' (it holds no tab: no tenant line is it). */
const GROUPS = '#groups';
/** The line that ends the groups' lines and starts the manifests'. */
const SOURCES = '#sources';
/** The line that gives the number of entry skeletons, on the lines after it. */
const SKELETONS = '#skeletons';

export interface CachedTemplate {
  readonly path: string;
  readonly sha256: string;
  readonly review: TemplateReview;
}

/** An entry of the cache: a tenant's templates (CachedTenant) or a group's one (CachedGroup), and what the parent passes it. */
export interface CachedEntry<P> {
  readonly templates: readonly CachedTemplate[];
  readonly parameters: P;
}

export type CachedTenant = CachedEntry<TenantParameters>;
export type CachedGroup = CachedEntry<GroupParameters>;

/**
 * One tenant's line of the cache: its digest, and its entry as JSON text, parsed only
 * when the digest matches (cachedTenant) and written back as it was when reused.
 */
export interface CacheLine {
  readonly digest: string;
  readonly text: string;
  /** Its template files' paths, in order (known once the entry is parsed or made). */
  readonly paths?: readonly string[];
  /** As read from the file: each template file's identity after that compile (statOf), comma-separated. */
  readonly stats?: string;
}

export interface CompileCache {
  /** By tenant id, in the order of the estate's plan. */
  readonly tenants: ReadonlyMap<string, CacheLine>;
  /** By the group template's path (emit/cfn/group.ts groupFile), in the order of the estate's plan; lines as the tenants'. */
  readonly groups?: ReadonlyMap<string, CacheLine>;
  /**
   * Manifests read and found schema-valid by an earlier compile: by sourceKey (the
   * build and the file's bytes), the manifest's value as JSON text (load/reuse.ts).
   */
  readonly sources?: ReadonlyMap<string, string>;
}

// A tenant's entry as the file holds it: its JSON text with each template's SHA-256 and
// then each occurrence of the tenant's id taken out, a skeleton that tenants of the same
// shape share, written once. Entries are nine tenths review records (the physical names
// E601 compares, each holding the id), so at 5,000 tenants the file is a few MB instead
// of 14: less to authenticate, read, split and write back on every compile. Exact: JSON
// text holds no raw U+0000 or U+0001, so the skeleton's are the ones put in, and putting
// the id and then the hashes back, in order, gives the entry's text again.
const ID_MARK = '\u0000';
const SHA_MARK = '\u0001';
const SHA_FIELD = /"sha256":"([0-9a-f]{64})"/g;

interface EncodedEntry {
  readonly skeleton: string;
  readonly shas: readonly string[];
}

/** The encoding a line read from the file (or carried over from one) already has: not computed again. */
const encodings = new WeakMap<CacheLine, EncodedEntry>();

function encodeEntry(id: string, text: string): EncodedEntry {
  const shas: string[] = [];
  const hashless = text.replace(SHA_FIELD, (_, sha: string) => {
    shas.push(sha);
    return `"sha256":"${SHA_MARK}"`;
  });
  return { skeleton: id === '' ? hashless : hashless.replaceAll(id, ID_MARK), shas };
}

function decodeEntry(id: string, { skeleton, shas }: EncodedEntry): string {
  let i = 0;
  return skeleton.replaceAll(ID_MARK, id).replaceAll(SHA_MARK, () => shas[i++]!);
}

/**
 * A tenant's line for an entry this compile made: encoded from its parts as they are
 * put together, not by writing the entry as JSON and scanning that text for its hashes.
 * The same skeleton and hashes as encodeEntry of the entry's JSON text (test/compileCache.test.ts
 * compares the two files): the entry's JSON is, key by key, its templates' paths,
 * hashes and reviews and its parameters, written here in that order with each hash
 * already a mark. A part whose JSON itself holds a `"sha256":"` field (which encodeEntry
 * would take out as well), or a hash that is not one, is encoded the general way.
 * `shapes` (one per compile) keeps one copy of each skeleton: tenants of one shape
 * share it, so 5,000 entries hold a few skeletons instead of 5,000 equal texts.
 */
export function cacheLine(id: string, digest: string, entry: CachedEntry<unknown>, shapes?: EntryShapes): CacheLine {
  const paths = entry.templates.map((t) => t.path);
  const encoded = encodeParts(id, entry) ?? encodeEntry(id, JSON.stringify(entry));
  return encodedLine(id, digest, undefined, shapes ? { skeleton: shapes.intern(encoded.skeleton), shas: encoded.shas } : encoded, paths);
}

/**
 * The entry skeletons of one compile, one copy of each. Looked up by length and then
 * compared, not hashed: a skeleton is kilobytes (hashing each would cost more than
 * comparing it with the few of its length), and a compile has a few shapes.
 */
export class EntryShapes {
  readonly #byLength = new Map<number, string[]>();

  /** `skeleton`, or the equal one kept before it. */
  intern(skeleton: string): string {
    const same = this.#byLength.get(skeleton.length);
    if (!same) {
      this.#byLength.set(skeleton.length, [skeleton]);
      return skeleton;
    }
    for (const known of same) if (known === skeleton) return known;
    // Bounded: many shapes of one length are compared with a few, and then kept as they are
    // (serializeCompileCache shares equal skeletons all the same).
    if (same.length < MAX_SHAPES_OF_A_LENGTH) same.push(skeleton);
    return skeleton;
  }
}

const MAX_SHAPES_OF_A_LENGTH = 8;

const SHA_FIELD_START = '"sha256":"';

const TEMPLATE_KEYS = ['path', 'sha256', 'review'];
const ENTRY_KEYS = ['templates', 'parameters'];
/** Whether JSON.stringify writes exactly these keys of `v`, in this order. */
function keysAre(v: object, keys: readonly string[]): boolean {
  const own = Object.keys(v);
  return own.length === keys.length && own.every((k, i) => k === keys[i]);
}

/** encodeEntry(id, JSON.stringify(entry)) built from the entry's parts; null when a part needs the general way. */
function encodeParts(id: string, entry: CachedEntry<unknown>): EncodedEntry | null {
  const shas: string[] = [];
  let hashless = '{"templates":[';
  for (let i = 0; i < entry.templates.length; i++) {
    const t = entry.templates[i]!;
    // Exactly the keys JSON.stringify would write, in its order: anything else goes the general way.
    if (!keysAre(t, TEMPLATE_KEYS) || !isHex64(t.sha256)) return null;
    const path = JSON.stringify(t.path);
    const review = JSON.stringify(t.review);
    if (typeof path !== 'string' || typeof review !== 'string' || path.includes(SHA_FIELD_START) || review.includes(SHA_FIELD_START)) return null;
    hashless += `${i === 0 ? '' : ','}{"path":${path},"sha256":"${SHA_MARK}","review":${review}}`;
    shas.push(t.sha256);
  }
  const parameters = JSON.stringify(entry.parameters);
  if (!keysAre(entry, ENTRY_KEYS) || typeof parameters !== 'string' || parameters.includes(SHA_FIELD_START)) return null;
  hashless += `],"parameters":${parameters}}`;
  return { skeleton: id === '' ? hashless : hashless.replaceAll(id, ID_MARK), shas };
}

/** A line of the file: its text made when first asked for (most are only written back). */
function encodedLine(id: string, digest: string, stats: string | undefined, encoded: EncodedEntry, paths?: readonly string[]): CacheLine {
  let text: string | undefined;
  const line: CacheLine = {
    digest,
    get text() {
      text ??= decodeEntry(id, encoded);
      return text;
    },
    ...(stats === undefined ? {} : { stats }),
    ...(paths ? { paths } : {}),
  };
  encodings.set(line, encoded);
  return line;
}

/** `line` (of tenant `id`, as read) carried over to the next cache with its template files' paths. */
export function reusedLine(id: string, line: CacheLine, paths: readonly string[]): CacheLine {
  const encoded = encodings.get(line);
  return encoded ? encodedLine(id, line.digest, undefined, encoded, paths) : { digest: line.digest, text: line.text, paths };
}

/** tenantc's directory in the user's cache: $XDG_CACHE_HOME/tenantc (default ~/.cache/tenantc). */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tenantc');
}

/** The cache file of the output directory `outDir` (an absolute path) under `cacheDir`: one per output, named by its path's SHA-256. */
export function compileCachePath(cacheDir: string, outDir: string): string {
  return join(cacheDir, 'compile-cache', `${sha256Hex(outDir)}.cache`);
}

/**
 * The key cache files are authenticated with: 32 random bytes in
 * $XDG_CACHE_HOME/tenantc/compile-cache.key (default ~/.cache), made on first use,
 * readable by its owner only. null when there is none and none can be made (a read-only
 * home): then nothing is reused.
 */
export function machineCacheKey(env: NodeJS.ProcessEnv = process.env): Buffer | null {
  const dir = userCacheDir(env);
  const file = join(dir, 'compile-cache.key');
  const read = (): Buffer | null => {
    // Only a key file of its own user, that nobody else can read or replace.
    const key = plainFile(file, (st) => (st.mode & 0o077) === 0 && (typeof process.getuid !== 'function' || st.uid === process.getuid()));
    return key?.length === 32 ? key : null;
  };
  const existing = read();
  if (existing) return existing;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // O_EXCL: two compiles starting at once make one key, and the other reads it.
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(32));
    } finally {
      closeSync(fd);
    }
  } catch {
    // Made by another process meanwhile, or not makeable: read what is there.
  }
  return read();
}

/**
 * The bytes of the plain file at `path` (not a link, not a FIFO) when `accept` takes its
 * status, else null. Checked on the file it opened (fstat), never on the path before
 * opening it: a file renamed in between by whoever else can write the directory (a
 * cache under a shared XDG_CACHE_HOME) would be read unchecked.
 */
function plainFile(path: string, accept: (st: Stats) => boolean = () => true): Buffer | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    return st.isFile() && accept(st) ? readFileSync(fd) : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest('hex');

/**
 * The cache file's text: its MAC (hex), a line break, then the body: the format's name
 * on a line, `#skeletons N` and N entry skeletons (encodeEntry), then a line per tenant,
 * `<id> <digest> <file identities> <skeleton's index> <its templates' SHA-256s>`
 * (tab-separated), then `#groups` and a line per group, the same with the group
 * template's path for an id, then `#sources` and a line per manifest read, `<key> <value JSON>`.
 * `identity` gives each template file's identity (fileIdentity) as this compile left it,
 * from whoever wrote or linked it (write/threadedWrite.ts, write/writeOutput.ts Written),
 * null where the file's bytes are not known to be this compile's.
 */
export function serializeCompileCache(cache: CompileCache, key: Buffer, identity: (path: string) => string | null = () => null): string {
  const skeletons = new Map<string, number>();
  let lines = '';
  const add = (entries: ReadonlyMap<string, CacheLine>) => {
    for (const [id, line] of entries) {
      const ids = (line.paths ?? []).map(identity);
      const { skeleton, shas } = encodings.get(line) ?? encodeEntry(id, line.text);
      let index = skeletons.get(skeleton);
      if (index === undefined) skeletons.set(skeleton, (index = skeletons.size));
      lines += `${id}\t${line.digest}\t${ids.every((x) => x !== null) ? ids.join(',') : ''}\t${index}\t${shas.join(',')}\n`;
    }
  };
  add(cache.tenants);
  lines += `${GROUPS}\n`;
  add(cache.groups ?? new Map());
  let body = `${FORMAT}\n${SKELETONS} ${skeletons.size}\n`;
  for (const skeleton of skeletons.keys()) body += `${skeleton}\n`;
  body += lines;
  body += `${SOURCES}\n`;
  for (const [key, value] of cache.sources ?? []) body += `${key}\t${value}\n`;
  return `${mac(key, body)}\n${body}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isHex64 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/** The cache in `text` when its MAC holds under `key` and it is of this format; null otherwise. */
export function parseCompileCache(text: string, key: Buffer): CompileCache | null {
  const nl = text.indexOf('\n');
  if (nl !== 64) return null;
  const body = text.slice(nl + 1);
  const expected = Buffer.from(mac(key, body), 'hex');
  const given = Buffer.from(text.slice(0, nl), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const lines = body.split('\n');
  if (lines[0] !== FORMAT || lines.at(-1) !== '') return null;
  const tenants = new Map<string, CacheLine>();
  const groups = new Map<string, CacheLine>();
  const sources = new Map<string, string>();
  const count = /^#skeletons (0|[1-9][0-9]*)$/.exec(lines[1] ?? '');
  if (!count) return null;
  const skeletons = lines.slice(2, 2 + Number(count[1]));
  // How many hashes each skeleton takes back: a line that gives another number is not one this code wrote.
  const marks = skeletons.map((s) => s.split(SHA_MARK).length - 1);
  const groupsAt = lines.indexOf(GROUPS, 2 + skeletons.length);
  const end = groupsAt < 0 ? -1 : lines.indexOf(SOURCES, groupsAt + 1);
  if (end < 0) return null;
  /** Reads entry lines into `into`; false when one is not a line this code wrote. */
  const entries = (from: number, to: number, into: Map<string, CacheLine>): boolean => {
    for (const line of lines.slice(from, to)) {
      const [id, digest, stats, index, hashes, ...rest] = line.split('\t');
      if (id === undefined || !isHex64(digest) || stats === undefined || index === undefined || hashes === undefined || rest.length > 0 || into.has(id))
        return false;
      const skeleton = /^(0|[1-9][0-9]*)$/.test(index) ? skeletons[Number(index)] : undefined;
      const shas = hashes === '' ? [] : hashes.split(',');
      if (skeleton === undefined || shas.length !== marks[Number(index)] || !shas.every(isHex64)) return false;
      into.set(id, encodedLine(id, digest, stats, { skeleton, shas }));
    }
    return true;
  };
  if (!entries(2 + skeletons.length, groupsAt, tenants) || !entries(groupsAt + 1, end, groups)) return null;
  for (const line of lines.slice(end + 1, -1)) {
    const tab = line.indexOf('\t');
    const key = line.slice(0, tab);
    if (tab !== 64 || !isHex64(key) || sources.has(key)) return null;
    sources.set(key, line.slice(tab + 1));
  }
  return { tenants, groups, sources };
}

/** Whether `t` has a cached template's form: a path, a SHA-256 (hex) and a review record. */
const isCachedTemplate = (t: unknown): t is CachedTemplate => isObject(t) && typeof t.path === 'string' && isHex64(t.sha256) && Array.isArray(t.review);

/**
 * A tenant's entry, or null when it is not one. The file is authentic (this machine
 * wrote it); its shape is checked all the same, so that a bug of an earlier build
 * cannot turn into an exception here, and its parameters are names its group can pass
 * (as cachedGroup checks a group's).
 */
export function cachedTenant(line: CacheLine): CachedTenant | null {
  try {
    const entry = JSON.parse(line.text) as unknown;
    if (!isObject(entry) || !Array.isArray(entry.templates) || !isObject(entry.parameters)) return null;
    const { shared, shard } = entry.parameters;
    if (!Array.isArray(shared) || !shared.every((n) => typeof n === 'string' && Object.hasOwn(SHARED_PARAMETERS, n))) return null;
    if (!Array.isArray(shard) || !shard.every((n) => typeof n === 'string' && Object.hasOwn(SHARD_PARAMETERS, n))) return null;
    for (const t of entry.templates) if (!isCachedTemplate(t)) return null;
    return entry as unknown as CachedTenant;
  } catch {
    return null;
  }
}

/**
 * The entry of group `group`'s template, or null when it is not one: one template at
 * the group's own path, and for its parameters names the root can pass (of the shards
 * the group's plan lists, under the names it declares them by).
 */
export function cachedGroup(line: CacheLine, group: GroupPlan): CachedGroup | null {
  try {
    const entry = JSON.parse(line.text) as unknown;
    if (!isObject(entry) || !Array.isArray(entry.templates) || entry.templates.length !== 1 || !isObject(entry.parameters)) return null;
    const [t] = entry.templates as unknown[];
    if (!isCachedTemplate(t) || t.path !== groupFile(group.index)) return null;
    const { shared, shard } = entry.parameters;
    if (!Array.isArray(shared) || !shared.every((n) => typeof n === 'string' && Object.hasOwn(SHARED_PARAMETERS, n))) return null;
    if (
      !Array.isArray(shard) ||
      !shard.every(
        (s) =>
          isObject(s) &&
          typeof s.name === 'string' &&
          Object.hasOwn(SHARD_PARAMETERS, s.name) &&
          group.albShards.includes(s.shard as number) &&
          s.declared === shardParameterName(s.shard as number, s.name as never),
      )
    )
      return null;
    return entry as unknown as CachedGroup;
  } catch {
    return null;
  }
}

/**
 * Writes the cache file at `path` (whole: a sibling file renamed over it), its directory
 * made readable by its owner only. A cache that cannot be written costs the next compile
 * its speed, nothing else.
 */
export function writeCompileCache(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Created, never opened: a link planted at the temporary name (a cache directory
    // another user can write) is removed, not followed, and a file that appears there
    // meanwhile makes the create fail (O_EXCL), so the write lands nowhere but here.
    rmSync(tmp, { force: true });
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  } catch {
    // Guarded too: what sits at the temporary name may be a directory (rm refuses it
    // without recursion) or sit under a file: an exception here would end the compile
    // after the output is written and before the lock is.
    try {
      rmSync(tmp, { force: true });
    } catch {}
  }
}

/** The cache at `path`, or null (none, unreadable, not authentic under `key`). */
export function readCompileCache(path: string, key: Buffer): CompileCache | null {
  try {
    const bytes = plainFile(path);
    return bytes && parseCompileCache(bytes.toString('utf8'), key);
  } catch {
    return null;
  }
}

/** A previous output's file that held the recorded bytes when checked. */
export interface CheckedFile {
  /** Where it is. */
  readonly at: string;
  /** Its identity (statOf) when it was checked. */
  readonly identity: string;
  /** Its text, read again and checked again against the digest (throws if it changed since). */
  read(): string;
}

/**
 * For one compile: the previous output's file `path` when its bytes hash to `sha256`,
 * else null. Only a plain file with no other name, under real directories (no symlink),
 * is read; `path` is one the compile itself names (tenants/<id>.template.json), never
 * one taken from the cache. Each directory is looked at once per compile (a recompile
 * of 5,000 tenants asks for thousands of files in the same two directories). A file
 * whose identity (statOf) is the one recorded is not read; the bytes are not kept
 * either way: the writer links the file, and only what needs the text reads it again
 * (CheckedFile.read).
 */
export function previousFiles(outDir: string): (path: string, sha256: string, recorded?: string) => CheckedFile | null {
  const realDirectory = new Map<string, boolean>();
  const isRealDirectory = (dir: string): boolean => {
    let real = realDirectory.get(dir);
    if (real === undefined) {
      try {
        real = lstatSync(dir).isDirectory();
      } catch {
        real = false;
      }
      realDirectory.set(dir, real);
    }
    return real;
  };
  return (path, sha256, recorded) => {
    const parts = path.split('/');
    for (let i = 0; i < parts.length; i++) if (!isRealDirectory(join(outDir, ...parts.slice(0, i)))) return null;
    return checkedFile(join(outDir, path), sha256, recorded);
  };
}

function checkedFile(full: string, sha256: string, recorded?: string): CheckedFile | null {
  let identity: string | null;
  try {
    // A file with a second name could change through it: not reused (as writeOutput.ts).
    identity = statOf(full);
    if (identity === null) return null;
    // Unchanged since the compile that recorded it: its bytes are the recorded ones.
    if (identity !== recorded && sha256Hex(readFileSync(full)) !== sha256) return null;
  } catch {
    return null;
  }
  return {
    at: full,
    identity,
    read() {
      const bytes = readFileSync(full);
      if (sha256Hex(bytes) !== sha256) throw new Error(`${full}: changed while tenantc compiled (it was checked at the start): compile again`);
      return bytes.toString('utf8');
    },
  };
}
