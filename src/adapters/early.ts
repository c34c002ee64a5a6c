// Commands every real run begins with, started before anything heavy loads (src/app/start.ts).
//
// gcloud answers the config and the token in one slow process; the adapters (and execa) load only
// after the header, so waiting for them would start it late. src/app/start.ts calls startEarly() as
// soon as the flags are read, with plain node:child_process (nothing to load); the runner built later
// (exec.ts) hands each result to the first call with the same command and arguments, and judges it
// exactly as if it had run it then.
import { spawn, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';

export interface EarlyResult {
  stdout: string;
  stderr: string;
  /** null when the process did not exit normally (see `signal` / `errorCode`). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** A spawn error code, e.g. ENOENT when the command is not on PATH. */
  errorCode?: string;
}

export interface EarlyRun {
  result: Promise<EarlyResult>;
  /** Stop it (the run was cancelled before anyone took the result). */
  kill(): void;
}

/** Early runs by command line; the runner takes each one at most once. */
export type EarlyRuns = Map<string, EarlyRun>;

export const earlyKey = (cmd: string, args: string[]): string => JSON.stringify([cmd, ...args]);

/** One config-helper process answers gcloud's config and the access token (src/adapters/gcloud.ts). */
export const GCLOUD_CONFIG_HELPER: [string, string[]] = ['gcloud', ['config', 'config-helper', '--format=json']];

/** Start one command (argument array, no shell, stdin closed) and collect its output. */
export function spawnEarly(cmd: string, args: string[], env: NodeJS.ProcessEnv): EarlyRun {
  let child: ChildProcess | undefined;
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
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      errorCode = e.code ?? 'EIO';
    });
    child.on('close', (code, signal) => {
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
export function startEarly(commands: [string, string[]][], env: NodeJS.ProcessEnv, lowerOwnPriority?: (by: number) => void): EarlyRuns {
  const runs: EarlyRuns = new Map();
  for (const [cmd, args] of commands) runs.set(earlyKey(cmd, args), spawnEarly(cmd, args, env));
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
