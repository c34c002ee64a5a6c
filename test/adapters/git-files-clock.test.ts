import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realClock } from '../../src/adapters/clock.js';
import { createRunner } from '../../src/adapters/exec.js';
import { createProjectFiles } from '../../src/adapters/files.js';
import { createGit } from '../../src/adapters/git.js';
import { CancelError } from '../../src/errors.js';
import { enoent, strictRunner } from './fake-runner.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'rs-git-'));

describe('git over a strict fake runner', () => {
  it.each([
    { case: 'a repo with commits', sha: { stdout: 'a3f9c12\n' }, inside: { stdout: 'true\n' }, want: { sha: 'a3f9c12', repo: true } },
    {
      case: 'a repo without commits',
      sha: { exitCode: 128, stderr: "fatal: ambiguous argument 'HEAD'" },
      inside: { stdout: 'true' },
      want: { sha: null, repo: true },
    },
    {
      case: 'not a repo',
      sha: { exitCode: 128, stderr: 'fatal: not a git repository' },
      inside: { exitCode: 128, stderr: 'fatal: not a git repository' },
      want: { sha: null, repo: false },
    },
    { case: 'git not installed', sha: { error: enoent('git') }, inside: { error: enoent('git') }, want: { sha: null, repo: false } },
  ])('$case', async ({ sha, inside, want }) => {
    const fake = strictRunner([
      { cmd: 'git', args: ['rev-parse', '--short', 'HEAD'], cwd: '/proj', ...sha },
      { cmd: 'git', args: ['rev-parse', '--is-inside-work-tree'], cwd: '/proj', ...inside },
    ]);
    const git = createGit({ run: fake.run, cwd: '/proj' });
    expect(await git.shortSha()).toBe(want.sha);
    expect(await git.isRepo()).toBe(want.repo);
    fake.assertDone();
  });
});

describe('git for real in a temp folder', () => {
  const env = { PATH: process.env.PATH, HOME: tmp(), GIT_CONFIG_NOSYSTEM: '1' };
  it('not a repo → null/false; after init → no sha; after a commit → the short sha', async () => {
    const dir = tmp();
    const git = createGit({ run: createRunner(env), cwd: dir });
    expect(await git.isRepo()).toBe(false);
    expect(await git.shortSha()).toBeNull();
    const g = (...a: string[]) => execFileSync('git', a, { cwd: dir, env: { ...env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).toString().trim();
    g('init', '-q');
    expect(await git.isRepo()).toBe(true);
    expect(await git.shortSha()).toBeNull();
    writeFileSync(join(dir, 'a'), 'a');
    g('add', 'a');
    g('commit', '-qm', 'x');
    expect(await git.shortSha()).toBe(g('rev-parse', '--short', 'HEAD'));
    mkdirSync(join(dir, 'sub'));
    expect(await createGit({ run: createRunner(env), cwd: join(dir, 'sub') }).isRepo()).toBe(true);
  });
});

describe('project files', () => {
  it('exists, relative to the project folder', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    const f = createProjectFiles(dir);
    expect(f.cwd).toBe(dir);
    expect(await f.exists('Dockerfile')).toBe(true);
    expect(await f.exists('nope')).toBe(false);
  });
});

describe('realClock', () => {
  it('sleeps, and an abort ends the sleep with CancelError', async () => {
    const t0 = realClock.now();
    await realClock.sleep(20);
    expect(realClock.now() - t0).toBeGreaterThanOrEqual(15);
    const ac = new AbortController();
    const p = realClock.sleep(10_000, { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CancelError);
    const r = realClock.random();
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(1);
  });
});
