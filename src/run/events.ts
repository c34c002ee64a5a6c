// What the runner tells the UI, the plain and JSON reporters, and its callers.
import type { ProgressNote, WizardState } from '../ports.js';
import type { StepId } from '../steps/types.js';
import type { AnyWizardError } from '../errors.js';

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
  /** What it will change, in words ("adds credHelpers[HOST] to ~/.docker/config.json"); none for a step done earlier. */
  changes: string[];
  /** Done in an earlier run: it is only re-checked. */
  doneEarlier?: boolean;
}

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
  /** A step's questions begin (one heading per step) / are over. */
  | { type: 'step-prompt-start'; id?: StepId; title?: string; message: string }
  | { type: 'step-prompt-end'; id?: StepId }
  /** commands: the guide's commands for it, with the values now known (as in the summary's script). */
  | { type: 'step-done'; id: StepId; summary: string; skipped: boolean; commands?: string[] }
  /** A step done earlier whose re-check sent it back to run: it is to run again. */
  | { type: 'step-undone'; id: StepId }
  | { type: 'step-failed'; id: StepId; error: AnyWizardError }
  /** Everything is asked: what will run. Before the confirmation, and for --dry-run. */
  | { type: 'plan'; steps: PlannedStep[]; dryRun: boolean }
  | { type: 'run-done'; state: Partial<WizardState>; commandsByStep: Partial<Record<StepId, string[]>>; dryRun: boolean }
  /** The run failed; stepId is absent when it failed outside a step (e.g. unreadable saved progress). */
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

/** Exit code for a run result: 0 done, 1 a step failed, 130 interrupted. */
export function exitCodeFor(r: Pick<RunResult, 'status'>): number {
  return r.status === 'done' ? 0 : r.status === 'cancelled' ? 130 : 1;
}
