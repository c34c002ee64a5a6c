// Repository.cleanupPolicies as the Artifact Registry v1 API takes and gives them.
// In: what the real clients send (gcloud: the policy file's names as written, "Keep",
// "untagged", durations like "2592000.0s"; Node: ints, "1.500s"). Out: Google's canonical
// JSON (enum names upper-case, durations "2592000s", empty lists left out).

export type CleanupAction = 'DELETE' | 'KEEP';
export type TagState = 'TAGGED' | 'UNTAGGED' | 'ANY';

export interface CleanupPolicyCondition {
  tagState?: TagState;
  tagPrefixes?: string[];
  versionNamePrefixes?: string[];
  packageNamePrefixes?: string[];
  /** Canonical duration, e.g. "2592000s". */
  olderThan?: string;
  newerThan?: string;
}

export interface CleanupPolicyMostRecentVersions {
  packageNamePrefixes?: string[];
  keepCount?: number;
}

export interface CleanupPolicy {
  id: string;
  action: CleanupAction;
  condition?: CleanupPolicyCondition;
  mostRecentVersions?: CleanupPolicyMostRecentVersions;
}

/** Google's limit per repository. */
export const MAX_CLEANUP_POLICIES = 10;
/** Map keys (policy IDs) must be shorter than this. */
const MAX_POLICY_ID = 128;
/** google.protobuf.Duration's range, in seconds. */
const MAX_DURATION_S = 315_576_000_000;

const ACTIONS: Readonly<Record<number, string>> = { 0: 'ACTION_UNSPECIFIED', 1: 'DELETE', 2: 'KEEP' };
const TAG_STATES: Readonly<Record<number, string>> = { 0: 'TAG_STATE_UNSPECIFIED', 1: 'TAGGED', 2: 'UNTAGGED', 3: 'ANY' };
const ACTION_TYPE = 'type.googleapis.com/google.devtools.artifactregistry.v1.CleanupPolicy.Action';
const TAG_STATE_TYPE = 'type.googleapis.com/google.devtools.artifactregistry.v1.CleanupPolicyCondition.TagState';
const POLICY_FIELDS = new Set(['id', 'action', 'condition', 'mostRecentVersions', 'most_recent_versions']);
const CONDITION_FIELDS: Readonly<Record<string, keyof CleanupPolicyCondition>> = {
  tagState: 'tagState',
  tag_state: 'tagState',
  tagPrefixes: 'tagPrefixes',
  tag_prefixes: 'tagPrefixes',
  versionNamePrefixes: 'versionNamePrefixes',
  version_name_prefixes: 'versionNamePrefixes',
  packageNamePrefixes: 'packageNamePrefixes',
  package_name_prefixes: 'packageNamePrefixes',
  olderThan: 'olderThan',
  older_than: 'olderThan',
  newerThan: 'newerThan',
  newer_than: 'newerThan',
};
const MRV_FIELDS: Readonly<Record<string, keyof CleanupPolicyMostRecentVersions>> = {
  packageNamePrefixes: 'packageNamePrefixes',
  package_name_prefixes: 'packageNamePrefixes',
  keepCount: 'keepCount',
  keep_count: 'keepCount',
};

/** A policy the API would refuse (400 INVALID_ARGUMENT); the message says which field. */
export class CleanupPolicyError extends Error {}

const invalidValue = (at: string, type: string, v: unknown) => new CleanupPolicyError(`Invalid value at '${at}' (${type}), ${JSON.stringify(v)}`);
const unknownName = (name: string, at: string) => new CleanupPolicyError(`Invalid JSON payload received. Unknown name "${name}" at '${at}': Cannot find field.`);

/** A table lookup that ignores Object.prototype ("constructor", "__proto__" are field names here). */
function own<T>(table: Readonly<Record<string, T>>, k: string): T | undefined {
  return Object.hasOwn(table, k) ? table[k] : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Proto enums in JSON: the name in any case (gcloud passes the file's "Keep"/"untagged" through) or the number. */
function enumValue(v: unknown, table: Readonly<Record<number, string>>, at: string, type: string): string {
  const byNumber = typeof v === 'number' ? table[v] : typeof v === 'string' && /^\d+$/.test(v) ? table[Number(v)] : undefined;
  if (byNumber) return byNumber;
  if (typeof v === 'string' && Object.values(table).includes(v.toUpperCase())) return v.toUpperCase();
  throw invalidValue(at, type, v);
}

/** A google.protobuf.Duration in JSON ("2592000s", "2592000.0s", "1.5s") → Google's canonical form. */
export function canonicalDuration(v: unknown, at: string): string {
  const m = typeof v === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(v) : null;
  if (!m || Number(m[2]) > MAX_DURATION_S) throw invalidValue(at, 'type.googleapis.com/google.protobuf.Duration', v);
  const nanos = Number((m[3] ?? '').padEnd(9, '0'));
  if (m[1] && (Number(m[2]) > 0 || nanos > 0)) throw new CleanupPolicyError(`${at} must not be negative, got ${JSON.stringify(v)}.`);
  const seconds = String(Number(m[2]));
  if (nanos === 0) return `${seconds}s`;
  // Proto3 JSON prints 3, 6 or 9 fractional digits.
  const digits = nanos % 1_000_000 === 0 ? 3 : nanos % 1000 === 0 ? 6 : 9;
  return `${seconds}.${String(nanos).padStart(9, '0').slice(0, digits)}s`;
}

function strings(v: unknown, at: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw invalidValue(at, 'TYPE_STRING', v);
  return v.length ? [...(v as string[])] : undefined;
}

/** Copies `v`'s keys in `order` (proto field order, as Google prints them). */
function ordered<T extends object>(v: T, order: Array<keyof T>): T {
  const out = {} as T;
  for (const k of order) if (v[k] !== undefined) out[k] = v[k];
  return out;
}

function parseCondition(v: Record<string, unknown>, at: string): CleanupPolicyCondition {
  const out: CleanupPolicyCondition = {};
  for (const [k, raw] of Object.entries(v)) {
    const f = own(CONDITION_FIELDS, k);
    if (!f) throw unknownName(k, at);
    if (raw === null) continue;
    const fat = `${at}.${k}`;
    if (f === 'tagState') {
      const s = enumValue(raw, TAG_STATES, fat, TAG_STATE_TYPE);
      if (s !== 'TAG_STATE_UNSPECIFIED') out.tagState = s as TagState;
    } else if (f === 'olderThan' || f === 'newerThan') out[f] = canonicalDuration(raw, fat);
    else {
      const list = strings(raw, fat);
      if (list) out[f] = list;
    }
  }
  return ordered(out, ['tagState', 'tagPrefixes', 'versionNamePrefixes', 'packageNamePrefixes', 'olderThan', 'newerThan']);
}

function parseMostRecent(v: Record<string, unknown>, at: string): CleanupPolicyMostRecentVersions {
  const out: CleanupPolicyMostRecentVersions = {};
  for (const [k, raw] of Object.entries(v)) {
    const f = own(MRV_FIELDS, k);
    if (!f) throw unknownName(k, at);
    if (raw === null) continue;
    if (f === 'packageNamePrefixes') {
      const list = strings(raw, `${at}.${k}`);
      if (list) out.packageNamePrefixes = list;
      continue;
    }
    // int32 in JSON: a number or a string of digits.
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n > 2 ** 31 - 1 || n < -(2 ** 31)) throw invalidValue(`${at}.${k}`, 'TYPE_INT32', raw);
    if (n < 0) throw new CleanupPolicyError(`${at}.keepCount must not be negative, got ${n}.`);
    out.keepCount = n;
  }
  return ordered(out, ['packageNamePrefixes', 'keepCount']);
}

function parsePolicy(key: string, v: unknown, at: string): CleanupPolicy {
  if (!isObject(v)) throw invalidValue(at, 'type.googleapis.com/google.devtools.artifactregistry.v1.CleanupPolicy', v);
  for (const k of Object.keys(v)) if (!POLICY_FIELDS.has(k)) throw unknownName(k, at);
  if (v.id !== undefined && v.id !== null && v.id !== '' && v.id !== key) throw new CleanupPolicyError(`${at}.id ${JSON.stringify(v.id)} must equal its map key ${JSON.stringify(key)}.`);
  const action = v.action === undefined || v.action === null ? 'ACTION_UNSPECIFIED' : enumValue(v.action, ACTIONS, `${at}.action`, ACTION_TYPE);
  if (action !== 'DELETE' && action !== 'KEEP') throw new CleanupPolicyError(`${at}.action must be DELETE or KEEP.`);
  const cond = v.condition ?? null;
  const mrv = v.mostRecentVersions ?? v.most_recent_versions ?? null;
  if (cond !== null && !isObject(cond)) throw invalidValue(`${at}.condition`, 'type.googleapis.com/google.devtools.artifactregistry.v1.CleanupPolicyCondition', cond);
  if (mrv !== null && !isObject(mrv)) throw invalidValue(`${at}.mostRecentVersions`, 'type.googleapis.com/google.devtools.artifactregistry.v1.CleanupPolicyMostRecentVersions', mrv);
  // condition and mostRecentVersions are one proto oneof.
  if (cond && mrv) throw new CleanupPolicyError(`Invalid JSON payload received. Oneof field 'condition_type' is already set at '${at}'. Cannot set 'mostRecentVersions'.`);
  if (!cond && !mrv) throw new CleanupPolicyError(`${at}: a ${action} policy needs a condition or mostRecentVersions.`);
  if (mrv && action !== 'KEEP') throw new CleanupPolicyError(`${at}: mostRecentVersions may only be used with a KEEP action.`);
  return ordered(
    {
      id: key,
      condition: cond ? parseCondition(cond, `${at}.condition`) : undefined,
      action,
      mostRecentVersions: mrv ? parseMostRecent(mrv, `${at}.mostRecentVersions`) : undefined,
    },
    ['id', 'condition', 'action', 'mostRecentVersions'],
  );
}

/**
 * Repository.cleanupPolicies from a request (map id → policy; names or ints) → the stored,
 * canonical map. Absent or null = no policies. Throws CleanupPolicyError for what Google refuses.
 */
export function parseCleanupPolicies(v: unknown, at = 'repository.cleanup_policies'): Record<string, CleanupPolicy> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw invalidValue(at, 'map<string, CleanupPolicy>', v);
  const keys = Object.keys(v);
  if (keys.length > MAX_CLEANUP_POLICIES) throw new CleanupPolicyError(`A repository can have at most ${MAX_CLEANUP_POLICIES} cleanup policies; got ${keys.length}.`);
  const entries = keys.map((key): [string, CleanupPolicy] => {
    const kat = `${at}[${JSON.stringify(key)}]`;
    if (!key || key.length >= MAX_POLICY_ID) throw new CleanupPolicyError(`${kat}: a cleanup policy ID must be 1 to ${MAX_POLICY_ID - 1} characters.`);
    return [key, parsePolicy(key, v[key], kat)];
  });
  // fromEntries: a policy ID "__proto__" stays a key.
  return Object.fromEntries(entries);
}
