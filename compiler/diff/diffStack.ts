// One template's change, resource by resource. What replaces is decided by
// @aws-cdk/cloudformation-diff from the CloudFormation registry's update semantics
// (@aws-cdk/aws-service-spec); IAM and security-group broadening by its IAM and
// network models. This module adds the property paths, the stateful flag, the risks of
// the risk table (riskTable.ts) and the IAM statements cloudformation-diff does not
// model (managed policies). Values are kept whole: renderers shorten what they show.
import { fullDiff, type ResourceDifference, type TemplateDiff } from '@aws-cdk/cloudformation-diff';
import { compareStrings } from '../diagnostics.ts';
import { NO_EGRESS } from '../emit/cfn/securityGroups.ts';
import { isStateful } from '../stateful.ts';
import type { Impact, ResourceChange, Risk, StackChange, ValueChange } from './model.ts';
import { matchRisks, type TemplateResource } from './riskTable.ts';

interface TemplateJson {
  readonly Parameters?: Record<string, unknown>;
  readonly Resources?: Record<string, TemplateResource>;
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

/** JSON of a value, whole. */
const json = (value: unknown): string => JSON.stringify(value) ?? 'undefined';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Where two values differ, as paths from the resource's top, in key order. */
export function valueChanges(before: unknown, after: unknown, path = ''): ValueChange[] {
  if (same(before, after)) return [];
  const at = (key: string) => (path === '' ? key : `${path}.${key}`);
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !Object.hasOwn(before, k))];
    return keys.flatMap((k) => {
      if (!Object.hasOwn(after, k)) return [{ path: at(k), from: json(before[k]) }];
      if (!Object.hasOwn(before, k)) return [{ path: at(k), to: json(after[k]) }];
      return valueChanges(before[k], after[k], at(k));
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length === after.length) return before.flatMap((v, i) => valueChanges(v, after[i], `${path}[${i}]`));
    // Lengths differ: say which elements came and went rather than re-indexing them all.
    const a = before.map((v) => JSON.stringify(v));
    const b = after.map((v) => JSON.stringify(v));
    const removed = a.filter((x) => !b.includes(x));
    const added = b.filter((x) => !a.includes(x));
    return [{ path, added, removed }];
  }
  return [{ path, from: json(before), to: json(after) }];
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

/** The risk table's findings on a modified resource, or on one added to a stack that exists (`before` null). */
function risksOf(before: TemplateResource | null, after: TemplateResource): Risk[] {
  return matchRisks(before, after, isStateful).map(({ entry, before: a, after: b }) => ({
    kind: entry.kind,
    rule: entry.id,
    property: entry.property,
    ...(a === undefined || a === null ? {} : { from: json(a) }),
    ...(b === undefined ? {} : { to: json(b) }),
    says: entry.says,
    reference: entry.reference,
  }));
}

/** `stackExists`: the stack is in the base too, so an added resource changes what an existing stack trusts. */
function resourceChange(logicalId: string, d: ResourceDifference, stackExists: boolean): ResourceChange {
  const type = (d.newValue?.Type ?? d.oldValue?.Type) as string;
  const change = d.isAddition ? 'add' : d.isRemoval ? 'remove' : 'modify';
  const paths = change === 'modify' ? shortTemplateUrls(valueChanges(d.oldValue, d.newValue)) : [];
  return {
    logicalId,
    type,
    change,
    impact: IMPACT[d.changeImpact] ?? 'update',
    stateful: isStateful(type),
    paths,
    risks:
      change === 'modify'
        ? risksOf(d.oldValue as TemplateResource, d.newValue as TemplateResource)
        : change === 'add' && stackExists
          ? risksOf(null, d.newValue as TemplateResource)
          : [],
    causes: [],
  };
}

/** Only the nested template changed: CloudFormation updates that stack, nothing else. */
function onlyTemplateUrlChanged(d: ResourceDifference): boolean {
  if (d.isAddition || d.isRemoval || d.newValue?.Type !== 'AWS::CloudFormation::Stack') return false;
  const changes = valueChanges(d.oldValue, d.newValue);
  return changes.length > 0 && changes.every((c) => c.path === 'Properties.TemplateURL' || c.path.startsWith('Properties.TemplateURL.'));
}

/** The policy documents cloudformation-diff's IAM model does not read: managed policies'. */
function policyDocuments(r: TemplateResource | undefined): unknown[] {
  return r?.Type === 'AWS::IAM::ManagedPolicy' ? [r.Properties?.PolicyDocument] : [];
}

function statementsOf(doc: unknown): Record<string, unknown>[] {
  const st = (doc as { Statement?: unknown } | undefined)?.Statement;
  return (Array.isArray(st) ? st : st ? [st] : []).filter((s): s is Record<string, unknown> => s !== null && typeof s === 'object');
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Allow statements added to a managed policy that already exists (a changed statement
 * counts as added). cloudformation-diff reports those of inline and AWS::IAM::Policy
 * documents but not of AWS::IAM::ManagedPolicy, which is what every
 * tenant role carries: without this, a tier change that gives a role `Resource: "*"`
 * passes as "0 broadenings". A `*` in an action or resource is named as such.
 */
function policyStatementsAdded(before: TemplateJson, after: TemplateJson): string[] {
  const out: string[] = [];
  for (const [id, r] of Object.entries(after.Resources ?? {})) {
    const old = before.Resources?.[id];
    if (!old || old.Type !== r.Type) continue;
    const had = new Set(
      policyDocuments(old)
        .flatMap(statementsOf)
        .map((s) => JSON.stringify(s)),
    );
    for (const s of policyDocuments(r).flatMap(statementsOf)) {
      if (s.Effect !== 'Allow' || had.has(JSON.stringify(s))) continue;
      const actions = list(s.Action ?? s.NotAction).map(shown);
      const resources = list(s.Resource ?? s.NotResource).map(shown);
      const wild = [...actions, ...resources].some((x) => x.includes('*'));
      out.push(
        `IAM allow added to ${id}${typeof s.Sid === 'string' ? ` (${s.Sid})` : ''}: ${actions.join(' ')} on ${resources.join(' ')}${wild ? ' [wildcard]' : ''}`,
      );
    }
  }
  return out;
}

function broadening(td: TemplateDiff, before: TemplateJson, after: TemplateJson): string[] {
  const out: string[] = policyStatementsAdded(before, after);
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
    else resources.push(resourceChange(id, d, beforeText !== null));
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
    broadening: beforeText === null || afterText === null ? [] : broadening(td, before, after),
  };
}
