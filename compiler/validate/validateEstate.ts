// Validate stage: kind dispatch, schema, then the semantic rule pack over the
// schema-valid manifests. Every problem is collected; nothing throws on the first.
import type { Diagnostic } from '../diagnostics.ts';
import type { SourceFile } from '../load/sourceFile.ts';
import type { PlatformManifest, TenantManifest } from '../manifest.ts';
import type { Loaded, RuleInput } from './rule.ts';
import { SEMANTIC_RULES } from './rules/index.ts';
import { validateAgainstSchema } from './schema.ts';

export interface ValidatedEstate {
  readonly dir: string;
  readonly platform: Loaded<PlatformManifest>;
  readonly tenants: readonly Loaded<TenantManifest>[];
}

export type ValidationResult = { readonly ok: true; readonly estate: ValidatedEstate } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/**
 * `known`: the tenant ids the placement lock records, so a clash is reported on the
 * change that caused it. `schemaValid`: the sources an earlier compile of this build
 * found schema-valid with these very bytes (load/reuse.ts); their schema check is not
 * run again (the semantic rules are).
 */
export function validateEstate(
  dir: string,
  sources: readonly SourceFile[],
  earlier: readonly Diagnostic[] = [],
  known: ReadonlySet<string> = new Set(),
  schemaValid: (source: SourceFile) => boolean = () => false,
): ValidationResult {
  const diagnostics: Diagnostic[] = [...earlier];
  const platforms: Loaded<PlatformManifest>[] = [];
  const tenants: Loaded<TenantManifest>[] = [];
  let sawPlatformKind = false;

  for (const source of sources) {
    const value = source.value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      diagnostics.push(source.diagnostic('manifest-kind', [], 'a manifest is a mapping that starts with `kind: Platform` or `kind: Tenant`'));
      continue;
    }
    const kind = (value as { kind?: unknown }).kind;
    if (kind === undefined) {
      diagnostics.push(source.diagnostic('manifest-kind', [], 'missing required key "kind" (Platform or Tenant)'));
      continue;
    }
    if (kind !== 'Platform' && kind !== 'Tenant') {
      diagnostics.push(source.diagnostic('manifest-kind', ['kind'], `kind must be "Platform" or "Tenant" (got ${JSON.stringify(kind)})`));
      continue;
    }
    if (kind === 'Platform') sawPlatformKind = true;
    const schemaErrors = schemaValid(source) ? [] : validateAgainstSchema(kind, source, value);
    if (schemaErrors.length > 0) {
      diagnostics.push(...schemaErrors);
      continue;
    }
    if (kind === 'Platform') platforms.push({ source, value: value as PlatformManifest });
    else tenants.push({ source, value: value as TenantManifest });
  }

  const input: RuleInput = { dir, platforms, platform: platforms[0] ?? null, tenants, known };
  for (const rule of SEMANTIC_RULES) {
    // A platform file with schema errors was already reported; do not also say "missing".
    if (rule.id === 'platform-count' && platforms.length === 0 && sawPlatformKind) continue;
    for (const d of rule.check(input)) {
      if (!rule.codes.includes(d.code)) throw new Error(`internal: rule ${rule.id} reported code ${d.code}, which it does not declare`);
      diagnostics.push(d);
    }
  }

  if (diagnostics.length > 0 || !input.platform) return { ok: false, diagnostics };
  return { ok: true, estate: { dir, platform: input.platform, tenants } };
}
