// The Artifact Registry adapter (real @google-cloud/artifact-registry client, REST) against the
// lab's emulator on a random port. A fake GcloudPort hands out the token; a fake Clock records
// the backoff delays and never really sleeps.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createArtifactRegistry, parseEndpoint, prepare, toLib, warmUp } from '../../src/adapters/artifactRegistry.js';
import * as library from '../../src/adapters/artifactRegistryLibrary.js';
import { CancelError, ExternalError, UserError } from '../../src/errors.js';
import { ROLES } from '../../src/facts.js';
import { failureToUser } from '../../src/steps/failures.js';
import { ourKeep, ourPolicies } from '../../src/cleanupPolicy.js';
import type { Clock, GcloudPort, ProgressNote } from '../../src/ports.js';
import { MemoryImageCatalog, startEmulator, type Emulator } from './emulator/server.js';
import type { WorldSpec } from './emulator/world.js';

const TOKEN = 'lab-token-ar-adapter-9f3c';

let emu: Emulator;
const images = new MemoryImageCatalog();

beforeAll(async () => {
  emu = await startEmulator({ port: 0, images });
});
afterAll(async () => {
  await emu?.close();
});

function world(extra: Partial<WorldSpec> = {}): WorldSpec {
  return {
    token: TOKEN,
    projects: [
      { projectId: 'demo' },
      { projectId: 'off', apiEnabled: false },
      { projectId: 'nobill', billing: false },
      { projectId: 'denied', deniedPermissions: ['artifactregistry.repositories.create'] },
      { projectId: 'readonly', deniedPermissions: ['artifactregistry.repositories.update'] },
    ],
    repositories: [
      { project: 'demo', location: 'us-east1', repositoryId: 'mvn', format: 'MAVEN' },
      { project: 'demo', location: 'us-east1', repositoryId: 'docker', format: 'DOCKER', immutableTags: true, cleanupPolicies: { old: { action: 'DELETE', condition: { olderThan: '86400s' } } } },
      { project: 'readonly', location: 'us-east1', repositoryId: 'docker', format: 'DOCKER' },
    ],
    ...extra,
  };
}

/** A fake GcloudPort: only what the adapter may use. Tokens handed out in order. */
function fakeGcloud(tokens: string[]) {
  const calls: string[] = [];
  const g: GcloudPort = {
    version: async () => {
      throw new Error('unexpected gcloud.version()');
    },
    config: async () => {
      calls.push('config');
      return { account: 'newcomer@example.com' };
    },
    accessToken: async (o) => {
      calls.push(o?.refresh ? 'token(refresh)' : 'token');
      const t = tokens.shift();
      if (!t) throw new Error('no more tokens');
      return t;
    },
    listProjects: async () => {
      throw new Error('unexpected gcloud.listProjects()');
    },
    enableService: async () => {
      throw new Error('unexpected gcloud.enableService()');
    },
    login: async () => {
      throw new Error('unexpected gcloud.login()');
    },
  };
  return { g, calls };
}

function fakeClock() {
  const delays: number[] = [];
  const clock: Clock = { now: () => 1_000_000 + delays.reduce((a, b) => a + b, 0), sleep: async (ms) => void delays.push(ms), random: () => 0.5 };
  return { clock, delays };
}

function setup(tokens = [TOKEN]) {
  const { g, calls } = fakeGcloud(tokens);
  const { clock, delays } = fakeClock();
  const api = createArtifactRegistry({ gcloud: g, clock, endpoint: emu.url });
  const notes: ProgressNote[] = [];
  return { api, calls, delays, notes, onProgress: (n: ProgressNote) => notes.push(n) };
}

const nodeRequests = () => emu.world.requests.filter((r) => r.client === 'node');

beforeEach(() => {
  emu.setWorld(world());
  images.clear();
});

describe('ArtifactRegistry adapter on the emulator', () => {
  it('lists locations (Node client path /v1/projects/P/locations)', async () => {
    const { api, onProgress, notes } = setup();
    const locs = await api.listLocations('demo', { onProgress });
    expect(locs).toContain('southamerica-east1');
    expect(locs).toContain('us-east1');
    expect(notes[0]).toEqual({ type: 'call', text: 'artifactregistry.locations.list projects/demo' });
    expect(nodeRequests().some((r) => r.path === '/v1/projects/demo/locations')).toBe(true);
  });

  it('listLocations: one request per project and run (the project and region steps both ask); a failure is not kept', async () => {
    const { api } = setup();
    const [first, concurrent] = await Promise.all([api.listLocations('demo'), api.listLocations('demo')]);
    expect(concurrent).toEqual(first);
    first.push('mutated-by-the-caller');
    expect(await api.listLocations('demo')).not.toContain('mutated-by-the-caller');
    expect(nodeRequests().filter((r) => r.path === '/v1/projects/demo/locations')).toHaveLength(1);
    await expect(api.listLocations('off')).rejects.toBeDefined(); // API disabled
    await expect(api.listLocations('off')).rejects.toBeDefined(); // asked again: the user may have enabled it
    expect(nodeRequests().filter((r) => r.path === '/v1/projects/off/locations').length).toBeGreaterThanOrEqual(2);
  });

  it('preload loads the client and warms its HTTP stack without a request to anyone (no gcloud call either)', async () => {
    const { g, calls } = fakeGcloud([TOKEN]);
    const api = createArtifactRegistry({ gcloud: g, clock: fakeClock().clock, endpoint: emu.url });
    const before = emu.world.requests.length;
    await api.preload();
    expect(emu.world.requests.length).toBe(before);
    expect(calls).toEqual([]);
    expect(await api.listLocations('demo')).toContain('us-east1'); // and it works afterwards
  });

  it('the warm-up: the reads a re-run makes, answered in process, decode as the API\'s own answers do', async () => {
    const p = prepare(toLib(library), parseEndpoint(emu.url));
    const before = emu.world.requests.length;
    const [repo, images, locations] = await warmUp(p);
    expect(emu.world.requests.length).toBe(before);
    // every nested message a real answer carries was decoded (each type's decoder is built on first use)
    expect(repo).toMatchObject({
      format: 'DOCKER',
      createTime: { seconds: expect.anything() },
      cleanupPolicies: { keep: { action: 'KEEP', mostRecentVersions: { keepCount: 1 } }, del: { condition: { tagState: 'UNTAGGED', olderThan: { seconds: expect.anything() } } } },
    });
    expect(images).toMatchObject([{ tags: ['latest'], uploadTime: { seconds: expect.anything() } }]);
    expect(locations).toMatchObject([{ locationId: 'warm-up' }]);
    // and the client goes to the network again
    expect(p.oauth.answer).toBeUndefined();
    p.oauth.setCredentials({ access_token: TOKEN });
    const [real] = await p.client.getRepository({ name: 'projects/demo/locations/us-east1/repositories/docker' });
    expect(real).toMatchObject({ name: 'projects/demo/locations/us-east1/repositories/docker' });
    expect(emu.world.requests.length).toBe(before + 1);
  });

  it.each([
    { case: 'the likely endpoint is the one gcloud names', likely: () => emu.url },
    { case: 'gcloud names another endpoint than the likely one', likely: () => 'http://127.0.0.1:9/' },
    { case: 'the likely endpoint is not a URL', likely: () => 'not a url' },
    { case: 'no likely endpoint (Google\'s is prepared)', likely: () => undefined },
  ])('a client prepared before the token: calls go where gcloud says ($case)', async ({ likely }) => {
    const { g, calls } = fakeGcloud([TOKEN]);
    g.config = async () => {
      calls.push('config');
      return { account: 'newcomer@example.com', artifactRegistryEndpoint: emu.url };
    };
    const api = createArtifactRegistry({ gcloud: g, clock: fakeClock().clock, likelyEndpoint: likely() });
    await api.preload();
    expect(calls).toEqual([]); // preparing asks gcloud nothing
    const before = nodeRequests().length;
    expect(await api.listLocations('demo')).toContain('us-east1');
    expect(nodeRequests().slice(before).map((r) => r.path)).toEqual(['/v1/projects/demo/locations']);
    expect(calls).toEqual(['config', 'token']);
  });

  it('getRepository: null when missing, formats as names', async () => {
    const { api } = setup();
    expect(await api.getRepository('projects/demo/locations/us-east1/repositories/nope')).toBeNull();
    expect(await api.getRepository('projects/demo/locations/us-east1/repositories/mvn')).toMatchObject({
      name: 'projects/demo/locations/us-east1/repositories/mvn',
      format: 'MAVEN',
      mode: 'STANDARD_REPOSITORY',
    });
  });

  it('createRepository waits for the operation and reports each poll', async () => {
    emu.setWorld(world({ operationPendingPolls: 2 }));
    const { api, onProgress, notes } = setup();
    const repo = await api.createRepository({ project: 'demo', location: 'southamerica-east1', repositoryId: 'demo-repo', description: 'made by a test' }, { onProgress });
    expect(repo).toMatchObject({ name: 'projects/demo/locations/southamerica-east1/repositories/demo-repo', format: 'DOCKER', mode: 'STANDARD_REPOSITORY' });
    expect(notes.filter((n) => n.type === 'line').map((n) => (n as { text: string }).text)).toEqual([
      'operation still running (poll 1, 0.1 s)',
      'operation still running (poll 2, 0.3 s)',
      'operation finished (after 3 polls, 0.7 s)',
    ]);
    expect(emu.world.repository('demo', 'southamerica-east1', 'demo-repo')).toMatchObject({ format: 'DOCKER' });
    // a second create is ALREADY_EXISTS (code 6)
    const again = await api.createRepository({ project: 'demo', location: 'southamerica-east1', repositoryId: 'demo-repo' }).catch((e) => e);
    expect(again).toBeInstanceOf(ExternalError);
    expect(again.details.code).toBe(6);
  });

  it('deleteRepository waits for the operation and reports each poll; its images go with it; a second delete finds it gone', async () => {
    const name = 'projects/demo/locations/us-east1/repositories/old';
    emu.setWorld(world({ operationPendingPolls: 1, repositories: [...world().repositories!, { project: 'demo', location: 'us-east1', repositoryId: 'old', format: 'DOCKER' }] }));
    images.add('demo', 'us-east1', 'old', { image: 'app', digest: `sha256:${'a'.repeat(64)}`, tags: ['latest'], sizeBytes: 100 });
    const { api, onProgress, notes } = setup();
    expect(await api.deleteRepository(name, { onProgress })).toBe(true);
    expect(notes.filter((n) => n.type === 'line').map((n) => (n as { text: string }).text)).toEqual(['operation still running (poll 1, 0.1 s)', 'operation finished (after 2 polls, 0.3 s)']);
    expect(notes[0]).toEqual({ type: 'call', text: `artifactregistry.repositories.delete ${name}` });
    expect(emu.world.repository('demo', 'us-east1', 'old')).toBeNull();
    expect(await api.getRepository(name)).toBeNull();
    expect(await images.list('demo', 'us-east1', 'old')).toEqual([]);
    expect(await api.deleteRepository(name)).toBe(false);
    // The other repository of the world is still there.
    expect(await api.getRepository('projects/demo/locations/us-east1/repositories/mvn')).not.toBeNull();
  });

  it('deleteRepository without artifactregistry.repositories.delete: PERMISSION_DENIED naming it; the table words the grant', async () => {
    emu.setWorld({
      token: TOKEN,
      projects: [{ projectId: 'keep', deniedPermissions: ['artifactregistry.repositories.delete'] }],
      repositories: [{ project: 'keep', location: 'us-east1', repositoryId: 'r', format: 'DOCKER' }],
    });
    const { api } = setup();
    const err = await api.deleteRepository('projects/keep/locations/us-east1/repositories/r').catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toBe('permission denied (artifactregistry.repositories.delete) on project keep');
    expect(err.details).toMatchObject({ code: 7, reason: 'PERMISSION_DENIED' });
    const user = failureToUser(err, { project: 'keep', account: 'newcomer@example.com', role: ROLES.delete, doing: 'delete repositories' }) as UserError;
    expect(user.message).toMatch(/newcomer@example.com may not delete repositories in project keep \(missing permission artifactregistry.repositories.delete\)/);
    expect(user.fix.join('\n')).toMatch(/--role=roles\/artifactregistry.admin/);
    expect(emu.world.repository('keep', 'us-east1', 'r')).not.toBeNull();
  });

  it('listDockerImages: every page (230 images, the emulator pages by 100)', async () => {
    emu.setWorld(world({ repositories: [{ project: 'demo', location: 'us-east1', repositoryId: 'r', format: 'DOCKER' }] }));
    const hex = (i: number) => i.toString(16).padStart(64, '0');
    for (let i = 0; i < 230; i++) {
      images.add('demo', 'us-east1', 'r', { image: `app${i}`, digest: `sha256:${hex(i)}`, tags: ['latest', `t${i}`], sizeBytes: 100 + i });
    }
    const { api } = setup();
    emu.world.clearRequests();
    const list = await api.listDockerImages('projects/demo/locations/us-east1/repositories/r');
    expect(list).toHaveLength(230);
    expect(new Set(list.map((x) => x.uri)).size).toBe(230);
    expect(list.find((x) => x.uri === `us-east1-docker.pkg.dev/demo/r/app1@sha256:${hex(1)}`)).toMatchObject({ tags: ['latest', 't1'], imageSizeBytes: 101 });
    const pages = nodeRequests().filter((r) => r.path.endsWith('/dockerImages'));
    expect(pages).toHaveLength(3);
    expect(pages.filter((r) => 'pageToken' in r.query)).toHaveLength(2);
  });

  it('listDockerImages: calls at the same moment share one request; a later call asks again; each gets its own list', async () => {
    emu.setWorld(world({ repositories: [{ project: 'demo', location: 'us-east1', repositoryId: 'r', format: 'DOCKER' }] }));
    images.add('demo', 'us-east1', 'r', { image: 'app', digest: `sha256:${'a'.repeat(64)}`, tags: ['latest'], sizeBytes: 1 });
    const { api } = setup();
    const name = 'projects/demo/locations/us-east1/repositories/r';
    const listed = () => nodeRequests().filter((r) => r.path.endsWith('/dockerImages')).length;
    const before = listed();
    const [a, b] = await Promise.all([api.listDockerImages(name), api.listDockerImages(name)]);
    expect(listed() - before).toBe(1);
    expect(a).toEqual(b);
    a.pop();
    expect(b).toHaveLength(1); // not the same array
    await api.listDockerImages(name);
    expect(listed() - before).toBe(2);
  });

  it('UNAUTHENTICATED: refreshes the token once and retries', async () => {
    const { api, calls, delays } = setup(['expired-token', TOKEN]);
    const locs = await api.listLocations('demo');
    expect(locs.length).toBeGreaterThan(0);
    expect(calls).toEqual(['token', 'token(refresh)']);
    expect(delays).toEqual([]);
  });

  it('UNAUTHENTICATED twice: a clear error pointing to gcloud auth login, token never in it', async () => {
    const { api, calls } = setup(['bad-1', 'bad-2', 'bad-3']);
    const err = await api.listLocations('demo').catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.details).toMatchObject({ code: 16, reason: 'UNAUTHENTICATED' });
    expect((failureToUser(err, { project: 'demo', role: ROLES.create, doing: 'use Artifact Registry' }) as UserError).fix.join('\n')).toContain('gcloud auth login');
    expect(calls).toEqual(['token', 'token(refresh)']);
    expect(JSON.stringify({ m: err.message, d: err.details, f: err.fix, c: String(err.cause), s: err.cause?.stack })).not.toMatch(/bad-[12]/);
  });

  it.each([
    { case: '503 twice, then ok', fault: { kind: 'status' as const, status: 503 as const, times: 2 }, ok: true, delays: [1000, 2000] },
    { case: '429 twice, then ok', fault: { kind: 'status' as const, status: 429 as const, times: 2 }, ok: true, delays: [1000, 2000] },
    { case: 'reset once, then ok', fault: { kind: 'reset' as const, times: 1 }, ok: true, delays: [1000] },
    { case: '503 forever: gives up after 5 attempts', fault: { kind: 'status' as const, status: 503 as const, times: 50 }, ok: false, delays: [1000, 2000, 4000, 8000] },
  ])('transient: $case', async ({ fault, ok, delays: want }) => {
    emu.setWorld(world({ faults: [{ ...fault, path: '/locations$' }] }));
    const { api, delays, notes, onProgress } = setup();
    const r = await api.listLocations('demo', { onProgress }).then(
      (v) => ({ v }),
      (e) => ({ e }),
    );
    expect('v' in r).toBe(ok);
    expect(delays).toEqual(want);
    const retries = notes.filter((n) => n.type === 'retry');
    expect(retries.map((n) => n.text)).toEqual(want.map((ms, i) => `retrying in ${ms / 1000} s, attempt ${i + 2} of 5`));
    if (!ok) {
      const e = (r as { e: ExternalError }).e;
      expect(e).toBeInstanceOf(ExternalError);
      expect(e.details).toMatchObject({ code: 14, retryable: true });
      expect(e.message).toMatch(/gave up after 5 attempts/);
    }
  });

  // The adapter gives the reason; the steps' table (src/steps/failures.ts) words the fix.
  it.each([
    { case: 'API disabled', call: 'list', project: 'off', message: 'the Artifact Registry API is not enabled for project off', reason: 'SERVICE_DISABLED', fix: /gcloud services enable artifactregistry.googleapis.com --project=off/ },
    { case: 'billing off', call: 'create', project: 'nobill', message: 'billing is not enabled for project nobill', reason: 'BILLING_DISABLED', fix: /billing\/linkedaccount\?project=nobill/ },
    {
      case: 'missing permission',
      call: 'create',
      project: 'denied',
      message: 'permission denied (artifactregistry.repositories.create) on project denied',
      reason: 'PERMISSION_DENIED',
      fix: /gcloud projects add-iam-policy-binding denied --member=user:newcomer@example.com --role=roles\/artifactregistry.admin/,
    },
  ])('needs the user: $case', async ({ call, project, message, reason, fix }) => {
    const { api } = setup();
    const p = call === 'list' ? api.listLocations(project) : api.createRepository({ project, location: 'us-east1', repositoryId: 'r1' });
    const err = await p.catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toBe(message);
    expect(err.details).toMatchObject({ code: 7, reason, retryable: false });
    const user = failureToUser(err, { project, account: 'newcomer@example.com', role: ROLES.create, doing: 'create repositories' });
    expect(user).toBeInstanceOf(UserError);
    expect((user as UserError).fix.join('\n')).toMatch(fix);
  });

  it('setCleanupPolicies: one PATCH with the cleanup mask, the map replaced whole, dry run off, nothing else touched; getRepository reads them back', async () => {
    const name = 'projects/demo/locations/us-east1/repositories/docker';
    const { api, onProgress, notes } = setup();
    expect((await api.getRepository(name))?.cleanupPolicies).toEqual([{ id: 'old', action: 'DELETE', condition: { olderThan: '86400s' } }]);
    emu.world.clearRequests();
    const updated = await api.setCleanupPolicies(name, ourPolicies(5), false, { onProgress });
    expect(updated.cleanupPolicies).toEqual(ourPolicies(5));
    expect(ourKeep((await api.getRepository(name))?.cleanupPolicies)).toBe(5);
    const patches = nodeRequests().filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0]!.query.updateMask).toBe('cleanup_policies,cleanup_policy_dry_run');
    expect(patches[0]!.body).toMatchObject({ cleanupPolicyDryRun: false });
    expect(emu.world.repository('demo', 'us-east1', 'docker')).toMatchObject({
      immutableTags: true,
      cleanupPolicyDryRun: false,
      cleanupPolicies: {
        'keep-most-recent': { id: 'keep-most-recent', action: 'KEEP', mostRecentVersions: { keepCount: 5 } },
        'delete-untagged-30d': { id: 'delete-untagged-30d', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: '2592000s' } },
      },
    });
    expect(Object.keys(emu.world.repository('demo', 'us-east1', 'docker')!.cleanupPolicies).sort()).toEqual(['delete-untagged-30d', 'keep-most-recent']);
    expect(notes[0]).toEqual({ type: 'call', text: `artifactregistry.repositories.patch ${name} (updateMask cleanup_policies,cleanup_policy_dry_run)` });
  });

  it('setCleanupPolicies with an empty list removes every policy (the mask clears the map); the dry run is what was asked', async () => {
    const name = 'projects/demo/locations/us-east1/repositories/docker';
    const { api } = setup();
    await api.setCleanupPolicies(name, ourPolicies(5), false);
    const emptied = await api.setCleanupPolicies(name, [], true);
    expect(emptied.cleanupPolicies ?? []).toEqual([]);
    expect(emptied.cleanupPolicyDryRun).toBe(true);
    const read = await api.getRepository(name);
    expect(read?.cleanupPolicies ?? []).toEqual([]);
    expect(emu.world.repository('demo', 'us-east1', 'docker')).toMatchObject({ immutableTags: true, cleanupPolicyDryRun: true, cleanupPolicies: {} });
  });

  it('setCleanupPolicies without artifactregistry.repositories.update: PERMISSION_DENIED naming it, worded by the table; nothing changed', async () => {
    const { api } = setup();
    const err = await api.setCleanupPolicies('projects/readonly/locations/us-east1/repositories/docker', ourPolicies(5), false).catch((e) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.details).toMatchObject({ code: 7, reason: 'PERMISSION_DENIED', metadata: { permission: 'artifactregistry.repositories.update' }, retryable: false });
    const user = failureToUser(err, { project: 'readonly', account: 'newcomer@example.com', role: ROLES.create, doing: 'change the cleanup policies of repositories' }) as UserError;
    expect(user.message).toBe('newcomer@example.com may not change the cleanup policies of repositories in project readonly (missing permission artifactregistry.repositories.update). That needs the role roles/artifactregistry.admin.');
    expect(emu.world.repository('readonly', 'us-east1', 'docker')!.cleanupPolicies).toEqual({});
  });

  it('a create retried after a lost answer finds the repository instead of failing ALREADY_EXISTS', async () => {
    // The first POST is answered 503 by the fault *before* the emulator creates anything, so
    // simulate "created but the answer was lost" by creating it in the world between attempts.
    emu.setWorld(world({ faults: [{ kind: 'status', status: 503, times: 1, method: 'POST', path: '/repositories$' }] }));
    const { g } = fakeGcloud([TOKEN]);
    const clock: Clock = {
      now: () => 0,
      sleep: async () => {
        emu.world.reset({ ...world(), repositories: [{ project: 'demo', location: 'us-east1', repositoryId: 'lost', format: 'DOCKER' }] });
      },
      random: () => 0.5,
    };
    const api = createArtifactRegistry({ gcloud: g, clock, endpoint: emu.url });
    const repo = await api.createRepository({ project: 'demo', location: 'us-east1', repositoryId: 'lost' });
    expect(repo).toMatchObject({ name: 'projects/demo/locations/us-east1/repositories/lost', format: 'DOCKER' });
  });

  it('the token is sent only as a header: never in a logged query', async () => {
    const { api } = setup();
    await api.listLocations('demo');
    expect(JSON.stringify(emu.world.requests)).not.toContain(TOKEN);
    expect(nodeRequests().every((r) => r.auth === 'ok')).toBe(true);
  });
});

describe('token refresh with concurrent calls', () => {
  beforeEach(() => emu.setWorld(world()));
  it('three calls that fail UNAUTHENTICATED together share one refresh', async () => {
    const { api, calls } = setup(['expired-token', TOKEN, 'unused']);
    const results = await Promise.all([api.listLocations('demo'), api.getRepository('projects/demo/locations/us-east1/repositories/mvn'), api.listLocations('demo')]);
    expect(results[0].length).toBeGreaterThan(0);
    expect(results[1]?.format).toBe('MAVEN');
    expect(calls).toEqual(['token', 'token(refresh)']);
  });
});

describe('cancellation', () => {
  beforeEach(() => emu.setWorld(world({ faults: [{ kind: 'status', status: 503, times: 50, path: '/locations$' }] })));
  it('an abort during the backoff ends the call with CancelError, and no more requests are made', async () => {
    const { g } = fakeGcloud([TOKEN]);
    const ac = new AbortController();
    let sleeps = 0;
    const clock: Clock = {
      now: () => 0,
      sleep: async (_ms, o) => {
        sleeps++;
        ac.abort();
        if (o?.signal?.aborted) throw new CancelError();
      },
      random: () => 0.5,
    };
    const api = createArtifactRegistry({ gcloud: g, clock, endpoint: emu.url });
    emu.world.clearRequests();
    await expect(api.listLocations('demo', { signal: ac.signal })).rejects.toBeInstanceOf(CancelError);
    expect(sleeps).toBe(1);
    expect(nodeRequests().filter((r) => r.path === '/v1/projects/demo/locations')).toHaveLength(1);
  });
});
