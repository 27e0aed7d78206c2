// Plans an estate whose manifests never met the schemas: what the stages after
// validation receive if validation is bypassed. Tests use it to prove that a writer
// (SQL, handover files, templates) holds on its own against values the string grammar
// would have refused: the grammar is the first wall, not the only one.
import type { Diagnostic } from '../../compiler/diagnostics.ts';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';
import type { RawFile } from '../../compiler/load/readManifests.ts';
import type { PlatformManifest, TenantManifest } from '../../compiler/manifest.ts';
import { parseSources } from '../../compiler/pipeline.ts';
import type { EstatePlan } from '../../compiler/plan/model.ts';
import { planEstate } from '../../compiler/plan/planEstate.ts';
import { validateLockFile } from '../../compiler/validate/lockFile.ts';
import type { Loaded } from '../../compiler/validate/rule.ts';
import { TEST_DAY } from '../helpers.ts';

/** The plan of `files` (and `lock`), with no schema or semantic rule applied. Throws on a planning problem. */
export function planUnvalidated(files: readonly RawFile[], lock: RawFile | null = null): EstatePlan {
  const loaded = parseSources(files, lock);
  const problems: Diagnostic[] = [...loaded.diagnostics];
  const manifests = loaded.sources.map((source) => ({ source, value: source.value as { kind?: string } }));
  const platform = manifests.find((m) => m.value.kind === 'Platform') as Loaded<PlatformManifest> | undefined;
  const tenants = manifests.filter((m) => m.value.kind === 'Tenant') as Loaded<TenantManifest>[];
  if (!platform || problems.length) throw new Error(`the estate does not parse: ${problems.map(formatDiagnostic).join('\n')}`);
  const planned = planEstate(platform, tenants, validateLockFile(lock), TEST_DAY);
  if (!planned.ok) throw new Error(planned.diagnostics.map(formatDiagnostic).join('\n'));
  return planned.plan;
}
