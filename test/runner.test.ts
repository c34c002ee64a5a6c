import { describe, expect, it } from 'vitest';
import { runWizard, exitCodeFor, type RunEvent } from '../src/runner.js';
import type { Env, ProgressStore, Prompter, RunLock, SavedRun, WizardState } from '../src/ports.js';
import type { CheckResult, Flags, Step, StepId, StepOutcome } from '../src/steps/types.js';
import { CancelError, ExternalError, UserError } from '../src/errors.js';

// ---------- small strict fakes (local, so these tests do not depend on the steps' fakes) ----------

const IDS: StepId[] = ['preflight', 'project', 'region', 'repository', 'docker-auth', 'push', 'summary'];

type Behaviour = 'ok' | 'fail' | 'cancel' | 'hang' | 'abort-during';
interface StepSpec {
  run?: Behaviour;
  check?: CheckResult | 'throws';
}

function fakeSteps(spec: Partial<Record<StepId, StepSpec>>, log: string[], abort?: AbortController): Step[] {
  const outState: Partial<Record<StepId, Partial<WizardState>>> = {
    project: { project: 'demo-proj' },
    region: { location: 'southamerica-east1' },
    repository: { repository: 'demo-repo', repositoryName: 'projects/demo-proj/locations/southamerica-east1/repositories/demo-repo' },
    'docker-auth': { registryHost: 'southamerica-east1-docker.pkg.dev' },
    push: { imageUris: ['h/p/r/app:latest'], digest: 'sha256:abc' },
  };
  return IDS.map((id) => ({
    id,
    title: id[0].toUpperCase() + id.slice(1),
    explain: `why ${id}`,
    async check(): Promise<CheckResult> {
      log.push(`check:${id}`);
      const c = spec[id]?.check;
      if (!c) throw new Error(`unexpected check of ${id}`);
      if (c === 'throws') throw new ExternalError('the API is unreachable');
      return c;
    },
    async run(ctx, env, signal): Promise<StepOutcome> {
      log.push(`run:${id}`);
      const b = spec[id]?.run ?? 'ok';
      if (b === 'fail') throw new ExternalError('the API said no', { command: 'gcloud x', exitCode: 1 }, ['do this']);
      if (b === 'cancel') throw new CancelError();
      if (b === 'hang') return new Promise(() => {});
      if (b === 'abort-during') {
        abort!.abort();
        return new Promise(() => {});
      }
      ctx.report.activity(`doing ${id}`);
      return { state: outState[id] ?? {}, summary: `${id} ok`, commands: [`cmd ${id}`] };
    },
    plan: () => [`plan ${id}`],
  }));
}

function memStore(initial: SavedRun | null, log: string[]): ProgressStore & { saves: SavedRun[]; current: SavedRun | null } {
  const s = {
    path: '/tmp/progress.json',
    saves: [] as SavedRun[],
    current: initial,
    async latest() {
      log.push('store:latest');
      return s.current;
    },
    async save(run: SavedRun) {
      log.push(`store:save:${run.done.join(',')}`);
      s.saves.push(structuredClone(run));
      s.current = structuredClone(run);
    },
    async clear() {
      log.push('store:clear');
      s.current = null;
    },
  };
  return s;
}

function strictPrompter(interactive: boolean, answers: boolean[], log: string[]): Prompter {
  const fail = (k: string) => async () => {
    throw new Error(`unexpected prompt ${k}`);
  };
  return {
    interactive,
    select: fail('select') as Prompter['select'],
    search: fail('search') as Prompter['search'],
    input: fail('input'),
    async confirm(q) {
      log.push(`confirm:${q.message}`);
      if (!interactive) throw new Error('confirm while not interactive');
      if (answers.length === 0) throw new CancelError('cancelled (Ctrl-C at the question)');
      return answers.shift()!;
    },
  };
}

function strictEnv(prompter: Prompter): Env {
  const nope = (name: string) =>
    new Proxy({}, {
      get(_t, p) {
        throw new Error(`unexpected use of env.${name}.${String(p)}`);
      },
    });
  return {
    gcloud: nope('gcloud') as Env['gcloud'],
    api: nope('api') as Env['api'],
    docker: nope('docker') as Env['docker'],
    dockerConfig: nope('dockerConfig') as Env['dockerConfig'],
    git: nope('git') as Env['git'],
    files: nope('files') as Env['files'],
    prompter,
    clock: { now: () => 1_700_000_000_000, sleep: async () => {}, random: () => 0.5 },
    isRoot: false,
  };
}

const flags = (f: Partial<Flags> = {}): Flags => ({ yes: false, restart: false, dryRun: false, json: false, debug: false, ...f });

function savedRun(done: StepId[], state: Partial<WizardState> = { project: 'demo-proj', location: 'southamerica-east1' }): SavedRun {
  return { version: 1, key: '', updatedAt: '2026-01-01T00:00:00.000Z', done, state };
}

interface Case {
  name: string;
  saved?: SavedRun | null;
  spec?: Partial<Record<StepId, StepSpec>>;
  flags?: Partial<Flags>;
  interactive?: boolean;
  answers?: boolean[];
  expect: {
    status: 'done' | 'failed' | 'cancelled';
    exit: number;
    log: string[];
    finalDone?: StepId[] | null;
    events?: (string | RegExp)[];
    notEvents?: RegExp[];
  };
}

const ALL_SAVES = IDS.map((_, i) => `store:save:${IDS.slice(0, i + 1).join(',')}`);
const runAndSave = (ids: StepId[], before: StepId[] = []) =>
  ids.flatMap((id, i) => [`run:${id}`, `store:save:${[...before, ...ids.slice(0, i + 1)].join(',')}`]);

const cases: Case[] = [
  {
    name: 'fresh run: every step runs once, progress saved after each',
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', ...IDS.flatMap((id, i) => [`run:${id}`, ALL_SAVES[i]])],
      finalDone: IDS,
      events: ['run-start', 'step-start:preflight', 'step-activity:doing preflight', 'step-done:preflight:preflight ok', 'run-done'],
    },
  },
  {
    name: 'resume (non-interactive): done steps are re-checked, not re-run; says so',
    saved: savedRun(['preflight', 'project', 'region']),
    spec: { preflight: { check: { done: true } }, project: { check: { done: true, summary: 'demo-proj' } }, region: { check: { done: true } } },
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', 'check:preflight', 'check:project', 'check:region', ...runAndSave(['repository', 'docker-auth', 'push', 'summary'], ['preflight', 'project', 'region'])],
      finalDone: IDS,
      events: [/notice:Resuming saved progress \(step Repository, project demo-proj/, 'resume:repository', 'step-done:project:demo-proj:skipped'],
    },
  },
  {
    name: 'resume (interactive): asks first, then re-checks',
    saved: savedRun(['preflight']),
    interactive: true,
    answers: [true],
    spec: { preflight: { check: { done: true } } },
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', 'confirm:Resume where you stopped (step Project, project demo-proj, region southamerica-east1)?', 'check:preflight', ...runAndSave(IDS.slice(1), ['preflight'])],
      finalDone: IDS,
      events: ['step-prompt-start:Resume where you stopped', 'step-prompt-end'],
    },
  },
  {
    name: 'Ctrl-C at the resume question: nothing changes, the line names the saved next step',
    saved: savedRun(['preflight', 'project']),
    interactive: true,
    answers: [],
    spec: {},
    expect: {
      status: 'cancelled',
      exit: 130,
      log: ['store:latest', 'confirm:Resume where you stopped (step Region, project demo-proj, region southamerica-east1)?'],
      finalDone: ['preflight', 'project'],
      events: ['run-cancelled:Stopped. Run `registry-setup` again to resume from Region.'],
    },
  },
  {
    name: 'resume declined (interactive): saved progress cleared, fresh run',
    saved: savedRun(['preflight']),
    interactive: true,
    answers: [false],
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', 'confirm:Resume where you stopped (step Project, project demo-proj, region southamerica-east1)?', 'store:clear', ...runAndSave(IDS)],
      finalDone: IDS,
    },
  },
  {
    name: 'a re-check that says not done re-runs the step',
    saved: savedRun(['preflight', 'project']),
    spec: { preflight: { check: { done: true } }, project: { check: { done: false, why: 'the project is gone' } } },
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', 'check:preflight', 'check:project', 'store:save:preflight', ...runAndSave(IDS.slice(1), ['preflight'])],
      finalDone: IDS,
      events: [/notice:Project: done earlier, but the project is gone; running it again/],
    },
  },
  {
    name: 'a re-check that throws is treated as not done: the step runs again',
    saved: savedRun(['preflight', 'project']),
    spec: { preflight: { check: { done: true } }, project: { check: 'throws' } },
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', 'check:preflight', 'check:project', 'store:save:preflight', ...runAndSave(IDS.slice(1), ['preflight'])],
      finalDone: IDS,
      events: [/notice:Project: done earlier, but it could not be re-checked \(the API is unreachable\)/],
    },
  },
  {
    name: 'completed setup: re-checks every step quickly, no question',
    saved: savedRun(IDS),
    interactive: true,
    spec: Object.fromEntries(IDS.map((id) => [id, { check: { done: true } }])),
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', ...IDS.map((id) => `check:${id}`)],
      finalDone: IDS,
      events: [/notice:This setup was completed before/, 'run-done'],
    },
  },
  {
    name: '--restart clears saved progress and runs everything',
    saved: savedRun(['preflight', 'project']),
    flags: { restart: true },
    expect: { status: 'done', exit: 0, log: ['store:clear', ...runAndSave(IDS)], finalDone: IDS, events: [/notice:Saved progress discarded/] },
  },
  {
    name: 'a flag that contradicts the saved answers starts fresh and explains',
    saved: savedRun(['preflight', 'project']),
    flags: { project: 'other-proj' },
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', ...runAndSave(IDS)],
      finalDone: IDS,
      events: [/notice:Saved progress is for .*--project other-proj \(saved: demo-proj\)/],
    },
  },
  {
    name: 'failure: earlier steps stay saved, the error is reported, exit 1',
    spec: { repository: { run: 'fail' } },
    expect: {
      status: 'failed',
      exit: 1,
      log: ['store:latest', ...runAndSave(['preflight', 'project', 'region']), 'run:repository'],
      finalDone: ['preflight', 'project', 'region'],
      events: ['step-failed:repository:external', 'run-failed'],
      notEvents: [/run-done/],
    },
  },
  {
    name: 'Ctrl-C mid-step: the step is abandoned, progress consistent, exit 130, one resume line',
    spec: { region: { run: 'abort-during' } },
    expect: {
      status: 'cancelled',
      exit: 130,
      log: ['store:latest', ...runAndSave(['preflight', 'project']), 'run:region'],
      finalDone: ['preflight', 'project'],
      events: ['run-cancelled:Stopped. Run `registry-setup` again to resume from Region.'],
      notEvents: [/step-failed/],
    },
  },
  {
    name: 'CancelError from a prompt (Escape) is a cancel, not a failure',
    spec: { project: { run: 'cancel' } },
    expect: {
      status: 'cancelled',
      exit: 130,
      log: ['store:latest', ...runAndSave(['preflight']), 'run:project'],
      finalDone: ['preflight'],
      events: ['run-cancelled:Stopped. Run `registry-setup` again to resume from Project.'],
    },
  },
  {
    name: '--dry-run: nothing runs or is saved; the plan lists every step and command',
    flags: { dryRun: true, project: 'demo-proj' },
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest'],
      finalDone: null,
      events: ['plan:preflight,project,region,repository,docker-auth,push,summary:plan preflight|plan project|plan region|plan repository|plan docker-auth|plan push|plan summary', 'run-done'],
      notEvents: [/step-start/],
    },
  },
  {
    name: '--dry-run --restart does not clear saved progress',
    saved: savedRun(['preflight']),
    flags: { dryRun: true, restart: true },
    expect: { status: 'done', exit: 0, log: [], finalDone: ['preflight'], notEvents: [/step-start/] },
  },
];

function describeEvent(e: RunEvent): string {
  switch (e.type) {
    case 'step-start':
      return `step-start:${e.id}`;
    case 'step-activity':
      return `step-activity:${e.text}`;
    case 'step-done':
      return `step-done:${e.id}:${e.summary}${e.skipped ? ':skipped' : ''}`;
    case 'step-failed':
      return `step-failed:${e.id}:${e.error.kind}`;
    case 'notice':
      return `notice:${e.text}`;
    case 'resume':
      return `resume:${e.resumeFrom ?? ''}`;
    case 'step-prompt-start':
      return `step-prompt-start:${e.message}`;
    case 'run-cancelled':
      return `run-cancelled:${e.message}`;
    case 'plan':
      return `plan:${e.steps.map((s) => s.id).join(',')}:${e.steps.flatMap((s) => s.commands).join('|')}`;
    default:
      return e.type;
  }
}

describe('runWizard', () => {
  it.each(cases)('$name', async (c) => {
    const log: string[] = [];
    const ac = new AbortController();
    const store = memStore(c.saved ? structuredClone(c.saved) : null, log);
    const answers = [...(c.answers ?? [])];
    const env = strictEnv(strictPrompter(c.interactive ?? false, answers, log));
    const events: RunEvent[] = [];
    const r = await runWizard({ steps: fakeSteps(c.spec ?? {}, log, ac), env, store, flags: flags(c.flags), signal: ac.signal, sink: (e) => events.push(e) });
    expect(r.status).toBe(c.expect.status);
    expect(exitCodeFor(r)).toBe(c.expect.exit);
    expect(log).toEqual(c.expect.log);
    expect(answers).toEqual([]);
    if (c.expect.finalDone !== undefined) expect(store.current?.done ?? null).toEqual(c.expect.finalDone);
    const described = events.map(describeEvent);
    for (const want of c.expect.events ?? []) {
      const hit = described.some((d) => (typeof want === 'string' ? d.startsWith(want) : want.test(d)));
      expect(hit, `event ${String(want)} in\n${described.join('\n')}`).toBe(true);
    }
    for (const not of c.expect.notEvents ?? []) expect(described.filter((d) => not.test(d))).toEqual([]);
  });

  it('prefetch: steps still to run are offered early work before every step, with the state so far; done steps are not; what nobody took is stopped', async () => {
    const log: string[] = [];
    const ac = new AbortController();
    const steps = fakeSteps({}, log, ac);
    const seen: string[] = [];
    let leftSignal: AbortSignal | undefined;
    const push = steps.find((s) => s.id === 'push')!;
    push.prefetch = (ctx) => {
      seen.push(`push sees location=${ctx.state.location ?? '-'}`);
      ctx.prefetched!.start('never-taken', (signal) => ((leftSignal = signal), new Promise(() => {})));
    };
    const auth = steps.find((s) => s.id === 'docker-auth')!;
    auth.prefetch = (ctx) => {
      ctx.report.activity('no panel for early work'); // silent: must not reach the events
      ctx.prefetched!.start('auth', async () => {
        await new Promise((r) => setImmediate(r));
        ctx.report.note({ type: 'call', text: 'gcloud auth configure-docker h --quiet' }); // shown in the running step's panel
        ctx.report.note({ type: 'line', text: 'output of early work' }); // not shown
        return 'early result';
      });
    };
    const authRun = auth.run;
    let took: unknown;
    auth.run = async (ctx, env, signal) => {
      took = await ctx.prefetched!.take('auth');
      return authRun(ctx, env, signal);
    };
    const events: RunEvent[] = [];
    const r = await runWizard({ steps, env: strictEnv(strictPrompter(false, [], log)), store: memStore(null, log), flags: flags({}), signal: ac.signal, sink: (e) => events.push(e) });
    expect(r.status).toBe('done');
    expect(took).toBe('early result');
    // Offered before preflight, project, region, repository, docker-auth and push: 6 times; the location once region ran.
    expect(seen).toEqual([...Array(3).fill('push sees location=-'), ...Array(3).fill('push sees location=southamerica-east1')]);
    expect(events.map(describeEvent).filter((d) => /no panel/.test(d))).toEqual([]);
    const notes = events.filter((e): e is Extract<RunEvent, { type: 'step-note' }> => e.type === 'step-note');
    // In the panel of whichever step runs at that moment; only the command, not its output.
    expect(notes.map((n) => (n.note.type === 'line' ? n.note.text : ''))).toEqual(['meanwhile, for "Docker-auth": gcloud auth configure-docker h --quiet']);
    expect(IDS).toContain(notes[0]!.id);
    expect(leftSignal?.aborted).toBe(true);
  });

  it('prefetch on a re-run: a done step its re-check sends back to run starts its early work then, not in its turn; a step still in place does not', async () => {
    const log: string[] = [];
    const ac = new AbortController();
    const steps = fakeSteps({}, log, ac);
    let gate: (() => void) | undefined;
    const push = steps.find((s) => s.id === 'push')!;
    push.check = async () => {
      log.push('check:push');
      await new Promise<void>((r) => (gate = r));
      log.push('check:push~done');
      return { done: true };
    };
    push.prefetch = () => void log.push('prefetch:push');
    const summary = steps.find((s) => s.id === 'summary')!;
    summary.check = async () => ({ done: false, why: 'always shown' });
    summary.prefetch = (ctx) => {
      log.push(`prefetch:summary digest=${ctx.state.digest}`);
      ctx.prefetched!.start('listing', async () => 'early listing');
    };
    let took: unknown;
    summary.run = async (ctx) => {
      took = await ctx.prefetched!.take('listing');
      return { state: {}, summary: 'summary ok' };
    };
    for (const s of steps) if (!['push', 'summary'].includes(s.id)) s.check = async () => ({ done: true });
    const all: StepId[] = [...IDS];
    const p = runWizard({
      steps,
      env: strictEnv(strictPrompter(false, [], log)),
      store: memStore(savedRun(all, { project: 'demo-proj', location: 'southamerica-east1', repositoryName: 'r', digest: 'sha256:abc' }), log),
      flags: flags({}),
      signal: ac.signal,
      sink: () => {},
    });
    for (let n = 0; n < 200 && !gate; n++) await new Promise((r) => setTimeout(r, 1));
    // The summary's early work started while the push re-check is still out.
    expect(log).toContain('prefetch:summary digest=sha256:abc');
    gate?.();
    expect((await p).status).toBe('done');
    expect(took).toBe('early listing');
    expect(log.indexOf('prefetch:summary digest=sha256:abc')).toBeLessThan(log.indexOf('check:push~done'));
    expect(log.filter((l) => l.startsWith('prefetch:'))).toEqual(['prefetch:summary digest=sha256:abc']);
  });

  it('early re-checks: every re-check starts at once, before the first one is answered; each step still takes its own, in order', async () => {
    const log: string[] = [];
    const ac = new AbortController();
    const steps = fakeSteps({}, log, ac);
    /** Per gate: the check arrived at it / the test opens it. */
    const g = new Map<string, { arrived: Deferred; open: Deferred }>();
    const gate = (k: string) => g.get(k) ?? (g.set(k, { arrived: deferred(), open: deferred() }), g.get(k)!);
    for (const id of ['project', 'region', 'repository'] as StepId[]) {
      const s = steps.find((x) => x.id === id)!;
      s.check = async () => {
        log.push(`check:${id}`);
        const k = `${id}${log.filter((l) => l === `check:${id}`).length}`;
        gate(k).arrived.resolve();
        await gate(k).open.promise;
        log.push(`check:${id}~done`);
        // The region check is answered "not done", so that step runs.
        return id === 'region' ? { done: false, why: 'gone' } : { done: true };
      };
    }
    let ended = false;
    const p = runWizard({ steps, env: strictEnv(strictPrompter(false, [], log)), store: memStore(savedRun(['project', 'region', 'repository'], { project: 'demo-proj', location: 'southamerica-east1', repository: 'demo-repo' }), log), flags: flags({}), signal: ac.signal, sink: () => {} });
    const end = p.then(() => void (ended = true));
    // Answer the checks one by one, as they are asked for.
    for (const k of ['project1', 'region1', 'repository1']) {
      await Promise.race([gate(k).arrived.promise, end]);
      expect(ended, `the run ended before the check ${k} was asked for`).toBe(false);
      gate(k).open.resolve();
    }
    const r = await p;
    expect(r.status).toBe('done');
    expect(log.filter((l) => l.startsWith('check:'))).toEqual(['check:project', 'check:region', 'check:repository', 'check:project~done', 'check:region~done', 'check:repository~done']);
  });

  it('early re-checks: all are over before the first question (no step runs in between, so none can go stale); the one sent back is asked then with the others, and runs after the plan', async () => {
    const log: string[] = [];
    const ac = new AbortController();
    const steps = fakeSteps({ push: { ask: 'answer' } }, log, ac);
    // Each re-check is answered only once the runner waits for it (its re-check starts): a runner that
    // asked a step sent back before the later re-checks are over would log the ask first.
    const open = new Map<StepId, Deferred>(['project', 'region', 'repository'].map((id) => [id as StepId, deferred()]));
    for (const id of open.keys()) {
      steps.find((x) => x.id === id)!.check = async () => {
        log.push(`check:${id}`);
        await open.get(id)!.promise;
        log.push(`check:${id}~done`);
        return id === 'region' ? { done: false, why: 'gone' } : { done: true };
      };
    }
    const r = await runWizard({
      steps,
      env: strictEnv(strictPrompter(false, [], log)),
      store: memStore(savedRun(['project', 'region', 'repository'], { project: 'demo-proj', location: 'southamerica-east1', repository: 'demo-repo' }), log),
      flags: flags({}),
      signal: ac.signal,
      sink: (e) => {
        if (e.type === 'step-start' && e.recheck) {
          log.push(`event:step-start:${e.id}:recheck`);
          open.get(e.id)!.resolve();
        }
        if (e.type === 'step-undone' || e.type === 'plan') log.push(`event:${describeEvent(e).split(':').slice(0, 2).join(':')}`);
      },
    });
    expect(r.status).toBe('done');
    expect(log.filter((l) => /^(check:|ask:|exec:|event:)/.test(l))).toEqual([
      'check:project',
      'check:region',
      'check:repository',
      'exec:preflight',
      'event:step-start:project:recheck',
      'check:project~done',
      'event:step-start:region:recheck',
      'check:region~done',
      'event:step-undone:region',
      'event:step-start:repository:recheck',
      'check:repository~done',
      'ask:region',
      'ask:push',
      'event:plan:real',
      'exec:region',
      'exec:docker-auth',
      'exec:push',
      'exec:summary',
    ]);
  });

  it('saves the key once project, location and repository are known, and never unknown keys', async () => {
    const log: string[] = [];
    const store = memStore(null, log);
    const steps = fakeSteps({}, log);
    steps[1].run = async () => ({ state: { project: 'p1', token: 'ya29.secret' } as Partial<WizardState>, summary: 'p1' });
    await runWizard({ steps, env: strictEnv(strictPrompter(false, [], log)), store, flags: flags(), signal: new AbortController().signal, sink: () => {} });
    expect(store.saves.map((s) => s.key)).toEqual(['', '', '', 'p1/southamerica-east1/demo-repo', 'p1/southamerica-east1/demo-repo', 'p1/southamerica-east1/demo-repo', 'p1/southamerica-east1/demo-repo']);
    expect(JSON.stringify(store.saves)).not.toContain('ya29');
  });

  it('an abandoned step that keeps reporting after Ctrl-C is not heard any more', async () => {
    const log: string[] = [];
    const ac = new AbortController();
    const steps = fakeSteps({}, log);
    let later: (() => void) | undefined;
    steps[1].run = async (ctx) =>
      new Promise(() => {
        later = () => ctx.report.activity('still pushing');
        ac.abort();
      });
    const events: RunEvent[] = [];
    const r = await runWizard({ steps, env: strictEnv(strictPrompter(false, [], log)), store: memStore(null, log), flags: flags(), signal: ac.signal, sink: (e) => events.push(e) });
    expect(r.status).toBe('cancelled');
    later!();
    expect(events.at(-1)?.type).toBe('run-cancelled');
  });

  it('a step that hangs is abandoned as soon as the signal aborts', async () => {
    const log: string[] = [];
    const ac = new AbortController();
    const store = memStore(null, log);
    const steps = fakeSteps({ project: { run: 'hang' } }, log);
    const p = runWizard({ steps, env: strictEnv(strictPrompter(false, [], log)), store, flags: flags(), signal: ac.signal, sink: (e) => {
      if (e.type === 'step-start' && e.id === 'project') setImmediate(() => ac.abort());
    } });
    const r = await p;
    expect(r.status).toBe('cancelled');
    expect(store.current?.done).toEqual(['preflight']);
  });

  it('unreadable saved progress (e.g. from a newer version) stops before any step, with the error', async () => {
    const log: string[] = [];
    const store = memStore(null, log);
    store.latest = async () => {
      throw new UserError('the saved progress file was written by a newer registry-setup', ['run with --restart']);
    };
    const events: RunEvent[] = [];
    const r = await runWizard({ steps: fakeSteps({}, log), env: strictEnv(strictPrompter(false, [], log)), store, flags: flags(), signal: new AbortController().signal, sink: (e) => events.push(e) });
    expect(r.status).toBe('failed');
    expect(exitCodeFor(r)).toBe(1);
    expect(log).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['run-start', 'run-failed']);
  });

  it('a UserError failure keeps its fix lines for the error panel', async () => {
    const log: string[] = [];
    const steps = fakeSteps({}, log);
    steps[0].run = async () => {
      throw new UserError('Docker is not running', ['Start Docker Desktop']);
    };
    const events: RunEvent[] = [];
    const r = await runWizard({ steps, env: strictEnv(strictPrompter(false, [], log)), store: memStore(null, log), flags: flags(), signal: new AbortController().signal, sink: (e) => events.push(e) });
    expect(r.error?.kind).toBe('user');
    const failed = events.find((e) => e.type === 'step-failed');
    expect(failed && failed.type === 'step-failed' && failed.error.kind === 'user' ? failed.error.fix : null).toEqual(['Start Docker Desktop']);
  });
});

// ---------- one wizard at a time ----------

/** A strict fake lock: logs acquire/release; keys listed in `held` are refused; `stale` keys come with a notice. */
function fakeLock(log: string[], o: { held?: string[]; stale?: string[] } = {}): RunLock {
  return {
    dir: '/tmp/locks',
    async acquire(key) {
      log.push(`lock:${key}`);
      if (o.held?.includes(key)) throw new UserError(`another registry-setup is already working on ${key} (pid 7, started 2026-01-01T00:00:00.000Z); wait for it to finish or stop it`);
      return {
        ...(o.stale?.includes(key) ? { notice: `Took over a lock left by process 9 on ${key}.` } : {}),
        async release() {
          log.push(`unlock:${key}`);
        },
      };
    },
  };
}

const FOLDER = 'the folder /work/app';
const RKEY = 'demo-proj/southamerica-east1/demo-repo';
const withFiles = (env: Env): Env => ({ ...env, files: { cwd: '/work/app' } as Env['files'] });

interface LockCase {
  name: string;
  spec?: Partial<Record<StepId, StepSpec>>;
  flags?: Partial<Flags>;
  saved?: SavedRun;
  held?: string[];
  stale?: string[];
  abortAt?: StepId;
  expect: { status: 'done' | 'failed' | 'cancelled'; log: string[]; events?: (string | RegExp)[] };
}

const lockCases: LockCase[] = [
  {
    name: 'fresh run: folder locked first, P/L/R as soon as known (after the repository step), both released at the end',
    expect: {
      status: 'done',
      log: [`lock:${FOLDER}`, 'store:latest', ...runAndSave(['preflight', 'project', 'region', 'repository']), `lock:${RKEY}`, ...runAndSave(['docker-auth', 'push', 'summary'], ['preflight', 'project', 'region', 'repository']), `unlock:${FOLDER}`, `unlock:${RKEY}`],
    },
  },
  {
    name: 'flags name project, region and repository: P/L/R locked before the first step',
    flags: { project: 'demo-proj', region: 'southamerica-east1', repository: 'demo-repo' },
    expect: { status: 'done', log: [`lock:${FOLDER}`, 'store:latest', `lock:${RKEY}`, ...runAndSave(IDS), `unlock:${FOLDER}`, `unlock:${RKEY}`] },
  },
  {
    name: 'resume: the saved P/L/R is locked before the first re-check',
    saved: savedRun(['preflight', 'project', 'region', 'repository'], { project: 'demo-proj', location: 'southamerica-east1', repository: 'demo-repo' }),
    spec: { preflight: { check: { done: true } }, project: { check: { done: true } }, region: { check: { done: true } }, repository: { check: { done: true } } },
    expect: {
      status: 'done',
      log: [`lock:${FOLDER}`, 'store:latest', `lock:${RKEY}`, 'check:preflight', 'check:project', 'check:region', 'check:repository', ...runAndSave(['docker-auth', 'push', 'summary'], ['preflight', 'project', 'region', 'repository']), `unlock:${FOLDER}`, `unlock:${RKEY}`],
    },
  },
  {
    name: 'the repository changes on a re-run (the saved one is gone): the new P/L/R is locked and the old one released',
    saved: savedRun(['preflight', 'project', 'region', 'repository'], { project: 'demo-proj', location: 'southamerica-east1', repository: 'old-repo' }),
    spec: { preflight: { check: { done: true } }, project: { check: { done: true } }, region: { check: { done: true } }, repository: { check: { done: false, why: 'the repository is gone' } } },
    expect: {
      status: 'done',
      log: [
        `lock:${FOLDER}`,
        'store:latest',
        'lock:demo-proj/southamerica-east1/old-repo',
        'check:preflight',
        'check:project',
        'check:region',
        'check:repository',
        'store:save:preflight,project,region',
        'run:repository',
        'store:save:preflight,project,region,repository',
        `lock:${RKEY}`,
        'unlock:demo-proj/southamerica-east1/old-repo',
        ...runAndSave(['docker-auth', 'push', 'summary'], ['preflight', 'project', 'region', 'repository']),
        `unlock:${FOLDER}`,
        `unlock:${RKEY}`,
      ],
    },
  },
  {
    name: 'another run in this folder: refused before saved progress is even read',
    held: [FOLDER],
    expect: { status: 'failed', log: [`lock:${FOLDER}`], events: [/^run-failed:another registry-setup is already working on the folder \/work\/app \(pid 7/] },
  },
  {
    name: 'another run on the same P/L/R (other folder): refused once the key is known; what was done is saved; folder released',
    held: [RKEY],
    expect: {
      status: 'failed',
      log: [`lock:${FOLDER}`, 'store:latest', ...runAndSave(['preflight', 'project', 'region', 'repository']), `lock:${RKEY}`, `unlock:${FOLDER}`],
      events: [/^run-failed:another registry-setup is already working on demo-proj\/southamerica-east1\/demo-repo/],
    },
  },
  {
    name: 'a step fails: locks released',
    spec: { 'docker-auth': { run: 'fail' } },
    expect: {
      status: 'failed',
      log: [`lock:${FOLDER}`, 'store:latest', ...runAndSave(['preflight', 'project', 'region', 'repository']), `lock:${RKEY}`, 'run:docker-auth', `unlock:${FOLDER}`, `unlock:${RKEY}`],
    },
  },
  {
    name: 'Ctrl-C during a step: locks released',
    spec: { region: { run: 'abort-during' } },
    expect: { status: 'cancelled', log: [`lock:${FOLDER}`, 'store:latest', ...runAndSave(['preflight', 'project']), 'run:region', `unlock:${FOLDER}`] },
  },
  {
    name: 'a stale lock taken over: the notice is shown',
    stale: [FOLDER],
    expect: { status: 'done', log: [`lock:${FOLDER}`, 'store:latest', ...runAndSave(['preflight', 'project', 'region', 'repository']), `lock:${RKEY}`, ...runAndSave(['docker-auth', 'push', 'summary'], ['preflight', 'project', 'region', 'repository']), `unlock:${FOLDER}`, `unlock:${RKEY}`], events: ['notice:Took over a lock left by process 9 on the folder /work/app.'] },
  },
  {
    name: '--dry-run changes nothing and takes no lock',
    flags: { dryRun: true },
    expect: { status: 'done', log: ['store:latest'] },
  },
];

describe('runWizard: one wizard at a time', () => {
  it.each(lockCases)('$name', async (c) => {
    const log: string[] = [];
    const ac = new AbortController();
    const store = memStore(c.saved ? structuredClone(c.saved) : null, log);
    const events: RunEvent[] = [];
    const r = await runWizard({
      steps: fakeSteps(c.spec ?? {}, log, ac),
      env: withFiles(strictEnv(strictPrompter(false, [], log))),
      store,
      lock: fakeLock(log, { held: c.held, stale: c.stale }),
      flags: flags(c.flags),
      signal: ac.signal,
      sink: (e) => events.push(e),
    });
    expect(r.status).toBe(c.expect.status);
    expect(log).toEqual(c.expect.log);
    const described = events.map((e) => (e.type === 'run-failed' ? `run-failed:${e.error.message}` : describeEvent(e)));
    for (const want of c.expect.events ?? []) {
      const hit = described.some((d) => (typeof want === 'string' ? d.startsWith(want) : want.test(d)));
      expect(hit, `event ${String(want)} in\n${described.join('\n')}`).toBe(true);
    }
  });
});

describe('two runners at once over real files (progress store + lock files in one temp dir)', () => {
  /** Steps where preflight waits for `gate` (so the first runner is mid-run while the second starts). */
  function gatedSteps(log: string[], gate: Promise<void>, started: () => void): Step[] {
    const steps = fakeSteps({}, log);
    const run0 = steps[0].run;
    steps[0].run = async (ctx, env, signal) => {
      started();
      await gate;
      return run0(ctx, env, signal);
    };
    return steps;
  }

  interface TwoCase {
    case: string;
    a: { cwd: string; flags?: Partial<Flags> };
    b: { cwd: string; flags?: Partial<Flags> };
    bError: RegExp;
  }
  const twoCases: TwoCase[] = [
    { case: 'same folder', a: { cwd: '/w/app' }, b: { cwd: '/w/app' }, bError: /^another registry-setup is already working on the folder \/w\/app \(pid \d+, started [0-9T:.-]+Z\); wait for it to finish or stop it$/ },
    {
      case: 'same project/location/repository from two folders',
      a: { cwd: '/w/one', flags: { project: 'demo-proj', region: 'southamerica-east1', repository: 'demo-repo' } },
      b: { cwd: '/w/two', flags: { project: 'demo-proj', region: 'southamerica-east1', repository: 'demo-repo' } },
      bError: /^another registry-setup is already working on demo-proj\/southamerica-east1\/demo-repo \(pid \d+/,
    },
  ];

  it.each(twoCases)('$case: the second refuses clearly, the first finishes, saved progress stays valid, locks are gone after', async (c) => {
    const { mkdtempSync, readdirSync, readFileSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createProgressStore } = await import('../src/adapters/progress.js');
    const { createRunLock } = await import('../src/adapters/lock.js');
    const dir = mkdtempSync(join(tmpdir(), 'rs-two-'));
    const logA: string[] = [];
    const logB: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let aStarted!: () => void;
    const aIn = new Promise<void>((r) => (aStarted = r));
    const envFor = (cwd: string, log: string[]) => ({ ...strictEnv(strictPrompter(false, [], log)), files: { cwd } as Env['files'] });
    const storeA = createProgressStore({ cwd: c.a.cwd, configDir: dir });
    const storeB = createProgressStore({ cwd: c.b.cwd, configDir: dir });
    const a = runWizard({ steps: gatedSteps(logA, gate, aStarted), env: envFor(c.a.cwd, logA), store: storeA, lock: createRunLock({ dir }), flags: flags(c.a.flags), signal: new AbortController().signal, sink: () => {} });
    await aIn;
    const eventsB: RunEvent[] = [];
    const b = await runWizard({ steps: fakeSteps({}, logB), env: envFor(c.b.cwd, logB), store: storeB, lock: createRunLock({ dir }), flags: flags(c.b.flags), signal: new AbortController().signal, sink: (e) => eventsB.push(e) });
    expect(b.status).toBe('failed');
    expect(b.error?.message).toMatch(c.bError);
    expect(logB.filter((l) => l.startsWith('run:'))).toEqual([]); // the second did nothing
    expect(eventsB.map((e) => e.type)).toEqual(['run-start', 'run-failed']);
    open();
    const ra = await a;
    expect(ra.status).toBe('done');
    const file = JSON.parse(readFileSync(storeA.path, 'utf8'));
    expect(file.version).toBe(1);
    expect(Object.keys(file.runs)).toEqual([c.a.cwd]);
    expect(file.runs[c.a.cwd].done).toEqual(IDS);
    expect(statSync(storeA.path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith('.lock'))).toEqual([]);
    // Now that the first is done, the second runs.
    const again = await runWizard({ steps: fakeSteps({ preflight: { check: { done: true } } }, []), env: envFor(c.b.cwd, []), store: storeB, lock: createRunLock({ dir }), flags: flags({ ...c.b.flags, restart: true }), signal: new AbortController().signal, sink: () => {} });
    expect(again.status).toBe('done');
  });
});
