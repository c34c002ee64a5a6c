import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyDaemonProblem, createDocker, parsePushLine, parseSize, pushError } from '../../src/adapters/docker.js';
import { createRunner, findOnPath } from '../../src/adapters/exec.js';
import { BugError, ExternalError } from '../../src/errors.js';
import type { ProgressNote } from '../../src/ports.js';
import { enoent, strictRunner } from './fake-runner.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'rs-docker-'));
const DIGEST = 'sha256:' + 'ab'.repeat(32);
const VERSION_ARGS = ['version', '--format', 'json'];
const client = { Client: { Version: '28.2.2', ApiVersion: '1.50' } };

describe('info() over a strict fake runner', () => {
  it.each([
    { case: 'daemon answers', stub: { stdout: JSON.stringify({ ...client, Server: { Version: '28.2.2' } }) }, env: {}, want: { clientVersion: '28.2.2', serverVersion: '28.2.2' } },
    {
      case: 'daemon not running',
      stub: { stdout: JSON.stringify({ ...client, Server: null }), stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', exitCode: 1 },
      env: {},
      want: { clientVersion: '28.2.2', daemonProblem: 'not-running', daemonMessage: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' },
    },
    {
      case: 'permission denied on the socket',
      stub: {
        stdout: JSON.stringify({ ...client, Server: null }),
        stderr: 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.50/version": dial unix /var/run/docker.sock: connect: permission denied',
        exitCode: 1,
      },
      env: {},
      want: { clientVersion: '28.2.2', daemonProblem: 'permission-denied' },
    },
    {
      case: 'DOCKER_HOST points nowhere',
      stub: { stdout: JSON.stringify({ ...client, Server: null }), stderr: 'Cannot connect to the Docker daemon at tcp://127.0.0.1:1. Is the docker daemon running?', exitCode: 1 },
      env: { DOCKER_HOST: 'tcp://127.0.0.1:1' },
      want: { clientVersion: '28.2.2', daemonProblem: 'docker-host' },
    },
    {
      case: 'DOCKER_HOST malformed',
      stub: { stdout: '', stderr: 'Failed to initialize: unable to resolve docker endpoint: invalid bind address format: bogus://x', exitCode: 1 },
      env: { DOCKER_HOST: 'bogus://x' },
      want: { clientVersion: null, daemonProblem: 'docker-host' },
    },
    { case: 'not installed', stub: { error: enoent('docker') }, env: {}, want: { clientVersion: null } },
  ])('$case', async ({ stub, env, want }) => {
    const fake = strictRunner([{ cmd: 'docker', args: VERSION_ARGS, ...stub }]);
    const info = await createDocker({ run: fake.run, env: { PATH: '', ...env } }).info();
    expect(info).toMatchObject(want);
    if (!('serverVersion' in want)) expect(info.serverVersion).toBeUndefined();
    fake.assertDone();
  });

  it.each([
    ['dial unix /var/run/docker.sock: connect: permission denied', undefined, 'permission-denied'],
    ['Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', undefined, 'not-running'],
    ['error during connect: Get "http://x": dial tcp: lookup x: no such host', 'tcp://x:2375', 'docker-host'],
    ['something else', undefined, 'other'],
  ])('classifyDaemonProblem(%s)', (stderr, host, want) => expect(classifyDaemonProblem(stderr, host)).toBe(want));
});

describe('push', () => {
  const pushOut = [
    'The push refers to repository [us-east1-docker.pkg.dev/demo/repo/app]',
    '5f70bf18a086: Preparing',
    'a3ed95caeb02: Preparing',
    'a3ed95caeb02: Waiting',
    '5f70bf18a086: Layer already exists',
    'a3ed95caeb02: Pushed',
    'c0ffee123456: Mounted from demo/repo/other',
    `latest: digest: ${DIGEST} size: 735`,
  ].join('\n');

  it('per-layer notes and the digest', async () => {
    const fake = strictRunner([{ cmd: 'docker', args: ['push', 'us-east1-docker.pkg.dev/demo/repo/app:latest'], stdout: pushOut }]);
    const notes: ProgressNote[] = [];
    const r = await createDocker({ run: fake.run, env: {} }).push('us-east1-docker.pkg.dev/demo/repo/app:latest', { onProgress: (n) => notes.push(n) });
    expect(r).toEqual({ digest: DIGEST, size: 735 });
    expect(notes).toEqual([
      { type: 'call', text: 'docker push us-east1-docker.pkg.dev/demo/repo/app:latest' },
      { type: 'line', text: 'The push refers to repository [us-east1-docker.pkg.dev/demo/repo/app]' },
      { type: 'layer', id: '5f70bf18a086', status: 'Preparing' },
      { type: 'layer', id: 'a3ed95caeb02', status: 'Preparing' },
      { type: 'layer', id: 'a3ed95caeb02', status: 'Waiting' },
      { type: 'layer', id: '5f70bf18a086', status: 'Layer already exists' },
      { type: 'layer', id: 'a3ed95caeb02', status: 'Pushed' },
      { type: 'layer', id: 'c0ffee123456', status: 'Mounted from demo/repo/other' },
      { type: 'line', text: `latest: digest ${DIGEST}` },
    ]);
    fake.assertDone();
  });

  it('exit 0 without a digest line → ExternalError (the exit code alone is not trusted)', async () => {
    const fake = strictRunner([{ cmd: 'docker', args: ['push', 'h/p/r/app:latest'], stdout: '5f70bf18a086: Pushed\n' }]);
    const err = await createDocker({ run: fake.run, env: {} }).push('h/p/r/app:latest').catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toMatch(/without reporting a digest/);
  });

  it.each([
    { case: 'unauthorized', out: 'unauthorized: authentication required', reason: 'PUSH_UNAUTHORIZED', message: /did not accept Docker's credentials/ },
    { case: 'no basic auth', out: 'no basic auth credentials', reason: 'PUSH_NO_CREDENTIALS', message: /has no credentials for the registry us-east1-docker.pkg.dev/ },
    {
      case: 'helper missing',
      out: 'error getting credentials - err: exec: "docker-credential-gcloud": executable file not found in $PATH, out: ``',
      reason: 'HELPER_MISSING',
      message: /could not run its credential helper docker-credential-gcloud/,
    },
    { case: 'denied', out: 'denied: Permission "artifactregistry.repositories.uploadArtifacts" denied on resource', reason: 'PUSH_DENIED', message: /denied the push/ },
    { case: 'connection dropped', out: 'Put "https://x/v2/": write tcp 1.2.3.4:5->6.7.8.9:443: write: connection reset by peer', reason: 'PUSH_CONNECTION', message: /dropped during the push/ },
    { case: 'immutable tag', out: 'denied: tag latest is immutable', reason: 'TAG_IMMUTABLE', message: /immutable tags/ },
  ])('push failure: $case', async ({ out, reason, message }) => {
    const ref = 'us-east1-docker.pkg.dev/demo/repo/app:latest';
    const fake = strictRunner([{ cmd: 'docker', args: ['push', ref], stdout: 'The push refers to repository [x]\n', stderr: out, exitCode: 1 }]);
    const err = await createDocker({ run: fake.run, env: {} }).push(ref).catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.details).toMatchObject({ reason, command: `docker push ${ref}`, exitCode: 1 });
    expect(err.details.retryable ?? false).toBe(reason === 'PUSH_CONNECTION');
    expect(err.message).toMatch(message);
    expect(err.details.stderrTail).toContain(out.split('\n')[0]);
    fake.assertDone();
  });

  // What Docker prints → the reason the steps act on (first match wins).
  it.each([
    { out: 'error getting credentials - err: exec: "docker-credential-gcloud": executable file not found in $PATH', want: 'HELPER_MISSING' },
    { out: 'error getting credentials - err: docker-credential-gcloud resolves to executable in current directory (no such file)', want: 'HELPER_MISSING' },
    { out: 'no basic auth credentials', want: 'PUSH_NO_CREDENTIALS' },
    { out: 'error getting credentials - err: exit status 1, out: ``', want: 'HELPER_FAILED' },
    { out: 'denied: Artifact Registry API has not been used in project demo before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/artifactregistry.googleapis.com/overview?project=demo then retry.', want: 'SERVICE_DISABLED' },
    { out: 'denied: This API method requires billing to be enabled. Please enable billing on project #123', want: 'BILLING_DISABLED' },
    { out: 'unauthorized: authentication failed', want: 'PUSH_UNAUTHORIZED' },
    { out: 'unauthorized: authentication required', want: 'PUSH_UNAUTHORIZED' },
    { out: 'denied: tag latest is immutable', want: 'TAG_IMMUTABLE' },
    { out: 'tag a3f9c12 already exists and cannot be overwritten', want: 'TAG_IMMUTABLE' },
    { out: 'denied: Permission "artifactregistry.repositories.uploadArtifacts" denied on resource', want: 'PUSH_DENIED' },
    { out: 'forbidden', want: 'PUSH_DENIED' },
    { out: 'name unknown: Repository "nope" not found', want: 'PUSH_DENIED' },
    { out: 'write tcp 10.0.0.2:443: write: connection reset by peer', want: 'PUSH_CONNECTION' },
    { out: 'Put "https://h/v2/p/r/i/manifests/latest": EOF', want: 'PUSH_CONNECTION' },
    { out: 'unexpected EOF', want: 'PUSH_CONNECTION' },
    { out: 'net/http: TLS handshake timeout', want: 'PUSH_CONNECTION' },
    { out: 'http2: server sent GOAWAY and closed the connection', want: 'PUSH_CONNECTION' },
    { out: 'dial tcp: lookup h on 127.0.0.53:53: no such host', want: 'PUSH_CONNECTION' },
    { out: 'An image does not exist locally with the tag: h/p/r/i', want: 'NO_SUCH_IMAGE' },
    { out: 'something odd', want: undefined },
  ])('pushError reason: $want ← $out', ({ out, want }) => {
    expect(pushError('h/p/r/i:t', 1, out).details.reason).toBe(want);
  });

  it.each([
    ['abc123def456: Retrying in 5 seconds', { kind: 'layer', id: 'abc123def456', status: 'Retrying in 5 seconds' }],
    ['random text', { kind: 'line', text: 'random text' }],
  ])('parsePushLine(%s)', (line, want) => expect(parsePushLine(line)).toEqual(want));

  const REPO = 'us-east1-docker.pkg.dev/demo/repo/app';
  // What Docker 20.10+ prints for `docker push --all-tags` (measured on the lab): one section per tag.
  const allTagsOut = [
    `The push refers to repository [${REPO}]`,
    '1c70e4c2e5fa: Preparing',
    '1c70e4c2e5fa: Pushed',
    `e274992: digest: sha256:${'f'.repeat(64)} size: 523`,
    '1c70e4c2e5fa: Preparing',
    '1c70e4c2e5fa: Layer already exists',
    `latest: digest: sha256:${'f'.repeat(64)} size: 523`,
  ].join('\n');

  it('pushAllTags: one process; the digest of every tag; layer notes', async () => {
    const fake = strictRunner([{ cmd: 'docker', args: ['push', '--all-tags', REPO], stdout: allTagsOut }]);
    const notes: ProgressNote[] = [];
    const r = await createDocker({ run: fake.run, env: {} }).pushAllTags(REPO, { onProgress: (n) => notes.push(n) });
    expect(r).toEqual({ e274992: { digest: `sha256:${'f'.repeat(64)}`, size: 523 }, latest: { digest: `sha256:${'f'.repeat(64)}`, size: 523 } });
    expect(notes[0]).toEqual({ type: 'call', text: `docker push --all-tags ${REPO}` });
    expect(notes).toContainEqual({ type: 'layer', id: '1c70e4c2e5fa', status: 'Layer already exists' });
    fake.assertDone();
  });

  it.each([
    { case: 'Docker older than 20.10', stderr: 'unknown flag: --all-tags\nSee \'docker push --help\'.', exitCode: 125, reason: 'NO_ALL_TAGS', message: /too old for docker push --all-tags/ },
    { case: 'denied', stderr: 'denied: Permission "artifactregistry.repositories.uploadArtifacts" denied on resource', exitCode: 1, reason: 'PUSH_DENIED', message: /denied the push/ },
    { case: 'exit 0 without any digest', stderr: '', exitCode: 0, reason: undefined, message: /without reporting a digest/ },
  ])('pushAllTags failure: $case', async ({ stderr, exitCode, reason, message }) => {
    const fake = strictRunner([{ cmd: 'docker', args: ['push', '--all-tags', REPO], stdout: '', stderr, exitCode }]);
    const err = await createDocker({ run: fake.run, env: {} }).pushAllTags(REPO).catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.details.reason).toBe(reason);
    expect(err.details.command).toBe(`docker push --all-tags ${REPO}`);
    expect(err.message).toMatch(message);
    fake.assertDone();
  });

  it('localTags: the tags of that name, without <none> or repeats; flag-like names refused', async () => {
    const fake = strictRunner([{ cmd: 'docker', args: ['image', 'ls', REPO, '--format', '{{.Tag}}'], stdout: 'latest\ne274992\n<none>\nlatest\n' }]);
    const d = createDocker({ run: fake.run, env: {} });
    expect(await d.localTags(REPO)).toEqual(['latest', 'e274992']);
    await expect(d.localTags('--all')).rejects.toBeInstanceOf(BugError);
    fake.assertDone();
  });

  it('pushError falls back to the last line', () => {
    expect(pushError('h/p/r/i:t', 1, 'weird failure').message).toBe('`docker push h/p/r/i:t` failed (exit 1): weird failure');
  });
});

describe('images, build, tag', () => {
  it('listImages keeps tagged images only', async () => {
    const lines = [
      { Repository: 'app', Tag: 'latest', ID: '1111', Size: '12.5MB' },
      { Repository: '<none>', Tag: '<none>', ID: '2222', Size: '1kB' },
      { Repository: 'web', Tag: '<none>', ID: '3333', Size: '1kB' },
    ]
      .map((x) => JSON.stringify(x))
      .join('\n');
    const fake = strictRunner([{ cmd: 'docker', args: ['image', 'ls', '--format', '{{json .}}'], stdout: lines }]);
    expect(await createDocker({ run: fake.run, env: {} }).listImages()).toEqual([{ ref: 'app:latest', id: '1111', sizeBytes: 12_500_000 }]);
    fake.assertDone();
  });

  it('inspectImage: os/arch, null when missing', async () => {
    const fake = strictRunner([
      { cmd: 'docker', args: ['image', 'inspect', '--format', '{{json .}}', 'app:latest'], stdout: JSON.stringify({ Id: 'sha256:1', Os: 'linux', Architecture: 'arm64', Size: 42 }) },
      { cmd: 'docker', args: ['image', 'inspect', '--format', '{{json .}}', 'nope:1'], stderr: 'Error response from daemon: No such image: nope:1', exitCode: 1 },
    ]);
    const d = createDocker({ run: fake.run, env: {} });
    expect(await d.inspectImage('app:latest')).toEqual({ ref: 'app:latest', id: 'sha256:1', os: 'linux', architecture: 'arm64', sizeBytes: 42 });
    expect(await d.inspectImage('nope:1')).toBeNull();
    fake.assertDone();
  });

  it('build streams its output as notes; exact argv', async () => {
    const fake = strictRunner([
      { cmd: 'docker', args: ['build', '-t', 'app:latest', '--platform', 'linux/amd64', '/ctx'], stdout: 'Step 1/2 : FROM scratch\nSuccessfully built 1234\n' },
    ]);
    const notes: ProgressNote[] = [];
    await createDocker({ run: fake.run, env: {} }).build({ context: '/ctx', tag: 'app:latest', platform: 'linux/amd64' }, { onProgress: (n) => notes.push(n) });
    expect(notes.map((n) => n.type === 'line' && n.text).filter(Boolean)).toEqual(['Step 1/2 : FROM scratch', 'Successfully built 1234']);
    fake.assertDone();
  });

  it('build with noCache passes --no-cache (a rebuild for another platform must not reuse the cache)', async () => {
    const fake = strictRunner([{ cmd: 'docker', args: ['build', '-t', 'app:latest', '--platform', 'linux/amd64', '--no-cache', '/ctx'] }]);
    await createDocker({ run: fake.run, env: {} }).build({ context: '/ctx', tag: 'app:latest', platform: 'linux/amd64', noCache: true });
    fake.assertDone();
  });

  it('tag; values that look like flags never reach docker', async () => {
    const fake = strictRunner([{ cmd: 'docker', args: ['tag', 'app:latest', 'h/p/r/app:latest'] }]);
    const d = createDocker({ run: fake.run, env: {} });
    await d.tag('app:latest', 'h/p/r/app:latest');
    await expect(d.tag('--help', 'x')).rejects.toBeInstanceOf(BugError);
    await expect(d.push('-q')).rejects.toBeInstanceOf(BugError);
    fake.assertDone();
  });

  it.each([
    { case: 'a tag of an image with other names: untagged', stdout: 'Untagged: h/p/r/app:latest\n', stderr: '', exitCode: 0, want: true },
    { case: 'no such tag: false (already gone)', stdout: '', stderr: 'Error response from daemon: No such image: h/p/r/app:latest\n', exitCode: 1, want: false },
    {
      case: 'the last name of an image a container uses: IMAGE_IN_USE',
      stdout: '',
      stderr: 'Error response from daemon: conflict: unable to remove repository reference "h/p/r/app:latest" (must force) - container 0123abcd is using its referenced image 4567ef\n',
      exitCode: 1,
      reason: 'IMAGE_IN_USE',
    },
    { case: 'anything else: unclassified, with the command and its last line', stdout: '', stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock\n', exitCode: 1, message: /^`docker image rm --no-prune h\/p\/r\/app:latest` failed \(exit 1\): Cannot connect/ },
  ])('untag: $case', async ({ stdout, stderr, exitCode, want, reason, message }) => {
    const fake = strictRunner([{ cmd: 'docker', args: ['image', 'rm', '--no-prune', 'h/p/r/app:latest'], stdout, stderr, exitCode }]);
    const notes: ProgressNote[] = [];
    const out = await createDocker({ run: fake.run, env: {} }).untag('h/p/r/app:latest', { onProgress: (n) => notes.push(n) }).catch((e) => e);
    if (want !== undefined) expect(out).toBe(want);
    else {
      expect(out).toBeInstanceOf(ExternalError);
      expect(out.details.reason).toBe(reason);
      expect(out.details.command).toBe('docker image rm --no-prune h/p/r/app:latest');
      if (message) expect(out.message).toMatch(message);
    }
    expect(notes[0]).toEqual({ type: 'call', text: 'docker image rm --no-prune h/p/r/app:latest' });
    fake.assertDone();
  });

  it('untag: a value that looks like a flag never reaches docker', async () => {
    const fake = strictRunner([]);
    await expect(createDocker({ run: fake.run, env: {} }).untag('-f')).rejects.toBeInstanceOf(BugError);
    fake.assertDone();
  });

  it('load: docker load --quiet with the archive on stdin, output as notes; failure → ExternalError', async () => {
    const archive = new Uint8Array([1, 2, 3, 0, 255]);
    const fake = strictRunner([{ cmd: 'docker', args: ['load', '--quiet'], input: new Uint8Array([1, 2, 3, 0, 255]), stdout: 'Loaded image: app:latest\n' }]);
    const notes: ProgressNote[] = [];
    await createDocker({ run: fake.run, env: {} }).load(archive, { onProgress: (n) => notes.push(n) });
    expect(notes).toEqual([
      { type: 'call', text: 'docker load --quiet' },
      { type: 'line', text: 'Loaded image: app:latest' },
    ]);
    expect(fake.calls[0]!.opts.input).toBe(archive);
    fake.assertDone();

    const failing = strictRunner([
      { cmd: 'docker', args: ['load', '--quiet'], input: archive, stderr: 'Error response from daemon: invalid diffID for layer 0\n', exitCode: 1 },
    ]);
    const err = await createDocker({ run: failing.run, env: {} }).load(archive).catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toBe('`docker load --quiet` failed (exit 1): Error response from daemon: invalid diffID for layer 0');
    expect(err.details).toMatchObject({ command: 'docker load --quiet', exitCode: 1 });
    failing.assertDone();

    // Other bytes on stdin do not match the expected call; an empty archive never reaches docker.
    const other = strictRunner([{ cmd: 'docker', args: ['load', '--quiet'], input: archive }]);
    await expect(createDocker({ run: other.run, env: {} }).load(new Uint8Array([1, 2, 3]))).rejects.toThrow(/stdin/);
    await expect(createDocker({ run: other.run, env: {} }).load(new Uint8Array())).rejects.toBeInstanceOf(BugError);
  });

  it.each([
    ['12.5MB', 12_500_000],
    ['1.2kB', 1200],
    ['512B', 512],
    ['2GB', 2e9],
    ['x', undefined],
  ])('parseSize(%s)', (s, n) => expect(parseSize(s)).toBe(n));
});

describe('credential helpers (real processes on a temp PATH)', () => {
  const SECRET = 'ya29.helper-secret-never-shown';
  function helperDir() {
    const bin = tmp();
    const script = (body: string) => `#!${process.execPath}\nlet s='';process.stdin.on('data',d=>s+=d).on('end',()=>{${body}});\n`;
    writeFileSync(join(bin, 'docker-credential-fake'), script(`const host=s.trim(); if(host==='us-east1-docker.pkg.dev'){process.stdout.write(JSON.stringify({ServerURL:host,Username:'_dcgcloud_token',Secret:'${SECRET}'}))}else{process.stdout.write('credentials not found in native keychain\\n');process.exit(1)}`));
    writeFileSync(join(bin, 'docker-credential-empty'), script(`process.stdout.write(JSON.stringify({Username:'u',Secret:''}))`));
    writeFileSync(join(bin, 'docker-credential-noexec'), 'x');
    chmodSync(join(bin, 'docker-credential-fake'), 0o755);
    chmodSync(join(bin, 'docker-credential-empty'), 0o755);
    chmodSync(join(bin, 'docker-credential-noexec'), 0o644);
    mkdirSync(join(bin, 'docker-credential-dir'));
    return bin;
  }

  it('host on stdin; ok + username only; the secret never comes back', async () => {
    const bin = helperDir();
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    const d = createDocker({ run: createRunner(env), env });
    const good = await d.helperCredential('fake', 'us-east1-docker.pkg.dev');
    expect(good).toEqual({ ok: true, username: '_dcgcloud_token' });
    const bad = await d.helperCredential('fake', 'example.com');
    expect(bad.ok).toBe(false);
    expect(bad.message).toContain('credentials not found in native keychain');
    const empty = await d.helperCredential('empty', 'us-east1-docker.pkg.dev');
    expect(empty).toMatchObject({ ok: false, username: 'u' });
    const missing = await d.helperCredential('nothere', 'us-east1-docker.pkg.dev');
    expect(missing).toEqual({ ok: false, message: 'docker-credential-nothere is not on the PATH' });
    expect(JSON.stringify([good, bad, empty, missing])).not.toContain(SECRET);
    await expect(d.helperCredential('../../bin/sh', 'x')).rejects.toBeInstanceOf(BugError);
  });

  it('helper call over the strict fake: exact argv, host on stdin', async () => {
    const fake = strictRunner([{ cmd: 'docker-credential-gcloud', args: ['get'], input: 'eu-docker.pkg.dev', stdout: JSON.stringify({ Username: '_dcgcloud_token', Secret: SECRET }) }]);
    expect(await createDocker({ run: fake.run, env: {} }).helperCredential('gcloud', 'eu-docker.pkg.dev')).toEqual({ ok: true, username: '_dcgcloud_token' });
    fake.assertDone();
  });

  it('findHelper walks the PATH: executable files only', async () => {
    const bin = helperDir();
    const d = createDocker({ run: strictRunner([]).run, env: { PATH: `/nonexistent:relative/dir:${bin}` } });
    expect(await d.findHelper('fake')).toBe(join(bin, 'docker-credential-fake'));
    expect(await d.findHelper('noexec')).toBeNull();
    expect(await d.findHelper('dir')).toBeNull();
    expect(await d.findHelper('nothere')).toBeNull();
    expect(await d.findHelper('../x')).toBeNull();
    expect(await findOnPath('x', undefined)).toBeNull();
  });
});

describe('the real docker-credential-gcloud (fresh CLOUDSDK_CONFIG, token file, offline)', () => {
  it('answers for a Google registry host (secret dropped), refuses another host with a reason', async () => {
    expect(await findOnPath('docker-credential-gcloud', process.env.PATH)).not.toBeNull();
    const cfg = tmp();
    const tok = join(cfg, 'token');
    writeFileSync(tok, 'lab-token-helper-7c1\n');
    const env = { PATH: process.env.PATH, HOME: cfg, CLOUDSDK_CONFIG: cfg, CLOUDSDK_CORE_DISABLE_PROMPTS: '1', CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tok };
    const d = createDocker({ run: createRunner(env), env });
    const [good, bad] = await Promise.all([d.helperCredential('gcloud', 'us-east1-docker.pkg.dev'), d.helperCredential('gcloud', 'example.com')]);
    expect(good).toEqual({ ok: true, username: '_dcgcloud_token' });
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/example.com.*not supported/);
    expect(JSON.stringify([good, bad])).not.toContain('lab-token-helper-7c1');
  }, 30_000);
});

describe('the real docker CLI (no daemon needed)', () => {
  const hasDocker = async () => (await findOnPath('docker', process.env.PATH)) !== null;
  it('DOCKER_HOST that nothing listens on → docker-host, with the client version and path', async () => {
    expect(await hasDocker()).toBe(true);
    const env = { PATH: process.env.PATH, HOME: tmp(), DOCKER_HOST: 'tcp://127.0.0.1:1' };
    const info = await createDocker({ run: createRunner(env), env }).info();
    expect(info.clientVersion).toMatch(/^\d+\.\d+/);
    expect(info.serverVersion).toBeUndefined();
    expect(info.daemonProblem).toBe('docker-host');
    expect(info.path).toMatch(/\/docker$/);
  });
});
