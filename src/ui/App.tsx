// The interactive UI: the transcript of finished steps (written once, <Static>), the live panel of
// the running step (spinner, the call in progress, last lines of output, retries, checklist),
// its explanation (e to show/hide), the pending steps, and at the end the summary or the error panel.
import React, { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Box, Static, Text, useInput, useStdin, useStdout } from 'ink';
import type { StepItem } from '../runner.js';
import type { Entry, LivePanel, UiState, UiStep, UiStore } from './store.js';
import { errorLines, errorView, summaryView, type RenderSummary } from '../output/format.js';
import { Spinner } from './Spinner.js';
import { DRY_RUN_MARK, HEADLINE } from './header.js';
import { TONE } from './palette.js';

export interface AppProps {
  store: UiStore;
  debug?: boolean;
  renderSummary?: RenderSummary;
  /** Ctrl-C while the UI reads the keyboard. */
  onInterrupt?: () => void;
  /** Start with explanations shown (default true). */
  explain?: boolean;
}

export function App({ store, debug = false, renderSummary, onInterrupt, explain = true }: AppProps): React.ReactElement {
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

  // The same element while the transcript is unchanged: Ink takes any update of its <Static> box as
  // new transcript and redraws at once, unthrottled; kept as is, the live panel's updates are drawn
  // at Ink's paced frame rate instead.
  const transcript = useMemo(
    () => <Static items={state.entries}>{(e) => <EntryView key={e.key} entry={e} debug={debug} renderSummary={renderSummary} />}</Static>,
    [state.entries, debug, renderSummary],
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
  // Keep the live area shorter than the terminal: first drop the explanation, then list pending steps on one line.
  let showExplain = expanded;
  let compactPending = false;
  if (running && state.live) {
    const est = estimateLines(state.live, running, pending.length, cols);
    const budget = rows - 2;
    if (est.base + (showExplain ? est.explain : 0) + est.pending > budget) compactPending = true;
    if (est.base + (showExplain ? est.explain : 0) + 1 > budget) showExplain = false;
  } else if (pending.length + 2 > rows - 2) compactPending = true;
  return (
    <Box flexDirection="column">
      {/* The first frame is plain ASCII on purpose: it is drawn before anything else, as fast as possible. */}
      {state.phase === 'starting' && (
        <Text>
          <Spinner ascii /> Starting: looking at your gcloud and Docker setup...
        </Text>
      )}
      {running && state.live && <RunningStep step={running} live={state.live} showExplain={showExplain} expanded={expanded} canToggle={canToggle} />}
      {compactPending && pending.length > 0 ? (
        <Text dimColor wrap="truncate-end">
          · Next: {pending.map((p) => p.title).join(' · ')}
        </Text>
      ) : (
        pending.map((p) => (
          <Text key={p.id} dimColor>
            {state.phase === 'starting' ? '-' : '·'} {p.title}
            {p.doneEarlier ? ' (done earlier: a quick re-check)' : ''}
          </Text>
        ))
      )}
    </Box>
  );
}

function itemMark(status: StepItem['status']): React.ReactElement {
  switch (status) {
    case 'ok':
      return <Text color="green">✓</Text>;
    case 'warn':
      return <Text color={TONE.warn}>!</Text>;
    case 'fail':
      return <Text color="red">✗</Text>;
    default:
      return <Spinner />;
  }
}

function Item({ item }: { item: StepItem }): React.ReactElement {
  return (
    <Box flexDirection="column" marginLeft={2}>
      <Box>
        <Box width={2} flexShrink={0}>
          {itemMark(item.status)}
        </Box>
        <Text>
          {item.label}
          {item.detail ? <Text dimColor> {item.detail}</Text> : null}
        </Text>
      </Box>
      {item.fix && item.status !== 'ok' ? (
        <Box marginLeft={2}>
          <Text color={TONE.warn}>→ {item.fix}</Text>
        </Box>
      ) : null}
    </Box>
  );
}

function Warning({ text }: { text: string }): React.ReactElement {
  return (
    <Box marginLeft={2}>
      <Box width={2} flexShrink={0}>
        <Text color={TONE.warn}>!</Text>
      </Box>
      <Text>{text}</Text>
    </Box>
  );
}

/** Rough height of the live area, to keep it within the terminal (Ink redraws the whole screen otherwise). */
function estimateLines(live: LivePanel, step: UiStep, pending: number, cols: number): { base: number; explain: number; pending: number } {
  const w = (t: string, indent: number) => Math.max(1, Math.ceil((indent + t.length) / Math.max(20, cols)));
  let base = 1 + (live.activity ? 1 : 0) + (live.retry ? 1 : 0) + Math.min(5, live.layers.length) + live.lines.length + 1;
  for (const it of live.items) base += w(`${it.label} ${it.detail ?? ''}`, 4) + (it.fix && it.status !== 'ok' ? w(it.fix, 6) : 0);
  for (const x of live.warnings) base += w(x, 4);
  return { base, explain: w(step.explain, 2), pending };
}

function RunningStep({ step, live, showExplain, canToggle, expanded }: { step: UiStep; live: LivePanel; showExplain: boolean; canToggle: boolean; expanded: boolean }): React.ReactElement {
  return (
    <Box flexDirection="column">
      <Text>
        <Spinner /> <Text bold>{step.title}</Text>
        <Text dimColor>
          {'  '}step {live.index + 1} of {live.total}
          {step.recheck ? ' · done earlier, re-checking' : ''}
        </Text>
      </Text>
      {live.activity ? (
        <Box marginLeft={2}>
          <Text color="cyan" wrap="truncate-end">
            → {live.activity}
          </Text>
        </Box>
      ) : null}
      {live.retry ? (
        <Box marginLeft={2}>
          <Text color={TONE.warn}>↻ {live.retry}</Text>
        </Box>
      ) : null}
      {live.layers.slice(-5).map((l) => (
        <Box key={l.id} marginLeft={4}>
          <Text dimColor wrap="truncate-end">
            {l.text}
          </Text>
        </Box>
      ))}
      {live.lines.map((l, i) => (
        <Box key={i} marginLeft={4}>
          <Text dimColor wrap="truncate-end">
            │ {l}
          </Text>
        </Box>
      ))}
      {live.items.map((it) => (
        <Item key={it.label} item={it} />
      ))}
      {live.warnings.map((w, i) => (
        <Warning key={i} text={w} />
      ))}
      {showExplain ? (
        <Box marginLeft={2}>
          <Text italic>{step.explain}</Text>
        </Box>
      ) : null}
      {canToggle ? (
        <Box marginLeft={2}>
          <Text dimColor wrap="truncate-end">
            e: {expanded ? 'hide' : 'show'} what this step does and why · Ctrl-C: stop (progress is kept)
            {expanded && !showExplain ? ' · (widen the terminal to see it)' : ''}
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}

// ---------- the transcript ----------

function EntryView({ entry, debug, renderSummary }: { entry: Entry; debug: boolean; renderSummary?: RenderSummary }): React.ReactElement {
  const { stdout } = useStdout();
  const cols = stdout?.columns || 80;
  switch (entry.kind) {
    case 'header':
      return (
        <Box flexDirection="column" marginBottom={1}>
          <Text>
            <Text bold color="cyan">
              registry-setup
            </Text>
            {entry.dryRun ? <Text color={TONE.warn}>{DRY_RUN_MARK}</Text> : null}
          </Text>
          <Text dimColor>{HEADLINE}</Text>
        </Box>
      );
    case 'notice':
      return (
        <Text>
          <Text color={TONE.accent}>ℹ</Text> {entry.text}
        </Text>
      );
    case 'step':
      return <DoneStep entry={entry} />;
    case 'question':
      return (
        <Text color="cyan">
          ? <Text bold>{entry.stepTitle ?? 'registry-setup'}</Text>
        </Text>
      );
    case 'error':
      return <ErrorEntry entry={entry} debug={debug} />;
    case 'failed-footer':
      if (entry.stepless) {
        return (
          <Text dimColor>
            {entry.stepless.anyDone
              ? 'Your progress so far is saved: once this is sorted out, run `registry-setup` again to continue.'
              : 'Nothing was changed. Once this is sorted out, run `registry-setup` again.'}
          </Text>
        );
      }
      return <Text dimColor>Your progress is saved: fix the problem above, then run `registry-setup` again to continue from this step.</Text>;
    case 'cancelled':
      return <Text color={TONE.warn}>{entry.message}</Text>;
    case 'plan':
      return <PlanEntry entry={entry} cols={cols} />;
    case 'summary':
      return <SummaryEntry entry={entry} cols={cols} renderSummary={renderSummary} />;
  }
}

function ErrorEntry({ entry, debug }: { entry: Extract<Entry, { kind: 'error' }>; debug: boolean }): React.ReactElement {
  const lines = errorLines(errorView(entry.error, debug));
  // A step's failure: the step line just above already says "✗ TITLE failed"; only the details here.
  return (
    <Box flexDirection="column" marginTop={entry.stepTitle ? 0 : 1}>
      {entry.stepTitle ? null : (
        <Text color="red" bold>
          ✗ Failed
        </Text>
      )}
      <Box flexDirection="column" marginLeft={2}>
        {lines.map((l, i) => (
          <Text key={i} color={i === 0 ? 'red' : undefined} bold={l === 'What to do:'}>
            {l}
          </Text>
        ))}
      </Box>
    </Box>
  );
}

function PlanEntry({ entry, cols }: { entry: Extract<Entry, { kind: 'plan' }>; cols: number }): React.ReactElement {
  return (
    <Box flexDirection="column" width={cols}>
      <Text bold>{entry.dryRun ? 'The plan: what each step does, and the commands it stands for' : 'The plan: what will change, and the commands it stands for'}</Text>
      {entry.steps
        .filter((s) => entry.dryRun || s.commands.length || s.changes.length)
        .map((s) => (
          <Box key={s.id} flexDirection="column" marginTop={1}>
            <Text bold>
              {s.title}
              {s.doneEarlier ? <Text dimColor> (done earlier: only re-checked)</Text> : null}
            </Text>
            {entry.dryRun ? (
              <Box marginLeft={3}>
                <Text dimColor>{s.explain}</Text>
              </Box>
            ) : null}
            {s.changes.map((c, j) => (
              <Box key={j} marginLeft={3}>
                <Text>→ {c}</Text>
              </Box>
            ))}
            <Box flexDirection="column" width={1000} flexShrink={0}>
              {s.commands.map((c, j) => (
                <Text key={j} color="cyan">
                  {'   $ '}
                  {c}
                </Text>
              ))}
            </Box>
          </Box>
        ))}
    </Box>
  );
}

function SummaryEntry({ entry, cols, renderSummary }: { entry: Extract<Entry, { kind: 'summary' }>; cols: number; renderSummary?: RenderSummary }): React.ReactElement {
  const v = summaryView(renderSummary, entry.state, entry.commandsByStep);
  return (
    // No border: the script must copy cleanly from the terminal.
    <Box flexDirection="column" marginTop={1} width={cols}>
      <Text color="green" bold>
        ✓ Done: your registry is ready
      </Text>
      {v.registryUrl ? (
        <Text>
          Registry: <Text bold>{v.registryUrl}</Text>
        </Text>
      ) : null}
      {v.imageUris.length ? <Text>Images:</Text> : null}
      {v.imageUris.map((u) => (
        <Text key={u}>
          {'  '}
          {u}
        </Text>
      ))}
      {v.digest ? <Text>Digest: {v.digest}</Text> : null}
      {v.script.length ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>The same setup as commands (copy and keep):</Text>
          {/* Wide box: Ink must not break a command in two; the terminal soft-wraps it, so it copies whole. */}
          <Box flexDirection="column" width={1000} flexShrink={0}>
            {v.script.map((l, i) => (
              <Text key={i} color="cyan">
                {l}
              </Text>
            ))}
          </Box>
        </Box>
      ) : null}
      <Bullets title="Cost" items={v.costFacts} />
      <Bullets title="Next" items={v.next} />
    </Box>
  );
}

/** A titled list of "- " lines; nothing when the list is empty. */
function Bullets({ title, items }: { title: string; items: string[] }): React.ReactElement | null {
  if (!items.length) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>{title}</Text>
      {items.map((c, i) => (
        <Text key={i}>- {c}</Text>
      ))}
    </Box>
  );
}

function DoneStep({ entry }: { entry: Extract<Entry, { kind: 'step' }> }): React.ReactElement {
  const { step } = entry;
  const mark =
    step.status === 'done' ? <Text color="green">✓</Text> : step.status === 'failed' ? <Text color="red">✗</Text> : <Text color={TONE.warn}>■</Text>;
  return (
    <Box flexDirection="column">
      <Text>
        {mark} <Text bold>{step.title}</Text>
        {step.status === 'failed' ? (
          <Text color="red" bold>
            {' '}
            failed
          </Text>
        ) : null}
        {step.summary ? <Text> {step.summary}</Text> : null}
        {step.rechecked ? <Text dimColor> (done earlier, re-checked)</Text> : null}
      </Text>
      {entry.items
        .filter((i) => i.status !== 'running')
        .map((it) => (
          <Item key={it.label} item={it} />
        ))}
      {entry.warnings
        // A warning that only repeats a checklist item shown just above is left out.
        .filter((w) => !entry.items.some((it) => it.status !== 'ok' && it.detail && w.startsWith(it.detail)))
        .map((w, i) => (
          <Warning key={i} text={w} />
        ))}
    </Box>
  );
}
