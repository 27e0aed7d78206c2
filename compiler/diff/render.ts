// The diff as text (a terminal, a CI log), markdown (one pull-request comment, within
// GitHub's size limit) and JSON (other tools). Each renderer writes to the stream it
// is given; all three read the same EstateDiff and gate result, so they cannot disagree.
import { estimateLines } from './costLine.ts';
import type { GateResult } from './failOn.ts';
import type { EstateDiff, LineChange, ResourceChange, StackChange, TenantChange, TenantFacts } from './model.ts';

export interface Writer {
  write(s: string): unknown;
}

export type DiffFormat = 'text' | 'markdown' | 'json';

/** GitHub refuses comments over 65,536 characters; this leaves room for the workflow's own lines. */
export const MARKDOWN_MAX_CHARS = 60_000;
/** Marks the comment so that later pushes update it in place. */
export const COMMENT_MARKER = '<!-- tenantc-diff -->';

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
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
}

function allStacks(diff: EstateDiff): StackChange[] {
  return [...diff.tenants.flatMap((t) => (t.stack ? [t.stack] : [])), ...diff.estate];
}

export function totals(diff: EstateDiff): Totals {
  const resources = allStacks(diff).flatMap((s) => s.resources);
  return {
    added: diff.tenants.filter((t) => t.change === 'add').length,
    removed: diff.tenants.filter((t) => t.change === 'remove').length,
    changed: diff.tenants.filter((t) => t.change === 'modify').length,
    stacks: allStacks(diff).length,
    replacements: resources.filter((r) => REPLACES.has(r.impact)).length,
    removals: resources.filter((r) => REMOVES.has(r.impact)).length,
    broadenings: allStacks(diff).reduce((n, s) => n + s.broadening.length, 0),
    stateful: resources.filter((r) => r.stateful && (REPLACES.has(r.impact) || REMOVES.has(r.impact))).length,
  };
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
  return `${tenants} · ${plural(t.stacks, 'stack')} changed · ${plural(t.replacements, 'replacement')}, ${plural(t.removals, 'removal')}, ${plural(t.broadenings, 'broadening')}, ${plural(t.stateful, 'stateful resource')} replaced or removed`;
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

export function stackLines(s: StackChange, m: Marks): string[] {
  const lines: string[] = [];
  const mark = { add: m.add, modify: m.modify, remove: m.remove } as const;
  for (const r of s.resources) {
    lines.push(`${mark[r.change]} ${r.logicalId} ${r.type}${impactNote(r)}`);
    for (const p of r.paths) {
      const body =
        p.added || p.removed
          ? [...(p.added ?? []).map((v) => `+ ${v}`), ...(p.removed ?? []).map((v) => `- ${v}`)].join(', ')
          : p.from === undefined
            ? `(added) ${p.to}`
            : p.to === undefined
              ? `(removed) ${p.from}`
              : `${p.from} → ${p.to}`;
      lines.push(`${m.note}     ${p.path}: ${body}`);
    }
    if (r.morePaths) lines.push(`${m.note}     … ${plural(r.morePaths, 'more change')}`);
  }
  if (s.nestedUpdated.length) lines.push(`${m.modify} nested stacks whose template changed: ${s.nestedUpdated.join(', ')}`);
  const keys = (label: string, c: { added: readonly string[]; removed: readonly string[]; modified?: readonly string[] }) => {
    const parts = [...c.added.map((k) => `+${k}`), ...(c.modified ?? []).map((k) => `~${k}`), ...c.removed.map((k) => `-${k}`)];
    if (parts.length) lines.push(`${m.note} ${label}: ${parts.join(' ')}`);
  };
  keys('parameters', s.parameters);
  keys('outputs', s.outputs);
  for (const b of s.broadening) lines.push(`${m.modify} BROADENS: ${b}`);
  return lines;
}

function gateLines(gate: GateResult | null): string[] {
  if (!gate) return [];
  const lines: string[] = [];
  const kinds = gate.kinds.join(',');
  if (gate.blocking.length === 0)
    lines.push(`--fail-on ${kinds}: passes${gate.allowed.length ? ` (${plural(gate.allowed.length, 'finding')} allowed by override)` : ''}`);
  else
    lines.push(
      `--fail-on ${kinds}: ${plural(gate.blocking.length, 'finding')} block this change (allow one with an override: "<kind> <tenant:id | logical id | template>: <reason>")`,
    );
  for (const f of gate.blocking) lines.push(`  ${f.kind}${f.tenant ? ` tenant:${f.tenant}` : ''}: ${f.description}`);
  const byOverride = new Map<string, number>();
  for (const a of gate.allowed) {
    const k = `${a.override.kind} ${a.override.target}: ${a.override.reason}`;
    byOverride.set(k, (byOverride.get(k) ?? 0) + 1);
  }
  for (const [k, n] of byOverride) lines.push(`  allowed by override "${k}" (${plural(n, 'finding')})`);
  for (const o of gate.unused) lines.push(`  override "${o.kind} ${o.target}: ${o.reason}" matches nothing`);
  return lines;
}

function textLines(changes: readonly LineChange[]): string[] {
  return changes.flatMap((c) => [c.file, ...c.lines.map((l) => `  ${l}`)]);
}

export function renderText(diff: EstateDiff, gate: GateResult | null, out: Writer): void {
  const lines: string[] = [`tenantc diff ${diff.base.label} → ${diff.head.label}: ${headline(diff)}`, ...estimateLines(diff.estimate)];
  if (gate) lines.push('', ...gateLines(gate));
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

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const fence = (lines: readonly string[]) => ['```diff', ...lines.map((l) => l.replace(/`{3,}/g, (m) => m.split('').join('\u200b'))), '```'];
const details = (summary: string, body: readonly string[]) => ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>'];
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * One pull-request comment. Whatever the size of the change, it keeps the summary, the
 * gate and one line per tenant; details follow, tenant by tenant, while they fit under
 * MARKDOWN_MAX_CHARS, and the rest are named with the command that shows them.
 */
/** Lifecycle notes a pull-request comment lists before it refers to the full diff. */
const MARKDOWN_NOTES = 40;

export function renderMarkdown(diff: EstateDiff, gate: GateResult | null, out: Writer, maxChars = MARKDOWN_MAX_CHARS): void {
  const head = [
    COMMENT_MARKER,
    `### tenantc diff \`${diff.base.label}\` → \`${diff.head.label}\``,
    '',
    `**${headline(diff)}**`,
    ...estimateLines(diff.estimate).map((l) => `\n${escapeHtml(l)}`),
  ];
  if (gate) head.push('', ...gateLines(gate).map((l) => (l.startsWith('  ') ? `- ${escapeHtml(l.trim())}` : `**${escapeHtml(l)}**`)));
  let table: string[] = [];
  if (diff.tenants.length) {
    table = [
      '',
      '| | tenant | change |',
      '| --- | --- | --- |',
      ...diff.tenants.map(
        (t) => `| ${t.change === 'add' ? 'added' : t.change === 'remove' ? 'removed' : 'changed'} | \`${t.id}\` | ${cell(tenantSummary(t))} |`,
      ),
    ];
    const size = [...head, ...table].join('\n').length;
    if (size > maxChars / 2) {
      // Thousands of tenants: one row per distinct change, naming its tenants.
      const groups = new Map<string, string[]>();
      for (const t of diff.tenants) {
        const k = `${t.change}|${tenantSummary(t)}`;
        groups.set(k, [...(groups.get(k) ?? []), t.id]);
      }
      table = [
        '',
        '| tenants | change |',
        '| --- | --- |',
        ...[...groups].map(([k, ids]) => `| ${ids.length} (${cell(ids.join(', '))}) | ${cell(k.slice(k.indexOf('|') + 1))} |`),
      ];
    }
  }
  const noted = diff.tenants.filter((t) => t.notes.length);
  if (noted.length) {
    const list = noted.flatMap((t) => t.notes.map((n) => `- \`${t.id}\`: ${escapeHtml(n)}`));
    const shown = list.slice(0, MARKDOWN_NOTES);
    table.push(
      '',
      '**Lifecycle notes**',
      '',
      ...shown,
      ...(list.length > shown.length ? [`- … ${plural(list.length - shown.length, 'more note')}: \`tenantc diff\` shows them all`] : []),
    );
  }
  // Shared changes first (they reach every tenant), then each tenant, then the SQL.
  const blocks: { name: string; lines: string[] }[] = [];
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
          (s) => `- ${s.change === 'add' ? 'added' : 'removed'} \`${s.rule}\` \`${s.template}\` \`${s.resource}\`: ${escapeHtml(s.reason)}`,
        ),
      ),
    });
  }
  if (diff.lock) blocks.push({ name: 'placement lock', lines: details('Placement lock', fence(diff.lock.lines)) });
  for (const t of diff.tenants) {
    if (!t.stack) continue;
    blocks.push({ name: t.id, lines: details(`<code>${t.id}</code>: ${escapeHtml(tenantSummary(t))}`, fence(stackLines(t.stack, MARKDOWN_MARKS))) });
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
      `_${plural(left.length, 'section')} not shown to stay under GitHub's comment size limit (${names}): run \`npx tenantc diff --base ${diff.base.label}\` for the whole diff._`,
    );
  }
  out.write(`${lines.join('\n')}\n`);
}

export function renderDiff(format: DiffFormat, diff: EstateDiff, gate: GateResult | null, out: Writer): void {
  if (format === 'json') renderJson(diff, gate, out);
  else if (format === 'markdown') renderMarkdown(diff, gate, out);
  else renderText(diff, gate, out);
}
