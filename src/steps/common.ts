// Helpers shared by the steps: call options, missing-answer errors, re-checks.
// (What a failed call means for the user is src/steps/failures.ts.)

import type { CallOpts, DockerInfo } from '../ports.js';
import type { CheckResult, StepContext } from './types.js';
import { BugError, UserError, toWizardError } from '../errors.js';

/** What every port call gets: cancellation and the live panel's progress sink. */
export function callOpts(ctx: StepContext, signal?: AbortSignal): CallOpts {
  return { signal, onProgress: ctx.report.note };
}

/** A required answer is missing and we may not ask: name the flag. */
export function missingFlag(what: string, flag: string, fix: string[]): UserError {
  return new UserError(`${what} is needed and cannot be asked for here (no terminal, or --yes).`, [`Pass ${flag} …`, ...fix], { flag });
}

/** The state a step needs from earlier steps; a missing one is our bug (the runner runs steps in order). */
export function need<T>(value: T | undefined | null, what: string, stepId: string): T {
  if (value === undefined || value === null || value === '') {
    throw new BugError(`${stepId}: ${what} is not known yet (the earlier step did not run)`);
  }
  return value;
}

/**
 * A re-check never fails the run: any error (other than a cancel) means "not verified, run the step
 * again", and the step's execute() then reports the real problem with its context.
 */
export function safeCheck<A extends unknown[]>(fn: (...args: A) => Promise<CheckResult>): (...args: A) => Promise<CheckResult> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      const w = toWizardError(e);
      if (w.kind === 'cancel') throw w;
      return { done: false, why: `the re-check failed (${w.message.split('\n')[0]})` };
    }
  };
}

/** Early-work key of `docker info` (preflight starts it; push waits on it before loading anything). */
export const EARLY_DOCKER_INFO = 'docker info';

/**
 * Early-work key of the repository's image list once `digest` is in it: the push step's own check
 * lists it right after the push (and leaves the list here), the summary counts its storage from it;
 * on a re-run the summary starts it with the other re-checks. A run that pushes another image gets
 * a new key (and a fresh listing); the same digest means the same images and bytes.
 */
export const imagesWithDigest = (repositoryName: string, digest: string | undefined) => `list images ${repositoryName} ${digest ?? '-'}`;

/** Docker's daemon answered. */
export function daemonUp(info: DockerInfo): boolean {
  return !!info.serverVersion && !info.daemonProblem;
}
