import { describe, expect, it } from 'vitest';
import { backoffDelay, retry, type RetryInfo } from '../src/retry.js';
import { CancelError } from '../src/errors.js';
import { fakeClock } from './fakes.js';

function failing(n: number, value = 'ok') {
  let calls = 0;
  const fn = async (attempt: number) => {
    calls++;
    if (attempt <= n) throw new Error(`fail ${attempt}`);
    return value;
  };
  return { fn, calls: () => calls };
}

describe('retry', () => {
  it.each([
    { case: 'succeeds first time', fails: 0, attempts: 3, want: 'ok', calls: 1, sleeps: [] as number[] },
    { case: 'succeeds on the third attempt', fails: 2, attempts: 5, want: 'ok', calls: 3, sleeps: [50, 100] },
    { case: 'caps the delay at maxMs', fails: 5, attempts: 6, want: 'ok', calls: 6, sleeps: [50, 100, 200, 400, 400] },
    { case: 'gives up after attempts', fails: 9, attempts: 3, want: /fail 3/, calls: 3, sleeps: [50, 100] },
  ])('$case', async ({ fails, attempts, want, calls, sleeps }) => {
    const clock = fakeClock({ randoms: [0.5] });
    const f = failing(fails);
    const infos: RetryInfo[] = [];
    const p = retry(f.fn, { attempts, baseMs: 100, maxMs: 800, clock, onRetry: (i) => infos.push(i) });
    if (typeof want === 'string') await expect(p).resolves.toBe(want);
    else await expect(p).rejects.toThrow(want);
    expect(f.calls()).toBe(calls);
    expect(clock.sleeps).toEqual(sleeps);
    expect(infos.map((i) => i.attempt)).toEqual(sleeps.map((_, i) => i + 2));
    expect(infos.every((i) => i.of === attempts)).toBe(true);
  });

  it('does not retry errors that are not retryable', async () => {
    const clock = fakeClock();
    const f = failing(5);
    await expect(retry(f.fn, { attempts: 5, baseMs: 10, maxMs: 100, clock, isRetryable: () => false })).rejects.toThrow('fail 1');
    expect(f.calls()).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('full jitter: delay is random in [0, cap)', () => {
    expect(backoffDelay(1, 1000, 10_000, 0)).toBe(0);
    expect(backoffDelay(3, 1000, 10_000, 0.25)).toBe(1000);
    expect(backoffDelay(10, 1000, 10_000, 0.9999999)).toBeLessThan(10_000);
  });

  it('stops when maxElapsedMs has passed', async () => {
    const clock = fakeClock({ randoms: [0.99] });
    const f = failing(100);
    await expect(retry(f.fn, { attempts: 100, baseMs: 1000, maxMs: 30_000, clock, maxElapsedMs: 60_000 })).rejects.toThrow(/fail/);
    const total = clock.sleeps.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(60_000);
    expect(f.calls()).toBeLessThan(100);
  });

  it('an aborted signal cancels between attempts', async () => {
    const clock = fakeClock();
    const ac = new AbortController();
    const fn = async () => {
      ac.abort();
      throw new Error('boom');
    };
    await expect(retry(fn, { attempts: 5, baseMs: 10, maxMs: 100, clock, signal: ac.signal })).rejects.toBeInstanceOf(CancelError);
    expect(clock.sleeps).toEqual([]);
    await expect(retry(async () => 1, { attempts: 5, baseMs: 10, maxMs: 100, clock, signal: ac.signal })).rejects.toBeInstanceOf(CancelError);
  });

  it('CancelError is never retried', async () => {
    const clock = fakeClock();
    let n = 0;
    await expect(retry(async () => { n++; throw new CancelError(); }, { attempts: 5, baseMs: 1, maxMs: 1, clock })).rejects.toBeInstanceOf(CancelError);
    expect(n).toBe(1);
  });
});
