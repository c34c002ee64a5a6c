// Text shared by the Ink UI, the plain-lines reporter and the JSON result: the error panel and
// the final summary, redacted.
import type { AnyWizardError } from '../errors.js';
import { redact } from '../redact.js';
import type { WizardState } from '../ports.js';
import type { StepId } from '../steps/types.js';

/** The printers' redactor (everything they print goes through it). */
export { redact };

// ---------- errors ----------

export interface ErrorView {
  kind: AnyWizardError['kind'];
  /** "create repository demo-repo: the caller does not have permission" */
  message: string;
  fix: string[];
  command?: string;
  exitCode?: number | null;
  stderrTail: string[];
  reason?: string;
  /** Only with --debug. */
  stack?: string;
}

export function errorView(err: AnyWizardError, debug: boolean): ErrorView {
  const fix: string[] = [];
  let command: string | undefined;
  let exitCode: number | null | undefined;
  let stderrTail: string[] = [];
  let reason: string | undefined;
  if (err.kind === 'user') fix.push(...err.fix);
  if (err.kind === 'external') {
    fix.push(...err.fix);
    command = err.details.command;
    exitCode = err.details.exitCode;
    reason = err.details.reason;
    stderrTail = (err.details.stderrTail ?? '')
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l.length > 0)
      .slice(-10);
  }
  if (err.kind === 'bug') {
    fix.push('This is a bug in registry-setup, not something you did. Please report it with the output of the same command run with --debug.');
  }
  return {
    kind: err.kind,
    message: redact(err.fullMessage),
    fix: fix.map(redact),
    command: command === undefined ? undefined : redact(command),
    exitCode,
    stderrTail: stderrTail.map(redact),
    reason,
    stack: debug && err.stack ? redact(err.stack) : undefined,
  };
}

/** The error panel as plain lines (no colour). The Ink panel shows the same content. */
export function errorLines(v: ErrorView, stepTitle?: string): string[] {
  const out: string[] = [];
  out.push(`${stepTitle ? `${stepTitle} failed: ` : ''}${v.message}`);
  if (v.fix.length) {
    out.push('What to do:');
    for (const f of v.fix) out.push(`  - ${f}`);
  }
  if (v.command !== undefined) out.push(`Command: ${v.command}`);
  if (v.exitCode !== undefined) out.push(`Exit code: ${v.exitCode === null ? 'none (it did not start)' : v.exitCode}`);
  if (v.reason) out.push(`Reason: ${v.reason}`);
  if (v.stderrTail.length) {
    out.push('Its last lines of output:');
    for (const l of v.stderrTail) out.push(`  | ${l}`);
  }
  if (v.stack) {
    out.push('Stack (--debug):');
    for (const l of v.stack.split('\n')) out.push(`  ${l}`);
  }
  return out;
}

// ---------- summary ----------

/** What src/steps/summary.ts's renderSummary returns (accepted loosely; normalised here). */
export interface SummaryInput {
  registryUrl?: string;
  imageUris?: string[];
  digest?: string;
  script?: string | string[];
  costFacts?: string[];
  next?: string | (string | { number?: string; title?: string; what?: string })[];
}

export type RenderSummary = (state: Partial<WizardState>, commandsByStep: Partial<Record<StepId, string[]>>) => SummaryInput;

export interface SummaryView {
  registryUrl?: string;
  imageUris: string[];
  digest?: string;
  script: string[];
  costFacts: string[];
  next: string[];
}

/** The registry path HOST/PROJECT/REPOSITORY (a domain-scoped project appears as example.com/proj). */
export function registryPath(state: Partial<WizardState>): string | undefined {
  if (!state.registryHost || !state.project || !state.repository) return undefined;
  return `${state.registryHost}/${state.project.replace(':', '/')}/${state.repository}`;
}

/** A summary built from the state alone (used when the steps' renderSummary is not available or fails). */
export function fallbackSummary(state: Partial<WizardState>, commandsByStep: Partial<Record<StepId, string[]>>): SummaryInput {
  return {
    registryUrl: registryPath(state),
    imageUris: state.imageUris ?? [],
    digest: state.digest,
    script: Object.values(commandsByStep).flatMap((c) => c ?? []),
    costFacts: [],
    next: [],
  };
}

export function summaryView(
  render: RenderSummary | undefined,
  state: Partial<WizardState>,
  commandsByStep: Partial<Record<StepId, string[]>>,
): SummaryView {
  let s: SummaryInput;
  try {
    s = render ? render(state, commandsByStep) : fallbackSummary(state, commandsByStep);
  } catch {
    s = fallbackSummary(state, commandsByStep);
  }
  const script = typeof s.script === 'string' ? s.script.split('\n') : [...(s.script ?? [])];
  while (script.length && script[script.length - 1].trim() === '') script.pop();
  const next =
    typeof s.next === 'string'
      ? [s.next]
      : (s.next ?? []).map((n) =>
          typeof n === 'string' ? n : [n.number ? `${n.number} ${n.title ?? ''}`.trim() : (n.title ?? ''), n.what].filter(Boolean).join(': '),
        );
  return {
    registryUrl: s.registryUrl ? redact(s.registryUrl) : undefined,
    imageUris: (s.imageUris ?? []).map(redact),
    digest: s.digest,
    script: script.map(redact),
    costFacts: s.costFacts ?? [],
    next,
  };
}

export function summaryLines(v: SummaryView): string[] {
  const out: string[] = [];
  if (v.registryUrl) out.push(`Registry: ${v.registryUrl}`);
  if (v.imageUris.length) {
    out.push('Images:');
    for (const u of v.imageUris) out.push(`  ${u}`);
  }
  if (v.digest) out.push(`Digest: ${v.digest}`);
  if (v.script.length) {
    out.push('The same setup as commands (copy and keep):');
    for (const l of v.script) out.push(`  ${l}`);
  }
  if (v.costFacts.length) {
    out.push('Cost:');
    for (const c of v.costFacts) out.push(`  - ${c}`);
  }
  if (v.next.length) {
    out.push('Next:');
    for (const n of v.next) out.push(`  - ${n}`);
  }
  return out;
}

/** A layer's line of a push: "abcdef012345: Pushing". */
export function layerText(n: { id: string; status: string }): string {
  return `${n.id.slice(0, 12)}: ${n.status}`;
}

/** An error no step caught, as lines for stderr: the message, its fixes, and the stack only with --debug. */
export function fatalLines(prefix: string, w: AnyWizardError, debug: boolean): string[] {
  return [`${prefix}: ${redact(w.fullMessage)}`, ...('fix' in w ? w.fix.map((f) => `  - ${redact(f)}`) : []), ...(debug && w.stack ? [redact(w.stack)] : [])];
}
