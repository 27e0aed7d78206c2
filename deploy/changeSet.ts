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
import type { Aws } from './aws.ts';

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
}

export async function createChangeSet(aws: Aws, r: ChangeSetRequest): Promise<{ id: string; stackId: string }> {
  const out = await aws.send(() =>
    aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: r.stack,
        ChangeSetName: r.name,
        ChangeSetType: r.type,
        TemplateURL: r.templateUrl,
        Parameters: Object.entries(r.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
        Capabilities: [...CAPABILITIES],
        IncludeNestedStacks: true,
        Description: r.description,
      }),
    ),
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

export async function waitForChangeSet(aws: Aws, id: string, pollMs: number): Promise<ChangeSetStatus> {
  for (;;) {
    const r = await aws.send(() => aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: id })));
    if (r.Status && DONE.has(r.Status)) {
      if (r.Status === 'CREATE_COMPLETE') return { kind: 'ready' };
      if (noChanges(r.Status, r.StatusReason)) return { kind: 'no-changes', reason: r.StatusReason ?? '' };
      return { kind: 'failed', status: r.Status, reason: r.StatusReason ?? 'no reason given' };
    }
    await aws.clock.sleep(pollMs);
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

/** Every page of a change set, then the change sets of its nested stacks, depth first. */
export async function describeChangeSetTree(aws: Aws, id: string, path = ''): Promise<ChangeSetNode> {
  const changes: ResourceChangeInfo[] = [];
  let token: string | undefined;
  let first: DescribeChangeSetCommandOutput | undefined;
  do {
    const page = await aws.send(() => aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: id, NextToken: token })));
    first ??= page;
    for (const c of page.Changes ?? []) {
      const i = info(c);
      if (i) changes.push(i);
    }
    token = page.NextToken;
  } while (token);
  const children: ChangeSetNode[] = [];
  for (const c of changes) {
    if (c.nestedChangeSetId) children.push(await describeChangeSetTree(aws, c.nestedChangeSetId, path === '' ? c.logicalId : `${path}/${c.logicalId}`));
  }
  return { id, stackId: first!.StackId!, path, changes, children };
}

export async function deleteChangeSet(aws: Aws, id: string): Promise<void> {
  await aws.send(() => aws.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: id })));
}
