// What the root stack's status means for a deploy: create it, update it, or stop and
// say why (and what to do), for every state a stack can be left in.
import { DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import type { Aws } from './aws.ts';

export type StackState =
  /** No such stack: the change set creates it. */
  | { readonly kind: 'absent' }
  /** A CREATE change set was made and never executed: the next one is a CREATE too. */
  | { readonly kind: 'review'; readonly stackId: string }
  | {
      readonly kind: 'ready';
      readonly stackId: string;
      readonly status: string;
      readonly terminationProtection: boolean;
      /** When it last changed: a change set made before then is stale. */
      readonly changedAt: Date | null;
    }
  /** Its first create failed and rolled back: it can only be deleted. */
  | { readonly kind: 'rolled-back-create'; readonly stackId: string; readonly reason: string }
  | { readonly kind: 'update-rollback-failed'; readonly stackId: string; readonly reason: string }
  /** Another operation is running on it. */
  | { readonly kind: 'busy'; readonly stackId: string; readonly status: string; readonly since: Date | undefined }
  | { readonly kind: 'failed'; readonly status: string; readonly reason: string };

const READY = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

export function stateOf(s: Stack): StackState {
  const status = s.StackStatus ?? 'UNKNOWN';
  const reason = s.StackStatusReason ?? '';
  const stackId = s.StackId!;
  if (status === 'REVIEW_IN_PROGRESS') return { kind: 'review', stackId };
  if (READY.has(status))
    return {
      kind: 'ready',
      stackId,
      status,
      terminationProtection: s.EnableTerminationProtection === true,
      changedAt: s.LastUpdatedTime ?? s.CreationTime ?? null,
    };
  if (status === 'ROLLBACK_COMPLETE') return { kind: 'rolled-back-create', stackId, reason };
  if (status === 'UPDATE_ROLLBACK_FAILED') return { kind: 'update-rollback-failed', stackId, reason };
  if (status.endsWith('_IN_PROGRESS')) return { kind: 'busy', stackId, status, since: s.LastUpdatedTime ?? s.CreationTime };
  return { kind: 'failed', status, reason };
}

/** CloudFormation reports many expected answers (a missing stack or resource, nothing to update) as a ValidationError told apart by its message, not a code. */
export function isValidationError(e: unknown, pattern: RegExp): boolean {
  return e instanceof Error && e.name === 'ValidationError' && pattern.test(e.message);
}

const isAbsent = (e: unknown) => isValidationError(e, /does not exist/);

export async function describeStack(aws: Aws, name: string): Promise<StackState> {
  try {
    const r = await aws.cfn.send(new DescribeStacksCommand({ StackName: name }));
    const s = r.Stacks?.[0];
    return s ? stateOf(s) : { kind: 'absent' };
  } catch (e) {
    if (isAbsent(e)) return { kind: 'absent' };
    throw e;
  }
}

/** Why a deploy cannot go on from this state, and what the operator does about it. */
export function blockedBy(stack: string, state: StackState): string | null {
  switch (state.kind) {
    case 'busy':
      return `stack ${stack} is busy: ${state.status}${state.since ? ` since ${state.since.toISOString()}` : ''}. Another deploy or a console operation is running; wait for it to finish, then deploy again.`;
    case 'update-rollback-failed':
      return [
        `stack ${stack} is UPDATE_ROLLBACK_FAILED: a rollback could not restore some resources (${state.reason || 'no reason given'}).`,
        'Fix what blocked the rollback (see the stack events), then resume it:',
        `  aws cloudformation continue-update-rollback --stack-name ${stack} [--resources-to-skip <logical ids that cannot be restored>]`,
        'and deploy again once the stack is UPDATE_ROLLBACK_COMPLETE.',
      ].join('\n');
    case 'rolled-back-create':
      return [
        `stack ${stack} is ROLLBACK_COMPLETE: its first create failed and rolled back (${state.reason || 'no reason given'}), and such a stack cannot be updated.`,
        'Read the cause in its events, then deploy with --replace-failed to delete the empty stack and create it again.',
      ].join('\n');
    case 'failed':
      return `stack ${stack} is ${state.status}${state.reason ? ` (${state.reason})` : ''}: resolve it in CloudFormation before deploying.`;
    default:
      return null;
  }
}
