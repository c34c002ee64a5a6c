// The plan: every step's commands (Step.commands, the one source) with the values known so far,
// and what it will change. The same list is the confirmation screen, --dry-run and the script.
import type { WizardState } from '../ports.js';
import type { Flags, PlanContext, Step } from '../steps/types.js';
import type { PlannedStep } from './events.js';

/** A step's commands; a plan that cannot be made is none, never a failure. */
export function commandsOf(step: Step, ctx: PlanContext): string[] {
  try {
    return step.commands(ctx);
  } catch {
    return [];
  }
}

function changesOf(step: Step, ctx: PlanContext): string[] {
  try {
    return step.changes?.(ctx) ?? [];
  } catch {
    return [];
  }
}

export function planSteps(steps: Step[], o: { flags: Flags; state: Partial<WizardState>; cwd?: string; dockerConfigPath?: string; done: ReadonlySet<string> }): PlannedStep[] {
  return steps.map((s) => {
    const ctx: PlanContext = { flags: o.flags, state: { ...o.state }, cwd: o.cwd, dockerConfigPath: o.dockerConfigPath };
    const doneEarlier = o.done.has(s.id);
    return { id: s.id, title: s.title, explain: s.explain, commands: commandsOf(s, ctx), changes: doneEarlier ? [] : changesOf(s, ctx), ...(doneEarlier ? { doneEarlier } : {}) };
  });
}

/** The state a --dry-run plans with: the saved answers, then the flags. */
export function dryRunState(flags: Flags, state: Partial<WizardState>): Partial<WizardState> {
  return {
    ...state,
    ...(flags.project ? { project: flags.project } : {}),
    ...(flags.region ? { location: flags.region } : {}),
    ...(flags.repository ? { repository: flags.repository } : {}),
    ...(flags.image ? { image: flags.image } : {}),
    ...(flags.source ? { source: flags.source } : {}),
  };
}
