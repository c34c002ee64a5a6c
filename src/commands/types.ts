// What `doctor` and `undo` get: the same real env and saved record as the setup, and two line writers.
import type { Env, ProgressStore, RunLock } from '../ports.js';
import type { CommandFlags } from '../args.js';

export interface CommandDeps {
  flags: CommandFlags;
  env: Env;
  /** The saved record of this folder's setup (what was created, by whom). */
  store: ProgressStore;
  lock?: RunLock;
  /** A line for the user (stdout; stderr with --json). */
  say: (line: string) => void;
  /** The one JSON document (--json), on stdout. */
  json: (doc: unknown) => void;
  /** Whether questions may be asked (a terminal and no --yes). */
  interactive: boolean;
  signal: AbortSignal;
}

/** Returns the exit code. */
export type Command = (d: CommandDeps) => Promise<number>;
