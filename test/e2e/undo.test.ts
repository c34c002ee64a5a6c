// `registry-setup undo` on the lab, through the built CLI and the real tools: after a real --yes
// setup, undo removes what that setup made (the repository it created, the credHelpers entry it
// added, the local tags of its push, the cleanup policy it set) and nothing else; a repository that
// was there before stays.
// What is left is looked at from outside: gcloud, docker, the Docker config file, the saved record.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { BASE_ARGS, BEFORE, HOST, IMAGE, LOCATION, PROJECT, REPO, newUser, progressFile, removeUser, runScenario, runWizard, scenario, world, type User } from './fault-scenarios.js';
import { KEY, stripAnsi } from './pty.js';
import { runScreen, tooWide } from './screen.js';

const TOKEN = 'undo-lab-token';
const UNDO = ['undo', '--yes', '--delete-repository'];
let lab: Lab;
const users: User[] = [];

beforeAll(async () => {
  lab = await theLab();
});

afterAll(async () => {
  for (const u of users) await removeUser(u);
});

async function user(name: string): Promise<User> {
  const u = await newUser(lab, name);
  users.push(u);
  return u;
}

/** `gcloud artifacts repositories describe REPO`, as the user would run it. */
function describeRepo(u: User) {
  return execa('gcloud', ['artifacts', 'repositories', 'describe', REPO, `--location=${LOCATION}`, `--project=${PROJECT}`, '--format=json'], { env: u.env, extendEnv: false, reject: false });
}

async function localImage(u: User, ref: string): Promise<boolean> {
  return (await execa('docker', ['image', 'inspect', ref], { env: u.env, extendEnv: false, reject: false })).exitCode === 0;
}

async function dockerConfig(u: User): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(u.dockerConfig, 'config.json'), 'utf8'));
}

/** This folder's saved record, or undefined. */
async function savedRecord(u: User): Promise<{ done: string[]; state: Record<string, unknown> } | undefined> {
  const data = JSON.parse(await readFile(progressFile(u), 'utf8')) as { runs?: Record<string, { done: string[]; state: Record<string, unknown> }> };
  return data.runs?.[u.dir];
}

/** A finished --yes setup with the verification image; returns the refs its push tagged. */
async function setUp(u: User): Promise<string[]> {
  const r = await runWizard(u, BASE_ARGS);
  expect(r.code, r.all.slice(-2000)).toBe(0);
  const tags = [`${HOST}/${PROJECT}/${REPO}/${IMAGE}:latest`, `${HOST}/${PROJECT}/${REPO}/${IMAGE}:${u.sha}`];
  for (const t of tags) expect(await localImage(u, t), t).toBe(true);
  expect((await dockerConfig(u)).credHelpers).toEqual({ ...BEFORE.credHelpers, [HOST]: 'gcloud' });
  return tags;
}

describe('registry-setup undo on the lab', () => {
  it('undo --yes --delete-repository removes the repository it created and the entry it added; every other key stays; a second undo finds nothing', async () => {
    await lab.setWorld(world({ token: TOKEN }));
    const u = await user('undo-created');
    const tags = await setUp(u);
    expect((await describeRepo(u)).exitCode).toBe(0);

    // No terminal to ask in and no --yes: the plan, then a usage error naming --yes; nothing changes.
    const unasked = await runWizard(u, ['undo']);
    expect(unasked.code, unasked.all).toBe(2);
    expect(unasked.stdout).toMatch(/Will remove:/);
    expect(unasked.stderr).toMatch(/registry-setup undo: undo removes things, and asks first; there is no terminal to ask in\.\n  - .*--yes/);
    expect((await dockerConfig(u)).credHelpers).toEqual({ ...BEFORE.credHelpers, [HOST]: 'gcloud' });
    expect(await savedRecord(u)).toBeDefined();

    const r = await runWizard(u, [...UNDO, '--json']);
    expect(r.code, r.all.slice(-2000)).toBe(0);
    const doc = JSON.parse(r.stdout) as { status: string; removed: { kind: string; name: string }[]; kept: { kind: string; name: string }[] };
    expect(doc.status).toBe('done');
    expect(doc.removed.map((i) => `${i.kind} ${i.name}`)).toEqual([`docker-entry credHelpers["${HOST}"]`, ...tags.map((t) => `local-tag ${t}`), `repository ${REPO}`]);
    expect(r.all).not.toContain(TOKEN);

    // The repository is gone, as gcloud sees it.
    const described = await describeRepo(u);
    expect(described.exitCode).not.toBe(0);
    expect(described.stderr).toMatch(/NOT_FOUND/);
    // The Docker config is the user's original again: every key, our entry gone, theirs kept.
    expect(await dockerConfig(u)).toEqual(BEFORE);
    // The push's tags are gone; the image the push came from stays.
    for (const t of tags) expect(await localImage(u, t), t).toBe(false);
    expect(await localImage(u, 'registry-setup-verify:latest')).toBe(true);
    // Nothing of ours is left on record: a later setup here starts fresh.
    expect(await savedRecord(u)).toBeUndefined();

    const again = await runWizard(u, UNDO);
    expect(again.code, again.all).toBe(0);
    expect(again.all).toMatch(/Nothing to undo/);
  });

  it('on a repository that existed before the setup, undo leaves the repository in place (and still removes the entry and tags it made)', async () => {
    await lab.setWorld(world({ token: TOKEN }));
    const u = await user('undo-found');
    const created = await execa('gcloud', ['artifacts', 'repositories', 'create', REPO, '--repository-format=docker', `--location=${LOCATION}`, `--project=${PROJECT}`], { env: u.env, extendEnv: false, reject: false });
    expect(created.exitCode, created.stderr).toBe(0);
    const tags = await setUp(u);

    const r = await runWizard(u, UNDO);
    expect(r.code, r.all.slice(-2000)).toBe(0);
    expect(r.all).toMatch(new RegExp(`repository ${REPO}: registry-setup found it already there, so undo never deletes it`));
    expect((await describeRepo(u)).exitCode).toBe(0);
    expect((await lab.images(PROJECT, LOCATION, REPO)).map((i) => i.image)).toEqual([IMAGE]);
    expect(await dockerConfig(u)).toEqual(BEFORE);
    for (const t of tags) expect(await localImage(u, t), t).toBe(false);
    expect(await savedRecord(u)).toBeUndefined();
  });

  it('setup --yes --cleanup keep=5 on a repository that existed before (no policies), then undo --yes: the policy is gone, the repository stays', async () => {
    await lab.setWorld(world({ token: TOKEN }));
    const u = await user('undo-policy');
    const created = await execa('gcloud', ['artifacts', 'repositories', 'create', REPO, '--repository-format=docker', `--location=${LOCATION}`, `--project=${PROJECT}`], { env: u.env, extendEnv: false, reject: false });
    expect(created.exitCode, created.stderr).toBe(0);
    expect(JSON.parse((await describeRepo(u)).stdout).cleanupPolicies).toBeUndefined();
    const set = await runWizard(u, [...BASE_ARGS, '--cleanup', 'keep=5']);
    expect(set.code, set.all.slice(-2000)).toBe(0);
    const withPolicy = JSON.parse((await describeRepo(u)).stdout) as { cleanupPolicies?: Record<string, unknown> };
    expect(Object.keys(withPolicy.cleanupPolicies ?? {}).sort()).toEqual(['delete-untagged-30d', 'keep-most-recent']);

    const r = await runWizard(u, ['undo', '--yes', '--json']);
    expect(r.code, r.all.slice(-2000)).toBe(0);
    const doc = JSON.parse(r.stdout) as { status: string; removed: { kind: string; name: string }[]; kept: { kind: string; name: string }[] };
    expect(doc.removed.map((i) => `${i.kind} ${i.name}`)).toContain(`cleanup-policy keep-most-recent (keep 5) and delete-untagged-30d on ${REPO}`);
    expect(doc.kept.map((i) => `${i.kind} ${i.name}`)).toContain(`repository ${REPO}`);

    const after = await describeRepo(u);
    expect(after.exitCode, after.stderr).toBe(0);
    const repo = JSON.parse(after.stdout) as { name: string; cleanupPolicies?: Record<string, unknown> };
    expect(repo.name).toBe(`projects/${PROJECT}/locations/${LOCATION}/repositories/${REPO}`);
    expect(repo.cleanupPolicies).toBeUndefined();
    expect(await savedRecord(u)).toBeUndefined();
  });

  it('in a terminal: a wrong name is refused; the typed name and one confirmation delete the repository', async () => {
    await lab.setWorld(world({ token: TOKEN }));
    const u = await user('undo-tty');
    await setUp(u);
    // At 60 columns: the plan's lines wrap under their marks, the questions are short.
    const s = runScreen(['undo'], { cwd: u.dir, env: u.env, cols: 60 });
    const cli = s.cli;
    try {
      await cli.waitFor(new RegExp(`Deleting repository ${REPO}\\s+deletes\\s+the\\s+1\\s+image\\s+\\(.*\\)\\s+in\\s+it,\\s+for\\s+good`), 60_000);
      await cli.waitFor(`Type ${REPO} to delete it`);
      await cli.typeText('mycoolproject');
      cli.type(KEY.ENTER);
      await cli.waitFor(`Not ${REPO}; Enter alone keeps it.`);
      for (let i = 0; i < 'mycoolproject'.length; i++) cli.type(KEY.BACKSPACE);
      await cli.typeText(REPO);
      cli.type(KEY.ENTER);
      await cli.waitFor(new RegExp(`To remove: the credHelpers entry, 2 local tags and\\s+repository ${REPO}\\.`));
      await cli.waitFor('Remove them?');
      // Nothing changed before the confirmation.
      expect((await describeRepo(u)).exitCode).toBe(0);
      expect((await dockerConfig(u)).credHelpers).toEqual({ ...BEFORE.credHelpers, [HOST]: 'gcloud' });
      cli.type('y');
      cli.type(KEY.ENTER);
      expect(await cli.exited, stripAnsi(cli.output).slice(-2000)).toBe(0);
    } finally {
      cli.kill();
    }
    expect(stripAnsi(cli.output)).toMatch(new RegExp(`removed: repository ${REPO}`));
    expect(tooWide(s.rows(), 60), s.text()).toEqual([]);
    expect((await describeRepo(u)).stderr).toMatch(/NOT_FOUND/);
    expect(await dockerConfig(u)).toEqual(BEFORE);
  });

  // The kill row runs here (faults.test.ts runs the 'user' group, with permission-delete; resume.test.ts the setup's kill chains).
  it('fault scenario kill-undo: SIGKILL with the delete operation pending, then undo again: completes, nothing lost, config folder clean', async () => {
    const r = await runScenario(lab, scenario('kill-undo'));
    users.push(r.user);
    expect(r.problems, `${r.scenario.fault} → expected ${r.scenario.expected}, observed ${r.observed}`).toEqual([]);
    expect(r.dataLost.what).toEqual([]);
  });
});
