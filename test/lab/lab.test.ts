// Acceptance of the lab itself (issue 2): the guide's chapter 02 commands, unmodified,
// through the real gcloud, the real Docker daemon and a real registry; the ways a push
// fails, each through the tool that meets it; and the lab's own life cycle.
//
//   npx vitest run --project lab test/lab/lab.test.ts

import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorldSpec } from './emulator/world.js';
import { CERTS_D, LabError, connectLab, freePort, isAlive, labAcquire, labDown, labHealth, labPrerequisites, labRelease, labUp, readState, type Lab } from './lab.js';
import { REPO_ROOT, labLayout } from './layout.js';

const PROJECT = 'mycoolproject-prod';
const LOCATION = 'southamerica-east1';
const HOST = `${LOCATION}-docker.pkg.dev`;
const REPO = 'mycoolproject-repo';

let lab: Lab;
let builtImage: string;

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  all: string;
}

async function run(cmd: string, args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  const r = await execa(cmd, args, { env, extendEnv: false, reject: false, all: true, input, stdin: input === undefined ? 'ignore' : undefined, timeout: 120_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) };
}

function world(repos: WorldSpec['repositories'] = [], project: Partial<WorldSpec['projects'][number]> = {}): WorldSpec {
  return { projects: [{ projectId: PROJECT, name: 'My Cool Project', ...project }], repositories: repos };
}
const dockerRepo = (repositoryId: string, extra: Record<string, unknown> = {}) => ({ project: PROJECT, location: LOCATION, repositoryId, format: 'DOCKER' as const, ...extra });

/** The `TAG: digest: sha256:… size: N` line of a non-TTY docker push. */
function pushedDigest(output: string, tag: string): string | null {
  const m = new RegExp(`^${tag}: digest: (sha256:[0-9a-f]{64}) size: \\d+`, 'm').exec(output);
  return m ? m[1] : null;
}

async function tagAndPush(env: Record<string, string>, ref: string): Promise<Run> {
  const t = await run('docker', ['tag', builtImage, ref], env);
  expect(t.exitCode, t.all).toBe(0);
  return run('docker', ['push', ref], env);
}

beforeAll(async () => {
  const info = inject('lab');
  const l = await connectLab(info.dir);
  if (!l) throw new Error(`the lab in ${info.dir} is not up (globalSetup should have started it)`);
  lab = l;
  // A tiny image built offline: FROM scratch + one file; nothing is pulled.
  const ctx = join(lab.dir, 'tmp', 'image-ctx');
  await rm(ctx, { recursive: true, force: true });
  await mkdir(ctx, { recursive: true });
  await writeFile(join(ctx, 'hello.txt'), `hello from the registry-setup lab ${Date.now()}\n`);
  await writeFile(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
  builtImage = 'lab-acceptance:build';
  const b = await run('docker', ['build', '-q', '-t', builtImage, ctx], lab.toolEnv());
  expect(b.exitCode, b.all).toBe(0);
});

describe("chapter 02, the guide's commands unmodified", () => {
  it('creates the repository, configures Docker, pushes latest + short sha, and gcloud lists both tags with the pushed digest', async () => {
    await lab.setWorld(world());
    const dockerConfig = await lab.newDockerConfig('chapter02', { detachKeys: 'ctrl-e,e', auths: { 'ghcr.io': {} } });
    const env = lab.toolEnv({ DOCKER_CONFIG: dockerConfig });

    const create = await run('gcloud', ['artifacts', 'repositories', 'create', REPO, '--repository-format=docker', `--location=${LOCATION}`], env);
    expect(create.exitCode, create.all).toBe(0);
    expect(create.stderr).toContain(`Created repository [${REPO}]`);

    const configure = await run('gcloud', ['auth', 'configure-docker', HOST], env);
    expect(configure.exitCode, configure.all).toBe(0);
    const cfg = JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8'));
    expect(cfg.credHelpers).toEqual({ [HOST]: 'gcloud' });
    expect(cfg.detachKeys).toBe('ctrl-e,e'); // unrelated keys survive
    expect(cfg.auths).toEqual({ 'ghcr.io': {} });

    const sha = (await run('git', ['rev-parse', '--short', 'HEAD'], { ...env, GIT_DIR: join(REPO_ROOT, '.git') })).stdout.trim() || 'a3f9c12';
    const image = `${HOST}/${PROJECT}/${REPO}/django-app`;
    const latest = await tagAndPush(env, `${image}:latest`);
    expect(latest.exitCode, latest.all).toBe(0);
    const digest = pushedDigest(latest.stdout, 'latest');
    expect(digest, latest.all).toMatch(/^sha256:/);
    const bySha = await tagAndPush(env, `${image}:${sha}`);
    expect(bySha.exitCode, bySha.all).toBe(0);
    expect(pushedDigest(bySha.stdout, sha)).toBe(digest);
    // Docker authenticated through gcloud's credential helper (its user name), and the
    // manifest went through the front to the registry.
    const manifestPut = (await lab.frontLog()).find((e) => e.method === 'PUT' && e.path === `/v2/${PROJECT}/${REPO}/django-app/manifests/latest`);
    expect(manifestPut).toMatchObject({ host: HOST, user: '_dcgcloud_token', status: 201 });

    const list = await run('gcloud', ['artifacts', 'docker', 'images', 'list', `${HOST}/${PROJECT}/${REPO}`, '--include-tags', '--format=json'], env);
    expect(list.exitCode, list.all).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<{ package: string; version: string; tags: string[] | string }>;
    const tagsOf = (r: { tags: string[] | string }) => (Array.isArray(r.tags) ? r.tags : String(r.tags).split(',').filter(Boolean));
    // (setWorld dropped earlier images; this stays robust if a test keeps them.)
    const mine = rows.filter((r) => r.package === image && r.version === digest);
    expect(mine).toHaveLength(1);
    expect([...tagsOf(mine[0])].sort()).toEqual(['latest', sha].sort());
    expect(rows.filter((r) => r.package === image && tagsOf(r).includes('latest'))).toHaveLength(1);

    // What the emulator listed is what the real registry holds.
    const held = await lab.images(PROJECT, LOCATION, REPO);
    const heldImage = held.find((i) => i.image === 'django-app' && i.digest === digest);
    expect(heldImage?.tags.sort()).toEqual(['latest', sha].sort());
    expect(Date.parse(heldImage?.buildTime ?? '')).toBeGreaterThan(0); // from the image config's `created`
  });
});

describe('a push that fails, through the tool that meets it', () => {
  const cases: Array<{
    name: string;
    world: WorldSpec;
    repo: string;
    /** Docker config for the push: none = before configure-docker. */
    credHelper: boolean;
    env?: () => Promise<Record<string, string>>;
    expected: RegExp;
  }> = [
    {
      name: 'before configure-docker: Docker has no credentials for the host',
      world: world([dockerRepo(REPO)]),
      repo: REPO,
      credHelper: false,
      expected: /no basic auth credentials/,
    },
    {
      name: 'a wrong token: unauthorized',
      world: world([dockerRepo(REPO)]),
      repo: REPO,
      credHelper: true,
      env: async () => {
        const f = join(lab.dir, 'tmp', 'wrong-token');
        await writeFile(f, 'not-the-lab-token\n', { mode: 0o600 });
        return { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: f };
      },
      expected: /unauthorized: You don't have the needed permissions .*invalid credentials/,
    },
    {
      name: 'a repository that does not exist: name unknown',
      world: world([dockerRepo(REPO)]),
      repo: 'no-such-repo',
      credHelper: true,
      expected: /name unknown: Repository "no-such-repo" not found/,
    },
    {
      name: 'a MAVEN-format repository: denied',
      world: world([{ project: PROJECT, location: LOCATION, repositoryId: 'java-libs', format: 'MAVEN' }]),
      repo: 'java-libs',
      credHelper: true,
      expected: /denied: .*format MAVEN/,
    },
    {
      name: 'the caller lacks artifactregistry.repositories.uploadArtifacts: denied, naming it',
      world: world([dockerRepo(REPO)], { deniedPermissions: ['artifactregistry.repositories.uploadArtifacts'] }),
      repo: REPO,
      credHelper: true,
      expected: /denied: Permission "artifactregistry\.repositories\.uploadArtifacts" denied on resource "projects\/mycoolproject-prod\/locations\/southamerica-east1\/repositories\/mycoolproject-repo"/,
    },
    {
      name: 'the Artifact Registry API is disabled: denied with the enable link',
      world: world([dockerRepo(REPO)], { apiEnabled: false }),
      repo: REPO,
      credHelper: true,
      expected: /denied: Artifact Registry API has not been used in project mycoolproject-prod/,
    },
    {
      name: 'billing is off: denied with the billing link',
      world: world([dockerRepo(REPO)], { billing: false }),
      repo: REPO,
      credHelper: true,
      expected: /denied: This API method requires billing to be enabled/,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      await lab.setWorld(c.world);
      const dockerConfig = await lab.newDockerConfig(`neg-${c.repo}-${c.credHelper}`, c.credHelper ? { credHelpers: { [HOST]: 'gcloud' } } : { auths: {} });
      const env = lab.toolEnv({ DOCKER_CONFIG: dockerConfig, ...(c.env ? await c.env() : {}) });
      const r = await tagAndPush(env, `${HOST}/${PROJECT}/${c.repo}/neg-app:latest`);
      expect(r.exitCode, r.all).not.toBe(0);
      expect(r.all).toMatch(c.expected);
      expect(pushedDigest(r.stdout, 'latest')).toBeNull();
    });
  }

  it('immutable tags: re-pushing the same image is fine, moving the tag is denied', async () => {
    await lab.setWorld(world([dockerRepo('frozen', { immutableTags: true })]));
    const dockerConfig = await lab.newDockerConfig('immutable', { credHelpers: { [HOST]: 'gcloud' } });
    const env = lab.toolEnv({ DOCKER_CONFIG: dockerConfig });
    const ref = `${HOST}/${PROJECT}/frozen/app:latest`;
    const first = await tagAndPush(env, ref);
    expect(first.exitCode, first.all).toBe(0);
    const again = await tagAndPush(env, ref);
    expect(again.exitCode, again.all).toBe(0);
    // Another image under the same tag.
    const ctx = join(lab.dir, 'tmp', 'image-ctx-2');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'other.txt'), `other ${Date.now()}\n`);
    await writeFile(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY other.txt /other.txt\n');
    const b = await run('docker', ['build', '-q', '-t', ref, ctx], env);
    expect(b.exitCode, b.all).toBe(0);
    const moved = await run('docker', ['push', ref], env);
    expect(moved.exitCode, moved.all).not.toBe(0);
    expect(moved.all).toMatch(/denied: Tag "latest" already exists .* immutable tags/);
  });
});

describe('other ways in', () => {
  it('docker login with oauth2accesstoken and the token on stdin (the fallback when the helper is missing), then push and pull', async () => {
    await lab.setWorld(world([dockerRepo(REPO)]));
    const dockerConfig = await lab.newDockerConfig('login', { psFormat: 'table {{.ID}}' });
    const env = lab.toolEnv({ DOCKER_CONFIG: dockerConfig });
    const login = await run('docker', ['login', '-u', 'oauth2accesstoken', '--password-stdin', HOST], env, lab.token);
    expect(login.exitCode, login.all).toBe(0);
    expect(login.stdout).toContain('Login Succeeded');
    const ref = `${HOST}/${PROJECT}/${REPO}/login-app:latest`;
    const push = await tagAndPush(env, ref);
    expect(push.exitCode, push.all).toBe(0);
    expect((await lab.frontLog()).some((e) => e.path.endsWith('/login-app/manifests/latest') && e.method === 'PUT' && e.user === 'oauth2accesstoken')).toBe(true);
    const pull = await run('docker', ['pull', ref], env);
    expect(pull.exitCode, pull.all).toBe(0);
    expect(pull.stdout).toContain(`Digest: ${pushedDigest(push.stdout, 'latest')}`);
  });

  it('the same repository name in two locations holds two different images', async () => {
    const other = 'us-central1';
    await lab.setWorld(world([dockerRepo('shared'), { ...dockerRepo('shared'), location: other }]));
    const dockerConfig = await lab.newDockerConfig('two-locations', { credHelpers: { [HOST]: 'gcloud', [`${other}-docker.pkg.dev`]: 'gcloud' } });
    const env = lab.toolEnv({ DOCKER_CONFIG: dockerConfig });
    const a = await tagAndPush(env, `${HOST}/${PROJECT}/shared/app:latest`);
    expect(a.exitCode, a.all).toBe(0);
    const ctx = join(lab.dir, 'tmp', 'image-ctx-other-location');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'where.txt'), `${other} ${Date.now()}\n`);
    await writeFile(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY where.txt /where.txt\n');
    const refB = `${other}-docker.pkg.dev/${PROJECT}/shared/app:latest`;
    expect((await run('docker', ['build', '-q', '-t', refB, ctx], env)).exitCode).toBe(0);
    const b = await run('docker', ['push', refB], env);
    expect(b.exitCode, b.all).toBe(0);
    const here = (await lab.images(PROJECT, LOCATION, 'shared')).filter((i) => i.tags.includes('latest'));
    const there = (await lab.images(PROJECT, other, 'shared')).filter((i) => i.tags.includes('latest'));
    expect(here.map((i) => i.digest)).toEqual([pushedDigest(a.stdout, 'latest')]);
    expect(there.map((i) => i.digest)).toEqual([pushedDigest(b.stdout, 'latest')]);
    expect(here[0].digest).not.toBe(there[0].digest);

    // A new world is a fresh Google side: the images go too (unless asked to keep them).
    const same = world([dockerRepo('shared'), { ...dockerRepo('shared'), location: other }]);
    await lab.setWorld(same, { keepImages: true });
    expect(await lab.images(PROJECT, LOCATION, 'shared')).toHaveLength(here.length);
    await lab.setWorld(same);
    expect(await lab.images(PROJECT, LOCATION, 'shared')).toEqual([]);
    expect(await lab.images(PROJECT, other, 'shared')).toEqual([]);
    // ...and a push afterwards works again (layers Docker pushed before are sent again).
    const again = await run('docker', ['push', refB], env);
    expect(again.exitCode, again.all).toBe(0);
    expect((await lab.images(PROJECT, other, 'shared')).map((i) => i.digest)).toEqual([pushedDigest(b.stdout, 'latest')]);
  });
});

describe('registry faults (the world\'s injected faults, on registry paths)', () => {
  it('a connection dropped at the manifest: the push fails, the layer stays, pushing again succeeds', async () => {
    await lab.setWorld(world([dockerRepo(REPO)]));
    const env = lab.toolEnv({ DOCKER_CONFIG: await lab.newDockerConfig('fault-reset', { credHelpers: { [HOST]: 'gcloud' } }) });
    await lab.addFaults([{ kind: 'reset', method: 'PUT', path: '/manifests/latest$', times: 1 }]);
    const ref = `${HOST}/${PROJECT}/${REPO}/fault-app:latest`;
    const cut = await tagAndPush(env, ref);
    expect(cut.exitCode, cut.all).not.toBe(0);
    expect(cut.all).toMatch(/manifests\/latest.*EOF/);
    expect(pushedDigest(cut.stdout, 'latest')).toBeNull();
    const again = await run('docker', ['push', ref], env);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/Layer already exists/);
    expect(pushedDigest(again.stdout, 'latest')).toMatch(/^sha256:/);
  });

  it('a 503 when a layer upload starts: Docker retries by itself and the push succeeds', async () => {
    await lab.setWorld(world([dockerRepo(REPO)]));
    const env = lab.toolEnv({ DOCKER_CONFIG: await lab.newDockerConfig('fault-503', { credHelpers: { [HOST]: 'gcloud' } }) });
    // A layer the registry has never seen (else Docker mounts it from another repository).
    const ref = `${HOST}/${PROJECT}/${REPO}/retry-app:latest`;
    const ctx = join(lab.dir, 'tmp', 'image-ctx-retry');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'retry.txt'), `retry ${Date.now()} ${Math.random()}\n`);
    await writeFile(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY retry.txt /retry.txt\n');
    const b = await run('docker', ['build', '-q', '-t', ref, ctx], env);
    expect(b.exitCode, b.all).toBe(0);
    await lab.addFaults([{ kind: 'status', status: 503, method: 'POST', path: '/blobs/uploads/$', times: 1 }]);
    const r = await run('docker', ['push', ref], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/Retrying in \d+ seconds?/);
    expect(pushedDigest(r.stdout, 'latest')).toMatch(/^sha256:/);
    expect((await lab.frontLog()).some((e) => e.decision === 'UNAVAILABLE' && e.status === 503)).toBe(true);
  });
});

describe('the lab command and its life cycle', () => {
  const cli = (args: string[], env: Record<string, string> = lab.toolEnv()) =>
    run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'lab', 'cli.ts'), ...args], { ...env, NODE_OPTIONS: '' });

  it('status reports every part healthy; .lab/env holds the settings and not the token', async () => {
    const r = await cli(['status']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/healthy/);
    const envText = readFileSync(lab.layout.envFile, 'utf8');
    for (const k of ['DOCKER_HOST', 'DOCKER_CONFIG', 'CLOUDSDK_CONFIG', 'CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY', 'LAB_TOKEN_FILE']) expect(envText).toContain(`export ${k}=`);
    expect(envText).not.toContain(lab.token);
    // gcloud finds the lab through its own configuration, like a user's gcloud.
    const gc = await run('gcloud', ['config', 'list', '--format=json'], lab.toolEnv({ CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY: undefined }));
    const conf = JSON.parse(gc.stdout);
    expect(conf.api_endpoint_overrides.artifactregistry).toBe(lab.emulatorUrl);
    expect(conf.core.project).toBeTruthy();
    // Both Docker clients on this machine talk to the 20.10 daemon (the newer one negotiates
    // API 1.41 by itself: no DOCKER_API_VERSION needed).
    for (const docker of ['/usr/local/bin/docker', '/usr/bin/docker'].filter((p) => existsSync(p))) {
      const v = await run(docker, ['version', '--format', '{{.Server.APIVersion}}'], lab.toolEnv());
      expect(v.exitCode, `${docker}: ${v.all}`).toBe(0);
      expect(v.stdout.trim()).toMatch(/^1\.\d+$/);
    }
  });

  it('scenario FILE loads a world into the running lab', async () => {
    const file = join(lab.dir, 'tmp', 'scenario.json');
    await writeFile(file, JSON.stringify(world([{ ...dockerRepo('from-scenario'), project: 'scenario-proj' }], { projectId: 'scenario-proj' })));
    const r = await cli(['scenario', file]);
    expect(r.exitCode, r.all).toBe(0);
    const w = (await lab.world()) as { projects: Array<{ projectId: string }>; repositories: Array<{ repositoryId: string }> };
    expect(w.projects.map((p) => p.projectId)).toEqual(['scenario-proj']);
    expect(w.repositories.map((x) => x.repositoryId)).toEqual(['from-scenario']);
  });

  it('a second lab (own folder, front on another port): up, down leaves no process and /etc/hosts unchanged, and up again works', async () => {
    const hostsBefore = createHash('sha256').update(readFileSync('/etc/hosts')).digest('hex');
    const dir = join(lab.dir, 'tmp', 'second-lab');
    await rm(dir, { recursive: true, force: true });
    const frontPort = await freePort();
    try {
      for (const round of [1, 2]) {
        const second = await labUp({ dir, frontPort });
        expect(second.startedHere, `round ${round}`).toBe(true);
        const state = readState(labLayout(dir))!;
        const pids = [state.supervisorPid, state.pids.registry, state.pids.dockerd, state.pids.containerd].filter((p): p is number => !!p);
        expect(pids.length).toBeGreaterThanOrEqual(3);
        expect(await labHealth(labLayout(dir), state, { docker: true })).toEqual([]);
        expect(existsSync(join(CERTS_D, `${HOST}:${frontPort}`, 'ca.crt'))).toBe(true);
        // up again while up: the same lab
        const again = await labUp({ dir, frontPort });
        expect(again.startedHere).toBe(false);
        await labDown({ dir });
        expect(pids.filter(isAlive)).toEqual([]);
        expect(existsSync(join(CERTS_D, `${HOST}:${frontPort}`))).toBe(false);
        expect(createHash('sha256').update(readFileSync('/etc/hosts')).digest('hex')).toBe(hostsBefore);
      }
      // The main lab is untouched.
      expect(await labHealth(lab.layout)).toEqual([]);
    } finally {
      await labDown({ dir }).catch(() => undefined);
    }
  });

  it('leases: a test run stops the lab only when no other run uses it, and never one a person started', async () => {
    const dir = join(lab.dir, 'tmp', 'lease-lab');
    await rm(dir, { recursive: true, force: true });
    const frontPort = await freePort();
    const other = spawn('sleep', ['60'], { stdio: 'ignore' }); // stands for another test run
    try {
      const first = await labAcquire({ dir, frontPort });
      expect(first.startedHere).toBe(true);
      const pids = () => {
        const st = readState(labLayout(dir));
        return st ? [st.supervisorPid, st.pids.registry, st.pids.dockerd].filter((p): p is number => !!p) : [];
      };
      const running = pids();
      await writeFile(join(dir, 'leases', String(other.pid)), 'other run\n');
      expect(await labRelease({ dir })).toBe(false); // the other run still uses it
      expect(running.filter(isAlive)).toEqual(running);
      other.kill();
      await new Promise((r) => other.once('exit', r));
      await labAcquire({ dir, frontPort });
      expect(await labRelease({ dir })).toBe(true); // last one out
      expect(running.filter(isAlive)).toEqual([]);

      await labUp({ dir, frontPort, owner: 'cli' }); // a person's `lab up`
      const kept = pids();
      await labAcquire({ dir, frontPort });
      expect(await labRelease({ dir })).toBe(false);
      expect(kept.filter(isAlive)).toEqual(kept);
    } finally {
      other.kill();
      await labDown({ dir }).catch(() => undefined);
    }
  });

  it('a part that cannot start (its port is taken): says which and why, and stops what it had started', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const dir = join(lab.dir, 'tmp', 'blocked-lab');
    await rm(dir, { recursive: true, force: true });
    try {
      const err = await labUp({ dir, frontPort: port }).then(
        () => null,
        (e: LabError) => e,
      );
      expect(err?.message).toMatch(new RegExp(`^front: port ${port} on 127.0.0.1 is taken`));
      // It had started the supervisor and docker-registry; both are stopped again.
      expect(err?.startedPids?.length).toBeGreaterThanOrEqual(2);
      expect(err?.startedPids?.filter(isAlive)).toEqual([]);
      expect(readState(labLayout(dir))).toBeNull();
      expect(existsSync(join(CERTS_D, `${HOST}:${port}`))).toBe(false);
    } finally {
      blocker.close();
      await labDown({ dir }).catch(() => undefined);
    }
  });

  it('without the system packages `lab up` refuses to start and names what is missing', async () => {
    const dir = join(lab.dir, 'tmp', 'no-packages-lab');
    await rm(dir, { recursive: true, force: true });
    const empty = join(lab.dir, 'tmp', 'empty-bin');
    await mkdir(empty, { recursive: true });
    // The real command, with a PATH on which none of the tools is (dockerd is looked up in /usr/sbin too).
    const r = await cli(['up', '--dir', dir], { ...lab.toolEnv(), PATH: empty });
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stderr).toMatch(/^lab: preflight: the lab cannot start on this machine:/m);
    for (const [cmd, pkg] of [['docker-registry', 'docker-registry'], ['gcloud', 'google-cloud-cli'], ['docker-credential-gcloud', 'google-cloud-cli'], ['openssl', 'openssl']]) {
      expect(r.stderr).toContain(cmd);
      expect(r.stderr).toContain(pkg);
    }
    expect(r.stderr).toContain('scripts/install-system-deps.sh');
    expect(existsSync(dir)).toBe(false); // nothing started, nothing written
  });

  it('the preflight names each missing prerequisite', () => {
    const cases: Array<{ name: string; opts: { uid?: number; path?: string }; expected: RegExp[] }> = [
      { name: 'root with every tool', opts: { uid: 0 }, expected: [] },
      { name: 'not root', opts: { uid: 1000 }, expected: [/needs root/] },
      { name: 'no tools', opts: { uid: 0, path: '/nonexistent' }, expected: [/missing commands: dockerd .*docker-registry .*gcloud .*unshare.*install the packages docker\.io, docker-registry, google-cloud-cli, openssl, util-linux, mount/] },
      { name: 'neither', opts: { uid: 1000, path: '/nonexistent' }, expected: [/needs root/, /missing commands/] },
    ];
    for (const c of cases) {
      const problems = labPrerequisites(c.opts);
      expect(problems, c.name).toHaveLength(c.expected.length);
      c.expected.forEach((re, i) => expect(problems[i], c.name).toMatch(re));
    }
  });

});

afterAll(async () => {
  // Leave the shared lab with the default world for whoever runs next.
  await lab?.setWorld(world()).catch(() => undefined);
});
