// The contract every semantic rule follows: one rule, one file, its id and the reason
// it exists kept beside the check. Rules see only schema-valid manifests.
import type { Diagnostic, DiagnosticCode } from '../diagnostics.ts';
import type { SourceFile } from '../load/sourceFile.ts';
import type { PlatformManifest, TenantManifest } from '../manifest.ts';

export interface Loaded<T> {
  readonly source: SourceFile;
  readonly value: T;
}

export interface RuleInput {
  /** Directory the manifests came from, for estate-wide diagnostics. */
  readonly dir: string;
  /** Every schema-valid platform manifest (more than one is itself an error). */
  readonly platforms: readonly Loaded<PlatformManifest>[];
  /** The first platform manifest, in file order, or null. */
  readonly platform: Loaded<PlatformManifest> | null;
  /** Schema-valid tenant manifests in file-name byte order. */
  readonly tenants: readonly Loaded<TenantManifest>[];
  /** Ids of the tenants the placement lock records: a tenant not among them is new in this change. */
  readonly known: ReadonlySet<string>;
}

export interface Rule {
  /** The rule's name; a rule may report several kinds of problem, each with its code. */
  readonly id: string;
  /** The diagnostic codes it reports (validateEstate refuses any other). */
  readonly codes: readonly DiagnosticCode[];
  readonly title: string;
  /** Why the rule exists: what breaks in AWS or in isolation without it. */
  readonly reason: string;
  check(input: RuleInput): Diagnostic[];
}

/** Lower-case and drop one trailing dot: how DNS compares names. */
export function normalizeDomain(domain: string): string {
  const lower = domain.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

export function isSameOrUnder(domain: string, parent: string): boolean {
  return domain === parent || domain.endsWith(`.${parent}`);
}
