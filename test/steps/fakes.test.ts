// The strict fakes must themselves be strict: these tests prove they fail when they should.
import { describe, expect, it } from 'vitest';
import { FakeError, fakeWorld, match, any, scriptedPrompter, CallScript } from '../fakes.js';

describe('strict fakes', () => {
  it.each([
    {
      case: 'an unexpected call throws with the call and what was pending',
      run: async () => {
        const w = fakeWorld({ calls: [{ call: 'api.listLocations', args: ['p1'], result: [] }] });
        await w.env.api.getRepository('projects/x');
      },
      error: /unexpected call api.getRepository\('projects\/x'\)[\s\S]*api.listLocations\('p1'\)/,
    },
    {
      case: 'wrong arguments are unexpected',
      run: async () => {
        const w = fakeWorld({ calls: [{ call: 'api.listLocations', args: ['p1'], result: [] }] });
        await w.env.api.listLocations('p2');
      },
      error: /unexpected call api.listLocations\('p2'\)/,
    },
    {
      case: 'ordered: calls out of order are unexpected',
      run: async () => {
        const w = fakeWorld({ calls: [{ call: 'git.isRepo', result: true }, { call: 'git.shortSha', result: 'abc1234' }] });
        await w.env.git.shortSha();
      },
      error: /unexpected call git.shortSha/,
    },
    {
      case: 'assertDone fails when expected calls were not made',
      run: async () => {
        const w = fakeWorld({ calls: [{ call: 'docker.info', result: {} }] });
        w.assertDone();
      },
      error: /expected calls were not made:\s+docker.info/,
    },
    {
      case: 'assertDone fails when an unexpected call was swallowed by the code under test',
      run: async () => {
        const w = fakeWorld();
        await w.env.git.isRepo().catch(() => undefined);
        w.assertDone();
      },
      error: /unexpected calls were made: git.isRepo/,
    },
    {
      case: 'prompter: unexpected question',
      run: async () => {
        const p = scriptedPrompter([{ confirm: /Enable/, answer: true }]);
        await p.input({ message: 'Project ID' });
      },
      error: /unexpected input question: "Project ID"; expected a confirm/,
    },
    {
      case: 'prompter: answer not among the choices',
      run: async () => {
        const p = scriptedPrompter([{ select: /Region/, answer: 'mars-1' }]);
        await p.select({ message: 'Region', choices: [{ value: 'us', name: 'us' }] });
      },
      error: /not among the choices/,
    },
    {
      case: 'prompter: asking when not interactive',
      run: async () => {
        const p = scriptedPrompter([], false);
        await p.confirm({ message: 'Sure?' });
      },
      error: /not interactive/,
    },
    {
      case: 'prompter: unused answers fail assertDone',
      run: async () => {
        scriptedPrompter([{ confirm: /x/, answer: true }]).assertDone();
      },
      error: /scripted answers were not used/,
    },
  ])('$case', async ({ run, error }) => {
    const e = await run().then(() => null, (e) => e);
    expect(e).toBeInstanceOf(FakeError);
    expect(e.message).toMatch(error);
  });

  it('matchers, any, nested objects, times and optional', async () => {
    const s = new CallScript([
      { call: 'api.createRepository', args: [{ project: 'p', location: any, repositoryId: match((v) => String(v).endsWith('-repo')) }], result: { name: 'n', format: 'DOCKER' } },
      { call: 'docker.push', times: 2, result: { digest: 'sha256:1' } },
      { call: 'git.isRepo', optional: true },
    ]);
    const w = fakeWorld();
    void w;
    await expect(s.call('api.createRepository', [{ project: 'p', location: 'us', repositoryId: 'x-repo' }])).resolves.toEqual({ name: 'n', format: 'DOCKER' });
    await s.call('docker.push', ['a']);
    expect(() => s.assertDone()).toThrow(/docker.push/);
    await s.call('docker.push', ['b']);
    s.assertDone();
    await expect(s.call('docker.push', ['c'])).rejects.toThrow(FakeError);
  });

  it('results are copies: a step mutating a result cannot change the next answer', async () => {
    const w = fakeWorld({ calls: [{ call: 'dockerConfig.read', result: { a: 1 }, times: 2 }] });
    const first = await w.env.dockerConfig.read();
    first.a = 2;
    expect(await w.env.dockerConfig.read()).toEqual({ a: 1 });
    w.assertDone();
  });

  it('input answers are validated like inquirer re-asking', async () => {
    const p = scriptedPrompter([{ input: /ID/, answer: ['Bad', 'good-one'] }]);
    const v = await p.input({ message: 'ID', validate: (s) => (/^[a-z-]+$/.test(s) ? true : 'lowercase only') });
    expect(v).toBe('good-one');
    expect(p.asked[0].rejected).toEqual(['lowercase only']);
    p.assertDone();
  });

  it('fake clock: sleeping moves virtual time, never real time', async () => {
    const w = fakeWorld();
    const t0 = w.clock.now();
    // It has returned by the next turn of the event loop: no real timer is involved.
    let returned = false;
    void w.clock.sleep(60_000).then(() => (returned = true));
    await new Promise((r) => setImmediate(r));
    expect(returned).toBe(true);
    expect(w.clock.now() - t0).toBe(60_000);
    expect(w.clock.sleeps).toEqual([60_000]);
  });
});
