// Running outside commands (gcloud, docker, git, credential helpers) with execa.
// Argument arrays only, never a shell. The environment is the one injected by src/cli.tsx,
// with per-call additions merged on top. Secrets go over stdin (`input`), never argv.
import { execa } from 'execa';
import { setPriority } from 'node:os';
import { constants as fsc } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { BugError, CancelError, ExternalError } from '../errors.js';
import { quoteArg } from '../quote.js';
import { earlyKey, lowerBy, spawnCollecting, type Answered, type EarlyResult, type EarlyRuns } from './early.js';

export interface RunOpts {
  /** Merged onto the base env; a key set to undefined is removed. */
  env?: Record<string, string | undefined>;
  /** Written to stdin (for secrets: `docker login --password-stdin`, helper `get`; bytes: `docker load`'s archive). */
  input?: string | Uint8Array;
  signal?: AbortSignal;
  cwd?: string;
  /** Called with each output line as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Default true: a non-zero exit throws ExternalError. With false, the result carries the exit code. */
  reject?: boolean;
  timeoutMs?: number;
  /** How the command is shown in messages; default `cmd args…`. Must never contain secrets. */
  display?: string;
  /** Run at a lower CPU priority (nice 10): early work must not slow down what the user waits for. */
  background?: boolean;
  /**
   * The command gets our terminal (stdin, stdout, stderr inherited: `gcloud auth login` talks to
   * the user). Its output is then not captured; a failure carries only the exit code.
   */
  terminal?: boolean;
  /**
   * When the answer on stdout is whole (adapters/early.ts): the call returns then, as a success (exit
   * code 0: the commands given this print their answer only when they succeed), and the process is
   * left to end on its own. With only `env` and `signal` besides.
   */
  answered?: Answered;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export type Runner = (cmd: string, args: string[], opts?: RunOpts) => Promise<RunResult>;

/** Niceness added for background processes: under contention they get about a tenth of a core's time. */
export const BACKGROUND_NICE = 10;

/** How many stderr lines an error keeps. */
const TAIL_LINES = 10;

export function displayCommand(cmd: string, args: string[]): string {
  return [cmd, ...args].map(quoteArg).join(' ');
}

/** The last `n` non-empty lines of some output. */
export function tail(text: string, n = TAIL_LINES): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.slice(-n).join('\n');
}

/** The most telling line of stderr for a one-line message: gcloud's "ERROR: …" line, else the last line. */
export function headline(stderr: string): string | undefined {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => /^ERROR:/.test(l));
  const line = err ?? lines[lines.length - 1];
  if (!line) return undefined;
  return line.length > 300 ? line.slice(0, 297) + '…' : line;
}

/** The error for a command that exited non-zero: its headline, exit code and stderr tail. */
export function commandFailed(display: string, exitCode: number, stderr: string): ExternalError {
  const line = headline(stderr);
  return new ExternalError(`\`${display}\` failed (exit ${exitCode})${line ? `: ${line}` : ''}`, {
    command: display,
    exitCode,
    stderrTail: tail(stderr),
  });
}

export function mergeEnv(base: NodeJS.ProcessEnv, extra?: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) out[k] = v;
  if (extra) {
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) delete out[k];
      else out[k] = v;
    }
  }
  return out;
}

function notInstalled(cmd: string, display: string): ExternalError {
  return new ExternalError(`\`${cmd}\` is not installed or not on PATH`, { command: display, exitCode: null }, [
    `Install ${cmd}, or make sure the folder holding it is on your PATH.`,
  ]);
}

/** A command that never exited on its own: stopped by a signal, or it could not start. */
function didNotFinish(display: string, signal: string | null | undefined, code: string | undefined, stderr: string): ExternalError {
  const why = signal ? `was stopped by ${signal}` : `could not run (${code ?? 'unknown error'})`;
  return new ExternalError(`\`${display}\` ${why}`, { command: display, exitCode: null, stderrTail: tail(stderr) });
}

/** An early run's result (or one taken when whole), judged as the runner judges its own (same errors, final newline stripped). */
function fromEarly(cmd: string, display: string, r: EarlyResult, opts: RunOpts): RunResult {
  if (r.errorCode === 'ENOENT') throw notInstalled(cmd, display);
  const strip = (s: string) => s.replace(/\r?\n$/, '');
  const stdout = strip(r.stdout);
  const stderr = strip(r.stderr);
  if (r.answered) return { stdout, stderr, exitCode: 0 };
  if (r.exitCode === null) throw didNotFinish(display, r.signal, r.errorCode, stderr);
  if (r.exitCode !== 0 && opts.reject !== false) throw commandFailed(display, r.exitCode, stderr);
  return { stdout, stderr, exitCode: r.exitCode };
}

/** Options spawnCollecting cannot honour (it runs a command as it is, with its output in pipes). */
const beyondCollect = (o: RunOpts): boolean => o.input !== undefined || !!o.cwd || !!o.timeoutMs || !!o.onLine || !!o.terminal || !!o.background;

/**
 * @param early commands started before the runner existed (src/adapters/early.ts): the first call
 *   with the same command and arguments takes its result instead of starting the command again.
 *   Such a call may not change how the process runs (env, input, cwd, timeout): that is our bug.
 */
export function createRunner(baseEnv: NodeJS.ProcessEnv, early?: EarlyRuns): Runner {
  return async (cmd, args, opts = {}) => {
    const display = opts.display ?? displayCommand(cmd, args);
    if (opts.signal?.aborted) throw new CancelError('cancelled', { cause: opts.signal.reason });
    const key = earlyKey(cmd, args);
    let started = early?.get(key);
    if (started) {
      if (opts.env || beyondCollect(opts)) throw new BugError(`${display} was started early, and this call would run it differently`);
      early!.delete(key);
    } else if (opts.answered) {
      if (beyondCollect(opts)) throw new BugError(`${display}: a call taken when its answer is whole takes only env and signal`);
      started = spawnCollecting(cmd, args, mergeEnv(baseEnv, opts.env), opts.answered);
    }
    if (started) {
      const run = started;
      const signal = opts.signal;
      const r = await new Promise<EarlyResult>((resolve, reject) => {
        const onAbort = () => {
          run.kill();
          reject(new CancelError('cancelled', { cause: signal?.reason }));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        run.result.then((v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        });
      });
      return fromEarly(cmd, display, r, opts);
    }
    const onLine = opts.onLine;
    const lineTap = (stream: 'stdout' | 'stderr') =>
      function* (line: unknown) {
        onLine!(String(line), stream);
        yield line;
      };
    const subprocess = execa(cmd, args, {
      env: mergeEnv(baseEnv, opts.env),
      extendEnv: false,
      shell: false,
      cwd: opts.cwd,
      reject: false,
      ...(opts.terminal ? { stdio: 'inherit' as const } : opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
      ...(onLine && !opts.terminal ? { stdout: [lineTap('stdout'), 'pipe'] as const, stderr: [lineTap('stderr'), 'pipe'] as const } : {}),
      cancelSignal: opts.signal,
      timeout: opts.timeoutMs,
      stripFinalNewline: true,
      windowsHide: true,
    });
    if (opts.background && subprocess.pid) {
      try {
        // Relative to ours; its own children (gcloud runs docker) inherit it.
        setPriority(subprocess.pid, lowerBy(BACKGROUND_NICE));
      } catch {
        // not allowed here: it just runs at normal priority
      }
    }
    const result = await subprocess;
    const stdout = typeof result.stdout === 'string' ? result.stdout : String(result.stdout ?? '');
    const stderr = typeof result.stderr === 'string' ? result.stderr : String(result.stderr ?? '');
    if (result.isCanceled) throw new CancelError('cancelled', { cause: opts.signal?.reason });
    if (result.failed && result.exitCode === undefined) {
      // Could not start, timed out, or killed by a signal.
      if (result.code === 'ENOENT') throw notInstalled(cmd, display);
      if (result.timedOut) {
        throw new ExternalError(`\`${display}\` took longer than ${Math.round((opts.timeoutMs ?? 0) / 1000)} s and was stopped`, {
          command: display,
          exitCode: null,
          stderrTail: tail(stderr),
          retryable: true,
        });
      }
      throw didNotFinish(display, result.signal, result.code, stderr);
    }
    const exitCode = result.exitCode ?? 0;
    if (exitCode !== 0 && opts.reject !== false) throw commandFailed(display, exitCode, stderr);
    return { stdout, stderr, exitCode };
  };
}

/** An executable file called `name` on `pathVar` (and PATHEXT variants when given), or null. */
export async function findOnPath(name: string, pathVar: string | undefined, pathExt?: string): Promise<string | null> {
  if (!pathVar) return null;
  const exts = pathExt ? ['', ...pathExt.split(';').filter(Boolean).map((e) => e.toLowerCase())] : [''];
  for (const dir of pathVar.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    for (const ext of exts) {
      const p = join(dir, name + ext);
      try {
        const st = await stat(p);
        if (!st.isFile()) continue;
        await access(p, fsc.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return null;
}
