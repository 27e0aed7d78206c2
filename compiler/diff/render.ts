// The diff as text (a terminal, a CI log), markdown (one pull-request comment, within
// GitHub's size limit) and JSON (other tools). Text and markdown show a Fn::Sub with
// its string variables written in (readableSub.ts); JSON keeps every value exact. Each renderer writes to the stream it
// is given; all three read the same EstateDiff and gate result, so they cannot disagree.
import { formatAllow } from '../allow.ts';
import { estimateLines } from './costLine.ts';
import { newlySuppressedText, riskText, type GateResult } from './failOn.ts';
import { readableSubs } from './readableSub.ts';
import { domainHandoverLine, restoreLines } from './restore.ts';
import type { EstateDiff, LineChange, ResourceChange, Risk, RiskKind, StackChange, TenantChange, TenantFacts, ValueChange } from './model.ts';

export interface Writer {
  write(s: string): unknown;
}

export type DiffFormat = 'text' | 'markdown' | 'json';

/** GitHub refuses comments over 65,536 characters; this leaves room for the workflow's own lines. */
export const MARKDOWN_MAX_CHARS = 60_000;
/** Marks the comment so that later pushes update it in place. */
export const COMMENT_MARKER = '<!-- tenantc-diff -->';

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
/** Paths listed per modified resource in text and markdown; the rest are counted (JSON has them all). */
export const MAX_PATHS = 12;
/** Longest value text and markdown show in full; longer ones are cut with an ellipsis (JSON has them whole). */
const MAX_VALUE = 120;
/** How a risk kind is marked in text and markdown. */
const RISK_MARK: Record<RiskKind, string> = { 'data-loss': 'DATA LOSS', weakening: 'WEAKENS', interruption: 'INTERRUPTS', broadening: 'BROADENS' };
const REPLACES = new Set(['replace', 'may-replace']);
const REMOVES = new Set(['destroy', 'orphan']);

export interface Totals {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly stacks: number;
  readonly replacements: number;
  readonly removals: number;
  readonly broadenings: number;
  readonly stateful: number;
  readonly dataLoss: number;
  readonly weakenings: number;
  readonly interruptions: number;
  readonly lifecycle: number;
  readonly restores: number;
}

function allStacks(diff: EstateDiff): StackChange[] {
  return [...diff.tenants.flatMap((t) => (t.stack ? [t.stack] : [])), ...diff.estate];
}

const manifestCount = (diff: EstateDiff, kind: RiskKind) => (diff.manifestRisks ?? []).filter((m) => m.kind === kind).length;

export function totals(diff: EstateDiff): Totals {
  const resources = allStacks(diff).flatMap((s) => s.resources);
  return {
    added: diff.tenants.filter((t) => t.change === 'add').length,
    removed: diff.tenants.filter((t) => t.change === 'remove').length,
    changed: diff.tenants.filter((t) => t.change === 'modify').length,
    stacks: allStacks(diff).length,
    replacements: resources.filter((r) => REPLACES.has(r.impact)).length,
    removals: resources.filter((r) => REMOVES.has(r.impact)).length,
    broadenings:
      allStacks(diff).reduce((n, s) => n + s.broadening.length, 0) + resources.reduce((n, r) => n + r.risks.filter((k) => k.kind === 'broadening').length, 0),
    stateful: resources.filter((r) => r.stateful && (REPLACES.has(r.impact) || REMOVES.has(r.impact))).length + diff.stranded.length,
    dataLoss: resources.reduce((n, r) => n + r.risks.filter((k) => k.kind === 'data-loss').length, 0) + manifestCount(diff, 'data-loss'),
    weakenings:
      resources.reduce((n, r) => n + r.risks.filter((k) => k.kind === 'weakening').length, 0) +
      manifestCount(diff, 'weakening') +
      (diff.newlySuppressed ?? []).length,
    interruptions: resources.reduce((n, r) => n + r.risks.filter((k) => k.kind === 'interruption').length, 0) + manifestCount(diff, 'interruption'),
    lifecycle: diff.lifecycle.length,
    restores: diff.restores.length,
  };
}

/** A tenant whose change carries a risk a reviewer must see: listed first, never cut. */
export function isRisky(t: TenantChange): boolean {
  const s = t.stack;
  if (!s) return false;
  return s.broadening.length > 0 || s.resources.some((r) => r.risks.length > 0 || REPLACES.has(r.impact) || (r.stateful && REMOVES.has(r.impact)));
}

export function headline(diff: EstateDiff): string {
  const t = totals(diff);
  if (t.stacks === 0 && diff.tenants.length === 0 && !diff.lock && diff.sql.length === 0 && diff.suppressions.length === 0) return 'no changes';
  const parts = (
    [
      [t.added, 'added'],
      [t.changed, 'changed'],
      [t.removed, 'removed'],
    ] as const
  ).filter(([n]) => n > 0);
  const tenants = parts.map(([n, what], i) => (i === 0 ? `${plural(n, 'tenant')} ${what}` : `${n} ${what}`)).join(', ') || 'no tenant changed';
  return `${tenants} · ${plural(t.stacks, 'stack')} changed · ${plural(t.replacements, 'replacement')}, ${plural(t.removals, 'removal')}, ${plural(t.broadenings, 'broadening')}, ${plural(t.stateful, 'stateful resource')} replaced or removed · ${plural(t.dataLoss, 'data loss', 'data losses')}, ${plural(t.weakenings, 'weakening')}, ${plural(t.interruptions, 'interruption')}${t.lifecycle ? ` · ${plural(t.lifecycle, 'lifecycle error')}` : ''}${t.restores ? ` · ${plural(t.restores, 'restore')}` : ''}`;
}

const where = (f: TenantFacts) =>
  `ALB shard ${f.placement.albShard} slot ${f.placement.ruleSlot}, ${f.placement.cacheCluster === null ? 'dedicated cache' : `shared cache ${f.placement.cacheCluster}`}, group ${f.placement.group}`;

function resourceCounts(s: StackChange): string {
  const n = (c: ResourceChange['change']) => s.resources.filter((r) => r.change === c).length;
  // A few modified resources are named: "1 modified (tenantLogGroup)" says more than a count.
  const modified = s.resources.filter((r) => r.change === 'modify').map((r) => r.logicalId);
  const named = modified.length > 0 && modified.length <= 3 ? ` (${modified.join(', ')})` : '';
  const parts = [n('add') && `${n('add')} added`, n('modify') && `${n('modify')} modified${named}`, n('remove') && `${n('remove')} removed`].filter(Boolean);
  const replaced = s.resources.filter((r) => REPLACES.has(r.impact)).length;
  const stateful = s.resources.filter((r) => r.stateful && (REPLACES.has(r.impact) || REMOVES.has(r.impact))).length;
  if (replaced) parts.push(`${replaced} replaced`);
  if (stateful) parts.push(`${stateful} stateful at risk`);
  if (s.broadening.length) parts.push('permissions broadened');
  for (const kind of ['broadening', 'data-loss', 'weakening', 'interruption'] as const) {
    const n = s.resources.reduce((x, r) => x + r.risks.filter((k) => k.kind === kind).length, 0);
    if (n) parts.push(`${n} ${kind}`);
  }
  return parts.length ? `resources: ${parts.join(', ')}` : 'nested stacks only';
}

/** One line that says what happens to a tenant. */
export function tenantSummary(t: TenantChange): string {
  if (t.change === 'add') return `added: ${t.after!.tier}, ${t.after!.status}; ${where(t.after!)}${t.stack ? `; ${t.stack.resources.length} resources` : ''}`;
  if (t.change === 'remove') {
    const s = t.stack!;
    const kept = s.resources.filter((r) => r.impact === 'orphan').length;
    return `removed: its stack is deleted (${s.resources.length} resources${kept ? `, ${kept} retained outside any stack` : ''})`;
  }
  const a = t.before!;
  const b = t.after!;
  const facts: string[] = [];
  if (a.tier !== b.tier) facts.push(`tier ${a.tier} → ${b.tier}`);
  if (a.status !== b.status) facts.push(`status ${a.status} → ${b.status}`);
  if (a.users !== b.users) facts.push(`users ${a.users} → ${b.users}`);
  if (a.dns !== b.dns || a.dnsReady !== b.dnsReady) facts.push(`dns ${a.dns}${a.dnsReady ? '' : ' (not ready)'} → ${b.dns}${b.dnsReady ? '' : ' (not ready)'}`);
  const addedDomains = b.domains.filter((d) => !a.domains.includes(d));
  const removedDomains = a.domains.filter((d) => !b.domains.includes(d));
  if (addedDomains.length || removedDomains.length)
    facts.push(`domains ${[...addedDomains.map((d) => `+${d}`), ...removedDomains.map((d) => `-${d}`)].join(' ')}`);
  if (a.signInDomain !== b.signInDomain) facts.push(`sign-in ${a.signInDomain} → ${b.signInDomain}`);
  const pa = a.placement;
  const pb = b.placement;
  const moves: string[] = [];
  if (pa.albShard !== pb.albShard || pa.ruleSlot !== pb.ruleSlot)
    moves.push(`ALB shard ${pa.albShard} slot ${pa.ruleSlot} → shard ${pb.albShard} slot ${pb.ruleSlot}`);
  if (pa.cacheCluster !== pb.cacheCluster)
    moves.push(
      `cache ${pa.cacheCluster === null ? 'dedicated' : `shared ${pa.cacheCluster}`} → ${pb.cacheCluster === null ? 'dedicated' : `shared ${pb.cacheCluster}`}`,
    );
  if (pa.group !== pb.group) moves.push(`group ${pa.group} → ${pb.group}`);
  if (moves.length) facts.push(`moved: ${moves.join(', ')}`);
  if (t.stack) facts.push(resourceCounts(t.stack));
  if (t.files.length) facts.push(`${t.files.join(', ')} changed`);
  if (t.notes.some((n) => n.startsWith('contacts '))) facts.push('contacts changed');
  return facts.join('; ') || 'changed';
}

export interface Marks {
  readonly add: string;
  readonly modify: string;
  readonly remove: string;
  readonly note: string;
}
/** The marks of a terminal diff (STYLE: [+], [~], [-]). */
export const TEXT_MARKS: Marks = { add: '[+]', modify: '[~]', remove: '[-]', note: '   ' };
/** Leading characters GitHub's `diff` highlighting colours: + green, - red, ! orange. */
export const MARKDOWN_MARKS: Marks = { add: '+', modify: '!', remove: '-', note: ' ' };

function impactNote(r: ResourceChange): string {
  const parts: string[] = [];
  if (r.change !== 'add') parts.push(r.impact === 'may-replace' ? 'may replace' : r.impact === 'orphan' ? 'removed, retained outside the stack' : r.impact);
  if (r.stateful && (REPLACES.has(r.impact) || REMOVES.has(r.impact))) parts.push('STATEFUL: holds data');
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/** A value as text and markdown show it: cut at MAX_VALUE. */
export function shortValue(json: string): string {
  return json.length > MAX_VALUE ? `${json.slice(0, MAX_VALUE - 1)}…` : json;
}

/**
 * Two long strings (user data, a policy in a string) shown where they differ: the
 * differing middle with some context, not two prefixes that happen to be equal.
 */
export function excerpts(before: string, after: string): { from: string; to: string } {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  const CONTEXT = 24;
  const cut = (s: string) => {
    const from = Math.max(0, start - CONTEXT);
    const to = Math.min(s.length, s.length - end + CONTEXT);
    return shortValue(JSON.stringify(`${from > 0 ? '…' : ''}${s.slice(from, to)}${to < s.length ? '…' : ''}`));
  };
  return { from: cut(before), to: cut(after) };
}

const parsedString = (json: string | undefined): string | null => {
  if (json === undefined || !json.startsWith('"')) return null;
  const v: unknown = JSON.parse(json);
  return typeof v === 'string' ? v : null;
};

/** A value as text and markdown show it: Fn::Sub variables written in (readableSub.ts), then cut at MAX_VALUE. */
const shownValue = (json: string) => shortValue(readableSubs(json));

/** One changed path as text and markdown show it. */
export function pathLine(p: ValueChange): string {
  if (p.added || p.removed) return [...(p.added ?? []).map((v) => `+ ${shownValue(v)}`), ...(p.removed ?? []).map((v) => `- ${shownValue(v)}`)].join(', ');
  if (p.from === undefined) return `(added) ${shownValue(p.to ?? '')}`;
  if (p.to === undefined) return `(removed) ${shownValue(p.from)}`;
  const a = parsedString(p.from);
  const b = parsedString(p.to);
  if (a !== null && b !== null && (p.from.length > MAX_VALUE || p.to.length > MAX_VALUE)) {
    const e = excerpts(a, b);
    return `${e.from} → ${e.to}`;
  }
  return `${shownValue(p.from)} → ${shownValue(p.to)}`;
}

/** `DATA LOSS: RetentionInDays 731 → 1: … (reference)`. */
export const riskLine = (k: Risk) => `${RISK_MARK[k.kind]}: ${readableSubs(riskText(k))} (${k.reference})`;

/** The lines of a resource that say a risk: its risks and its causes. */
function resourceRiskLines(r: ResourceChange, m: Marks): string[] {
  return [...r.risks.map((k) => `${m.note}     ${riskLine(k)}`), ...r.causes.map((c) => `${m.note}     cause: ${c}`)];
}

/** `onlyRisks`: the lines a size cap keeps of a stack (risky resources, broadenings). */
export function stackLines(s: StackChange, m: Marks, onlyRisks = false): string[] {
  const lines: string[] = [];
  const mark = { add: m.add, modify: m.modify, remove: m.remove } as const;
  for (const r of s.resources) {
    const risky = r.risks.length > 0 || REPLACES.has(r.impact) || (r.stateful && REMOVES.has(r.impact));
    if (onlyRisks && !risky) continue;
    lines.push(`${mark[r.change]} ${r.logicalId} ${r.type}${impactNote(r)}`);
    if (!onlyRisks) {
      for (const p of r.paths.slice(0, MAX_PATHS)) lines.push(`${m.note}     ${p.path}: ${pathLine(p)}`);
      if (r.paths.length > MAX_PATHS) lines.push(`${m.note}     … ${plural(r.paths.length - MAX_PATHS, 'more change')}`);
    }
    lines.push(...resourceRiskLines(r, m));
  }
  if (!onlyRisks) {
    if (s.nestedUpdated.length) lines.push(`${m.modify} nested stacks whose template changed: ${s.nestedUpdated.join(', ')}`);
    const keys = (label: string, c: { added: readonly string[]; removed: readonly string[]; modified?: readonly string[] }) => {
      const parts = [...c.added.map((k) => `+${k}`), ...(c.modified ?? []).map((k) => `~${k}`), ...c.removed.map((k) => `-${k}`)];
      if (parts.length) lines.push(`${m.note} ${label}: ${parts.join(' ')}`);
    };
    keys('parameters', s.parameters);
    keys('outputs', s.outputs);
  }
  for (const b of s.broadening) lines.push(`${m.modify} BROADENS: ${readableSubs(b)}`);
  return lines;
}

/**
 * Every risk of the diff, once per distinct risk: the same change in many tenants' stacks
 * is one line naming them ("… — 300 tenants: a, b, …"). These lines are never cut.
 */
export function riskSummary(diff: EstateDiff): string[] {
  const groups = new Map<string, { line: string; tenants: string[] }>();
  const add = (tenant: string | null, template: string, r: ResourceChange, line: string) => {
    const key = `${tenant === null ? template : 'tenant'}|${r.logicalId}|${line}`;
    const g = groups.get(key) ?? { line: `${tenant === null ? `${template} ` : ''}${r.logicalId} (${r.type}): ${line}`, tenants: [] };
    if (tenant !== null) g.tenants.push(tenant);
    groups.set(key, g);
  };
  for (const t of diff.tenants) for (const r of t.stack?.resources ?? []) for (const k of r.risks) add(t.id, t.stack!.template, r, riskLine(k));
  for (const s of diff.estate) for (const r of s.resources) for (const k of r.risks) add(null, s.template, r, riskLine(k));
  const stranded = diff.stranded.map((x) => `${x.template} ${x.logicalId} (${x.type}): STATEFUL: ${x.reason}`);
  // The same manifest change in many tenants is one line naming them, as above.
  const manifest = new Map<string, { line: string; tenants: string[] }>();
  for (const m of diff.manifestRisks ?? []) {
    const line = `${m.tenant === null ? 'platform ' : ''}${m.field} ${m.from} → ${m.to}: ${RISK_MARK[m.kind]}: ${m.says} (${m.reference})`;
    const g = manifest.get(line) ?? { line, tenants: [] };
    if (m.tenant !== null) g.tenants.push(m.tenant);
    manifest.set(line, g);
  }
  const suppressed = (diff.newlySuppressed ?? []).map((f) => `${RISK_MARK.weakening}: ${newlySuppressedText(f)}`);
  return [
    ...stranded,
    ...suppressed,
    ...[...manifest.values()].map((g) =>
      g.tenants.length === 0
        ? g.line
        : `${g.line} — ${g.tenants.length === 1 ? `tenant ${g.tenants[0]}` : `${g.tenants.length} tenants: ${g.tenants.join(', ')}`}`,
    ),
    ...[...groups.values()].map((g) =>
      g.tenants.length === 0
        ? g.line
        : `${g.line} — ${g.tenants.length === 1 ? `tenant ${g.tenants[0]}` : `${g.tenants.length} tenants: ${g.tenants.join(', ')}`}`,
    ),
  ];
}

/** `shared fleet MinSize 8 → 15, MaxSize 16 → 30: tenant acme users 2800 → 9999`. */
export function attributionLines(diff: EstateDiff): string[] {
  return diff.attributions.map((a) => `${a.what} ${a.change}: ${a.causes.join('; ')}`);
}

function gateLines(gate: GateResult | null): string[] {
  if (!gate) return [];
  const lines: string[] = [];
  const kinds = gate.kinds.join(',');
  if (gate.blocking.length === 0 && gate.unused.length === 0)
    lines.push(`--fail-on ${kinds}: passes${gate.allowed.length ? ` (${plural(gate.allowed.length, 'finding')} allowed by override)` : ''}`);
  else if (gate.blocking.length === 0)
    lines.push(
      `--fail-on ${kinds}: ${plural(gate.unused.length, 'override')} ${gate.unused.length === 1 ? 'matches' : 'match'} no finding of this change and ${gate.unused.length === 1 ? 'blocks' : 'block'} it (remove each from the pull request's description: a stale allow would approve a later change unread)`,
    );
  else
    lines.push(
      `--fail-on ${kinds}: ${plural(gate.blocking.length, 'finding')} ${gate.blocking.length === 1 ? 'blocks' : 'block'} this change (allow one with an override: "<kind> <target>: <reason>", the target tenant:<id>, tenant:<id>/<logicalId> or estate:<template>/<logicalId>)`,
    );
  for (const f of gate.blocking) lines.push(`  ${f.kind}${f.tenant ? ` tenant:${f.tenant}` : ''}: ${readableSubs(f.description)}`);
  const byOverride = new Map<string, number>();
  for (const a of gate.allowed) {
    for (const o of a.overrides) {
      const k = formatAllow(o);
      byOverride.set(k, (byOverride.get(k) ?? 0) + 1);
    }
  }
  for (const [k, n] of byOverride) lines.push(`  allowed by override "${k}" (${plural(n, 'finding')})`);
  for (const o of gate.unused)
    lines.push(`  unused override: "tenantc-allow: ${formatAllow(o)}" matches no finding of this change: remove the line, or name what it allows`);
  if (gate.accepted.length) {
    lines.push(`accepted allows (${gate.accepted.length}):`);
    for (const o of gate.accepted) lines.push(`  tenantc-allow: ${formatAllow(o)}`);
  }
  return lines;
}

function textLines(changes: readonly LineChange[]): string[] {
  return changes.flatMap((c) => [c.file, ...c.lines.map((l) => `  ${l}`)]);
}

const RESTORES_TITLE = 'Restores (a removed id comes back, and what its tenant left passes to this manifest: each is a finding of kind restore)';
const DOMAIN_HANDOVERS_TITLE = 'Domains of removed tenants given to another tenant (takesDomainsFrom: each is a finding of kind handover)';

export function renderText(diff: EstateDiff, gate: GateResult | null, out: Writer): void {
  const lines: string[] = [`tenantc diff ${diff.base.label} → ${diff.head.label}: ${headline(diff)}`, ...estimateLines(diff.estimate)];
  if (diff.lifecycle.length)
    lines.push('', 'Lifecycle errors (each blocks this change, whatever --fail-on says)', ...diff.lifecycle.map((l) => `  ${l.message}`));
  if (diff.restores.length) lines.push('', RESTORES_TITLE, ...diff.restores.flatMap(restoreLines).map((l) => `  ${l}`));
  if (diff.domainHandovers?.length) lines.push('', DOMAIN_HANDOVERS_TITLE, ...diff.domainHandovers.map((h) => `  ${domainHandoverLine(h)}`));
  if (gate) lines.push('', ...gateLines(gate));
  const risks = riskSummary(diff);
  if (risks.length) lines.push('', 'Risks', ...risks.map((l) => `  ${l}`));
  const causes = attributionLines(diff);
  if (causes.length) lines.push('', 'Shared changes and their causes', ...causes.map((l) => `  ${l}`));
  if (diff.tenants.length) {
    lines.push('', 'Tenants');
    const width = Math.max(...diff.tenants.map((t) => t.id.length));
    for (const t of diff.tenants) {
      lines.push(`  ${TEXT_MARKS[t.change]} ${t.id.padEnd(width)}  ${tenantSummary(t)}`);
      for (const n of t.notes) lines.push(`      ${' '.repeat(width)}note: ${n}`);
    }
  }
  for (const t of diff.tenants) {
    if (!t.stack) continue;
    lines.push('', `${t.id}: ${t.stack.template}`, ...stackLines(t.stack, TEXT_MARKS).map((l) => `  ${l}`));
  }
  if (diff.estate.length) {
    lines.push('', 'Shared estate');
    for (const s of diff.estate)
      lines.push(
        `  ${s.template}${s.change === 'modify' ? '' : ` (${s.change === 'add' ? 'added' : 'removed'})`}`,
        ...stackLines(s, TEXT_MARKS).map((l) => `    ${l}`),
      );
  }
  if (diff.suppressions.length) {
    lines.push('', 'Security rule pack suppressions');
    for (const s of diff.suppressions)
      lines.push(`  ${s.change === 'add' ? TEXT_MARKS.add : TEXT_MARKS.remove} ${s.rule} ${s.template} ${s.resource}: ${s.reason}`);
  }
  if (diff.sql.length) lines.push('', 'SQL', ...textLines(diff.sql).map((l) => `  ${l}`));
  if (diff.lock) lines.push('', 'Placement lock', ...diff.lock.lines.map((l) => `  ${l}`));
  out.write(`${lines.join('\n')}\n`);
}

export function renderJson(diff: EstateDiff, gate: GateResult | null, out: Writer): void {
  out.write(`${JSON.stringify({ summary: { headline: headline(diff), ...totals(diff) }, ...diff, gate }, null, 2)}\n`);
}

/**
 * A code block whose fence is longer than any run of backticks inside it (CommonMark
 * closes a fence only with one at least as long): a value holding backticks shows as
 * it is and cannot close the block.
 */
const fence = (lines: readonly string[]) => {
  const longest = Math.max(2, ...lines.flatMap((l) => (l.match(/`+/g) ?? []).map((run) => run.length)));
  const marks = '`'.repeat(longest + 1);
  return [`${marks}diff`, ...lines, marks];
};
const details = (summary: string, body: readonly string[]) => ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>'];
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/**
 * Text a pull request wrote (a suppression's reason, an override's reason, a note that
 * quotes a manifest), as markdown that shows it and does nothing else: no HTML (a
 * `<!--` would hide the rest of the comment, `<img>` would call out), no link, image,
 * code span, emphasis or table cell it opens, no line of its own.
 */
const markdownText = (s: string) => escapeHtml(s.replace(/[\\`*_[\]|~]/g, '\\$&')).replace(/\s*\n\s*/g, ' ');
/** A table cell: markdown text (a tenant's summary quotes its domains and tier), whose `|` cannot end the cell. */
const cell = markdownText;

/** Lifecycle notes a pull-request comment lists before it refers to the full diff. */
const MARKDOWN_NOTES = 40;

const rowKind = (t: TenantChange) => (t.change === 'add' ? 'added' : t.change === 'remove' ? 'removed' : 'changed');

/**
 * The tenant table: risky tenants first, one row each; then one row per distinct change,
 * naming every tenant it applies to (300 tenants whose retention doubles are one row).
 */
function tenantTable(diff: EstateDiff): string[] {
  const risky = diff.tenants.filter(isRisky);
  const rest = diff.tenants.filter((t) => !isRisky(t));
  const groups = new Map<string, TenantChange[]>();
  for (const t of rest) {
    const k = `${rowKind(t)} | ${cell(tenantSummary(t))}`;
    groups.set(k, [...(groups.get(k) ?? []), t]);
  }
  return [
    '',
    '| | tenants | change |',
    '| --- | --- | --- |',
    ...risky.map((t) => `| **${rowKind(t)}, at risk** | \`${t.id}\` | ${cell(tenantSummary(t))} |`),
    ...[...groups].map(([k, ts]) => {
      const [kind, change] = [k.slice(0, k.indexOf(' | ')), k.slice(k.indexOf(' | ') + 3)];
      const names = ts.map((t) => `\`${t.id}\``).join(', ');
      return `| ${kind} | ${ts.length > 1 ? `${ts.length}: ${names}` : names} | ${change} |`;
    }),
  ];
}

/**
 * One pull-request comment, under MARKDOWN_MAX_CHARS whatever the size of the change.
 * Never cut: the summary, lifecycle errors, the gate, every risk line (grouped across
 * tenants), the causes of shared changes, and a row naming every tenant. Details
 * follow: the risky tenants' first (cut down to their risky resources when whole they
 * would not fit), then the shared estate, suppressions, lock, the other tenants and the
 * SQL while they fit; the rest are named with the command that shows them.
 */
export function renderMarkdown(diff: EstateDiff, gate: GateResult | null, out: Writer, maxChars = MARKDOWN_MAX_CHARS): void {
  const head = [
    COMMENT_MARKER,
    `### tenantc diff \`${diff.base.label}\` → \`${diff.head.label}\``,
    '',
    `**${headline(diff)}**`,
    ...estimateLines(diff.estimate).map((l) => `\n${markdownText(l)}`),
  ];
  if (diff.lifecycle.length) {
    head.push('', '**Lifecycle errors: each blocks this change, whatever --fail-on says**', '', ...diff.lifecycle.map((l) => `- ${markdownText(l.message)}`));
  }
  if (diff.restores.length) {
    // Never cut: who left, who comes and what passes, for each.
    head.push(
      '',
      `**${markdownText(RESTORES_TITLE)}**`,
      '',
      ...diff.restores.flatMap((r) => {
        const [first, ...rest] = restoreLines(r);
        return [`- ${markdownText(first!)}`, ...rest.map((l) => `  - ${markdownText(l.trim())}`)];
      }),
    );
  }
  if (diff.domainHandovers?.length)
    head.push('', `**${markdownText(DOMAIN_HANDOVERS_TITLE)}**`, '', ...diff.domainHandovers.map((h) => `- ${markdownText(domainHandoverLine(h))}`));
  if (gate) head.push('', ...gateLines(gate).map((l) => (l.startsWith('  ') ? `- ${markdownText(l.trim())}` : `**${markdownText(l)}**`)));
  const risks = riskSummary(diff);
  if (risks.length) head.push('', '**Risks**', '', ...risks.map((l) => `- ${markdownText(l)}`));
  const causes = attributionLines(diff);
  if (causes.length) head.push('', '**Shared changes and their causes**', '', ...causes.map((l) => `- ${markdownText(l)}`));
  const table = diff.tenants.length ? tenantTable(diff) : [];
  const noted = diff.tenants.filter((t) => t.notes.length);
  if (noted.length) {
    const list = noted.flatMap((t) => t.notes.map((n) => `- \`${t.id}\`: ${markdownText(n)}`));
    const shown = list.slice(0, MARKDOWN_NOTES);
    table.push(
      '',
      '**Lifecycle notes**',
      '',
      ...shown,
      ...(list.length > shown.length ? [`- … ${plural(list.length - shown.length, 'more note')}: \`tenantc diff\` shows them all`] : []),
    );
  }
  const tenantBlock = (t: TenantChange, onlyRisks: boolean) =>
    details(
      `<code>${t.id}</code>: ${escapeHtml(tenantSummary(t))}${onlyRisks ? ' (risky resources only)' : ''}`,
      fence(stackLines(t.stack!, MARKDOWN_MARKS, onlyRisks)),
    );
  // Risky tenants first (never cut), then shared changes (they reach every tenant), the
  // other tenants, then the SQL.
  const blocks: { name: string; lines: string[]; reduced?: string[] }[] = [];
  for (const t of diff.tenants.filter((x) => x.stack && isRisky(x))) blocks.push({ name: t.id, lines: tenantBlock(t, false), reduced: tenantBlock(t, true) });
  if (diff.estate.length) {
    const body = diff.estate.flatMap((s) => [
      `**${s.template}**${s.change === 'modify' ? '' : ` (${s.change === 'add' ? 'added' : 'removed'})`}`,
      '',
      ...fence(stackLines(s, MARKDOWN_MARKS)),
      '',
    ]);
    blocks.push({ name: 'shared estate', lines: details(`Shared estate: ${plural(diff.estate.length, 'template')}`, body) });
  }
  if (diff.suppressions.length) {
    blocks.push({
      name: 'suppressions',
      lines: details(
        `Security rule pack suppressions: ${diff.suppressions.length} changed`,
        diff.suppressions.map(
          (s) => `- ${s.change === 'add' ? 'added' : 'removed'} \`${s.rule}\` \`${s.template}\` \`${s.resource}\`: ${markdownText(s.reason)}`,
        ),
      ),
    });
  }
  if (diff.lock) blocks.push({ name: 'placement lock', lines: details('Placement lock', fence(diff.lock.lines)) });
  for (const t of diff.tenants) {
    if (!t.stack || isRisky(t)) continue;
    blocks.push({ name: t.id, lines: tenantBlock(t, false) });
  }
  if (diff.sql.length) blocks.push({ name: 'SQL', lines: details(`SQL: ${diff.sql.map((c) => c.file).join(', ')}`, fence(textLines(diff.sql))) });

  const lines = [...head, ...table, ''];
  // Exact length of what is written: the lines joined by newlines, plus the final one.
  let size = lines.join('\n').length + 1;
  const NOTE_ROOM = 700;
  const left: string[] = [];
  for (const b of blocks) {
    const add = b.lines.join('\n').length + 1;
    if (left.length === 0 && size + add + NOTE_ROOM <= maxChars) {
      lines.push(...b.lines);
      size += add;
    } else if (b.reduced) {
      // A risky tenant is never left out: its risky resources at least.
      lines.push(...b.reduced);
      size += b.reduced.join('\n').length + 1;
      left.push(`${b.name} (in part)`);
    } else left.push(b.name);
  }
  if (left.length) {
    let names = '';
    let named = 0;
    for (const n of left) {
      if (names.length + n.length > 400) break;
      names += `${named ? ', ' : ''}${n}`;
      named++;
    }
    if (named < left.length) names += `, and ${left.length - named} more`;
    lines.push(
      '',
      `_${plural(left.length, 'section')} not shown whole to stay under GitHub's comment size limit (${names}): run \`npx tenantc diff --base ${diff.base.label}\` for the whole diff._`,
    );
  }
  out.write(`${lines.join('\n')}\n`);
}

export function renderDiff(format: DiffFormat, diff: EstateDiff, gate: GateResult | null, out: Writer): void {
  if (format === 'json') renderJson(diff, gate, out);
  else if (format === 'markdown') renderMarkdown(diff, gate, out);
  else renderText(diff, gate, out);
}
