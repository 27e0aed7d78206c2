// Findings of the security rule pack the head accepts through review.suppressions and the
// base did not. A suppression names templates by pattern (`tenants/*.template.json`) and
// may name every resource (`*`): once merged, it accepts findings on templates written
// later, a new tenant's among them, and that tenant's pull request would show no finding
// and no suppression change. So the review compares what each side's rule pack accepted
// (out/review.json, the record compile writes), finding by finding: each one newly
// accepted is a `weakening` the pull request must allow by name, whatever suppression
// accepts it and whenever that suppression was written.
import { compareStrings } from '../diagnostics.ts';
import { REVIEW_FILE } from '../review/report.ts';
import type { NewlySuppressed } from './model.ts';

interface RecordedFinding {
  readonly rule: string;
  readonly template: string;
  readonly resource: string;
  readonly message: string;
  readonly reason: string;
}

function suppressedIn(files: ReadonlyMap<string, string>): RecordedFinding[] {
  const text = files.get(REVIEW_FILE);
  if (text === undefined) return [];
  const record = JSON.parse(text) as { suppressed?: RecordedFinding[] };
  return record.suppressed ?? [];
}

const TENANT_TEMPLATE = /^tenants\/([a-z0-9-]+)\.template\.json$/;
const key = (f: { rule: string; template: string; resource: string }) => JSON.stringify([f.rule, f.template, f.resource]);

/** The findings `head` accepts by suppression that `base` did not, by template, resource and rule. */
export function newlySuppressed(base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>): NewlySuppressed[] {
  const before = new Set(suppressedIn(base).map(key));
  return suppressedIn(head)
    .filter((f) => !before.has(key(f)))
    .map((f) => ({ ...f, tenant: TENANT_TEMPLATE.exec(f.template)?.[1] ?? null }))
    .sort((a, b) => compareStrings(a.template, b.template) || compareStrings(a.resource, b.resource) || compareStrings(a.rule, b.rule));
}
