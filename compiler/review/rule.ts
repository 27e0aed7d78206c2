// The security rule pack: checks over compiled templates. One rule per file, each with
// its id (letter = severity: E error; number range = area: 1xx network and edge,
// 2xx compute, 3xx data, 4xx identity, 5xx cache and observability, 6xx naming,
// 7xx what manifest values may become in a template), title
// and the reason it exists. A rule answers, per
// resource it applies to, compliant or non-compliant; resources it does not apply to
// are not applicable and produce nothing.
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: unknown;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface Template {
  readonly Resources: Record<string, TemplateResource>;
}

export interface Finding {
  readonly rule: string;
  readonly template: string;
  readonly resource: string;
  readonly compliant: boolean;
  readonly message: string;
}

export interface SecurityRule {
  readonly id: string;
  readonly title: string;
  readonly reason: string;
  /** What to change so the resource complies; printed with every violation. */
  readonly fix: string;
  /**
   * false: no suppression of the platform manifest may accept a finding of this rule
   * (that manifest is written by pull requests too, so a suppression there would let a
   * pull request's author switch off the check meant to stop them). Default true.
   */
  readonly suppressible?: boolean;
  /**
   * The resource types this rule gives findings on: the gate runs it only on templates
   * holding one of them (most of the pack is about a few types, and most templates hold
   * none of them). Absent: every template. A finding on a resource of another type is a
   * bug of the rule's declaration, which test/review.test.ts looks for over every
   * template of the sample estate and of the rule tests.
   */
  readonly types?: readonly string[];
  /**
   * `seen` lives for one review of an estate (one compile, one check): a rule that
   * compares templates with each other (names unique across the estate) keeps there
   * what it saw in the templates reviewed before. `text`, when the caller has it, is the
   * template exactly as written (JSON): a rule may use it to rule a template out quickly.
   */
  check(template: Template, name: string, seen: Map<string, unknown>, text?: string): Finding[];
  /**
   * A rule that compares templates with each other splits check in two: `facts`, what it
   * reads of one template (JSON data), and `compare`, the findings given those facts and
   * what earlier templates left in `seen`; check(t) is compare(facts(t)). A compile that
   * reuses a tenant's template from an earlier compile (emit/reuse.ts) keeps its facts,
   * so the comparison runs again against this compile's other templates.
   */
  readonly comparing?: {
    facts(template: Template): unknown;
    compare(facts: unknown, name: string, seen: Map<string, unknown>): Finding[];
    /**
     * compare as the gate calls it, when the rule has it: the same comparison (`seen`
     * changed alike), pushing only the non-compliant findings to `nonCompliant`, in
     * compare's order, and returning how many were compliant. The gate only counts
     * compliant findings, and building one for each of tens of thousands of names costs.
     */
    judge?(facts: unknown, name: string, seen: Map<string, unknown>, nonCompliant: Finding[]): number;
  };
}

/** Helper for rules: a finding for one resource. */
export function finding(rule: SecurityRule, template: string, resource: string, compliant: boolean, message: string): Finding {
  return { rule: rule.id, template, resource, compliant, message };
}

/** A template's resources in their order, and each type's positions among them. */
export interface ResourceIndex {
  readonly entries: readonly (readonly [string, TemplateResource])[];
  readonly byType: ReadonlyMap<string, readonly number[]>;
}

export function indexResources(template: Template): ResourceIndex {
  const entries: [string, TemplateResource][] = [];
  const byType = new Map<string, number[]>();
  for (const id in template.Resources) {
    const r = template.Resources[id]!;
    const at = byType.get(r.Type);
    if (at) at.push(entries.length);
    else byType.set(r.Type, [entries.length]);
    entries.push([id, r]);
  }
  return { entries, byType };
}

/**
 * The index of the template the gate is reviewing now (gate.ts reviewWith): its twenty
 * rules look up the same template's resources by type, and building that list once per
 * template instead of once per rule was a tenth of a compile's review. Only for the
 * duration of one review call, so a template changed after it (tests do) is indexed
 * again.
 */
let reviewing: { readonly template: Template; readonly index: ResourceIndex } | null = null;

export function withResourceIndex<T>(template: Template, index: ResourceIndex, review: () => T): T {
  const outer = reviewing;
  reviewing = { template, index };
  try {
    return review();
  } finally {
    reviewing = outer;
  }
}

const indexOf = (template: Template): ResourceIndex => (reviewing?.template === template ? reviewing.index : indexResources(template));

/**
 * Every resource of `template`, in its order: for a rule that walks them all and picks
 * its own (its check keeps its own filter, so a `types` declared too narrow still shows
 * as a finding the gate never asks for: test/review.test.ts).
 */
export const resourceEntries = (template: Template): readonly (readonly [string, TemplateResource])[] => indexOf(template).entries;

/** The resources of `template` whose type is one of `types`, in the template's order. */
export function resourcesOfTypes(template: Template, types: readonly string[]): (readonly [string, TemplateResource])[] {
  const { entries, byType } = indexOf(template);
  let at: readonly number[] | undefined;
  let merged: number[] | undefined;
  for (const type of types) {
    const more = byType.get(type);
    if (!more) continue;
    if (!at) at = more;
    else (merged ??= [...at]).push(...more);
  }
  if (!at) return [];
  // Several types: back into the template's order, as a walk over every resource gives.
  if (merged) at = merged.sort((a, b) => a - b).filter((i, k, all) => k === 0 || all[k - 1] !== i);
  return at.map((i) => entries[i]!);
}

/**
 * The resources of a template a rule gives findings on: those of its declared `types`
 * (the list the gate indexes templates by), so a rule names its types once.
 */
export function resourcesOf(rule: SecurityRule, template: Template): (readonly [string, TemplateResource])[] {
  const types = rule.types;
  if (!types) return [...indexOf(template).entries];
  return resourcesOfTypes(template, types);
}
