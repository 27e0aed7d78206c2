// The note `deploy --no-execute` leaves: which change set it made, from which output,
// for which stack, and what the stack was when it did. `deploy --change-set NAME` takes a
// change set only with its note, and only while every fact in it still holds: the
// change set executed is the one this reviewer's deploy made and printed, from these
// bytes, on the stack as it was then. A change set someone else made under the same
// name (after deleting this one), an output compiled from another commit, another
// stack, or a stack that moved since (an update, a rollback, a delete and re-create)
// is refused with the fact that broke.
//
// The note lives outside the output directory (compile replaces out/ whole):
// .tenantc/change-sets/<stack>.json under the working directory unless --note says.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { StackState } from './stackState.ts';

export const NOTE_FORMAT = 'tenantc-change-set-note/1';

export const defaultNotePath = (stack: string) => `.tenantc/change-sets/${stack}.json`;

/** What a stack was: its id, status and last change; `absent` before its first change set. */
export interface StackMark {
  readonly stackId: string | null;
  readonly status: string;
  /** LastUpdatedTime (or CreationTime) as ISO 8601, null when CloudFormation gives none. */
  readonly changedAt: string | null;
}

export interface ChangeSetNote {
  readonly format: typeof NOTE_FORMAT;
  readonly stack: string;
  readonly changeSet: { readonly name: string; readonly id: string };
  /** SHA-256 of the output's assets.json: the output the change set was made from. */
  readonly outputSha256: string;
  readonly bucket: string;
  /** The stack right after the change set was made. */
  readonly stackAtCreation: StackMark;
}

export function markOf(state: StackState): StackMark {
  switch (state.kind) {
    case 'absent':
      return { stackId: null, status: 'ABSENT', changedAt: null };
    case 'review':
      return { stackId: state.stackId, status: 'REVIEW_IN_PROGRESS', changedAt: null };
    case 'ready':
      return { stackId: state.stackId, status: state.status, changedAt: state.changedAt?.toISOString() ?? null };
    case 'busy':
      return { stackId: state.stackId, status: state.status, changedAt: state.since?.toISOString() ?? null };
    case 'rolled-back-create':
      return { stackId: state.stackId, status: 'ROLLBACK_COMPLETE', changedAt: null };
    case 'update-rollback-failed':
      return { stackId: state.stackId, status: 'UPDATE_ROLLBACK_FAILED', changedAt: null };
    case 'failed':
      return { stackId: null, status: state.status, changedAt: null };
  }
}

export function writeNote(cwd: string, path: string, note: ChangeSetNote): void {
  const at = resolve(cwd, path);
  mkdirSync(dirname(at), { recursive: true });
  // Written whole or not at all: a note half written is no note.
  const tmp = `${at}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(note, null, 2)}\n`);
  renameSync(tmp, at);
}

/** The note, or why there is none to trust. */
export function readNote(cwd: string, path: string): ChangeSetNote | string {
  const at = resolve(cwd, path);
  if (!existsSync(at)) return `no note ${path}: --change-set executes only a change set that deploy --no-execute made and noted (there, or at --note FILE)`;
  let note: ChangeSetNote;
  try {
    note = JSON.parse(readFileSync(at, 'utf8')) as ChangeSetNote;
  } catch {
    return `note ${path} is not JSON: make the change set again with --no-execute`;
  }
  if (note?.format !== NOTE_FORMAT) return `note ${path} is not a ${NOTE_FORMAT} note: make the change set again with --no-execute`;
  return note;
}

export interface Expected {
  readonly name: string;
  readonly stack: string;
  readonly outputSha256: string;
  readonly bucket: string;
}

/** Why the note does not bind this --change-set to this output and stack (before AWS is asked), or null. */
export function noteMismatch(note: ChangeSetNote, path: string, e: Expected): string | null {
  if (note.changeSet.name !== e.name) return `note ${path} is for change set ${note.changeSet.name}, not ${e.name}`;
  if (note.stack !== e.stack) return `note ${path} is for stack ${note.stack}, not ${e.stack}`;
  if (note.outputSha256 !== e.outputSha256)
    return `change set ${e.name} was noted for the output with assets.json sha256:${note.outputSha256}, this output is sha256:${e.outputSha256}: compile the commit that was reviewed`;
  if (note.bucket !== e.bucket) return `change set ${e.name} was noted with assets bucket ${note.bucket}, not ${e.bucket}`;
  return null;
}

/** Why the stack is no longer the one the change set was made for, or null. */
export function stackMoved(note: ChangeSetNote, now: StackMark): string | null {
  const then = note.stackAtCreation;
  const show = (m: StackMark) => `${m.status}${m.changedAt ? ` (last changed ${m.changedAt})` : ''}${m.stackId ? ` ${m.stackId}` : ''}`;
  if (then.stackId !== now.stackId || then.status !== now.status || then.changedAt !== now.changedAt)
    return `stack ${note.stack} moved since change set ${note.changeSet.name} was made: it was ${show(then)}, it is ${show(now)}`;
  return null;
}
