// Reuse of a tenant's templates across compiles. A tenant's templates are a function of
// its own plan and the platform's (TypeScript holds the tenant emitters to
// PlatformScope and the TenantPlan), of the compiler that emitted them and of the rule
// pack that reviewed them. The digest below covers exactly those; an earlier compile's
// templates of a tenant whose digest is unchanged are the bytes a fresh emit would
// write (test/compileCache.test.ts compares every file of a recompile with a fresh
// compile's, byte for byte). Pure: digests in, digests out; the cache file and its
// authentication are write/compileCache.ts's.
import { createHash } from 'node:crypto';
import type { OutputFile } from './output.ts';
import type { PlatformScope, TenantPlan } from '../plan/model.ts';
import { ManifestText } from '../plan/manifestText.ts';
import type { SharedParameter, ShardParameter } from './cfn/stackParameters.ts';

/**
 * Appends an exact, unambiguous text of `v` to `out`: every value kind is tagged, so two
 * different values never share a text (a manifest's text "x" and the compiler's string
 * "x" differ; a Map is not an object). Anything it does not know how to write (a class
 * instance, a function) is an error: a digest that silently skipped part of a plan could
 * reuse a template that part changed.
 */
function canonical(v: unknown, out: string[]): void {
  if (v === null) out.push('n');
  else if (v === undefined) out.push('u');
  else if (typeof v === 'string') out.push('s', JSON.stringify(v));
  else if (typeof v === 'number' || typeof v === 'boolean') out.push(typeof v === 'number' ? 'd' : 'b', String(v));
  // The manifest's words, raw: they reach no output from here, only the hash.
  else if (v instanceof ManifestText) out.push('t', JSON.stringify(ManifestText.rawText(v)));
  else if (Array.isArray(v)) {
    out.push('[');
    for (const item of v) canonical(item, out);
    out.push(']');
  } else if (v instanceof Map) {
    out.push('M');
    for (const [k, item] of v) {
      canonical(k, out);
      canonical(item, out);
    }
    out.push(']');
  } else if (v instanceof Set) {
    out.push('S');
    for (const item of v) canonical(item, out);
    out.push(']');
  } else if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    out.push('{');
    for (const k of Object.keys(v)) {
      out.push(JSON.stringify(k));
      canonical((v as Record<string, unknown>)[k], out);
    }
    out.push('}');
  } else throw new Error(`internal: cannot digest a ${typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v} of a plan`);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * What every tenant's templates depend on beyond the tenant: the compiler build, the
 * rule pack (by id: the build fixes their code) and the platform's plan.
 */
export function estateDigest(build: string, ruleIds: readonly string[], scope: PlatformScope): string {
  const out: string[] = [];
  canonical({ build, rules: [...ruleIds], platform: scope.platform }, out);
  return sha256(out.join(''));
}

/** The digest of everything `t`'s templates are made of, given estateDigest(). */
export function tenantDigest(estate: string, t: TenantPlan): string {
  const out: string[] = [estate];
  canonical(t, out);
  return sha256(out.join(''));
}

/** The parameters a tenant's template declares, which its group passes (StackParameters). */
export interface TenantParameters {
  readonly shared: readonly SharedParameter[];
  readonly shard: readonly ShardParameter[];
}

/** One template of a tenant: where it is written, its text, and what the review gate recorded of it. */
export interface TenantTemplate<R> {
  readonly file: OutputFile;
  readonly review: R;
  /** SHA-256 (hex) of the file's bytes, when known already (a reused file's, checked). */
  readonly sha256?: string;
}

/** What one tenant's emit produced that a later compile can reuse. */
export interface EmittedTenant<R> {
  /** The tenant stack's template first, then its domain stage's when it has one. */
  readonly templates: readonly TenantTemplate<R>[];
  readonly parameters: TenantParameters;
}

/**
 * How emit asks for and hands over a tenant's templates. `lookup` returns what an
 * earlier compile emitted for the tenant when its digest is unchanged (having replayed
 * its review records into this compile's gate, at the place the review would have
 * happened), or null; `emitted` sees each tenant emitted afresh.
 */
export interface TenantReuse<R> {
  lookup(t: TenantPlan): EmittedTenant<R> | null;
  emitted(t: TenantPlan, emitted: EmittedTenant<R>): void;
}
