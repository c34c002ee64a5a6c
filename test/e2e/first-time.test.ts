// End to end, on the lab: a newcomer's first-time gaps, closed where the wizard finds them, in a
// real pseudo-terminal. (1) Not logged in to gcloud: the wizard offers `gcloud auth login`, hands
// the terminal over, checks again and completes the setup. (2) Docker's daemon not up yet: "start
// it, then press Enter", checked again until it answers. (3) The same with --yes: no question, the
// fix, and nothing started for Docker meanwhile.

import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAB_ACCOUNT, type Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { djangoProject } from '../lab/project.js';
import { KEY, runCli } from './pty.js';
import { runScreen, tooWide } from './screen.js';

const PROJECT = 'mycoolproject-prod';
const LOCATION = 'southamerica-east1';
const REPO = 'mycoolproject-repo';
const IMAGE = 'firsttime';
/** Every answer by flag: the only questions left are the gap's and the plan's. */
const FLAGS = ['--project', PROJECT, '--region', LOCATION, '--repository', REPO, '--image', IMAGE, '--source', 'sample', '--cleanup', 'none'];

let lab: Lab;

beforeAll(async () => {
  lab = await theLab();
});

/** A newcomer's machine: a git project, a fresh Docker config and settings folder. */
async function newcomer(name: string): Promise<{ root: string; dir: string; sha: string; env: Record<string, string | undefined> }> {
  await lab.setWorld({ token: `${name}-token`, projects: [{ projectId: PROJECT, name: 'My Cool Project', apiEnabled: true, billing: true }] });
  const root = await mkdtemp(join(tmpdir(), `rs-${name}-`));
  const { dir, sha } = await djangoProject(root, IMAGE);
  const env = { DOCKER_CONFIG: await lab.newDockerConfig(`${name}-${Date.now()}`), XDG_CONFIG_HOME: join(root, 'xdg'), CI: undefined, TZ: 'UTC' };
  return { root, dir, sha, env };
}

/**
 * A gcloud configuration as the lab writes it, but logged out: no account, no token file
 * (what a fresh install looks like after `gcloud config set project`).
 */
async function loggedOutConfig(root: string): Promise<string> {
  const dir = join(root, 'gcloud');
  await mkdir(join(dir, 'configurations'), { recursive: true });
  const lab_ = await readFile(join(lab.layout.gcloudDir, 'configurations', 'config_default'), 'utf8');
  const loggedOut = lab_.split('\n').filter((l) => !/^\s*(account|access_token_file)\s*=/.test(l));
  await writeFile(join(dir, 'active_config'), 'default');
  await writeFile(join(dir, 'configurations', 'config_default'), loggedOut.join('\n'));
  return dir;
}

/**
 * A `gcloud` first on PATH that fakes the browser of `gcloud auth login` and nothing else: it
 * records the lab's account and token file in the gcloud configuration (as the lab logs gcloud
 * in), through the real gcloud, and prints what gcloud prints. Every other command is the real
 * gcloud, unchanged.
 */
async function gcloudWithFakeBrowser(root: string, realGcloud: string): Promise<string> {
  const bin = join(root, 'bin');
  await mkdir(bin);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = [
    '#!/bin/sh',
    '# Fakes the browser of `gcloud auth login` only; everything else is the real gcloud.',
    `REAL=${q(realGcloud)}`,
    'if [ "$1" = auth ] && [ "$2" = login ] && [ "$#" -eq 2 ]; then',
    `  "$REAL" config set account ${q(LAB_ACCOUNT)} >/dev/null 2>&1 || exit 1`,
    `  "$REAL" config set auth/access_token_file ${q(lab.tokenFile)} >/dev/null 2>&1 || exit 1`,
    `  echo "You are now logged in as [${LAB_ACCOUNT}]."`,
    '  exit 0',
    'fi',
    'exec "$REAL" "$@"',
    '',
  ].join('\n');
  await writeFile(join(bin, 'gcloud'), script, { mode: 0o755 });
  return bin;
}

/** The pushed image: both tags on one digest in the real registry. */
async function expectPushed(sha: string): Promise<void> {
  const images = await lab.images(PROJECT, LOCATION, REPO);
  expect(images.map((i) => i.image)).toEqual([IMAGE]);
  expect([...images[0]!.tags].sort()).toEqual([sha, 'latest'].sort());
}

describe('first-time gaps, closed in a terminal', () => {
  it('not logged in to gcloud: the wizard offers the login, hands the terminal over, checks again and completes the setup', async () => {
    const user = await newcomer('first-login');
    const real = (await execa('sh', ['-c', 'command -v gcloud'], { env: lab.toolEnv() })).stdout.trim();
    const bin = await gcloudWithFakeBrowser(user.root, real);
    const config = await loggedOutConfig(user.root);
    const env = lab.toolEnv({ ...user.env, CLOUDSDK_CONFIG: config, PATH: `${bin}:${lab.toolEnv().PATH}` });
    // Logged out for real: gcloud itself says there is no account.
    const before = await execa('gcloud', ['config', 'config-helper', '--format=json'], { env, extendEnv: false, reject: false });
    expect(before.exitCode, before.stdout).not.toBe(0);

    const cli = runCli(FLAGS, { cwd: user.dir, env: env as Record<string, string>, cols: 100 });
    try {
      await cli.waitFor('Not logged in to gcloud. Run gcloud auth login?', 60_000);
      cli.type(KEY.ENTER); // yes (the default)
      // The login ran on this terminal: its words are on screen.
      await cli.waitFor(`You are now logged in as [${LAB_ACCOUNT}].`, 60_000);
      await cli.waitFor(/Go ahead with this plan\?/, 90_000);
      cli.type(KEY.ENTER);
      expect(await cli.exited, cli.output.slice(-4000)).toBe(0);
    } finally {
      cli.kill();
    }
    expect(cli.output).toMatch(new RegExp(`gcloud login\\s+${LAB_ACCOUNT.replace('.', '\\.')}`));
    await expectPushed(user.sha);
    expect(cli.output).not.toContain('first-login-token');
    await rm(user.root, { recursive: true, force: true });
  });

  it("Docker's daemon not up yet: \"start it, then press Enter\" until it answers", async () => {
    const user = await newcomer('first-docker');
    // DOCKER_HOST names a socket nobody listens on yet; "starting Docker" is opening it, in front of the lab's daemon.
    const sockDir = await mkdtemp('/tmp/rs-dock-');
    const sock = join(sockDir, 'docker.sock');
    const env = lab.toolEnv({ ...user.env, DOCKER_HOST: `unix://${sock}` });
    let daemon: Server | undefined;
    // At 60 columns: the questions are short enough to stay one row each, and nothing on screen is wider.
    const s = runScreen(FLAGS, { cwd: user.dir, env: env as Record<string, string>, cols: 60 });
    const cli = s.cli;
    try {
      await cli.waitFor('Docker does not answer: start it, then press Enter', 60_000);
      cli.mark();
      cli.type(KEY.ENTER); // not started yet: asked again
      await cli.waitFor('Docker still does not answer: start it, then press Enter', 60_000);
      daemon = createServer((c) => {
        const up = createConnection(lab.layout.dockerSock);
        c.pipe(up).pipe(c);
        const end = () => (c.destroy(), up.destroy());
        c.on('error', end);
        up.on('error', end);
      });
      await new Promise<void>((res) => daemon!.listen(sock, res));
      cli.type(KEY.ENTER);
      await cli.waitFor(/Go ahead with this plan\?/, 90_000);
      cli.type(KEY.ENTER);
      expect(await cli.exited, cli.output.slice(-4000)).toBe(0);
      expect(s.text()).toMatch(/^✔ Docker does not answer: start it, then press Enter *$/m);
      expect(tooWide(s.rows(), 60), s.text()).toEqual([]);
    } finally {
      cli.kill();
      await new Promise<void>((res) => (daemon ? daemon.close(() => res()) : res()));
      await rm(sockDir, { recursive: true, force: true });
    }
    await expectPushed(user.sha);
    await rm(user.root, { recursive: true, force: true });
  });

  it('with --yes, Docker down: no question, exit 1 with the fix; the early load of the verification image never starts', async () => {
    const user = await newcomer('first-yes');
    const sockDir = await mkdtemp('/tmp/rs-dock-');
    // No --source and no Dockerfile: --yes pushes the verification image, which is loaded early when Docker answers.
    const env = lab.toolEnv({ ...user.env, DOCKER_HOST: `unix://${join(sockDir, 'docker.sock')}` });
    // Wide, so the fix stays on one line to match.
    const cli = runCli(['--yes', '--project', PROJECT, '--region', LOCATION], { cwd: user.dir, env: env as Record<string, string>, cols: 300 });
    try {
      expect(await cli.exited, cli.output.slice(-4000)).toBe(1);
    } finally {
      cli.kill();
      await rm(sockDir, { recursive: true, force: true });
    }
    const shown = cli.output;
    expect(shown).toMatch(/One check failed: Docker CLI and daemon\./);
    expect(shown).toMatch(/- Docker CLI and daemon: DOCKER_HOST points to a daemon that does not answer .*\. Start that daemon, or check DOCKER_HOST/);
    expect(shown).not.toMatch(/start it, then press Enter/);
    expect(shown).not.toMatch(/docker load/);
    await rm(user.root, { recursive: true, force: true });
  });
});
