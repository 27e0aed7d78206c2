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
  };
}

/** Helper for rules: a finding for one resource. */
export function finding(rule: SecurityRule, template: string, resource: string, compliant: boolean, message: string): Finding {
  return { rule: rule.id, template, resource, compliant, message };
}

/**
 * The resources of a template a rule gives findings on: those of its declared `types`
 * (the list the gate indexes templates by), so a rule names its types once.
 */
export function resourcesOf(rule: SecurityRule, template: Template): [string, TemplateResource][] {
  const types = rule.types;
  if (!types) return Object.entries(template.Resources);
  return Object.entries(template.Resources).filter(([, r]) => types.includes(r.Type));
}
