// Executing the change set and following it to the end: the events of the root and of
// every nested stack it touches, each printed with progress (resources done of the
// change set's total, elapsed time), until the root reaches a final state. On failure
// the root cause is the first failure that is not a consequence of another (CloudFormation
// reports a nested failure again on every parent, and cancels siblings), found through
// the nested stacks.
import { DescribeStackEventsCommand, DescribeStacksCommand, ExecuteChangeSetCommand, type StackEvent } from '@aws-sdk/client-cloudformation';
import { inParallel } from './concurrent.ts';
import type { Aws } from './aws.ts';
import type { Pacer } from './clock.ts';

export interface DeployEvent {
  readonly elapsedMs: number;
  readonly done: number;
  readonly total: number;
  readonly path: string;
  readonly tenant: string | null;
  readonly logicalId: string;
  readonly type: string;
  readonly status: string;
  readonly reason: string | null;
}

export interface Failure {
  readonly path: string;
  readonly tenant: string | null;
  readonly logicalId: string;
  readonly type: string;
  readonly status: string;
  readonly reason: string;
}

export interface Outcome {
  readonly ok: boolean;
  /** The root stack's final status. */
  readonly status: string;
  readonly rootCause: Failure | null;
  /** Nested stacks this rollout created, which need the stack policy. */
  readonly created: readonly { readonly path: string; readonly stackId: string }[];
}

export interface WatchRequest {
  readonly stack: string;
  readonly stackId: string;
  readonly changeSetId: string;
  /** Resource changes in the whole change set tree: the denominator of progress. */
  readonly total: number;
  /** Nested stacks the change set updates, known before execution: path → stack id. */
  readonly nested: ReadonlyMap<string, string>;
  readonly tenantOf: ReadonlyMap<string, string>;
  readonly pollMs: number;
  readonly onEvent: (e: DeployEvent) => void;
  /** Makes a retried ExecuteChangeSet (a lost answer) the same request to CloudFormation. */
  readonly clientRequestToken: string;
  /**
   * Told once of each stack the rollout creates ('' the root), as soon as its id is in
   * an event, while it is still being created: deploy sets its stack policy there and
   * then, so an interruption never leaves a new stateful stack without one.
   */
  readonly onCreating?: (path: string, stackId: string) => Promise<void>;
}

/** A stack still running when deploy stopped following the rollout. */
export interface Running {
  readonly path: string;
  readonly tenant: string | null;
  readonly stackId: string;
}

/**
 * Deploy stopped following a rollout that CloudFormation goes on with: the operator
 * interrupted it, --timeout passed, or an error (credentials expired) ended the watch.
 */
export class WatchStopped extends Error {
  constructor(
    override readonly cause: unknown,
    readonly running: readonly Running[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'WatchStopped';
  }
}

/**
 * Stacks polled at once while following a rollout. Only the stacks the change set
 * touches are followed (a one-tenant change: the root, its group and its stack), so
 * this bounds a wide change's polling round without growing with the estate.
 */
export const WATCH_CONCURRENCY = 4;

const isFinal = (status: string) => !status.endsWith('_IN_PROGRESS');
const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
/** Failures that only repeat or follow another one. */
const CASCADE = [
  /^Resource (creation|update|deletion) cancelled/i,
  /The following resource\(s\) failed to/i,
  /^Embedded stack .* was not successfully/i,
  /cancelled by user/i,
];

interface Tracked {
  readonly stackId: string;
  readonly path: string;
  /** Its newest event seen. */
  last: string | null;
  finished: boolean;
}

/** The newest event id of a stack: events up to it belong to earlier operations. */
async function newestEventId(aws: Aws, stackId: string): Promise<string | null> {
  const r = await aws.cfn.send(new DescribeStackEventsCommand({ StackName: stackId }));
  return r.StackEvents?.[0]?.EventId ?? null;
}

/** Events newer than `after`, oldest first (DescribeStackEvents pages newest first). */
async function eventsSince(aws: Aws, stackId: string, after: string | null, notBefore: Date | null): Promise<StackEvent[]> {
  const out: StackEvent[] = [];
  let token: string | undefined;
  pages: do {
    const r = await aws.cfn.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: token }));
    for (const e of r.StackEvents ?? []) {
      if (e.EventId === after || (notBefore && e.Timestamp && e.Timestamp < notBefore)) break pages;
      out.push(e);
    }
    token = r.NextToken;
  } while (token);
  return out.reverse();
}

export async function executeAndWatch(aws: Aws, r: WatchRequest, pacer: Pacer): Promise<Outcome> {
  const root: Tracked = { stackId: r.stackId, path: '', last: await newestEventId(aws, r.stackId), finished: false };
  const tracked = new Map<string, Tracked>([[r.stackId, root]]);
  pacer.check();
  await aws.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: r.changeSetId, ClientRequestToken: r.clientRequestToken }));
  try {
    return await watch(aws, r, pacer, root, tracked);
  } catch (e) {
    const running = [...tracked.values()].filter((t) => !t.finished).map((t) => ({ path: t.path, tenant: r.tenantOf.get(t.path) ?? null, stackId: t.stackId }));
    throw new WatchStopped(e, running.length ? running : [{ path: '', tenant: null, stackId: r.stackId }]);
  }
}

async function watch(aws: Aws, r: WatchRequest, pacer: Pacer, root: Tracked, tracked: Map<string, Tracked>): Promise<Outcome> {
  const started = aws.clock.now();
  // Nested stacks' earlier events are older than this operation's first root event.
  let operationStart: Date | null = null;
  const done = new Set<string>();
  const failures: (Failure & { at: number })[] = [];
  const created: { path: string; stackId: string }[] = [];
  const creating = new Set<string>();
  const announce = async (path: string, stackId: string) => {
    if (creating.has(stackId) || !r.onCreating) return;
    creating.add(stackId);
    await r.onCreating(path, stackId);
  };
  let rootStatus: string | null = null;

  const follow = (path: string, stackId: string) => {
    if (tracked.has(stackId)) return;
    const t: Tracked = { stackId, path, last: null, finished: false };
    tracked.set(stackId, t);
  };

  // Polls every stack still running; once the root is final, one more pass reads what
  // its nested stacks recorded meanwhile (a failure deep down is often only there).
  for (let drained = false; !drained; ) {
    const before = tracked.size;
    const finalBefore = rootStatus !== null;
    pacer.check();
    // Every unfinished stack is read side by side; their events are then handled in the
    // order the stacks were first seen, so the output is the same whatever answers first.
    const polled = [...tracked.values()].filter((x) => !x.finished);
    const eventsOf = new Map<Tracked, StackEvent[]>();
    await inParallel(
      polled,
      async (t) => {
        eventsOf.set(t, await eventsSince(aws, t.stackId, t.last, t === root ? null : operationStart));
      },
      WATCH_CONCURRENCY,
    );
    for (const t of polled) {
      for (const e of eventsOf.get(t)!) {
        t.last = e.EventId ?? t.last;
        const status = e.ResourceStatus ?? '';
        const logicalId = e.LogicalResourceId ?? '';
        const isStackItself = e.PhysicalResourceId === t.stackId || (e.ResourceType === 'AWS::CloudFormation::Stack' && e.StackId === e.PhysicalResourceId);
        if (isStackItself) {
          if (t === root && !operationStart && e.Timestamp) operationStart = e.Timestamp;
          if (t === root && status === 'CREATE_IN_PROGRESS') await announce('', t.stackId);
          if (isFinal(status)) {
            t.finished = true;
            if (t === root) rootStatus = status;
          }
          continue;
        }
        const path = t.path === '' ? logicalId : `${t.path}/${logicalId}`;
        if (e.ResourceType === 'AWS::CloudFormation::Stack' && e.PhysicalResourceId?.startsWith('arn:')) {
          // A nested stack: follow its own events (an existing one is known from the change
          // set). Followed even when already final: the cause of its failure is in there.
          follow(path, r.nested.get(path) ?? e.PhysicalResourceId);
          if (status === 'CREATE_IN_PROGRESS' || status === 'CREATE_COMPLETE') await announce(path, e.PhysicalResourceId);
          if (status === 'CREATE_COMPLETE') created.push({ path, stackId: e.PhysicalResourceId });
        }
        if (isFinal(status) && !done.has(path)) done.add(path);
        const tenant = r.tenantOf.get(t.path) ?? r.tenantOf.get(path) ?? null;
        const reason = e.ResourceStatusReason ?? null;
        if (status.endsWith('_FAILED'))
          failures.push({
            path: t.path,
            tenant,
            logicalId,
            type: e.ResourceType ?? '',
            status,
            reason: reason ?? 'no reason given',
            at: e.Timestamp?.getTime() ?? 0,
          });
        r.onEvent({
          elapsedMs: aws.clock.now() - started,
          done: Math.min(done.size, r.total),
          total: r.total,
          path: t.path,
          tenant,
          logicalId,
          type: e.ResourceType ?? '',
          status,
          reason,
        });
      }
    }
    if (rootStatus === null) await pacer.pause(r.pollMs, `stack ${r.stack} being updated`);
    else drained = finalBefore && tracked.size === before;
  }
  // The stack's own record is the final word on its status.
  const final: string = (await aws.cfn.send(new DescribeStacksCommand({ StackName: r.stackId }))).Stacks?.[0]?.StackStatus ?? rootStatus ?? 'UNKNOWN';
  const ok = SUCCESS.has(final);
  return { ok, status: final, rootCause: ok ? null : rootCause(failures), created };
}

/** The earliest failure that is not a cascade; among simultaneous ones, the deepest. */
export function rootCause(failures: readonly (Failure & { at: number })[]): Failure | null {
  const depth = (f: Failure) => (f.path === '' ? 0 : f.path.split('/').length);
  const byTime = [...failures].sort((a, b) => a.at - b.at || depth(b) - depth(a));
  const first = byTime.find((f) => !CASCADE.some((c) => c.test(f.reason))) ?? byTime[0];
  if (!first) return null;
  const { at: _at, ...failure } = first;
  return failure;
}
