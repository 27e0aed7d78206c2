// Time as deploy sees it: waiting, reading the clock and drawing jitter go through one
// object, so tests run the whole rollout, retries and polling included, without waiting.

export interface Clock {
  sleep(ms: number): Promise<void>;
  now(): number;
  /** A number in [0, 1): jitter. */
  random(): number;
}

export const realClock: Clock = {
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => Date.now(),
  random: () => Math.random(),
};

/** Errors AWS returns when a caller is over its request rate. */
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown', 'RequestThrottled']);

export function isThrottling(e: unknown): boolean {
  return e instanceof Error && THROTTLING.has(e.name);
}

export const BACKOFF = { baseMs: 500, capMs: 20_000, attempts: 8 } as const;

/**
 * Retries `fn` while AWS throttles it, waiting a random time up to an exponentially
 * growing cap ("full jitter"), so that many callers backing off do not retry in step.
 * Any other error, or throttling past the last attempt, is the caller's.
 */
export async function withBackoff<T>(clock: Clock, fn: () => Promise<T>, onRetry?: (attempt: number, waitMs: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isThrottling(e) || attempt >= BACKOFF.attempts) throw e;
      const waitMs = Math.floor(clock.random() * Math.min(BACKOFF.capMs, BACKOFF.baseMs * 2 ** attempt));
      onRetry?.(attempt, waitMs);
      await clock.sleep(waitMs);
    }
  }
}
