// The change set: created on the root with its nested stacks, waited for, read as a
// tree (a nested stack's change points at that stack's own change set), and deleted
// when it will not be executed.
import {
  type Capability,
  type Change,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { inParallel } from './concurrent.ts';
import type { Aws } from './aws.ts';
import type { Pacer } from './clock.ts';

/**
 * Tenant roles have names (CAPABILITY_NAMED_IAM); nested stacks in a change set are
 * expanded by CloudFormation (CAPABILITY_AUTO_EXPAND).
 */
export const CAPABILITIES: readonly Capability[] = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'];

export interface ResourceChangeInfo {
  /** Add, Modify, Remove, Import or Dynamic. */
  readonly action: string;
  readonly logicalId: string;
  readonly type: string;
  /** For a Modify: True, False or Conditional. */
  readonly replacement: string | null;
  /** What happens to the physical resource: Delete, Retain, Snapshot, ReplaceAndDelete, ... */
  readonly policyAction: string | null;
  /** What changes: Properties, Tags, Metadata, ... */
  readonly scope: readonly string[];
  readonly physicalId: string | null;
  /** A nested stack's own change set (IncludeNestedStacks). */
  readonly nestedChangeSetId: string | null;
}

export interface ChangeSetNode {
  readonly id: string;
  readonly stackId: string;
  /** Logical ids from the root down to this stack, joined by `/`; '' for the root. */
  readonly path: string;
  readonly changes: readonly ResourceChangeInfo[];
  readonly children: readonly ChangeSetNode[];
}

export interface ChangeSetRequest {
  readonly stack: string;
  readonly name: string;
  readonly type: 'CREATE' | 'UPDATE';
  readonly templateUrl: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly description: string;
  /** The service role CloudFormation acts with (--role-arn), if any. */
  readonly roleArn: string | null;
}

export async function createChangeSet(aws: Aws, r: ChangeSetRequest): Promise<{ id: string; stackId: string }> {
  const out = await aws.cfn.send(
    new CreateChangeSetCommand({
      StackName: r.stack,
      ChangeSetName: r.name,
      ChangeSetType: r.type,
      TemplateURL: r.templateUrl,
      Parameters: Object.entries(r.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
      Capabilities: [...CAPABILITIES],
      IncludeNestedStacks: true,
      Description: r.description,
      // The change set's name is unique to this run: a create the SDK retries after a
      // lost answer is recognised by CloudFormation instead of failing as a duplicate.
      ClientToken: r.name,
      ...(r.roleArn ? { RoleARN: r.roleArn } : {}),
    }),
  );
  return { id: out.Id!, stackId: out.StackId! };
}

export type ChangeSetStatus =
  | { readonly kind: 'ready' }
  /** CloudFormation found nothing to do. */
  | { readonly kind: 'no-changes'; readonly reason: string }
  | { readonly kind: 'failed'; readonly status: string; readonly reason: string };

/**
 * "No changes" is read from the change set's status and reason: FAILED with the reason
 * CloudFormation gives when the template and parameters change nothing. An empty list
 * of changes alone says nothing (a change set still being created has one too).
 */
export function noChanges(status: string | undefined, reason: string | undefined): boolean {
  return status === 'FAILED' && /didn't contain changes|No updates are to be performed/.test(reason ?? '');
}

const DONE = new Set(['CREATE_COMPLETE', 'FAILED', 'DELETE_COMPLETE', 'DELETE_FAILED']);

export async function waitForChangeSet(aws: Aws, id: string, pollMs: number, pacer: Pacer): Promise<ChangeSetStatus> {
  for (;;) {
    const r = await aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: id }));
    if (r.Status && DONE.has(r.Status)) {
      if (r.Status === 'CREATE_COMPLETE') return { kind: 'ready' };
      if (noChanges(r.Status, r.StatusReason)) return { kind: 'no-changes', reason: r.StatusReason ?? '' };
      return { kind: 'failed', status: r.Status, reason: r.StatusReason ?? 'no reason given' };
    }
    await pacer.pause(pollMs, `change set ${id} being created`);
  }
}

function info(c: Change): ResourceChangeInfo | null {
  const rc = c.ResourceChange;
  if (c.Type !== 'Resource' || !rc?.LogicalResourceId) return null;
  return {
    action: rc.Action ?? 'Modify',
    logicalId: rc.LogicalResourceId,
    type: rc.ResourceType ?? 'unknown',
    replacement: rc.Replacement ?? null,
    policyAction: rc.PolicyAction ?? null,
    scope: rc.Scope ?? [],
    physicalId: rc.PhysicalResourceId ?? null,
    nestedChangeSetId: rc.ChangeSetId ?? null,
  };
}

/**
 * Reads in flight at once while describing a change set tree: CloudFormation's describe
 * calls share a per-account rate of a few per second (the SDK's adaptive retry paces
 * them beyond that), so more workers would only be throttled.
 */
export const DESCRIBE_CONCURRENCY = 4;

/** Every page of a change set, then the change sets of its nested stacks, depth first. */
export async function describeChangeSetTree(aws: Aws, id: string, path = ''): Promise<ChangeSetNode> {
  const changes: ResourceChangeInfo[] = [];
  let token: string | undefined;
  let first: DescribeChangeSetCommandOutput | undefined;
  do {
    const page = await aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: id, NextToken: token }));
    first ??= page;
    for (const c of page.Changes ?? []) {
      const i = info(c);
      if (i) changes.push(i);
    }
    token = page.NextToken;
  } while (token);
  // The nested change sets of one level are read side by side, DESCRIBE_CONCURRENCY at a
  // time over the whole tree (each level's reads share the pool), in the order of changes.
  const nested = changes.filter((c) => c.nestedChangeSetId);
  const children: ChangeSetNode[] = new Array(nested.length);
  await inParallel(
    nested.map((c, i) => [c, i] as const),
    async ([c, i]) => {
      children[i] = await describeChangeSetTree(aws, c.nestedChangeSetId!, path === '' ? c.logicalId : `${path}/${c.logicalId}`);
    },
    DESCRIBE_CONCURRENCY,
  );
  return { id, stackId: first!.StackId!, path, changes, children };
}

export async function deleteChangeSet(aws: Aws, id: string): Promise<void> {
  await aws.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: id }));
}

export interface AdoptRequest {
  readonly stack: string;
  readonly name: string;
  /** The description deploy gives change sets made from this output (changeSetDescription). */
  readonly description: string;
  readonly parameters: Readonly<Record<string, string>>;
  /** When the stack last changed: a change set made before that is stale. */
  readonly stackChangedAt: Date | null;
  /** The id the note recorded (deploy/note.ts): a change set of that name with another id was made by someone else. */
  readonly expectedId: string;
}

export type Adopted = { readonly ok: true; readonly id: string; readonly stackId: string } | { readonly ok: false; readonly reason: string };

/**
 * `deploy --change-set NAME`: the change set a reviewer saw (`--no-execute` made it), if
 * it is still the one for this output and this stack. Each reason to refuse says what
 * changed. CloudFormation marks a change set OBSOLETE once any other update of the stack
 * ran; the creation time against the stack's last change is checked as well.
 */
export async function adoptChangeSet(aws: Aws, r: AdoptRequest): Promise<Adopted> {
  let cs: DescribeChangeSetCommandOutput;
  try {
    cs = await aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: r.name, StackName: r.stack }));
  } catch (e) {
    if (e instanceof Error && (e.name === 'ChangeSetNotFoundException' || e.name === 'ChangeSetNotFound' || /does not exist/.test(e.message)))
      return { ok: false, reason: `stack ${r.stack} has no change set ${r.name} (deleted, executed, or made for another stack)` };
    throw e;
  }
  if (cs.ChangeSetId !== r.expectedId)
    return {
      ok: false,
      reason: `change set ${r.name} is ${cs.ChangeSetId ?? 'without an id'}, not ${r.expectedId} that the note records: it was made by someone else (the reviewed one deleted and the name reused)`,
    };
  if (cs.Status !== 'CREATE_COMPLETE')
    return { ok: false, reason: `change set ${r.name} is ${cs.Status}${cs.StatusReason ? ` (${cs.StatusReason})` : ''}, not ready to execute` };
  if (cs.ExecutionStatus !== 'AVAILABLE') {
    const why =
      cs.ExecutionStatus === 'OBSOLETE'
        ? 'the stack was updated after it was made, so it no longer describes what would change'
        : cs.ExecutionStatus === 'EXECUTE_COMPLETE' || cs.ExecutionStatus === 'EXECUTE_IN_PROGRESS'
          ? 'it was executed already'
          : 'CloudFormation cannot execute it';
    return { ok: false, reason: `change set ${r.name} is ${cs.ExecutionStatus}: ${why}` };
  }
  if (cs.Description !== r.description)
    return {
      ok: false,
      reason: `change set ${r.name} was made from another output ("${cs.Description ?? ''}"; this one is "${r.description}"): compile the commit that was reviewed, or deploy without --change-set to make a new one`,
    };
  const given = new Map((cs.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));
  for (const [k, v] of Object.entries(r.parameters))
    if (given.get(k) !== v) return { ok: false, reason: `change set ${r.name} was made with ${k}=${given.get(k) ?? '(none)'}, not ${v}` };
  if (r.stackChangedAt && cs.CreationTime && cs.CreationTime < r.stackChangedAt)
    return {
      ok: false,
      reason: `change set ${r.name} was made at ${cs.CreationTime.toISOString()}, before the stack last changed (${r.stackChangedAt.toISOString()}): it is stale`,
    };
  return { ok: true, id: cs.ChangeSetId!, stackId: cs.StackId! };
}
