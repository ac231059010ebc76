import { setTimeout as sleep } from 'node:timers/promises';

/** How a call to a platform is tried again after a failure (start-up reads, acknowledgements, checks). */
export interface RetryPolicy {
  /** Waits between attempts in ms (the last one repeats); a 429's Retry-After replaces the wait. */
  waitsMs: readonly number[];
  /** Whether a failure may pass by itself; any other is thrown at once. */
  retryable: (error: unknown) => boolean;
  /** The wait a failure asks for (a 429's Retry-After), in ms; it replaces the planned wait. */
  retryAfterMs?: (error: unknown) => number | undefined;
  /** No attempt starts later than this many ms after the first: the last failure is thrown instead. */
  withinMs?: number;
  /** Ends the waiting: the abort reason is thrown. */
  signal?: AbortSignal;
  /** Told of each failure that is tried again, with the wait before the next attempt. */
  onRetry?: (error: unknown, waitMs: number) => void;
}

/**
 * Calls `call` (given the ms left of `withinMs`) until it succeeds, fails in a way that is not
 * retryable, runs out of time or is aborted.
 */
export async function withRetries<T>(
  call: (remainingMs: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  const started = performance.now();
  const budget = policy.withinMs ?? Number.POSITIVE_INFINITY;
  for (let attempt = 0; ; attempt++) {
    policy.signal?.throwIfAborted();
    try {
      return await call(budget - (performance.now() - started));
    } catch (error) {
      if (policy.signal?.aborted || !policy.retryable(error)) throw error;
      const backoff = policy.waitsMs[Math.min(attempt, policy.waitsMs.length - 1)] ?? 0;
      const asked = policy.retryAfterMs?.(error);
      const wait = asked === undefined ? backoff : Math.max(0, asked);
      if (performance.now() - started + wait >= budget) throw error;
      policy.onRetry?.(error, wait);
      await sleep(wait, undefined, policy.signal ? { signal: policy.signal } : {});
    }
  }
}
