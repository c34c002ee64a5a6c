// Early work: what the run starts before it is needed, in one place. The re-checks of steps done
// in an earlier run all start at once (each is a read); steps still to run start their own early
// work (Step.early) as soon as their inputs are known, under a key their execute() takes it by.
// Nothing here changes anything of the user's; whatever nobody takes is stopped when the run ends.
// (Before this scheduler exists, src/app/boot.ts starts gcloud's config-helper: adapters/early.ts.)
import type { Env, WizardState } from '../ports.js';
import { BugError } from '../errors.js';
import type { CheckResult, Flags, Step, StepContext, StepId, StepReporter } from '../steps/types.js';

const silent: StepReporter = { activity: () => {}, note: () => {}, item: () => {}, warn: () => {} };
/** Re-checks and early work change nothing, so they have nothing to save. */
const refuseSave = (): Promise<void> => Promise.reject(new BugError('a re-check or early work tried to save progress'));

export class EarlyWork {
  readonly store: Early;
  private readonly checks = new Map<StepId, Promise<CheckResult>>();

  constructor(
    private readonly o: {
      env: Env;
      flags: Flags;
      signal: AbortSignal;
      /** Early work has no panel of its own: the commands it starts are shown in the running step's. */
      showCall: (forStep: Step, text: string) => void;
    },
  ) {
    this.store = createEarly(o.signal);
  }

  private ctx(step: Step, state: Partial<WizardState>, report: StepReporter = silent): StepContext {
    return { flags: this.o.flags, state: { ...state }, report, early: this.store, save: refuseSave };
  }

  /** Starts the re-checks of the steps done earlier. One sent back to run may start its early work at once. */
  startRechecks(steps: Step[], done: ReadonlySet<StepId>, state: Partial<WizardState>): void {
    for (const s of steps) {
      // A `before` step runs every time: nothing to re-check.
      if (s.before || !done.has(s.id) || this.checks.has(s.id)) continue;
      const p = s.check(this.ctx(s, state), this.o.env, this.o.signal);
      p.then(
        (r) => !r.done && this.offer([s], state),
        () => this.offer([s], state),
      );
      this.checks.set(s.id, p);
    }
  }

  /** The re-check started early for `step`, or a new one. */
  recheck(step: Step, ctx: StepContext): Promise<CheckResult> {
    const early = this.checks.get(step.id);
    this.checks.delete(step.id);
    return early ?? step.check(ctx, this.o.env, this.o.signal);
  }

  /** Lets steps still to run start their early work with the state so far. */
  offer(steps: Step[], state: Partial<WizardState>): void {
    for (const step of steps) {
      if (!step.early) continue;
      const report: StepReporter = { ...silent, note: (n) => n.type === 'call' && this.o.showCall(step, n.text) };
      try {
        step.early(this.ctx(step, state, report), this.o.env);
      } catch {
        // early work is optional: the step does it itself in its turn
      }
    }
  }

  stop(): void {
    this.store.stop();
  }
}

// ---------- the keyed store of early results ----------

export interface Early {
  /** Start `fn` under `key` unless something already started there. Its failure is kept for take(). */
  start<T>(key: string, fn: (signal: AbortSignal) => Promise<T>): void;
  /** Start `fn` under `key` in place of what started there before (a change since made that stale). */
  replace<T>(key: string, fn: (signal: AbortSignal) => Promise<T>): void;
  /** The started work under `key` (once; later calls get undefined), or undefined if none. */
  take<T>(key: string): Promise<T> | undefined;
  /** The started work under `key` without taking it (other early work waits on it), or undefined. */
  peek<T>(key: string): Promise<T> | undefined;
  /** Stop what nobody took (the run ended). */
  stop(): void;
}

export function createEarly(parent?: AbortSignal): Early {
  const ac = new AbortController();
  const onParentAbort = () => ac.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  const started = new Map<string, Promise<unknown>>();
  const taken = new Set<string>();
  const start = <T>(key: string, fn: (signal: AbortSignal) => Promise<T>): void => {
    if (started.has(key) || taken.has(key) || ac.signal.aborted) return;
    let p: Promise<unknown>;
    try {
      p = fn(ac.signal);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.catch(() => {}); // reported only to whoever takes it
    started.set(key, p);
  };
  return {
    start,
    replace(key, fn) {
      started.delete(key);
      taken.delete(key);
      start(key, fn);
    },
    take<T>(key: string) {
      const p = started.get(key) as Promise<T> | undefined;
      if (p) {
        started.delete(key);
        taken.add(key);
      }
      return p;
    },
    peek<T>(key: string) {
      return started.get(key) as Promise<T> | undefined;
    },
    stop() {
      parent?.removeEventListener('abort', onParentAbort);
      ac.abort(new Error('the run ended'));
      started.clear();
    },
  };
}

/** The early result if there is one and it succeeded; otherwise `fn()` now (a background failure is never reported as such). */
export async function takeEarly<T>(p: Early | undefined, key: string, fn: () => Promise<T>): Promise<{ value: T; early: boolean }> {
  const early = p?.take<T>(key);
  if (early) {
    try {
      return { value: await early, early: true };
    } catch {
      // fall through: do it now, and report that attempt's error if it fails too
    }
  }
  return { value: await fn(), early: false };
}
