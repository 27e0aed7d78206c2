// compile(): load → validate → plan → emit (reviewed by the rule pack) → write. Each
// stage is a function of the previous stage's data; only loadSources (reading) and
// writeOutput / startThreadedWrite / writeLockFile (writing) touch the file system.
import { resolve } from 'node:path';
import { type Diagnostic, sortDiagnostics } from './diagnostics.ts';
import { emitEstate } from './emit/emitEstate.ts';
import type { OutputFile } from './emit/output.ts';
import { readLockFile } from './load/lockFile.ts';
import { validateLockFile } from './validate/lockFile.ts';
import { parseManifest } from './load/parseManifest.ts';
import { jsonExact, reusedSource, sourceKey } from './load/reuse.ts';
import { PLACEMENT_LOCK_FILE, readManifestFiles, type RawFile } from './load/readManifests.ts';
import type { SourceFile } from './load/sourceFile.ts';
import type { EstatePlan } from './plan/model.ts';
import { planEstate } from './plan/planEstate.ts';
import { ReviewGate, type ReviewResult } from './review/gate.ts';
import { SECURITY_RULES } from './review/index.ts';
import { REVIEW_FILE, reviewDiagnostics, reviewRecord } from './review/report.ts';
import type { SecurityRule } from './review/rule.ts';
import { validateEstate, type ValidatedEstate } from './validate/validateEstate.ts';
import { lockDrift, lockOf, writeLockFile } from './write/lockFile.ts';
import { type WriteSummary, writeOutput } from './write/writeOutput.ts';
import { startThreadedWrite } from './write/threadedWrite.ts';
import { BUILD_ID } from './buildId.ts';
import { domainStageFile } from './emit/cfn/domainStage.ts';
import { tenantFile } from './emit/cfn/tenant/tenantStack.ts';
import { groupFile } from './emit/cfn/group.ts';
import { digests as reuseDigests, type TenantReuse, type TenantTemplate } from './emit/reuse.ts';
import type { TemplateReview } from './review/gate.ts';
import {
  type CachedTemplate,
  type CacheLine,
  type CheckedFile,
  cachedGroup,
  cachedTenant,
  cacheLine,
  type CompileCache,
  compileCachePath,
  EntryShapes,
  machineCacheKey,
  previousFiles,
  readCompileCache,
  reusedLine,
  serializeCompileCache,
  userCacheDir,
  writeCompileCache,
} from './write/compileCache.ts';

export interface Loaded {
  readonly sources: readonly SourceFile[];
  readonly diagnostics: readonly Diagnostic[];
  /** The placement lock as read, or null for an estate without one. */
  readonly lock: RawFile | null;
  /** With a SourceReading: what it knew of these sources. */
  readonly reading?: SourcesRead;
}

/** Manifests read by an earlier compile of this build (load/reuse.ts). */
export interface SourceReading {
  readonly build: string;
  /** By sourceKey, each schema-valid manifest's value as JSON text (CompileCache.sources). */
  readonly known: ReadonlyMap<string, string> | undefined;
}

export interface SourcesRead {
  /** Each source's sourceKey. */
  readonly keys: ReadonlyMap<SourceFile, string>;
  /** The sources taken from the earlier reading, with their JSON text: schema-valid already. */
  readonly reused: ReadonlyMap<SourceFile, string>;
  /** The lock's sourceKey, and its earlier reading's JSON text when there is one (validate/lockFile.ts). */
  readonly lock?: { readonly key: string; readonly json: string | undefined };
}

export function parseSources(raw: readonly RawFile[], lock: RawFile | null = null, reading?: SourceReading): Loaded {
  const sources: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const keys = new Map<SourceFile, string>();
  const reused = new Map<SourceFile, string>();
  for (const file of raw) {
    const key = reading && file.bytes ? sourceKey(reading.build, 'manifest', file.bytes) : undefined;
    const json = key === undefined ? undefined : reading?.known?.get(key);
    const earlier = reusedSource(file, json);
    if (earlier) {
      sources.push(earlier);
      keys.set(earlier, key!);
      reused.set(earlier, json!);
      continue;
    }
    const r = parseManifest(file);
    if (r.source) {
      sources.push(r.source);
      if (key !== undefined) keys.set(r.source, key);
    }
    diagnostics.push(...r.diagnostics);
  }
  const lockKey = reading && lock?.bytes ? sourceKey(reading.build, 'lock', lock.bytes) : undefined;
  const lockRead = lockKey === undefined ? {} : { lock: { key: lockKey, json: reading?.known?.get(lockKey) } };
  return { sources, diagnostics, lock, ...(reading ? { reading: { keys, reused, ...lockRead } } : {}) };
}

/** Reads `dir` (relative to `cwd`); diagnostics show paths as `dir` names them. */
export function loadSources(dir: string, cwd = process.cwd(), reading?: SourceReading): Loaded {
  return parseSources(readManifestFiles(dir, cwd), readLockFile(dir, cwd), reading);
}

/**
 * What the next compile may reuse of this one's reading: each manifest of the valid
 * estate under its key, as JSON (the text it was read from when it was reused).
 */
function sourcesToKeep(read: SourcesRead, estate: ValidatedEstate, lock: SourceFile | null): Map<string, string> {
  const kept = new Map<string, string>();
  const keep = (key: string | undefined, earlier: string | undefined, value: unknown) => {
    if (key === undefined) return;
    const json = earlier ?? (jsonExact(value) ? JSON.stringify(value) : undefined);
    if (json !== undefined) kept.set(key, json);
  };
  if (read.lock && lock) keep(read.lock.key, read.lock.json, lock.value);
  for (const { source, value } of [estate.platform, ...estate.tenants]) keep(read.keys.get(source), read.reused.get(source), value);
  return kept;
}

export interface CheckOptions {
  /** YYYY-MM-DD: the day removals this compile records are dated (default: today, UTC). */
  readonly today?: string;
  /** Fail, naming the lines, when placement would change the lock (as `npm ci` treats its lock). */
  readonly locked?: boolean;
}

/**
 * The day a compile dates the removals it records: today (UTC), or the day of
 * SOURCE_DATE_EPOCH when it is set (reproducible builds, and tests with golden files).
 */
export function compileDay(env: NodeJS.ProcessEnv = process.env, now = Date.now()): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  const ms = epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : now;
  return new Date(ms).toISOString().slice(0, 10);
}

export type Checked =
  | {
      readonly ok: true;
      readonly estate: ValidatedEstate;
      readonly plan: EstatePlan;
      readonly lock: string;
      /** The placement lock as read (valid), or null for none. */
      readonly lockSource: SourceFile | null;
    }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Validate and plan; diagnostics come back sorted by file and position. */
export function checkEstate(dir: string, loaded: Loaded, options: CheckOptions = {}): Checked {
  const lock = validateLockFile(loaded.lock, loaded.reading?.lock?.json);
  const reused = loaded.reading?.reused;
  const validated = validateEstate(
    dir,
    loaded.sources,
    [...loaded.diagnostics, ...lock.diagnostics],
    new Set(lock.placements.keys()),
    reused ? (source) => reused.has(source) : undefined,
  );
  if (!validated.ok) return { ok: false, diagnostics: sortDiagnostics(validated.diagnostics) };
  const planned = planEstate(validated.estate.platform, validated.estate.tenants, lock, options.today ?? compileDay());
  if (!planned.ok) return { ok: false, diagnostics: sortDiagnostics(planned.diagnostics) };
  const next = lockOf(planned.plan);
  if (options.locked) {
    const drift = lockDrift(loaded.lock?.bytes ? Buffer.from(loaded.lock.bytes).toString('utf8') : null, next);
    if (drift.length) {
      const file = loaded.lock?.path ?? `${dir}/${PLACEMENT_LOCK_FILE}`;
      return {
        ok: false,
        diagnostics: [
          {
            code: 'lock-outdated',
            file,
            position: { line: 1, col: 1 },
            message: `${loaded.lock ? 'the placement lock is not up to date' : 'there is no placement lock'} and --locked forbids changing it; these lines would change:`,
            notes: [...drift, 'run `tenantc compile` without --locked and commit the lock with the manifests'],
          },
        ],
      };
    }
  }
  return { ok: true, estate: validated.estate, plan: planned.plan, lock: next, lockSource: lock.source };
}

export interface CompileOptions extends CheckOptions {
  /** Directory the tenants and output paths are relative to (the CLI's working directory). */
  readonly cwd?: string;
  /** The rules the gate applies: the pack by default (tests add rules that must fail). */
  readonly securityRules?: readonly SecurityRule[];
  /** Reuse of unchanged tenants' templates (emit/reuse.ts); absent: every tenant is emitted afresh. */
  readonly reuse?: ReuseSource;
  /**
   * compile() only: the build whose templates may be reused (default: this build's id,
   * none when run from the sources) and the key cache files are authenticated with
   * (default: this machine's, write/compileCache.ts). null for either: no reuse.
   */
  readonly build?: string | null;
  readonly cacheKey?: Buffer | null;
  /** compile() only: where cache files are kept (default: write/compileCache.ts userCacheDir()), never the output. */
  readonly cacheDir?: string;
  /**
   * compile() only: the fewest manifests for which a first compile (no output yet)
   * writes its files from a thread while it emits them (write/threadedWrite.ts);
   * default WRITER_THREAD_FROM.
   */
  readonly writerThreadFrom?: number;
  /** compile() only: the text the threaded write gathers before posting it (write/threadedWrite.ts WRITER_BATCH, the default). */
  readonly writerBatch?: number;
  /**
   * compile() only: called once the output is in place, before the compile cache is
   * written (tests change an output file in between).
   */
  readonly placed?: (outDir: string) => void;
  /**
   * Sees each file's text once it is made (a template's once it is reviewed), before the
   * compile ends (compile() hands it to the writer thread). Whether the compile succeeds is known
   * only from its result.
   */
  readonly emitted?: (path: string, text: string) => void;
}

export interface ReuseSource {
  /** This compiler's build (compiler/buildId.ts): part of every tenant's digest. */
  readonly build: string;
  /** The previous output's cache, already authenticated; null for none. */
  readonly cache: CompileCache | null;
  /** The previous output's file `path` when its bytes hash to `sha256`, else null. */
  readonly previous: (path: string, sha256: string, identity?: string) => CheckedFile | null;
}

export type CompileResult =
  | {
      readonly ok: true;
      readonly plan: EstatePlan;
      readonly files: readonly OutputFile[];
      readonly lock: string;
      readonly review: ReviewResult;
      /** What the next compile may reuse; null without options.reuse. */
      readonly cache: CompileCache | null;
      /** Tenants whose templates were reused. */
      readonly reused: number;
      /** Groups whose template was reused. */
      readonly reusedGroups: number;
    }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** A template of the previous output, checked: its text is read only if something asks for it (the writer links the file). */
function reusedTemplate(x: CachedTemplate, checked: CheckedFile): TenantTemplate<TemplateReview> {
  return {
    file: {
      path: x.path,
      previous: { at: checked.at, identity: checked.identity },
      get content() {
        return checked.read();
      },
    },
    review: x.review,
    sha256: x.sha256,
  };
}

/**
 * Template reuse for one compile: each tenant's digest, the earlier compile's entry
 * when it matches and its files check out (their review records replayed into `gate`),
 * and the cache entries of this compile; the same for each group's template.
 */
function tenantReuse(source: ReuseSource, plan: EstatePlan, rules: readonly SecurityRule[], gate: ReviewGate) {
  const digestOf = reuseDigests(
    source.build,
    rules.map((r) => r.id),
    plan,
  );
  const digests = new Map<string, string>();
  const next = new Map<string, CacheLine>();
  /** One copy of each entry skeleton this compile makes (compileCache.ts cacheLine). */
  const shapes = new EntryShapes();
  let reused = 0;
  const nextGroups = new Map<string, CacheLine>();
  const groupDigests = new Map<string, string>();
  let reusedGroups = 0;
  const reuse: TenantReuse<TemplateReview> = {
    lookup(t) {
      const digest = digestOf.tenant(t);
      digests.set(t.id, digest);
      const line = source.cache?.tenants.get(t.id);
      if (!line || line.digest !== digest) return null;
      const entry = cachedTenant(line);
      if (!entry) return null;
      // The paths are this compile's own names for the tenant's files, never the cache's.
      const paths = [tenantFile(t.id), ...(t.dns.mode === 'platform' ? [] : [domainStageFile(t.id)])];
      if (entry.templates.length !== paths.length || entry.templates.some((x, i) => x.path !== paths[i])) return null;
      const identities = line.stats?.split(',') ?? [];
      const checked = entry.templates.map((x, i) => source.previous(x.path, x.sha256, identities[i]));
      if (checked.some((b) => b === null)) return null;
      if (!gate.replay(entry.templates)) return null;
      next.set(t.id, reusedLine(t.id, line, paths));
      reused++;
      return { templates: entry.templates.map((x, i) => reusedTemplate(x, checked[i]!)), parameters: entry.parameters };
    },
    emitted(t, emitted) {
      next.set(
        t.id,
        cacheLine(
          t.id,
          digests.get(t.id)!,
          {
            templates: emitted.templates.map((x) => ({ path: x.file.path, sha256: x.sha256!, review: x.review })),
            parameters: emitted.parameters,
          },
          shapes,
        ),
      );
    },
    lookupGroup(g, members) {
      const path = groupFile(g.index);
      const digest = digestOf.group(
        g,
        // Each member's plan by its digest (lookup computed it for every tenant, before any group).
        members.map((m) => ({ tenant: digests.get(m.tenant.id) ?? digestOf.tenant(m.tenant), key: m.key, parameters: m.parameters })),
      );
      groupDigests.set(path, digest);
      const line = source.cache?.groups?.get(path);
      if (!line || line.digest !== digest) return null;
      const entry = cachedGroup(line, g);
      const template = entry?.templates[0];
      if (!entry || !template) return null;
      const checked = source.previous(path, template.sha256, line.stats?.split(',')[0]);
      if (!checked || !gate.replay(entry.templates)) return null;
      nextGroups.set(path, reusedLine(path, line, [path]));
      reusedGroups++;
      return { template: reusedTemplate(template, checked), parameters: entry.parameters };
    },
    emittedGroup(g, { template, parameters }) {
      const path = template.file.path;
      nextGroups.set(
        path,
        cacheLine(path, groupDigests.get(path)!, { templates: [{ path, sha256: template.sha256!, review: template.review }], parameters }, shapes),
      );
    },
  };
  return {
    reuse,
    cache: (): CompileCache => ({ tenants: next, groups: nextGroups }),
    reused: () => reused,
    reusedGroups: () => reusedGroups,
  };
}

/**
 * The pure part of compile: manifests in memory → output files in memory. The rule
 * pack reviews each template as it is emitted; a finding no suppression accepts (or a
 * suppression that accepts nothing) fails the compile like an invalid manifest.
 */
export function compileSources(dir: string, loaded: Loaded, options: CompileOptions = {}): CompileResult {
  const checked = checkEstate(dir, loaded, options);
  if (!checked.ok) return checked;
  const rules = options.securityRules ?? SECURITY_RULES;
  const gate = new ReviewGate(rules, checked.plan.platform.suppressions);
  const reuse = options.reuse ? tenantReuse(options.reuse, checked.plan, rules, gate) : null;
  const files = emitEstate(
    checked.plan,
    (path, template, text) => {
      const review = gate.review(path, template, text);
      options.emitted?.(path, text);
      return review;
    },
    reuse?.reuse,
    options.emitted ? (file) => options.emitted!(file.path, file.content) : undefined,
  );
  const review = gate.result();
  const problems = reviewDiagnostics(checked.estate, review, rules);
  if (problems.length) return { ok: false, diagnostics: sortDiagnostics(problems) };
  files.push({ path: REVIEW_FILE, content: reviewRecord(checked.plan, review, rules) });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const cache = reuse ? { ...reuse.cache(), ...(loaded.reading ? { sources: sourcesToKeep(loaded.reading, checked.estate, checked.lockSource) } : {}) } : null;
  return {
    ok: true,
    plan: checked.plan,
    files,
    lock: checked.lock,
    review,
    cache,
    reused: reuse?.reused() ?? 0,
    reusedGroups: reuse?.reusedGroups() ?? 0,
  };
}

/**
 * The fewest manifests for which a first compile writes from a thread. Starting the
 * thread costs ~50 ms of CPU (a Node environment of its own), about what writing 300
 * files costs the main thread (~0.17 ms a file): below ~250 tenants (~1.2 files each)
 * the thread would cost more CPU than it takes off the main thread
 * (docs/benchmark.md, branch write-overlap).
 */
export const WRITER_THREAD_FROM = 250;

export type WrittenResult =
  | (CompileResult & { readonly ok: false })
  | (CompileResult & { readonly ok: true; readonly lockChanged: boolean; readonly written: WriteSummary });

/**
 * Full compile from disk to disk. Nothing is written unless every manifest is valid
 * and every template passes the rule pack; then the output tree, and the placement
 * lock when placement changed (never under --locked, which fails instead). A first
 * compile of a large estate writes its templates from a thread while it emits them,
 * into the staging directory that is removed if the compile then fails.
 */
export async function compile(tenantsDir: string, outDir: string, options: CompileOptions = {}): Promise<WrittenResult> {
  const cwd = options.cwd ?? process.cwd();
  const out = resolve(cwd, outDir);
  const build = options.build === undefined ? BUILD_ID : options.build;
  const key = build === null ? null : options.cacheKey === undefined ? machineCacheKey() : options.cacheKey;
  const cachePath = compileCachePath(options.cacheDir ?? userCacheDir(), out);
  const reuse: ReuseSource | undefined =
    build !== null && key !== null ? { build, cache: readCompileCache(cachePath, key), previous: previousFiles(out) } : undefined;
  const loaded = loadSources(tenantsDir, cwd, reuse ? { build: reuse.build, known: reuse.cache?.sources } : undefined);
  // Started before validation, so the thread is up by the time emit begins; it creates
  // nothing until the first template is sent.
  const threaded = loaded.sources.length >= (options.writerThreadFrom ?? WRITER_THREAD_FROM) ? startThreadedWrite(out, undefined, options.writerBatch) : null;
  let result: CompileResult;
  try {
    result = compileSources(tenantsDir, loaded, { ...options, ...(reuse ? { reuse } : {}), ...(threaded ? { emitted: threaded.send } : {}) });
  } catch (e) {
    await threaded?.abort();
    throw e;
  }
  if (!result.ok) {
    await threaded?.abort();
    return result;
  }
  // Each template file's identity for the cache, as its bytes were known to be this
  // compile's: taken by whoever wrote or linked it (write/threadedWrite.ts,
  // write/writeOutput.ts), never trusted from the file as it is now alone.
  const { summary: written, identity } = threaded ? await threaded.finish(result.files) : await writeOutput(out, result.files);
  options.placed?.(out);
  if (result.cache && key) writeCompileCache(cachePath, serializeCompileCache(result.cache, key, identity));
  return { ...result, lockChanged: writeLockFile(resolve(cwd, tenantsDir), result.lock), written };
}
