// End to end, on the lab: the built CLI in a real pseudo-terminal, answered as a newcomer
// would answer it. Afterwards we look, from outside the wizard, at what really exists:
// the repository (through gcloud), the Docker config, and the tags in the registry.

import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { djangoProject } from '../lab/project.js';
import { KEY, runCli, stripAnsi } from './pty.js';

const PROJECT = 'mycoolproject-prod';
const OTHER = 'acme-analytics-123';
const LOCATION = 'southamerica-east1';
const HOST = `${LOCATION}-docker.pkg.dev`;
const REPO = 'mycoolproject-repo';

// What the newcomer's Docker config held before: entries the wizard must leave alone.
const BEFORE = {
  auths: { 'ghcr.io': { auth: 'bmV3Y29tZXI6bm90LWEtcmVhbC10b2tlbg==' } },
  credHelpers: { 'us-docker.pkg.dev': 'gcloud' },
  psFormat: 'table {{.ID}}\t{{.Names}}',
  experimental: 'disabled',
};

let lab: Lab;

beforeAll(async () => {
  lab = await theLab();
});

describe('a newcomer runs registry-setup in a real terminal', () => {
  it('picks the project and the region, accepts the defaults, pushes the verification image; everything is really there', async () => {
    await lab.setWorld({
      token: 'newcomer-token',
      projects: [
        { projectId: OTHER, name: 'Acme analytics', apiEnabled: true, billing: true },
        { projectId: PROJECT, name: 'My Cool Project', apiEnabled: true, billing: true },
        { projectId: 'sandbox-dev-4821', name: 'Sandbox', apiEnabled: true, billing: true },
      ],
    });
    const root = await mkdtemp(join(tmpdir(), 'rs-e2e-'));
    const { dir, sha } = await djangoProject(root, 'mycoolproject');
    const dockerConfig = await lab.newDockerConfig('e2e-newcomer', BEFORE);
    const env = lab.toolEnv({
      DOCKER_CONFIG: dockerConfig,
      XDG_CONFIG_HOME: join(root, 'xdg'),
      // gcloud's active project is another one: the newcomer picks theirs from the list.
      CLOUDSDK_CORE_PROJECT: OTHER,
      CI: undefined,
      // A machine on UTC, whatever this one's zone: no time-zone suggestion, so the guide's region comes first.
      TZ: 'UTC',
    });

    const configBefore = await readFile(join(dockerConfig, 'config.json'));
    const since = ((await lab.requests()).at(-1)?.seq ?? 0) as number;
    const cli = runCli([], { cwd: dir, env });
    let afterConfirm = 0;
    try {
      await cli.waitFor('Project for the repository', 60_000);
      cli.type(KEY.DOWN); // "Another project…"
      cli.type(KEY.ENTER);
      await cli.waitFor('Pick a project (type to filter)');
      cli.mark();
      await cli.typeText('mycool');
      await cli.waitFor(/type to filter\) mycool[^\n]*\n❯ mycoolproject-prod/);
      await cli.settled(); // the filter runs asynchronously; Enter is ignored until it is done
      cli.type(KEY.ENTER);

      await cli.waitFor(/Region \(type to filter\)/, 60_000);
      await cli.waitFor(/❯ southamerica-east1/); // the guide's region is offered first
      cli.type(KEY.ENTER);

      await cli.waitFor(/Repository ID/, 60_000);
      await cli.waitFor(REPO); // derived from the project, as the guide names it
      cli.type(KEY.ENTER);

      await cli.waitFor(/Image name/, 60_000);
      cli.type(KEY.ENTER);

      await cli.waitFor(/What to push first/, 60_000);
      await cli.waitFor(/❯ A tiny verification image/); // no Dockerfile yet: the default
      cli.type(KEY.ENTER);

      // The cleanup policy is offered, with what it would delete today (a new repository: nothing).
      await cli.waitFor(/Cleanup policy/, 60_000);
      await cli.waitFor(/❯ Keep the 10 most recent versions/);
      // The preview is the highlighted choice's dim line (the prompt breaks it at the terminal's width).
      await cli.waitFor(/Today it would\s+delete\s+nothing\s+\(0\s+versions\s+in\s+the\s+repository\)\./);
      cli.type(KEY.ENTER);

      // Everything is asked: one plan, one confirmation. Nothing has changed yet.
      await cli.waitFor(/The plan: what will change/, 60_000);
      await cli.waitFor(/Go ahead with this plan\?/, 60_000);
      // A long command is shown over several rows, each but the last ending in a shell continuation.
      const plan = stripAnsi(cli.output).replace(/ \\\n\s+/g, ' ');
      expect(plan).toContain(`gcloud artifacts repositories create ${REPO} --repository-format=docker --location=${LOCATION} --project=${PROJECT}`);
      expect(plan).toContain(`gcloud auth configure-docker ${HOST}`);
      expect(plan).toMatch(new RegExp(`creates the Docker repository ${REPO} in ${LOCATION}`));
      expect(plan).toContain(`sets a cleanup policy on ${REPO}: keep the 10`);
      const changes = (await lab.requests(since)).filter((q) => q.method !== 'GET');
      expect(changes, JSON.stringify(changes)).toEqual([]);
      expect(await readFile(join(dockerConfig, 'config.json'))).toEqual(configBefore);
      afterConfirm = cli.output.length;
      cli.type(KEY.ENTER);

      const code = await cli.exited;
      expect(code, cli.output.slice(-4000)).toBe(0);
    } finally {
      cli.kill();
    }
    const shown = cli.output;
    // After the confirmation no question comes: inquirer's "? " never shows again.
    expect(stripAnsi(shown.slice(afterConfirm)).split('\n').filter((l) => /^\s*\? /.test(l) && !/Go ahead with this plan/.test(l))).toEqual([]);

    // The repository exists, as gcloud sees it.
    const described = await execa(
      'gcloud',
      ['artifacts', 'repositories', 'describe', REPO, `--location=${LOCATION}`, `--project=${PROJECT}`, '--format=json'],
      { env: lab.toolEnv(), extendEnv: false },
    );
    const repo = JSON.parse(described.stdout);
    expect(repo.name).toBe(`projects/${PROJECT}/locations/${LOCATION}/repositories/${REPO}`);
    expect(repo.format).toBe('DOCKER');
    // The cleanup policy the newcomer accepted: Keep 10, Delete untagged after 30 days.
    expect(stripAnsi(shown)).toMatch(/✓ Cleanup +keep 10 most recent, delete untagged after 30 days/);
    expect(repo.cleanupPolicies).toEqual({
      'keep-most-recent': { id: 'keep-most-recent', action: 'KEEP', mostRecentVersions: { keepCount: 10 } },
      'delete-untagged-30d': { id: 'delete-untagged-30d', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: '2592000s' } },
    });

    // credHelpers has the host; every other key is as it was; the original is backed up.
    const after = JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8'));
    expect(after.credHelpers).toEqual({ ...BEFORE.credHelpers, [HOST]: 'gcloud' });
    const { credHelpers: _a, ...restAfter } = after;
    const { credHelpers: _b, ...restBefore } = BEFORE;
    expect(restAfter).toEqual(restBefore);
    const files = await readdir(dockerConfig);
    const backup = files.find((f) => f.includes('bak'));
    expect(backup, `files: ${files.join(', ')}`).toBeDefined();
    expect(JSON.parse(await readFile(join(dockerConfig, backup!), 'utf8'))).toEqual(BEFORE);

    // Both tags point to one digest in the real registry, and that is the digest the wizard showed.
    const images = await lab.images(PROJECT, LOCATION, REPO);
    expect(images).toHaveLength(1);
    expect(images[0].image).toBe('mycoolproject');
    expect([...images[0].tags].sort()).toEqual([sha, 'latest'].sort());
    expect(shown).toContain(images[0].digest);
    expect(shown).toContain(`${HOST}/${PROJECT}/${REPO}/mycoolproject:${sha}`);

    // No token anywhere on screen.
    expect(shown).not.toContain('newcomer-token');
  });
});
