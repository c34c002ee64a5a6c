// Helpers shared by the steps: call options, missing-answer errors, and mapping API errors
// that need the user (permissions, billing, disabled API, login) to UserErrors with next steps.

import type { CallOpts, Env } from '../ports.js';
import type { CheckResult, StepContext } from './types.js';
import { BugError, ExternalError, UserError, isWizardError, toWizardError } from '../errors.js';
import { ARTIFACT_REGISTRY_SERVICE, billingUrl, grantRoleCommand, memberFor } from '../facts.js';

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

// ---------- API error classification ----------

export function errorReason(e: unknown): string | undefined {
  return e instanceof ExternalError ? e.details.reason : undefined;
}

function errorText(e: unknown): string {
  if (e instanceof ExternalError) return `${e.message}\n${e.details.stderrTail ?? ''}`;
  return e instanceof Error ? e.message : String(e);
}

function grpcCode(e: unknown): number | string | undefined {
  return e instanceof ExternalError ? e.details.code : undefined;
}

export function isServiceDisabled(e: unknown): boolean {
  return (
    errorReason(e) === 'SERVICE_DISABLED' ||
    /has not been used in project .* or it is disabled|API is not enabled|SERVICE_DISABLED/i.test(errorText(e))
  );
}

export function isBillingDisabled(e: unknown): boolean {
  return errorReason(e) === 'BILLING_DISABLED' || /billing[^.]*(not enabled|disabled|must be enabled|not found|closed)|BILLING_DISABLED|requires billing/i.test(errorText(e));
}

export function isPermissionDenied(e: unknown): boolean {
  if (errorReason(e) === 'IAM_PERMISSION_DENIED') return true;
  const c = grpcCode(e);
  return (c === 7 || c === 'PERMISSION_DENIED' || c === 403) && !isServiceDisabled(e) && !isBillingDisabled(e);
}

export function isUnauthenticated(e: unknown): boolean {
  const c = grpcCode(e);
  return c === 16 || c === 'UNAUTHENTICATED' || c === 401;
}

export function isAlreadyExists(e: unknown): boolean {
  const c = grpcCode(e);
  return c === 6 || c === 'ALREADY_EXISTS' || c === 409;
}

export function billingError(project: string, cause?: unknown): UserError {
  return new UserError(
    `Billing is not enabled for project ${project}. Artifact Registry needs a billing account linked to the project (the first 0.5 GB a month is still free).`,
    [`Link a billing account: ${billingUrl(project)}`, 'Then run registry-setup again; your progress is saved.'],
    { cause },
  );
}

export function permissionError(opts: {
  project: string;
  account?: string;
  role: string;
  doing: string;
  cause?: unknown;
}): UserError {
  const perm = opts.cause instanceof ExternalError ? opts.cause.details.metadata?.permission : undefined;
  const who = opts.account ?? 'your gcloud account';
  return new UserError(
    `${who} may not ${opts.doing} in project ${opts.project}${perm ? ` (missing permission ${perm})` : ''}. That needs the role ${opts.role}.`,
    [
      `Ask a project owner to grant it: ${grantRoleCommand(opts.project, memberFor(opts.account), opts.role)}`,
      'Or check that you are logged in with the right account: gcloud auth list',
    ],
    { cause: opts.cause },
  );
}

export function unauthenticatedError(cause?: unknown): UserError {
  return new UserError('Google did not accept your gcloud login (it may have expired).', ['Log in again: gcloud auth login', 'Then run registry-setup again; your progress is saved.'], { cause });
}

export function serviceDisabledError(project: string, cause?: unknown): UserError {
  return new UserError(`The Artifact Registry API is not enabled in project ${project}.`, [
    `Enable it: gcloud services enable ${ARTIFACT_REGISTRY_SERVICE} --project=${project}`,
    'Or run registry-setup again and let it enable the API for you.',
  ], { cause });
}

/**
 * Turn an API error that needs the user into a UserError; anything else is returned as is.
 * `role`/`doing` say what the call needed (create → roles/artifactregistry.admin, push → writer).
 */
export function explainApiError(e: unknown, opts: { project: string; account?: string; role: string; doing: string }): unknown {
  if (e instanceof Error && (e.name === 'AbortError')) return e;
  if (isWizardError(e) && e.kind !== 'external') return e;
  if (isServiceDisabled(e)) return serviceDisabledError(opts.project, e);
  if (isBillingDisabled(e)) return billingError(opts.project, e);
  if (isPermissionDenied(e)) return permissionError({ ...opts, cause: e });
  if (isUnauthenticated(e)) return unauthenticatedError(e);
  return e;
}

/** explainApiError, looking up the gcloud account (for the grant command) only when permission was denied. */
export async function explainApiErrorFor(
  e: unknown,
  env: Env,
  opts: { project: string; role: string; doing: string },
): Promise<unknown> {
  let account: string | undefined;
  if (isPermissionDenied(e) && !isServiceDisabled(e)) {
    try {
      account = (await env.gcloud.config()).account;
    } catch {
      account = undefined;
    }
  }
  return explainApiError(e, { ...opts, account });
}

/**
 * A re-check never fails the run: any error (other than a cancel) means "not verified, run the step
 * again", and the step's run() then reports the real problem with its context.
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

/** Best-effort removal of a temp dir we made (never fails the step). */
export async function cleanupTempDir(env: Env, dir: string | undefined): Promise<void> {
  if (!dir || !env.files.removeTempDir) return;
  try {
    await env.files.removeTempDir(dir);
  } catch {
    // a leftover temp dir is harmless
  }
}
