// The UI store's pacing: <App> hears of changes at most once per frame, so a burst of runner events
// costs a frame, not a render per event; a prompt's hand-over is not held back by it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FRAME_MS, UiStore } from '../../src/ui/store.js';
import type { RunEvent, StepInfo } from '../../src/runner.js';

const STEPS: StepInfo[] = [{ id: 'region', title: 'Region', explain: 'x' }];
const activity = (i: number): RunEvent => ({ type: 'step-activity', id: 'region', text: `look ${i}` });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const store = new UiStore(STEPS);
  const seen: string[] = [];
  store.subscribe(() => seen.push(store.getSnapshot().live?.activity ?? '-'));
  store.dispatch({ type: 'step-start', id: 'region', index: 0, total: 1, title: 'Region', explain: 'x', recheck: false });
  return { store, seen };
}

describe('UiStore pacing', () => {
  it.each([
    { case: 'one event after a quiet frame: the next turn', events: 1, gapMs: 0, want: ['look 1'] },
    { case: 'a burst within a frame: the first at once, the rest at the frame end, latest state', events: 20, gapMs: 1, want: ['look 1', 'look 20'] },
    { case: 'events a frame apart: each its own', events: 3, gapMs: FRAME_MS + 1, want: ['look 1', 'look 2', 'look 3'] },
  ])('$case', async ({ events, gapMs, want }) => {
    const { store, seen } = setup();
    vi.advanceTimersByTime(FRAME_MS + 1); // the step-start's frame is over
    seen.length = 0;
    for (let i = 1; i <= events; i++) {
      store.dispatch(activity(i));
      vi.advanceTimersByTime(gapMs);
    }
    vi.advanceTimersByTime(FRAME_MS + 1);
    expect(seen).toEqual(want);
  });

  it("a prompt's start and end are told at the next turn, even inside a frame", () => {
    const { store, seen } = setup();
    vi.advanceTimersByTime(1); // the step-start was told at once; its frame has just begun
    seen.length = 0;
    store.startPrompt({ message: 'a question' });
    vi.advanceTimersByTime(0); // setImmediate only
    expect(seen).toHaveLength(1);
    expect(store.getSnapshot().prompting).not.toBeNull();
    store.endPrompt();
    vi.advanceTimersByTime(0);
    expect(seen).toHaveLength(2);
    expect(store.getSnapshot().prompting).toBeNull();
  });
});
