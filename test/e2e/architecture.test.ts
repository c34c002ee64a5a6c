// Image architecture, on the lab: Cloud Run runs only linux/amd64 images. A newcomer on an
// Apple Silicon laptop builds arm64 without noticing; the wizard must catch it before pushing.
// We build a real linux/arm64 image offline (FROM scratch + a file: nothing runs, nothing is
// pulled), then let the wizard push it: with --yes it warns and names the rebuild command;
// in a terminal it offers the rebuild, and what lands in the registry is amd64.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { djangoProject } from '../lab/project.js';
import { REPO_ROOT } from '../lab/layout.js';
import { KEY, runCli } from './pty.js';

const PROJECT = 'mycoolproject-prod';
const LOCATION = 'southamerica-east1';
const HOST = `${LOCATION}-docker.pkg.dev`;
const REPO = 'mycoolproject-repo';

let lab: Lab;

beforeAll(async () => {
  lab = await theLab();
});

/** A Django-like project whose Dockerfile needs nothing from the network. */
async function project(root: string): Promise<string> {
  return (await djangoProject(root, 'mycoolproject', { Dockerfile: 'FROM scratch\nCOPY manage.py /app/manage.py\n' })).dir;
}

async function architectureOf(ref: string): Promise<string> {
  const r = await execa('docker', ['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', ref], { env: lab.toolEnv(), extendEnv: false });
  return r.stdout.trim();
}

describe('an image that is not linux/amd64', () => {
  it.each([
    {
      case: '--yes: pushed as it is, with a warning that names Cloud Run and the rebuild command',
      interactive: false,
      wantWarning: true,
      wantArch: 'linux/arm64',
    },
    {
      case: 'in a terminal: the wizard offers the rebuild; accepted, what is pushed is linux/amd64',
      interactive: true,
      wantWarning: false,
      wantArch: 'linux/amd64',
    },
  ])('$case', async (c) => {
    await lab.setWorld({ token: 'arch-token', projects: [{ projectId: PROJECT, name: 'My Cool Project', apiEnabled: true, billing: true }] });
    const root = await mkdtemp(join(tmpdir(), 'rs-arch-'));
    const dir = await project(root);
    const local = `archtest-${c.interactive ? 'tty' : 'yes'}:dev`;
    const env = lab.toolEnv({ DOCKER_CONFIG: await lab.newDockerConfig(`arch-${c.interactive}`, {}), XDG_CONFIG_HOME: join(root, 'xdg'), CI: undefined });
    // --no-cache: the legacy builder's cache ignores --platform, and an amd64 twin may be cached from an earlier run.
    await execa('docker', ['build', '--no-cache', '--platform', 'linux/arm64', '-t', local, '.'], { cwd: dir, env, extendEnv: false });
    expect(await architectureOf(local)).toBe('linux/arm64');

    // --cleanup none: the cleanup policy's offer is not what this test is about.
    const args = ['--project', PROJECT, '--region', LOCATION, '--repository', REPO, '--image', 'web', '--source', local, '--cleanup', 'none'];
    let output: string;
    if (c.interactive) {
      const cli = runCli(args, { cwd: dir, env });
      try {
        await cli.waitFor(/Cloud Run runs only linux\/amd64 images.*\n?.*Rebuild it for linux\/amd64 now\?/s, 90_000);
        cli.type(KEY.ENTER); // yes (the default)
        await cli.waitFor(/Go ahead with this plan\?/, 90_000); // asked before anything changes
        cli.type(KEY.ENTER);
        expect(await cli.exited, cli.output.slice(-3000)).toBe(0);
      } finally {
        cli.kill();
      }
      output = cli.output;
    } else {
      const r = await execa('node', [join(REPO_ROOT, 'bin', 'registry-setup.js'), '--yes', ...args], { cwd: dir, env, extendEnv: false, reject: false });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      output = r.stdout + r.stderr;
    }
    if (c.wantWarning) {
      expect(output).toMatch(/is built for linux\/arm64, but Cloud Run runs only linux\/amd64/);
      expect(output).toContain('docker build --platform linux/amd64');
    }
    // What the registry holds: drop the local tag, pull it back through the registry, inspect.
    const pushed = `${HOST}/${PROJECT}/${REPO}/web:latest`;
    await execa('docker', ['image', 'rm', pushed], { env, extendEnv: false });
    await execa('docker', ['pull', pushed], { env, extendEnv: false });
    expect(await architectureOf(pushed)).toBe(c.wantArch);
    const images = await lab.images(PROJECT, LOCATION, REPO);
    expect(images.map((i) => i.image)).toEqual(['web']);
    expect(images[0].tags).toContain('latest');
  });
});
