// One template's change, resource by resource. What replaces is decided by
// @aws-cdk/cloudformation-diff from the CloudFormation registry's update semantics
// (@aws-cdk/aws-service-spec); IAM and security-group broadening by its IAM and
// network models. This module adds the property paths and the stateful flag.
import { fullDiff, type ResourceDifference, type TemplateDiff } from '@aws-cdk/cloudformation-diff';
import { compareStrings } from '../diagnostics.ts';
import { NO_EGRESS } from '../emit/cfn/securityGroups.ts';
import { isStateful } from '../stateful.ts';
import type { Impact, ResourceChange, StackChange, ValueChange } from './model.ts';

/** Paths listed per modified resource; the rest are counted. */
export const MAX_PATHS = 12;
/** Longest value shown in full; longer ones are cut with an ellipsis. */
const MAX_VALUE = 120;

interface TemplateJson {
  readonly Parameters?: Record<string, unknown>;
  readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
  readonly Outputs?: Record<string, unknown>;
}

const IMPACT: Record<string, Impact> = {
  WILL_CREATE: 'create',
  WILL_UPDATE: 'update',
  WILL_REPLACE: 'replace',
  MAY_REPLACE: 'may-replace',
  WILL_DESTROY: 'destroy',
  WILL_ORPHAN: 'orphan',
  WILL_IMPORT: 'create',
  NO_CHANGE: 'none',
};

export function compact(value: unknown): string {
  const s = JSON.stringify(value) ?? 'undefined';
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Where two values differ, as paths from the resource's top, in key order. */
export function valueChanges(before: unknown, after: unknown, path = ''): ValueChange[] {
  if (same(before, after)) return [];
  const at = (key: string) => (path === '' ? key : `${path}.${key}`);
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !Object.hasOwn(before, k))];
    return keys.flatMap((k) => {
      if (!Object.hasOwn(after, k)) return [{ path: at(k), from: compact(before[k]) }];
      if (!Object.hasOwn(before, k)) return [{ path: at(k), to: compact(after[k]) }];
      return valueChanges(before[k], after[k], at(k));
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length === after.length) return before.flatMap((v, i) => valueChanges(v, after[i], `${path}[${i}]`));
    // Lengths differ: say which elements came and went rather than re-indexing them all.
    const a = before.map((v) => JSON.stringify(v));
    const b = after.map((v) => JSON.stringify(v));
    const removed = a.filter((x) => !b.includes(x)).map((x) => compact(JSON.parse(x)));
    const added = b.filter((x) => !a.includes(x)).map((x) => compact(JSON.parse(x)));
    return [{ path, added, removed }];
  }
  if (typeof before === 'string' && typeof after === 'string' && (before.length > MAX_VALUE || after.length > MAX_VALUE)) {
    return [{ path, ...excerpts(before, after) }];
  }
  return [{ path, from: compact(before), to: compact(after) }];
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
    return compact(`${from > 0 ? '…' : ''}${s.slice(from, to)}${to < s.length ? '…' : ''}`);
  };
  return { from: cut(before), to: cut(after) };
}

/** A nested stack's TemplateURL ends in the content hash of its template: show the hash, short. */
const TEMPLATE_KEY = /tenantc\/([0-9a-f]{12})[0-9a-f]*\.template\.json/;

function shortTemplateUrls(changes: ValueChange[]): ValueChange[] {
  return changes.map((c) => {
    if (!c.path.startsWith('Properties.TemplateURL')) return c;
    const hash = (v: string | undefined) => (v === undefined ? undefined : `template ${TEMPLATE_KEY.exec(v)?.[1] ?? v}`);
    return { path: 'Properties.TemplateURL', from: hash(c.from), to: hash(c.to) };
  });
}

function resourceChange(logicalId: string, d: ResourceDifference): ResourceChange {
  const type = (d.newValue?.Type ?? d.oldValue?.Type) as string;
  const change = d.isAddition ? 'add' : d.isRemoval ? 'remove' : 'modify';
  const paths = change === 'modify' ? shortTemplateUrls(valueChanges(d.oldValue, d.newValue)) : [];
  return {
    logicalId,
    type,
    change,
    impact: IMPACT[d.changeImpact] ?? 'update',
    stateful: isStateful(type),
    paths: paths.slice(0, MAX_PATHS),
    morePaths: Math.max(0, paths.length - MAX_PATHS),
  };
}

/** Only the nested template changed: CloudFormation updates that stack, nothing else. */
function onlyTemplateUrlChanged(d: ResourceDifference): boolean {
  if (d.isAddition || d.isRemoval || d.newValue?.Type !== 'AWS::CloudFormation::Stack') return false;
  const changes = valueChanges(d.oldValue, d.newValue);
  return changes.length > 0 && changes.every((c) => c.path === 'Properties.TemplateURL' || c.path.startsWith('Properties.TemplateURL.'));
}

function broadening(td: TemplateDiff): string[] {
  const out: string[] = [];
  for (const s of td.iamChanges.statements.additions) {
    const r = s.render();
    if (r.effect === 'Allow')
      out.push(
        `IAM allow added: ${r.action} on ${r.resource}${r.principal ? ` for ${r.principal}` : ''}${r.condition ? ` when ${r.condition}` : ''}`.replace(
          /\s+/g,
          ' ',
        ),
      );
  }
  for (const s of td.iamChanges.statements.removals) {
    const r = s.render();
    if (r.effect === 'Deny') out.push(`IAM deny removed: ${r.action} on ${r.resource}`.replace(/\s+/g, ' '));
  }
  for (const m of td.iamChanges.managedPolicies.additions) out.push(`managed policy attached: ${m.managedPolicyArn} to ${m.identityArn}`.replace(/\s+/g, ' '));
  for (const rule of td.securityGroupChanges.ingress.additions)
    out.push(`ingress rule added: ${rule.groupId} from ${rule.describePeer()} ${rule.describeProtocol()}`.replace(/\s+/g, ' '));
  // The "no egress" rule (ICMP 252/86 to the broadcast address) matches no traffic: it
  // is how a group is made to initiate nothing, so adding it narrows, never widens.
  const noEgress = (r: { describePeer(): string; describeProtocol(): string }) =>
    r.describePeer() === NO_EGRESS.CidrIp && r.describeProtocol() === `ICMP ${NO_EGRESS.FromPort}-${NO_EGRESS.ToPort}`;
  for (const rule of td.securityGroupChanges.egress.additions.filter((r) => !noEgress(r)))
    out.push(`egress rule added: ${rule.groupId} to ${rule.describePeer()} ${rule.describeProtocol()}`.replace(/\s+/g, ' '));
  return [...new Set(out)].sort(compareStrings);
}

const keyChanges = (a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined) => {
  const before = a ?? {};
  const after = b ?? {};
  return {
    added: Object.keys(after)
      .filter((k) => !Object.hasOwn(before, k))
      .sort(compareStrings),
    removed: Object.keys(before)
      .filter((k) => !Object.hasOwn(after, k))
      .sort(compareStrings),
    modified: Object.keys(after)
      .filter((k) => Object.hasOwn(before, k) && !same(before[k], after[k]))
      .sort(compareStrings),
  };
};

/** The change of one template between two compiles; null when its text is the same. */
export function diffStack(template: string, beforeText: string | null, afterText: string | null): StackChange | null {
  if (beforeText === afterText) return null;
  const before = (beforeText === null ? { Resources: {} } : JSON.parse(beforeText)) as TemplateJson;
  const after = (afterText === null ? { Resources: {} } : JSON.parse(afterText)) as TemplateJson;
  const td = fullDiff(before, after);
  const resources: ResourceChange[] = [];
  const nestedUpdated: string[] = [];
  for (const id of [...td.resources.logicalIds].sort(compareStrings)) {
    const d = td.resources.get(id);
    if (!d.isDifferent) continue;
    if (onlyTemplateUrlChanged(d)) nestedUpdated.push(id);
    else resources.push(resourceChange(id, d));
  }
  const params = keyChanges(before.Parameters, after.Parameters);
  const outputs = keyChanges(before.Outputs, after.Outputs);
  return {
    template,
    change: beforeText === null ? 'add' : afterText === null ? 'remove' : 'modify',
    resources,
    nestedUpdated,
    parameters: { added: params.added, removed: params.removed },
    outputs,
    // A new stack's IAM and rules widen no existing principal's access (the rule pack
    // checks their shape); broadening is about stacks that already exist.
    broadening: beforeText === null ? [] : broadening(td),
  };
}
