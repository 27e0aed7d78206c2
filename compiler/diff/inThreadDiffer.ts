// Diffs templates in the calling thread: for tests and for tools that diff a handful.
// The CLI uses stackDiffer.ts's worker, which loads the registry off the main thread.
import { diffStack } from './diffStack.ts';
import type { StackDiffer } from './stackDiffer.ts';

export const inThreadDiffer: StackDiffer = {
  diff: async (pairs) => pairs.map((p) => diffStack(p.template, p.before, p.after)),
  close: async () => undefined,
};
