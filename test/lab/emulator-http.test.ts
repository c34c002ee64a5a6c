// The emulator's raw HTTP surface: admin endpoints, paging, Service Usage, Resource Manager,
// error shapes, and the promise that it never answers 5xx or a non-JSON body on its own.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import { MemoryImageCatalog, startEmulator, type Emulator } from './emulator/server.js';
import { DEFAULT_LOCATIONS, projectNumberFor, type WorldSpec } from './emulator/world.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const WORLD: WorldSpec = {
  projects: [
    { projectId: 'demo', projectNumber: '123456789012', name: 'Demo' },
    { projectId: 'off', apiEnabled: false },
    { projectId: 'locked', deniedPermissions: ['artifactregistry.repositories.list', 'resourcemanager.projects.get', 'serviceusage.services.enable'] },
  ],
  repositories: [
    { project: 'demo', location: 'us-east1', repositoryId: 'b-repo', format: 'DOCKER' },
    { project: 'demo', location: 'us-east1', repositoryId: 'a-repo', format: 'PYTHON', description: 'wheels', labels: { team: 'x' } },
  ],
};

async function start(world: WorldSpec = WORLD): Promise<Emulator> {
  emu = await startEmulator({ world });
  return emu;
}

interface Res {
  status: number;
  json: Record<string, any>;
  headers: Headers;
}
async function call(e: Emulator, method: string, path: string, body?: unknown, token: string | null = 'lab-token'): Promise<Res> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(e.url + path.replace(/^\//, ''), { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: JSON.parse(text), headers: r.headers };
}

describe('emulator HTTP surface', () => {
  it('serves on loopback with a trailing-slash URL', async () => {
    const e = await start();
    expect(e.url).toBe(`http://127.0.0.1:${e.port}/`);
    expect(e.port).toBeGreaterThan(0);
  });

  it.each([
    { name: 'no token', token: null, status: 401, reason: 'CREDENTIALS_MISSING', message: /^Request is missing required authentication credential/ },
    { name: 'wrong token', token: 'x', status: 401, reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED', message: /^Request had invalid authentication credentials\. Expected OAuth 2 access token, login cookie or other valid authentication credential\./ },
  ])('$name → 401 UNAUTHENTICATED on every API', async ({ token, status, reason, message }) => {
    const e = await start();
    for (const path of ['/v1/projects/demo/locations', '/v1beta2/projects/demo/locations', '/crm/v1/projects', '/su/v1/projects/demo/services']) {
      const r = await call(e, 'GET', path, undefined, token);
      expect(r.status, path).toBe(status);
      expect(r.json.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason }] });
      expect(r.json.error.message).toMatch(message);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(e.world.requests.every((x) => x.auth === (token === null ? 'missing' : 'invalid'))).toBe(true);
  });

  it('locations: list (paged), get, unknown → 404; v1beta2 the same', async () => {
    const e = await start();
    const first = await call(e, 'GET', '/v1/projects/demo/locations?pageSize=10');
    expect(first.json.locations).toHaveLength(10);
    expect(first.json.locations[0]).toEqual({ name: `projects/demo/locations/${DEFAULT_LOCATIONS[0]}`, locationId: DEFAULT_LOCATIONS[0] });
    const ids: string[] = first.json.locations.map((l: { locationId: string }) => l.locationId);
    let token: string | undefined = first.json.nextPageToken;
    while (token) {
      const next = await call(e, 'GET', `/v1beta2/projects/demo/locations?pageSize=10&pageToken=${encodeURIComponent(token)}`);
      ids.push(...next.json.locations.map((l: { locationId: string }) => l.locationId));
      token = next.json.nextPageToken;
    }
    expect(ids).toEqual([...DEFAULT_LOCATIONS]);
    expect((await call(e, 'GET', '/v1/projects/demo/locations/us-east1')).json).toEqual({ name: 'projects/demo/locations/us-east1', locationId: 'us-east1' });
    const bad = await call(e, 'GET', '/v1/projects/demo/locations/eu-west3');
    expect(bad.status).toBe(404);
    expect(bad.json.error.status).toBe('NOT_FOUND');
    expect((await call(e, 'GET', '/v1/projects/demo/locations?pageToken=garbage')).status).toBe(400);
  });

  it('repositories: list sorted and paged, get by project number, empty list is {}', async () => {
    const e = await start();
    const p1 = await call(e, 'GET', '/v1/projects/demo/locations/us-east1/repositories?pageSize=1');
    expect(p1.json.repositories.map((r: { name: string }) => r.name)).toEqual(['projects/demo/locations/us-east1/repositories/a-repo']);
    expect(p1.json.repositories[0]).toMatchObject({ format: 'PYTHON', mode: 'STANDARD_REPOSITORY', description: 'wheels', labels: { team: 'x' }, sizeBytes: '0', registryUri: 'us-east1-python.pkg.dev/demo/a-repo' });
    const p2 = await call(e, 'GET', `/v1/projects/demo/locations/us-east1/repositories?pageSize=1&pageToken=${p1.json.nextPageToken}`);
    expect(p2.json.repositories.map((r: { name: string }) => r.name)).toEqual(['projects/demo/locations/us-east1/repositories/b-repo']);
    expect(p2.json.nextPageToken).toBeUndefined();
    const byNumber = await call(e, 'GET', '/v1/projects/123456789012/locations/us-east1/repositories/b-repo');
    expect(byNumber.json.name).toBe('projects/demo/locations/us-east1/repositories/b-repo');
    expect((await call(e, 'GET', '/v1/projects/demo/locations/us-west1/repositories')).json).toEqual({});
  });

  it.each([
    { name: 'gcloud shape (names, MODE_UNSPECIFIED, name in body)', body: { format: 'DOCKER', mode: 'MODE_UNSPECIFIED', name: 'projects/demo/locations/us-east1/repositories/r1' }, id: 'r1', format: 'DOCKER', immutable: false },
    { name: 'Node shape (ints, no name)', body: { labels: {}, cleanupPolicies: {}, format: 1, mode: 0, dockerConfig: { immutableTags: true } }, id: 'r2', format: 'DOCKER', immutable: true },
    { name: 'other format by int (NPM = 3)', body: { format: 3 }, id: 'r3', format: 'NPM', immutable: false },
  ])('create accepts the $name', async ({ body, id, format, immutable }) => {
    const e = await start();
    const r = await call(e, 'POST', `/v1/projects/demo/locations/us-east1/repositories?repositoryId=${id}`, body);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      name: expect.stringMatching(/^projects\/demo\/locations\/us-east1\/operations\/[0-9a-f-]+$/),
      metadata: { '@type': 'type.googleapis.com/google.devtools.artifactregistry.v1.OperationMetadata' },
      done: true,
      response: { '@type': 'type.googleapis.com/google.devtools.artifactregistry.v1.Repository', name: `projects/demo/locations/us-east1/repositories/${id}`, format, mode: 'STANDARD_REPOSITORY' },
    });
    expect(r.json.response.createTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(e.world.repository('demo', 'us-east1', id)).toMatchObject({ format, mode: 'STANDARD_REPOSITORY', immutableTags: immutable });
  });

  it.each([
    { id: 'Upper', why: 'uppercase' },
    { id: 'under_score', why: 'underscore' },
    { id: '1starts-with-digit', why: 'leading digit' },
    { id: 'ends-with-hyphen-', why: 'trailing hyphen' },
    { id: `a${'b'.repeat(63)}`, why: '64 characters' },
  ])('create refuses repository ID with $why (400 INVALID_ARGUMENT)', async ({ id }) => {
    const e = await start();
    const r = await call(e, 'POST', `/v1/projects/demo/locations/us-east1/repositories?repositoryId=${encodeURIComponent(id)}`, { format: 'DOCKER' });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(e.world.repositories.size).toBe(2);
  });

  it('create: a 63-character ID is fine; missing format or unknown location → 400', async () => {
    const e = await start();
    expect((await call(e, 'POST', `/v1/projects/demo/locations/us-east1/repositories?repositoryId=a${'b'.repeat(62)}`, { format: 'DOCKER' })).status).toBe(200);
    expect((await call(e, 'POST', '/v1/projects/demo/locations/us-east1/repositories?repositoryId=nofmt', {})).status).toBe(400);
    expect((await call(e, 'POST', '/v1/projects/demo/locations/eu-west3/repositories?repositoryId=x', { format: 'DOCKER' })).status).toBe(400);
    expect((await call(e, 'POST', '/v1/projects/demo/locations/us-east1/repositories?repositoryId=x', 'not json')).status).toBe(400);
  });

  it('pending operations: create answer and N polls pending, then done; the repository appears when done', async () => {
    const e = await start({ ...WORLD, operationPendingPolls: 2 });
    const op = (await call(e, 'POST', '/v1/projects/demo/locations/us-east1/repositories?repositoryId=slow', { format: 'DOCKER' })).json;
    expect(op.done).toBeUndefined();
    const poll = () => call(e, 'GET', `/v1/${op.name}`);
    expect((await poll()).json.done).toBeUndefined();
    expect((await poll()).json.done).toBeUndefined();
    expect(e.world.repository('demo', 'us-east1', 'slow')).toBeNull();
    const done = (await poll()).json;
    expect(done).toMatchObject({ done: true, response: { name: 'projects/demo/locations/us-east1/repositories/slow' } });
    expect(e.world.repository('demo', 'us-east1', 'slow')).not.toBeNull();
    expect((await poll()).json).toEqual(done);
    expect((await call(e, 'GET', '/v1/projects/demo/locations/us-east1/operations/nope')).status).toBe(404);
  });

  it('a pending create finishes on its own after operationCompleteAfterMs, polled or not (as Google does for a client killed mid-create)', async () => {
    const e = await start({ ...WORLD, operationPendingPolls: 1000, operationCompleteAfterMs: 150 });
    const op = (await call(e, 'POST', '/v1/projects/demo/locations/us-east1/repositories?repositoryId=orphan', { format: 'DOCKER' })).json;
    expect(op.done).toBeUndefined();
    expect((await call(e, 'GET', '/v1/projects/demo/locations/us-east1/repositories/orphan')).status).toBe(404);
    const deadline = Date.now() + 5_000;
    let status = 404;
    while (status === 404 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await call(e, 'GET', '/v1/projects/demo/locations/us-east1/repositories/orphan')).status;
    }
    expect(status).toBe(200);
    expect((await call(e, 'GET', `/v1/${op.name}`)).json).toMatchObject({ done: true, response: { name: 'projects/demo/locations/us-east1/repositories/orphan' } });
  });

  it('a replaced world drops its pending operations: they never complete into the new one', async () => {
    const e = await start({ ...WORLD, operationPendingPolls: 1000, operationCompleteAfterMs: 100 });
    await call(e, 'POST', '/v1/projects/demo/locations/us-east1/repositories?repositoryId=ghost', { format: 'DOCKER' });
    e.setWorld(WORLD);
    await new Promise((r) => setTimeout(r, 300));
    expect(e.world.repository('demo', 'us-east1', 'ghost')).toBeNull();
  });

  it('delete is an operation with an Empty response; PATCH updates immutable tags', async () => {
    const e = await start();
    const patched = await call(e, 'PATCH', '/v1/projects/demo/locations/us-east1/repositories/b-repo?updateMask=dockerConfig.immutableTags', { dockerConfig: { immutableTags: true } });
    expect(patched.json.dockerConfig).toEqual({ immutableTags: true });
    expect(e.world.repository('demo', 'us-east1', 'b-repo')?.immutableTags).toBe(true);
    const del = await call(e, 'DELETE', '/v1/projects/demo/locations/us-east1/repositories/b-repo');
    expect(del.json).toMatchObject({ done: true, response: { '@type': 'type.googleapis.com/google.protobuf.Empty' } });
    expect((await call(e, 'GET', '/v1/projects/demo/locations/us-east1/repositories/b-repo')).status).toBe(404);
    expect((await call(e, 'DELETE', '/v1/projects/demo/locations/us-east1/repositories/b-repo')).status).toBe(404);
  });

  it('testIamPermissions (repository and project) answers the granted subset', async () => {
    const e = await start();
    const perms = ['artifactregistry.repositories.list', 'artifactregistry.repositories.uploadArtifacts'];
    expect((await call(e, 'POST', '/v1/projects/demo/locations/us-east1/repositories/b-repo:testIamPermissions', { permissions: perms })).json).toEqual({ permissions: perms });
    expect((await call(e, 'POST', '/crm/v1/projects/locked:testIamPermissions', { permissions: perms })).json).toEqual({ permissions: ['artifactregistry.repositories.uploadArtifacts'] });
    expect((await call(e, 'POST', '/crm/v1/projects/nope:testIamPermissions', { permissions: perms })).status).toBe(403);
  });

  it('errors: order is project, API, billing, IAM; unknown project is CONSUMER_INVALID', async () => {
    const e = await start({
      projects: [
        { projectId: 'all-wrong', apiEnabled: false, billing: false, deniedPermissions: ['artifactregistry.repositories.list'] },
        { projectId: 'no-billing', billing: false, deniedPermissions: ['artifactregistry.repositories.list'] },
        { projectId: 'no-perm', deniedPermissions: ['artifactregistry.repositories.list'] },
      ],
    });
    const reason = async (p: string) => (await call(e, 'GET', `/v1/projects/${p}/locations/us-east1/repositories`)).json.error.details[0].reason;
    expect(await reason('nope')).toBe('CONSUMER_INVALID');
    expect(await reason('all-wrong')).toBe('SERVICE_DISABLED');
    expect(await reason('no-billing')).toBe('BILLING_DISABLED');
    expect(await reason('no-perm')).toBe('IAM_PERMISSION_DENIED');
  });

  it('Resource Manager: list with filters and paging, get, 403 for unknown or hidden', async () => {
    const e = await start();
    const all = await call(e, 'GET', '/crm/v1/projects?filter=lifecycleState%3AACTIVE&pageSize=500');
    expect(all.json.projects.map((p: { projectId: string }) => p.projectId)).toEqual(['demo', 'off']); // 'locked' lacks resourcemanager.projects.get
    expect(all.json.projects[0]).toEqual({ projectNumber: '123456789012', projectId: 'demo', lifecycleState: 'ACTIVE', name: 'Demo', createTime: expect.any(String) });
    expect((await call(e, 'GET', '/crm/v1/projects?filter=id%3Ad*')).json.projects).toHaveLength(1);
    const paged = await call(e, 'GET', '/crm/v1/projects?pageSize=1');
    expect(paged.json.projects).toHaveLength(1);
    expect(paged.json.nextPageToken).toBeTruthy();
    expect((await call(e, 'GET', '/crm/v1/projects/123456789012')).json.projectId).toBe('demo');
    for (const p of ['nope', 'locked']) {
      const r = await call(e, 'GET', `/crm/v1/projects/${p}`);
      expect(r.status).toBe(403);
      expect(r.json.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED', message: 'The caller does not have permission' });
    }
  });

  it('Service Usage: get, list with filter, enable, batchEnable, operations, errors', async () => {
    const e = await start({ ...WORLD, enableDelayMs: 60_000 });
    const num = projectNumberFor('off');
    const get = await call(e, 'GET', '/su/v1/projects/off/services/artifactregistry.googleapis.com');
    expect(get.json).toEqual({
      name: `projects/${num}/services/artifactregistry.googleapis.com`,
      parent: `projects/${num}`,
      state: 'DISABLED',
      config: { name: 'artifactregistry.googleapis.com', title: 'Artifact Registry API' },
    });
    const en = await call(e, 'POST', '/su/v1/projects/off/services/artifactregistry.googleapis.com:enable', {});
    expect(en.json).toMatchObject({
      name: expect.stringMatching(new RegExp(`^operations/acat\\.p2-${num}-`)),
      done: true,
      response: { '@type': 'type.googleapis.com/google.api.serviceusage.v1.EnableServiceResponse', service: { state: 'ENABLED' } },
    });
    expect((await call(e, 'GET', `/su/v1/${en.json.name}`)).json).toMatchObject({ done: true });
    // Enabled in Service Usage at once; Artifact Registry still refuses until enableDelayMs has passed.
    expect((await call(e, 'GET', '/su/v1/projects/off/services/artifactregistry.googleapis.com')).json.state).toBe('ENABLED');
    expect((await call(e, 'GET', '/v1/projects/off/locations')).json.error.details[0].reason).toBe('SERVICE_DISABLED');
    const enabled = await call(e, 'GET', '/su/v1/projects/off/services?filter=state%3AENABLED');
    expect(enabled.json.services.map((s: { config: { name: string } }) => s.config.name)).toContain('artifactregistry.googleapis.com');
    expect(enabled.json.services.every((s: { state: string }) => s.state === 'ENABLED')).toBe(true);
    const batch = await call(e, 'POST', '/su/v1/projects/demo/services:batchEnable', { serviceIds: ['run.googleapis.com', 'cloudbuild.googleapis.com'] });
    expect(batch.json.response).toMatchObject({ '@type': 'type.googleapis.com/google.api.serviceusage.v1.BatchEnableServicesResponse', services: [{ state: 'ENABLED' }, { state: 'ENABLED' }] });
    const unknown = await call(e, 'POST', '/su/v1/projects/demo/services/nope.googleapis.com:enable', {});
    expect(unknown.status).toBe(403);
    expect(unknown.json.error.message).toMatch(/nope\.googleapis\.com/);
    expect((await call(e, 'POST', '/su/v1/projects/locked/services/run.googleapis.com:enable', {})).status).toBe(403);
    expect((await call(e, 'GET', '/su/v1/operations/nope')).status).toBe(404);
  });

  it('Service Usage: a pending enable turns the service on when its operation is done', async () => {
    const e = await start({ ...WORLD, enablePendingPolls: 2 });
    const op = (await call(e, 'POST', '/su/v1/projects/off/services/artifactregistry.googleapis.com:enable', {})).json;
    expect(op).toEqual({ name: expect.stringMatching(/^operations\/acat\.p2-/), metadata: { '@type': 'type.googleapis.com/google.protobuf.Empty' } });
    const state = async () => (await call(e, 'GET', '/su/v1/projects/off/services/artifactregistry.googleapis.com')).json.state;
    const poll = async () => (await call(e, 'GET', `/su/v1/${op.name}`)).json;
    expect((await poll()).done).toBeUndefined();
    expect((await poll()).done).toBeUndefined();
    expect(await state()).toBe('DISABLED');
    expect(await poll()).toMatchObject({ done: true, response: { service: { state: 'ENABLED' } } });
    expect(await state()).toBe('ENABLED');
    expect((await call(e, 'GET', '/v1/projects/off/locations')).status).toBe(200);
  });

  it('packages, tags and versions show the image catalog (image names with "/" as %2F)', async () => {
    const A = `sha256:${'a'.repeat(64)}`;
    const B = `sha256:${'b'.repeat(64)}`;
    const images = new MemoryImageCatalog()
      .add('demo', 'us-east1', 'b-repo', { image: 'app', digest: A, tags: ['latest', 'v1'], sizeBytes: 10, uploadTime: '2026-01-01T00:00:00.000Z' })
      .add('demo', 'us-east1', 'b-repo', { image: 'app', digest: B, tags: [], sizeBytes: 11, uploadTime: '2026-01-02T00:00:00.000Z' })
      .add('demo', 'us-east1', 'b-repo', { image: 'team/web', digest: B, tags: ['x'], sizeBytes: 12, uploadTime: '2026-01-03T00:00:00.000Z' });
    emu = await startEmulator({ world: WORLD, images });
    const repo = 'projects/demo/locations/us-east1/repositories/b-repo';
    const get = async (p: string) => (await call(emu!, 'GET', `/v1/${repo}${p}`)).json;
    expect((await get('/packages')).packages).toEqual([
      { name: `${repo}/packages/app`, createTime: '2026-01-01T00:00:00.000Z', updateTime: '2026-01-02T00:00:00.000Z' },
      { name: `${repo}/packages/team%2Fweb`, createTime: '2026-01-03T00:00:00.000Z', updateTime: '2026-01-03T00:00:00.000Z' },
    ]);
    expect((await get('/packages/app/tags')).tags).toEqual([
      { name: `${repo}/packages/app/tags/latest`, version: `${repo}/packages/app/versions/${A}` },
      { name: `${repo}/packages/app/tags/v1`, version: `${repo}/packages/app/versions/${A}` },
    ]);
    expect(await get('/packages/team%252Fweb/tags/x')).toEqual({ name: `${repo}/packages/team%2Fweb/tags/x`, version: `${repo}/packages/team%2Fweb/versions/${B}` });
    expect((await get('/packages/app/versions')).versions.map((v: { name: string }) => v.name)).toEqual([`${repo}/packages/app/versions/${A}`, `${repo}/packages/app/versions/${B}`]);
    expect((await get(`/packages/app/versions/${A}?view=FULL`)).relatedTags).toHaveLength(2);
    expect((await call(emu, 'GET', `/v1/${repo}/packages/app/tags/nope`)).status).toBe(404);
    expect((await call(emu, 'GET', `/v1/${repo}/packages/nope`)).status).toBe(404);
  });

  it('a failing image catalog is reported as a lab problem (400 FAILED_PRECONDITION), not a 5xx', async () => {
    emu = await startEmulator({ world: WORLD, images: { list: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5000')) } });
    const r = await call(emu, 'GET', '/v1/projects/demo/locations/us-east1/repositories/b-repo/dockerImages');
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ status: 'FAILED_PRECONDITION', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('admin: replace and read the world, append faults, read and clear the request log', async () => {
    const e = await start();
    const worldRef = e.world;
    const put = await fetch(`${e.url}__lab/world`, { method: 'POST', body: JSON.stringify({ projects: [{ projectId: 'fresh', apiEnabled: false }], locations: ['us-east1'], token: 'sekrit-lab-token-42' }) });
    expect(put.status).toBe(200);
    expect(e.world).toBe(worldRef); // same object: the registry front's reference stays valid
    const snap = (await (await fetch(`${e.url}__lab/world`)).json()) as Record<string, any>;
    expect(snap.projects.map((p: { projectId: string }) => p.projectId)).toEqual(['fresh']);
    expect(snap.projects[0].apiEnabled).toBe(false);
    expect(snap.locations).toEqual(['us-east1']);
    expect(JSON.stringify(snap)).not.toContain('sekrit-lab-token-42'); // the token is not shown
    expect((await call(e, 'GET', '/v1/projects/fresh/locations', undefined, 'lab-token')).status).toBe(401);
    expect((await call(e, 'GET', '/crm/v1/projects', undefined, 'sekrit-lab-token-42')).status).toBe(200);

    const faults = await fetch(`${e.url}__lab/faults`, { method: 'POST', body: JSON.stringify([{ kind: 'status', status: 429, times: 1, method: 'GET', path: '^/crm/' }]) });
    expect(((await faults.json()) as { faults: unknown[] }).faults).toHaveLength(1);
    expect((await call(e, 'GET', '/su/v1/projects/fresh/services', undefined, 'sekrit-lab-token-42')).status).toBe(200);
    const limited = await call(e, 'GET', '/crm/v1/projects', undefined, 'sekrit-lab-token-42');
    expect(limited.status).toBe(429);
    expect(limited.json.error.status).toBe('RESOURCE_EXHAUSTED');
    expect((await call(e, 'GET', '/crm/v1/projects?access_token=sekrit-lab-token-42', undefined, null)).status).toBe(200);

    const log = (await (await fetch(`${e.url}__lab/requests`)).json()) as { requests: Array<Record<string, any>> };
    expect(log.requests.map((r) => r.status)).toEqual([401, 200, 200, 429, 200]);
    expect(log.requests[3].fault).toBe('status');
    expect(log.requests.map((r) => r.auth)).toEqual(['invalid', 'ok', 'ok', 'ok', 'ok']);
    expect(log.requests[4].query.access_token).toBe('<redacted>');
    expect(JSON.stringify(log)).not.toContain('sekrit-lab-token-42');
    const since = (await (await fetch(`${e.url}__lab/requests?since=${log.requests[3].seq}`)).json()) as { requests: unknown[] };
    expect(since.requests).toHaveLength(1);
    await fetch(`${e.url}__lab/requests`, { method: 'DELETE' });
    expect(((await (await fetch(`${e.url}__lab/requests`)).json()) as { requests: unknown[] }).requests).toEqual([]);
  });

  it.each([
    { name: 'no projects array', body: { locations: [] } },
    { name: 'repository in an unknown project', body: { projects: [], repositories: [{ project: 'x', location: 'us-east1', repositoryId: 'r', format: 'DOCKER' }] } },
    { name: 'bad fault', body: { projects: [], faults: [{ kind: 'status', status: 418, times: 1 }] } },
    { name: 'invalid cleanup policy', body: { projects: [{ projectId: 'demo' }], repositories: [{ project: 'demo', location: 'us-east1', repositoryId: 'r', format: 'DOCKER', cleanupPolicies: { k: { action: 'KEEP' } } }] } },
    { name: 'not JSON', body: '{' },
  ])('admin refuses a bad world ($name) with 400 and keeps the old one', async ({ body }) => {
    const e = await start();
    const r = await fetch(`${e.url}__lab/world`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { message: string } }).error.message).toBeTruthy();
    expect(e.world.project('demo')).not.toBeNull();
  });

  it('setWorld replaces the world in place', async () => {
    const e = await start();
    const ref = e.world;
    e.setWorld({ projects: [{ projectId: 'other' }] });
    expect(e.world).toBe(ref);
    expect(e.world.project('demo')).toBeNull();
    expect(e.world.repository('other', 'us-east1', 'b-repo')).toBeNull();
  });

  it('never answers 5xx or a non-JSON body on its own (random requests)', async () => {
    const e = await start({ ...WORLD, operationPendingPolls: 1 });
    const seg = fc.oneof(
      fc.constantFrom('v1', 'v1beta2', 'crm', 'su', 'projects', 'demo', 'off', 'locked', '123456789012', 'locations', 'us-east1', 'eu-west3', 'repositories', 'b-repo', 'a-repo', 'operations', 'dockerImages', 'services', 'artifactregistry.googleapis.com:enable', 'b-repo:testIamPermissions', 'app@sha256:00', '%2F', '', '..'),
      fc.string({ maxLength: 6 }).map(encodeURIComponent),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PATCH', 'PUT'),
        fc.array(seg, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('', '?pageSize=1', '?pageSize=-1', '?pageToken=zz', '?repositoryId=ok-id', '?repositoryId=Bad', '?filter=state%3AENABLED', '?filter=%3A%3A', '?updateMask=cleanupPolicies', '?updateMask=cleanup_policy_dry_run,labels', '?updateMask=..,'),
        fc.oneof(
          fc.constant(undefined),
          fc.constant('{"format":1}'),
          fc.constant('{"format":"DOCKER","dockerConfig":{"immutableTags":true}}'),
          fc.constant('{"cleanupPolicies":{"k":{"action":"Keep","condition":{"olderThan":"1d","tagState":null}}},"cleanupPolicyDryRun":1}'),
          fc.constant('{"cleanupPolicies":{"k":{"action":2,"mostRecentVersions":{"keepCount":null}}},"labels":null}'),
          fc.constant('[]'),
          fc.constant('null'),
          fc.string({ maxLength: 10 }),
        ),
        async (method, segs, query, body) => {
          const r = await fetch(`${e.url}${segs.join('/')}${query}`, { method, headers: { authorization: 'Bearer lab-token' }, body: method === 'GET' ? undefined : body });
          const text = await r.text();
          expect(r.status).toBeLessThan(500);
          expect(r.headers.get('content-type')).toMatch(/^application\/json/);
          expect(() => JSON.parse(text)).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------- repository lifecycle

const REPO = '/v1/projects/demo/locations/us-east1/repositories/b-repo';
const DAYS_30 = '2592000s';

/** What Google answers for the policy file of lifecycle.md, however the client spelled it. */
const CANONICAL = {
  'delete-untagged': { id: 'delete-untagged', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: DAYS_30 } },
  'keep-recent': { id: 'keep-recent', action: 'KEEP', mostRecentVersions: { keepCount: 10 } },
};

/** n valid policies, ids p0…p(n-1). */
const manyPolicies = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, { id: `p${i}`, action: 'DELETE', condition: { olderThan: `${i + 1}s` } }]));

interface PatchOk {
  name: string;
  world?: Partial<WorldSpec>;
  mask: string | null;
  body: Record<string, unknown>;
  policies: Record<string, unknown> | undefined;
  dryRun: boolean;
  /** Other fields the answer must show. */
  shows?: Record<string, unknown>;
}

const patchOk: PatchOk[] = [
  {
    // As measured: gcloud sends back the whole repository it read, with the file's spelling.
    name: "gcloud's set-cleanup-policies (file spelling \"Delete\"/\"untagged\", \"2592000.0s\", whole repository)",
    mask: 'cleanupPolicies,cleanupPolicyDryRun',
    body: {
      cleanupPolicies: {
        'delete-untagged': { action: 'Delete', condition: { olderThan: '2592000.0s', tagState: 'untagged' }, id: 'delete-untagged' },
        'keep-recent': { action: 'Keep', id: 'keep-recent', mostRecentVersions: { keepCount: 10 } },
      },
      cleanupPolicyDryRun: false,
      createTime: '2020-01-01T00:00:00Z',
      format: 'DOCKER',
      mode: 'STANDARD_REPOSITORY',
      name: 'projects/demo/locations/us-east1/repositories/b-repo',
      registryUri: 'us-east1-docker.pkg.dev/demo/b-repo',
      sizeBytes: '0',
      updateTime: '2020-01-01T00:00:00Z',
    },
    policies: CANONICAL,
    dryRun: false,
    shows: { format: 'DOCKER', registryUri: 'us-east1-docker.pkg.dev/demo/b-repo' },
  },
  {
    // As measured: the Node client sends the mask as given, ints for enums, "1.500s", labels: {}.
    name: 'the Node client (snake_case mask, enum ints, "1.500s")',
    mask: 'cleanup_policies,cleanup_policy_dry_run',
    body: {
      labels: {},
      cleanupPolicies: {
        'keep-recent': { mostRecentVersions: { packageNamePrefixes: ['app'], keepCount: 10 }, id: 'keep-recent', action: 2 },
        'delete-untagged': { condition: { tagState: 2, olderThan: DAYS_30, newerThan: '1.500s' }, id: 'delete-untagged', action: 1 },
      },
      cleanupPolicyDryRun: true,
    },
    policies: {
      'keep-recent': { id: 'keep-recent', action: 'KEEP', mostRecentVersions: { packageNamePrefixes: ['app'], keepCount: 10 } },
      'delete-untagged': { id: 'delete-untagged', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: DAYS_30, newerThan: '1.500s' } },
    },
    dryRun: true,
  },
  {
    name: 'dry run alone (gcloud --dry-run): the policies stay',
    world: { repositories: [{ project: 'demo', location: 'us-east1', repositoryId: 'b-repo', format: 'DOCKER', cleanupPolicies: CANONICAL }] },
    mask: 'cleanupPolicyDryRun',
    body: { cleanupPolicyDryRun: true, cleanupPolicies: {} },
    policies: CANONICAL,
    dryRun: true,
  },
  {
    name: 'a masked field left out of the body is cleared',
    world: { repositories: [{ project: 'demo', location: 'us-east1', repositoryId: 'b-repo', format: 'DOCKER', cleanupPolicies: CANONICAL, cleanupPolicyDryRun: true }] },
    mask: 'cleanupPolicies,cleanupPolicyDryRun',
    body: {},
    policies: undefined,
    dryRun: false,
  },
  {
    // As measured: gcloud's delete-cleanup-policies PATCHes without updateMask.
    name: 'no mask (gcloud delete-cleanup-policies): the updatable fields in the body, output-only ones ignored',
    world: { repositories: [{ project: 'demo', location: 'us-east1', repositoryId: 'b-repo', format: 'DOCKER', cleanupPolicies: CANONICAL, cleanupPolicyDryRun: true }] },
    mask: null,
    body: { cleanupPolicies: { 'keep-recent': CANONICAL['keep-recent'] }, cleanupPolicyDryRun: true, format: 'DOCKER', sizeBytes: '0', createTime: '2020-01-01T00:00:00Z' },
    policies: { 'keep-recent': CANONICAL['keep-recent'] },
    dryRun: true,
  },
  {
    name: 'exactly 10 policies; durations printed with 0, 3, 6 or 9 fraction digits as proto3 JSON does',
    mask: 'cleanupPolicies',
    body: {
      cleanupPolicies: {
        ...manyPolicies(6),
        a: { action: 'DELETE', condition: { olderThan: '1.000001s' } },
        b: { action: 'DELETE', condition: { olderThan: '2.000000001s' } },
        c: { action: 'DELETE', condition: { olderThan: '3.500000000s' } },
        d: { action: 'DELETE', condition: { olderThan: '007.0s' } },
      },
    },
    policies: {
      ...manyPolicies(6),
      a: { id: 'a', action: 'DELETE', condition: { olderThan: '1.000001s' } },
      b: { id: 'b', action: 'DELETE', condition: { olderThan: '2.000000001s' } },
      c: { id: 'c', action: 'DELETE', condition: { olderThan: '3.500s' } },
      d: { id: 'd', action: 'DELETE', condition: { olderThan: '7s' } },
    },
    dryRun: false,
  },
  {
    name: 'a KEEP with a condition; empty prefix lists and TAG_STATE_UNSPECIFIED left out',
    mask: 'cleanupPolicies',
    body: { cleanupPolicies: { 'keep-release': { action: 'KEEP', condition: { tagState: 'TAG_STATE_UNSPECIFIED', tagPrefixes: ['v'], versionNamePrefixes: [], packageNamePrefixes: [] } } } },
    policies: { 'keep-release': { id: 'keep-release', action: 'KEEP', condition: { tagPrefixes: ['v'] } } },
    dryRun: false,
  },
];

interface PatchBad {
  name: string;
  mask?: string;
  body: Record<string, unknown>;
  message: RegExp;
}

const policy = (p: Record<string, unknown>) => ({ cleanupPolicies: { p: { id: 'p', ...p } } });
const patchBad: PatchBad[] = [
  { name: 'more than 10 policies', body: { cleanupPolicies: manyPolicies(11) }, message: /at most 10 cleanup policies; got 11/ },
  { name: 'an unknown action', body: policy({ action: 'DESTROY', condition: { olderThan: '1s' } }), message: /^Invalid value at 'repository\.cleanup_policies\["p"\]\.action' \(type\.googleapis\.com\/google\.devtools\.artifactregistry\.v1\.CleanupPolicy\.Action\), "DESTROY"$/ },
  { name: 'ACTION_UNSPECIFIED (0)', body: policy({ action: 0, condition: { olderThan: '1s' } }), message: /action must be DELETE or KEEP/ },
  { name: 'no action', body: policy({ condition: { olderThan: '1s' } }), message: /action must be DELETE or KEEP/ },
  { name: 'a KEEP without condition or mostRecentVersions', body: policy({ action: 'KEEP' }), message: /a KEEP policy needs a condition or mostRecentVersions/ },
  { name: 'a DELETE without condition', body: policy({ action: 'DELETE', condition: null }), message: /a DELETE policy needs a condition or mostRecentVersions/ },
  { name: 'mostRecentVersions on a DELETE', body: policy({ action: 'DELETE', mostRecentVersions: { keepCount: 1 } }), message: /mostRecentVersions may only be used with a KEEP action/ },
  { name: 'both condition and mostRecentVersions (one oneof)', body: policy({ action: 'KEEP', condition: {}, mostRecentVersions: { keepCount: 1 } }), message: /Oneof field 'condition_type' is already set/ },
  { name: 'a duration in days ("30d", the file form)', body: policy({ action: 'DELETE', condition: { olderThan: '30d' } }), message: /^Invalid value at 'repository\.cleanup_policies\["p"\]\.condition\.olderThan' \(type\.googleapis\.com\/google\.protobuf\.Duration\), "30d"$/ },
  { name: 'a duration without its unit', body: policy({ action: 'DELETE', condition: { newerThan: '2592000' } }), message: /condition\.newerThan' \(type\.googleapis\.com\/google\.protobuf\.Duration\)/ },
  { name: 'a duration as a number', body: policy({ action: 'DELETE', condition: { olderThan: 2592000 } }), message: /google\.protobuf\.Duration\), 2592000$/ },
  { name: 'a negative duration', body: policy({ action: 'DELETE', condition: { olderThan: '-1s' } }), message: /olderThan must not be negative/ },
  { name: 'a duration with 10 fraction digits', body: policy({ action: 'DELETE', condition: { olderThan: '1.0000000001s' } }), message: /google\.protobuf\.Duration/ },
  { name: 'a duration beyond 10000 years', body: policy({ action: 'DELETE', condition: { olderThan: '315576000001s' } }), message: /google\.protobuf\.Duration/ },
  { name: 'an unknown tag state', body: policy({ action: 'DELETE', condition: { tagState: 'SOMETIMES' } }), message: /CleanupPolicyCondition\.TagState\), "SOMETIMES"/ },
  { name: 'keepCount not a number', body: policy({ action: 'KEEP', mostRecentVersions: { keepCount: 'ten' } }), message: /keepCount' \(TYPE_INT32\), "ten"/ },
  { name: 'a negative keepCount', body: policy({ action: 'KEEP', mostRecentVersions: { keepCount: -1 } }), message: /keepCount must not be negative/ },
  { name: 'prefixes not a list', body: policy({ action: 'DELETE', condition: { tagPrefixes: 'v' } }), message: /tagPrefixes' \(TYPE_STRING\)/ },
  { name: 'an unknown policy field', body: policy({ action: 'DELETE', condition: {}, priority: 1 }), message: /Unknown name "priority" at 'repository\.cleanup_policies\["p"\]'/ },
  { name: 'an unknown condition field', body: policy({ action: 'DELETE', condition: { versionAge: '1s' } }), message: /Unknown name "versionAge"/ },
  { name: 'a condition field named like an Object method', body: policy({ action: 'DELETE', condition: { toString: ['x'] } }), message: /Unknown name "toString"/ },
  { name: 'a body field named like an Object method', body: JSON.parse('{"constructor":{},"__proto__":{}}'), message: /Unknown name "constructor" at 'repository'/ },
  { name: 'an id other than its map key', body: { cleanupPolicies: { p: { id: 'q', action: 'DELETE', condition: {} } } }, message: /id "q" must equal its map key "p"/ },
  { name: 'a policy ID of 128 characters', body: { cleanupPolicies: { ['x'.repeat(128)]: { action: 'DELETE', condition: {} } } }, message: /1 to 127 characters/ },
  { name: 'cleanupPolicies not a map', body: { cleanupPolicies: [] }, message: /map<string, CleanupPolicy>/ },
  { name: 'cleanupPolicyDryRun not a boolean', mask: 'cleanupPolicyDryRun', body: { cleanupPolicyDryRun: 'yes' }, message: /cleanup_policy_dry_run' \(TYPE_BOOL\), "yes"/ },
  { name: 'an output-only field in the mask', mask: 'sizeBytes', body: {}, message: /^Invalid update mask field: sizeBytes cannot be updated\.$/ },
  { name: 'an immutable field in the mask', mask: 'format', body: { format: 'NPM' }, message: /^Invalid update mask field: format cannot be updated\.$/ },
  { name: 'an unknown field in the mask', mask: 'cleanupPolicies,retention', body: {}, message: /^Invalid update mask field: retention$/ },
  { name: 'a map key in the mask', mask: 'cleanupPolicies.p', body: {}, message: /^Invalid update mask field: cleanupPolicies\.p$/ },
  { name: 'a real field the lab does not model', mask: 'vulnerabilityScanningConfig', body: {}, message: /does not model/ },
  { name: 'an unknown field in the body', body: { cleanupPolicies: {}, retention: 1 }, message: /^Invalid JSON payload received\. Unknown name "retention" at 'repository': Cannot find field\.$/ },
];

describe('repository lifecycle over HTTP: patch (cleanup policies), delete, refusals', () => {
  it.each(patchOk)('PATCH accepts $name', async ({ world, mask, body, policies, dryRun, shows }) => {
    const e = await start({ ...WORLD, ...world });
    const before = e.world.repository('demo', 'us-east1', 'b-repo')!.updateTime;
    await new Promise((r) => setTimeout(r, 5));
    const r = await call(e, 'PATCH', mask === null ? REPO : `${REPO}?updateMask=${encodeURIComponent(mask)}`, body);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const got = (await call(e, 'GET', REPO)).json;
    // The answer is the updated Repository, the same as a GET now shows.
    expect(r.json).toEqual(got);
    expect(got.cleanupPolicies).toEqual(policies);
    // Proto3 JSON leaves out false.
    expect('cleanupPolicyDryRun' in got).toBe(dryRun);
    if (dryRun) expect(got.cleanupPolicyDryRun).toBe(true);
    expect(got).toMatchObject({ name: 'projects/demo/locations/us-east1/repositories/b-repo', ...shows });
    expect(got.updateTime > before).toBe(true);
    expect(got.createTime).not.toBe('2020-01-01T00:00:00Z');
  });

  it.each(patchBad)('PATCH refuses $name with 400 INVALID_ARGUMENT and changes nothing', async ({ mask, body, message }) => {
    const e = await start({ ...WORLD, repositories: [{ project: 'demo', location: 'us-east1', repositoryId: 'b-repo', format: 'DOCKER', cleanupPolicies: CANONICAL, cleanupPolicyDryRun: true }] });
    const before = JSON.stringify(e.world.repository('demo', 'us-east1', 'b-repo'));
    const r = await call(e, 'PATCH', `${REPO}?updateMask=${encodeURIComponent(mask ?? 'cleanupPolicies')}`, body);
    expect(r.status).toBe(400);
    expect(r.json.error).toEqual({ code: 400, status: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
    expect(JSON.stringify(e.world.repository('demo', 'us-east1', 'b-repo'))).toBe(before);
  });

  it('PATCH of a repository that does not exist is 404 NOT_FOUND', async () => {
    const e = await start();
    const r = await call(e, 'PATCH', '/v1/projects/demo/locations/us-east1/repositories/nope?updateMask=cleanupPolicyDryRun', { cleanupPolicyDryRun: true });
    expect(r.status).toBe(404);
    expect(r.json.error).toEqual({ code: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.' });
  });

  it('a declared world shows its policies on GET in the API form (names and ints in, names out)', async () => {
    const e = await start({
      ...WORLD,
      repositories: [
        {
          project: 'demo',
          location: 'us-east1',
          repositoryId: 'b-repo',
          format: 'DOCKER',
          cleanupPolicyDryRun: true,
          cleanupPolicies: { 'keep-recent': { action: 2, mostRecentVersions: { keepCount: '10' } }, 'delete-untagged': { action: 'delete', condition: { tagState: 'untagged', olderThan: '2592000.000s' } } },
        },
      ],
    });
    const got = (await call(e, 'GET', REPO)).json;
    expect(got.cleanupPolicies).toEqual(CANONICAL);
    expect(got.cleanupPolicyDryRun).toBe(true);
    const list = (await call(e, 'GET', '/v1/projects/demo/locations/us-east1/repositories')).json;
    expect(list.repositories.find((x: { name: string }) => x.name.endsWith('/b-repo')).cleanupPolicies).toEqual(CANONICAL);
  });

  it('create takes cleanup policies too (the Node client always sends cleanupPolicies: {})', async () => {
    const e = await start();
    const ok = await call(e, 'POST', '/v1/projects/demo/locations/us-east1/repositories?repositoryId=with-policies', { format: 1, cleanupPolicies: { 'keep-recent': { id: 'keep-recent', action: 2, mostRecentVersions: { keepCount: 10 } } }, cleanupPolicyDryRun: true });
    expect(ok.json.response).toMatchObject({ cleanupPolicies: { 'keep-recent': CANONICAL['keep-recent'] }, cleanupPolicyDryRun: true });
    const bad = await call(e, 'POST', '/v1/projects/demo/locations/us-east1/repositories?repositoryId=bad-policies', { format: 1, cleanupPolicies: { k: { action: 'KEEP' } } });
    expect(bad.status).toBe(400);
    expect(e.world.repository('demo', 'us-east1', 'bad-policies')).toBeNull();
    expect(e.world.operations.size).toBe(1);
  });

  it('delete: an operation, still pending for N polls (the repository still there), then done; afterwards 404 everywhere', async () => {
    const images = new MemoryImageCatalog().add('demo', 'us-east1', 'b-repo', { image: 'app', digest: `sha256:${'a'.repeat(64)}`, tags: ['latest'], sizeBytes: 1 });
    emu = await startEmulator({ world: { ...WORLD, operationPendingPolls: 2 }, images });
    const e = emu;
    const op = await call(e, 'DELETE', REPO);
    expect(op.status).toBe(200);
    expect(op.json).toEqual({ name: expect.stringMatching(/^projects\/demo\/locations\/us-east1\/operations\/[0-9a-f-]+$/), metadata: { '@type': 'type.googleapis.com/google.devtools.artifactregistry.v1.OperationMetadata' } });
    const poll = async () => (await call(e, 'GET', `/v1/${op.json.name}`)).json;
    for (let i = 0; i < 2; i++) {
      expect((await poll()).done).toBeUndefined();
      expect((await call(e, 'GET', REPO)).status).toBe(200);
    }
    const done = await poll();
    expect(done).toEqual({ ...op.json, done: true, response: { '@type': 'type.googleapis.com/google.protobuf.Empty' } });
    expect(await poll()).toEqual(done);
    for (const [method, path] of [
      ['GET', REPO],
      ['GET', `${REPO}/dockerImages`],
      ['GET', `${REPO}/packages`],
      ['PATCH', `${REPO}?updateMask=cleanupPolicyDryRun`],
      ['DELETE', REPO],
    ]) {
      const r = await call(e, method, path, method === 'PATCH' ? {} : undefined);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.json.error).toEqual({ code: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.' });
    }
    expect(e.world.repository('demo', 'us-east1', 'b-repo')).toBeNull();
    expect((await call(e, 'GET', '/v1/projects/demo/locations/us-east1/repositories')).json.repositories.map((r: { name: string }) => r.name)).toEqual(['projects/demo/locations/us-east1/repositories/a-repo']);
  });

  it("delete drops the repository's images: created again, it is empty; other repositories keep theirs", async () => {
    const D = `sha256:${'d'.repeat(64)}`;
    const images = new MemoryImageCatalog()
      .add('demo', 'us-east1', 'b-repo', { image: 'app', digest: D, tags: ['latest'], sizeBytes: 1 })
      .add('demo', 'us-east1', 'a-repo', { image: 'app', digest: D, tags: ['latest'], sizeBytes: 1 });
    const world: WorldSpec = {
      projects: [{ projectId: 'demo' }],
      repositories: ['a-repo', 'b-repo'].map((repositoryId) => ({ project: 'demo', location: 'us-east1', repositoryId, format: 'DOCKER' as const })),
    };
    emu = await startEmulator({ world, images });
    const e = emu;
    expect((await call(e, 'GET', `${REPO}/dockerImages`)).json.dockerImages).toHaveLength(1);
    expect((await call(e, 'DELETE', REPO)).json.done).toBe(true);
    expect(await images.list('demo', 'us-east1', 'b-repo')).toEqual([]);
    expect((await call(e, 'POST', '/v1/projects/demo/locations/us-east1/repositories?repositoryId=b-repo', { format: 'DOCKER' })).json.done).toBe(true);
    expect((await call(e, 'GET', `${REPO}/dockerImages`)).json).toEqual({});
    expect((await call(e, 'GET', `${REPO}/packages`)).json).toEqual({});
    expect((await call(e, 'GET', '/v1/projects/demo/locations/us-east1/repositories/a-repo/dockerImages')).json.dockerImages).toHaveLength(1);
  });

  it('a second delete issued while the first was pending does not remove the repository created again since', async () => {
    const e = await start({ ...WORLD, operationPendingPolls: 1 });
    const first = (await call(e, 'DELETE', REPO)).json;
    const second = (await call(e, 'DELETE', REPO)).json;
    expect([first.done, second.done]).toEqual([undefined, undefined]);
    await call(e, 'GET', `/v1/${first.name}`);
    expect((await call(e, 'GET', `/v1/${first.name}`)).json.done).toBe(true);
    const create = (await call(e, 'POST', '/v1/projects/demo/locations/us-east1/repositories?repositoryId=b-repo', { format: 'DOCKER' })).json;
    await call(e, 'GET', `/v1/${create.name}`);
    expect((await call(e, 'GET', `/v1/${create.name}`)).json.done).toBe(true);
    await call(e, 'GET', `/v1/${second.name}`);
    expect((await call(e, 'GET', `/v1/${second.name}`)).json).toMatchObject({ done: true, response: { '@type': 'type.googleapis.com/google.protobuf.Empty' } });
    expect((await call(e, 'GET', REPO)).status).toBe(200);
  });

  it('an image catalog that cannot drop the images: the next read says so once (a lab problem), then reads go on', async () => {
    const base = new MemoryImageCatalog();
    const images = { list: base.list.bind(base), drop: async () => Promise.reject(new Error('rm: permission denied')) };
    emu = await startEmulator({ world: WORLD, images });
    const e = emu;
    await call(e, 'DELETE', REPO);
    await call(e, 'POST', '/v1/projects/demo/locations/us-east1/repositories?repositoryId=b-repo', { format: 'DOCKER' });
    const r = await call(e, 'GET', `${REPO}/dockerImages`);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ status: 'FAILED_PRECONDITION', message: 'lab: the image catalog could not be read: rm: permission denied' });
    expect((await call(e, 'GET', `${REPO}/dockerImages`)).status).toBe(200);
  });

  it.each([
    { method: 'PATCH', path: `${REPO}?updateMask=cleanupPolicies`, body: { cleanupPolicies: CANONICAL }, permission: 'artifactregistry.repositories.update', other: 'DELETE' },
    { method: 'DELETE', path: REPO, body: undefined, permission: 'artifactregistry.repositories.delete', other: 'PATCH' },
  ])('$method without $permission → 403 IAM_PERMISSION_DENIED naming it; nothing changes; $other still works', async ({ method, path, body, permission, other }) => {
    const e = await start({ ...WORLD, projects: [{ projectId: 'demo', deniedPermissions: [permission] }], operationPendingPolls: 0 });
    const before = JSON.stringify(e.world.repository('demo', 'us-east1', 'b-repo'));
    const r = await call(e, method, path, body);
    expect(r.status).toBe(403);
    expect(r.json.error).toEqual({
      code: 403,
      status: 'PERMISSION_DENIED',
      message: `Permission '${permission}' denied on resource '//artifactregistry.googleapis.com/projects/demo/locations/us-east1/repositories/b-repo' (or it may not exist).`,
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'IAM_PERMISSION_DENIED',
          domain: 'artifactregistry.googleapis.com',
          metadata: { permission, resource: 'projects/demo/locations/us-east1/repositories/b-repo' },
        },
      ],
    });
    expect(JSON.stringify(e.world.repository('demo', 'us-east1', 'b-repo'))).toBe(before);
    expect(e.world.operations.size).toBe(0);
    // Refused before the lookup: the same answer for a repository that is not there.
    expect((await call(e, method, path.replace('b-repo', 'nope'), body)).json.error.details[0].reason).toBe('IAM_PERMISSION_DENIED');
    expect((await call(e, 'GET', REPO)).status).toBe(200);
    const ok = await call(e, other, other === 'PATCH' ? `${REPO}?updateMask=cleanupPolicyDryRun` : REPO, other === 'PATCH' ? { cleanupPolicyDryRun: true } : undefined);
    expect(ok.status).toBe(200);
  });

  it.each([
    { name: 'API disabled', project: { projectId: 'demo', apiEnabled: false }, reason: 'SERVICE_DISABLED' },
    { name: 'billing off', project: { projectId: 'demo', billing: false }, reason: 'BILLING_DISABLED' },
  ])('PATCH and DELETE with $name → 403 $reason, before IAM', async ({ project, reason }) => {
    const e = await start({ ...WORLD, projects: [{ ...project, deniedPermissions: ['artifactregistry.repositories.update', 'artifactregistry.repositories.delete'] }] });
    for (const [method, path] of [
      ['PATCH', `${REPO}?updateMask=cleanupPolicyDryRun`],
      ['DELETE', REPO],
    ]) {
      const r = await call(e, method, path, method === 'PATCH' ? { cleanupPolicyDryRun: true } : undefined);
      expect(r.status).toBe(403);
      expect(r.json.error.details[0].reason).toBe(reason);
    }
  });
});
