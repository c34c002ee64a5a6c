import { describe, expect, it } from 'vitest';
import { runWizard, exitCodeFor, type QuestionTerminal, type RunEvent, type RunResult } from '../src/runner.js';
import type { Env, ProgressStore, Prompter, RunLock, SavedRun, WizardState } from '../src/ports.js';
import type { CheckResult, Flags, Step, StepId, StepOutcome } from '../src/steps/types.js';
import { CancelError, ExternalError, UserError } from '../src/errors.js';
import { STATE_SCHEMA } from '../src/run/state.js';

// ---------- small strict fakes (local, so these tests do not depend on the steps' fakes) ----------

const IDS: StepId[] = ['preflight', 'project', 'region', 'repository', 'docker-auth', 'push', 'summary'];
/** Every step but the `before` one (preflight), in order. */
const REST = IDS.slice(1);

/** two-questions: asks two questions (env.prompter.confirm) while it executes, then succeeds. */
type ExecBehaviour = 'ok' | 'fail' | 'cancel' | 'hang' | 'abort-during' | 'two-questions';
/**
 * answer: returns its answer without a question (not interactive, or a flag gave it);
 * question / two-questions: asks that many questions (env.prompter.confirm), then answers;
 * question-then-fail: one question, then an error; none: the step has no ask().
 */
type AskBehaviour = 'answer' | 'question' | 'two-questions' | 'question-then-fail' | 'fail' | 'user-fail' | 'cancel' | 'none';
interface StepSpec {
  execute?: ExecBehaviour;
  /** Default: 'answer' for project, region and repository; 'none' for the others. */
  ask?: AskBehaviour;
  check?: CheckResult | 'throws';
  /** The step has a validate() (logged); 'fail' throws a UserError naming the flag. */
  validate?: 'ok' | 'fail';
}
type Spec = Partial<Record<StepId, StepSpec>>;

/** What the asks answer (the flags when given, as the real steps do). */
const ANSWERS: Partial<Record<StepId, (f: Flags) => Partial<WizardState>>> = {
  project: (f) => ({ project: f.project ?? 'demo-proj' }),
  region: (f) => ({ location: f.region ?? 'southamerica-east1' }),
  repository: (f) => ({ repository: f.repository ?? 'demo-repo' }),
};
/** What the executes return. */
const RESULTS: Partial<Record<StepId, Partial<WizardState>>> = {
  repository: { repositoryName: 'projects/demo-proj/locations/southamerica-east1/repositories/demo-repo' },
  'docker-auth': { registryHost: 'southamerica-east1-docker.pkg.dev' },
  push: { imageUris: ['h/p/r/app:latest'], digest: 'sha256:abc' },
};
const pathOf = (s: Partial<WizardState>) => `${s.project ?? 'P'}/${s.location ?? 'L'}/${s.repository ?? 'R'}`;
/** A fake step's commands: they name the values known so far. */
const commandOf = (id: StepId, s: Partial<WizardState>) => `cmd ${id} ${pathOf(s)}`;

function fakeSteps(spec: Spec, log: string[], abort?: AbortController): Step[] {
  return IDS.map((id): Step => {
    const askB = spec[id]?.ask ?? (ANSWERS[id] ? 'answer' : 'none');
    const readOnly = id === 'preflight' || id === 'summary';
    const v = spec[id]?.validate;
    return {
      id,
      title: id[0].toUpperCase() + id.slice(1),
      explain: `why ${id}`,
      ...(id === 'preflight' ? { before: true } : {}),
      ...(readOnly ? { readOnly: true } : { changes: ({ state }) => [`${id} changes ${pathOf(state)}`] }),
      ...(v
        ? {
            validate(f: Flags) {
              log.push(`validate:${id}`);
              if (v === 'fail') throw new UserError(`--${id} ${JSON.stringify(f.project)}: not a valid ID`, [`Pass a valid ID with --${id}.`]);
            },
          }
        : {}),
      ...(askB === 'none'
        ? {}
        : {
            async ask(ctx, env): Promise<Partial<WizardState>> {
              log.push(`ask:${id}`);
              if (askB === 'fail') throw new ExternalError('the look-up failed', { command: 'gcloud look', exitCode: 1 }, ['check the network']);
              if (askB === 'user-fail') throw new UserError(`${id} demo exists in another format`, [`Choose another name with --${id}`]);
              if (askB === 'cancel') throw new CancelError();
              const n = askB === 'two-questions' ? 2 : askB === 'question' || askB === 'question-then-fail' ? 1 : 0;
              for (let q = 1; q <= n; q++) await env.prompter.confirm({ message: `${id} question ${q}`, default: true });
              if (askB === 'question-then-fail') throw new ExternalError('the answer could not be checked');
              return ANSWERS[id]?.(ctx.flags) ?? {};
            },
          }),
      commands: ({ state }) => [commandOf(id, state)],
      async check(): Promise<CheckResult> {
        log.push(`check:${id}`);
        const c = spec[id]?.check;
        if (!c) throw new Error(`unexpected check of ${id}`);
        if (c === 'throws') throw new ExternalError('the API is unreachable');
        return c;
      },
      async execute(ctx, env): Promise<StepOutcome> {
        log.push(`exec:${id}`);
        const b = spec[id]?.execute ?? 'ok';
        if (b === 'two-questions') for (const q of [1, 2]) await env.prompter.confirm({ message: `${id} question ${q}`, default: true });
        if (b === 'fail') throw new ExternalError('the API said no', { command: 'gcloud x', exitCode: 1 }, ['do this']);
        if (b === 'cancel') throw new CancelError();
        if (b === 'hang') return new Promise(() => {});
        if (b === 'abort-during') {
          abort!.abort();
          return new Promise(() => {});
        }
        ctx.report.activity(`doing ${id}`);
        return { state: RESULTS[id] ?? {}, summary: `${id} ok` };
      },
    };
  });
}

function memStore(initial: SavedRun | null, log: string[], refuse?: (run: SavedRun) => boolean): ProgressStore & { saves: SavedRun[]; current: SavedRun | null } {
  const s = {
    path: '/tmp/progress.json',
    saves: [] as SavedRun[],
    current: initial,
    async latest() {
      log.push('store:latest');
      return s.current;
    },
    async save(run: SavedRun) {
      if (refuse?.(run)) throw new ExternalError('disk full');
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

/** Every port throws on use, except the working folder and the Docker config's path (the plan names them). */
function strictEnv(prompter: Prompter, cwd = '/work/app'): Env {
  const only = (name: string, allowed: Record<string, unknown> = {}): any =>
    new Proxy(allowed, {
      get(t, p) {
        if (typeof p === 'string' && p in t) return t[p];
        throw new Error(`unexpected use of env.${name}.${String(p)}`);
      },
    });
  return {
    gcloud: only('gcloud'),
    api: only('api'),
    docker: only('docker'),
    dockerConfig: only('dockerConfig', { path: '/home/u/.docker/config.json' }),
    git: only('git'),
    files: only('files', { cwd }),
    prompter,
    clock: { now: () => 1_700_000_000_000, sleep: async () => {}, random: () => 0.5 },
    isRoot: false,
  };
}

/** A strict terminal: logs; taking it twice, or giving it back when not taken, is an error. */
function strictTerminal(log: string[]): QuestionTerminal {
  let taken = false;
  return {
    async beforeQuestions() {
      log.push('terminal:before');
      if (taken) throw new Error('terminal taken twice');
      taken = true;
      await Promise.resolve(); // the UI pauses asynchronously: no question may come before this
      log.push('terminal:taken');
    },
    afterQuestions() {
      log.push('terminal:after');
      if (!taken) throw new Error('terminal given back without being taken');
      taken = false;
    },
  };
}

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}
function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const flags = (f: Partial<Flags> = {}): Flags => ({ yes: false, restart: false, dryRun: false, json: false, debug: false, ...f });

function savedRun(done: StepId[], state: Partial<WizardState> = { project: 'demo-proj', location: 'southamerica-east1' }): SavedRun {
  return { version: 1, key: '', updatedAt: '2026-01-01T00:00:00.000Z', done, state };
}

function describeEvent(e: RunEvent): string {
  switch (e.type) {
    case 'step-start':
      return `step-start:${e.id}${e.recheck ? ':recheck' : ''}`;
    case 'step-activity':
      return `step-activity:${e.text}`;
    case 'step-done':
      return `step-done:${e.id}:${e.summary}${e.skipped ? ':skipped' : ''}`;
    case 'step-undone':
      return `step-undone:${e.id}`;
    case 'step-failed':
      return `step-failed:${e.id}:${e.error.kind}`;
    case 'notice':
      return `notice:${e.text}`;
    case 'resume':
      return `resume:${e.resumeFrom ?? ''}`;
    case 'step-prompt-start':
      return `step-prompt-start:${e.message}`;
    case 'step-prompt-end':
      return `step-prompt-end:${e.id ?? ''}`;
    case 'run-cancelled':
      return `run-cancelled:${e.message}`;
    case 'run-failed':
      return `run-failed:${e.error.message}`;
    case 'plan':
      return `plan:${e.dryRun ? 'dry-run' : 'real'}:${e.steps.map((s) => s.id).join(',')}:${e.steps.flatMap((s) => s.commands).join('|')}`;
    default:
      return e.type;
  }
}

interface Setup {
  saved?: SavedRun | null;
  spec?: Spec;
  flags?: Partial<Flags>;
  interactive?: boolean;
  answers?: boolean[];
  terminal?: boolean;
  lock?: { held?: string[]; stale?: string[] };
  /** Events also written into the log as `event:…`, for order checks. */
  logEvents?: RunEvent['type'][];
  edit?: (steps: Step[], log: string[], ac: AbortController) => void;
  /** Saves the store refuses (the disk is full). */
  refuseSave?: (run: SavedRun) => boolean;
}

async function runCase(c: Setup) {
  const log: string[] = [];
  const ac = new AbortController();
  const store = memStore(c.saved ? structuredClone(c.saved) : null, log, c.refuseSave);
  const answers = [...(c.answers ?? [])];
  const steps = fakeSteps(c.spec ?? {}, log, ac);
  c.edit?.(steps, log, ac);
  const events: RunEvent[] = [];
  const r: RunResult = await runWizard({
    steps,
    env: strictEnv(strictPrompter(c.interactive ?? false, answers, log)),
    store,
    flags: flags(c.flags),
    signal: ac.signal,
    ...(c.lock ? { lock: fakeLock(log, c.lock) } : {}),
    ...(c.terminal ? { terminal: strictTerminal(log) } : {}),
    sink: (e) => {
      events.push(e);
      if (c.logEvents?.includes(e.type)) log.push(`event:${describeEvent(e)}`);
    },
  });
  return { r, log, events, store, answersLeft: answers, described: events.map(describeEvent) };
}

function expectEvents(described: string[], want: (string | RegExp)[] = [], not: RegExp[] = []): void {
  for (const w of want) {
    const hit = described.some((d) => (typeof w === 'string' ? d.startsWith(w) : w.test(d)));
    expect(hit, `event ${String(w)} in\n${described.join('\n')}`).toBe(true);
  }
  for (const n of not) expect(described.filter((d) => n.test(d))).toEqual([]);
}

// ---------- expected logs ----------

const ASKS = ['ask:project', 'ask:region', 'ask:repository'];
const PLAN_Q = 'confirm:Go ahead with this plan?';
const execAndSave = (ids: StepId[], before: StepId[] = []) =>
  ids.flatMap((id, i) => [`exec:${id}`, `store:save:${[...before, ...ids.slice(0, i + 1)].join(',')}`]);
/** A run from the first step: preflight, the questions, one save of the answers, then every other step. */
const FRESH = ['exec:preflight', 'store:save:preflight', ...ASKS, 'store:save:preflight', ...execAndSave(REST, ['preflight'])];

interface Case extends Setup {
  name: string;
  expect: {
    status: 'done' | 'failed' | 'cancelled';
    exit: number;
    log: string[];
    finalDone?: StepId[] | null;
    events?: (string | RegExp)[];
    notEvents?: RegExp[];
    stepStatus?: Partial<Record<StepId, RunResult['steps'][number]['status']>>;
  };
}

const cases: Case[] = [
  {
    name: 'fresh run: preflight, then the questions, then every step executes once; progress saved after each (and once with the answers)',
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', ...FRESH],
      finalDone: IDS,
      events: ['run-start', 'step-start:preflight', 'step-activity:doing preflight', 'step-done:preflight:preflight ok', 'run-done'],
    },
  },
  {
    name: 'resume (non-interactive): done steps are re-checked (after the `before` step, before the questions), not re-run nor asked again; says so',
    saved: savedRun(['preflight', 'project', 'region']),
    spec: { preflight: { check: { done: true } }, project: { check: { done: true, summary: 'demo-proj' } }, region: { check: { done: true } } },
    expect: {
      status: 'done',
      exit: 0,
      log: [
        'store:latest',
        // Every re-check starts at once (not the `before` step's: it executes every time).
        'check:project',
        'check:region',
        'exec:preflight',
        'ask:repository',
        'store:save:preflight,project,region',
        ...execAndSave(['repository', 'docker-auth', 'push', 'summary'], ['preflight', 'project', 'region']),
      ],
      finalDone: IDS,
      events: [/notice:Resuming saved progress \(step Repository, project demo-proj/, 'resume:repository', 'step-start:project:recheck', 'step-done:project:demo-proj:skipped', 'step-done:region:still in place:skipped'],
      notEvents: [/step-start:preflight:recheck/, /step-undone/, /runs again/],
    },
  },
  {
    name: 'resume (interactive): asks first, then re-checks; the plan is confirmed once',
    saved: savedRun(['preflight']),
    interactive: true,
    answers: [true, true],
    spec: { preflight: { check: { done: true } } },
    expect: {
      status: 'done',
      exit: 0,
      log: [
        'store:latest',
        'confirm:Resume where you stopped?',
        'exec:preflight',
        ...ASKS,
        'store:save:preflight',
        PLAN_Q,
        ...execAndSave(REST, ['preflight']),
      ],
      finalDone: IDS,
      events: ['step-prompt-start:Saved progress', 'step-prompt-end:preflight'],
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
      // (read again after the question, to say where the run resumes)
      log: ['store:latest', 'confirm:Resume where you stopped?', 'store:latest'],
      finalDone: ['preflight', 'project'],
      events: ['run-cancelled:Stopped. Run `registry-setup` again to resume from Region.'],
    },
  },
  {
    name: 'resume declined (interactive): saved progress cleared, fresh run',
    saved: savedRun(['preflight']),
    interactive: true,
    answers: [false, true],
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', 'confirm:Resume where you stopped?', 'store:clear', ...FRESH.slice(0, 6), PLAN_Q, ...FRESH.slice(6)],
      finalDone: IDS,
    },
  },
  {
    name: 'a re-check that says not done sends the step back before the questions: it is asked (its answers are saved already), planned with the others and runs again',
    saved: savedRun(['preflight', 'project']),
    spec: { preflight: { check: { done: true } }, project: { check: { done: false, why: 'the project is gone' } } },
    logEvents: ['step-undone', 'notice', 'plan'],
    expect: {
      status: 'done',
      exit: 0,
      log: [
        'store:latest',
        'event:notice:Resuming saved progress (step Region, project demo-proj, region southamerica-east1). Use --restart to start over.',
        'check:project',
        'exec:preflight',
        // Sent back: said, and saved without it, before any question.
        'event:step-undone:project',
        'event:notice:Project: done earlier, but the project is gone; it runs again.',
        'store:save:preflight',
        ...ASKS,
        'store:save:preflight',
        `event:plan:real:${IDS.join(',')}:${IDS.map((id) => commandOf(id, { project: 'demo-proj', location: 'southamerica-east1', repository: 'demo-repo' })).join('|')}`,
        ...execAndSave(REST, ['preflight']),
      ],
      finalDone: IDS,
      events: ['step-start:project:recheck'],
      notEvents: [/step-done:project:.*:skipped/],
      stepStatus: { project: 'done' },
    },
  },
  {
    name: 'a re-check that throws is treated as not done: the step is sent back and runs again',
    saved: savedRun(['preflight', 'project']),
    spec: { preflight: { check: { done: true } }, project: { check: 'throws' } },
    logEvents: ['step-undone', 'notice', 'plan'],
    expect: {
      status: 'done',
      exit: 0,
      log: [
        'store:latest',
        'event:notice:Resuming saved progress (step Region, project demo-proj, region southamerica-east1). Use --restart to start over.',
        'check:project',
        'exec:preflight',
        // Sent back: said, and saved without it, before any question.
        'event:step-undone:project',
        'event:notice:Project: done earlier, but it could not be re-checked (the API is unreachable); it runs again.',
        'store:save:preflight',
        ...ASKS,
        'store:save:preflight',
        `event:plan:real:${IDS.join(',')}:${IDS.map((id) => commandOf(id, { project: 'demo-proj', location: 'southamerica-east1', repository: 'demo-repo' })).join('|')}`,
        ...execAndSave(REST, ['preflight']),
      ],
      finalDone: IDS,
      events: ['step-start:project:recheck'],
      notEvents: [/step-done:project:.*:skipped/],
      stepStatus: { project: 'done' },
    },
  },
  {
    name: 'completed setup: re-checks every step quickly (the `before` step runs again), no question',
    saved: savedRun(IDS),
    interactive: true,
    spec: Object.fromEntries(IDS.map((id) => [id, { check: { done: true } }])),
    expect: {
      status: 'done',
      exit: 0,
      // Nothing changed: nothing is written.
      log: ['store:latest', ...REST.map((id) => `check:${id}`), 'exec:preflight'],
      finalDone: IDS,
      events: [/notice:This setup was completed before/, 'step-done:preflight:preflight ok', ...REST.map((id) => `step-done:${id}:still in place:skipped`), 'run-done'],
      notEvents: [/step-prompt-start/, /step-undone/, /^step-start:(?!preflight)[a-z-]+$/],
    },
  },
  {
    name: 'completed setup whose read-only summary runs again (as on every re-run): nothing is written',
    saved: savedRun(IDS),
    spec: { ...Object.fromEntries(IDS.map((id) => [id, { check: { done: true } }])), summary: { check: { done: false } } },
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', ...REST.map((id) => `check:${id}`), 'exec:preflight', 'exec:summary'],
      finalDone: IDS,
      events: ['step-undone:summary', 'step-done:summary:summary ok'],
      notEvents: [/notice:Summary/],
    },
  },
  {
    name: 'completed setup, but a step that changes something is gone: saved without it, then with it again',
    saved: savedRun(IDS),
    spec: { ...Object.fromEntries(IDS.map((id) => [id, { check: { done: true } }])), 'docker-auth': { check: { done: false, why: 'the entry is gone' } } },
    expect: {
      status: 'done',
      exit: 0,
      log: [
        'store:latest',
        ...REST.map((id) => `check:${id}`),
        'exec:preflight',
        `store:save:${IDS.filter((id) => id !== 'docker-auth').join(',')}`,
        'exec:docker-auth',
        `store:save:${IDS.join(',')}`,
      ],
      finalDone: IDS,
      events: [/notice:Docker-auth: done earlier, but the entry is gone; it runs again/],
    },
  },
  {
    name: '--restart clears saved progress and runs everything',
    saved: savedRun(['preflight', 'project']),
    flags: { restart: true },
    expect: { status: 'done', exit: 0, log: ['store:clear', ...FRESH], finalDone: IDS, events: [/notice:Saved progress discarded/] },
  },
  {
    name: 'a flag that contradicts the saved answers starts fresh and explains',
    saved: savedRun(['preflight', 'project']),
    flags: { project: 'other-proj' },
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest', ...FRESH],
      finalDone: IDS,
      events: [/notice:Saved progress is for .*--project other-proj \(saved: demo-proj\)/],
    },
  },
  {
    name: 'failure: earlier steps stay saved, the error is reported, exit 1',
    spec: { repository: { execute: 'fail' } },
    expect: {
      status: 'failed',
      exit: 1,
      log: ['store:latest', ...FRESH.slice(0, 6), ...execAndSave(['project', 'region'], ['preflight']), 'exec:repository'],
      finalDone: ['preflight', 'project', 'region'],
      events: ['step-failed:repository:external', 'run-failed'],
      notEvents: [/run-done/],
      stepStatus: { region: 'done', repository: 'failed', 'docker-auth': 'pending' },
    },
  },
  {
    name: 'Ctrl-C mid-step: the step is abandoned, progress consistent, exit 130, one resume line',
    spec: { region: { execute: 'abort-during' } },
    expect: {
      status: 'cancelled',
      exit: 130,
      log: ['store:latest', ...FRESH.slice(0, 6), ...execAndSave(['project'], ['preflight']), 'exec:region'],
      finalDone: ['preflight', 'project'],
      events: ['run-cancelled:Stopped. Run `registry-setup` again to resume from Region.'],
      notEvents: [/step-failed/],
      stepStatus: { project: 'done', region: 'cancelled' },
    },
  },
  {
    name: 'CancelError from a question (Escape) is a cancel, not a failure',
    spec: { project: { ask: 'cancel' } },
    expect: {
      status: 'cancelled',
      exit: 130,
      // (the answers so far are saved as the questions stop: none here, so nothing more is written)
      log: ['store:latest', 'exec:preflight', 'store:save:preflight', 'ask:project'],
      finalDone: ['preflight'],
      events: ['run-cancelled:Stopped. Run `registry-setup` again to resume from Project.'],
      notEvents: [/step-failed/, /step-start:project/],
      stepStatus: { preflight: 'done', project: 'cancelled' },
    },
  },
  {
    name: 'CancelError from a question while executing (push: rare) is a cancel, not a failure',
    spec: { push: { execute: 'cancel' } },
    expect: {
      status: 'cancelled',
      exit: 130,
      log: ['store:latest', ...FRESH.slice(0, 6), ...execAndSave(['project', 'region', 'repository', 'docker-auth'], ['preflight']), 'exec:push'],
      finalDone: ['preflight', 'project', 'region', 'repository', 'docker-auth'],
      events: ['run-cancelled:Stopped. Run `registry-setup` again to resume from Push.'],
      notEvents: [/step-failed/],
      stepStatus: { push: 'cancelled' },
    },
  },
  {
    name: '--dry-run: nothing runs, is asked or saved; the plan lists every step and command',
    flags: { dryRun: true, project: 'demo-proj' },
    expect: {
      status: 'done',
      exit: 0,
      log: ['store:latest'],
      finalDone: null,
      events: [`plan:dry-run:${IDS.join(',')}:${IDS.map((id) => commandOf(id, { project: 'demo-proj' })).join('|')}`, 'run-done'],
      notEvents: [/step-start/, /plan:real/, /step-prompt/],
    },
  },
  {
    name: '--dry-run --restart does not clear saved progress',
    saved: savedRun(['preflight']),
    flags: { dryRun: true, restart: true },
    expect: { status: 'done', exit: 0, log: [], finalDone: ['preflight'], notEvents: [/step-start/] },
  },
];

describe('runWizard', () => {
  it.each(cases)('$name', async (c) => {
    const { r, log, store, answersLeft, described } = await runCase(c);
    expect(r.status).toBe(c.expect.status);
    expect(exitCodeFor(r)).toBe(c.expect.exit);
    expect(log).toEqual(c.expect.log);
    expect(answersLeft).toEqual([]);
    if (c.expect.finalDone !== undefined) expect(store.current?.done ?? null).toEqual(c.expect.finalDone);
    expectEvents(described, c.expect.events, c.expect.notEvents);
    for (const [id, status] of Object.entries(c.expect.stepStatus ?? {})) expect(r.steps.find((s) => s.id === id)?.status, id).toBe(status);
  });

  it('early work: steps still to run are offered it before every step executes, with the state so far (the answers included); done steps are not; what nobody took is stopped', async () => {
    const log: string[] = [];
    const ac = new AbortController();
    const steps = fakeSteps({}, log, ac);
    const seen: string[] = [];
    let leftSignal: AbortSignal | undefined;
    const push = steps.find((s) => s.id === 'push')!;
    push.early = (ctx) => {
      seen.push(`push sees location=${ctx.state.location ?? '-'}`);
      ctx.early!.start('never-taken', (signal) => ((leftSignal = signal), new Promise(() => {})));
    };
    const auth = steps.find((s) => s.id === 'docker-auth')!;
    auth.early = (ctx) => {
      ctx.report.activity('no panel for early work'); // silent: must not reach the events
      ctx.early!.start('auth', async () => {
        await new Promise((r) => setImmediate(r));
        ctx.report.note({ type: 'call', text: 'gcloud auth configure-docker h --quiet' }); // shown in the running step's panel
        ctx.report.note({ type: 'line', text: 'output of early work' }); // not shown
        return 'early result';
      });
    };
    const authExecute = auth.execute;
    let took: unknown;
    auth.execute = async (ctx, env, signal) => {
      took = await ctx.early!.take('auth');
      return authExecute(ctx, env, signal);
    };
    const events: RunEvent[] = [];
    const r = await runWizard({ steps, env: strictEnv(strictPrompter(false, [], log)), store: memStore(null, log), flags: flags({}), signal: ac.signal, sink: (e) => events.push(e) });
    expect(r.status).toBe('done');
    expect(took).toBe('early result');
    // Offered before preflight, project, region, repository, docker-auth and push execute: 6 times;
    // the location (an answer) is known from the first step after the questions on.
    expect(seen).toEqual(['push sees location=-', ...Array(5).fill('push sees location=southamerica-east1')]);
    expect(events.map(describeEvent).filter((d) => /no panel/.test(d))).toEqual([]);
    const notes = events.filter((e): e is Extract<RunEvent, { type: 'step-note' }> => e.type === 'step-note');
    // In the panel of whichever step runs at that moment; only the command, not its output.
    expect(notes.map((n) => (n.note.type === 'line' ? n.note.text : ''))).toEqual(['meanwhile, for "Docker-auth": gcloud auth configure-docker h --quiet']);
    expect(IDS).toContain(notes[0]!.id);
    expect(leftSignal?.aborted).toBe(true);
  });

  it('early work on a re-run: a done step its re-check sends back to run starts its early work then, not in its turn; a step still in place does not', async () => {
    const log: string[] = [];
    const ac = new AbortController();
    const steps = fakeSteps({}, log, ac);
    const gate = deferred();
    const push = steps.find((s) => s.id === 'push')!;
    push.check = async () => {
      log.push('check:push');
      await gate.promise;
      log.push('check:push~done');
      return { done: true };
    };
    push.early = () => void log.push('early:push');
    const summary = steps.find((s) => s.id === 'summary')!;
    summary.check = async () => ({ done: false, why: 'always shown' });
    let listings = 0;
    summary.early = (ctx) => {
      log.push(`early:summary digest=${ctx.state.digest}`);
      ctx.early!.start('listing', async () => (listings++, 'early listing'));
    };
    let took: unknown;
    summary.execute = async (ctx) => {
      took = await ctx.early!.take('listing');
      return { state: {}, summary: 'summary ok' };
    };
    for (const s of steps) if (!['push', 'summary'].includes(s.id)) s.check = async () => ({ done: true });
    const r = await runWizard({
      steps,
      env: strictEnv(strictPrompter(false, [], log)),
      store: memStore(savedRun([...IDS], { project: 'demo-proj', location: 'southamerica-east1', repositoryName: 'r', digest: 'sha256:abc' }), log),
      flags: flags({}),
      signal: ac.signal,
      // The push re-check is answered only once the push step's turn has come.
      sink: (e) => {
        if (e.type === 'step-start' && e.id === 'push') {
          log.push('event:step-start:push');
          gate.resolve();
        }
      },
    });
    expect(r.status).toBe('done');
    expect(took).toBe('early listing');
    // The summary's early work started while the push re-check was still out, before push's turn.
    expect(log.indexOf('early:summary digest=sha256:abc')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('early:summary digest=sha256:abc')).toBeLessThan(log.indexOf('event:step-start:push'));
    expect(log.indexOf('event:step-start:push')).toBeLessThan(log.indexOf('check:push~done'));
    // Offered again before it executes (offers are idempotent): the work started early is the one taken, started once.
    expect([...new Set(log.filter((l) => l.startsWith('early:')))]).toEqual(['early:summary digest=sha256:abc']);
    expect(listings).toBe(1);
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

  it('saves the key once project, location and repository are known (after the questions), and never unknown keys', async () => {
    const { store } = await runCase({
      edit: (steps) => {
        steps[1].ask = async () => ({ project: 'p1', token: 'ya29.secret' }) as Partial<WizardState>;
      },
    });
    expect(store.saves.map((s) => s.done.at(-1) ?? '-')).toEqual(['preflight', 'preflight', ...REST]);
    expect(store.saves.map((s) => s.key)).toEqual(['', ...Array(7).fill('p1/southamerica-east1/demo-repo')]);
    expect(JSON.stringify(store.saves)).not.toContain('ya29');
  });

  it('the answers are saved before anything executes, with every key of STATE_SCHEMA and nothing else', async () => {
    const every: Required<WizardState> = {
      project: 'p1',
      location: 'southamerica-east1',
      repository: 'demo-repo',
      repositoryName: 'projects/p1/locations/southamerica-east1/repositories/demo-repo',
      registryHost: 'southamerica-east1-docker.pkg.dev',
      image: 'app',
      source: { local: 'app:dev' },
      localImage: 'app:dev',
      sha: null,
      imageUris: ['h/p/r/app:latest'],
      digest: 'sha256:abc',
      dockerConfigBackup: '/home/u/.docker/config.json.bak',
      createdRepository: true,
      warnings: ['a warning'],
      locations: ['southamerica-east1'],
      immutableTags: false,
      storage: { images: 1, bytes: 2 },
      enableApi: true,
      apiEnabledHere: false,
      repositoryExists: false,
      dockerEntryAdded: true,
      rebuild: false,
      account: 'ana@example.com',
      cleanup: { keep: 5 },
      cleanupPolicies: [{ id: 'keep-most-recent', action: 'KEEP', mostRecentVersions: { keepCount: 5 } }],
      cleanupSet: [{ id: 'keep-most-recent', action: 'KEEP', mostRecentVersions: { keepCount: 5 } }],
      cleanupReplaced: { policies: [{ id: 'keep-prod', action: 'KEEP', condition: { tagPrefixes: ['prod'] } }], dryRun: true },
    };
    const { store, log } = await runCase({
      edit: (steps) => {
        steps[1].ask = async () => ({ ...every, token: 'ya29.secret' }) as Partial<WizardState>;
        // An answer of the wrong type is not saved (and does not hide the rest).
        steps[2].ask = async () => ({ immutableTags: 'yes' }) as unknown as Partial<WizardState>;
      },
    });
    const afterAsks = store.saves[1]!;
    expect(log.indexOf('store:save:preflight', log.indexOf('store:save:preflight') + 1)).toBeLessThan(log.indexOf('exec:project'));
    expect(Object.keys(afterAsks.state).sort()).toEqual(Object.keys(STATE_SCHEMA).filter((k) => k !== 'immutableTags').sort());
    expect(afterAsks.state).toEqual(Object.fromEntries(Object.entries(every).filter(([k]) => k !== 'immutableTags')));
    expect(afterAsks.key).toBe('p1/southamerica-east1/demo-repo');
    expect(Object.keys(STATE_SCHEMA).sort()).toEqual(Object.keys(every).sort());
  });

  it("a step's save (before its outside change) is written at once, with the step not yet done; a failed save stops the step", async () => {
    const { store, log, r } = await runCase({
      edit: (steps, l) => {
        const exec = steps[3]!.execute;
        steps[3]!.execute = async (ctx, env, signal) => {
          await ctx.save({ cleanupSet: [{ id: 'keep-most-recent', action: 'KEEP', mostRecentVersions: { keepCount: 5 } }] });
          l.push('outside change');
          return exec(ctx, env, signal);
        };
      },
    });
    expect(r.status).toBe('done');
    const at = log.indexOf('outside change');
    expect(log[at - 1]).toBe('store:save:preflight,project,region');
    expect(store.saves.find((x) => x.state.cleanupSet)?.done).toEqual(['preflight', 'project', 'region']);
    expect(store.current?.state.cleanupSet).toHaveLength(1);

    const refused = await runCase({
      refuseSave: (run) => !!run.state.cleanupSet,
      edit: (steps, l) => {
        steps[3]!.execute = async (ctx) => {
          await ctx.save({ cleanupSet: [] });
          l.push('outside change');
          return { state: {}, summary: 'x' };
        };
      },
    });
    expect(refused.r.status).toBe('failed');
    expect(refused.r.error?.fullMessage).toMatch(/^save progress to \/tmp\/progress\.json: disk full$/);
    expect(refused.log).not.toContain('outside change');
  });

  it('an abandoned step that keeps reporting after Ctrl-C is not heard any more', async () => {
    const log: string[] = [];
    const ac = new AbortController();
    const steps = fakeSteps({}, log);
    let later: (() => void) | undefined;
    steps[1].execute = async (ctx) =>
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
    const steps = fakeSteps({ project: { execute: 'hang' } }, log);
    const p = runWizard({ steps, env: strictEnv(strictPrompter(false, [], log)), store, flags: flags(), signal: ac.signal, sink: (e) => {
      if (e.type === 'step-start' && e.id === 'project') setImmediate(() => ac.abort());
    } });
    const r = await p;
    expect(r.status).toBe('cancelled');
    expect(log.at(-1)).toBe('exec:project');
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
    steps[0].execute = async () => {
      throw new UserError('Docker is not running', ['Start Docker Desktop']);
    };
    const events: RunEvent[] = [];
    const r = await runWizard({ steps, env: strictEnv(strictPrompter(false, [], log)), store: memStore(null, log), flags: flags(), signal: new AbortController().signal, sink: (e) => events.push(e) });
    expect(r.error?.kind).toBe('user');
    const failed = events.find((e) => e.type === 'step-failed');
    expect(failed && failed.type === 'step-failed' && failed.error.kind === 'user' ? failed.error.fix : null).toEqual(['Start Docker Desktop']);
  });
});

// ---------- Validate, Ask, plan, confirm, Execute ----------

/** Positions in a log with `event:` lines. */
const at = (log: string[], pred: (l: string) => boolean) => log.findIndex(pred);
const lastAt = (log: string[], pred: (l: string) => boolean) => log.length - 1 - [...log].reverse().findIndex(pred);
const isExecOfRest = (l: string) => REST.some((id) => l === `exec:${id}`);
/** A step's start to execute (a re-check's start ends in `:recheck`). */
const isRestStart = (l: string) => REST.some((id) => l === `event:step-start:${id}`);
const isRecheckStart = (l: string) => /^event:step-start:[a-z-]+:recheck$/.test(l);
/** The end of a re-check: still in place (skipped), or sent back. */
const isRecheckEnd = (l: string) => /^event:step-done:.*:skipped$/.test(l) || l.startsWith('event:step-undone:');
const ORDER_EVENTS: RunEvent['type'][] = ['plan', 'step-start', 'step-done', 'step-undone'];
const ALL_DONE: Spec = Object.fromEntries(IDS.map((id) => [id, { check: { done: true } }]));

describe('runWizard: the `before` steps, then the re-checks of steps done earlier, then the questions, before anything else executes; one plan in between', () => {
  it.each<Setup & { name: string; asked: StepId[]; executed: StepId[]; rechecked: StepId[]; undone?: StepId[] }>([
    { name: 'fresh, not interactive', asked: ['project', 'region', 'repository'], executed: REST, rechecked: [] },
    {
      name: 'fresh, interactive, with questions',
      interactive: true,
      answers: [true, true, true, true],
      spec: { project: { ask: 'two-questions' }, push: { ask: 'question' } },
      asked: ['project', 'region', 'repository', 'push'],
      executed: REST,
      rechecked: [],
    },
    {
      name: 'every answer given by flags: each step is still asked (it decides what is missing)',
      flags: { project: 'p', region: 'r', repository: 'x' },
      asked: ['project', 'region', 'repository'],
      executed: REST,
      rechecked: [],
    },
    {
      name: 'resume: a step done earlier is re-checked, not asked again',
      saved: savedRun(['preflight', 'project', 'region']),
      spec: { preflight: { check: { done: true } }, project: { check: { done: true } }, region: { check: { done: true } } },
      asked: ['repository'],
      executed: ['repository', 'docker-auth', 'push', 'summary'],
      rechecked: ['project', 'region'],
    },
    {
      name: 'resume: a step done earlier that its re-check sends back is asked with the others (its answers are saved already) and executed again',
      saved: savedRun(['preflight', 'project', 'region']),
      spec: { preflight: { check: { done: true } }, project: { check: { done: false, why: 'gone' } }, region: { check: { done: true } } },
      asked: ['project', 'repository'],
      executed: ['project', 'repository', 'docker-auth', 'push', 'summary'],
      rechecked: ['project', 'region'],
      undone: ['project'],
    },
    { name: 'completed before: nobody is asked, nothing executes', saved: savedRun(IDS), spec: ALL_DONE, asked: [], executed: [], rechecked: REST },
  ])('$name', async (c) => {
    const { r, log, answersLeft } = await runCase({ ...c, logEvents: ORDER_EVENTS });
    expect(r.status).toBe('done');
    expect(answersLeft).toEqual([]);
    expect(log.filter((l) => l.startsWith('ask:'))).toEqual(c.asked.map((id) => `ask:${id}`));
    expect(log.filter(isExecOfRest)).toEqual(c.executed.map((id) => `exec:${id}`));
    expect(log.filter(isRecheckStart)).toEqual(c.rechecked.map((id) => `event:step-start:${id}:recheck`));
    expect(log.filter((l) => l.startsWith('event:step-undone:'))).toEqual((c.undone ?? []).map((id) => `event:step-undone:${id}`));
    expect(log.filter(isRestStart)).toEqual(c.executed.map((id) => `event:step-start:${id}`));
    // The `before` step (preflight) is the first to start (executed, even when done earlier) and is over before the first re-check and question.
    expect(log.find((l) => l.startsWith('event:step-start:'))).toBe('event:step-start:preflight');
    const beforeDone = at(log, (l) => l.startsWith('event:step-done:preflight'));
    expect(beforeDone).toBeGreaterThan(0);
    // One plan (not a dry run): after the preflight, the re-checks and every question, before any other
    // step starts. None when nothing will change (a finished setup still in place).
    const plans = log.filter((l) => l.startsWith('event:plan:'));
    if (!c.executed.length) {
      expect(plans).toEqual([]);
      expect(log.filter(isRecheckEnd)).toHaveLength(c.rechecked.length);
      return;
    }
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatch(/^event:plan:real:/);
    const plan = log.indexOf(plans[0]!);
    expect(plan).toBeGreaterThan(beforeDone);
    if (c.rechecked.length) {
      expect(at(log, isRecheckStart)).toBeGreaterThan(beforeDone);
      // Every re-check is over before the first question.
      const rechecksOver = lastAt(log, isRecheckEnd);
      expect(log.filter(isRecheckEnd)).toHaveLength(c.rechecked.length);
      expect(rechecksOver).toBeLessThan(plan);
      if (c.asked.length) expect(rechecksOver).toBeLessThan(at(log, (l) => l.startsWith('ask:')));
    }
    if (c.asked.length) {
      expect(at(log, (l) => l.startsWith('ask:'))).toBeGreaterThan(beforeDone);
      expect(lastAt(log, (l) => l.startsWith('ask:'))).toBeLessThan(plan);
    }
    if (c.executed.length) {
      expect(at(log, isRestStart)).toBeGreaterThan(plan);
      expect(at(log, isExecOfRest)).toBeGreaterThan(plan);
    }
  });
});

describe('runWizard: the plan holds every step\'s commands and changes, with the answers', () => {
  const P = (p: string, l: string, r: string) => ({ project: p, location: l, repository: r });
  const planned = (s: Partial<WizardState>, doneEarlier: StepId[] = []) =>
    IDS.map((id) => {
      const readOnly = id === 'preflight' || id === 'summary';
      const earlier = doneEarlier.includes(id);
      return {
        id,
        title: id[0].toUpperCase() + id.slice(1),
        explain: `why ${id}`,
        commands: [commandOf(id, s)],
        changes: readOnly || earlier ? [] : [`${id} changes ${pathOf(s)}`],
        ...(earlier ? { doneEarlier: true } : {}),
      };
    });
  it.each<Setup & { name: string; want: ReturnType<typeof planned>; commands: Partial<WizardState>; finishedEarly: StepId[]; earlyState: Partial<WizardState> }>([
    {
      name: 'fresh: the asked values in every command; what each changing step changes',
      want: planned(P('demo-proj', 'southamerica-east1', 'demo-repo')),
      commands: P('demo-proj', 'southamerica-east1', 'demo-repo'),
      finishedEarly: ['preflight'],
      earlyState: {},
    },
    {
      name: 'answers from flags',
      flags: { project: 'p', region: 'r', repository: 'x' },
      want: planned(P('p', 'r', 'x')),
      commands: P('p', 'r', 'x'),
      finishedEarly: ['preflight'],
      earlyState: {},
    },
    {
      // The `before` step executes in every run: it is never "done earlier", even when saved as done.
      name: 'resume: steps done earlier (confirmed by their re-check) are marked and change nothing',
      saved: savedRun(['preflight', 'project', 'region']),
      spec: { preflight: { check: { done: true } }, project: { check: { done: true } }, region: { check: { done: true } } },
      want: planned(P('demo-proj', 'southamerica-east1', 'demo-repo'), ['project', 'region']),
      commands: P('demo-proj', 'southamerica-east1', 'demo-repo'),
      finishedEarly: ['preflight', 'project', 'region'],
      earlyState: { project: 'demo-proj', location: 'southamerica-east1' },
    },
    {
      name: 'resume: a step done earlier that its re-check sends back is not marked: it changes what it changes',
      saved: savedRun(['preflight', 'project', 'region']),
      spec: { preflight: { check: { done: true } }, project: { check: { done: true } }, region: { check: { done: false, why: 'gone' } } },
      want: planned(P('demo-proj', 'southamerica-east1', 'demo-repo'), ['project']),
      commands: P('demo-proj', 'southamerica-east1', 'demo-repo'),
      finishedEarly: ['preflight', 'project'],
      earlyState: { project: 'demo-proj', location: 'southamerica-east1' },
    },
  ])('$name', async (c) => {
    const { r, events } = await runCase(c);
    expect(r.status).toBe('done');
    const plans = events.filter((e): e is Extract<RunEvent, { type: 'plan' }> => e.type === 'plan');
    expect(plans.map((p) => p.dryRun)).toEqual([false]);
    expect(plans[0]!.steps).toEqual(c.want);
    // The commands of the run (for the summary's script) come from commands(), with the state as the
    // step finished: the `before` step and the re-checks finished before the questions.
    const byStep = Object.fromEntries(IDS.map((id) => [id, [commandOf(id, c.finishedEarly.includes(id) ? c.earlyState : c.commands)]]));
    expect(r.commandsByStep).toEqual(byStep);
    const done = events.find((e) => e.type === 'run-done');
    expect(done?.type === 'run-done' ? done.commandsByStep : null).toEqual(byStep);
  });

  it('--dry-run: the steps done in saved progress are marked done earlier (and change nothing); nothing is re-checked, asked or executed', async () => {
    const { r, log, events } = await runCase({ saved: savedRun(['preflight', 'project', 'region']), flags: { dryRun: true, repository: 'x' } });
    expect(r.status).toBe('done');
    expect(log).toEqual(['store:latest']);
    const plans = events.filter((e): e is Extract<RunEvent, { type: 'plan' }> => e.type === 'plan');
    expect(plans.map((p) => p.dryRun)).toEqual([true]);
    // The `before` step is left to the known-bug test below.
    expect(plans[0]!.steps.slice(1)).toEqual(planned(P('demo-proj', 'southamerica-east1', 'x'), ['project', 'region']).slice(1));
  });
});

describe('runWizard: one confirmation of the plan, in a terminal, when something will change', () => {
  it.each<
    Setup & {
      name: string;
      want: {
        status: RunResult['status'];
        confirms: string[];
        executed: StepId[];
        message?: RegExp;
        finalDone?: StepId[];
        /** Sent back by their re-check (step-undone), before the plan. */
        undone?: StepId[];
        /** The plan's steps marked done earlier / with changes; the notices of steps sent back. */
        plan?: { doneEarlier: StepId[]; changing: StepId[] };
        runsAgain?: string[];
      };
    }
  >([
    { name: 'interactive: asked once, after the plan, before the first change', interactive: true, answers: [true], want: { status: 'done', confirms: [PLAN_Q], executed: REST } },
    {
      name: 'interactive, questions in the asks too: still exactly one confirmation, the last question',
      interactive: true,
      answers: [true, true, true],
      spec: { project: { ask: 'question' }, push: { ask: 'question' } },
      want: { status: 'done', confirms: ['confirm:project question 1', 'confirm:push question 1', PLAN_Q], executed: REST },
    },
    {
      name: 'declined: cancelled, nothing else executes, the message says nothing was changed; the answers are saved',
      interactive: true,
      answers: [false],
      want: { status: 'cancelled', confirms: [PLAN_Q], executed: [], message: /^Nothing was changed\. Your answers are saved: run `registry-setup` again when you are ready\.$/, finalDone: ['preflight'] },
    },
    {
      name: 'Ctrl-C at the confirmation: cancelled, nothing else executes, resumes from the first step to run',
      interactive: true,
      answers: [],
      want: { status: 'cancelled', confirms: [PLAN_Q], executed: [], message: /^Stopped\. Run `registry-setup` again to resume from Project\.$/, finalDone: ['preflight'] },
    },
    {
      name: 're-run where every step that changes something is done (the rest is read-only): not asked',
      interactive: true,
      answers: [true],
      saved: savedRun(['project', 'region', 'repository', 'docker-auth', 'push']),
      spec: { project: { check: { done: true } }, region: { check: { done: true } }, repository: { check: { done: true } }, 'docker-auth': { check: { done: true } }, push: { check: { done: true } } },
      want: { status: 'done', confirms: ['confirm:Resume where you stopped?'], executed: ['summary'] },
    },
    { name: 'completed before: not asked', interactive: true, saved: savedRun(IDS), spec: ALL_DONE, want: { status: 'done', confirms: [], executed: [] } },
    {
      name: 'completed before, but one re-check fails (the docker-auth entry is gone): the plan shows that step to run, confirmed once; then only it runs (and the read-only summary)',
      interactive: true,
      answers: [true],
      saved: savedRun(IDS, { project: 'demo-proj', location: 'southamerica-east1', repository: 'demo-repo', registryHost: 'southamerica-east1-docker.pkg.dev' }),
      spec: {
        ...ALL_DONE,
        'docker-auth': { check: { done: false, why: '/home/u/.docker/config.json has no credHelpers entry for southamerica-east1-docker.pkg.dev' } },
        summary: { check: { done: false, why: 'the summary is always shown' } },
      },
      want: {
        status: 'done',
        confirms: [PLAN_Q],
        executed: ['docker-auth', 'summary'],
        finalDone: IDS,
        undone: ['docker-auth', 'summary'],
        plan: { doneEarlier: ['project', 'region', 'repository', 'push'], changing: ['docker-auth'] },
        // (the summary is read-only: sent back without a word)
        runsAgain: ['Docker-auth: done earlier, but /home/u/.docker/config.json has no credHelpers entry for southamerica-east1-docker.pkg.dev; it runs again.'],
      },
    },
    { name: 'not interactive: not asked', want: { status: 'done', confirms: [], executed: REST } },
  ])('$name', async (c) => {
    const { r, log, events, store, answersLeft } = await runCase({ ...c, logEvents: ['plan', 'step-undone'] });
    expect(r.status).toBe(c.want.status);
    expect(answersLeft).toEqual([]);
    expect(log.filter((l) => l.startsWith('confirm:'))).toEqual(c.want.confirms);
    expect(log.filter(isExecOfRest)).toEqual(c.want.executed.map((id) => `exec:${id}`));
    const planAt = at(log, (l) => l.startsWith('event:plan:'));
    const q = log.indexOf(PLAN_Q);
    if (q >= 0) {
      expect(q).toBeGreaterThan(planAt);
      if (c.want.executed.length) expect(q).toBeLessThan(at(log, isExecOfRest));
    }
    expect(log.filter((l) => l.startsWith('event:step-undone:'))).toEqual((c.want.undone ?? []).map((id) => `event:step-undone:${id}`));
    if (c.want.undone?.length) expect(lastAt(log, (l) => l.startsWith('event:step-undone:'))).toBeLessThan(planAt);
    if (c.want.plan) {
      const plan = events.find((e): e is Extract<RunEvent, { type: 'plan' }> => e.type === 'plan')!;
      expect(plan.steps.filter((s) => s.doneEarlier).map((s) => s.id)).toEqual(c.want.plan.doneEarlier);
      expect(plan.steps.filter((s) => s.changes.length > 0).map((s) => s.id)).toEqual(c.want.plan.changing);
    }
    if (c.want.runsAgain) expect(events.flatMap((e) => (e.type === 'notice' && /runs again/.test(e.text) ? [e.text] : []))).toEqual(c.want.runsAgain);
    if (c.want.message) {
      const cancelled = events.filter((e): e is Extract<RunEvent, { type: 'run-cancelled' }> => e.type === 'run-cancelled');
      expect(cancelled.map((e) => e.message)).toHaveLength(1);
      expect(cancelled[0]!.message).toMatch(c.want.message);
      expect(cancelled[0]!.resumeFrom).toBe('project');
      expect(exitCodeFor(r)).toBe(130);
      expect(events.filter((e) => e.type === 'step-start').map((e) => (e.type === 'step-start' ? e.id : ''))).toEqual(['preflight']);
      expect(r.steps.map((s) => s.status)).toEqual(['done', ...REST.map(() => 'pending')]);
    }
    if (c.want.finalDone) {
      expect(store.current?.done).toEqual(c.want.finalDone);
      expect(store.current?.state).toMatchObject({ project: 'demo-proj', location: 'southamerica-east1', repository: 'demo-repo' });
    }
  });
});

const FOLDER = 'the folder /work/app';
const RKEY = 'demo-proj/southamerica-east1/demo-repo';

describe('runWizard: validate() of every step first, before the folder lock and before saved progress is read; before any question or change', () => {
  it.each<Setup & { name: string; want: { status: RunResult['status']; log: string[]; error?: RegExp } }>([
    {
      name: 'a bad flag fails the run: nothing is locked, read, asked, executed or saved',
      flags: { project: 'Bad!' },
      lock: {},
      spec: { project: { validate: 'fail' }, push: { validate: 'ok' } },
      want: { status: 'failed', log: ['validate:project'], error: /^--project "Bad!": not a valid ID$/ },
    },
    {
      name: 'in a terminal too, with saved progress to resume: the error comes before any question (the resume question too)',
      interactive: true,
      lock: {},
      saved: savedRun(['preflight']),
      flags: { project: 'Bad!' },
      spec: { project: { validate: 'fail' } },
      want: { status: 'failed', log: ['validate:project'], error: /^--project "Bad!"/ },
    },
    {
      name: '--dry-run: a bad flag fails it too, with no plan',
      flags: { dryRun: true, project: 'Bad!' },
      spec: { project: { validate: 'fail' } },
      want: { status: 'failed', log: ['validate:project'], error: /^--project "Bad!"/ },
    },
    {
      name: 'good flags: every validate runs, in order, before the folder lock and the saved progress',
      lock: {},
      spec: { project: { validate: 'ok' }, push: { validate: 'ok' } },
      want: { status: 'done', log: ['validate:project', 'validate:push', `lock:${FOLDER}`, 'store:latest', 'exec:preflight'] },
    },
  ])('$name', async (c) => {
    const { r, log, described } = await runCase(c);
    expect(r.status).toBe(c.want.status);
    if (c.want.status === 'done') {
      expect(log.slice(0, c.want.log.length)).toEqual(c.want.log);
      return;
    }
    expect(exitCodeFor(r)).toBe(1);
    expect(log).toEqual(c.want.log);
    expect(r.error?.kind).toBe('user');
    expect(r.error?.message).toMatch(c.want.error!);
    expect(r.error?.kind === 'user' ? r.error.fix : null).toEqual(['Pass a valid ID with --project.']);
    expect(described.at(-1)).toMatch(/^run-failed:--project "Bad!"/);
    expectEvents(described, [], [/step-start/, /step-prompt/, /^plan/, /run-done/, /^resume/, /^notice/]);
  });
});

describe('runWizard: the terminal is taken once per step that asks, under one heading', () => {
  /** The questions' part of the log: the asks, the headings, the terminal, the questions. */
  const questionsPart = (log: string[]) => log.filter((l) => /^(ask:|terminal:|confirm:|event:step-prompt)/.test(l));
  const block = (heading: string, id: StepId, questions: string[]) => [
    `event:step-prompt-start:${heading}`,
    'terminal:before',
    'terminal:taken',
    ...questions.map((q) => `confirm:${q}`),
    'terminal:after',
    `event:step-prompt-end:${id}`,
  ];
  const planBlock = block('The plan', 'summary', ['Go ahead with this plan?']);
  it.each<Setup & { name: string; want: { status: RunResult['status']; part: string[] } }>([
    {
      name: 'two questions: taken once; one question: once; a step that asks nothing: never; then the plan',
      interactive: true,
      answers: [true, true, true, true],
      spec: { project: { ask: 'two-questions' }, region: { ask: 'question' } },
      want: {
        status: 'done',
        part: ['ask:project', ...block('Project', 'project', ['project question 1', 'project question 2']), 'ask:region', ...block('Region', 'region', ['region question 1']), 'ask:repository', ...planBlock],
      },
    },
    { name: 'not interactive: never taken', want: { status: 'done', part: ASKS } },
    {
      name: "a `before` step's questions while it executes (closing a gap): taken once for all of them",
      interactive: true,
      answers: [true, true, true],
      spec: { preflight: { execute: 'two-questions' } },
      want: { status: 'done', part: [...block('Preflight', 'preflight', ['preflight question 1', 'preflight question 2']), ...ASKS, ...planBlock] },
    },
    {
      name: "any other step's question while it executes (push's rare one) takes the terminal for itself",
      interactive: true,
      answers: [true, true, true],
      spec: { push: { execute: 'two-questions' } },
      want: { status: 'done', part: [...ASKS, ...planBlock, ...block('Push', 'push', ['push question 1']), ...block('Push', 'push', ['push question 2'])] },
    },
    {
      name: 'the resume question has its own heading',
      interactive: true,
      answers: [true, true],
      saved: savedRun(['preflight']),
      spec: { preflight: { check: { done: true } } },
      want: { status: 'done', part: [...block('Saved progress', 'preflight', ['Resume where you stopped?']), ...ASKS, ...planBlock] },
    },
    {
      name: 'an ask that fails after a question gives the terminal back',
      interactive: true,
      answers: [true],
      spec: { project: { ask: 'question-then-fail' } },
      want: { status: 'failed', part: ['ask:project', ...block('Project', 'project', ['project question 1'])] },
    },
    { name: 'completed before: never taken', interactive: true, saved: savedRun(IDS), spec: ALL_DONE, want: { status: 'done', part: [] } },
  ])('$name', async (c) => {
    const { r, log, answersLeft } = await runCase({ ...c, terminal: true, logEvents: ['step-prompt-start', 'step-prompt-end'] });
    expect(r.status).toBe(c.want.status);
    expect(answersLeft).toEqual([]);
    expect(questionsPart(log)).toEqual(c.want.part);
  });
});

describe('runWizard: an error in ask() is that step\'s failure', () => {
  it.each<Setup & { name: string; want: { id: StepId; kind: string; fix: string[]; log: string[] } }>([
    {
      name: 'an external error (a read-only look-up failed)',
      spec: { repository: { ask: 'fail' } },
      want: { id: 'repository', kind: 'external', fix: ['check the network'], log: ['store:latest', 'exec:preflight', 'store:save:preflight', ...ASKS, 'store:save:preflight'] },
    },
    {
      name: 'a user error (not interactive: the name is taken), with its fix lines',
      spec: { project: { ask: 'user-fail' } },
      want: { id: 'project', kind: 'user', fix: ['Choose another name with --project'], log: ['store:latest', 'exec:preflight', 'store:save:preflight', 'ask:project'] },
    },
  ])('$name', async (c) => {
    const { r, log, events, store } = await runCase(c);
    expect(r.status).toBe('failed');
    expect(exitCodeFor(r)).toBe(1);
    // Nothing after the failing ask: no other question, no plan, no save of the answers, nothing executed.
    expect(log).toEqual(c.want.log);
    expect(store.current?.done).toEqual(['preflight']);
    const tail = events.slice(-2);
    expect(tail.map((e) => e.type)).toEqual(['step-failed', 'run-failed']);
    const [failed, runFailed] = tail as [Extract<RunEvent, { type: 'step-failed' }>, Extract<RunEvent, { type: 'run-failed' }>];
    expect(failed.id).toBe(c.want.id);
    expect(failed.error.kind).toBe(c.want.kind);
    expect('fix' in failed.error ? failed.error.fix : null).toEqual(c.want.fix);
    expect(runFailed.stepId).toBe(c.want.id);
    expect(runFailed.error).toBe(failed.error);
    expect(r.steps.find((s) => s.id === c.want.id)?.status).toBe('failed');
    expect(events.some((e) => e.type === 'plan' || (e.type === 'step-start' && e.id !== 'preflight'))).toBe(false);
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
      let released = false;
      return {
        ...(o.stale?.includes(key) ? { notice: `Took over a lock left by process 9 on ${key}.` } : {}),
        async release() {
          log.push(`unlock:${key}`);
          if (released) throw new Error(`${key} released twice`);
          released = true;
        },
      };
    },
  };
}

const F = `lock:${FOLDER}`;
const K = `lock:${RKEY}`;
const UNLOCK_BOTH = [`unlock:${FOLDER}`, `unlock:${RKEY}`];
/** Up to the P/L/R lock on a fresh run: preflight, its save, the questions. */
const UNTIL_KEY = [F, 'store:latest', 'exec:preflight', 'store:save:preflight', ...ASKS, K];

interface LockCase extends Setup {
  name: string;
  expect: { status: 'done' | 'failed' | 'cancelled'; log: string[]; events?: (string | RegExp)[] };
}

const lockCases: LockCase[] = [
  {
    name: 'fresh run: folder locked first, P/L/R as soon as known (after the questions, before anything changes), both released at the end',
    expect: { status: 'done', log: [...UNTIL_KEY, 'store:save:preflight', ...execAndSave(REST, ['preflight']), ...UNLOCK_BOTH] },
  },
  {
    name: 'resume: the saved P/L/R is locked before the first re-check',
    saved: savedRun(['preflight', 'project', 'region', 'repository'], { project: 'demo-proj', location: 'southamerica-east1', repository: 'demo-repo' }),
    spec: { preflight: { check: { done: true } }, project: { check: { done: true } }, region: { check: { done: true } }, repository: { check: { done: true } } },
    expect: {
      status: 'done',
      log: [
        F,
        'store:latest',
        K,
        'check:project',
        'check:region',
        'check:repository',
        'exec:preflight',
        ...execAndSave(['docker-auth', 'push', 'summary'], ['preflight', 'project', 'region', 'repository']),
        ...UNLOCK_BOTH,
      ],
    },
  },
  {
    name: 'the repository changes on a re-run (answered anew): the new P/L/R is locked and the old one released',
    saved: savedRun(['preflight', 'project', 'region'], { project: 'demo-proj', location: 'southamerica-east1', repository: 'old-repo' }),
    spec: { preflight: { check: { done: true } }, project: { check: { done: true } }, region: { check: { done: true } } },
    expect: {
      status: 'done',
      log: [
        F,
        'store:latest',
        'lock:demo-proj/southamerica-east1/old-repo',
        'check:project',
        'check:region',
        'exec:preflight',
        'ask:repository',
        K,
        'unlock:demo-proj/southamerica-east1/old-repo',
        'store:save:preflight,project,region',
        ...execAndSave(['repository', 'docker-auth', 'push', 'summary'], ['preflight', 'project', 'region']),
        ...UNLOCK_BOTH,
      ],
    },
  },
  {
    name: 'another run in this folder: refused before saved progress is even read',
    lock: { held: [FOLDER] },
    expect: { status: 'failed', log: [F], events: [/^run-failed:another registry-setup is already working on the folder \/work\/app \(pid 7/] },
  },
  {
    name: 'another run on the same P/L/R (other folder): refused once the key is known, before anything changes; what was done is saved; folder released',
    lock: { held: [RKEY] },
    expect: { status: 'failed', log: [...UNTIL_KEY, `unlock:${FOLDER}`], events: [/^run-failed:another registry-setup is already working on demo-proj\/southamerica-east1\/demo-repo/] },
  },
  {
    name: 'a step fails: locks released',
    spec: { 'docker-auth': { execute: 'fail' } },
    expect: { status: 'failed', log: [...UNTIL_KEY, 'store:save:preflight', ...execAndSave(['project', 'region', 'repository'], ['preflight']), 'exec:docker-auth', ...UNLOCK_BOTH] },
  },
  {
    name: 'Ctrl-C during a step: locks released',
    spec: { region: { execute: 'abort-during' } },
    expect: { status: 'cancelled', log: [...UNTIL_KEY, 'store:save:preflight', ...execAndSave(['project'], ['preflight']), 'exec:region', ...UNLOCK_BOTH] },
  },
  {
    name: 'the plan declined: locks released',
    interactive: true,
    answers: [false],
    expect: { status: 'cancelled', log: [...UNTIL_KEY, 'store:save:preflight', PLAN_Q, ...UNLOCK_BOTH], events: [/^run-cancelled:Nothing was changed/] },
  },
  {
    name: 'a stale lock taken over: the notice is shown',
    lock: { stale: [FOLDER] },
    expect: { status: 'done', log: [...UNTIL_KEY, 'store:save:preflight', ...execAndSave(REST, ['preflight']), ...UNLOCK_BOTH], events: ['notice:Took over a lock left by process 9 on the folder /work/app.'] },
  },
  {
    name: '--dry-run changes nothing and takes no lock',
    flags: { dryRun: true },
    expect: { status: 'done', log: ['store:latest'] },
  },
];

describe('runWizard: one wizard at a time', () => {
  it.each(lockCases)('$name', async (c) => {
    const { r, log, described } = await runCase({ ...c, lock: c.lock ?? {} });
    expect(r.status).toBe(c.expect.status);
    expect(log).toEqual(c.expect.log);
    expectEvents(described, c.expect.events);
  });
});

describe('runWizard: bugs fixed (the P/L/R lock from the flags; the plan\'s doneEarlier)', () => {
  // The P/L/R lock right after saved progress is read takes the flags when the answers are not known
  // yet: a second run on the same repository is refused before its first step.
  it('flags naming project, region and repository: the P/L/R is locked before the first step', async () => {
    const { r, log } = await runCase({ flags: { project: 'demo-proj', region: 'southamerica-east1', repository: 'demo-repo' }, lock: {} });
    expect(r.status).toBe('done');
    expect(log).toEqual([F, 'store:latest', K, 'exec:preflight', 'store:save:preflight', ...ASKS, 'store:save:preflight', ...execAndSave(REST, ['preflight']), ...UNLOCK_BOTH]);
  });

  // The plan marks done earlier only the non-`before` steps its re-check confirmed.
  it('a fresh run\'s plan does not call the `before` step (just executed) "done earlier"', async () => {
    const { r, events } = await runCase({});
    expect(r.status).toBe('done');
    const plan = events.find((e): e is Extract<RunEvent, { type: 'plan' }> => e.type === 'plan');
    expect(plan?.steps.map((s) => s.id)).toEqual(IDS);
    expect(plan?.steps.filter((s) => s.doneEarlier).map((s) => s.id)).toEqual([]);
  });
});

describe('runWizard: --dry-run on saved progress', () => {
  // src/runner.ts dryRun() passes this.done (every step done in saved progress) to planSteps(), the
  // `before` step included; a real run executes the `before` step every time and its plan never marks
  // it (confirmPlan() gets only the re-checked non-`before` steps). So `--dry-run` on saved progress
  // says "Preflight (done earlier: a quick re-check)" (src/ui/App.tsx) where the real run runs it.
  it('--dry-run on saved progress does not call the `before` step "done earlier" either (a real run executes it)', async () => {
    const { r, events } = await runCase({ saved: savedRun(['preflight', 'project']), flags: { dryRun: true } });
    expect(r.status).toBe('done');
    const plan = events.find((e): e is Extract<RunEvent, { type: 'plan' }> => e.type === 'plan');
    expect(plan?.steps.filter((s) => s.doneEarlier).map((s) => s.id)).toEqual(['project']);
  });
});

describe('two runners at once over real files (progress store + lock files in one temp dir)', () => {
  /** Steps where the project step (the first after the questions and the locks) waits for `gate`. */
  function gatedSteps(log: string[], gate: Promise<void>, started: () => void): Step[] {
    const steps = fakeSteps({}, log);
    const execute = steps[1].execute;
    steps[1].execute = async (ctx, env, signal) => {
      started();
      await gate;
      return execute(ctx, env, signal);
    };
    return steps;
  }

  interface TwoCase {
    case: string;
    a: { cwd: string; flags?: Partial<Flags> };
    b: { cwd: string; flags?: Partial<Flags> };
    bError: RegExp;
    /** What the second did, in full: nothing. */
    bLog: string[];
  }
  const twoCases: TwoCase[] = [
    { case: 'same folder', a: { cwd: '/w/app' }, b: { cwd: '/w/app' }, bError: /^another registry-setup is already working on the folder \/w\/app \(pid \d+, started [0-9T:.-]+Z\); wait for it to finish or stop it$/, bLog: [] },
    {
      case: 'same project/location/repository from two folders',
      a: { cwd: '/w/one', flags: { project: 'demo-proj', region: 'southamerica-east1', repository: 'demo-repo' } },
      b: { cwd: '/w/two', flags: { project: 'demo-proj', region: 'southamerica-east1', repository: 'demo-repo' } },
      bError: /^another registry-setup is already working on demo-proj\/southamerica-east1\/demo-repo \(pid \d+/,
      bLog: [],
    },
  ];

  it.each(twoCases)('$case: the second refuses clearly, changing nothing; the first finishes, saved progress stays valid, locks are gone after', async (c) => {
    const { mkdtempSync, readdirSync, readFileSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createProgressStore } = await import('../src/adapters/progress.js');
    const { createRunLock } = await import('../src/adapters/lock.js');
    const dir = mkdtempSync(join(tmpdir(), 'rs-two-'));
    const logA: string[] = [];
    const logB: string[] = [];
    const gate = deferred();
    const aIn = deferred();
    const envFor = (cwd: string, log: string[]) => strictEnv(strictPrompter(false, [], log), cwd);
    const storeA = createProgressStore({ cwd: c.a.cwd, configDir: dir });
    const storeB = createProgressStore({ cwd: c.b.cwd, configDir: dir });
    const a = runWizard({ steps: gatedSteps(logA, gate.promise, aIn.resolve), env: envFor(c.a.cwd, logA), store: storeA, lock: createRunLock({ dir }), flags: flags(c.a.flags), signal: new AbortController().signal, sink: () => {} });
    let b: RunResult;
    const eventsB: RunEvent[] = [];
    try {
      await aIn.promise;
      b = await runWizard({ steps: fakeSteps({}, logB), env: envFor(c.b.cwd, logB), store: storeB, lock: createRunLock({ dir }), flags: flags(c.b.flags), signal: new AbortController().signal, sink: (e) => eventsB.push(e) });
    } finally {
      gate.resolve();
    }
    expect(b.status).toBe('failed');
    expect(b.error?.message).toMatch(c.bError);
    expect(logB.filter(isExecOfRest)).toEqual([]); // the second changed nothing
    expect(logB).toEqual(c.bLog);
    expect(eventsB.map((e) => e.type)).toEqual(['run-start', 'run-failed']);
    expect(eventsB.at(-1)?.type).toBe('run-failed');
    expect(eventsB.some((e) => e.type === 'plan' || (e.type === 'step-start' && e.id !== 'preflight'))).toBe(false);
    const ra = await a;
    expect(ra.status).toBe('done');
    const file = JSON.parse(readFileSync(storeA.path, 'utf8'));
    expect(file.version).toBe(1);
    expect(file.runs[c.a.cwd].done).toEqual(IDS);
    // The second saved nothing at all.
    expect(Object.keys(file.runs)).toEqual([c.a.cwd]);
    expect(statSync(storeA.path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith('.lock'))).toEqual([]);
    // Now that the first is done, the second runs.
    const again = await runWizard({ steps: fakeSteps({}, []), env: envFor(c.b.cwd, []), store: storeB, lock: createRunLock({ dir }), flags: flags({ ...c.b.flags, restart: true }), signal: new AbortController().signal, sink: () => {} });
    expect(again.status).toBe('done');
  });
});

describe('runWizard: a step sent back that is answered differently', () => {
  it.each([
    {
      case: 'the saved region is no longer right and the answer changes: the steps done after it with the old one run again',
      saved: savedRun(IDS, { project: 'demo-proj', location: 'us-east1', repository: 'demo-repo' }),
      region: { done: false, why: 'us-east1 is not offered any more' } as CheckResult,
      again: ['repository', 'docker-auth', 'push'],
    },
    {
      case: 'the answer stays the same: nothing else runs again',
      saved: savedRun(IDS, { project: 'demo-proj', location: 'southamerica-east1', repository: 'demo-repo' }),
      region: { done: false, why: 'the re-check could not tell' } as CheckResult,
      again: [],
    },
  ])('$case', async ({ saved, region, again }) => {
    // The summary, like the real one, always runs again.
    const spec: Spec = Object.fromEntries(IDS.map((id) => [id, { check: id === 'region' ? region : id === 'summary' ? { done: false } : { done: true } }]));
    const { r, log, described } = await runCase({ saved, spec });
    expect(r.status).toBe('done');
    const executed = log.filter((l) => l.startsWith('exec:')).map((l) => l.slice(5));
    expect(executed).toEqual(['preflight', 'region', ...again, 'summary']);
    for (const id of again) expect(described).toContain(`step-undone:${id}`);
    expect(described.filter((d) => /^notice:.*old answer; it runs again/.test(d))).toHaveLength(again.length);
  });
});

describe('runWizard: answers kept when the questions stop', () => {
  it('a look-up fails at the repository question: project and region are saved, not to be asked again', async () => {
    const { r, store } = await runCase({ spec: { repository: { ask: 'fail' } } });
    expect(r.status).toBe('failed');
    expect(store.current?.done).toEqual(['preflight']);
    expect(store.current?.state).toMatchObject({ project: 'demo-proj', location: 'southamerica-east1' });
    expect(store.current?.state.repository).toBeUndefined();
  });
});
