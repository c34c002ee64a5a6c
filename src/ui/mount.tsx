// Mounts the Ink app on the terminal and hands the terminal to @inquirer prompts and back.
//
// Prompt hand-over (beforePrompt/afterPrompt are passed to the Prompter adapter):
//  1. beforePrompt: the store switches to "prompting": a one-line "? <Step> (step i of n): a question
//     for you" is written once above (Ink <Static>, so Ink will never erase it), the live area renders
//     nothing, and <App> stops reading stdin (useInput inactive → raw mode off, listener removed).
//     Runner events that arrive meanwhile are queued. We wait until <App> confirms it released stdin
//     and the frame is flushed, then the prompt draws below.
//  2. afterPrompt: we move to a fresh line (so Ink's next erase of its own, now empty, area cannot eat
//     the prompt's answer line), hide the cursor again, and resume: queued events are applied, the
//     live panel is redrawn under the answered question, and <App> reads keys again.
import React from 'react';
import { render, type Instance } from 'ink';
import type { RunEvent, Sink, StepInfo } from '../runner.js';
import { summaryView, type RenderSummary } from '../output/format.js';
import { App } from './App.js';
import { UiStore } from './store.js';
import { summaryRows } from './lines.js';
import { rowsText } from './ansi.js';

export interface InkUi {
  store: UiStore;
  sink: Sink;
  beforePrompt(): Promise<void>;
  afterPrompt(): void;
  /** Wait for the last frame, then unmount. */
  finish(): Promise<void>;
}

export interface MountOptions {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
  steps: StepInfo[];
  dryRun: boolean;
  debug: boolean;
  renderSummary?: RenderSummary;
  onInterrupt: () => void;
  /** The header is already on screen (src/app/boot.ts): the transcript starts without it. */
  headerShown?: boolean;
  /** Explanations on at first (teaching lines under finished steps); e toggles. */
  explain?: boolean;
}

const HIDE_CURSOR = '\u001B[?25l';

function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.write('', () => resolve())) stream.once('drain', () => resolve());
  });
}

function timeout(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves when `p` does, or after `ms` at the latest (the timer does not outlive it). */
async function atMost(p: Promise<void>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}

export function mountInk(o: MountOptions): InkUi {
  const store = new UiStore(o.steps, { dryRun: o.dryRun, header: !o.headerShown });
  // At most 10 frames a second (the spinner's pace; Ink's default is 30): each frame re-measures
  // every line of the live area, and during a push Docker's per-layer lines would otherwise cost a
  // frame each, CPU that gcloud's processes need on a small machine.
  const instance: Instance = render(
    <App store={store} debug={o.debug} onInterrupt={o.onInterrupt} explain={o.explain} />,
    { stdout: o.stdout, stdin: o.stdin, stderr: o.stderr, exitOnCtrlC: false, patchConsole: true, maxFps: 10 },
  );
  let handedOver = false;

  const sink: Sink = (e: RunEvent) => {
    if (e.type === 'step-prompt-end') {
      // The Prompter normally calls afterPrompt first; this covers a prompt that never took the terminal.
      if (handedOver) return;
      store.endPrompt();
      return;
    }
    store.dispatch(e);
  };

  return {
    store,
    sink,
    async beforePrompt() {
      const released = store.whenReleased();
      store.startPrompt({ message: 'a question' });
      handedOver = true;
      await atMost(released, 500);
      // Ink unrefs stdin when it stops reading; the prompt reads it now and must keep the process alive.
      (o.stdin as { ref?: () => void }).ref?.();
      await flushed(o.stdout);
    },
    afterPrompt() {
      if (!handedOver) return;
      handedOver = false;
      o.stdout.write('\n' + HIDE_CURSOR);
      store.endPrompt();
    },
    async finish() {
      if (handedOver) {
        handedOver = false;
        o.stdout.write('\n');
      }
      store.endPrompt();
      store.flush();
      // Let React commit the final state and Ink write it, then unmount.
      await timeout(0);
      instance.unmount();
      await instance.waitUntilExit().catch(() => {});
      // The summary is static text below the transcript: written plainly, not laid out by Ink (which
      // draws every character of a <Static> item as a cell of a grid as wide as its widest line).
      const { summary } = store.getSnapshot();
      if (summary && o.renderSummary) o.stdout.write(rowsText(summaryRows(summaryView(o.renderSummary, summary.state, summary.commandsByStep), o.stdout.columns || 80)));
      await flushed(o.stdout);
    },
  };
}
