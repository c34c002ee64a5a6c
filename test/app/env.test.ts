// src/app/env.ts wires the real adapters; what it adds of its own is the prefetch of slow calls.
import { describe, expect, it } from 'vitest';
import { prefetchable } from '../../src/app/env.js';

describe('prefetchable', () => {
  const counting = () => {
    const calls: string[] = [];
    const fn = async (a: string) => {
      calls.push(a);
      if (a === 'bad') throw new Error('early failure');
      return `${a}#${calls.length}`;
    };
    return { calls, fn };
  };

  it.each([
    { case: 'the first call takes the early result; later calls run afresh', start: 'x', call: ['x', 'x'], want: ['x#1', 'x#2'], calls: ['x', 'x'] },
    { case: 'without a start, every call runs', start: null, call: ['x'], want: ['x#1'], calls: ['x'] },
  ])('$case', async ({ start, call, want, calls: wantCalls }) => {
    const { calls, fn } = counting();
    const p = prefetchable(fn);
    if (start) p.start(start);
    const got: string[] = [];
    for (const a of call) got.push(await p.call(a));
    expect(got).toEqual(want);
    expect(calls).toEqual(wantCalls);
  });

  it('an early failure is not reported by itself; the first caller gets it, the next call runs again', async () => {
    const { calls, fn } = counting();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const p = prefetchable(fn);
      p.start('bad');
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
      await expect(p.call('bad')).rejects.toThrow('early failure');
      await expect(p.call('bad')).rejects.toThrow('early failure');
      expect(calls).toEqual(['bad', 'bad']);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
