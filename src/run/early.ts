// Early work: what the run starts before it is needed, in one place. The re-checks of steps done
// in an earlier run all start at once (each is a read); steps still to run may start their own
// early work (Step.prefetch) as soon as their inputs are known. Nothing here changes anything of
// the user's; whatever nobody takes is stopped when the run ends.
import type { Env, WizardState } from '../ports.js';
import type { CheckResult, Flags, Step, StepContext, StepId, StepReporter } from '../steps/types.js';
import { createPrefetch, type Prefetch } from '../prefetch.js';

const silent: StepReporter = { activity: () => {}, note: () => {}, item: () => {}, warn: () => {} };

export class EarlyWork {
  readonly prefetched: Prefetch;
  private readonly checks = new Map<StepId, Promise<CheckResult>>();
  private checkedAgainst: Partial<WizardState> = {};

  constructor(
    private readonly o: {
      env: Env;
      flags: Flags;
      signal: AbortSignal;
      /** Early work has no panel of its own: the commands it starts are shown in the running step's. */
      showCall: (forStep: Step, text: string) => void;
    },
  ) {
    this.prefetched = createPrefetch(o.signal);
  }

  private ctx(step: Step, state: Partial<WizardState>, report: StepReporter = silent): StepContext {
    return { flags: this.o.flags, state: { ...state }, report, prefetched: this.prefetched };
  }

  /** Starts the re-checks of the steps done earlier. One sent back to run may start its early work at once. */
  startRechecks(steps: Step[], done: ReadonlySet<StepId>, state: Partial<WizardState>): void {
    this.checkedAgainst = { ...state };
    for (const s of steps) {
      if (!done.has(s.id) || this.checks.has(s.id)) continue;
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

  /** A step changed what the early re-checks were checked against: they are stale. */
  changed(next: Partial<WizardState>): void {
    const stale = Object.entries(next).some(
      ([k, v]) => k in this.checkedAgainst && JSON.stringify(this.checkedAgainst[k as keyof WizardState]) !== JSON.stringify(v),
    );
    if (stale) this.checks.clear();
  }

  /** Lets steps still to run start their early work with the state so far. */
  offer(steps: Step[], state: Partial<WizardState>): void {
    for (const step of steps) {
      if (!step.prefetch) continue;
      const report: StepReporter = { ...silent, note: (n) => n.type === 'call' && this.o.showCall(step, n.text) };
      try {
        step.prefetch(this.ctx(step, state, report), this.o.env);
      } catch {
        // early work is optional: the step does it itself in its turn
      }
    }
  }

  stop(): void {
    this.prefetched.stop();
  }
}
