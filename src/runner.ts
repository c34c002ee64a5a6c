// The wizard's engine, the same for every step: Validate (flags), Ask (only what is missing, before
// anything changes), one plan and one confirmation, then Execute with live panels and no questions.
// Progress is saved after each step; a re-run re-checks what was done instead of redoing it.
// Pure logic: no Ink, no process.*. Its parts: run/resume.ts, run/locks.ts, run/plan.ts, run/early.ts.
import type { CallOpts, Env, ProgressStore, Prompter, RunLock, SavedRun, WizardState } from './ports.js';
import type { Flags, Step, StepContext, StepId, StepReporter } from './steps/types.js';
import { CancelError, toWizardError, withContext, type AnyWizardError } from './errors.js';
import type { RunResult, Sink, StepResult } from './run/events.js';
import { RunLocks, folderLockKey } from './run/locks.js';
import { resume, type Resumed } from './run/resume.js';
import { commandsOf, dryRunState, planSteps } from './run/plan.js';
import { runKey, savedRun } from './run/state.js';
import { EarlyWork } from './run/early.js';

export * from './run/events.js';
export { folderLockKey } from './run/locks.js';
export { conflictsWithSaved, isComplete } from './run/resume.js';
export { runKey, savedState } from './run/state.js';

/** The terminal is handed to the questions and back (the Ink UI pauses meanwhile). */
export interface QuestionTerminal {
  beforeQuestions(): Promise<void>;
  afterQuestions(): void;
}

export interface RunOptions {
  steps: Step[];
  env: Env;
  store: ProgressStore;
  flags: Flags;
  signal: AbortSignal;
  sink: Sink;
  /** One wizard at a time (see run/locks.ts). */
  lock?: RunLock;
  terminal?: QuestionTerminal;
}

export async function runWizard(o: RunOptions): Promise<RunResult> {
  const run = new Run(o);
  try {
    return await run.run();
  } finally {
    await run.end();
  }
}

/** An error of one step (its index), on its way to the run's end. */
class StepFailure extends Error {
  constructor(
    readonly error: AnyWizardError,
    readonly index: number,
  ) {
    super(error.message);
  }
}

const DECLINED = 'declined at the plan';

class Run {
  private state: Partial<WizardState> = {};
  private done = new Set<StepId>();
  private readonly warnings: string[] = [];
  private readonly results: StepResult[];
  private readonly commandsByStep: Partial<Record<StepId, string[]>> = {};
  private readonly locks: RunLocks;
  private readonly early: EarlyWork;
  private running?: Step;
  private ended = false;

  constructor(private readonly o: RunOptions) {
    this.results = o.steps.map((s) => ({ id: s.id, title: s.title, status: 'pending' }));
    const folderKey = o.flags.dryRun ? '' : folderLockKey(o.env.files.cwd);
    this.locks = new RunLocks(o.flags.dryRun ? undefined : o.lock, folderKey, (t) => this.notice(t));
    this.early = new EarlyWork({
      env: o.env,
      flags: o.flags,
      signal: o.signal,
      showCall: (forStep, text) => {
        const id = this.running?.id;
        if (id) this.sink({ type: 'step-note', id, note: { type: 'line', text: `meanwhile, for "${forStep.title}": ${text}` } });
      },
    });
  }

  // Once the run has ended, an abandoned step (Ctrl-C) may still report: nobody listens any more.
  private sink: Sink = (e) => {
    if (this.ended) return;
    this.o.sink(e);
    if (e.type === 'run-done' || e.type === 'run-failed' || e.type === 'run-cancelled') this.ended = true;
  };

  private notice(text: string): void {
    this.sink({ type: 'notice', text });
  }

  async run(): Promise<RunResult> {
    const { steps, flags } = this.o;
    this.sink({ type: 'run-start', steps: steps.map((s) => ({ id: s.id, title: s.title, explain: s.explain })), dryRun: flags.dryRun });
    try {
      // Validate: flags first, before anything is read or locked.
      for (const s of steps) s.validate?.(flags);
      await this.lock(folderLockKey(this.o.env.files.cwd));
      this.resumed(await this.loadProgress());
      if (flags.dryRun) return this.dryRun();
      await this.lock(this.key());
      this.early.startRechecks(steps, this.done, this.state);
      const first = steps.filter((s) => s.before);
      const rest = steps.filter((s) => !s.before);
      for (const s of first) await this.execute(s);
      // What an earlier run did is re-checked now, so the plan says what will really run.
      for (const s of rest) if (this.done.has(s.id)) await this.recheck(s);
      const doneEarlier = new Set(rest.filter((s) => this.done.has(s.id)).map((s) => s.id));
      // Ask: only what is missing, before anything changes.
      for (const s of rest) if (!this.done.has(s.id)) await this.ask(s);
      await this.lock(this.key());
      await this.confirmPlan(doneEarlier);
      // Execute: no questions from here on (but push's rare one, see push.ts).
      for (const s of rest) if (!this.done.has(s.id)) await this.execute(s);
    } catch (e) {
      return this.stopped(e);
    }
    this.running = undefined;
    this.sink({ type: 'run-done', state: this.state, commandsByStep: this.commandsByStep, dryRun: false });
    return { status: 'done', state: this.state, steps: this.results, commandsByStep: this.commandsByStep };
  }

  async end(): Promise<void> {
    this.early.stop();
    await this.locks.releaseAll();
  }

  /** PROJECT/LOCATION/REPOSITORY as soon as known, from the answers or the flags. */
  private key(): string {
    const { flags } = this.o;
    return runKey({ project: this.state.project ?? flags.project, location: this.state.location ?? flags.region, repository: this.state.repository ?? flags.repository });
  }

  private async lock(key: string): Promise<void> {
    if (this.o.flags.dryRun) return;
    const err = await this.locks.take(key);
    if (err) throw err;
  }

  private async loadProgress(): Promise<Resumed> {
    const { steps, store, flags, env } = this.o;
    const askResume = env.prompter.interactive
      ? (where: string) => {
          // Where it stopped goes on a line of its own: the question stays short enough for any terminal.
          this.notice(`Saved progress: ${where}.`);
          return this.questions({ id: steps[0]!.id, title: 'Saved progress' }, (p) => p.confirm({ message: 'Resume where you stopped?', default: true }));
        }
      : undefined;
    try {
      return await resume({ steps, store, flags, notice: (t) => this.notice(t), askResume });
    } catch (e) {
      // Stopped at the question: the saved progress is untouched, so say where it resumes.
      const saved = await store.latest().catch(() => null);
      if (saved) this.resumed({ state: saved.state, done: new Set(saved.done as StepId[]), complete: false });
      throw e;
    }
  }

  private resumed(r: Resumed): void {
    this.state = { ...r.state };
    this.done = new Set(r.done);
    this.warnings.push(...(this.state.warnings ?? []));
    if (!r.saved) return;
    // What was loaded is what the file holds: a save that would write it again is skipped too.
    this.lastSaved = this.content();
    const { steps } = this.o;
    this.sink({
      type: 'resume',
      done: steps.filter((s) => this.done.has(s.id)).map((s) => s.id),
      resumeFrom: steps.find((s) => !this.done.has(s.id))?.id,
      savedKey: r.saved.key,
      complete: r.complete,
    });
  }

  private dryRun(): RunResult {
    const state = dryRunState(this.o.flags, this.state);
    const doneEarlier = new Set(this.o.steps.filter((s) => !s.before && this.done.has(s.id)).map((s) => s.id));
    const planned = planSteps(this.o.steps, { flags: this.o.flags, state, cwd: this.o.env.files.cwd, done: doneEarlier });
    for (const p of planned) this.commandsByStep[p.id] = p.commands;
    this.sink({ type: 'plan', steps: planned, dryRun: true });
    this.sink({ type: 'run-done', state, commandsByStep: this.commandsByStep, dryRun: true });
    return { status: 'done', state, steps: this.results, commandsByStep: this.commandsByStep };
  }

  private reporter(id: StepId): StepReporter {
    return {
      activity: (text) => this.sink({ type: 'step-activity', id, text }),
      note: (note) => this.sink({ type: 'step-note', id, note }),
      warn: (text) => {
        if (!this.warnings.includes(text)) this.warnings.push(text);
        this.sink({ type: 'step-warn', id, text });
      },
      item: (item) => this.sink({ type: 'step-item', id, item }),
    };
  }

  private ctx(step: Step): StepContext {
    return { flags: this.o.flags, state: { ...this.state, warnings: [...this.warnings] }, report: this.reporter(step.id), early: this.early.store, save: (s) => this.checkpoint(s) };
  }

  /** A step's values saved ahead of its outside change: a failure to save stops the step (unlike the saves between steps). */
  private async checkpoint(state: Partial<WizardState>): Promise<void> {
    this.state = { ...this.state, ...state };
    await withContext(`save progress to ${this.o.store.path}`, () => this.persist());
  }

  private index(step: Step): number {
    return this.o.steps.indexOf(step);
  }

  /**
   * Runs `fn` with a prompter whose first question takes the terminal, under one heading for the
   * step; the terminal is given back when `fn` is done.
   */
  private async questions<T>(step: { id: StepId; title: string }, fn: (p: Prompter) => Promise<T>): Promise<T> {
    const { env, signal, terminal } = this.o;
    let taken = false;
    const take = async () => {
      if (taken) return;
      taken = true;
      this.sink({ type: 'step-prompt-start', id: step.id, title: step.title, message: step.title });
      await terminal?.beforeQuestions();
    };
    const wrap =
      <Q, R>(ask: (q: Q, opts?: CallOpts) => Promise<R>) =>
      async (q: Q, opts?: CallOpts): Promise<R> => {
        await take();
        return ask(q, { ...opts, signal: opts?.signal ?? signal });
      };
    const inner = env.prompter;
    const prompter: Prompter = {
      interactive: inner.interactive,
      select: wrap((q, o) => inner.select(q, o)) as Prompter['select'],
      search: wrap((q, o) => inner.search(q, o)) as Prompter['search'],
      input: wrap((q, o) => inner.input(q, o)),
      confirm: wrap((q, o) => inner.confirm(q, o)),
    };
    try {
      return await raceAbort(fn(prompter), signal);
    } finally {
      if (taken) {
        terminal?.afterQuestions();
        this.sink({ type: 'step-prompt-end', id: step.id });
      }
    }
  }

  /** A prompter whose every question takes the terminal and gives it back. */
  private prompterFor(step: Step): Prompter {
    const inner = this.o.env.prompter;
    const one =
      <Q, R>(ask: (p: Prompter, q: Q, opts?: CallOpts) => Promise<R>) =>
      (q: Q, opts?: CallOpts): Promise<R> =>
        this.questions(step, (p) => ask(p, q, opts));
    return {
      interactive: inner.interactive,
      select: one((p, q, o) => p.select(q as Parameters<Prompter['select']>[0], o)) as Prompter['select'],
      search: one((p, q, o) => p.search(q as Parameters<Prompter['search']>[0], o)) as Prompter['search'],
      input: one((p, q: Parameters<Prompter['input']>[0], o) => p.input(q, o)),
      confirm: one((p, q: Parameters<Prompter['confirm']>[0], o) => p.confirm(q, o)),
    };
  }

  private async ask(step: Step): Promise<void> {
    if (!step.ask) return;
    const ask = step.ask;
    try {
      const answers = await this.questions(step, (prompter) => ask(this.ctx(step), { ...this.o.env, prompter }, this.o.signal));
      const changed = Object.entries(answers).some(
        ([k, v]) => this.state[k as keyof WizardState] !== undefined && JSON.stringify(this.state[k as keyof WizardState]) !== JSON.stringify(v),
      );
      this.state = { ...this.state, ...answers };
      if (changed) this.sendBackAfter(step);
    } catch (e) {
      // The answers so far are kept: a run stopped at a later question does not ask them again.
      await this.save();
      throw new StepFailure(toWizardError(e), this.index(step));
    }
  }

  /** A step sent back answered differently this time: what was done after it, with the old answer, runs again. */
  private sendBackAfter(step: Step): void {
    for (const later of this.o.steps.slice(this.index(step) + 1)) {
      if (later.before || !this.done.has(later.id)) continue;
      this.sendBack(later);
      if (!later.readOnly) this.notice(`${later.title}: done earlier for ${step.title.toLowerCase()}'s old answer; it runs again.`);
    }
  }

  /**
   * A done step sent back to run. A read-only one keeps its saved record: running it again changes
   * nothing outside, and a re-run (whose summary always runs again) then has nothing to write.
   */
  private sendBack(step: Step): void {
    this.done.delete(step.id);
    if (step.readOnly) this.keptRecord.add(step.id);
    this.sink({ type: 'step-undone', id: step.id });
  }

  /** One plan of what will run, and one confirmation (in a terminal, when something will change). */
  private async confirmPlan(doneEarlier: ReadonlySet<StepId>): Promise<void> {
    const { steps, flags, env } = this.o;
    await this.save();
    // Nothing will change (a finished setup still in place): no plan to show or confirm.
    if (steps.every((s) => s.readOnly || this.done.has(s.id))) return;
    const planned = planSteps(steps, { flags, state: this.state, cwd: env.files.cwd, dockerConfigPath: env.dockerConfig.path, done: doneEarlier });
    this.sink({ type: 'plan', steps: planned, dryRun: false });
    if (!env.prompter.interactive) return;
    const go = await this.questions({ id: steps[steps.length - 1]!.id, title: 'The plan' }, (p) =>
      p.confirm({ message: 'Go ahead with this plan?', default: true }),
    );
    if (!go) throw new CancelError(DECLINED);
  }

  /** A step done in an earlier run: still in place (done), or sent back to run. */
  private async recheck(step: Step): Promise<void> {
    const { steps, signal } = this.o;
    const i = this.index(step);
    this.running = step;
    this.sink({ type: 'step-start', id: step.id, index: i, total: steps.length, title: step.title, explain: step.explain, recheck: true });
    try {
      const r = await raceAbort(this.early.recheck(step, this.ctx(step)), signal).catch((e: unknown) => {
        // A re-check that cannot tell (a transient error, say) is no failure: the step runs again.
        const w = toWizardError(e);
        if (w.kind === 'cancel' || signal.aborted) throw w;
        return { done: false as const, why: `it could not be re-checked (${w.fullMessage})` };
      });
      if (r.done) return this.finished(step, r.summary ?? 'still in place', true);
      this.sendBack(step);
      if (!step.readOnly) this.notice(`${step.title}: done earlier, but ${r.why ?? 'it is no longer in place'}; it runs again.`);
      await this.save();
    } catch (e) {
      throw new StepFailure(toWizardError(e), i);
    }
  }

  private async execute(step: Step): Promise<void> {
    const { steps, env, signal } = this.o;
    const i = this.index(step);
    if (signal.aborted) throw new CancelError('interrupted');
    this.early.offer(steps.slice(i).filter((s) => !this.done.has(s.id)), this.state);
    this.running = step;
    this.sink({ type: 'step-start', id: step.id, index: i, total: steps.length, title: step.title, explain: step.explain, recheck: false });
    try {
      const run = (prompter: Prompter) => step.execute(this.ctx(step), { ...env, prompter }, signal);
      // A question while executing stays rare (push: an image built for another platform): it takes the terminal for itself.
      // A `before` step's checks may close a gap in a terminal (log in, start Docker): its questions, and
      // any program it runs in between (gcloud auth login), share one hand-over of the terminal.
      const outcome = await raceAbort(step.before ? this.questions(step, run) : run(this.prompterFor(step)), signal);
      // No warnings is no key (as loaded), so a run that found none saves no change for it.
      this.state = { ...this.state, ...outcome.state, ...(this.warnings.length ? { warnings: [...this.warnings] } : {}) };
      this.done.add(step.id);
      await this.save();
      this.finished(step, outcome.summary, false);
    } catch (e) {
      throw new StepFailure(toWizardError(e), i);
    }
  }

  private finished(step: Step, summary: string, skipped: boolean): void {
    const i = this.index(step);
    this.commandsByStep[step.id] = commandsOf(step, { flags: this.o.flags, state: this.state, cwd: this.o.env.files.cwd });
    this.results[i] = { id: step.id, title: step.title, status: 'done', ...(skipped ? { rechecked: true } : {}), summary };
    this.sink({ type: 'step-done', id: step.id, summary, skipped, commands: this.commandsByStep[step.id] });
  }

  /** What this run last wrote, but the time: a save that would change nothing else is skipped. */
  private lastSaved: string | undefined;

  /** Read-only steps done earlier and sent back to run: still recorded as done (see sendBack). */
  private readonly keptRecord = new Set<StepId>();

  private savedRun(): SavedRun {
    const { steps, env } = this.o;
    const done = steps.filter((s) => this.done.has(s.id) || this.keptRecord.has(s.id)).map((s) => s.id);
    return savedRun(this.state, done, env.clock.now());
  }

  private content(run: SavedRun = this.savedRun()): string {
    return JSON.stringify({ ...run, updatedAt: undefined });
  }

  private async persist(): Promise<void> {
    const run = this.savedRun();
    const content = this.content(run);
    if (content === this.lastSaved) return;
    await this.o.store.save(run);
    this.lastSaved = content;
  }

  private async save(): Promise<void> {
    const { store } = this.o;
    try {
      await this.persist();
    } catch (e) {
      this.notice(`Could not save progress to ${store.path}: ${toWizardError(e).fullMessage}`);
    }
  }

  private stopped(e: unknown): RunResult {
    const { steps, signal } = this.o;
    const failure = e instanceof StepFailure ? e : undefined;
    const err = failure ? failure.error : toWizardError(e);
    const step = failure ? steps[failure.index] : undefined;
    if (this.warnings.length) this.state = { ...this.state, warnings: [...this.warnings] };
    const base = { state: this.state, steps: this.results, commandsByStep: this.commandsByStep };
    if (err.kind === 'cancel' || signal.aborted) {
      if (step && err.message !== DECLINED) this.results[failure!.index]!.status = 'cancelled';
      const next = steps.find((s) => !this.done.has(s.id));
      const message =
        err.message === DECLINED
          ? 'Nothing was changed. Your answers are saved: run `registry-setup` again when you are ready.'
          : next
            ? `Stopped. Run \`registry-setup\` again to resume from ${next.title}.`
            : 'Stopped. Run `registry-setup` again to re-check the setup.';
      this.sink({ type: 'run-cancelled', state: this.state, resumeFrom: next?.id, resumeTitle: next?.title, message });
      return { ...base, status: 'cancelled', error: err.kind === 'cancel' ? err : new CancelError('interrupted') };
    }
    if (step) {
      this.results[failure!.index]!.status = 'failed';
      this.sink({ type: 'step-failed', id: step.id, error: err });
    }
    this.sink({ type: 'run-failed', state: this.state, error: err, ...(step ? { stepId: step.id } : {}) });
    return { ...base, status: 'failed', error: err };
  }
}

/** `p`, or a CancelError as soon as the signal aborts (the running step is abandoned). */
async function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new CancelError('interrupted'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    return await Promise.race([p, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
