// The saved state's one schema: every key of WizardState, with the check a saved value must pass
// to be used again (a hand-edited or older file loses only the values that do not fit).
import type { SavedRun, WizardState } from '../ports.js';

type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string';
const bool: Check = (v) => typeof v === 'boolean';
const strings: Check = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const source: Check = (v) => v === 'build' || v === 'sample' || (!!v && typeof v === 'object' && typeof (v as { local?: unknown }).local === 'string');
const policy = (v: unknown): boolean => !!v && typeof v === 'object' && str((v as { id?: unknown }).id) && str((v as { action?: unknown }).action);
const policies: Check = (v) => Array.isArray(v) && v.every(policy);
const cleanup: Check = (v) =>
  v === 'declined' || v === 'not-asked' || v === 'kept-existing' || (!!v && typeof v === 'object' && Number.isInteger((v as { keep?: unknown }).keep) && (v as { keep: number }).keep > 0);
const replaced: Check = (v) => !!v && typeof v === 'object' && policies((v as { policies?: unknown }).policies) && bool((v as { dryRun?: unknown }).dryRun);
const storage: Check = (v) => !!v && typeof v === 'object' && typeof (v as { images?: unknown }).images === 'number' && typeof (v as { bytes?: unknown }).bytes === 'number';

export const STATE_SCHEMA: { [K in keyof Required<WizardState>]: Check } = {
  project: str,
  location: str,
  repository: str,
  repositoryName: str,
  registryHost: str,
  image: str,
  source,
  localImage: str,
  sha: (v) => v === null || str(v),
  imageUris: strings,
  digest: str,
  dockerConfigBackup: str,
  createdRepository: bool,
  warnings: strings,
  locations: strings,
  immutableTags: bool,
  storage,
  enableApi: bool,
  apiEnabledHere: bool,
  repositoryExists: bool,
  dockerEntryAdded: bool,
  rebuild: bool,
  account: str,
  cleanup,
  cleanupPolicies: policies,
  cleanupSet: policies,
  cleanupReplaced: replaced,
};

/** The part of `state` that is saved and loaded: the schema's keys, with values that pass their check. */
export function savedState(state: Partial<WizardState> | Record<string, unknown>): Partial<WizardState> {
  const out: Record<string, unknown> = {};
  for (const [k, check] of Object.entries(STATE_SCHEMA) as [string, Check][]) {
    const v = (state as Record<string, unknown>)[k];
    if (v !== undefined && check(v)) out[k] = v;
  }
  return out as Partial<WizardState>;
}

export function runKey(state: Partial<WizardState>): string {
  return state.project && state.location && state.repository ? `${state.project}/${state.location}/${state.repository}` : '';
}

export function savedRun(state: Partial<WizardState>, done: string[], now: number): SavedRun {
  return { version: 1, key: runKey(state), updatedAt: new Date(now).toISOString(), done, state: savedState(state) };
}
