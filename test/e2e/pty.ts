// Runs the built CLI in a real pseudo-terminal (node-pty) and lets a test type at it
// the way a person would: wait until something is on screen, then press keys.
// Everything read is kept; ANSI escapes are stripped for matching.

import { spawn, type IPty } from 'node-pty';
import { resolve } from 'node:path';
import { REPO_ROOT } from '../lab/layout.js';

export const KEY = {
  ENTER: '\r',
  UP: '\u001B[A',
  DOWN: '\u001B[B',
  ESC: '\u001B',
  CTRL_C: '\u0003',
  BACKSPACE: '\u007F',
} as const;

// CSI sequences, OSC sequences, other two-character escapes, and stray control characters.
const ANSI = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)|\u001B[@-Z\\-_]|[\u0000-\u0008\u000B-\u001A\u007F]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '').replace(/\r/g, '');
}

export interface CliSession {
  /** Everything the CLI printed so far, ANSI stripped. */
  readonly output: string;
  /** Wait until `pattern` appears in the output after the current mark; returns the match. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Set the mark to the end of the output so far (later waits look only at newer output). */
  mark(): void;
  /**
   * Wait until the CLI has printed nothing for `quietMs` (it has finished reacting to the last
   * keys: a type-to-filter prompt filters asynchronously and ignores Enter while it does).
   */
  settled(quietMs?: number, timeoutMs?: number): Promise<void>;
  type(keys: string): void;
  /** Type text one character at a time (as a person does; prompts re-render per key). */
  typeText(text: string): Promise<void>;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  kill(signal?: string): void;
}

export function runCli(
  args: string[],
  opts: { cwd: string; env: Record<string, string>; cols?: number; rows?: number; /** Every chunk as read (raw, with escapes). */ onData?: (d: string) => void },
): CliSession {
  const bin = resolve(REPO_ROOT, 'bin', 'registry-setup.js');
  const pty: IPty = spawn(process.execPath, [bin, ...args], {
    name: 'xterm-256color',
    cols: opts.cols ?? 110,
    rows: opts.rows ?? 40,
    cwd: opts.cwd,
    env: { TERM: 'xterm-256color', ...opts.env },
  });
  let raw = '';
  let from = 0;
  const waiters = new Set<() => void>();
  let lastData = Date.now();
  pty.onData((d) => {
    raw += d;
    lastData = Date.now();
    opts.onData?.(d);
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<number>((res) => pty.onExit(({ exitCode }) => res(exitCode)));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const w of [...waiters]) w();
  });
  const session: CliSession = {
    get output() {
      return stripAnsi(raw);
    },
    mark() {
      from = stripAnsi(raw).length;
    },
    waitFor(pattern, timeoutMs = 30_000) {
      const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
      return new Promise<string>((res, rej) => {
        const check = () => {
          const text = stripAnsi(raw).slice(from);
          const m = re.exec(text);
          if (m) {
            cleanup();
            res(m[0]);
          } else if (done) {
            cleanup();
            rej(new Error(`the CLI exited before showing ${re}. Output:\n${stripAnsi(raw).slice(-3000)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          rej(new Error(`timed out after ${timeoutMs} ms waiting for ${re}. Output since mark:\n${stripAnsi(raw).slice(from).slice(-3000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    settled(quietMs = 400, timeoutMs = 15_000) {
      const start = Date.now();
      return new Promise<void>((res, rej) => {
        const tick = () => {
          if (Date.now() - lastData >= quietMs) return res();
          if (Date.now() - start > timeoutMs) return rej(new Error(`the CLI kept printing for ${timeoutMs} ms`));
          setTimeout(tick, 50);
        };
        tick();
      });
    },
    type(keys) {
      pty.write(keys);
    },
    async typeText(text) {
      for (const ch of text) {
        pty.write(ch);
        await new Promise((r) => setImmediate(r));
      }
    },
    exited,
    kill(signal = 'SIGTERM') {
      if (!done) pty.kill(signal);
    },
  };
  return session;
}
