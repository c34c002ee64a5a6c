import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  closestLocation, validateImageName, validateLocalImageRef, validateLocation,
  validateProjectId, validateRepositoryId, validateTag, zoneToRegion,
} from '../src/validate.js';
import { deriveImageName, deriveRepositoryId } from '../src/naming.js';

const lower = 'abcdefghijklmnopqrstuvwxyz'.split('');
const digits = '0123456789'.split('');
const charFrom = (chars: string[]) => fc.constantFrom(...chars);
const str = (chars: string[], min: number, max: number) => fc.array(charFrom(chars), { minLength: min, maxLength: max }).map((a) => a.join(''));

const projectId = fc
  .tuple(charFrom(lower), str([...lower, ...digits, '-'], 4, 28), charFrom([...lower, ...digits]))
  .map(([a, b, c]) => a + b + c);
const repositoryId = fc
  .tuple(charFrom(lower), str([...lower, ...digits, '-'], 0, 61), charFrom([...lower, ...digits]))
  .map(([a, b, c]) => a + b + c);
const imagePart = fc
  .tuple(str([...lower, ...digits], 1, 6), fc.array(fc.tuple(charFrom(['.', '_', '-']), str([...lower, ...digits], 1, 5)), { maxLength: 3 }))
  .map(([h, rest]) => h + rest.map(([s, p]) => s + p).join(''));
const imageName = fc.array(imagePart, { minLength: 1, maxLength: 3 }).map((a) => a.join('/')).filter((s) => s.length <= 128);
const tagChars = [...lower, ...lower.map((c) => c.toUpperCase()), ...digits, '_', '.', '-'];
const tag = fc.tuple(charFrom([...lower, ...digits, '_', 'A']), str(tagChars, 0, 127)).map(([a, b]) => a + b);

const table = <T,>(rows: T[]) => rows;

describe('validateProjectId', () => {
  it.each(table([
    ['mycoolproject-prod', true],
    ['example.com:my-proj', true],
    ['abcdef', true],
    ['abcde', /too short/],
    ['a'.repeat(31), /too long/],
    ['1abcdef', /start with a lowercase letter/],
    ['my-project-', /ends with a hyphen/],
    ['My-Project', /start with a lowercase letter/],
    ['my_project', /not allowed/],
    ['', /required/],
    ['bad domain:my-proj', /domain/],
  ] as [string, true | RegExp][]))('%s', (v, want) => {
    const r = validateProjectId(v);
    if (want === true) expect(r).toBe(true);
    else {
      expect(r).toMatch(want);
      expect(r).toMatch(/6 to 30 characters/); // states the rule
    }
  });
  it('accepts every generated valid ID', () => fc.assert(fc.property(projectId, (id) => validateProjectId(id) === true)));
  it('rejects a valid ID with an upper-case letter, an underscore, or a trailing hyphen', () =>
    fc.assert(
      fc.property(projectId, fc.constantFrom('A', '_', '-end', ' '), (id, bad) => {
        const mutated = bad === '-end' ? id.slice(0, 20) + '-' : id.slice(0, 3) + bad + id.slice(3);
        return validateProjectId(mutated) !== true;
      }),
    ));
  it('never throws, always true or a message', () =>
    fc.assert(fc.property(fc.string(), (s) => { const r = validateProjectId(s); return r === true || (typeof r === 'string' && r.length > 0); })));
});

describe('validateRepositoryId', () => {
  it.each(table([
    ['mycoolproject-repo', true],
    ['r', true],
    ['my_repo', /not allowed/],
    ['Repo', /lowercase/],
    ['repo-', /hyphen/],
    ['9repo', /lowercase letter/],
    ['a'.repeat(64), /too long/],
  ] as [string, true | RegExp][]))('%s', (v, want) => {
    const r = validateRepositoryId(v);
    if (want === true) expect(r).toBe(true);
    else expect(r).toMatch(want);
  });
  it('accepts generated IDs', () => fc.assert(fc.property(repositoryId, (id) => validateRepositoryId(id) === true)));
  it('rejects mutated IDs', () =>
    fc.assert(fc.property(repositoryId, fc.constantFrom('_', '.', 'X', '/'), (id, bad) => validateRepositoryId(id + bad + 'a') !== true)));
  it('derived repository IDs are always valid', () =>
    fc.assert(fc.property(fc.oneof(fc.string(), projectId), (p) => validateRepositoryId(deriveRepositoryId(p)) === true)));
});

describe('locations', () => {
  it.each(table([
    ['southamerica-east1', true],
    ['us', true],
    ['europe-west3', true],
    ['us-west1-c', /zone.*us-west1/],
    ['US-EAST1', /not a location/],
    ['us-east1; rm -rf', /not a location/],
  ] as [string, true | RegExp][]))('%s', (v, want) => {
    const r = validateLocation(v);
    if (want === true) expect(r).toBe(true);
    else expect(r).toMatch(want);
  });
  it('zoneToRegion', () => {
    expect(zoneToRegion('us-west1-c')).toBe('us-west1');
    expect(zoneToRegion('us-west1')).toBeNull();
  });
  it.each([
    ['eu-west3', 'europe-west3'],
    ['eu-west1', 'europe-west1'],
    ['sa-east1', 'southamerica-east1'],
    ['us-west2', 'us-west1'],
    ['southamerica-east', 'southamerica-east1'],
    ['us-centrl1', 'us-central1'],
    ['zzzzzzzzzzzzzzzzzz', null],
  ])('closestLocation(%s) = %s', (v, want) => {
    expect(closestLocation(v, ['us-central1', 'europe-west3', 'southamerica-east1', 'us-east1', 'us-west1', 'europe-west1'])).toBe(want);
  });
  it('never throws', () => fc.assert(fc.property(fc.string(), (s) => { validateLocation(s); zoneToRegion(s); closestLocation(s, ['us']); return true; })));
});

describe('image names and tags', () => {
  it.each(table([
    ['app', true],
    ['backend/api', true],
    ['my-app_2.x', true],
    ['App', /not a valid image name/],
    ['app/', /not a valid/],
    ['-app', /not a valid/],
    ['a--b', /not a valid/],
  ] as [string, true | RegExp][]))('image %s', (v, want) => {
    const r = validateImageName(v);
    if (want === true) expect(r).toBe(true);
    else expect(r).toMatch(want);
  });
  it('accepts generated image names', () => fc.assert(fc.property(imageName, (n) => validateImageName(n) === true)));
  it('rejects mutated image names', () =>
    fc.assert(fc.property(imageName, fc.constantFrom('A', ' ', '//', ':', '-'), (n, bad) => validateImageName(bad === '-' ? '-' + n : n + bad + 'x') !== true)));
  it('derived image names are always valid', () => fc.assert(fc.property(fc.string(), (s) => validateImageName(deriveImageName(s)) === true)));

  it.each(table([
    ['latest', true],
    ['a3f9c12', true],
    ['v1.2.3-rc_1', true],
    ['.hidden', /not a valid tag/],
    ['-x', /not a valid tag/],
    ['a'.repeat(129), /not a valid tag/],
    ['feature/x', /not a valid tag/],
  ] as [string, true | RegExp][]))('tag %s', (v, want) => {
    const r = validateTag(v);
    if (want === true) expect(r).toBe(true);
    else {
      expect(r).toMatch(want);
      expect(r).toMatch(/128 characters/);
    }
  });
  it('accepts generated tags', () => fc.assert(fc.property(tag, (t) => validateTag(t) === true)));
  it('rejects mutated tags', () => fc.assert(fc.property(tag, fc.constantFrom('/', ' ', ':', '@'), (t, bad) => validateTag(t.slice(0, 100) + bad) !== true)));
});

describe('validateLocalImageRef', () => {
  it.each(table([
    ['myapp', true],
    ['myapp:latest', true],
    ['registry.example.com:5000/team/app:1.0', true],
    ['app@sha256:' + 'a'.repeat(64), true],
    ['0123456789ab', true],
    ['sha256:' + 'b'.repeat(64), true],
    ['--output=/etc/passwd', /starts with "-"/],
    ['My App', /not a valid/],
    ['app:', /not a valid/],
    ['app;rm', /not a valid/],
  ] as [string, true | RegExp][]))('%s', (v, want) => {
    const r = validateLocalImageRef(v);
    if (want === true) expect(r).toBe(true);
    else expect(r).toMatch(want);
  });
  it('accepts image:tag built from valid parts', () =>
    fc.assert(fc.property(imageName, tag, (n, t) => validateLocalImageRef(`${n}:${t}`) === true)));
  it('never accepts a leading "-" and never throws', () =>
    fc.assert(fc.property(fc.string(), (s) => { const r = validateLocalImageRef('-' + s); return r !== true; })));
});
