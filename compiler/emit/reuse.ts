// Reuse of a tenant's templates across compiles. A tenant's templates are a function of
// its own plan and the platform's (TypeScript holds the tenant emitters to
// PlatformScope and the TenantPlan), of the compiler that emitted them and of the rule
// pack that reviewed them. The digest below covers exactly those; an earlier compile's
// templates of a tenant whose digest is unchanged are the bytes a fresh emit would
// write (test/compileCache.test.ts compares every file of a recompile with a fresh
// compile's, byte for byte). Pure: digests in, digests out; the cache file and its
// authentication are write/compileCache.ts's.
import { sha256Hex } from './cfn/assets.ts';
import type { OutputFile } from './output.ts';
import type { GroupPlan, PlatformScope, TenantPlan } from '../plan/model.ts';
import { ManifestText } from '../plan/manifestText.ts';
import { RUNTIME } from '../buildId.ts';
import type { SharedParameter, ShardParameter } from './cfn/stackParameters.ts';

/**
 * The text of an object's key, `<length>:<key>`, made once per key (the same text as
 * making it each time): a plan's objects have a few dozen distinct keys, written ~70
 * times per tenant. Digesting 5,000 tenants' plans (canonical and SHA-256): 65 → 59 ms
 * of CPU in process (medians, six alternated runs; docs/benchmark.md).
 */
const keyTexts = new Map<string, string>();
const MAX_KEY_TEXTS = 1024;
function keyText(k: string): string {
  let text = keyTexts.get(k);
  if (text === undefined) {
    text = `${k.length}:${k}`;
    // Bounded: a plan whose keys are data (none now) would otherwise grow it without end.
    if (keyTexts.size < MAX_KEY_TEXTS) keyTexts.set(k, text);
  }
  return text;
}

/**
 * An exact, unambiguous text of `v`: every value kind is tagged, so two different values
 * never share a text (a manifest's text "x" and the compiler's string "x" differ; a Map
 * is not an object). Anything it does not know how to write (a class instance, a
 * function) is an error: a digest that silently skipped part of a plan could reuse a
 * template that part changed. `written` holds the text of the platform's objects,
 * written once per compile (`remember`; the plan does not change during one): tenants
 * share some of them (a tier). A tenant's own objects are not kept: at 5,000 tenants
 * their texts would weigh tens of megabytes for nothing.
 */
function canonical(v: unknown, written: WeakMap<object, string>, remember: boolean): string {
  // Length-prefixed: unambiguous whatever the text holds, and no scan for escapes.
  switch (typeof v) {
    case 'string':
      return `s${v.length}:${v}`;
    case 'number':
      return `d${v}`;
    case 'boolean':
      return v ? 'b1' : 'b0';
    case 'undefined':
      return 'u';
    case 'object':
      break;
    default:
      throw new Error(`internal: cannot digest a ${typeof v} of a plan`);
  }
  if (v === null) return 'n';
  // The manifest's words, raw: they reach no output from here, only the hash.
  if (v instanceof ManifestText) {
    const text = ManifestText.rawText(v);
    return `t${text.length}:${text}`;
  }
  const known = written.get(v);
  if (known !== undefined) return known;
  let out: string;
  if (Array.isArray(v)) {
    out = '[';
    for (let i = 0; i < v.length; i++) out += canonical(v[i], written, remember);
    out += ']';
  } else if (v instanceof Map) {
    out = 'M';
    for (const [k, item] of v) out += canonical(k, written, remember) + canonical(item, written, remember);
    out += ']';
  } else if (v instanceof Set) {
    out = 'S';
    for (const item of v) out += canonical(item, written, remember);
    out += ']';
  } else if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
    out = '{';
    for (const k in v) out += keyText(k) + canonical((v as Record<string, unknown>)[k], written, remember);
    out += '}';
  } else throw new Error(`internal: cannot digest a ${v.constructor?.name ?? 'object'} of a plan`);
  if (remember) written.set(v, out);
  return out;
}

/**
 * What a group's template is made of of one member tenant, beyond the platform's plan:
 * what emitEstate hands emitGroupTemplate of it (cfn/group.ts TenantAsset), the tenant's
 * plan by its digest (which covers the whole plan, and is computed already).
 */
export interface GroupMember {
  /** digests().tenant of the member's plan. */
  readonly tenant: string;
  /** Its stack template's asset key. */
  readonly key: string;
  readonly parameters: TenantParameters;
}

/**
 * Digests for one compile. `estate`: what every tenant's templates depend on beyond the
 * tenant (the compiler build and the runtime, the rule pack by id, whose code the build
 * fixes, and the platform's plan); `tenant(t)`: everything t's templates are made of;
 * `group(g, members)`: everything g's template is made of (emitGroupTemplate reads of
 * the estate's plan only its platform's, and of each member what `members` holds).
 */
export function digests(
  build: string,
  ruleIds: readonly string[],
  scope: PlatformScope,
  runtime: string = RUNTIME,
): { readonly estate: string; tenant(t: TenantPlan): string; group(g: GroupPlan, members: readonly GroupMember[]): string } {
  const written = new WeakMap<object, string>();
  // The runtime too: a reused tenant's templates are not emitted again, nor reviewed
  // (their records are replayed), and what manifest text may hold is a Unicode class
  // (plan/manifestText.ts UNSAFE_IN_A_LINE) that another runtime draws otherwise (buildId.ts RUNTIME).
  const estate = sha256Hex(canonical({ build, runtime, rules: [...ruleIds], platform: scope.platform }, written, true));
  return {
    estate,
    tenant: (t) => sha256Hex(estate + canonical(t, written, false)),
    group: (g, members) => sha256Hex(`${estate}g${canonical({ group: g, members }, written, false)}`),
  };
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

/** A tenant's stack as its group's template names it (cfn/group.ts emitGroupTemplate). */
export interface TenantAsset {
  readonly tenant: TenantPlan;
  readonly key: string;
  readonly parameters: TenantParameters;
}

/** What a group stack declares, which its parent (the root) passes. */
export interface GroupParameters {
  /** In declaration order. */
  readonly shared: readonly SharedParameter[];
  /** In the order of the declared names (`Shard<n><name>`, sorted as strings). */
  readonly shard: readonly { readonly shard: number; readonly name: ShardParameter; readonly declared: string }[];
}

/** What one group's emit produced that a later compile can reuse. */
export interface EmittedGroup<R> {
  readonly template: TenantTemplate<R>;
  readonly parameters: GroupParameters;
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
  /** The same for a group's template, asked once every tenant is emitted; `members` in the order the group lists them. */
  lookupGroup(g: GroupPlan, members: readonly TenantAsset[]): EmittedGroup<R> | null;
  emittedGroup(g: GroupPlan, emitted: EmittedGroup<R>): void;
}
