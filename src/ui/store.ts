// The UI's state, fed by runner events. The Ink <App> renders a snapshot of it.
// While a prompt owns the terminal, events are queued and applied when it hands the terminal back,
// so nothing Ink draws can interleave with @inquirer's output.
import type { RunEvent, StepInfo, StepItem } from '../runner.js';
import type { StepId } from '../steps/types.js';
import type { AnyWizardError } from '../errors.js';
import type { WizardState } from '../ports.js';
import type { PlannedStep } from '../runner.js';
import { layerText } from '../output/format.js';

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

export interface UiStep extends StepInfo {
  status: StepStatus;
  summary?: string;
  /** Done in an earlier run and re-checked now. */
  rechecked?: boolean;
  /** Being re-checked (done earlier). */
  recheck?: boolean;
  /** Recorded as done in saved progress (will be re-checked, not redone). */
  doneEarlier?: boolean;
}

export interface LivePanel {
  id: StepId;
  index: number;
  total: number;
  activity?: string;
  /** Last output lines (at most LIVE_LINES). */
  lines: string[];
  retry?: string;
  layers: { id: string; text: string }[];
  items: StepItem[];
  warnings: string[];
}

/** Lines written once, above the live area (Ink <Static>): the transcript of the run. */
export type Entry =
  | { key: string; kind: 'header'; dryRun: boolean }
  | { key: string; kind: 'notice'; text: string }
  /** commands: the guide's commands for the step, with the user's values (shown under it the first time). */
  | { key: string; kind: 'step'; step: UiStep; items: StepItem[]; warnings: string[]; commands?: string[] }
  | { key: string; kind: 'question'; stepTitle?: string; index?: number; total?: number; message: string }
  | { key: string; kind: 'error'; stepTitle?: string; error: AnyWizardError }
  | { key: string; kind: 'plan'; steps: PlannedStep[]; dryRun: boolean }
  /** stepless: the run stopped between steps (a lock held by another run, unusable saved progress). */
  | { key: string; kind: 'failed-footer'; stepless?: { anyDone: boolean } }
  | { key: string; kind: 'cancelled'; message: string };

export interface UiState {
  steps: UiStep[];
  entries: Entry[];
  live: LivePanel | null;
  /** A question owns the terminal. */
  prompting: { stepTitle?: string; message: string } | null;
  finished: boolean;
  /** What a finished run hands the summary: written after Ink is gone (src/ui/mount.tsx), not drawn by it. */
  summary: { state: Partial<WizardState>; commandsByStep: Partial<Record<StepId, string[]>> } | null;
  /** 'starting' until the runner says run-start (first frame is drawn before any slow work). */
  phase: 'starting' | 'running' | 'finished';
  /** A resumed run: the transcript stays compact (no teaching under the steps). */
  compact?: boolean;
}

export const LIVE_LINES = 5;

/** One frame: Ink draws at most 10 a second (src/ui/mount.tsx). */
export const FRAME_MS = 100;

let seq = 0;
const key = (p: string) => `${p}-${++seq}`;

export class UiStore {
  private state: UiState;
  private listeners = new Set<() => void>();
  /** <App> is told at the next turn of the event loop… */
  private nextTurn: NodeJS.Immediate | undefined;
  /** …or when the frame ends. */
  private frameEnd: NodeJS.Timeout | undefined;
  private lastFlush = 0;
  private queue: RunEvent[] = [];
  private promptWaiters: (() => void)[] = [];
  private isReleased = false;

  /** `header: false`: the header was written before Ink loaded (src/app/boot.ts), so it is not an entry. */
  constructor(initialSteps: StepInfo[] = [], opts: { dryRun?: boolean; header?: boolean } = {}) {
    this.state = {
      steps: initialSteps.map((s) => ({ ...s, status: 'pending' })),
      entries: opts.header === false ? [] : [{ key: key('header'), kind: 'header', dryRun: !!opts.dryRun }],
      live: null,
      prompting: null,
      finished: false,
      summary: null,
      phase: 'starting',
    };
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): UiState => this.state;

  /**
   * The state changes at once (getSnapshot always answers the latest); <App> hears of it at most
   * once per frame (FRAME_MS, Ink's own pace): at the next turn of the event loop after a quiet
   * frame, else when the frame ends. Ink renders on the legacy root, where every notification is a
   * full render and layout, and a new transcript entry is drawn at once, unpaced: a run's bursts of
   * events (a re-run's re-checks, the end of a run) cost a few frames instead of one per event.
   * `urgent`: the next turn whatever the frame (the terminal's hand-over to a prompt and back).
   */
  private set(next: UiState, urgent = false): void {
    this.state = next;
    if (this.nextTurn || (this.frameEnd && !urgent)) return;
    const wait = urgent ? 0 : this.lastFlush + FRAME_MS - Date.now();
    if (wait > 0) {
      this.frameEnd = setTimeout(() => this.flush(), wait);
      return;
    }
    clearTimeout(this.frameEnd);
    this.frameEnd = undefined;
    this.nextTurn = setImmediate(() => this.flush());
  }

  /** Tell <App> now about any change it has not heard of yet (before unmounting, say). */
  flush(): void {
    clearImmediate(this.nextTurn);
    clearTimeout(this.frameEnd);
    this.nextTurn = this.frameEnd = undefined;
    this.lastFlush = Date.now();
    for (const l of this.listeners) l();
  }

  /** Apply one runner event (queued while a prompt owns the terminal). */
  dispatch = (e: RunEvent): void => {
    if (e.type === 'step-prompt-start') {
      this.startPrompt({ stepTitle: e.title, message: e.message, id: e.id });
      return;
    }
    if (e.type === 'step-prompt-end') {
      this.endPrompt();
      return;
    }
    if (this.state.prompting) {
      this.queue.push(e);
      return;
    }
    this.set(reduce(this.state, e));
  };

  /** A prompt is about to take the terminal (idempotent). */
  startPrompt(p: { stepTitle?: string; message: string; id?: StepId }): void {
    if (this.state.prompting) return;
    this.isReleased = false;
    this.set(reduce(this.state, { type: 'step-prompt-start', id: p.id, title: p.stepTitle, message: p.message }), true); // the prompt waits for it
  }

  /** The prompt gave the terminal back: resume, and apply what arrived meanwhile. */
  endPrompt(): void {
    if (!this.state.prompting) return;
    this.isReleased = false;
    let s: UiState = { ...this.state, prompting: null };
    const q = this.queue.splice(0);
    for (const e of q) s = reduce(s, e);
    this.set(s, true);
  }

  /** Called by <App> once it has stopped reading stdin for the prompt and drawn the compact line. */
  released(): void {
    this.isReleased = true;
    for (const w of this.promptWaiters.splice(0)) w();
  }

  /** Resolves when <App> has released the terminal (see released()). */
  whenReleased(): Promise<void> {
    if (this.state.prompting && this.isReleased) return Promise.resolve();
    return new Promise((r) => this.promptWaiters.push(r));
  }
}

function patchStep(steps: UiStep[], id: StepId, patch: Partial<UiStep>): UiStep[] {
  return steps.map((s) => (s.id === id ? { ...s, ...patch } : s));
}

/** A step has ended: its line, with what its live panel gathered, joins the transcript; then `after`'s entries (keyed after it). */
function endStep(s: UiState, id: StepId, patch: Partial<UiStep>, after: (step: UiStep) => Entry[] = () => [], commands?: string[]): UiState {
  const steps = patchStep(s.steps, id, patch);
  const step = steps.find((x) => x.id === id)!;
  const live = s.live?.id === id ? s.live : null;
  const line: Entry = { key: key('step'), kind: 'step', step, items: live?.items ?? [], warnings: live?.warnings ?? [], ...(commands ? { commands } : {}) };
  return { ...s, steps, live: null, entries: [...s.entries, line, ...after(step)] };
}

/** A step's commands, unless the plan on screen showed them already (written just above, with the same values). */
function notInPlan(entries: Entry[], id: StepId, commands: string[] | undefined): string[] | undefined {
  const planned = entries.some((en) => en.kind === 'plan' && en.steps.some((p) => p.id === id && p.commands.length));
  return planned ? undefined : commands;
}

export function reduce(s: UiState, e: RunEvent): UiState {
  switch (e.type) {
    case 'run-start': {
      const known = new Map(s.steps.map((x) => [x.id, x]));
      return {
        ...s,
        phase: 'running',
        steps: e.steps.map((x) => ({ ...x, status: known.get(x.id)?.status ?? 'pending' })),
        entries: s.entries.map((en) => (en.kind === 'header' ? { ...en, dryRun: e.dryRun } : en)),
      };
    }
    case 'resume':
      return { ...s, compact: s.compact || e.done.length > 0, steps: s.steps.map((x) => (e.done.includes(x.id) ? { ...x, doneEarlier: true } : x)) };
    case 'notice':
      return { ...s, entries: [...s.entries, { key: key('notice'), kind: 'notice', text: e.text }] };
    case 'step-start':
      return {
        ...s,
        steps: patchStep(s.steps, e.id, { status: 'running', recheck: e.recheck }),
        live: { id: e.id, index: e.index, total: e.total, lines: [], layers: [], items: [], warnings: [] },
      };
    case 'step-activity':
      return s.live ? { ...s, live: { ...s.live, activity: e.text, retry: undefined } } : s;
    case 'step-note': {
      if (!s.live) return s;
      const n = e.note;
      if (n.type === 'call') return { ...s, live: { ...s.live, activity: n.text, retry: undefined } };
      if (n.type === 'line') return { ...s, live: { ...s.live, lines: [...s.live.lines, n.text].slice(-LIVE_LINES), retry: undefined } };
      if (n.type === 'retry') return { ...s, live: { ...s.live, retry: n.text } };
      const layers = s.live.layers.filter((l) => l.id !== n.id);
      const idx = s.live.layers.findIndex((l) => l.id === n.id);
      const entry = { id: n.id, text: layerText(n) };
      if (idx === -1) layers.push(entry);
      else layers.splice(idx, 0, entry);
      return { ...s, live: { ...s.live, layers, retry: undefined } };
    }
    case 'step-item': {
      if (!s.live) return s;
      const items = s.live.items.filter((i) => i.label !== e.item.label);
      const idx = s.live.items.findIndex((i) => i.label === e.item.label);
      if (idx === -1) items.push(e.item);
      else items.splice(idx, 0, e.item);
      return { ...s, live: { ...s.live, items } };
    }
    case 'step-warn':
      return s.live ? { ...s, live: { ...s.live, warnings: [...s.live.warnings, e.text] } } : s;
    case 'step-prompt-start': {
      const step = e.id ? s.steps.find((x) => x.id === e.id) : undefined;
      const title = e.title ?? step?.title;
      const idx = step ? s.steps.indexOf(step) : undefined;
      return {
        ...s,
        prompting: { stepTitle: title, message: e.message },
        entries: [
          ...s.entries,
          { key: key('q'), kind: 'question', stepTitle: title, index: idx, total: s.steps.length, message: e.message },
        ],
      };
    }
    case 'step-prompt-end':
      return { ...s, prompting: null };
    case 'step-done':
      return endStep(s, e.id, { status: 'done', summary: e.summary, rechecked: e.skipped }, undefined, notInPlan(s.entries, e.id, e.commands));
    case 'step-undone':
      return { ...s, steps: patchStep(s.steps, e.id, { status: 'pending', doneEarlier: false, recheck: false }), live: s.live?.id === e.id ? null : s.live };
    case 'step-failed':
      return endStep(s, e.id, { status: 'failed' }, (step) => [{ key: key('err'), kind: 'error', stepTitle: step.title, error: e.error }]);
    case 'plan': {
      // Steps finished on screen already (the tool checks) are not planned again.
      const steps = e.steps.filter((p) => s.steps.find((x) => x.id === p.id)?.status !== 'done');
      return { ...s, entries: [...s.entries, { key: key('plan'), kind: 'plan', steps, dryRun: e.dryRun }] };
    }
    case 'run-done':
      return {
        ...s,
        phase: 'finished',
        finished: true,
        live: null,
        summary: e.dryRun ? null : { state: e.state, commandsByStep: e.commandsByStep },
      };
    case 'run-failed': {
      const extra: Entry[] = e.stepId ? [] : [{ key: key('err'), kind: 'error', error: e.error }];
      const footer: Entry = e.stepId
        ? { key: key('ff'), kind: 'failed-footer' }
        : { key: key('ff'), kind: 'failed-footer', stepless: { anyDone: s.steps.some((x) => x.status === 'done') } };
      return { ...s, phase: 'finished', finished: true, live: null, entries: [...s.entries, ...extra, footer] };
    }
    case 'run-cancelled': {
      const steps = s.live ? patchStep(s.steps, s.live.id, { status: 'cancelled' }) : s.steps;
      return {
        ...s,
        steps,
        phase: 'finished',
        finished: true,
        live: null,
        prompting: null,
        entries: [...s.entries, { key: key('c'), kind: 'cancelled', message: e.message }],
      };
    }
  }
}
