// Commands every real run begins with, started before anything heavy loads (src/app/start.ts).
//
// gcloud answers the config and the token in one slow process; the adapters (and execa) load only
// after the header, so waiting for them would start it late. src/app/start.ts calls startEarly() as
// soon as the flags are read, with cross-spawn alone (node's spawn; on Windows it finds gcloud.cmd
// and runs it as execa, which uses it too, would: node's spawn finds only .exe); the runner built later
// (exec.ts) hands each result to the first call with the same command and arguments, and judges it
// exactly as if it had run it then.
import type { ChildProcess } from 'node:child_process';
import spawn from 'cross-spawn';
import { getPriority, setPriority } from 'node:os';

export interface EarlyResult {
  stdout: string;
  stderr: string;
  /** null when the process did not exit normally (see `signal` / `errorCode`), or had not yet (`answered`). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** A spawn error code, e.g. ENOENT when the command is not on PATH. */
  errorCode?: string;
  /** The answer on stdout was whole before the process ended (see Answered). */
  answered?: true;
}

export interface EarlyRun {
  result: Promise<EarlyResult>;
  /** Stop it (the run was cancelled before anyone took the result). */
  kill(): void;
}

/**
 * When a command's answer on stdout is whole, before the process ends. gcloud prints its answer and
 * then, with nothing more to say, spends a good while in Python's own shutdown (freeing every object
 * its modules made): the answer is taken as soon as it is whole, and the process is left to end on
 * its own, never waited for (not even by the wizard's exit).
 */
export type Answered = (stdout: string) => boolean;

/**
 * Whole once stdout parses as JSON: gcloud's --format=json prints one document, and only when the
 * command succeeded (its errors go to stderr, with nothing on stdout). No prefix of a JSON object
 * or array parses, so a part of one never counts.
 */
export const wholeJson: Answered = (stdout) => {
  const end = stdout.trimEnd().at(-1);
  if (end !== '}' && end !== ']') return false;
  try {
    JSON.parse(stdout);
    return true;
  } catch {
    return false;
  }
};

/** A command as the early runs know it: what it is, and when its answer is whole if not at its exit. */
export type EarlyCommand = [cmd: string, args: string[], answered?: Answered];

/** Early runs by command line; the runner takes each one at most once. */
export type EarlyRuns = Map<string, EarlyRun>;

export const earlyKey = (cmd: string, args: string[]): string => JSON.stringify([cmd, ...args]);

/** One config-helper process answers gcloud's config and the access token (src/adapters/gcloud.ts). */
export const GCLOUD_CONFIG_HELPER: EarlyCommand = ['gcloud', ['config', 'config-helper', '--format=json'], wholeJson];

/**
 * Start one command (argument array, no shell, stdin closed) and collect its output: until it ends,
 * or, given `answered`, until its answer is whole (then it is left to end on its own, and no longer
 * keeps this process alive). The runner's own spawn, too, for calls taken when whole (exec.ts).
 */
export function spawnCollecting(cmd: string, args: string[], env: NodeJS.ProcessEnv, answered?: Answered): EarlyRun {
  let child: ChildProcess | undefined;
  let whole = false;
  const result = new Promise<EarlyResult>((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let errorCode: string | undefined;
    try {
      child = spawn(cmd, args, { env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (e) {
      resolve({ stdout: '', stderr: '', exitCode: null, signal: null, errorCode: (e as NodeJS.ErrnoException).code ?? 'EINVAL' });
      return;
    }
    const c = child;
    c.stdout?.on('data', (b: Buffer) => {
      out.push(b);
      if (!answered || whole) return;
      const stdout = Buffer.concat(out).toString('utf8');
      if (!answered(stdout)) return;
      whole = true;
      resolve({ stdout, stderr: Buffer.concat(err).toString('utf8'), exitCode: null, signal: null, answered: true });
      // Still read (a full pipe would block it), but nothing here waits for it any more.
      c.unref();
      for (const s of [c.stdout, c.stderr]) (s as { unref?: () => void } | null)?.unref?.();
    });
    c.stderr?.on('data', (b: Buffer) => err.push(b));
    c.on('error', (e: NodeJS.ErrnoException) => {
      errorCode = e.code ?? 'EIO';
    });
    c.on('close', (code, signal) => {
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: errorCode ? null : code,
        signal: errorCode ? null : signal,
        ...(errorCode ? { errorCode } : {}),
      });
    });
  });
  return {
    result,
    kill: () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

/** How much the wizard lowers its own CPU priority once the early commands run (see startEarly). */
export const WAITING_NICE = 10;

/**
 * Start the given commands now; the runner (createRunner's `early`) takes their results later.
 * Then `lowerOwnPriority(WAITING_NICE)`: every run waits for these commands, and on a machine with
 * few cores the wizard's own start-up (loading, the first frames, the API client's set-up and the
 * garbage they make) would otherwise take CPU from them. The commands keep the priority they were
 * started with; processes started later inherit the lower one, and nothing raises it back (raising
 * needs privileges). Where it is not allowed, nothing changes.
 */
export function startEarly(commands: EarlyCommand[], env: NodeJS.ProcessEnv, lowerOwnPriority?: (by: number) => void): EarlyRuns {
  const runs: EarlyRuns = new Map();
  for (const [cmd, args, answered] of commands) runs.set(earlyKey(cmd, args), spawnCollecting(cmd, args, env, answered));
  if (lowerOwnPriority && runs.size > 0) {
    try {
      lowerOwnPriority(WAITING_NICE);
    } catch {
      // not allowed here: the wizard runs at its normal priority
    }
  }
  return runs;
}

/** The priority `by` steps below this process's (on Linux, the calling thread's), at most the lowest there is (19). */
export const lowerBy = (by: number): number => Math.min(19, getPriority() + by);

/** The real `lowerOwnPriority`: this process (on Linux, its calling thread and what it starts later). */
export function lowerOwnPriority(by: number): void {
  setPriority(lowerBy(by));
}
