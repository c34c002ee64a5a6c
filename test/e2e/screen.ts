// The screen a user sees: the built CLI runs in a pty (./pty.ts) and everything it writes goes
// into a headless terminal emulator (@xterm/headless) of the same size, which applies the cursor
// moves, erases and wraps the way a real terminal does. Tests then read the terminal's rows
// (scrollback and visible), not the raw stream: a line Ink erased is gone, a line wider than
// the terminal shows up as a row the terminal continued (wrapped) onto the next.

import xterm from '@xterm/headless';
import stringWidth from 'string-width';
import { runCli, type CliSession } from './pty.js';

const { Terminal } = xterm;

/** One row of the terminal; `wrapsOn`: the text went on past the right edge onto the next row. */
export interface Row {
  text: string;
  wrapsOn: boolean;
}

export interface ScreenSession {
  cli: CliSession;
  cols: number;
  /** Every row so far: scrollback, then the visible screen (trailing empty rows dropped). */
  rows(): Row[];
  /** The rows as one text (one row a line). */
  text(): string;
  /** Wait until `pattern` shows on the terminal (matched against text()); returns the match. */
  waitForScreen(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
}

export function runScreen(args: string[], opts: { cwd: string; env: Record<string, string>; cols: number; rows?: number }): ScreenSession {
  const term = new Terminal({ cols: opts.cols, rows: opts.rows ?? 30, scrollback: 10_000, allowProposedApi: true });
  const waiters = new Set<() => void>();
  const notify = () => [...waiters].forEach((w) => w());
  // The pty's bytes go to the emulator in order; waiters look once the emulator has parsed them.
  const cli = runCli(args, { ...opts, onData: (d) => term.write(d, notify) });
  void cli.exited.then(() => term.write('', notify));
  let exited = false;
  void cli.exited.then(() => (exited = true));

  const rows = (): Row[] => {
    const buf = term.buffer.active;
    const out: Row[] = [];
    for (let i = 0; i < buf.length; i++) {
      out.push({ text: buf.getLine(i)!.translateToString(true), wrapsOn: buf.getLine(i + 1)?.isWrapped ?? false });
    }
    while (out.length && out.at(-1)!.text === '') out.pop();
    return out;
  };
  const text = () => rows().map((r) => r.text).join('\n');

  const waitForScreen = (pattern: RegExp | string, timeoutMs = 60_000): Promise<string> => {
    const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    return new Promise((res, rej) => {
      const done = (f: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        f();
      };
      const check = () => {
        const m = re.exec(text());
        if (m) done(() => res(m[0]));
        else if (exited) done(() => rej(new Error(`the CLI exited before ${re} showed. Screen:\n${text().slice(-4000)}`)));
      };
      const timer = setTimeout(() => done(() => rej(new Error(`timed out waiting for ${re} on screen:\n${text().slice(-4000)}`))), timeoutMs);
      waiters.add(check);
      check();
    });
  };
  return { cli, cols: opts.cols, rows, text, waitForScreen };
}

// ---------- what the tests assert on ----------

const SCRIPT_HEADING = /^The same setup as commands/;

const AFTER_SCRIPT = /^(Cost|Next)$/;

/**
 * Rows of the summary's copyable script: printed as they are (the terminal may wrap them) so
 * they copy whole. They run from its heading to the next heading (Cost, Next) or the end.
 */
export function scriptRows(rows: Row[]): Set<number> {
  const out = new Set<number>();
  const start = rows.findIndex((r) => SCRIPT_HEADING.test(r.text));
  if (start === -1) return out;
  for (let i = start + 1; i < rows.length && !AFTER_SCRIPT.test(rows[i]!.text); i++) out.add(i);
  return out;
}

/**
 * Rows too wide for the terminal, but the copyable script's: rows the terminal wrapped, and full
 * rows whose last word goes on at the start of the next (a program that cut a line at the edge).
 */
export function tooWide(rows: Row[], cols: number): string[] {
  const script = scriptRows(rows);
  const out: string[] = [];
  rows.forEach((r, i) => {
    if (script.has(i) || script.has(i + 1)) return;
    const next = rows[i + 1]?.text ?? '';
    const cut = stringWidth(r.text) >= cols && /\w$/.test(r.text) && /^\w/.test(next);
    if (r.wrapsOn || cut) out.push(`${r.text}|${next}`);
  });
  return out;
}

const indentOf = (t: string) => t.length - t.trimStart().length;
/** Rows that start a line of their own: a mark ("✓ ", "→ ", "$ ", …) or no deeper indent than the line before. */
const MARKED = /^[✓✗!■→$?ℹ✔❯·•-] /;

/**
 * The wizard's lines as drawn: a line's continuation rows (a hanging indent, or after a shell
 * continuation " \\") joined to it, so two lines that wrap alike are not mistaken for a repeat.
 */
export function logicalLines(rows: Row[]): { text: string; first: number }[] {
  const out: { text: string; first: number; indent: number; open: boolean }[] = [];
  rows.forEach((r, i) => {
    const last = out.at(-1);
    const t = r.text.trimStart();
    const goesOn = last && t && (last.open || r.wrapsOn || (indentOf(r.text) > last.indent && !MARKED.test(t)));
    if (goesOn) last.text += ' ' + t;
    else out.push({ text: r.text.trim(), first: i, indent: indentOf(r.text), open: false });
    out.at(-1)!.open = r.text.endsWith(' \\') || r.wrapsOn;
  });
  return out;
}

/**
 * Lines drawn more than once (a frame Ink failed to erase shows as a repeat), but the copyable
 * script's, which repeats the commands shown before on purpose.
 */
export function repeatedRows(rows: Row[]): string[] {
  const script = scriptRows(rows);
  const seen = new Map<string, number>();
  for (const l of logicalLines(rows)) if (l.text && !script.has(l.first)) seen.set(l.text, (seen.get(l.text) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([t, n]) => `${n}× ${t}`);
}
