// The cleanup policy registry-setup offers (keep the N most recent versions of each image, delete
// untagged versions older than 30 days), what it would delete today, and gcloud's file form of it.
// Pure: no ports, no I/O.
import type { CleanupPolicy, DockerImage, ReplacedPolicies } from './ports.js';
import type { CleanupFlag } from './steps/types.js';
import { humanBytes } from './facts.js';

export const DEFAULT_KEEP = 10;
/** A sanity bound for --cleanup keep=N (a typo such as keep=100000 is refused). */
export const MAX_KEEP = 1000;
export const UNTAGGED_DAYS = 30;
export const KEEP_ID = 'keep-most-recent';
export const DELETE_ID = 'delete-untagged-30d';
/** The file the script writes for gcloud's --policy. */
export const POLICY_FILE = 'cleanup-policy.json';

const DAY_S = 86_400;
const UNTAGGED_S = UNTAGGED_DAYS * DAY_S;

/** Whether `v` is a usable number of versions to keep ("10"). */
export function validateKeep(v: string): true | string {
  if (!/^\d+$/.test(v.trim())) return 'Enter a whole number of versions, e.g. 10.';
  const n = Number(v.trim());
  if (n < 1 || n > MAX_KEEP) return `Keep between 1 and ${MAX_KEEP} versions.`;
  return true;
}

/** --cleanup's value: keep=N or none. */
export function parseCleanupFlag(v: string): { cleanup: CleanupFlag } | { error: string } {
  if (v === 'none') return { cleanup: 'none' };
  const m = /^keep=(.*)$/.exec(v);
  if (!m) return { error: `--cleanup must be keep=N (keep the N most recent versions of each image, e.g. keep=${DEFAULT_KEEP}) or none.` };
  const ok = validateKeep(m[1]!);
  if (ok !== true) return { error: `--cleanup keep=${m[1]}: ${ok}` };
  return { cleanup: { keep: Number(m[1]) } };
}

/** Our two policies, sorted by id (as the adapter returns a repository's). */
export function ourPolicies(keep: number): CleanupPolicy[] {
  return [
    { id: DELETE_ID, action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: `${UNTAGGED_S}s` } },
    { id: KEEP_ID, action: 'KEEP', mostRecentVersions: { keepCount: keep } },
  ];
}

/** The keepCount when `policies` are exactly ours (for any count), else undefined. */
export function ourKeep(policies: readonly CleanupPolicy[] | undefined): number | undefined {
  if (!policies || policies.length !== 2) return undefined;
  const keep = policies.find((p) => p.id === KEEP_ID)?.mostRecentVersions?.keepCount;
  if (keep === undefined) return undefined;
  const sorted = [...policies].sort((a, b) => a.id.localeCompare(b.id));
  return JSON.stringify(sorted) === JSON.stringify(ourPolicies(keep)) ? keep : undefined;
}

/** Policies that are there and are not ours: the user's own, left alone unless they choose otherwise. */
export function foreignPolicies(policies: readonly CleanupPolicy[] | undefined): boolean {
  return !!policies?.length && ourKeep(policies) === undefined;
}

/** A policy as canonical text (keys sorted), so the same policy compares equal however it was built. */
function canon(p: CleanupPolicy): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(p));
}

/** Whether `p` is one of `list`, id and content alike. */
export function among(list: readonly CleanupPolicy[] | undefined, p: CleanupPolicy): boolean {
  return !!list?.some((q) => canon(q) === canon(p));
}

/**
 * What the record holds before registry-setup writes `wanted` over the repository's `current`
 * policies: every version it wrote (so a kill between the save and the write still knows the one in
 * place as its own), and what it replaces that is not its own (the user's, to put back on undo).
 */
export function recordBeforeSet(
  record: { cleanupSet?: CleanupPolicy[]; cleanupReplaced?: ReplacedPolicies },
  current: readonly CleanupPolicy[],
  dryRun: boolean,
  wanted: readonly CleanupPolicy[],
): { cleanupSet: CleanupPolicy[]; cleanupReplaced?: ReplacedPolicies } {
  const theirs = current.filter((p) => !among(record.cleanupSet, p));
  const replaced = theirs.length ? { policies: theirs, dryRun } : record.cleanupReplaced;
  const set = [...(record.cleanupSet ?? [])];
  for (const p of wanted) if (!among(set, p)) set.push(p);
  return { cleanupSet: set, ...(replaced ? { cleanupReplaced: replaced } : {}) };
}

/** What undo does to a repository's policies: see undoPolicies. */
export interface PolicyUndo {
  /** Ours, still as registry-setup set them: they go. */
  ours: CleanupPolicy[];
  /** Our ids with other content now (edited since): they stay. */
  edited: CleanupPolicy[];
  /** The replaced policies that come back (those whose id is free once ours are gone). */
  restore: CleanupPolicy[];
  /** The replaced policies that do not come back: ours are gone already, so the policies are the user's again. */
  notRestored: CleanupPolicy[];
  /** The repository's policies afterwards, and its dry run. */
  next: CleanupPolicy[];
  dryRun: boolean;
}

/**
 * Undo's change to `current` (with its `dryRun`): registry-setup's policies (`set`) go, each only
 * while its id and content are still what was set; the ones it replaced come back, unless an id is
 * taken or none of ours is left (then the policies were changed since, and are left as they are).
 * The dry run stays on if it is on now, or if the policies that come back had it.
 */
export function undoPolicies(current: readonly CleanupPolicy[], dryRun: boolean, set: readonly CleanupPolicy[], replaced?: ReplacedPolicies): PolicyUndo {
  const ours = current.filter((p) => among(set, p));
  const edited = current.filter((p) => !among(set, p) && set.some((q) => q.id === p.id));
  const left = current.filter((p) => !among(set, p));
  const back = (replaced?.policies ?? []).filter((p) => !left.some((q) => q.id === p.id));
  const restore = ours.length ? back : [];
  const notRestored = ours.length ? [] : back;
  const next = [...left, ...restore].sort((a, b) => a.id.localeCompare(b.id));
  return { ours, edited, restore, notRestored, next, dryRun: dryRun || (restore.length > 0 && replaced?.dryRun === true) };
}

/** Our policies in gcloud's --policy file form (what `set-cleanup-policies` reads). */
export function policyFile(keep: number): string {
  const file = [
    { name: KEEP_ID, action: { type: 'Keep' }, mostRecentVersions: { keepCount: keep } },
    { name: DELETE_ID, action: { type: 'Delete' }, condition: { tagState: 'untagged', olderThan: `${UNTAGGED_DAYS}d` } },
  ];
  return `[\n${file.map((p) => `  ${JSON.stringify(p)}`).join(',\n')}\n]`;
}

/** "2592000s" → "30 days". */
function duration(v: string): string {
  const s = Number(/^(\d+)(?:\.\d+)?s$/.exec(v)?.[1] ?? NaN);
  if (!Number.isFinite(s)) return v;
  if (s % DAY_S === 0) return `${s / DAY_S} day${s === DAY_S ? '' : 's'}`;
  return `${s} s`;
}

/** One policy in words: "keep-prod: Keep the 5 most recent versions". */
export function describePolicy(p: CleanupPolicy): string {
  const verb = p.action === 'KEEP' ? 'Keep' : p.action === 'DELETE' ? 'Delete' : p.action;
  const parts: string[] = [];
  const m = p.mostRecentVersions;
  if (m) parts.push(`the ${m.keepCount ?? 0} most recent versions`);
  const c = p.condition;
  if (c) {
    parts.push(c.tagState && c.tagState !== 'ANY' ? `${c.tagState.toLowerCase()} versions` : 'versions');
    if (c.tagPrefixes?.length) parts.push(`tagged ${c.tagPrefixes.join('|')}*`);
    if (c.olderThan) parts.push(`older than ${duration(c.olderThan)}`);
    if (c.newerThan) parts.push(`newer than ${duration(c.newerThan)}`);
  }
  const prefixes = [...(m?.packageNamePrefixes ?? []), ...(c?.packageNamePrefixes ?? [])];
  if (prefixes.length) parts.push(`of images ${prefixes.join('|')}*`);
  return `${p.id}: ${verb} ${parts.join(' ')}`;
}

export interface Preview {
  /** Versions (digests) in the repository. */
  versions: number;
  /** What the policy would delete today: untagged, older than 30 days, not among the most recent. */
  deleted: DockerImage[];
  bytes: number;
  /** Tagged versions beyond the most recent: no Delete rule matches them, so they stay. */
  taggedBeyond: number;
}

/** The image (package) a version belongs to: HOST/P/R/IMAGE@sha256:… → IMAGE. */
function packageOf(i: DockerImage): string {
  return i.uri.split('@')[0]!.split('/').slice(3).join('/');
}

/**
 * What our policy would delete from `images` at `now`, the way Artifact Registry applies it: a
 * version kept by the Keep rule (among the `keep` most recent of its image) is never deleted; the
 * Delete rule takes untagged versions older than 30 days. A version without an upload time is
 * counted as kept (its age is unknown).
 */
export function preview(images: readonly DockerImage[], keep: number, now: number): Preview {
  const byPackage = new Map<string, DockerImage[]>();
  for (const i of images) byPackage.set(packageOf(i), [...(byPackage.get(packageOf(i)) ?? []), i]);
  const time = (i: DockerImage) => (i.uploadTime ? Date.parse(i.uploadTime) : NaN);
  const out: Preview = { versions: images.length, deleted: [], bytes: 0, taggedBeyond: 0 };
  for (const versions of byPackage.values()) {
    const newestFirst = [...versions].sort((a, b) => (time(b) || 0) - (time(a) || 0));
    for (const v of newestFirst.slice(keep)) {
      if (v.tags.length) out.taggedBeyond++;
      else if (now - time(v) > UNTAGGED_S * 1000) out.deleted.push(v);
    }
  }
  out.bytes = out.deleted.reduce((sum, i) => sum + (i.imageSizeBytes ?? 0), 0);
  return out;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The preview in one sentence: "today it would delete nothing (3 versions in the repository)". */
export function previewText(p: Preview): string {
  const stay = p.taggedBeyond ? `; ${plural(p.taggedBeyond, 'older tagged version')} stay${p.taggedBeyond === 1 ? 's' : ''}, as no Delete rule takes tagged ones` : '';
  if (!p.deleted.length) return `today it would delete nothing (${plural(p.versions, 'version')} in the repository${stay})`;
  const which = p.deleted
    .slice(0, 3)
    .map((i) => `${packageOf(i)}@${(i.uri.split('@')[1] ?? '').slice(7, 19)} (${i.uploadTime?.slice(0, 10) ?? '?'})`)
    .join(', ');
  const more = p.deleted.length > 3 ? ` and ${p.deleted.length - 3} more` : '';
  return `today it would delete ${plural(p.deleted.length, `untagged version`)} older than ${UNTAGGED_DAYS} days, ${humanBytes(p.bytes)}: ${which}${more}${stay}`;
}
