// I/O edge of deploy: the compiled output directory, and nothing else. Every template
// is checked against its content-hash key before anything is uploaded, so what deploys
// is exactly what compile wrote (and what `tenantc check` and the review saw).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ASSET_KEY, ASSETS_FILE, ASSETS_FORMAT, type AssetsManifest } from '../compiler/outputFormat.ts';

/** The output directory is missing or is not tenantc's: a usage error. */
export class CompiledOutputMissingError extends Error {}
/** The output directory is damaged or stale: compile again. */
export class CompiledOutputError extends Error {}

export interface CompiledForDeploy {
  readonly dir: string;
  readonly manifest: AssetsManifest;
  /** Its bytes, as written: the pointer deploy records after a successful rollout. */
  readonly manifestText: string;
  /** Bucket key → template bytes, root included. */
  readonly bodies: ReadonlyMap<string, Buffer>;
  /** Nested stack path (logical ids joined by `/`) → tenant id. */
  readonly tenantOf: ReadonlyMap<string, string>;
}

export function readCompiledOutput(dir: string, cwd: string): CompiledForDeploy {
  const at = resolve(cwd, dir);
  const manifestPath = join(at, ASSETS_FILE);
  if (!existsSync(manifestPath)) throw new CompiledOutputMissingError(`${dir}: no ${ASSETS_FILE}: run tenantc compile first`);
  const manifestText = readFileSync(manifestPath, 'utf8');
  let manifest: AssetsManifest;
  try {
    manifest = JSON.parse(manifestText) as AssetsManifest;
  } catch {
    throw new CompiledOutputError(`${dir}/${ASSETS_FILE} is not JSON: run tenantc compile again`);
  }
  if (manifest.format !== ASSETS_FORMAT) {
    throw new CompiledOutputError(
      `${dir}/${ASSETS_FILE} is format ${JSON.stringify(manifest.format ?? null)}, this tenantc deploys ${ASSETS_FORMAT}: run tenantc compile again`,
    );
  }
  const bodies = new Map<string, Buffer>();
  for (const t of [manifest.root, ...manifest.nested, ...manifest.domains]) {
    const path = join(at, t.file);
    if (!existsSync(path)) throw new CompiledOutputError(`${dir}/${t.file} is listed in ${ASSETS_FILE} but missing: run tenantc compile again`);
    const bytes = readFileSync(path);
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (ASSET_KEY.exec(t.key)?.[1] !== hash) {
      throw new CompiledOutputError(`${dir}/${t.file} does not match its key ${t.key} (edited after compile?): run tenantc compile again`);
    }
    bodies.set(t.key, bytes);
  }
  const tenantOf = new Map(manifest.nested.flatMap((t) => (t.tenant ? [[t.stack, t.tenant] as const] : [])));
  return { dir, manifest, manifestText, bodies, tenantOf };
}
