// The wizard's engine: runs the steps in order over an Env, saves progress after each one,
// resumes (re-checking steps done earlier instead of redoing them), handles Ctrl-C and
// --dry-run, and tells a sink what happens. Pure logic: no Ink, no process.*.
import type { Env, ProgressNote, ProgressStore, Prompter, RunLock, RunLockHandle, SavedRun, WizardState, CallOpts } from './ports.js';
import type { CheckResult, Flags, Step, StepContext, StepId, StepReporter } from './steps/types.js';
import { createPrefetch, type Prefetch } from './prefetch.js';
import { CancelError, toWizardError, type AnyWizardError } from './errors.js';

export type ItemStatus = 'ok' | 'warn' | 'fail' | 'running';
export interface StepItem {
  label: string;
  status: ItemStatus;
  detail?: string;
  fix?: string;
}

export interface StepInfo {
  id: StepId;
  title: string;
  explain: string;
}

export interface PlannedStep extends StepInfo {
  commands: string[];
}

/** Everything the runner tells the UI / the plain and JSON reporters. */
export type RunEvent =
  | { type: 'run-start'; steps: StepInfo[]; dryRun: boolean }
  /** Saved progress is used: steps in `done` are re-checked instead of re-run. */
  | { type: 'resume'; done: StepId[]; resumeFrom?: StepId; savedKey: string; complete: boolean }
  | { type: 'notice'; text: string }
  | { type: 'step-start'; id: StepId; index: number; total: number; title: string; explain: string; recheck: boolean }
  | { type: 'step-activity'; id: StepId; text: string }
  | { type: 'step-note'; id: StepId; note: ProgressNote }
  | { type: 'step-item'; id: StepId; item: StepItem }
  | { type: 'step-warn'; id: StepId; text: string }
  | { type: 'step-prompt-start'; id?: StepId; title?: string; message: string }
  | { type: 'step-prompt-end'; id?: StepId }
  | { type: 'step-done'; id: StepId; summary: string; skipped: boolean }
  | { type: 'step-failed'; id: StepId; error: AnyWizardError }
  | { type: 'plan'; steps: PlannedStep[] }
  | { type: 'run-done'; state: Partial<WizardState>; commandsByStep: Partial<Record<StepId, string[]>>; dryRun: boolean }
  /** The run failed; stepId is absent when it failed before any step (e.g. unreadable saved progress). */
  | { type: 'run-failed'; state: Partial<WizardState>; error: AnyWizardError; stepId?: StepId }
  | { type: 'run-cancelled'; state: Partial<WizardState>; resumeFrom?: StepId; resumeTitle?: string; message: string };

export type Sink = (e: RunEvent) => void;

export interface StepResult {
  id: StepId;
  title: string;
  status: 'done' | 'failed' | 'cancelled' | 'pending';
  /** Done in an earlier run and confirmed by a re-check. */
  rechecked?: boolean;
  summary?: string;
}

export interface RunResult {
  status: 'done' | 'failed' | 'cancelled';
  state: Partial<WizardState>;
  error?: AnyWizardError;
  steps: StepResult[];
  commandsByStep: Partial<Record<StepId, string[]>>;
}

export interface RunOptions {
  steps: Step[];
  env: Env;
  store: ProgressStore;
  flags: Flags;
  signal: AbortSignal;
  sink: Sink;
  /**
   * One wizard at a time: taken for the working folder at the start, and for
   * PROJECT/LOCATION/REPOSITORY as soon as those are known; released on every way out.
   * (Not taken for --dry-run, which changes nothing.)
   */
  lock?: RunLock;
}

/** Keys of WizardState that may be saved (anything else a step returns is not persisted). */
const SAVED_KEYS: (keyof WizardState)[] = [
  'project',
  'location',
  'repository',
  'repositoryName',
  'registryHost',
  'image',
  'source',
  'localImage',
  'sha',
  'imageUris',
  'digest',
  'dockerConfigBackup',
  'createdRepository',
  'warnings',
];

export function savedState(state: Partial<WizardState>): Partial<WizardState> {
  const out: Partial<WizardState> = {};
  for (const k of SAVED_KEYS) {
    if (state[k] !== undefined) (out as Record<string, unknown>)[k] = state[k];
  }
  return out;
}

export function runKey(state: Partial<WizardState>): string {
  return state.project && state.location && state.repository ? `${state.project}/${state.location}/${state.repository}` : '';
}

/** A saved run is complete when every step of the wizard is recorded as done. */
export function isComplete(run: SavedRun, steps: Step[]): boolean {
  return steps.every((s) => run.done.includes(s.id));
}

/** Which flags contradict the saved answers ("--project other" vs saved "p"). */
export function conflictsWithSaved(flags: Flags, saved: Partial<WizardState>): string[] {
  const out: string[] = [];
  if (flags.project && saved.project && flags.project !== saved.project) out.push(`--project ${flags.project} (saved: ${saved.project})`);
  if (flags.region && saved.location && flags.region !== saved.location) out.push(`--region ${flags.region} (saved: ${saved.location})`);
  if (flags.repository && saved.repository && flags.repository !== saved.repository)
    out.push(`--repository ${flags.repository} (saved: ${saved.repository})`);
  if (flags.image && saved.image && flags.image !== saved.image) out.push(`--image ${flags.image} (saved: ${saved.image})`);
  return out;
}

function describeSaved(run: SavedRun, steps: Step[]): string {
  const next = steps.find((s) => !run.done.includes(s.id));
  const parts: string[] = [];
  if (next) parts.push(`step ${next.title}`);
  if (run.state.project) parts.push(`project ${run.state.project}`);
  if (run.state.location) parts.push(`region ${run.state.location}`);
  if (run.state.repository) parts.push(`repository ${run.state.repository}`);
  return parts.join(', ');
}

/** Rejects with CancelError as soon as the signal aborts (the running step is abandoned). */
function untilAborted(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let onAbort: () => void = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(new CancelError('interrupted'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

async function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  const a = untilAborted(signal);
  try {
    return await Promise.race([p, a.promise]);
  } finally {
    a.dispose();
  }
}

/** A Prompter that tells the sink a question is being asked (for which step), then asks. */
function announcingPrompter(inner: Prompter, sink: Sink, step: () => { id?: StepId; title?: string }, signal: AbortSignal): Prompter {
  const wrap =
    <Q extends { message: string }, R>(fn: (q: Q, opts?: CallOpts) => Promise<R>) =>
    async (q: Q, opts?: CallOpts): Promise<R> => {
      const s = step();
      sink({ type: 'step-prompt-start', id: s.id, title: s.title, message: q.message });
      try {
        return await fn(q, { ...opts, signal: opts?.signal ?? signal });
      } finally {
        sink({ type: 'step-prompt-end', id: s.id });
      }
    };
  return {
    get interactive() {
      return inner.interactive;
    },
    select: wrap((q, o) => inner.select(q, o)) as Prompter['select'],
    search: wrap((q, o) => inner.search(q, o)) as Prompter['search'],
    input: wrap((q, o) => inner.input(q, o)),
    confirm: wrap((q, o) => inner.confirm(q, o)),
  };
}

function reporterFor(id: StepId, sink: Sink, warnings: string[]): StepReporter {
  return {
    activity: (text) => sink({ type: 'step-activity', id, text }),
    note: (note) => sink({ type: 'step-note', id, note }),
    warn: (text) => {
      if (!warnings.includes(text)) warnings.push(text);
      sink({ type: 'step-warn', id, text });
    },
    item: (item) => sink({ type: 'step-item', id, item }),
  };
}

/** The key of the folder lock. */
export function folderLockKey(cwd: string): string {
  return `the folder ${cwd}`;
}

export async function runWizard(opts: RunOptions): Promise<RunResult> {
  const held = new Map<string, RunLockHandle>();
  try {
    return await runLocked(opts, held);
  } finally {
    for (const h of held.values()) await h.release().catch(() => {});
  }
}

async function runLocked(opts: RunOptions, held: Map<string, RunLockHandle>): Promise<RunResult> {
  const { steps, env, store, flags, signal } = opts;
  // Once the run has ended, an abandoned step (Ctrl-C) may still report: nobody listens any more.
  let ended = false;
  const sink: Sink = (e) => {
    if (ended) return;
    opts.sink(e);
    if (e.type === 'run-done' || e.type === 'run-failed' || e.type === 'run-cancelled') ended = true;
  };
  const infos: StepInfo[] = steps.map((s) => ({ id: s.id, title: s.title, explain: s.explain }));
  const results: StepResult[] = steps.map((s) => ({ id: s.id, title: s.title, status: 'pending' }));
  const commandsByStep: Partial<Record<StepId, string[]>> = {};
  let current: { id?: StepId; title?: string } = {};
  const prompter = announcingPrompter(env.prompter, sink, () => current, signal);
  const wenv: Env = { ...env, prompter };

  sink({ type: 'run-start', steps: infos, dryRun: flags.dryRun });
  const notice = (text: string) => sink({ type: 'notice', text });

  // ---- one wizard at a time ----
  const folderKey = opts.lock && !flags.dryRun ? folderLockKey(env.files.cwd) : '';
  /** Takes the lock for key (once); an error when another live run holds it. */
  async function lockFor(key: string): Promise<AnyWizardError | null> {
    if (!opts.lock || flags.dryRun || !key || held.has(key)) return null;
    try {
      const h = await opts.lock.acquire(key);
      held.set(key, h);
      if (h.notice) notice(h.notice);
    } catch (e) {
      return toWizardError(e);
    }
    // The answers changed to another repository (a re-run step): the old one is not ours any more.
    for (const [k, h] of held) {
      if (k !== key && k !== folderKey) {
        held.delete(k);
        await h.release().catch(() => {});
      }
    }
    return null;
  }
  const lockFailed = (err: AnyWizardError, st: Partial<WizardState>): RunResult => {
    sink({ type: 'run-failed', state: st, error: err });
    return { status: 'failed', state: st, error: err, steps: results, commandsByStep };
  };
  if (folderKey) {
    const err = await lockFor(folderKey);
    if (err) return lockFailed(err, {});
  }

  let state: Partial<WizardState> = {};
  const done = new Set<string>();
  const warnings: string[] = [];

  // ---- saved progress ----
  let saved: SavedRun | null = null;
  const storeNotice = (store as { notice?: string }).notice;
  if (storeNotice) notice(storeNotice);

  if (flags.restart && !flags.dryRun) {
    await store.clear();
    const after = (store as { notice?: string }).notice;
    if (after && after !== storeNotice) notice(after);
    notice('Saved progress discarded (--restart): starting from the first step.');
  } else if (!flags.restart) {
    try {
      saved = await store.latest();
    } catch (e) {
      // E.g. a file from a newer registry-setup: refuse clearly rather than overwrite it.
      const err = toWizardError(e);
      if (err.kind === 'cancel') return cancelledOrFailed(err, undefined);
      sink({ type: 'run-failed', state: {}, error: err });
      return { status: 'failed', state: {}, error: err, steps: results, commandsByStep };
    }
  }

  let resumed = false;
  if (saved && saved.done.length > 0) {
    const conflicts = conflictsWithSaved(flags, saved.state);
    if (conflicts.length > 0) {
      notice(
        `Saved progress is for ${saved.key || describeSaved(saved, steps)}, but you asked for ${conflicts.join(', ')}: starting a fresh setup for that.`,
      );
      saved = null;
    } else if (isComplete(saved, steps)) {
      resumed = true;
      notice(`This setup was completed before (${describeSaved(saved, steps)}): re-checking each step quickly.`);
    } else if (flags.dryRun) {
      resumed = true;
      notice(`Saved progress found (${describeSaved(saved, steps)}); the plan below starts from it.`);
    } else if (env.prompter.interactive) {
      // Ask before anything else runs.
      current = { title: 'Saved progress' };
      let yes: boolean;
      try {
        yes = await raceAbort(
          prompter.confirm({ message: `Resume where you stopped (${describeSaved(saved, steps)})?`, default: true }, { signal }),
          signal,
        );
      } catch (e) {
        // Stopped at the question: the saved progress is untouched, so say where it resumes.
        for (const id of saved.done) done.add(id);
        state = { ...saved.state };
        return cancelledOrFailed(toWizardError(e), undefined);
      }
      current = {};
      if (yes) {
        resumed = true;
      } else {
        saved = null;
        await store.clear();
        notice('Starting over from the first step.');
      }
    } else {
      resumed = true;
      notice(`Resuming saved progress (${describeSaved(saved, steps)}). Use --restart to start over.`);
    }
  } else {
    saved = null;
  }

  state = resumed && saved ? { ...saved.state } : {};
  for (const id of resumed && saved ? saved.done : []) done.add(id);
  if (resumed && saved) {
    sink({
      type: 'resume',
      done: steps.filter((s) => done.has(s.id)).map((s) => s.id),
      resumeFrom: steps.find((s) => !done.has(s.id))?.id,
      savedKey: saved.key,
      complete: isComplete(saved, steps),
    });
  }

  // ---- dry run: plan only ----
  if (flags.dryRun) {
    const planState: Partial<WizardState> = {
      ...state,
      ...(flags.project ? { project: flags.project } : {}),
      ...(flags.region ? { location: flags.region } : {}),
      ...(flags.repository ? { repository: flags.repository } : {}),
      ...(flags.image ? { image: flags.image } : {}),
      ...(flags.source ? { source: flags.source } : {}),
    };
    const planned: PlannedStep[] = steps.map((s) => {
      const ctx: StepContext = { flags, state: { ...planState }, report: reporterFor(s.id, () => {}, []) };
      const commands = planOf(s, ctx, wenv);
      commandsByStep[s.id] = commands;
      return { id: s.id, title: s.title, explain: s.explain, commands };
    });
    sink({ type: 'plan', steps: planned });
    sink({ type: 'run-done', state: planState, commandsByStep, dryRun: true });
    return { status: 'done', state: planState, steps: results, commandsByStep };
  }

  warnings.push(...(state.warnings ?? []));

  async function save(): Promise<void> {
    const run: SavedRun = {
      version: 1,
      key: runKey(state),
      updatedAt: new Date(env.clock.now()).toISOString(),
      done: steps.filter((s) => done.has(s.id)).map((s) => s.id),
      state: savedState(state),
    };
    try {
      await store.save(run);
    } catch (e) {
      const w = toWizardError(e);
      sink({ type: 'notice', text: `Could not save progress to ${store.path}: ${w.fullMessage}` });
    }
  }

  function cancelledOrFailed(err: AnyWizardError, stepIdx: number | undefined): RunResult {
    if (warnings.length) state = { ...state, warnings: [...warnings] };
    const step = stepIdx === undefined ? undefined : steps[stepIdx];
    if (err.kind === 'cancel' || signal.aborted) {
      if (step) results[stepIdx!].status = 'cancelled';
      const next = steps.find((s) => !done.has(s.id));
      const message = next
        ? `Stopped. Run \`registry-setup\` again to resume from ${next.title}.`
        : 'Stopped. Run `registry-setup` again to re-check the setup.';
      sink({ type: 'run-cancelled', state, resumeFrom: next?.id, resumeTitle: next?.title, message });
      return { status: 'cancelled', state, error: err.kind === 'cancel' ? err : new CancelError('interrupted'), steps: results, commandsByStep };
    }
    if (step) {
      results[stepIdx!].status = 'failed';
      sink({ type: 'step-failed', id: step.id, error: err });
      sink({ type: 'run-failed', state, error: err, stepId: step.id });
      return { status: 'failed', state, error: err, steps: results, commandsByStep };
    }
    return { status: 'failed', state, error: err, steps: results, commandsByStep };
  }

  const prefetched = createPrefetch(signal);
  try {
    return await runSteps(prefetched);
  } finally {
    prefetched.stop();
  }

  /**
   * Early work has no panel of its own: the commands it starts are shown in the running step's panel
   * ("meanwhile, for …"), so nothing runs unseen; its other reports are dropped.
   */
  function backgroundReporter(forStep: Step): StepReporter {
    return {
      ...silentReporter,
      note: (n) => {
        if (n.type === 'call' && current.id) sink({ type: 'step-note', id: current.id, note: { type: 'line', text: `meanwhile, for "${forStep.title}": ${n.text}` } });
      },
    };
  }

  /** Let a step that is still to run start its early work (Step.prefetch), with the state so far. */
  function offerEarlyWork(step: Step, prefetched: Prefetch): void {
    if (!step.prefetch) return;
    try {
      step.prefetch({ flags, state: { ...state }, report: backgroundReporter(step), prefetched }, wenv);
    } catch {
      // early work is optional: the step does it itself in its turn
    }
  }

  async function runSteps(prefetched: Prefetch): Promise<RunResult> {
    // On a re-run, the cheap re-checks of steps done earlier all start at once (each is a read: an
    // API call, a file read); the steps still take their results in order. A result is used only
    // while no step run in between has changed the saved state it was checked against.
    let earlyChecks: Map<StepId, Promise<CheckResult>> | undefined;
    let checkedAgainst: Partial<WizardState> = {};
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (signal.aborted) return cancelledOrFailed(new CancelError('interrupted'), undefined);
      // As soon as project, location and repository are known (answers or flags), lock them.
      const key = runKey({
        project: state.project ?? flags.project,
        location: state.location ?? flags.region,
        repository: state.repository ?? flags.repository,
      });
      const lockErr = await lockFor(key);
      if (lockErr) {
        if (warnings.length) state = { ...state, warnings: [...warnings] };
        return lockFailed(lockErr, state);
      }
      if (!earlyChecks) {
        earlyChecks = new Map();
        checkedAgainst = { ...state };
        for (const s of steps) {
          if (!done.has(s.id)) continue;
          const p = s.check({ flags, state: { ...state, warnings: [...warnings] }, report: silentReporter, prefetched }, wenv, signal);
          // A step done earlier that its re-check sends back to run (the summary always) is a step
          // still to run: it may start its early work now, as those do below.
          p.then(
            (r) => {
              if (!r.done) offerEarlyWork(s, prefetched);
            },
            () => offerEarlyWork(s, prefetched),
          );
          earlyChecks.set(s.id, p);
        }
      }
      // Steps still to run may start their early work now that more is known (Step.prefetch).
      for (const later of steps.slice(i)) if (!done.has(later.id)) offerEarlyWork(later, prefetched);
      current = { id: step.id, title: step.title };
      const report = reporterFor(step.id, sink, warnings);
      const ctx = (): StepContext => ({ flags, state: { ...state, warnings: [...warnings] }, report, prefetched });
      const recheck = done.has(step.id);
      sink({ type: 'step-start', id: step.id, index: i, total: steps.length, title: step.title, explain: step.explain, recheck });
      try {
        if (recheck) {
          const c = ctx();
          let r: CheckResult;
          try {
            const early = earlyChecks.get(step.id);
            earlyChecks.delete(step.id);
            r = await raceAbort(early ?? step.check(c, wenv, signal), signal);
          } catch (e) {
            // A re-check that cannot tell (e.g. a transient error) is not a failure: the step itself
            // runs again (steps are idempotent) and reports any real problem with its own context.
            const w = toWizardError(e);
            if (w.kind === 'cancel' || signal.aborted) throw w;
            r = { done: false, why: `it could not be re-checked (${w.fullMessage})` };
          }
          if (r.done) {
            commandsByStep[step.id] = planOf(step, c, wenv);
            const summary = r.summary ?? 'still in place';
            results[i] = { id: step.id, title: step.title, status: 'done', rechecked: true, summary };
            sink({ type: 'step-done', id: step.id, summary, skipped: true });
            continue;
          }
          done.delete(step.id);
          sink({ type: 'notice', text: `${step.title}: done earlier, but ${r.why ?? 'it is no longer in place'}; running it again.` });
          await save();
        }
        const outcome = await raceAbort(step.run(ctx(), wenv, signal), signal);
        // A step that changed what the early re-checks were checked against makes them stale.
        const changed = Object.entries(outcome.state).some(
          ([k, v]) => k in checkedAgainst && JSON.stringify(checkedAgainst[k as keyof WizardState]) !== JSON.stringify(v),
        );
        if (changed) earlyChecks.clear();
        state = { ...state, ...outcome.state, warnings: [...warnings] };
        done.add(step.id);
        commandsByStep[step.id] = outcome.commands ?? [];
        await save();
        results[i] = { id: step.id, title: step.title, status: 'done', summary: outcome.summary };
        sink({ type: 'step-done', id: step.id, summary: outcome.summary, skipped: false });
      } catch (e) {
        return cancelledOrFailed(toWizardError(e), i);
      }
    }
    current = {};
    sink({ type: 'run-done', state, commandsByStep, dryRun: false });
    return { status: 'done', state, steps: results, commandsByStep };
  }
}

/** A step's equivalent commands (Step.plan); a plan that cannot be made is none, never a failure. */
function planOf(step: Step, ctx: StepContext, env: Env): string[] {
  try {
    return step.plan?.(ctx, env) ?? [];
  } catch {
    return [];
  }
}

/** The reporter early work gets: it has no panel (its step is not running), so it reports nothing. */
const silentReporter: StepReporter = {
  activity: () => {},
  note: () => {},
  item: () => {},
  warn: () => {},
};

/** Exit code for a run result: 0 done, 1 a step failed, 130 interrupted. */
export function exitCodeFor(r: Pick<RunResult, 'status'>): number {
  return r.status === 'done' ? 0 : r.status === 'cancelled' ? 130 : 1;
}
