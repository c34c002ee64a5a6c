import type { Early } from '../run/early.js';
import type { Env, ProgressNote, WizardState, ImageSource } from '../ports.js';

/** --cleanup: keep=N applies the cleanup policy keeping N versions; none skips it. */
export type CleanupFlag = { keep: number } | 'none';

/** Flags as parsed by src/cli.tsx (already syntactically validated). */
export interface Flags {
  project?: string;
  region?: string;
  repository?: string;
  image?: string;
  source?: ImageSource;
  cleanup?: CleanupFlag;
  yes: boolean;
  restart: boolean;
  dryRun: boolean;
  json: boolean;
  debug: boolean;
  /** --plain: plain lines and line-by-line questions, for screen readers (a presentation choice; steps ignore it). */
  plain?: boolean;
}

export type StepId = 'preflight' | 'project' | 'region' | 'repository' | 'docker-auth' | 'push' | 'cleanup' | 'summary';

/** What a step tells the live panel while it runs. */
export interface StepReporter {
  /** The command or API call in progress ("gcloud auth configure-docker …"). */
  activity(text: string): void;
  /** A progress note from an adapter (output line, retry, layer status). */
  note(n: ProgressNote): void;
  /** A warning that stays in the step's summary (and in the final summary). */
  warn(text: string): void;
  /** A checklist item (preflight) or a sub-result line. */
  item(item: { label: string; status: 'ok' | 'warn' | 'fail' | 'running'; detail?: string; fix?: string }): void;
}

/** Context handed to a step: the flags, the state so far, and a reporter. */
export interface StepContext {
  flags: Flags;
  state: Partial<WizardState>;
  report: StepReporter;
  /** Work started early (Step.early), one store per run. */
  early?: Early;
  /**
   * Saves these values with the progress now, before an outside change that undo needs them for
   * (so a kill right after the change cannot lose them). Rejects when they could not be saved.
   * Only while executing: re-checks and early work change nothing.
   */
  save(state: Partial<WizardState>): Promise<void>;
}

/** The result of a cheap re-check of a step that was done in an earlier run. */
export type CheckResult = { done: true; summary?: string } | { done: false; why?: string };

export interface StepOutcome {
  /** New or changed state, merged into WizardState and saved. */
  state: Partial<WizardState>;
  /** One line for the finished step in the step list ("created mycoolproject-repo in southamerica-east1"). */
  summary: string;
}

/** What the plan, --dry-run, resume and the summary's script are made from. */
export interface PlanContext {
  flags: Flags;
  state: Partial<WizardState>;
  /** The folder the wizard runs in (for defaults named after it). */
  cwd?: string;
  /** The user's Docker config file (for what will change). */
  dockerConfigPath?: string;
}

/**
 * A step of chapter 02: data over ports (`env`), never process.*. The runner drives every step
 * the same way (Validate, Ask, Execute, as AWS Copilot does):
 *   validate(flags)   before anything: a bad flag value is a UserError naming the flag;
 *   ask()             only what is still missing, each answer checked with read-only calls;
 *   commands(state)   the guide's commands with the real values: the plan, --dry-run, resume, the script;
 *   execute()         after the one confirmation: does it, reports to the live panel, asks nothing.
 * Steps are idempotent: look before creating; "already there and right" counts as done.
 */
export interface Step {
  id: StepId;
  title: string;
  /** Our own words: what this step is and why (shown, expandable, in the panel). */
  explain: string;
  /**
   * Read-only checks of this machine that run before any question (preflight). In a terminal they
   * may offer to close a gap (log in, start Docker): the terminal is handed over once for all of it.
   */
  before?: boolean;
  validate?(flags: Flags): void;
  /** Asks what is missing (env.prompter, only when interactive) and returns the answers. Changes nothing. */
  ask?(ctx: StepContext, env: Env, signal: AbortSignal): Promise<Partial<WizardState>>;
  /** The guide's commands for this step, with the values known in `state` (placeholders otherwise). */
  commands(ctx: PlanContext): string[];
  /** What executing it will change, in words, for the plan screen. */
  changes?(ctx: PlanContext): string[];
  /** Changes nothing anywhere (checks, the summary): needs no confirmation. */
  readOnly?: boolean;
  /** Cheap re-check of a step done in an earlier run, given the saved state. */
  check(ctx: StepContext, env: Env, signal?: AbortSignal): Promise<CheckResult>;
  execute(ctx: StepContext, env: Env, signal: AbortSignal): Promise<StepOutcome>;
  /**
   * Optional: start work before this step's turn, once its inputs are known (the runner offers it
   * before every step while this one is still to run). Only what changes nothing of the user's: a
   * probe, a listing, a local image load. Results go in ctx.early under a key; execute() takes them.
   */
  early?(ctx: StepContext, env: Env): void;
}
