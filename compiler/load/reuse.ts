// Reuse of a manifest's reading across compiles. What parse and the schema make of a
// manifest is a function of its bytes and of the build (the YAML reader, the schemas and
// the validators are all in it): the same bytes read by the same build give the same
// value, and the same verdict. A recompile of 5,000 tenants after a one-tenant edit
// spent a fifth of its time reading and schema-checking 4,999 files it had read before;
// with the value of each schema-valid manifest kept under sourceKey(build, bytes), it
// hashes each file and parses a JSON text instead. Pure: bytes and texts in, values out;
// the cache file that holds them, and its authentication, are write/compileCache.ts's.
//
// Only schema validation is skipped, never the semantic rules: those compare manifests
// with each other and with the lock, and run on every compile. A value JSON would not
// give back exactly (NaN, an infinity, -0, a `__proto__` key) is not kept.
import { createHash } from 'node:crypto';
import type { RawFile } from './readManifests.ts';
import { SourceFile } from './sourceFile.ts';
import { RUNTIME } from '../buildId.ts';

/**
 * The key of a file's reading: the build and the runtime that read it, which schema it
 * was checked against ('manifest': its own kind's, 'lock': the placement lock's; a
 * manifest with the lock's bytes is not a valid lock's reading) and its bytes, nothing else.
 */
export function sourceKey(build: string, role: 'manifest' | 'lock', bytes: Uint8Array, runtime: string = RUNTIME): string {
  return createHash('sha256').update(`${build}\0${runtime}\0${role}\0`).update(bytes).digest('hex');
}

/** Whether JSON.stringify then JSON.parse gives `v` back exactly: type for type, key for key. */
export function jsonExact(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(jsonExact);
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  // JSON.parse makes `__proto__` an own key; a reader may have made it the prototype.
  if (Object.hasOwn(v, '__proto__')) return false;
  for (const k in v) if (!jsonExact((v as Record<string, unknown>)[k])) return false;
  return true;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The SourceFile an earlier compile's reading of these bytes gives: `json` is the value
 * it kept. null when there is none, the file was read without its bytes, or the text is
 * not JSON (then the file is read afresh).
 */
export function reusedSource(raw: RawFile, json: string | undefined): SourceFile | null {
  if (json === undefined || !raw.bytes) return null;
  try {
    return new SourceFile(raw.path, raw.name, utf8.decode(raw.bytes), JSON.parse(json));
  } catch {
    return null;
  }
}
