// Two helpers every AWS-facing step of deploy shares: a bounded pool of requests in
// flight, and telling "not there" apart from a failure in an S3 answer.

/** Requests in flight at once: S3 takes thousands per second per prefix. */
const CONCURRENCY = 16;

export function isMissing(e: unknown): boolean {
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return e instanceof Error && (e.name === 'NoSuchKey' || e.name === 'NotFound' || status === 404);
}

/** Runs `fn` over `items`, `concurrency` at a time; the first error stops the workers taking more. */
export async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<void>, concurrency = CONCURRENCY): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
