// Saved progress → the state and the steps done, before anything else runs. A saved run for
// other answers than the flags' starts fresh; an unfinished one is resumed (asked first in a terminal).
import type { ProgressStore, SavedRun, WizardState } from '../ports.js';
import type { Flags, Step, StepId } from '../steps/types.js';
import { savedState } from './state.js';

export interface Resumed {
  state: Partial<WizardState>;
  done: Set<StepId>;
  /** Set when saved progress is used. */
  saved?: SavedRun;
  complete: boolean;
}

/** A saved run is complete when every step of the wizard is recorded as done. */
export function isComplete(run: SavedRun, steps: Step[]): boolean {
  return steps.every((s) => run.done.includes(s.id));
}

/** Which flags contradict the saved answers ("--project other" vs saved "p"). */
export function conflictsWithSaved(flags: Flags, saved: Partial<WizardState>): string[] {
  const pairs: [string, string | undefined, string | undefined][] = [
    ['--project', flags.project, saved.project],
    ['--region', flags.region, saved.location],
    ['--repository', flags.repository, saved.repository],
    ['--image', flags.image, saved.image],
  ];
  return pairs.filter(([, f, s]) => f && s && f !== s).map(([flag, f, s]) => `${flag} ${f} (saved: ${s})`);
}

export function describeSaved(run: SavedRun, steps: Step[]): string {
  const next = steps.find((s) => !run.done.includes(s.id));
  const parts: string[] = [];
  if (next) parts.push(`step ${next.title}`);
  if (run.state.project) parts.push(`project ${run.state.project}`);
  if (run.state.location) parts.push(`region ${run.state.location}`);
  if (run.state.repository) parts.push(`repository ${run.state.repository}`);
  return parts.join(', ');
}

/**
 * Reads saved progress and decides whether to use it. `askResume` asks the user (a terminal, an
 * unfinished run); it is not called otherwise. Throws what the store throws (e.g. a newer format).
 */
export async function resume(o: {
  steps: Step[];
  store: ProgressStore;
  flags: Flags;
  notice: (text: string) => void;
  askResume?: (where: string) => Promise<boolean>;
}): Promise<Resumed> {
  const { steps, store, flags, notice } = o;
  const fresh: Resumed = { state: {}, done: new Set(), complete: false };
  const before = store.notice;
  if (before) notice(before);
  if (flags.restart) {
    if (flags.dryRun) return fresh;
    await store.clear();
    if (store.notice && store.notice !== before) notice(store.notice);
    notice('Saved progress discarded (--restart): starting from the first step.');
    return fresh;
  }
  const saved = await store.latest();
  if (!saved || saved.done.length === 0) return fresh;
  const conflicts = conflictsWithSaved(flags, saved.state);
  if (conflicts.length > 0) {
    notice(`Saved progress is for ${saved.key || describeSaved(saved, steps)}, but you asked for ${conflicts.join(', ')}: starting a fresh setup for that.`);
    return fresh;
  }
  const complete = isComplete(saved, steps);
  const where = describeSaved(saved, steps);
  if (complete) notice(`This setup was completed before (${where}): re-checking each step quickly.`);
  else if (flags.dryRun) notice(`Saved progress found (${where}); the plan below starts from it.`);
  else if (o.askResume) {
    if (!(await o.askResume(where))) {
      await store.clear();
      notice('Starting over from the first step.');
      return fresh;
    }
  } else notice(`Resuming saved progress (${where}). Use --restart to start over.`);
  const done = new Set(steps.filter((s) => saved.done.includes(s.id)).map((s) => s.id));
  return { state: savedState(saved.state), done, saved, complete };
}
