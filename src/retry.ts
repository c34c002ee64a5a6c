// Bounded exponential backoff with full jitter, on an injected clock.

import type { Clock } from './ports.js';
import { CancelError } from './errors.js';

export interface RetryInfo {
  /** The attempt that is about to run (2 for the first retry). */
  attempt: number;
  /** Total attempts allowed. */
  of: number;
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  /** Total attempts, including the first (≥ 1). */
  attempts: number;
  /** Backoff cap for attempt n is min(maxMs, baseMs · 2^(n-1)); the delay is random in [0, cap). */
  baseMs: number;
  maxMs: number;
  clock: Clock;
  signal?: AbortSignal;
  /** Whether an error is worth another attempt (default: every error). */
  isRetryable?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait. */
  onRetry?: (info: RetryInfo) => void;
  /** Stop retrying once this much time (by the clock) has passed since the first attempt. */
  maxElapsedMs?: number;
}

/** The delay before retry number `retry` (1-based): full jitter over the capped exponential. */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(Math.max(0, Math.min(0.999999, random)) * cap);
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelError('cancelled', { cause: signal.reason });
}

/** Run fn(attempt) until it succeeds, the error is not retryable, or attempts/time run out (last error thrown). */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const attempts = Math.max(1, Math.floor(opts.attempts));
  const start = opts.clock.now();
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(opts.signal);
    try {
      return await fn(attempt);
    } catch (e) {
      if (e instanceof CancelError) throw e;
      if (attempt >= attempts) throw e;
      if (opts.isRetryable && !opts.isRetryable(e, attempt)) throw e;
      let delayMs = backoffDelay(attempt, opts.baseMs, opts.maxMs, opts.clock.random());
      if (opts.maxElapsedMs !== undefined) {
        const left = start + opts.maxElapsedMs - opts.clock.now();
        if (left <= 0) throw e;
        delayMs = Math.min(delayMs, left);
      }
      throwIfAborted(opts.signal);
      opts.onRetry?.({ attempt: attempt + 1, of: attempts, delayMs, error: e });
      await opts.clock.sleep(delayMs, { signal: opts.signal });
      throwIfAborted(opts.signal);
    }
  }
}
