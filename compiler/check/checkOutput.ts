// `tenantc check`: the rule pack over an output directory, with the suppressions compile
// recorded in review.json, so a template edited after compile (or an output compiled by
// an older tenantc) is caught before deploy; and the output's own soundness: a template
// that is not JSON, a review record or assets manifest that is damaged, is a finding
// naming its file. Pure: file texts in, findings out.
import { createHash } from 'node:crypto';
import { ASSET_KEY, ASSETS_FILE, ASSETS_FORMAT, type AssetTemplate } from '../outputFormat.ts';
import type { SuppressionPlan } from '../plan/model.ts';
import { type ReviewResult, ReviewGate } from '../review/gate.ts';
import { REVIEW_FILE } from '../review/report.ts';
import type { SecurityRule, Template } from '../review/rule.ts';
import type { OutputProblem } from './readOutput.ts';

export interface ReviewRecord {
  readonly suppressions: readonly Omit<SuppressionPlan, 'index'>[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON.parse, or the reason it failed. */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: `is not JSON (${(e as Error).message})` };
  }
}

/**
 * The suppressions compile recorded in review.json (none when it has none). A damaged
 * record is a problem, and then no suppression applies: nothing is accepted on the word
 * of a file that is not what compile wrote.
 */
export function parseReviewRecord(text: string | null): { readonly suppressions: readonly SuppressionPlan[]; readonly problem: OutputProblem | null } {
  if (text === null) return { suppressions: [], problem: null };
  const bad = (message: string) => ({ suppressions: [], problem: { file: REVIEW_FILE, message } });
  const parsed = parseJson(text);
  if (!parsed.ok) return bad(parsed.message);
  const record = parsed.value;
  if (!isObject(record)) return bad('is not a review record (not a JSON object)');
  const list = record.suppressions ?? [];
  if (!Array.isArray(list)) return bad('is not a review record (suppressions is not a list)');
  const fields = ['rule', 'template', 'resource', 'reason'] as const;
  const suppressions: SuppressionPlan[] = [];
  for (const [index, s] of list.entries()) {
    if (!isObject(s) || fields.some((f) => typeof s[f] !== 'string'))
      return bad(`is not a review record (suppressions[${index}] needs the strings ${fields.join(', ')})`);
    suppressions.push({ index, rule: s.rule as string, template: s.template as string, resource: s.resource as string, reason: s.reason as string });
  }
  return { suppressions, problem: null };
}

/** The templates that parse as CloudFormation templates, and a problem for each that does not. */
export function parseTemplates(templates: ReadonlyMap<string, string>): {
  readonly parsed: ReadonlyMap<string, Template>;
  readonly problems: readonly OutputProblem[];
} {
  const parsed = new Map<string, Template>();
  const problems: OutputProblem[] = [];
  for (const [file, text] of templates) {
    const r = parseJson(text);
    if (!r.ok) problems.push({ file, message: r.message });
    else if (!isObject(r.value) || !isObject(r.value.Resources)) problems.push({ file, message: 'is not a CloudFormation template (no Resources object)' });
    else parsed.set(file, r.value as unknown as Template);
  }
  return { parsed, problems };
}

/**
 * assets.json as deploy reads it: present, JSON, this tenantc's format, and every
 * template it lists present with the content its key names (deploy refuses anything
 * else; check says so first).
 */
export function checkAssetsManifest(text: string | null, unreadable: readonly OutputProblem[], templates: ReadonlyMap<string, string>): OutputProblem[] {
  const problem = (message: string, file: string = ASSETS_FILE) => [{ file, message }];
  if (text === null) return unreadable.some((p) => p.file === ASSETS_FILE) ? [] : problem('is missing: deploy reads the output through it');
  const parsed = parseJson(text);
  if (!parsed.ok) return problem(parsed.message);
  const m = parsed.value;
  if (!isObject(m)) return problem('is not an assets manifest (not a JSON object)');
  if (m.format !== ASSETS_FORMAT) return problem(`is format ${JSON.stringify(m.format ?? null)}, this tenantc writes ${ASSETS_FORMAT}`);
  const lists = [m.nested, m.domains];
  if (!isObject(m.root) || !lists.every(Array.isArray)) return problem('is not an assets manifest (root, nested or domains missing)');
  const entries = [m.root, ...(m.nested as unknown[]), ...(m.domains as unknown[])];
  const out: OutputProblem[] = [];
  for (const [i, e] of entries.entries()) {
    if (!isObject(e) || typeof e.file !== 'string' || typeof e.key !== 'string') {
      out.push({ file: ASSETS_FILE, message: `is not an assets manifest (entry ${i} has no file and key)` });
      continue;
    }
    const { file, key } = e as unknown as AssetTemplate;
    const body = templates.get(file);
    if (body === undefined) {
      if (!unreadable.some((p) => p.file === file)) out.push({ file: ASSETS_FILE, message: `lists ${file}, which the output does not hold` });
      continue;
    }
    if (ASSET_KEY.exec(key)?.[1] !== createHash('sha256').update(body).digest('hex'))
      out.push({ file, message: `does not match its key ${key} in ${ASSETS_FILE} (edited after compile?)` });
  }
  return out;
}

export function reviewOutput(templates: ReadonlyMap<string, Template>, suppressions: readonly SuppressionPlan[], rules: readonly SecurityRule[]): ReviewResult {
  const gate = new ReviewGate(rules, suppressions);
  for (const [path, template] of templates) gate.review(path, template);
  return gate.result();
}

/**
 * The templates cfn-lint needs to see: the root, every shard and group, and one tenant
 * stack of each shape. Tenant stacks of one shape (the same logical ids, types and
 * parameters) differ only in literals, and linting thousands of near-identical files
 * takes hours; `--lint-all` lints every one.
 */
export function templatesToLint<T extends Template>(templates: ReadonlyMap<string, T>, all: boolean): Map<string, T> {
  if (all) return new Map(templates);
  const out = new Map<string, T>();
  const shapes = new Set<string>();
  for (const [path, t] of templates) {
    if (!path.startsWith('tenants/')) {
      out.set(path, t);
      continue;
    }
    const parameters = Object.keys((t as { Parameters?: object }).Parameters ?? {});
    const shape = [...parameters, ...Object.entries(t.Resources).map(([id, r]) => `${id}:${r.Type}`)].sort().join(' ');
    if (shapes.has(shape)) continue;
    shapes.add(shape);
    out.set(path, t);
  }
  return out;
}
