import { describe, expect, it } from 'vitest';
import { memo, memoByKey, sharedWhileRunning, type Memo } from '../src/memo.js';

/** Work whose n-th run settles with results[n] (a string resolves, an Error rejects). */
function scripted(results: (string | Error)[]) {
  let runs = 0;
  const work = () => {
    const r = results[runs++];
    return r instanceof Error ? Promise.reject(r) : Promise.resolve(r!);
  };
  return { work, runs: () => runs };
}

const settle = (p: Promise<string>) => p.then((v) => v, (e: Error) => `error: ${e.message}`);

describe('memo', () => {
  interface Case {
    case: string;
    results: (string | Error)[];
    /** Each step's result, in order; steps run one after the other. */
    steps: ((m: Memo<string>) => Promise<string>)[];
    want: string[];
    runs: number;
  }
  const cases: Case[] = [
    { case: 'later calls share the first result', results: ['a', 'b'], steps: [(m) => m.get(), (m) => m.get()], want: ['a', 'a'], runs: 1 },
    { case: 'a failure is not kept', results: [new Error('x'), 'b'], steps: [(m) => m.get(), (m) => m.get(), (m) => m.get()], want: ['error: x', 'b', 'b'], runs: 2 },
    { case: 'renew starts again, later calls share the new result', results: ['a', 'b'], steps: [(m) => m.get(), (m) => m.renew(), (m) => m.get()], want: ['a', 'b', 'b'], runs: 2 },
    { case: 'renew with another function', results: ['a'], steps: [(m) => m.get(), (m) => m.renew(async () => 'fresh'), (m) => m.get()], want: ['a', 'fresh', 'fresh'], runs: 1 },
    { case: 'a failed renew is not kept', results: ['a', new Error('x'), 'c'], steps: [(m) => m.get(), (m) => m.renew(), (m) => m.get()], want: ['a', 'error: x', 'c'], runs: 3 },
    { case: 'reset forgets a result', results: ['a', 'b'], steps: [(m) => m.get(), async (m) => (m.reset(), 'reset'), (m) => m.get()], want: ['a', 'reset', 'b'], runs: 2 },
    { case: 'get(fn) starts fn when nothing is kept, else shares', results: ['a'], steps: [(m) => m.get(async () => 'f'), (m) => m.get()], want: ['f', 'f'], runs: 0 },
  ];
  it.each(cases)('$case', async (c) => {
    const w = scripted(c.results);
    const m = memo(w.work);
    const got: string[] = [];
    for (const step of c.steps) got.push(await settle(step(m)));
    expect(got).toEqual(c.want);
    expect(w.runs()).toBe(c.runs);
  });

  it('concurrent callers share one run', async () => {
    let runs = 0;
    let finish!: (v: string) => void;
    const m = memo(() => {
      runs++;
      return new Promise<string>((r) => (finish = r));
    });
    const all = Promise.all([m.get(), m.get(), m.get()]);
    finish('v');
    expect(await all).toEqual(['v', 'v', 'v']);
    expect(runs).toBe(1);
  });

  it('a failure of an old promise does not forget a newer one', async () => {
    let fail!: (e: Error) => void;
    const m = memo(() => new Promise<string>((_r, j) => (fail = j)));
    const old = settle(m.get());
    const fresh = m.renew(async () => 'new');
    fail(new Error('old'));
    expect(await old).toBe('error: old');
    expect(await m.get()).toBe('new');
    expect(await fresh).toBe('new');
  });
});

describe('memoByKey', () => {
  it('one shared run per key; the starting call gives the arguments; a failure is not kept', async () => {
    const calls: string[] = [];
    let failNext = true;
    const get = memoByKey(async (key: string, tag: string) => {
      calls.push(`${key}/${tag}`);
      if (key === 'bad' && failNext) {
        failNext = false;
        throw new Error('no');
      }
      return `${key} by ${tag}`;
    });
    expect(await Promise.all([get('a', 'first'), get('a', 'second'), get('b', 'third')])).toEqual(['a by first', 'a by first', 'b by third']);
    await expect(get('bad', 'one')).rejects.toThrow('no');
    expect(await get('bad', 'two')).toBe('bad by two');
    expect(calls).toEqual(['a/first', 'b/third', 'bad/one', 'bad/two']);
  });
});

describe('sharedWhileRunning', () => {
  it.each([
    { case: 'concurrent calls with one key: one run', keys: ['a', 'a'], sequential: false, runs: 1 },
    { case: 'concurrent calls with two keys: a run each', keys: ['a', 'b'], sequential: false, runs: 2 },
    { case: 'a call after the first settled: a run of its own', keys: ['a', 'a'], sequential: true, runs: 2 },
  ])('$case', async ({ keys, sequential, runs }) => {
    let n = 0;
    const get = sharedWhileRunning(async (k: string) => `${k}${++n}`);
    if (sequential) for (const k of keys) await get(k);
    else await Promise.all(keys.map((k) => get(k)));
    expect(n).toBe(runs);
  });

  it('a failure reaches every waiting caller and is not kept', async () => {
    let n = 0;
    const get = sharedWhileRunning(async () => {
      if (++n === 1) throw new Error('boom');
      return 'ok';
    });
    const both = await Promise.allSettled([get('k'), get('k')]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await get('k')).toBe('ok');
  });
});
