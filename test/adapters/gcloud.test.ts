import { mergeCredHelper } from '../../src/steps/docker-auth.js';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/adapters/exec.js';
import { wholeJson } from '../../src/adapters/early.js';
import { createGcloud, gcloudReason, NO_CREDENTIAL, parseConfigList, parseProjects } from '../../src/adapters/gcloud.js';
import { CancelError, ExternalError, UserError } from '../../src/errors.js';
import type { ProgressNote } from '../../src/ports.js';
import { enoent, strictRunner } from './fake-runner.js';

type Gcloud = ReturnType<typeof createGcloud>;

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
  const helperOut = (props: object, token?: string, active = 'default') =>
    JSON.stringify({ configuration: { active_configuration: active, properties: props }, credential: { access_token: token ?? null, id_token: null, token_expiry: null } });
  const HELPER_ARGS = ['config', 'config-helper', '--format=json'];
  const NO_LOGIN = 'ERROR: (gcloud.config.config-helper) You do not currently have an active account selected.\nPlease run:\n\n  $ gcloud auth login\n';

  it('config() and accessToken(): one config-helper process answers both, cached, even for concurrent callers', async () => {
    const fake = strictRunner([{ cmd: 'gcloud', args: HELPER_ARGS, stdout: helperOut({ core: { project: 'demo', account: 'me@x.y' }, run: { region: 'europe-west1' } }, 'tok-1', 'work') }]);
    const g = createGcloud({ run: fake.run, env: {} });
    const [a, t, b] = await Promise.all([g.config(), g.accessToken(), g.config()]);
    expect(a).toEqual({ account: 'me@x.y', project: 'demo', runRegion: 'europe-west1', configurationName: 'work' });
    expect(b).toBe(a);
    expect(t).toBe('tok-1');
    expect(await g.accessToken()).toBe('tok-1');
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0].opts?.display).toBe('gcloud config config-helper --format=json');
    fake.assertDone();
  });

  it('no login: config comes from `gcloud config list`; the token is a NO_CREDENTIAL error with the login fix, not cached', async () => {
    const dir = configDir();
    writeFileSync(join(dir, 'active_config'), 'lab');
    const fake = strictRunner([
      { cmd: 'gcloud', args: HELPER_ARGS, exitCode: 1, stderr: NO_LOGIN, repeat: true },
      { cmd: 'gcloud', args: ['config', 'list', '--format=json'], stdout: JSON.stringify({ core: { project: 'demo' } }) },
    ]);
    const g = createGcloud({ run: fake.run, env: { CLOUDSDK_CONFIG: dir } });
    expect(await g.config()).toEqual({ project: 'demo', configurationName: 'lab' });
    const err = await g.accessToken().catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.details.reason).toBe(NO_CREDENTIAL);
    expect(err.fix.join('\n')).toContain('gcloud auth login');
    await g.accessToken().catch(() => undefined); // asks gcloud again (the user may have logged in meanwhile)
    expect(fake.calls.map((c) => c.args.join(' '))).toEqual(['config config-helper --format=json', 'config list --format=json', 'config config-helper --format=json']);
    fake.assertDone();
  });

  it('login(): `gcloud auth login` on our terminal, then the config, token and projects are asked again', async () => {
    const dir = configDir();
    const fake = strictRunner([
      { cmd: 'gcloud', args: HELPER_ARGS, exitCode: 1, stderr: NO_LOGIN },
      { cmd: 'gcloud', args: ['config', 'list', '--format=json'], stdout: JSON.stringify({ core: { project: 'demo' } }) },
      { cmd: 'gcloud', args: ['projects', 'list', '--format=json'], exitCode: 1, stderr: NO_LOGIN },
      { cmd: 'gcloud', args: ['auth', 'login'] },
      { cmd: 'gcloud', args: HELPER_ARGS, stdout: helperOut({ core: { project: 'demo', account: 'ana@example.com' } }, 'tok-after') },
      { cmd: 'gcloud', args: ['projects', 'list', '--format=json'], stdout: JSON.stringify([{ projectId: 'demo' }]) },
    ]);
    const g = createGcloud({ run: fake.run, env: { CLOUDSDK_CONFIG: dir } });
    expect((await g.config()).account).toBeUndefined();
    expect(await g.listProjects().catch((e) => e.details.reason)).toBe(NO_CREDENTIAL);
    const notes: string[] = [];
    await g.login({ onProgress: (n) => n.type === 'call' && notes.push(n.text) });
    expect(notes).toEqual(['gcloud auth login']);
    expect(fake.calls.find((c) => c.args.join(' ') === 'auth login')?.opts).toEqual({ signal: undefined, terminal: true });
    expect((await g.config()).account).toBe('ana@example.com');
    expect(await g.accessToken()).toBe('tok-after');
    expect(await g.listProjects()).toEqual([{ projectId: 'demo' }]);
    fake.assertDone();
  });

  it('login() that fails (exit 1): the error as it is, and what gcloud said before is forgotten all the same', async () => {
    const fake = strictRunner([
      { cmd: 'gcloud', args: HELPER_ARGS, stdout: helperOut({ core: { project: 'demo' } }) },
      { cmd: 'gcloud', args: ['auth', 'login'], exitCode: 1 },
      { cmd: 'gcloud', args: HELPER_ARGS, stdout: helperOut({ core: { project: 'demo', account: 'ana@example.com' } }, 't') },
    ]);
    const g = createGcloud({ run: fake.run, env: {} });
    expect((await g.config()).account).toBeUndefined();
    const err = await g.login().catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toMatch(/^`gcloud auth login` failed \(exit 1\)/);
    expect((await g.config()).account).toBe('ana@example.com');
    fake.assertDone();
  });

  it.each([
    { case: 'no active configuration name → from CLOUDSDK_ACTIVE_CONFIG_NAME', env: { CLOUDSDK_ACTIVE_CONFIG_NAME: 'work' }, out: JSON.stringify({ configuration: { properties: {} } }), want: { configurationName: 'work' } },
    { case: 'endpoint override and artifacts/location', env: {}, out: helperOut({ api_endpoint_overrides: { artifactregistry: 'http://127.0.0.1:9/' }, artifacts: { location: 'us-east1' } }, 't'), want: { artifactRegistryEndpoint: 'http://127.0.0.1:9/', artifactsLocation: 'us-east1', configurationName: 'default' } },
    { case: 'empty strings are unset', env: {}, out: helperOut({ core: { project: '', account: '' } }, 't'), want: { configurationName: 'default' } },
  ])('config(): $case', async ({ env, out, want }) => {
    const fake = strictRunner([{ cmd: 'gcloud', args: HELPER_ARGS, stdout: out }]);
    expect(await createGcloud({ run: fake.run, env }).config()).toEqual(want);
    fake.assertDone();
  });

  it('config-helper output that is not JSON: an error that does not quote it (it may hold the token)', async () => {
    const fake = strictRunner([{ cmd: 'gcloud', args: HELPER_ARGS, stdout: '{"credential": {"access_token": "secret-tok' }]);
    const err = await createGcloud({ run: fake.run, env: {} }).config().catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(JSON.stringify({ m: err.message, d: err.details, c: String(err.cause) })).not.toContain('secret-tok');
  });

  it('config-helper without a token: accessToken() is a NO_CREDENTIAL error', async () => {
    const fake = strictRunner([{ cmd: 'gcloud', args: HELPER_ARGS, stdout: helperOut({ core: { project: 'demo' } }) }]);
    const err = await createGcloud({ run: fake.run, env: {} }).accessToken().catch((e) => e);
    expect(err.details.reason).toBe(NO_CREDENTIAL);
  });

  it('accessToken({refresh}): one new `gcloud auth print-access-token`, then that token is cached; never in the command line', async () => {
    const fake = strictRunner([
      { cmd: 'gcloud', args: HELPER_ARGS, stdout: helperOut({}, 'tok-1') },
      { cmd: 'gcloud', args: ['auth', 'print-access-token'], stdout: 'tok-2\n' },
    ]);
    const g = createGcloud({ run: fake.run, env: {} });
    expect(await g.accessToken()).toBe('tok-1');
    expect(await g.accessToken({ refresh: true })).toBe('tok-2');
    expect(await g.accessToken()).toBe('tok-2');
    expect(fake.calls.flatMap((c) => c.args).join(' ')).not.toMatch(/tok-/);
    fake.assertDone();
  });

  it('accessToken({refresh}) with no login → NO_CREDENTIAL with the login fix', async () => {
    const fake = strictRunner([
      { cmd: 'gcloud', args: HELPER_ARGS, stdout: helperOut({}, 'tok-1') },
      { cmd: 'gcloud', args: ['auth', 'print-access-token'], exitCode: 1, stderr: NO_LOGIN.replace('config-helper', 'print-access-token') },
    ]);
    const g = createGcloud({ run: fake.run, env: {} });
    await g.accessToken();
    const err = await g.accessToken({ refresh: true }).catch((e) => e);
    expect(err.details.reason).toBe(NO_CREDENTIAL);
    fake.assertDone();
  });

  it('version(): from the SDK VERSION file next to the gcloud on PATH (through a symlink), no process', async () => {
    const root = configDir();
    mkdirSync(join(root, 'sdk', 'bin'), { recursive: true });
    mkdirSync(join(root, 'usrbin'));
    writeFileSync(join(root, 'sdk', 'bin', 'gcloud'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(root, 'sdk', 'VERSION'), '528.0.0\n');
    symlinkSync(join(root, 'sdk', 'bin', 'gcloud'), join(root, 'usrbin', 'gcloud'));
    const none = strictRunner([]);
    expect(await createGcloud({ run: none.run, env: { PATH: join(root, 'usrbin') } }).version()).toBe('Google Cloud SDK 528.0.0');
    // A wrapper script first on PATH (not in an SDK folder) is passed over for the SDK behind it.
    mkdirSync(join(root, 'wrap'));
    writeFileSync(join(root, 'wrap', 'gcloud'), '#!/bin/sh\nexec /somewhere/gcloud "$@"\n', { mode: 0o755 });
    expect(await createGcloud({ run: none.run, env: { PATH: `${join(root, 'wrap')}:${join(root, 'usrbin')}` } }).version()).toBe('Google Cloud SDK 528.0.0');
    none.assertDone();
  });

  it.each([
    { case: 'no VERSION file: asks gcloud --version', files: false, run: [{ cmd: 'gcloud', args: ['--version'], stdout: 'Google Cloud SDK 529.0.0\nalpha 2025.06.20\n' }], want: 'Google Cloud SDK 529.0.0' },
    { case: 'gcloud not on PATH: null, no process', files: null, run: [], want: null },
  ])('version(): $case', async ({ files, run, want }) => {
    const root = configDir();
    if (files !== null) writeFileSync(join(root, 'gcloud'), '#!/bin/sh\n', { mode: 0o755 });
    const fake = strictRunner(run);
    expect(await createGcloud({ run: fake.run, env: { PATH: root } }).version()).toBe(want);
    fake.assertDone();
  });

  it('version(): gcloud --version fails to start → null', async () => {
    const root = configDir();
    writeFileSync(join(root, 'gcloud'), '#!/bin/sh\n', { mode: 0o755 });
    const missing = strictRunner([{ cmd: 'gcloud', args: ['--version'], error: enoent('gcloud') }]);
    expect(await createGcloud({ run: missing.run, env: { PATH: root } }).version()).toBeNull();
    missing.assertDone();
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

  it.each([
    { case: 'config-helper', ask: (g: Gcloud) => g.config(), calls: [{ cmd: 'gcloud', args: HELPER_ARGS, stdout: helperOut({}, 't') }] },
    {
      case: 'config list (no login)',
      ask: (g: Gcloud) => g.config(),
      calls: [
        { cmd: 'gcloud', args: HELPER_ARGS, exitCode: 1, stderr: NO_LOGIN },
        { cmd: 'gcloud', args: ['config', 'list', '--format=json'], stdout: '{}' },
      ],
    },
    { case: 'projects list', ask: (g: Gcloud) => g.listProjects(), calls: [{ cmd: 'gcloud', args: ['projects', 'list', '--format=json'], stdout: '[]' }] },
  ])('$case: its JSON answer is taken as soon as it is whole, not at gcloud\'s exit', async ({ ask, calls }) => {
    const fake = strictRunner(calls);
    await ask(createGcloud({ run: fake.run, env: { CLOUDSDK_CONFIG: configDir() } }));
    expect(fake.calls.map((c) => c.opts.answered)).toEqual(calls.map(() => wholeJson));
    fake.assertDone();
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

  // What gcloud prints on stderr → the reason the steps act on.
  it.each([
    { stderr: 'ERROR: (gcloud.services.enable) You do not currently have an active account selected.\nPlease run:\n\n  $ gcloud auth login', want: NO_CREDENTIAL },
    {
      stderr: "ERROR: (gcloud.services.enable) FAILED_PRECONDITION: Billing account for project '123456789012' is not found. Billing must be enabled for activation of service(s) 'artifactregistry.googleapis.com' to proceed.",
      want: 'BILLING_DISABLED',
    },
    { stderr: 'ERROR: (gcloud.services.enable) PERMISSION_DENIED: Permission denied to enable service [artifactregistry.googleapis.com]', want: 'PERMISSION_DENIED' },
    { stderr: 'ERROR: (gcloud.services.enable) Not found or permission denied for service(s): artifactregistry.googleapis.com.', want: 'PERMISSION_DENIED' },
    { stderr: 'ERROR: (gcloud.services.enable) INTERNAL: something odd', want: undefined },
  ])('gcloudReason: $want ← $stderr', ({ stderr, want }) => expect(gcloudReason(stderr)).toBe(want));

  it.each([
    { stderr: "ERROR: (gcloud.services.enable) FAILED_PRECONDITION: Billing account for project '1' is not found. Billing must be enabled for activation of service(s)", reason: 'BILLING_DISABLED' },
    { stderr: 'ERROR: (gcloud.services.enable) PERMISSION_DENIED: Permission denied to enable service [artifactregistry.googleapis.com]', reason: 'PERMISSION_DENIED' },
    { stderr: 'ERROR: (gcloud.services.enable) INTERNAL: something odd', reason: undefined },
  ])('enableService() fails with the reason from stderr: $reason', async ({ stderr, reason }) => {
    const fake = strictRunner([{ cmd: 'gcloud', args: ['services', 'enable', 'artifactregistry.googleapis.com', '--project', 'demo', '--quiet'], stderr, exitCode: 1 }]);
    const err = await createGcloud({ run: fake.run, env: {} }).enableService('demo', 'artifactregistry.googleapis.com').catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.details).toMatchObject({ exitCode: 1, stderrTail: stderr });
    expect(err.details.reason).toBe(reason);
    expect(err.message).toMatch(/^`gcloud services enable artifactregistry.googleapis.com --project demo --quiet` failed \(exit 1\)/);
    fake.assertDone();
  });

});

describe('createGcloud with the real gcloud (fresh CLOUDSDK_CONFIG, offline)', () => {
  const hasGcloud = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'gcloud')));

  it('config honours CLOUDSDK_* env; token from the token file; the entry configure-docker writes is the one the wizard writes', async () => {
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
      // The guide's command, run for real: the docker-auth step writes the same entry itself.
      createRunner(env)('gcloud', ['auth', 'configure-docker', 'southamerica-east1-docker.pkg.dev', '--quiet'], { env: { DOCKER_CONFIG: dockerDir } }),
    ]);
    expect(config).toMatchObject({ project: 'demo', runRegion: 'europe-west1', artifactRegistryEndpoint: 'http://127.0.0.1:9/', configurationName: 'default' });
    expect(token).toBe('lab-token-abc');
    expect(JSON.parse(readFileSync(join(dockerDir, 'config.json'), 'utf8'))).toEqual(mergeCredHelper({}, 'southamerica-east1-docker.pkg.dev', 'gcloud'));
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
