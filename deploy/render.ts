// What deploy prints: the change set stack by stack (tenant stacks named by tenant),
// the guard's verdict, and the rollout's events with progress. Pure: lines out.
import { formatTarget } from '../compiler/allow.ts';
import type { ResourceChangeInfo } from './changeSet.ts';
import type { DeployEvent, Failure } from './execute.ts';
import type { GuardFinding, GuardResult, StackChanges } from './guard.ts';

const MARK: Record<string, string> = { Add: '[+]', Modify: '[~]', Remove: '[-]', Import: '[>]', Dynamic: '[?]' };

const IAM = /^AWS::IAM::|::(BucketPolicy|QueuePolicy|TopicPolicy|ManagedPolicy)$|^AWS::Lambda::Permission$/;
const SECURITY_GROUP = /^AWS::EC2::SecurityGroup(Ingress|Egress)?$/;

export function stackTitle(s: { readonly path: string; readonly tenant: string | null }): string {
  if (s.path === '') return 'root';
  return s.tenant ? `tenant ${s.tenant} (${s.path})` : s.path;
}

function changeLine(c: ResourceChangeInfo, width: number): string {
  const notes: string[] = [];
  if (c.action === 'Modify' && (c.replacement === 'True' || c.replacement === 'Conditional')) notes.push(`Replacement: ${c.replacement}`);
  if (c.action === 'Remove' && c.policyAction && c.policyAction !== 'Delete') notes.push(`(${c.policyAction.toLowerCase()})`);
  if (IAM.test(c.type)) notes.push('IAM');
  if (SECURITY_GROUP.test(c.type)) notes.push('SECURITY GROUP');
  return `${MARK[c.action] ?? `[${c.action}]`} ${c.logicalId.padEnd(width)} ${c.type}${notes.length ? `  ${notes.join('  ')}` : ''}`;
}

/** A stack that only gains resources, more than this many, is shown as a count. */
export const ADDS_LISTED = 20;

export function changeSetLines(stacks: readonly StackChanges[]): string[] {
  const lines: string[] = [];
  for (const s of stacks) {
    if (s.changes.length === 0) continue;
    lines.push(`  ${stackTitle(s)}`);
    if (s.changes.length > ADDS_LISTED && s.changes.every((c) => c.action === 'Add')) {
      // A new stack (a first deploy, a new tenant) of many resources: what a reviewer must
      // still see by name are its IAM and security-group resources.
      const iam = s.changes.filter((c) => IAM.test(c.type)).map((c) => c.logicalId);
      const sg = s.changes.filter((c) => SECURITY_GROUP.test(c.type)).map((c) => c.logicalId);
      const named = [iam.length ? `IAM: ${iam.join(', ')}` : '', sg.length ? `SECURITY GROUP: ${sg.join(', ')}` : ''].filter(Boolean).join('; ');
      lines.push(`    [+] ${s.changes.length} resources${named ? ` (${named})` : ''}`);
      continue;
    }
    const width = Math.max(...s.changes.map((c) => c.logicalId.length));
    for (const c of s.changes) lines.push(`    ${changeLine(c, width)}`);
  }
  return lines;
}

/** `"replacement tenant:acme", "stateful tenant:acme/tenantUserPool"`: the allows that let something through. */
export const quotedAllows = (texts: readonly string[]): string => texts.map((t) => `"${t}"`).join(', ');

const what = (f: GuardFinding) => `${f.kind === 'replace' ? 'replaces' : 'removes'} ${f.logicalId} (${f.type}) in ${stackTitle(f)}`;

export function guardLines(g: GuardResult, kept: boolean): string[] {
  const lines: string[] = [];
  for (const f of g.allowed) lines.push(`  allowed: ${what(f)}, by ${quotedAllows(f.allowedBy)}`);
  for (const f of g.named) lines.push(`  named: ${what(f)}, by ${quotedAllows(f.allowedBy)} (it holds no data: deploy lets it through on its own)`);
  if (g.refused.length) {
    lines.push(
      `refused: this change set would ${g.refused.length === 1 ? 'replace or remove a resource that holds data' : `replace or remove ${g.refused.length} resources that hold data`}:`,
    );
    for (const f of g.refused) lines.push(`  ${what(f)}`);
    lines.push(
      `${kept ? 'The change set stays' : 'The change set was deleted'}; nothing ran. If this is intended, allow each one: in the pull request's description (deploy --allow-file reads them)`,
    );
    for (const f of g.refused) lines.push(`  tenantc-allow: ${f.kind === 'replace' ? 'replacement' : 'removal'} ${formatTarget(f.target)}: <why>`);
    lines.push('or on the command line:');
    for (const f of g.refused) lines.push(`  ${f.kind === 'replace' ? '--allow-replace' : '--allow-remove'} ${formatTarget(f.target)}`);
  }
  return lines;
}

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function eventLine(e: DeployEvent): string {
  const where = e.path === '' ? 'root' : e.tenant ? `tenant ${e.tenant}` : e.path;
  return `[${String(e.done).padStart(String(e.total).length)}/${e.total} ${duration(e.elapsedMs)}] ${where}: ${e.logicalId} ${e.type} ${e.status}${e.reason ? `: ${e.reason}` : ''}`;
}

export function rootCauseLines(f: Failure | null): string[] {
  if (!f) return ['no failed resource event was found; see the stack events in CloudFormation'];
  return [`root cause: ${stackTitle(f)}: ${f.logicalId} (${f.type}) ${f.status}:`, `  ${f.reason}`];
}
