// The rule pack as a gate: every template compile is about to write is reviewed, and
// a non-compliant finding fails the compile unless a suppression of the platform
// manifest accepts it. A suppression that accepts nothing is reported too, so a
// suppression never outlives the finding it was written for.
import type { SuppressionPlan } from '../plan/model.ts';
import type { Finding, SecurityRule, Template } from './rule.ts';

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
  /** Compliant findings, counted per rule (a rule that applies to nothing is visible). */
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

/** Collects findings template by template, so the caller never holds every template at once. */
export class ReviewGate {
  readonly #rules: readonly SecurityRule[];
  readonly #suppressions: readonly SuppressionPlan[];
  readonly #violations: Finding[] = [];
  readonly #suppressed: SuppressedFinding[] = [];
  readonly #used = new Set<number>();
  readonly #checked = new Map<string, number>();
  /** Each rule's memory across the templates of this review. */
  readonly #seen = new Map<string, Map<string, unknown>>();

  constructor(rules: readonly SecurityRule[], suppressions: readonly SuppressionPlan[]) {
    this.#rules = rules;
    this.#suppressions = suppressions;
  }

  review(path: string, template: Template): void {
    for (const rule of this.#rules) {
      let seen = this.#seen.get(rule.id);
      if (!seen) this.#seen.set(rule.id, (seen = new Map()));
      for (const f of rule.check(template, path, seen)) {
        this.#checked.set(f.rule, (this.#checked.get(f.rule) ?? 0) + 1);
        if (f.compliant) continue;
        const s = rule.suppressible === false ? undefined : this.#suppressions.find((x) => suppressionMatches(x, f));
        if (s) {
          this.#used.add(s.index);
          this.#suppressed.push({ finding: f, suppression: s });
        } else this.#violations.push(f);
      }
    }
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
