// dist/tenantc.mjs, what bin/tenantc.mjs imports: runs the CLI bundle beside it
// (dist/tenantc.cjs) through V8's code cache (dist/tenantc.cjs.v8-cache), which
// scripts/build.ts makes by running a compile and then asking V8 for the code of every
// function that compile ran. A process then starts from that code instead of parsing and
// compiling ~2 MB of JavaScript, function by function as it first runs (issue 23 item 9:
// at 500 tenants the fixed start-up cost dominates; measured in docs/benchmark.md).
// Node 20 can give cached data only to a classic script (vm.Script), not to an ES
// module: hence a CommonJS bundle, wrapped here as Node's own loader would wrap it.
//
// The cache can only make a start faster, never change what runs:
// - it is used only for the very bytes it was made from: its header is the SHA-256 of
//   the wrapped bundle and of V8's data, checked before V8 sees the data (~2 ms). V8's own
//   check is weaker: its version, its flags and the source's LENGTH, and no checksum of
//   the data in release builds, so a stale cache of a bundle of the same length, or a
//   damaged one, would reach V8's deserializer;
// - V8 still refuses data of another V8 version or other flags (cachedDataRejected):
//   the bundle then compiles as without a cache;
// - absent, unreadable or refused, the bundle runs the same, compiled from source.
// With source maps on (--enable-source-maps), Node maps stack traces only of the modules
// its own loader loaded: the bundle is then required, without the cache.
import { createHash, type Hash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { interruptBudgetFlag } from './interruptBudget.cjs';
import type * as Cli from './main.ts';

// V8's interrupt budget (cli/interruptBudget.cjs), set before the bundle is compiled:
// V8 keys its code cache on its flags, and the build makes the cache through this
// loader, so the two agree.
const budget = interruptBudgetFlag(process.execArgv, process.env.NODE_OPTIONS);
if (budget) v8.setFlagsFromString(budget);

const BUNDLE = fileURLToPath(new URL('tenantc.cjs', import.meta.url));
export const CODE_CACHE_FILE = `${BUNDLE}.v8-cache`;
// On a line of its own, so that the bundle's lines keep their numbers (lineOffset -1)
// and its source map stays true.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_TAIL = '\n})';
const DIGEST_BYTES = 32;

/**
 * What became of the cache in this process: used, refused by V8 (another V8 or other
 * flags), not this bundle's (stale or damaged: never given to V8), absent, or not
 * tried (source maps on).
 */
export type CodeCacheState = 'accepted' | 'rejected' | 'mismatched' | 'absent' | 'source-maps';

/** The hash of the wrapped bundle, to be finished with V8's data (copied: a hash is finished once). */
const bundleHash = (bundle: Buffer) => createHash('sha256').update(WRAPPER_HEAD).update(bundle).update(WRAPPER_TAIL);
const digestOf = (bundle: Hash, data: Buffer) => bundle.copy().update(data).digest();

/** The cache's V8 data when its digest is this bundle's and the data's, else why not. */
function cachedDataFor(bundle: Hash): Buffer | 'absent' | 'mismatched' {
  let file: Buffer;
  try {
    file = readFileSync(CODE_CACHE_FILE);
  } catch {
    return 'absent';
  }
  const data = file.subarray(DIGEST_BYTES);
  if (file.length <= DIGEST_BYTES || !digestOf(bundle, data).equals(file.subarray(0, DIGEST_BYTES))) return 'mismatched';
  return data;
}

function load(): { exports: typeof Cli; state: CodeCacheState; script: vm.Script | null; hash: Hash | null } {
  if (process.sourceMapsEnabled) return { exports: createRequire(import.meta.url)(BUNDLE) as typeof Cli, state: 'source-maps', script: null, hash: null };
  const bundle = readFileSync(BUNDLE);
  const hash = bundleHash(bundle);
  const cached = cachedDataFor(hash);
  const script = new vm.Script(`${WRAPPER_HEAD}${bundle.toString('utf8')}${WRAPPER_TAIL}`, {
    filename: BUNDLE,
    lineOffset: -1,
    ...(typeof cached === 'string' ? {} : { cachedData: cached }),
  });
  const module = { exports: {} as typeof Cli };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  // V8's verdict: cachedDataRejected is false only when it took the data.
  const state = typeof cached === 'string' ? cached : script.cachedDataRejected === false ? 'accepted' : 'rejected';
  return { exports: module.exports, state, script, hash };
}

const loaded = load();
export const main: typeof Cli.main = loaded.exports.main;
export const terminalPrompt: typeof Cli.terminalPrompt = loaded.exports.terminalPrompt;
export const codeCacheState: CodeCacheState = loaded.state;

/**
 * Writes the cache of what this process compiled so far (scripts/build.ts, after running
 * the commands whose start it speeds up).
 */
export function saveCodeCache(): void {
  if (!loaded.script || !loaded.hash) throw new Error('tenantc: no code cache with source maps on');
  const data = loaded.script.createCachedData();
  writeFileSync(CODE_CACHE_FILE, Buffer.concat([digestOf(loaded.hash, data), data]));
}
