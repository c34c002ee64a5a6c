// The transcript laid out as rows that fit the terminal (pure: <App> only colours them).
// A finished step is one row, its label and its result aligned ("✓ Region       southamerica-east1"),
// then what it checked, and the first time, in dim, what it was for and the guide's command.
import type { StepItem } from '../runner.js';
import type { StepId } from '../steps/types.js';
import { LABEL, TEACH } from '../steps/explain.js';
import { HERE_DOC, hang, truncate, widthOf, wrap, wrapCommand } from '../output/fit.js';
import type { SummaryView } from '../output/format.js';
import type { UiStep } from './store.js';

export type Tone = 'plain' | 'dim' | 'bold' | 'command' | 'ok' | 'warn' | 'fail' | 'info' | 'heading';
export interface Seg {
  text: string;
  tone?: Tone;
}
/** One terminal row; `asIs`: printed whole even when wider (the summary's copyable script). */
export interface Row {
  segs: Seg[];
  asIs?: boolean;
}

const row = (text: string, tone?: Tone): Row => ({ segs: [{ text, tone }] });
const rows = (texts: string[], tone?: Tone): Row[] => texts.map((t) => row(t, tone));

export const labelOf = (id: StepId, title: string): string => LABEL[id] ?? title;
const LABEL_COL = Math.max(...Object.values(LABEL).map(widthOf));
/** Where a step's result starts: "✓ " + the label column + two spaces. */
const RESULT_AT = 2 + LABEL_COL + 2;
const MIN_COLS = 30;

const MARK: Record<string, Seg> = {
  done: { text: '✓', tone: 'ok' },
  failed: { text: '✗', tone: 'fail' },
  cancelled: { text: '■', tone: 'warn' },
  ok: { text: '✓', tone: 'ok' },
  warn: { text: '!', tone: 'warn' },
  fail: { text: '✗', tone: 'fail' },
};

/** "✓ Label        result", the result wrapped under itself. */
export function stepHeadRows(step: UiStep, cols: number): Row[] {
  const label = labelOf(step.id, step.title);
  const failed = step.status === 'failed';
  const result = failed ? 'failed' : `${step.summary ?? ''}${step.rechecked ? ' (done earlier, re-checked)' : ''}`;
  const [first = '', ...more] = hang(result, Math.max(MIN_COLS, cols), ' '.repeat(RESULT_AT));
  const head: Row = {
    segs: [MARK[step.status] ?? MARK.done, { text: ` ${label.padEnd(LABEL_COL)}  `, tone: 'bold' }, { text: first.trimStart(), tone: failed ? 'fail' : undefined }],
  };
  return [head, ...rows(more)];
}

/** A checklist item: "  ✓ label detail", wrapped under itself; its fix under it when it is not ok. */
export function itemRows(item: StepItem, cols: number): Row[] {
  const c = Math.max(MIN_COLS, cols);
  const [first = '', ...more] = hang(`${item.label}${item.detail ? ` ${item.detail}` : ''}`, c, '    ');
  const label = first.trimStart().slice(0, item.label.length);
  const out: Row[] = [{ segs: [{ text: '  ' }, MARK[item.status] ?? MARK.ok, { text: ' ' }, { text: label }, { text: first.trimStart().slice(label.length), tone: 'dim' }] }, ...rows(more, 'dim')];
  if (item.fix && item.status !== 'ok') out.push(...rows(hang(item.fix, c, '    → ', 6), 'warn'));
  return out;
}

export function warningRows(text: string, cols: number): Row[] {
  return rows(hang(text, Math.max(MIN_COLS, cols), '  ! ', 4), 'warn');
}


const isComment = (l: string) => l.trimStart().startsWith('#');

/**
 * The commands with each here-document (a file the script writes: `cat > F <<'EOF'`, its lines,
 * EOF) as one short line: the file itself is in the summary's script.
 */
function withoutHereDocs(commands: readonly string[]): string[] {
  const out: string[] = [];
  let end: string | undefined;
  for (const l of commands) {
    if (end !== undefined) {
      if (l === end) end = undefined;
      continue;
    }
    const doc = isComment(l) ? null : HERE_DOC.exec(l);
    out.push(doc ? `${doc[1]} # its text: in the script at the end` : l);
    end = doc?.[2];
  }
  return out;
}

/**
 * A shell comment after `first`, wrapped as a comment: every row starts with #, under the first
 * one's indent, so that a copied row never runs as a command.
 */
function commentRows(l: string, cols: number, first: string): string[] {
  const [, pad = '', body = ''] = /^\s*#( *)(.*)$/.exec(l) ?? [];
  const head = `${first}#${pad}`;
  const more = `${' '.repeat(widthOf(first))}#${pad}${body ? '  ' : ''}`;
  const lines = wrap(body, Math.max(10, cols - Math.max(widthOf(head), widthOf(more)) - 1));
  return lines.map((w, i) => (i === 0 ? `${head}${w && !pad ? ' ' : ''}${w}` : `${more}${w}`).trimEnd());
}

/**
 * Commands as rows after `first` ("$ "); a here-document's lines are a file's text, wrapped as
 * text, not as commands; a comment stays a comment on every row (a commented-out here-document too).
 */
function commandRows(commands: readonly string[], cols: number, first: string): Row[] {
  const lead = ' '.repeat(widthOf(first));
  const out: Row[] = [];
  let end: string | undefined;
  for (const l of commands) {
    if (end !== undefined) {
      if (l === end) end = undefined;
      out.push(...rows(end === undefined ? [lead + l] : hang(l.trim(), cols, `${lead}  `), 'command'));
      continue;
    }
    if (isComment(l)) {
      out.push(...rows(commentRows(l, cols, first), 'command'));
      continue;
    }
    out.push(...rows(wrapCommand(l, cols, first), 'command'));
    end = HERE_DOC.exec(l)?.[2];
  }
  return out;
}

/** What the step was for (our words) and the guide's commands with the user's values, under its line. */
export function teachingRows(id: StepId, commands: readonly string[], cols: number): Row[] {
  const c = Math.max(MIN_COLS, cols);
  const out = rows(hang(TEACH[id] ?? '', c, '    '), 'dim');
  const shown = withoutHereDocs(commands).filter((l) => l.trim() && !isComment(l));
  // A long recipe (the verification image's) is in the summary's script; its last commands say enough.
  const last = shown.length > 4 ? shown.slice(-3) : shown;
  if (shown.length > last.length) out.push(row(`    … ${shown.length - last.length} more in the script at the end`, 'dim'));
  out.push(...commandRows(last, c, '    $ '));
  return out;
}

/** The error panel's plain lines (format.ts errorLines), each wrapped under its own indent. */
export function errorRows(lines: string[], cols: number): Row[] {
  const c = Math.max(MIN_COLS, cols - 2);
  return lines.flatMap((l, i) => {
    const lead = /^\s*(?:- |\| )?/.exec(l)![0];
    const tone: Tone | undefined = i === 0 ? 'fail' : l === 'What to do:' ? 'heading' : undefined;
    return rows(hang(l.slice(lead.length), c, '  ' + lead), tone);
  });
}

/** A plain line (notice, footer, cancel message) wrapped; `first` before it ("ℹ "). */
export function textRows(text: string, cols: number, first = '', tone?: Tone): Row[] {
  return rows(first ? hang(text, Math.max(MIN_COLS, cols), first) : wrap(text, Math.max(MIN_COLS, cols)), tone);
}

export interface PlanStepView {
  id: StepId;
  title: string;
  explain: string;
  commands: string[];
  changes: string[];
  doneEarlier?: boolean;
}

export function planRows(steps: PlanStepView[], dryRun: boolean, cols: number): Row[] {
  const c = Math.max(MIN_COLS, cols);
  // A blank line before and after: the plan stands apart from the checklist above it and from the
  // steps' results (or the question) below.
  const out: Row[] = [row(''), row(truncate(dryRun ? 'The plan: what each step does, and its commands' : 'The plan: what will change, and the commands', c), 'heading')];
  for (const s of steps.filter((x) => dryRun || x.commands.length || x.changes.length)) {
    out.push(row(''), { segs: [{ text: truncate(s.title, c), tone: 'bold' }, ...(s.doneEarlier ? [{ text: truncate(' (done earlier: only re-checked)', c - widthOf(s.title)), tone: 'dim' as Tone }] : [])] });
    if (dryRun) out.push(...rows(hang(s.explain, c, '   '), 'dim'));
    for (const ch of s.changes) out.push(...rows(hang(ch, c, '   → ', 5)));
    out.push(...commandRows(s.commands, c, '   $ '));
  }
  out.push(row(''));
  return out;
}

/** The end of a finished run; the script rows are `asIs` so they copy whole. */
export function summaryRows(v: SummaryView, cols: number): Row[] {
  const c = Math.max(MIN_COLS, cols);
  const out: Row[] = [row(''), row('✓ Done: your registry is ready', 'ok')];
  if (v.registryUrl) out.push(...rows(hang(v.registryUrl, c, 'Registry: ')));
  if (v.imageUris.length) out.push(row('Images:'), ...v.imageUris.flatMap((u) => rows(hang(u, c, '  '))));
  if (v.digest) out.push(...rows(hang(v.digest, c, 'Digest: ')));
  if (v.script.length) {
    out.push(row(''), row(truncate('The same setup as commands (copy and keep):', c), 'heading'));
    out.push(...v.script.map((l) => ({ segs: [{ text: l, tone: 'command' as Tone }], asIs: true })), row(''));
  }
  for (const [title, items] of [['Cost', v.costFacts], ['Next', v.next]] as const) {
    if (!items.length) continue;
    if (out.at(-1)!.segs[0]!.text !== '') out.push(row(''));
    out.push(row(title, 'heading'), ...items.flatMap((i) => rows(hang(i, c, '- '))));
  }
  return out;
}
