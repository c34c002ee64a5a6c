import { describe, expect, it } from 'vitest';
import { among, describePolicy, foreignPolicies, ourKeep, ourPolicies, parseCleanupFlag, preview, previewText, recordBeforeSet, undoPolicies, validateKeep } from '../src/cleanupPolicy.js';
import type { CleanupPolicy, DockerImage, ReplacedPolicies } from '../src/ports.js';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
let n = 0;
/** A version of `pkg`, `days` old (undefined: no upload time), with `tags`. */
function v(pkg: string, days: number | undefined, tags: string[] = [], size = 1000): DockerImage {
  const digest = `sha256:${String(++n % 10).repeat(64)}`;
  return {
    name: `projects/p/locations/l/repositories/r/dockerImages/${encodeURIComponent(pkg)}@${digest}`,
    uri: `l-docker.pkg.dev/p/r/${pkg}@${digest}`,
    tags,
    imageSizeBytes: size,
    ...(days === undefined ? {} : { uploadTime: new Date(NOW - days * DAY).toISOString() }),
  };
}

describe('preview: what keep N + delete untagged after 30 days would delete today', () => {
  it.each([
    { case: 'empty repository', images: [], keep: 10, deleted: 0, taggedBeyond: 0 },
    { case: 'untagged and old, but among the most recent: kept (Keep wins)', images: [v('app', 0, ['latest']), v('app', 40)], keep: 2, deleted: 0, taggedBeyond: 0 },
    { case: 'untagged and old, beyond the most recent: deleted', images: [v('app', 0, ['latest']), v('app', 40)], keep: 1, deleted: 1, taggedBeyond: 0 },
    { case: 'untagged but only 29 days old: stays', images: [v('app', 0, ['latest']), v('app', 29)], keep: 1, deleted: 0, taggedBeyond: 0 },
    { case: 'tagged and old, beyond the most recent: stays (no Delete rule for tagged)', images: [v('app', 0, ['latest']), v('app', 90, ['v1'])], keep: 1, deleted: 0, taggedBeyond: 1 },
    { case: 'the most recent are counted per image', images: [v('app', 0, ['latest']), v('app', 50), v('worker', 60), v('worker', 70)], keep: 1, deleted: 2, taggedBeyond: 0 },
    { case: 'no upload time: age unknown, never counted as deleted', images: [v('app', 0, ['latest']), v('app', undefined)], keep: 1, deleted: 0, taggedBeyond: 0 },
    { case: 'an image name with a slash is one image', images: [v('backend/api', 1, ['latest']), v('backend/api', 45), v('backend/web', 45)], keep: 1, deleted: 1, taggedBeyond: 0 },
  ])('$case', ({ images, keep, deleted, taggedBeyond }) => {
    const p = preview(images, keep, NOW);
    expect(p.deleted).toHaveLength(deleted);
    expect(p.taggedBeyond).toBe(taggedBeyond);
    expect(p.versions).toBe(images.length);
    expect(p.bytes).toBe(deleted * 1000);
  });

  it.each([
    { images: [v('app', 0, ['latest'])], keep: 10, text: 'today it would delete nothing (1 version in the repository)' },
    { images: [v('app', 0, ['latest']), v('app', 90, ['v1']), v('app', 91, ['v0'])], keep: 1, text: 'today it would delete nothing (3 versions in the repository; 2 older tagged versions stay, as no Delete rule takes tagged ones)' },
    {
      images: [v('app', 0, ['latest']), ...[31, 32, 33, 34].map((d) => v('app', d, [], 2_000_000))],
      keep: 1,
      text: /^today it would delete 4 untagged versions older than 30 days, 8\.0 MB: app@\d{12} \(2026-01-29\), app@\d{12} \(2026-01-28\), app@\d{12} \(2026-01-27\) and 1 more$/,
    },
  ])('previewText $#', ({ images, keep, text }) => {
    const got = previewText(preview(images, keep, NOW));
    if (typeof text === 'string') expect(got).toBe(text);
    else expect(got).toMatch(text);
  });
});

describe('our policies', () => {
  const foreign: CleanupPolicy[] = [{ id: 'keep-prod', action: 'KEEP', condition: { tagState: 'TAGGED', tagPrefixes: ['prod'] } }];
  it.each([
    { case: 'ours, keep 5', policies: ourPolicies(5), keep: 5, foreign: false },
    { case: 'ours in another order', policies: [...ourPolicies(7)].reverse(), keep: 7, foreign: false },
    { case: 'none', policies: [], keep: undefined, foreign: false },
    { case: 'unknown', policies: undefined, keep: undefined, foreign: false },
    { case: 'someone else\'s', policies: foreign, keep: undefined, foreign: true },
    { case: 'ours plus another', policies: [...ourPolicies(5), ...foreign], keep: undefined, foreign: true },
    { case: 'our ids, another delete age', policies: [{ ...ourPolicies(5)[0]!, condition: { tagState: 'UNTAGGED' as const, olderThan: '86400s' } }, ourPolicies(5)[1]!], keep: undefined, foreign: true },
  ])('$case', (c) => {
    expect(ourKeep(c.policies)).toBe(c.keep);
    expect(foreignPolicies(c.policies)).toBe(c.foreign);
  });

  it.each([
    { p: ourPolicies(5)[0]!, words: 'delete-untagged-30d: Delete untagged versions older than 30 days' },
    { p: ourPolicies(5)[1]!, words: 'keep-most-recent: Keep the 5 most recent versions' },
    { p: { id: 'x', action: 'DELETE', condition: { olderThan: '3600s', packageNamePrefixes: ['tmp'] } }, words: 'x: Delete versions older than 3600 s of images tmp*' },
    { p: { id: 'y', action: 'KEEP', condition: { tagState: 'ANY', newerThan: '86400s' } }, words: 'y: Keep versions newer than 1 day' },
  ] as { p: CleanupPolicy; words: string }[])('describePolicy $words', ({ p, words }) => expect(describePolicy(p)).toBe(words));
});

describe('--cleanup values', () => {
  it.each([
    { v: 'none', want: { cleanup: 'none' } },
    { v: 'keep=1', want: { cleanup: { keep: 1 } } },
    { v: 'keep=10', want: { cleanup: { keep: 10 } } },
    { v: 'keep=1000', want: { cleanup: { keep: 1000 } } },
    { v: 'keep=0', want: { error: '--cleanup keep=0: Keep between 1 and 1000 versions.' } },
    { v: 'keep=ten', want: { error: '--cleanup keep=ten: Enter a whole number of versions, e.g. 10.' } },
    { v: 'all', want: { error: expect.stringMatching(/^--cleanup must be keep=N .* or none\.$/) } },
  ])('$v', ({ v, want }) => expect(parseCleanupFlag(v)).toEqual(want));

  it.each([
    ['10', true],
    [' 3 ', true],
    ['0', 'Keep between 1 and 1000 versions.'],
    ['1e3', 'Enter a whole number of versions, e.g. 10.'],
  ])('validateKeep(%j)', (v, want) => expect(validateKeep(v as string)).toBe(want));
});

describe('what undo does to the policies registry-setup set', () => {
  const [DEL, KEEP] = ourPolicies(5) as [CleanupPolicy, CleanupPolicy];
  const KEEP3: CleanupPolicy = { ...KEEP, mostRecentVersions: { keepCount: 3 } };
  const THEIRS: CleanupPolicy = { id: 'keep-prod', action: 'KEEP', condition: { tagState: 'TAGGED', tagPrefixes: ['prod'] } };
  const SAME_ID: CleanupPolicy = { id: 'keep-most-recent', action: 'KEEP', mostRecentVersions: { keepCount: 2 } };
  const MINE: CleanupPolicy = { id: 'delete-dev', action: 'DELETE', condition: { tagPrefixes: ['dev'] } };
  const ids = (l: CleanupPolicy[]) => l.map((p) => p.id);
  it.each([
    { case: 'ours, untouched: all go', current: [DEL, KEEP], want: { ours: [DEL.id, KEEP.id], edited: [], restore: [], notRestored: [], next: [], dryRun: false } },
    { case: 'ours with the replaced ones: they come back', current: [DEL, KEEP], replaced: { policies: [THEIRS], dryRun: false }, want: { ours: [DEL.id, KEEP.id], restore: ['keep-prod'], next: ['keep-prod'], dryRun: false } },
    { case: 'replaced ones in dry run come back in dry run', current: [DEL, KEEP], replaced: { policies: [THEIRS], dryRun: true }, want: { next: ['keep-prod'], dryRun: true } },
    { case: 'a dry run turned on since stays on', current: [DEL, KEEP], dryRun: true, want: { next: [], dryRun: true } },
    { case: 'a replaced one with our id comes back once ours is gone', current: [DEL, KEEP], replaced: { policies: [SAME_ID], dryRun: false }, want: { restore: ['keep-most-recent'], next: ['keep-most-recent'] } },
    { case: 'ours edited: it stays, and takes its id (the replaced one with that id does not come back)', current: [DEL, KEEP3], replaced: { policies: [SAME_ID, THEIRS], dryRun: false }, want: { ours: [DEL.id], edited: ['keep-most-recent'], restore: ['keep-prod'], next: ['keep-most-recent', 'keep-prod'] } },
    { case: 'one of the user\'s next to ours stays', current: [DEL, MINE, KEEP], want: { ours: [DEL.id, KEEP.id], next: ['delete-dev'] } },
    { case: 'ours gone and the policies changed since: nothing goes, nothing comes back', current: [MINE], replaced: { policies: [THEIRS], dryRun: false }, want: { ours: [], restore: [], notRestored: ['keep-prod'], next: ['delete-dev'] } },
    { case: 'ours gone and the replaced ones back (an undo done before): nothing to do', current: [THEIRS], replaced: { policies: [THEIRS], dryRun: false }, want: { ours: [], restore: [], notRestored: [], next: ['keep-prod'] } },
  ] as { case: string; current: CleanupPolicy[]; dryRun?: boolean; replaced?: ReplacedPolicies; want: Record<string, string[] | boolean> }[])('$case', (c) => {
    const u = undoPolicies(c.current, c.dryRun ?? false, ourPolicies(5), c.replaced);
    const got: Record<string, string[] | boolean> = { ours: ids(u.ours), edited: ids(u.edited), restore: ids(u.restore), notRestored: ids(u.notRestored), next: ids(u.next), dryRun: u.dryRun };
    expect(got).toMatchObject(c.want);
  });

  it.each([
    { case: 'nothing there: only what is set', record: {}, current: [], want: { cleanupSet: ourPolicies(5) } },
    { case: 'policies of its own: they are what undo puts back, with their dry run', record: {}, current: [THEIRS], dryRun: true, want: { cleanupSet: ourPolicies(5), cleanupReplaced: { policies: [THEIRS], dryRun: true } } },
    { case: 'ours in place with another count: both versions on record, nothing replaced', record: { cleanupSet: ourPolicies(10) }, current: ourPolicies(10), want: { cleanupSet: [...ourPolicies(10), KEEP] } },
    { case: 'ours in place, what was replaced before stays on record', record: { cleanupSet: ourPolicies(10), cleanupReplaced: { policies: [THEIRS], dryRun: false } }, current: ourPolicies(10), want: { cleanupSet: [...ourPolicies(10), KEEP], cleanupReplaced: { policies: [THEIRS], dryRun: false } } },
    { case: 'ours of another setup (not on this record) are replaced: put back on undo', record: {}, current: ourPolicies(10), want: { cleanupSet: ourPolicies(5), cleanupReplaced: { policies: ourPolicies(10), dryRun: false } } },
  ] as { case: string; record: { cleanupSet?: CleanupPolicy[]; cleanupReplaced?: ReplacedPolicies }; current: CleanupPolicy[]; dryRun?: boolean; want: unknown }[])('before the write: $case', (c) => {
    expect(recordBeforeSet(c.record, c.current, c.dryRun ?? false, ourPolicies(5))).toEqual(c.want);
  });

  it('the same policy compares equal whatever the order of its keys', () => {
    expect(among([{ action: 'KEEP', mostRecentVersions: { keepCount: 5 }, id: 'keep-most-recent' } as CleanupPolicy], KEEP)).toBe(true);
    expect(among([KEEP3], KEEP)).toBe(false);
  });
});
