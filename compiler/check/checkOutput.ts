// `tenantc check`: the rule pack over an output directory, with the suppressions compile
// recorded in review.json, so a template edited after compile (or an output compiled by
// an older tenantc) is caught before deploy. Pure: templates in, findings out.
import { type ReviewResult, ReviewGate } from '../review/gate.ts';
import type { SuppressionPlan } from '../plan/model.ts';
import type { SecurityRule, Template } from '../review/rule.ts';

export interface ReviewRecord {
  readonly suppressions: readonly Omit<SuppressionPlan, 'index'>[];
}

export function parseReviewRecord(text: string | null): readonly SuppressionPlan[] {
  if (text === null) return [];
  const record = JSON.parse(text) as ReviewRecord;
  return (record.suppressions ?? []).map((s, index) => ({ ...s, index }));
}

export function reviewOutput(templates: ReadonlyMap<string, string>, suppressions: readonly SuppressionPlan[], rules: readonly SecurityRule[]): ReviewResult {
  const gate = new ReviewGate(rules, suppressions);
  for (const [path, text] of templates) gate.review(path, JSON.parse(text) as Template);
  return gate.result();
}

/**
 * The templates cfn-lint needs to see: the root, every shard and group, and one tenant
 * stack of each shape. Tenant stacks of one shape (the same logical ids, types and
 * parameters) differ only in literals, and linting thousands of near-identical files
 * takes hours; `--lint-all` lints every one.
 */
export function templatesToLint(templates: ReadonlyMap<string, string>, all: boolean): Map<string, string> {
  if (all) return new Map(templates);
  const out = new Map<string, string>();
  const shapes = new Set<string>();
  for (const [path, text] of templates) {
    if (!path.startsWith('tenants/')) {
      out.set(path, text);
      continue;
    }
    const t = JSON.parse(text) as { Parameters?: object; Resources: Record<string, { Type: string }> };
    const shape = [...Object.keys(t.Parameters ?? {}), ...Object.entries(t.Resources).map(([id, r]) => `${id}:${r.Type}`)].sort().join(' ');
    if (shapes.has(shape)) continue;
    shapes.add(shape);
    out.set(path, text);
  }
  return out;
}
