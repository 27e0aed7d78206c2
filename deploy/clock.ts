// Time as deploy sees it: waiting and reading the clock go through one object, so tests
// run the whole rollout, polling included, without waiting. Every wait of deploy goes
// through a Pacer, which bounds it (--timeout) and ends it when the operator interrupts
// (SIGINT, SIGTERM): no loop of deploy can poll forever or outlive a Ctrl-C.

export interface Clock {
  /** Resolves after `ms`, or rejects at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
}

export const realClock: Clock = {
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  now: () => Date.now(),
};

/** The operator interrupted deploy (SIGINT, SIGTERM). */
export class Interrupted extends Error {
  constructor(readonly signalName: string) {
    super(`interrupted by ${signalName}`);
    this.name = 'Interrupted';
  }
}

/** A wait ran past deploy's --timeout. */
export class TimedOut extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimedOut';
  }
}

export function durationText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${String(m).padStart(2, '0')} min` : m ? `${m} min${s % 60 ? ` ${s % 60} s` : ''}` : `${s} s`;
}

/** Waits of one command: all of them end by one deadline, and on interruption. */
export class Pacer {
  readonly deadline: number;
  constructor(
    readonly clock: Clock,
    readonly timeoutMs: number,
    readonly signal?: AbortSignal,
  ) {
    this.deadline = clock.now() + timeoutMs;
  }

  /** Throws Interrupted when the operator asked to stop. */
  check(): void {
    if (this.signal?.aborted) throw this.signal.reason instanceof Interrupted ? this.signal.reason : new Interrupted('SIGINT');
  }

  /** Sleeps `ms` (no further than the deadline); `what` names the wait when it times out. */
  async pause(ms: number, what: string): Promise<void> {
    this.check();
    const left = this.deadline - this.clock.now();
    if (left <= 0) throw new TimedOut(`${what}: still not done after ${durationText(this.timeoutMs)} (--timeout)`);
    try {
      await this.clock.sleep(Math.min(ms, left), this.signal);
    } catch (e) {
      this.check();
      throw e;
    }
    this.check();
  }
}
