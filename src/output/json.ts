// --json: one JSON document on stdout at the end of the run. Never a token.
import type { RunEvent, RunResult, Sink } from '../runner.js';
import type { CleanupPolicy, WizardState } from '../ports.js';
import type { StepId } from '../steps/types.js';
import type { AnyWizardError } from '../errors.js';
import { errorView, redact, registryPath } from './format.js';
import { ourKeep } from '../cleanupPolicy.js';

export interface JsonStep {
  id: StepId;
  status: 'done' | 'failed' | 'cancelled' | 'pending' | 'planned';
  summary?: string;
  /** Done in an earlier run, confirmed by a re-check. */
  rechecked?: boolean;
  commands?: string[];
}

export interface JsonImage {
  uri: string;
  tags: string[];
  digest?: string;
}

export interface JsonResult {
  status: 'done' | 'failed' | 'cancelled';
  dryRun?: boolean;
  project: string | null;
  location: string | null;
  repository: string | null;
  registry: string | null;
  images: JsonImage[];
  /** The cleanup step's result: whether our policy is set (and its count), and the repository's policies as last seen. */
  cleanup?: JsonCleanup;
  steps: JsonStep[];
  warnings: string[];
  error?: { kind: AnyWizardError['kind']; message: string; fix: string[]; step?: StepId; command?: string; exitCode?: number | null };
}

export interface JsonCleanup {
  /** registry-setup's policy is on the repository (set by this run or an earlier one). */
  applied: boolean;
  /** Its number of most recent versions kept, when applied. */
  keep?: number;
  /** What was decided: set, declined (no, or --cleanup none), not-asked (--yes without --cleanup), kept-existing. */
  choice: 'set' | 'declined' | 'not-asked' | 'kept-existing';
  policies: CleanupPolicy[];
}

/** The cleanup part of the document; undefined before the cleanup step answered. */
export function cleanupOf(state: Partial<WizardState>): JsonCleanup | undefined {
  const c = state.cleanup;
  if (!c) return undefined;
  const policies = state.cleanupPolicies ?? [];
  const keep = ourKeep(policies);
  const applied = typeof c === 'object' && keep === c.keep;
  return { applied, ...(applied ? { keep } : {}), choice: typeof c === 'object' ? 'set' : c, policies };
}

/** Group HOST/P/R/IMAGE:TAG URIs by image: [{uri: HOST/P/R/IMAGE, tags: [latest, sha], digest}]. */
export function imagesOf(state: Partial<WizardState>): JsonImage[] {
  const byUri = new Map<string, JsonImage>();
  for (const full of state.imageUris ?? []) {
    const at = full.indexOf('@');
    const base = at === -1 ? full : full.slice(0, at);
    const slash = base.lastIndexOf('/');
    const colon = base.lastIndexOf(':');
    const hasTag = colon > slash;
    const uri = hasTag ? base.slice(0, colon) : base;
    const tag = hasTag ? base.slice(colon + 1) : undefined;
    const img = byUri.get(uri) ?? { uri, tags: [], digest: state.digest };
    if (tag && !img.tags.includes(tag)) img.tags.push(tag);
    byUri.set(uri, img);
  }
  return [...byUri.values()];
}

/** Collects events; `result()` builds the document. */
export function createJsonCollector(): { sink: Sink; result(r: Pick<RunResult, 'status' | 'state' | 'error'>, debug?: boolean): JsonResult } {
  const steps: JsonStep[] = [];
  let dryRun = false;
  let failedStep: StepId | undefined;
  const find = (id: StepId) => steps.find((s) => s.id === id);
  const sink: Sink = (e: RunEvent) => {
    switch (e.type) {
      case 'run-start':
        dryRun = e.dryRun;
        steps.splice(0, steps.length, ...e.steps.map((s) => ({ id: s.id, status: 'pending' as const })));
        break;
      case 'step-done': {
        const s = find(e.id);
        if (s) {
          s.status = 'done';
          s.summary = redact(e.summary);
          if (e.skipped) s.rechecked = true;
        }
        break;
      }
      case 'step-failed': {
        const s = find(e.id);
        failedStep = e.id;
        if (s) s.status = 'failed';
        break;
      }
      case 'run-cancelled':
        for (const s of steps) if (s.status === 'pending') s.status = 'cancelled';
        break;
      case 'plan':
        if (!e.dryRun) break;
        for (const p of e.steps) {
          const s = find(p.id);
          if (s) {
            s.status = 'planned';
            s.commands = p.commands.map(redact);
          }
        }
        break;
      default:
        break;
    }
  };
  return {
    sink,
    result(r, debug = false) {
      const st = r.state;
      const out: JsonResult = {
        status: r.status,
        ...(dryRun ? { dryRun: true } : {}),
        project: st.project ?? null,
        location: st.location ?? null,
        repository: st.repositoryName ?? (st.project && st.location && st.repository ? `projects/${st.project}/locations/${st.location}/repositories/${st.repository}` : null),
        registry: registryPath(st) ?? null,
        images: imagesOf(st),
        ...(cleanupOf(st) ? { cleanup: cleanupOf(st) } : {}),
        steps,
        warnings: (st.warnings ?? []).map(redact),
      };
      if (r.error && r.status !== 'done') {
        const v = errorView(r.error, debug);
        out.error = { kind: v.kind, message: v.message, fix: v.fix, ...(failedStep ? { step: failedStep } : {}) };
        if (v.command !== undefined) out.error.command = v.command;
        if (v.exitCode !== undefined) out.error.exitCode = v.exitCode;
      }
      return out;
    },
  };
}
