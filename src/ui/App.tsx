// The interactive UI: the transcript of finished steps (written once, <Static>), the live panel of
// the running step (spinner, the call in progress, last lines of output, retries, checklist),
// its explanation (e to show/hide), the pending steps, and at the end the error panel. Long text
// is written as styled lines, not drawn by Ink character by character: the plan (below), and the
// summary once Ink is gone (src/ui/mount.tsx).
import React, { useEffect, useLayoutEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Box, Static, Text, useInput, useStdin, useStdout, type TextProps } from 'ink';
import type { Entry, LivePanel, UiState, UiStep, UiStore } from './store.js';
import { errorLines, errorView } from '../output/format.js';
import { truncate } from '../output/fit.js';
import { errorRows, itemRows, planRows, stepHeadRows, teachingRows, textRows, warningRows, type Row, type Tone } from './lines.js';
import { Spinner } from './Spinner.js';
import { TONE as PALETTE } from './palette.js';
import { DRY_RUN_MARK, HEADLINE } from './header.js';
import { LOOK, rowsText } from './ansi.js';

export interface AppProps {
  store: UiStore;
  debug?: boolean;
  /** Ctrl-C while the UI reads the keyboard. */
  onInterrupt?: () => void;
  /** Start with explanations shown (default true). */
  explain?: boolean;
}

export function App({ store, debug = false, onInterrupt, explain = true }: AppProps): React.ReactElement {
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const [expanded, setExpanded] = useState(explain);
  const { isRawModeSupported } = useStdin();
  const active = isRawModeSupported === true && !state.prompting && !state.finished;

  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') onInterrupt?.();
      else if (input === 'e' || input === 'E') setExpanded((x) => !x);
    },
    { isActive: active },
  );
  // Declared after useInput: runs after it has released stdin for a prompt.
  useEffect(() => {
    if (state.prompting) store.released();
  }, [state.prompting, store]);

  // A plan is long text: written as styled lines above the live area (Ink's write()), not drawn by
  // Ink character by character. <Static> gets the transcript up to the next plan not yet written;
  // once it has drawn what comes before, the plan is written, and the rest follows it.
  const { stdout, write } = useStdout();
  const [written, setWritten] = useState(0); // the plans before this index are on screen
  const nextPlan = state.entries.findIndex((e, i) => i >= written && e.kind === 'plan');
  const upTo = nextPlan < 0 ? state.entries.length : nextPlan;
  useLayoutEffect(() => {
    const plan = state.entries[nextPlan];
    if (plan?.kind !== 'plan') return;
    write(rowsText(planRows(plan.steps, plan.dryRun, stdout?.columns || 80)));
    setWritten(nextPlan + 1);
  }, [nextPlan, state.entries, write, stdout]);

  // The same element while the transcript is unchanged: Ink takes any update of its <Static> box as
  // new transcript and redraws at once, unthrottled; kept as is, the live panel's updates are drawn
  // at Ink's paced frame rate instead.
  // Teaching lines go with steps finished from now on (what <Static> wrote stays as it is).
  const teach = expanded && !state.compact;
  const transcript = useMemo(
    () => <Static items={state.entries.slice(0, upTo)}>{(e) => <EntryView key={e.key} entry={e} debug={debug} teach={teach} />}</Static>,
    [state.entries, upTo, debug, teach],
  );

  return (
    <>
      {transcript}
      {state.prompting || state.finished ? null : <LiveArea state={state} expanded={expanded} canToggle={isRawModeSupported === true} />}
    </>
  );
}

// ---------- the live area ----------

function LiveArea({ state, expanded, canToggle }: { state: UiState; expanded: boolean; canToggle: boolean }): React.ReactElement {
  const { stdout } = useStdout();
  const rows = stdout?.rows || 40;
  const cols = stdout?.columns || 80;
  const running = state.steps.find((s) => s.status === 'running');
  const pending = state.steps.filter((s) => s.status === 'pending');
  const body = running && state.live ? liveRows(state.live, cols) : [];
  const explainRows = running ? textRows(running.explain, cols - 2, '  ', 'dim') : [];
  // Keep the live area shorter than the terminal: first drop the explanation, then list pending steps on one line.
  const budget = rows - 2;
  const base = (running ? 2 : 0) + body.length;
  const showExplain = expanded && base + explainRows.length + 1 <= budget;
  const compactPending = base + (showExplain ? explainRows.length : 0) + pending.length > budget;
  return (
    <Box flexDirection="column">
      {/* The first frame is plain ASCII on purpose: it is drawn before anything else, as fast as possible. */}
      {state.phase === 'starting' && (
        <Text wrap="truncate-end">
          <Spinner ascii /> Starting: looking at your gcloud and Docker setup...
        </Text>
      )}
      {running && state.live ? (
        <>
          <RunningTitle step={running} live={state.live} />
          <Rows rows={body} />
          {showExplain ? <Rows rows={explainRows} /> : null}
          {canToggle ? <ToggleHint expanded={expanded} hidden={expanded && !showExplain} /> : null}
        </>
      ) : null}
      {compactPending && pending.length > 0 ? (
        <Text dimColor wrap="truncate-end">
          · Next: {pending.map((p) => p.title).join(' · ')}
        </Text>
      ) : (
        pending.map((p) => (
          <Text key={p.id} dimColor wrap="truncate-end">
            {state.phase === 'starting' ? '-' : '·'} {p.title}
            {p.doneEarlier ? ' (done earlier: a quick re-check)' : ''}
          </Text>
        ))
      )}
    </Box>
  );
}

/** The running step's rows under its title: the call, the retry, layers, output, checklist, warnings. */
function liveRows(live: LivePanel, cols: number): Row[] {
  const line = (text: string, tone: Tone): Row => ({ segs: [{ text: truncate(text, cols), tone }] });
  return [
    ...(live.activity ? [line(`  → ${live.activity}`, 'command')] : []),
    ...(live.retry ? [line(`  ↻ ${live.retry}`, 'warn')] : []),
    ...live.layers.slice(-5).map((l) => line(`    ${l.text}`, 'dim')),
    ...live.lines.map((l) => line(`    │ ${l}`, 'dim')),
    ...live.items.flatMap((it) => (it.status === 'running' ? [line(`  … ${it.label}`, 'dim')] : itemRows(it, cols))),
    ...live.warnings.flatMap((w) => warningRows(w, cols)),
  ];
}

function RunningTitle({ step, live }: { step: UiStep; live: LivePanel }): React.ReactElement {
  return (
    <Text wrap="truncate-end">
      <Spinner /> <Text bold>{step.title}</Text>
      <Text dimColor>
        {'  '}step {live.index + 1} of {live.total}
        {step.recheck ? ' · done earlier, re-checking' : ''}
      </Text>
    </Text>
  );
}

function ToggleHint({ expanded, hidden }: { expanded: boolean; hidden: boolean }): React.ReactElement {
  return (
    <Text dimColor wrap="truncate-end">
      {'  '}e: {expanded ? 'hide' : 'show'} what this step does and why · Ctrl-C: stop (progress is kept)
      {hidden ? ' · (widen the terminal to see it)' : ''}
    </Text>
  );
}

// ---------- the transcript ----------

// Colours come from the palette (they read on light and dark backgrounds), as src/ui/ansi.ts gives each tone.
const TONE = Object.fromEntries(Object.entries(LOOK).map(([tone, l]) => [tone, { color: l.color, bold: l.bold, dimColor: l.dim }])) as Record<Tone, TextProps>;

function RowText({ r }: { r: Row }): React.ReactElement {
  return (
    <Text wrap="truncate-end">
      {r.segs.length === 1 && r.segs[0]!.text === '' ? ' ' : null}
      {r.segs.map((s, i) => (
        <Text key={i} {...TONE[s.tone ?? 'plain']}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}

/** Rows laid out by ./lines.ts (each fits the terminal already). */
function Rows({ rows }: { rows: Row[] }): React.ReactElement {
  return (
    <Box flexDirection="column">
      {rows.map((r, j) => (
        <RowText key={j} r={r} />
      ))}
    </Box>
  );
}

interface EntryProps {
  entry: Entry;
  debug: boolean;
  /** Teach under finished steps (the first time, with explanations on). */
  teach: boolean;
}

function EntryView({ entry, debug, teach }: EntryProps): React.ReactElement {
  const { stdout } = useStdout();
  const cols = stdout?.columns || 80;
  if (entry.kind === 'header') return <HeaderEntry dryRun={entry.dryRun} cols={cols} />;
  return <Rows rows={entryRows(entry, cols, { debug, teach })} />;
}

function entryRows(entry: Exclude<Entry, { kind: 'header' }>, cols: number, o: Omit<EntryProps, 'entry'>): Row[] {
  switch (entry.kind) {
    case 'notice':
      return textRows(entry.text, cols, 'ℹ ', 'info');
    case 'step':
      return doneStepRows(entry, cols, o.teach);
    case 'question':
      return [{ segs: [{ text: '? ', tone: 'command' }, { text: truncate(entry.stepTitle ?? 'registry-setup', cols - 2), tone: 'heading' }] }];
    case 'error':
      return errorEntryRows(entry, cols, o.debug);
    case 'failed-footer':
      return textRows(footerText(entry), cols, '', 'dim');
    case 'cancelled':
      return textRows(entry.message, cols, '', 'warn');
    case 'plan':
      return []; // written by <App> itself (see there)
  }
}

function HeaderEntry({ dryRun, cols }: { dryRun: boolean; cols: number }): React.ReactElement {
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text>
        <Text bold color={PALETTE.accent}>
          registry-setup
        </Text>
        {dryRun ? <Text color={PALETTE.warn}>{DRY_RUN_MARK}</Text> : null}
      </Text>
      <Rows rows={textRows(HEADLINE, cols, '', 'dim')} />
    </Box>
  );
}

function footerText(entry: Extract<Entry, { kind: 'failed-footer' }>): string {
  if (!entry.stepless) return 'Your progress is saved: fix the problem above, then run `registry-setup` again to continue from this step.';
  return entry.stepless.anyDone
    ? 'Your progress so far is saved: once this is sorted out, run `registry-setup` again to continue.'
    : 'Nothing was changed. Once this is sorted out, run `registry-setup` again.';
}

function errorEntryRows(entry: Extract<Entry, { kind: 'error' }>, cols: number, debug: boolean): Row[] {
  const lines = errorRows(errorLines(errorView(entry.error, debug)), cols);
  // A step's failure: the step line just above already says "✗ Label failed"; only the details here.
  return entry.stepTitle ? lines : [{ segs: [{ text: '' }] }, { segs: [{ text: '✗ Failed', tone: 'fail' }] }, ...lines];
}

function doneStepRows(entry: Extract<Entry, { kind: 'step' }>, cols: number, teach: boolean): Row[] {
  const items = entry.items.filter((i) => i.status !== 'running');
  // A warning that only repeats a checklist item shown just above is left out.
  const warnings = entry.warnings.filter((w) => !items.some((it) => it.status !== 'ok' && it.detail && w.startsWith(it.detail)));
  const taught = teach && entry.step.status === 'done' && !entry.step.rechecked;
  return [
    ...stepHeadRows(entry.step, cols),
    ...items.flatMap((it) => itemRows(it, cols)),
    ...warnings.flatMap((w) => warningRows(w, cols)),
    ...(taught ? teachingRows(entry.step.id, entry.commands ?? [], cols) : []),
  ];
}
