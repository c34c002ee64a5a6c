// registry-setup doctor on the lab, through the built CLI and the real tools: after a real --yes
// setup, the credHelpers entry is removed from the Docker config; doctor exits 1 and names it;
// doctor --fix puts it back (every other key kept, the backup still the original); doctor then
// exits 0, and docker really pushes again.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { runScreen, tooWide } from './screen.js';
import { BEFORE, HOST, IMAGE, PROJECT, REPO, newUser, removeUser, runWizard, world, type User } from './fault-scenarios.js';

let lab: Lab;
let user: User | undefined;

beforeAll(async () => {
  lab = await theLab();
});

afterAll(async () => {
  if (user) await removeUser(user);
});

const configFile = (u: User) => join(u.dockerConfig, 'config.json');
const readConfig = async (u: User) => JSON.parse(await readFile(configFile(u), 'utf8')) as Record<string, unknown> & { credHelpers?: Record<string, string> };

describe('doctor after the credHelpers entry was removed', () => {
  it('exits 1 naming the entry; --fix restores it; then exits 0 and docker pushes again', async () => {
    await lab.setWorld(world());
    user = await newUser(lab, 'doctor');
    const setup = await runWizard(user);
    expect(setup.code, setup.all.slice(-1500)).toBe(0);

    // Healthy right after the setup, every check ok (latest's platform read from this machine).
    const first = await runWizard(user, ['doctor']);
    expect(first.code, first.all).toBe(0);
    expect(first.all).toMatch(/\[ok {2}\] .*:latest is in the repository, built for linux\/amd64: sha256:[0-9a-f]{12}…, linux\/amd64/);
    expect(first.all).not.toMatch(/\[(FAIL|skip)\]/);

    // The drift: the entry goes, as a hand edit or another tool would drop it.
    const drifted = await readConfig(user);
    delete drifted.credHelpers![HOST];
    await writeFile(configFile(user), JSON.stringify(drifted, null, '\t'));

    const broken = await runWizard(user, ['doctor']);
    expect(broken.code, broken.all).toBe(1);
    expect(broken.all).toContain(`credHelpers["${HOST}"]`);
    expect(broken.all).toMatch(/1 problem:\n {2}✗ .*has no credHelpers entry for southamerica-east1-docker\.pkg\.dev.*\[--fix repairs it\]/);

    // In a 60-column terminal the same report fits: the finding and its fixes wrap under their marks.
    const narrow = runScreen(['doctor'], { cwd: user.dir, env: user.env, cols: 60 });
    try {
      expect(await narrow.cli.exited, narrow.text()).toBe(1);
      await narrow.waitForScreen(/\[--fix\s+repairs\s+it\]/);
    } finally {
      narrow.cli.kill();
    }
    expect(tooWide(narrow.rows(), 60), narrow.text()).toEqual([]);
    expect(narrow.text()).toMatch(/^ {2}✗ .*\n {4}\S/m);

    const json = await runWizard(user, ['doctor', '--json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { healthy: boolean; findings: { id: string; fixable: boolean }[] };
    expect(doc).toMatchObject({ healthy: false, findings: [{ id: 'entry-missing', fixable: true }] });
    expect(json.stdout).not.toContain(lab.token);

    const fixed = await runWizard(user, ['doctor', '--fix']);
    expect(fixed.code, fixed.all).toBe(0);
    expect(fixed.all).toMatch(/Fixed: credHelpers\["southamerica-east1-docker\.pkg\.dev"\] set to "gcloud" in .*config\.json \(backup: .*config\.json\.registry-setup\.bak\)/);
    const after = await readConfig(user);
    expect(after).toEqual({ ...BEFORE, credHelpers: { ...BEFORE.credHelpers, [HOST]: 'gcloud' } });
    // The backup made by the setup still holds the file as it was before registry-setup.
    expect(JSON.parse(await readFile(`${configFile(user)}.registry-setup.bak`, 'utf8'))).toEqual(BEFORE);

    const again = await runWizard(user, ['doctor']);
    expect(again.code, again.all).toBe(0);
    expect(again.all).toContain('Healthy');

    // And Docker really uses the entry again.
    const ref = `${HOST}/${PROJECT}/${REPO}/${IMAGE}:latest`;
    const push = await execa('docker', ['push', ref], { env: user.env, extendEnv: false, reject: false, all: true });
    expect(push.exitCode, String(push.all)).toBe(0);
  });
});
