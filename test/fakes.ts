// Strict fakes for every port in src/ports.ts, for unit tests of steps (and anything else).
//
//   const w = fakeWorld({ calls: [
//     { call: 'gcloud.config', result: { project: 'demo-proj' } },
//     { call: 'api.listLocations', args: ['demo-proj'], result: ['us-central1'] },
//   ], answers: [{ select: /project/, answer: 'demo-proj' }] });
//   await step.run(ctx(w), w.env, signal);
//   w.assertDone();
//
// - Calls are matched in order by default (`ordered: false` lets any pending expectation match,
//   which suits code that runs calls in parallel).
// - `args` is matched against the first args.length actual arguments (deep equality; use
//   `any` for "anything" or `match(pred)`); the trailing CallOpts are not compared unless listed.
// - An expectation answers with `result`, `throws`, or `impl(...args)`; `times` (default 1) lets it
//   answer several calls, `optional` lets it be left unused.
// - Any call that no pending expectation matches throws FakeError with the call and what was
//   expected; `assertDone()` throws when expectations (or prompter answers) were not used.

import { isDeepStrictEqual, inspect } from 'node:util';
import type {
  ArtifactRegistryPort, Choice, Clock, DockerConfigFile, DockerPort, Env, GcloudPort, GitPort,
  ProgressNote, ProgressStore, ProjectFiles, Prompter, CallOpts,
} from '../src/ports.js';
import type { Flags, Step, StepContext, StepOutcome, StepReporter } from '../src/steps/types.js';

export class FakeError extends Error {
  name = 'FakeError';
}

export type CallName =
  | `gcloud.${keyof GcloudPort & string}`
  | `api.${keyof ArtifactRegistryPort & string}`
  | `docker.${keyof DockerPort & string}`
  | `dockerConfig.${'read' | 'write'}`
  | `git.${keyof GitPort & string}`
  | `files.${'exists'}`
  | `progress.${'latest' | 'save' | 'clear'}`
  /** StepContext.save: a step's checkpoint before an outside change. */
  | 'step.save';

const ANY = Symbol('any');
export const any: unknown = ANY;
const MATCH = Symbol('match');
interface Matcher {
  [MATCH]: (v: unknown) => boolean;
  label: string;
}
/** An argument matcher: match((v) => typeof v === 'string', 'a string'). */
export function match(pred: (v: unknown) => boolean, label = 'matcher'): unknown {
  return { [MATCH]: pred, label } satisfies Matcher;
}

export interface Expectation {
  call: CallName;
  args?: unknown[];
  result?: unknown;
  throws?: unknown;
  impl?: (...args: any[]) => unknown;
  times?: number;
  optional?: boolean;
}

interface Pending {
  exp: Expectation;
  left: number;
  used: number;
}

function argMatches(expected: unknown, actual: unknown): boolean {
  if (expected === ANY) return true;
  if (expected && typeof expected === 'object' && MATCH in (expected as object)) return (expected as Matcher)[MATCH](actual);
  // Structural comparison, so matchers can sit inside objects and arrays.
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => argMatches(e, actual[i]));
  }
  if (expected && typeof expected === 'object' && Object.getPrototypeOf(expected) === Object.prototype) {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const ek = Object.keys(expected).filter((k) => (expected as Record<string, unknown>)[k] !== undefined);
    const ak = Object.keys(actual).filter((k) => (actual as Record<string, unknown>)[k] !== undefined);
    return ek.length === ak.length && ek.every((k) => k in (actual as object) && argMatches((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k]));
  }
  return isDeepStrictEqual(expected, actual);
}

function fmt(v: unknown): string {
  if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
  return inspect(v, { depth: 4, breakLength: Infinity });
}

function fmtExp(e: Expectation): string {
  return `${e.call}(${(e.args ?? []).map((a) => (a === ANY ? '<any>' : a && typeof a === 'object' && MATCH in (a as object) ? `<${(a as Matcher).label}>` : fmt(a))).join(', ')})`;
}

/** The call script shared by the fake ports of one world. */
export class CallScript {
  private pending: Pending[];
  /** Every call made, in order: "api.getRepository(...)". */
  readonly log: string[] = [];
  /** Unexpected calls (kept even if the code under test swallowed the FakeError). */
  readonly unexpected: string[] = [];
  constructor(expectations: Expectation[], readonly ordered = true) {
    this.pending = expectations.map((exp) => ({ exp, left: exp.times ?? 1, used: 0 }));
  }

  add(...more: Expectation[]): void {
    this.pending.push(...more.map((exp) => ({ exp, left: exp.times ?? 1, used: 0 })));
  }

  private matches(p: Pending, call: string, args: unknown[]): boolean {
    if (p.exp.call !== call || p.left <= 0) return false;
    const ea = p.exp.args ?? [];
    return ea.every((e, i) => argMatches(e, args[i]));
  }

  async call(call: CallName, args: unknown[]): Promise<any> {
    const shownArgs = args.filter((a) => !isCallOpts(a));
    while (shownArgs.length && shownArgs[shownArgs.length - 1] === undefined) shownArgs.pop();
    const shown = `${call}(${shownArgs.map(fmt).join(', ')})`;
    this.log.push(shown);
    let found: Pending | undefined;
    if (this.ordered) {
      for (const p of this.pending) {
        if (p.left <= 0) continue;
        if (this.matches(p, call, args)) {
          found = p;
          break;
        }
        // an optional or already-satisfied repeatable expectation may be passed over
        if (p.exp.optional || p.used > 0) continue;
        break;
      }
    } else {
      found = this.pending.find((p) => this.matches(p, call, args));
    }
    if (!found) {
      const next = this.pending.filter((p) => p.left > 0).map((p) => fmtExp(p.exp));
      this.unexpected.push(shown);
      throw new FakeError(
        `unexpected call ${shown}\n  pending expectations: ${next.length ? next.join('\n    ') : '(none)'}`,
      );
    }
    found.left--;
    found.used++;
    // yield once, like a real async call
    await Promise.resolve();
    if (found.exp.impl) return found.exp.impl(...args);
    if ('throws' in found.exp) throw found.exp.throws;
    return structuredCloneSafe(found.exp.result);
  }

  assertDone(): void {
    if (this.unexpected.length) throw new FakeError(`unexpected calls were made: ${this.unexpected.join(', ')}`);
    // `times: n` must be used n times (Infinity: at least once); `optional` may be left unused.
    const notUsed = this.pending.filter((p) => {
      if (p.exp.optional) return false;
      const times = p.exp.times ?? 1;
      return Number.isFinite(times) ? p.used < times : p.used === 0;
    });
    if (notUsed.length) {
      throw new FakeError(`expected calls were not made:\n  ${notUsed.map((p) => fmtExp(p.exp)).join('\n  ')}\ncalls made:\n  ${this.log.join('\n  ') || '(none)'}`);
    }
  }
}

function isCallOpts(v: unknown): boolean {
  return !!v && typeof v === 'object' && ('signal' in (v as object) || 'onProgress' in (v as object)) && Object.keys(v as object).every((k) => k === 'signal' || k === 'onProgress');
}

function structuredCloneSafe<T>(v: T): T {
  if (v === undefined || v === null || typeof v !== 'object') return v;
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}

// ---------- per-port fakes ----------

export function fakeGcloud(s: CallScript): GcloudPort {
  return {
    version: () => s.call('gcloud.version', []),
    config: () => s.call('gcloud.config', []),
    accessToken: (opts?) => s.call('gcloud.accessToken', opts === undefined ? [] : [opts]),
    listProjects: (opts?) => s.call('gcloud.listProjects', [opts]),
    enableService: (project, service, opts?) => s.call('gcloud.enableService', [project, service, opts]),
    login: (opts?) => s.call('gcloud.login', [opts]),
  };
}

export function fakeApi(s: CallScript): ArtifactRegistryPort {
  return {
    listLocations: (project, opts?) => s.call('api.listLocations', [project, opts]),
    getRepository: (name, opts?) => s.call('api.getRepository', [name, opts]),
    createRepository: (args, opts?) => s.call('api.createRepository', [args, opts]),
    deleteRepository: (name, opts?) => s.call('api.deleteRepository', [name, opts]),
    listDockerImages: (name, opts?) => s.call('api.listDockerImages', [name, opts]),
    setCleanupPolicies: (name, policies, dryRun, opts?) => s.call('api.setCleanupPolicies', [name, policies, dryRun, opts]),
  };
}

export function fakeDocker(s: CallScript): DockerPort {
  return {
    info: (opts?) => s.call('docker.info', [opts]),
    listImages: (opts?) => s.call('docker.listImages', [opts]),
    inspectImage: (ref, opts?) => s.call('docker.inspectImage', [ref, opts]),
    build: (args, opts?) => s.call('docker.build', [args, opts]),
    tag: (src, target, opts?) => s.call('docker.tag', [src, target, opts]),
    load: (archive, opts?) => s.call('docker.load', [archive, opts]),
    push: (ref, opts?) => s.call('docker.push', [ref, opts]),
    untag: (ref, opts?) => s.call('docker.untag', [ref, opts]),
    localTags: (repository, opts?) => s.call('docker.localTags', [repository, opts]),
    pushAllTags: (repository, opts?) => s.call('docker.pushAllTags', [repository, opts]),
    helperCredential: (helper, host, opts?) => s.call('docker.helperCredential', [helper, host, opts]),
    findHelper: (helper) => s.call('docker.findHelper', [helper]),
  };
}

export function fakeDockerConfig(s: CallScript, dir = '/home/u/.docker'): DockerConfigFile {
  return {
    dir,
    path: `${dir}/config.json`,
    read: () => s.call('dockerConfig.read', []),
    write: (next) => s.call('dockerConfig.write', [next]),
  };
}

export function fakeGit(s: CallScript): GitPort {
  return {
    shortSha: (opts?) => s.call('git.shortSha', [opts]),
    isRepo: (opts?) => s.call('git.isRepo', [opts]),
  };
}

export function fakeFiles(s: CallScript, cwd = '/home/u/mycoolproject'): ProjectFiles {
  return {
    cwd,
    exists: (rel) => s.call('files.exists', [rel]),
  };
}

export function fakeProgressStore(s: CallScript, path = '/home/u/.config/registry-setup/progress.json'): ProgressStore {
  return {
    path,
    latest: () => s.call('progress.latest', []),
    save: (run) => s.call('progress.save', [run]),
    clear: () => s.call('progress.clear', []),
  };
}

// ---------- clock ----------

export interface FakeClock extends Clock {
  /** Every sleep requested, in ms. */
  sleeps: number[];
  advance(ms: number): void;
}

/** Virtual time: sleep() returns at once and moves time forward. random() cycles through `randoms`. */
export function fakeClock(opts: { start?: number; randoms?: number[] } = {}): FakeClock {
  let t = opts.start ?? 1_700_000_000_000;
  const randoms = opts.randoms ?? [0.5];
  let i = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    random: () => randoms[i++ % randoms.length],
    advance(ms) {
      t += ms;
    },
    async sleep(ms, o?: CallOpts) {
      if (o?.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      sleeps.push(ms);
      t += ms;
      await Promise.resolve();
    },
  };
}

// ---------- prompter ----------

type Kind = 'select' | 'search' | 'input' | 'confirm';
export type PromptAnswer =
  | { select: RegExp | string; answer: unknown | ((q: { choices: Choice<unknown>[]; default?: unknown }) => unknown) }
  | { search: RegExp | string; answer: unknown | ((q: { choices: Choice<unknown>[]; default?: unknown }) => unknown) }
  /** A list of answers: each is passed to `validate` until one is accepted, like inquirer re-asking. */
  | { input: RegExp | string; answer: string | string[] | ((q: { default?: string }) => string) }
  | { confirm: RegExp | string; answer: boolean };

export interface AskedQuestion {
  kind: Kind;
  message: string;
  choices?: Choice<unknown>[];
  default?: unknown;
  /** Messages returned by `validate` for rejected input answers. */
  rejected?: string[];
}

export interface ScriptedPrompter extends Prompter {
  asked: AskedQuestion[];
  assertDone(): void;
}

/** A Prompter that answers expected questions in order and fails on any other. */
export function scriptedPrompter(answers: PromptAnswer[], interactive = true): ScriptedPrompter {
  const queue = [...answers];
  const asked: AskedQuestion[] = [];
  function next(kind: Kind, message: string): PromptAnswer {
    if (!interactive) throw new FakeError(`prompter is not interactive, but a ${kind} was asked: ${JSON.stringify(message)}`);
    const a = queue.shift();
    if (!a) throw new FakeError(`unexpected ${kind} question: ${JSON.stringify(message)} (no more scripted answers)`);
    const [akind] = Object.keys(a).filter((k) => k !== 'answer') as Kind[];
    const pattern = (a as Record<string, unknown>)[akind] as RegExp | string;
    const ok = akind === kind && (typeof pattern === 'string' ? message.includes(pattern) : pattern.test(message));
    if (!ok) throw new FakeError(`unexpected ${kind} question: ${JSON.stringify(message)}; expected a ${akind} matching ${String(pattern)}`);
    return a;
  }
  function pick(kind: 'select' | 'search', q: { message: string; choices: Choice<unknown>[]; default?: unknown }): unknown {
    asked.push({ kind, message: q.message, choices: q.choices, default: q.default });
    const a = next(kind, q.message) as { answer: unknown };
    const v = typeof a.answer === 'function' ? (a.answer as (q: unknown) => unknown)(q) : a.answer;
    if (!q.choices.some((c) => isDeepStrictEqual(c.value, v))) {
      throw new FakeError(`answer ${fmt(v)} is not among the choices of ${JSON.stringify(q.message)}: ${q.choices.map((c) => fmt(c.value)).join(', ')}`);
    }
    return v;
  }
  return {
    interactive,
    asked,
    async select(q) {
      return pick('select', q as never) as never;
    },
    async search(q) {
      return pick('search', q as never) as never;
    },
    async input(q) {
      const rec: AskedQuestion = { kind: 'input', message: q.message, default: q.default, rejected: [] };
      asked.push(rec);
      const a = next('input', q.message) as { answer: string | string[] | ((q: unknown) => string) };
      const list = typeof a.answer === 'function' ? [a.answer(q)] : Array.isArray(a.answer) ? a.answer : [a.answer];
      for (const raw of list) {
        const v = raw === '' && q.default !== undefined ? q.default : raw;
        const r = q.validate ? q.validate(v) : true;
        if (r === true) return v;
        rec.rejected!.push(r);
      }
      throw new FakeError(`every scripted answer to ${JSON.stringify(q.message)} was rejected: ${rec.rejected!.join(' | ')}`);
    },
    async confirm(q) {
      asked.push({ kind: 'confirm', message: q.message, default: q.default });
      return (next('confirm', q.message) as { answer: boolean }).answer;
    },
    assertDone() {
      if (queue.length) throw new FakeError(`scripted answers were not used: ${queue.map((a) => fmt(a)).join(', ')}`);
    },
  };
}

// ---------- reporter ----------

export interface RecordingReporter extends StepReporter {
  activities: string[];
  notes: ProgressNote[];
  warnings: string[];
  items: { label: string; status: 'ok' | 'warn' | 'fail' | 'running'; detail?: string; fix?: string }[];
  /** The last status reported for each item label. */
  finalItems(): Map<string, { status: string; detail?: string; fix?: string }>;
  /** Everything reported, as text (for "the secret never appears" checks). */
  text(): string;
}

export function recordingReporter(): RecordingReporter {
  const r: RecordingReporter = {
    activities: [],
    notes: [],
    warnings: [],
    items: [],
    activity: (t) => void r.activities.push(t),
    note: (n) => void r.notes.push(n),
    warn: (t) => void r.warnings.push(t),
    item: (i) => void r.items.push(i),
    finalItems() {
      const m = new Map<string, { status: string; detail?: string; fix?: string }>();
      for (const i of r.items) m.set(i.label, i);
      return m;
    },
    text: () => JSON.stringify({ a: r.activities, n: r.notes, w: r.warnings, i: r.items }),
  };
  return r;
}

// ---------- a whole world ----------

export interface FakeWorld {
  env: Env;
  script: CallScript;
  prompter: ScriptedPrompter;
  clock: FakeClock;
  report: RecordingReporter;
  progress: ProgressStore;
  /** A StepContext with these flags (defaults: everything off) and state. */
  ctx(flags?: Partial<Flags>, state?: StepContext['state']): StepContext;
  assertDone(): void;
}

/**
 * Wait until the world has seen `n` calls (work started in the background, e.g. Step.prefetch, has
 * made them): polls turn by turn, no fixed sleep; fails with the calls made after `timeoutMs`.
 */
export async function untilCalls(w: Pick<FakeWorld, 'script'>, n: number, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (w.script.log.length < n) {
    if (Date.now() - start > timeoutMs) throw new FakeError(`waited for ${n} calls; made:\n  ${w.script.log.join('\n  ') || '(none)'}`);
    await new Promise((r) => setImmediate(r));
  }
}

export function defaultFlags(f: Partial<Flags> = {}): Flags {
  return { yes: false, restart: false, dryRun: false, json: false, debug: false, ...f };
}

export function fakeWorld(o: {
  calls?: Expectation[];
  ordered?: boolean;
  answers?: PromptAnswer[];
  interactive?: boolean;
  isRoot?: boolean;
  cwd?: string;
  dockerConfigDir?: string;
  clock?: FakeClock;
  /** The machine's IANA time zone (Env.timeZone); unknown when absent. */
  timeZone?: string;
  /** The operating system (Env.platform); unknown when absent. */
  platform?: string;
} = {}): FakeWorld {
  const script = new CallScript(o.calls ?? [], o.ordered ?? true);
  const prompter = scriptedPrompter(o.answers ?? [], o.interactive ?? (o.answers?.length ? true : false));
  const clock = o.clock ?? fakeClock();
  const report = recordingReporter();
  const env: Env = {
    gcloud: fakeGcloud(script),
    api: fakeApi(script),
    docker: fakeDocker(script),
    dockerConfig: fakeDockerConfig(script, o.dockerConfigDir),
    git: fakeGit(script),
    files: fakeFiles(script, o.cwd),
    prompter,
    clock,
    isRoot: o.isRoot ?? false,
    ...(o.timeZone !== undefined ? { timeZone: o.timeZone } : {}),
    ...(o.platform !== undefined ? { platform: o.platform } : {}),
  };
  return {
    env,
    script,
    prompter,
    clock,
    report,
    progress: fakeProgressStore(script),
    ctx: (flags = {}, state = {}) => ({ flags: defaultFlags(flags), state, report, save: (st) => script.call('step.save', [st]) }),
    assertDone() {
      script.assertDone();
      prompter.assertDone();
    },
  };
}

/**
 * One step the way the runner drives it (validate, ask, execute), for step tests: the outcome's
 * state holds the answers too, and `commands` is what the step's commands() say afterwards.
 */
export async function runStep(step: Step, ctx: StepContext, env: Env, signal: AbortSignal = new AbortController().signal): Promise<StepOutcome & { commands: string[] }> {
  step.validate?.(ctx.flags);
  const answers = step.ask ? await step.ask(ctx, env, signal) : {};
  const asked: StepContext = { ...ctx, state: { ...ctx.state, ...answers } };
  const out = await step.execute(asked, env, signal);
  const state = { ...answers, ...out.state };
  return { ...out, state, commands: step.commands({ flags: ctx.flags, state: { ...asked.state, ...out.state }, cwd: env.files.cwd }) };
}

/** A step's commands for a context (what the plan, --dry-run and the script show). */
export function commandsFor(step: Step, ctx: Pick<StepContext, 'flags' | 'state'>, env?: Pick<Env, 'files'>): string[] {
  return step.commands({ flags: ctx.flags, state: ctx.state, cwd: env?.files.cwd });
}
