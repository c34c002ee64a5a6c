import type { Prefetch } from '../prefetch.js';
import type { Env, ProgressNote, WizardState, ImageSource } from '../ports.js';

/** Flags as parsed by src/cli.tsx (already syntactically validated). */
export interface Flags {
  project?: string;
  region?: string;
  repository?: string;
  image?: string;
  source?: ImageSource;
  yes: boolean;
  restart: boolean;
  dryRun: boolean;
  json: boolean;
  debug: boolean;
}

export type StepId = 'preflight' | 'project' | 'region' | 'repository' | 'docker-auth' | 'push' | 'summary';

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
  /** Work started early by Step.prefetch (one per run); absent when nothing prefetches. */
  prefetched?: Prefetch;
}

/** The result of a cheap re-check of a step that was done in an earlier run. */
export type CheckResult = { done: true; summary?: string } | { done: false; why?: string };

export interface StepOutcome {
  /** New or changed state, merged into WizardState and saved. */
  state: Partial<WizardState>;
  /** One line for the finished step in the step list ("created mycoolproject-repo in southamerica-east1"). */
  summary: string;
  /** The gcloud/docker commands equivalent to what this step did (for the summary script and --dry-run). */
  commands?: string[];
}

/**
 * A step of chapter 02. Data over ports: it uses only `env` (narrow interfaces), never process.*.
 * run() = validate flags → ask only what is missing (env.prompter, only if interactive) → execute.
 * Steps are idempotent: look before creating; "already there and right" counts as done.
 */
export interface Step {
  id: StepId;
  title: string;
  /** Our own words: what this step is and why (shown, expandable, in the panel). */
  explain: string;
  /** Cheap re-check of a step done in an earlier run, given the saved state. */
  check(ctx: StepContext, env: Env, signal?: AbortSignal): Promise<CheckResult>;
  run(ctx: StepContext, env: Env, signal: AbortSignal): Promise<StepOutcome>;
  /**
   * Optional: start work early, before this step's turn, once its inputs are known (the runner calls
   * it before every step while this one is still to run). Only what changes nothing of the user's: a
   * probe, or gcloud writing into a private temp copy. Results go in ctx.prefetched; run() takes them.
   */
  prefetch?(ctx: StepContext, env: Env): void;
  /** For --dry-run: the commands this step would run, given the state known so far. */
  plan?(ctx: StepContext, env?: Pick<Env, 'files'>): string[];
}
