// Typed errors. Every error that reaches the user is one of these four kinds;
// anything else is treated as a bug.

export type ErrorKind = 'user' | 'external' | 'bug' | 'cancel';

abstract class WizardError extends Error {
  abstract readonly kind: ErrorKind;
  /** Short context chain, outermost first: ["create repository mycoolproject-repo"]. */
  context: string[] = [];
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
  /** The message with its context: "create repository x: the API said no". */
  get fullMessage(): string {
    return [...this.context, this.message].join(': ');
  }
}

/** Something the user can fix. `fix` says what to do, in one or more lines. */
export class UserError extends WizardError {
  readonly kind = 'user' as const;
  constructor(message: string, readonly fix: string[] = [], options?: { cause?: unknown; flag?: string }) {
    super(message, options);
    this.flag = options?.flag;
  }
  /** When the error is a missing or bad flag value (exit 2 when raised before any work). */
  readonly flag?: string;
}

/**
 * Why an outside call failed, decided once, by the adapter that made the call (from gRPC codes,
 * ErrorInfo reasons, HTTP statuses, exit codes and output). Steps act on this, never on error text;
 * src/steps/failures.ts turns each one into what the user sees.
 */
export type FailureReason =
  // Google APIs (the Artifact Registry API, Service Usage through gcloud, the registry behind docker push)
  | 'SERVICE_DISABLED' // the Artifact Registry API is off in the project
  | 'BILLING_DISABLED' // the project has no (open) billing account
  | 'PERMISSION_DENIED' // IAM said no (Google says the same for a project that does not exist)
  | 'UNAUTHENTICATED' // the access token was refused
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_REQUEST' // INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE
  | 'UNAVAILABLE' // transient, and the retries ran out
  | 'UNREACHABLE' // no connection at all (refused, unknown host)
  // gcloud
  | 'GCLOUD_NO_CREDENTIAL' // no logged-in account to get a token from
  // docker push
  | 'HELPER_MISSING' // Docker could not run its credential helper
  | 'PUSH_NO_CREDENTIALS' // Docker had no credential to send for the host
  | 'PUSH_UNAUTHORIZED' // the registry refused the credential Docker sent
  | 'PUSH_DENIED' // no permission to push, or no such repository
  | 'TAG_IMMUTABLE'
  | 'PUSH_CONNECTION' // the connection dropped (Docker resumes layers)
  | 'NO_SUCH_IMAGE'
  | 'NO_ALL_TAGS' // Docker older than 20.10: no push --all-tags
  | 'HELPER_FAILED' // the credential helper ran and failed (Docker: error getting credentials)
  // docker image rm
  | 'IMAGE_IN_USE'; // the tag is the last name of an image a container uses

/** A command or remote API failed. */
export class ExternalError extends WizardError {
  readonly kind = 'external' as const;
  constructor(
    message: string,
    readonly details: {
      command?: string; // human-readable command line (never contains secrets)
      exitCode?: number | null;
      stderrTail?: string; // the last lines of stderr
      code?: number | string; // e.g. gRPC code for API errors
      reason?: FailureReason; // unset: nothing a step acts on
      metadata?: Record<string, string>;
      retryable?: boolean;
    } = {},
    readonly fix: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Our own mistake. Shown with a request to report it. */
export class BugError extends WizardError {
  readonly kind = 'bug' as const;
}

/** The user cancelled (Ctrl-C, Escape at a prompt, or declined a required step). */
export class CancelError extends WizardError {
  readonly kind = 'cancel' as const;
  constructor(message = 'cancelled', options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type AnyWizardError = UserError | ExternalError | BugError | CancelError;

export function isWizardError(e: unknown): e is AnyWizardError {
  return e instanceof UserError || e instanceof ExternalError || e instanceof BugError || e instanceof CancelError;
}

/** Turn anything thrown into a typed error. AbortError becomes CancelError; unknown errors become BugError. */
export function toWizardError(e: unknown): AnyWizardError {
  if (isWizardError(e)) return e;
  if (e instanceof Error && (e.name === 'AbortError' || e.name === 'ExitPromptError' || e.name === 'AbortPromptError')) {
    return new CancelError('cancelled', { cause: e });
  }
  const msg = e instanceof Error ? e.message : String(e);
  const bug = new BugError(msg, { cause: e });
  if (e instanceof Error && e.stack) bug.stack = e.stack;
  return bug;
}

/** Add short context to an error: wrap('create repository x', e) → "create repository x: …". */
export function wrap(context: string, e: unknown): AnyWizardError {
  const w = toWizardError(e);
  if (w.context[0] !== context) w.context.unshift(context);
  return w;
}

/** Run fn and wrap any error it throws with context. */
export async function withContext<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw wrap(context, e);
  }
}
