// tenants/placement.lock.yaml: where each tenant was placed, committed with the
// manifests so a pull request shows placement changes and compile keeps them sticky.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics.ts';
import { parseManifest } from './parseManifest.ts';
import type { SourceFile } from './sourceFile.ts';
import { PLACEMENT_LOCK_FILE, type RawFile } from './readManifests.ts';

/** One tenant's line of the lock: where it was placed and what it takes there (plan/placement.ts). */
export interface LockEntry {
  readonly albShard: number;
  readonly ruleSlot: number;
  readonly cacheCluster: number | null;
  readonly group: number;
  readonly rules: number;
  readonly certificates: number;
  readonly targetGroups: number;
}

export interface LockResult {
  readonly placements: ReadonlyMap<string, LockEntry>;
  readonly diagnostics: readonly Diagnostic[];
  /** The parsed lock, for diagnostics that point into it; null when there is none. */
  readonly source: SourceFile | null;
}

/** I/O edge: the raw lock file, or null when the estate has none yet. */
export function readLockFile(dir: string, cwd = process.cwd()): RawFile | null {
  const path = join(dir, PLACEMENT_LOCK_FILE);
  try {
    const bytes = readFileSync(resolve(cwd, path));
    return { path, name: PLACEMENT_LOCK_FILE, size: bytes.length, bytes };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

const FIELDS = ['albShard', 'ruleSlot', 'cacheCluster', 'group', 'rules', 'certificates', 'targetGroups'] as const;

export function parseLockFile(raw: RawFile | null): LockResult {
  if (!raw) return { placements: new Map(), diagnostics: [], source: null };
  const parsed = parseManifest(raw);
  if (!parsed.source) return { placements: new Map(), diagnostics: parsed.diagnostics, source: null };
  const source = parsed.source;
  const value = source.value as { version?: unknown; tenants?: unknown };
  const bad = (path: (string | number)[], message: string): LockResult => ({
    placements: new Map(),
    source,
    diagnostics: [source.diagnostic('lock-file', path, `${message}; the lock is written by tenantc compile: restore it from version control, or delete it to place every tenant anew`)],
  });
  if (typeof value !== 'object' || value === null || value.version !== 1) return bad(['version'], 'placement lock must have version: 1');
  if (typeof value.tenants !== 'object' || value.tenants === null || Array.isArray(value.tenants)) return bad(['tenants'], 'placement lock needs a `tenants` mapping');
  const placements = new Map<string, LockEntry>();
  for (const [id, entry] of Object.entries(value.tenants as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) return bad(['tenants', id], `tenants.${id} must be a mapping`);
    const e = entry as Record<string, unknown>;
    for (const f of FIELDS) {
      const v = e[f];
      const ok = (Number.isInteger(v) && (v as number) >= 0) || (f === 'cacheCluster' && v === null);
      if (!ok) return bad(['tenants', id, f], `tenants.${id}.${f} must be a non-negative integer${f === 'cacheCluster' ? ' or null' : ''}`);
    }
    const unknown = Object.keys(e).find((k) => !(FIELDS as readonly string[]).includes(k));
    if (unknown) return bad(['tenants', id, unknown], `tenants.${id}: unknown key "${unknown}"`);
    placements.set(id, {
      albShard: e.albShard as number,
      ruleSlot: e.ruleSlot as number,
      cacheCluster: e.cacheCluster as number | null,
      group: e.group as number,
      rules: e.rules as number,
      certificates: e.certificates as number,
      targetGroups: e.targetGroups as number,
    });
  }
  return { placements, diagnostics: [], source };
}
