// Plain mode (no TTY, CI=true, TERM=dumb, --plain, or --json's progress on stderr): one line per
// event, no spinners, no colours, no cursor escapes.
import type { RunEvent, Sink } from '../runner.js';
import type { StepId } from '../steps/types.js';
import { HEADLINE } from '../ui/header.js';
import { HERE_DOC } from './fit.js';
import { ESCAPE } from './width.js';
import { errorLines, errorView, layerText, redact, summaryLines, summaryView, type RenderSummary } from './format.js';

export interface PlainOptions {
  write: (line: string) => void;
  debug: boolean;
  renderSummary?: RenderSummary;
  /** Print the final summary (false for --json, where the JSON is the result). */
  summary?: boolean;
}

// Escape sequences and control characters a tool's output may carry (colours, cursor moves, \r
// progress): plain lines never move the cursor or colour anything, whatever they quote.
const ESCAPES = new RegExp(`${ESCAPE.source}|[\\u0000-\\u0008\\u000B-\\u001F\\u007F]`, 'g');

/** `text` without escape sequences or control characters (newlines and tabs stay). */
export function withoutEscapes(text: string): string {
  return text.replace(ESCAPES, '');
}

const FINAL_LAYER = /^(pushed|layer already exists|mounted from|already exists)/i;

export function createPlainSink(o: PlainOptions): Sink {
  const out = (l: string) => o.write(withoutEscapes(redact(l)));
  let total = 0;
  let anyDone = false;
  const index = new Map<StepId, number>();
  const titles = new Map<StepId, string>();
  const layerSeen = new Map<string, string>();
  /** Details of this step's warn/fail checklist items: a warning that only repeats one is not printed twice. */
  let itemDetails: string[] = [];
  const tag = (id: StepId) => `[${(index.get(id) ?? 0) + 1}/${total}]`;
  return (e: RunEvent) => {
    switch (e.type) {
      case 'run-start':
        total = e.steps.length;
        e.steps.forEach((s, i) => {
          index.set(s.id, i);
          titles.set(s.id, s.title);
        });
        out(`registry-setup: ${HEADLINE}${e.dryRun ? '\nDry run: nothing will be changed.' : ''}`);
        break;
      case 'resume':
        break; // the notice that comes with it says it in words
      case 'notice':
        out(`  * ${e.text}`);
        break;
      case 'step-start':
        itemDetails = [];
        out(`${tag(e.id)} ${e.title}${e.recheck ? ' (done earlier: re-checking)' : ''}`);
        break;
      case 'step-activity':
        out(`  → ${e.text}`);
        break;
      case 'step-note': {
        const n = e.note;
        if (n.type === 'call') out(`  → ${n.text}`);
        else if (n.type === 'line') out(`    ${n.text}`);
        else if (n.type === 'retry') out(`  ! ${n.text}`);
        else if (n.type === 'layer') {
          // Only the final status of each layer: a push would otherwise print hundreds of lines.
          if (FINAL_LAYER.test(n.status) && layerSeen.get(n.id) !== n.status) {
            layerSeen.set(n.id, n.status);
            out(`    ${layerText(n)}`);
          }
        }
        break;
      }
      case 'step-item': {
        const it = e.item;
        if (it.status === 'running') break;
        if (it.status !== 'ok' && it.detail) itemDetails.push(it.detail);
        const mark = it.status === 'ok' ? 'ok  ' : it.status === 'warn' ? 'warn' : 'FAIL';
        out(`  [${mark}] ${it.label}${it.detail ? `: ${it.detail}` : ''}`);
        if (it.fix && it.status !== 'ok') out(`         fix: ${it.fix}`);
        break;
      }
      case 'step-warn':
        if (!itemDetails.some((d) => e.text.startsWith(d))) out(`  ! ${e.text}`);
        break;
      case 'step-prompt-start':
        out(`  ? ${e.message}`);
        break;
      case 'step-prompt-end':
        break;
      case 'step-done':
        anyDone = true;
        out(`${tag(e.id)} ${titles.get(e.id) ?? e.id}: ${e.summary}${e.skipped ? ' (done earlier, still in place)' : ''}`);
        break;
      case 'step-failed':
        for (const l of errorLines(errorView(e.error, o.debug), `${tag(e.id)} ${titles.get(e.id) ?? e.id}`)) out(l);
        break;
      case 'plan':
        // Before execution the plan is for a person at a terminal; plain lines show it for --dry-run.
        if (!e.dryRun) break;
        out('The plan (what each step does, and the commands it stands for):');
        e.steps.forEach((s, i) => {
          out(`[${i + 1}/${e.steps.length}] ${s.title}: ${s.explain}`);
          for (const c of s.changes) out(`    → ${c}`);
          let end: string | undefined; // inside a here-document: a file's text, not commands
          for (const c of s.commands) {
            out(end === undefined ? `    $ ${c}` : `      ${c}`);
            end = end === undefined ? HERE_DOC.exec(c)?.[2] : c === end ? undefined : end;
          }
        });
        break;
      case 'run-done':
        if (!e.dryRun && o.summary !== false) {
          out('Done.');
          for (const l of summaryLines(summaryView(o.renderSummary, e.state, e.commandsByStep))) out(l);
        }
        break;
      case 'run-failed':
        if (e.stepId) {
          out('Your progress is saved: run `registry-setup` again after fixing this, and it continues from the failed step.');
          break;
        }
        for (const l of errorLines(errorView(e.error, o.debug))) out(l);
        // Stopped before or between steps (a lock held, unusable saved progress): no step to blame.
        out(
          anyDone
            ? 'Your progress so far is saved: once this is sorted out, run `registry-setup` again to continue.'
            : 'Nothing was changed. Once this is sorted out, run `registry-setup` again.',
        );
        break;
      case 'run-cancelled':
        out(e.message);
        break;
    }
  };
}

/** Fan one event out to several sinks. */
export function fanout(...sinks: Sink[]): Sink {
  return (e) => {
    for (const s of sinks) s(e);
  };
}
