// A strict fake Runner: every call must match one expected call exactly (command, argv, env
// additions, stdin). Anything unexpected fails the test, even if the code under test swallows
// the error (assertDone() reports it).
import { ExternalError } from '../../src/errors.js';
import type { Runner, RunOpts, RunResult } from '../../src/adapters/exec.js';
import { commandFailed, displayCommand } from '../../src/adapters/exec.js';

export interface ExpectedCall {
  cmd: string;
  args: string[];
  /** The exact `env` additions the call must pass (default: none). */
  env?: Record<string, string | undefined>;
  /** The exact stdin the call must pass (default: none); bytes are compared byte by byte. */
  input?: string | Uint8Array;
  cwd?: string;
  /** What the command "prints" and how it exits. */
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  /** Instead of a result, throw this (e.g. the ENOENT ExternalError). */
  error?: Error;
  /** May be called any number of times (at least once). */
  repeat?: boolean;
}

export interface RecordedCall {
  cmd: string;
  args: string[];
  opts: RunOpts;
}

export interface StrictRunner {
  run: Runner;
  calls: RecordedCall[];
  /** Throws if an unexpected call happened or an expected one did not. */
  assertDone(): void;
}

function sameEnv(a: Record<string, string | undefined> | undefined, b: Record<string, string | undefined> | undefined): boolean {
  const ea = Object.entries(a ?? {}).sort(([x], [y]) => x.localeCompare(y));
  const eb = Object.entries(b ?? {}).sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify(ea) === JSON.stringify(eb);
}

function sameInput(a: string | Uint8Array | undefined, b: string | Uint8Array | undefined): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  return a === b;
}

export function enoent(cmd: string): ExternalError {
  return new ExternalError(`\`${cmd}\` is not installed or not on PATH`, { command: cmd, exitCode: null });
}

export function strictRunner(expected: ExpectedCall[]): StrictRunner {
  const pending = expected.map((e) => ({ e, used: 0 }));
  const calls: RecordedCall[] = [];
  const problems: string[] = [];
  const run: Runner = async (cmd, args, opts = {}) => {
    calls.push({ cmd, args, opts });
    const shown = displayCommand(cmd, args);
    const slot = pending.find((p) => p.e.cmd === cmd && JSON.stringify(p.e.args) === JSON.stringify(args) && (p.used === 0 || p.e.repeat));
    if (!slot) {
      const msg = `unexpected call: ${shown}`;
      problems.push(msg);
      throw new Error(msg);
    }
    const e = slot.e;
    slot.used++;
    if (!sameEnv(e.env, opts.env)) {
      const msg = `${shown}: env ${JSON.stringify(opts.env ?? {})}, expected ${JSON.stringify(e.env ?? {})}`;
      problems.push(msg);
      throw new Error(msg);
    }
    if (!sameInput(e.input, opts.input)) {
      const msg = `${shown}: stdin ${opts.input === undefined ? 'none' : 'given'}, expected ${e.input === undefined ? 'none' : 'given'} (or different)`;
      problems.push(msg);
      throw new Error(msg);
    }
    if (e.cwd !== undefined && e.cwd !== opts.cwd) {
      const msg = `${shown}: cwd ${opts.cwd}, expected ${e.cwd}`;
      problems.push(msg);
      throw new Error(msg);
    }
    if (e.error) throw e.error;
    const stdout = e.stdout ?? '';
    const stderr = e.stderr ?? '';
    if (opts.onLine) {
      for (const l of stdout.split('\n').filter((x, i, all) => x !== '' || i < all.length - 1)) opts.onLine(l, 'stdout');
      for (const l of stderr.split('\n').filter((x, i, all) => x !== '' || i < all.length - 1)) opts.onLine(l, 'stderr');
    }
    const exitCode = e.exitCode ?? 0;
    const display = opts.display ?? shown;
    // The same error the real runner raises (one function: the two cannot drift).
    if (exitCode !== 0 && opts.reject !== false) throw commandFailed(display, exitCode, stderr);
    const r: RunResult = { stdout: stdout.replace(/\n$/, ''), stderr: stderr.replace(/\n$/, ''), exitCode };
    return r;
  };
  return {
    run,
    calls,
    assertDone() {
      const missing = pending.filter((p) => p.used === 0).map((p) => `expected call not made: ${displayCommand(p.e.cmd, p.e.args)}`);
      const all = [...problems, ...missing];
      if (all.length) throw new Error(all.join('\n'));
    },
  };
}
