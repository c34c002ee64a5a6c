import { describe, expect, it } from 'vitest';
import { createEarly, takeEarly } from '../../src/run/early.js';

describe('createEarly / takeEarly (the early results of a run)', () => {
  it('start once per key; take once; takeOr uses the early result and says so', async () => {
    const p = createEarly();
    let runs = 0;
    p.start('k', async () => ++runs);
    p.start('k', async () => ++runs); // ignored: already started
    expect(await takeEarly(p, 'k', async () => -1)).toEqual({ value: 1, early: true });
    expect(await takeEarly(p, 'k', async () => -1)).toEqual({ value: -1, early: false }); // taken already
    p.start('k', async () => ++runs); // not again after it was taken
    expect(runs).toBe(1);
  });

  it.each([
    { case: 'an early failure is not reported: the work is done now', early: () => Promise.reject(new Error('early')), now: async () => 'now', want: { value: 'now', early: false } },
    { case: 'a synchronous throw in start counts as a failure', early: () => { throw new Error('sync'); }, now: async () => 'now', want: { value: 'now', early: false } },
    { case: 'nothing started: done now', early: null, now: async () => 'now', want: { value: 'now', early: false } },
  ])('$case', async ({ early, now, want }) => {
    const p = createEarly();
    if (early) p.start('k', early as () => Promise<string>);
    expect(await takeEarly(p, 'k', now)).toEqual(want);
  });

  it.each([
    { case: 'in place of work started before (stale since)', before: (p: ReturnType<typeof createEarly>) => p.start('k', async () => 'stale'), want: 'fresh' },
    { case: 'in place of work already taken', before: (p: ReturnType<typeof createEarly>) => (p.start('k', async () => 'old'), p.take('k')), want: 'fresh' },
    { case: 'where nothing started', before: () => undefined, want: 'fresh' },
  ])('replace(): $case, the new work is what take() gets', async ({ before, want }) => {
    const p = createEarly();
    before(p);
    p.replace('k', async () => 'fresh');
    expect(await takeEarly(p, 'k', async () => 'now')).toEqual({ value: want, early: true });
  });

  it('replace() after stop(): nothing starts', async () => {
    const p = createEarly();
    p.stop();
    let started = false;
    p.replace('k', async () => (started = true));
    expect(started).toBe(false);
  });

  it('when the work done now fails too, that error is the one reported', async () => {
    const p = createEarly();
    p.start('k', () => Promise.reject(new Error('early')));
    await expect(takeEarly(p, 'k', () => Promise.reject(new Error('now')))).rejects.toThrow('now');
  });

  it('stop() aborts the work nobody took, and the parent signal does too; nothing starts afterwards', async () => {
    const parent = new AbortController();
    const p = createEarly(parent.signal);
    const seen: AbortSignal[] = [];
    p.start('a', (signal) => (seen.push(signal), new Promise(() => {})));
    parent.abort();
    expect(seen[0]!.aborted).toBe(true);
    const q = createEarly();
    q.start('b', (signal) => (seen.push(signal), new Promise(() => {})));
    q.stop();
    expect(seen[1]!.aborted).toBe(true);
    let started = false;
    q.start('c', async () => (started = true));
    expect(started).toBe(false);
    expect(q.take('b')).toBeUndefined();
  });
});
