// The rule pack as a gate: every template compile is about to write is reviewed, and
// a non-compliant finding fails the compile unless a suppression of the platform
// manifest accepts it. A suppression that accepts nothing is reported too, so a
// suppression never outlives the finding it was written for.
import type { SuppressionPlan } from '../plan/model.ts';
import { type Finding, indexResources, type SecurityRule, type Template, withResourceIndex } from './rule.ts';

export interface SuppressedFinding {
  readonly finding: Finding;
  readonly suppression: SuppressionPlan;
}

export interface ReviewResult {
  /** Non-compliant findings no suppression accepts: each fails the compile. */
  readonly violations: readonly Finding[];
  readonly suppressed: readonly SuppressedFinding[];
  /** Suppressions that matched no finding. */
  readonly unused: readonly SuppressionPlan[];
  /** Findings, compliant or not, counted per rule (a rule that applies to nothing is absent, so it is visible). */
  readonly checked: ReadonlyMap<string, number>;
}

/** `*` matches any run of characters other than `/`; everything else is literal. */
export function templatePatternMatches(pattern: string, path: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  );
  return re.test(path);
}

export function suppressionMatches(s: SuppressionPlan, f: Finding): boolean {
  return s.rule === f.rule && (s.resource === '*' || s.resource === f.resource) && templatePatternMatches(s.template, f.template);
}

/**
 * What the gate saw of one template, rule by rule in the pack's order, as JSON data: a
 * compile that reuses the template (emit/reuse.ts) replays it instead of reviewing the
 * template again. A rule that compares templates keeps its facts, which are compared
 * again (against this compile's other templates); any other rule keeps its
 * non-compliant findings and its count of compliant ones. A rule that did not apply is
 * absent.
 */
export type TemplateReview = readonly RuleReview[];
export type RuleReview =
  | { readonly rule: string; readonly facts: unknown }
  | { readonly rule: string; readonly compliant: number; readonly findings?: readonly Finding[] };

/** Collects findings template by template, so the caller never holds every template at once. */
export class ReviewGate {
  readonly #rules: readonly SecurityRule[];
  /** The rules by id, for replay (a recompile replays thousands of templates' records). */
  readonly #byId: ReadonlyMap<string, SecurityRule>;
  /** For each resource type, the positions in the pack of the rules declaring it. */
  readonly #rulesOfType: ReadonlyMap<string, readonly number[]>;
  /** By position in the pack: whether the rule declares no types (it runs on every template). */
  readonly #untyped: readonly boolean[];
  readonly #suppressions: readonly SuppressionPlan[];
  readonly #violations: Finding[] = [];
  readonly #suppressed: SuppressedFinding[] = [];
  readonly #used = new Set<number>();
  readonly #checked = new Map<string, number>();
  /** Each rule's memory across the templates of this review. */
  readonly #seen = new Map<string, Map<string, unknown>>();

  constructor(rules: readonly SecurityRule[], suppressions: readonly SuppressionPlan[]) {
    this.#rules = rules;
    this.#byId = new Map(rules.map((r) => [r.id, r]));
    const rulesOfType = new Map<string, number[]>();
    rules.forEach((r, i) => {
      for (const type of r.types ?? []) {
        const of = rulesOfType.get(type);
        if (!of) rulesOfType.set(type, [i]);
        else if (!of.includes(i)) of.push(i);
      }
    });
    this.#rulesOfType = rulesOfType;
    this.#untyped = rules.map((r) => r.types === undefined);
    this.#suppressions = suppressions;
  }

  #seenOf(rule: SecurityRule): Map<string, unknown> {
    let seen = this.#seen.get(rule.id);
    if (!seen) this.#seen.set(rule.id, (seen = new Map()));
    return seen;
  }

  /**
   * Counts `n` findings of a rule (compliant or not: `checked` has counted both since it
   * began). A rule enters `checked` with its first finding, not before.
   */
  #count(rule: string, n: number): void {
    if (n > 0) this.#checked.set(rule, (this.#checked.get(rule) ?? 0) + n);
  }

  /** Judges one non-compliant finding: suppressed, or a violation. */
  #judge(rule: SecurityRule, f: Finding): void {
    // Whether a suppression may accept it is the rule's to say (E701: never), decided here only.
    const s = rule.suppressible === false ? undefined : this.#suppressions.find((x) => suppressionMatches(x, f));
    if (s) {
      this.#used.add(s.index);
      this.#suppressed.push({ finding: f, suppression: s });
    } else this.#violations.push(f);
  }

  /** Counts and judges a rule's findings on one template; returns how many were compliant. */
  #judgeAll(rule: SecurityRule, findings: readonly Finding[]): number {
    // Counted under the id each finding names, in the order they come: all at once when
    // all name the rule (as every rule's do), one Map update for the lot instead of one
    // per finding; a template's rules run one after the other, so the order in which
    // rules enter `checked` is the same.
    let own = true;
    for (const f of findings)
      if (f.rule !== rule.id) {
        own = false;
        break;
      }
    if (own) this.#count(rule.id, findings.length);
    let compliant = 0;
    for (const f of findings) {
      if (!own) this.#count(f.rule, 1);
      if (f.compliant) compliant++;
      else this.#judge(rule, f);
    }
    return compliant;
  }

  /** A comparing rule's findings given a template's facts, counted and judged. */
  #compare(rule: SecurityRule, facts: unknown, path: string): void {
    const comparing = rule.comparing!;
    if (!comparing.judge) {
      this.#judgeAll(rule, comparing.compare(facts, path, this.#seenOf(rule)));
      return;
    }
    const nonCompliant: Finding[] = [];
    // Counted first, as the compliant findings compare would have returned (under the
    // rule's id) would have been, then the others.
    this.#count(rule.id, comparing.judge(facts, path, this.#seenOf(rule), nonCompliant));
    this.#judgeAll(rule, nonCompliant);
  }

  /**
   * Reviews one template; `text`, when given, is the template as it will be written
   * (rules may read it to rule a template out). Returns what a later compile replays.
   */
  review(path: string, template: Template, text?: string): TemplateReview {
    const index = indexResources(template);
    return withResourceIndex(template, index, () => this.#review(path, template, index.byType, text));
  }

  /**
   * Which rules apply to a template holding `types`, by position in the pack: a rule of a
   * few resource types runs only where one of them is (rule.ts `types`). Asked from the
   * template's side, one lookup per type it holds, rather than each rule's list of types
   * looked up in the template's (a hundred lookups a template, over thousands of them).
   */
  #applying(types: ReadonlyMap<string, unknown>): boolean[] {
    const applies = this.#untyped.slice();
    for (const type of types.keys()) {
      const rules = this.#rulesOfType.get(type);
      if (rules) for (const i of rules) applies[i] = true;
    }
    return applies;
  }

  #review(path: string, template: Template, types: ReadonlyMap<string, unknown>, text?: string): TemplateReview {
    const record: RuleReview[] = [];
    const applies = this.#applying(types);
    for (let i = 0; i < this.#rules.length; i++) {
      if (!applies[i]) continue;
      const rule = this.#rules[i]!;
      if (rule.comparing) {
        const facts = rule.comparing.facts(template);
        record.push({ rule: rule.id, facts });
        this.#compare(rule, facts, path);
        continue;
      }
      const found = rule.check(template, path, this.#seenOf(rule), text);
      const compliant = this.#judgeAll(rule, found);
      // Most of a compile's records hold no non-compliant finding: no array for them.
      record.push(compliant === found.length ? { rule: rule.id, compliant } : { rule: rule.id, compliant, findings: found.filter((f) => !f.compliant) });
    }
    return record;
  }

  /**
   * Replays what review() returned for these templates in an earlier compile of the same
   * inputs, as if each were reviewed again here, in order. False, changing nothing, when
   * a record names a rule this gate does not apply, or not the way it applies it now.
   */
  replay(templates: readonly { readonly path: string; readonly review: TemplateReview }[]): boolean {
    const byId = this.#byId;
    const steps: (() => void)[] = [];
    for (const { path, review } of templates) {
      for (const entry of review) {
        const rule = byId.get(entry.rule);
        if (!rule) return false;
        if ('facts' in entry) {
          if (!rule.comparing) return false;
          steps.push(() => {
            this.#compare(rule, entry.facts, path);
          });
        } else {
          const findings = entry.findings ?? [];
          if (
            rule.comparing ||
            !Number.isInteger(entry.compliant) ||
            !Array.isArray(findings) ||
            findings.some((f) => f.rule !== rule.id || f.template !== path || f.compliant)
          )
            return false;
          steps.push(() => {
            // As review() counts: a rule enters `checked` with its first finding, not before.
            this.#count(rule.id, Math.max(entry.compliant, 0) + findings.length);
            for (const f of findings) this.#judge(rule, f);
          });
        }
      }
    }
    for (const step of steps) step();
    return true;
  }

  result(): ReviewResult {
    return {
      violations: this.#violations,
      suppressed: this.#suppressed,
      unused: this.#suppressions.filter((s) => !this.#used.has(s.index)),
      checked: this.#checked,
    };
  }
}
