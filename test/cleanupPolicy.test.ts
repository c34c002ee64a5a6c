import { describe, expect, it } from 'vitest';
import { describePolicy, foreignPolicies, ourKeep, ourPolicies, parseCleanupFlag, preview, previewText, validateKeep } from '../src/cleanupPolicy.js';
import type { CleanupPolicy, DockerImage } from '../src/ports.js';

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
