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
      reason?: string; // ErrorInfo reason, e.g. SERVICE_DISABLED
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
