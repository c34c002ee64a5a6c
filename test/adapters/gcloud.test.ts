import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/adapters/exec.js';
import { createGcloud, NO_CREDENTIAL, parseConfigList, parseProjects } from '../../src/adapters/gcloud.js';
import { CancelError, ExternalError, UserError } from '../../src/errors.js';
import type { ProgressNote } from '../../src/ports.js';
import { enoent, strictRunner } from './fake-runner.js';

const configDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rs-gcloud-'));
  return d;
};

describe('parseConfigList', () => {
  it.each([
    { case: 'empty', json: '{}', want: {} },
    {
      case: 'all properties',
      json: JSON.stringify({
        core: { account: 'a@b.c', project: 'demo', disable_usage_reporting: 'True' },
        artifacts: { location: 'us-east1' },
        run: { region: 'europe-west1' },
        api_endpoint_overrides: { artifactregistry: 'http://127.0.0.1:8080/' },
      }),
      want: { account: 'a@b.c', project: 'demo', artifactsLocation: 'us-east1', runRegion: 'europe-west1', artifactRegistryEndpoint: 'http://127.0.0.1:8080/' },
    },
    { case: 'empty strings are unset', json: JSON.stringify({ core: { project: '' } }), want: {} },
  ])('$case', ({ json, want }) => {
    const got = parseConfigList(json);
    expect(Object.fromEntries(Object.entries(got).filter(([, v]) => v !== undefined))).toEqual(want);
  });
  it('not JSON → ExternalError', () => {
    expect(() => parseConfigList('nope')).toThrow(ExternalError);
  });
});

describe('parseProjects', () => {
  it('keeps id, name, number (as string)', () => {
    expect(parseProjects(JSON.stringify([{ projectId: 'demo', name: 'Demo', projectNumber: 123, lifecycleState: 'ACTIVE' }, { nope: 1 }]))).toEqual([
      { projectId: 'demo', name: 'Demo', projectNumber: '123' },
    ]);
    expect(parseProjects('[]')).toEqual([]);
  });
});

describe('createGcloud over a strict fake runner', () => {
  it('config(): one process, cached, active configuration name from CLOUDSDK_ACTIVE_CONFIG_NAME', async () => {
    const fake = strictRunner([
      { cmd: 'gcloud', args: ['config', 'list', '--format=json'], stdout: JSON.stringify({ core: { project: 'demo', account: 'me@x.y' } }) },
    ]);
    const g = createGcloud({ run: fake.run, env: { CLOUDSDK_ACTIVE_CONFIG_NAME: 'work' } });
    const [a, b] = await Promise.all([g.config(), g.config()]);
    expect(a).toEqual({ account: 'me@x.y', project: 'demo', configurationName: 'work' });
    expect(b).toBe(a);
    expect(await g.config()).toBe(a);
    expect(fake.calls).toHaveLength(1);
    fake.assertDone();
  });

  it('config(): active configuration name from $CLOUDSDK_CONFIG/active_config', async () => {
    const dir = configDir();
    writeFileSync(join(dir, 'active_config'), 'lab');
    const fake = strictRunner([{ cmd: 'gcloud', args: ['config', 'list', '--format=json'], stdout: '{}' }]);
    const g = createGcloud({ run: fake.run, env: { CLOUDSDK_CONFIG: dir } });
    expect((await g.config()).configurationName).toBe('lab');
    fake.assertDone();
  });

  it('version(): first line, null when gcloud is missing', async () => {
    const ok = strictRunner([{ cmd: 'gcloud', args: ['--version'], stdout: 'Google Cloud SDK 528.0.0\nalpha 2025.06.20\n' }]);
    expect(await createGcloud({ run: ok.run, env: {} }).version()).toBe('Google Cloud SDK 528.0.0');
    ok.assertDone();
    const missing = strictRunner([{ cmd: 'gcloud', args: ['--version'], error: enoent('gcloud') }]);
    expect(await createGcloud({ run: missing.run, env: {} }).version()).toBeNull();
    missing.assertDone();
  });

  it('accessToken(): cached; refresh forces one new process; never shown in the command', async () => {
    let n = 0;
    const fake = strictRunner([{ cmd: 'gcloud', args: ['auth', 'print-access-token'], stdout: 'tok-1\n', repeat: true }]);
    const run: typeof fake.run = async (c, a, o) => {
      const r = await fake.run(c, a, o);
      n++;
      return { ...r, stdout: `tok-${n}` };
    };
    const g = createGcloud({ run, env: {} });
    expect(await g.accessToken()).toBe('tok-1');
    expect(await g.accessToken()).toBe('tok-1');
    expect(await g.accessToken({ refresh: true })).toBe('tok-2');
    expect(await g.accessToken()).toBe('tok-2');
    expect(fake.calls).toHaveLength(2);
    fake.assertDone();
  });

  it('accessToken(): no account → ExternalError with NO_CREDENTIAL reason and a login fix; failure is not cached', async () => {
    const fake = strictRunner([
      {
        cmd: 'gcloud',
        args: ['auth', 'print-access-token'],
        exitCode: 1,
        stderr: 'ERROR: (gcloud.auth.print-access-token) You do not currently have an active account selected.\nPlease run:\n\n  $ gcloud auth login\n',
        repeat: true,
      },
    ]);
    const g = createGcloud({ run: fake.run, env: {} });
    const err = await g.accessToken().catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.details.reason).toBe(NO_CREDENTIAL);
    expect(err.fix.join('\n')).toContain('gcloud auth login');
    await g.accessToken().catch(() => undefined);
    expect(fake.calls).toHaveLength(2);
    fake.assertDone();
  });

  it('listProjects(): one process per run even with concurrent callers; reports the call', async () => {
    const fake = strictRunner([{ cmd: 'gcloud', args: ['projects', 'list', '--format=json'], stdout: JSON.stringify([{ projectId: 'p1', name: 'P1', projectNumber: '1' }]) }]);
    const g = createGcloud({ run: fake.run, env: {} });
    const notes: ProgressNote[] = [];
    const [a, b] = await Promise.all([g.listProjects({ onProgress: (n) => notes.push(n) }), g.listProjects()]);
    expect(a).toEqual([{ projectId: 'p1', name: 'P1', projectNumber: '1' }]);
    expect(b).toBe(a);
    expect(notes).toEqual([{ type: 'call', text: 'gcloud projects list --format=json' }]);
    fake.assertDone();
  });

  it('listProjects(): a caller that aborts gets CancelError', async () => {
    const fake = strictRunner([{ cmd: 'gcloud', args: ['projects', 'list', '--format=json'], stdout: '[]' }]);
    const g = createGcloud({ run: fake.run, env: {} });
    const ac = new AbortController();
    ac.abort();
    await expect(g.listProjects({ signal: ac.signal })).rejects.toBeInstanceOf(CancelError);
  });

  it('enableService(): exact argv, output lines as notes; bad service name refused before any call', async () => {
    const fake = strictRunner([
      {
        cmd: 'gcloud',
        args: ['services', 'enable', 'artifactregistry.googleapis.com', '--project', 'demo', '--quiet'],
        stderr: 'Operation "operations/acat.p2-1" finished successfully.\n',
      },
    ]);
    const g = createGcloud({ run: fake.run, env: {} });
    const notes: ProgressNote[] = [];
    await g.enableService('demo', 'artifactregistry.googleapis.com', { onProgress: (n) => notes.push(n) });
    expect(notes).toEqual([
      { type: 'call', text: 'gcloud services enable artifactregistry.googleapis.com --project demo' },
      { type: 'line', text: 'Operation "operations/acat.p2-1" finished successfully.' },
    ]);
    await expect(g.enableService('demo', '--flag')).rejects.toBeInstanceOf(UserError);
    fake.assertDone();
  });

  it('configureDocker(): runs with DOCKER_CONFIG pointed at the given dir', async () => {
    const fake = strictRunner([
      { cmd: 'gcloud', args: ['auth', 'configure-docker', 'us-east1-docker.pkg.dev', '--quiet'], env: { DOCKER_CONFIG: '/tmp/private' } },
    ]);
    const g = createGcloud({ run: fake.run, env: {} });
    await g.configureDocker('us-east1-docker.pkg.dev', '/tmp/private');
    fake.assertDone();
  });
});

describe('createGcloud with the real gcloud (fresh CLOUDSDK_CONFIG, offline)', () => {
  const hasGcloud = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'gcloud')));

  it('config honours CLOUDSDK_* env; token from the token file; configure-docker writes credHelpers', async () => {
    expect(hasGcloud, 'gcloud must be installed for this test').toBe(true);
    const cfg = configDir();
    const tokFile = join(cfg, 'token');
    writeFileSync(tokFile, 'lab-token-abc\n');
    const dockerDir = join(cfg, 'docker');
    mkdirSync(dockerDir);
    const env = {
      PATH: process.env.PATH,
      HOME: cfg,
      CLOUDSDK_CONFIG: cfg,
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      CLOUDSDK_CORE_PROJECT: 'demo',
      CLOUDSDK_RUN_REGION: 'europe-west1',
      CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY: 'http://127.0.0.1:9/',
      CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokFile,
    };
    const g = createGcloud({ run: createRunner(env), env });
    const [config, token] = await Promise.all([
      g.config(),
      g.accessToken(),
      g.configureDocker('southamerica-east1-docker.pkg.dev', dockerDir),
    ]);
    expect(config).toMatchObject({ project: 'demo', runRegion: 'europe-west1', artifactRegistryEndpoint: 'http://127.0.0.1:9/', configurationName: 'default' });
    expect(token).toBe('lab-token-abc');
    expect(JSON.parse(readFileSync(join(dockerDir, 'config.json'), 'utf8'))).toEqual({ credHelpers: { 'southamerica-east1-docker.pkg.dev': 'gcloud' } });
  }, 30_000);

  it('no credential → NO_CREDENTIAL error, and the message holds no token', async () => {
    expect(hasGcloud).toBe(true);
    const cfg = configDir();
    const env = { PATH: process.env.PATH, HOME: cfg, CLOUDSDK_CONFIG: cfg, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' };
    const g = createGcloud({ run: createRunner(env), env });
    const err = await g.accessToken().catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.details.reason).toBe(NO_CREDENTIAL);
  }, 30_000);
});
