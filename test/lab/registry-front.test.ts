// The registry front's decisions (what Google's registry would answer before any content
// moves), table-driven against a WorldStore; and the path split it relies on.

import { describe, expect, it } from 'vitest';
import { WorldStore, type WorldSpec } from './emulator/world.js';
import { decide, parseRegistryPath, takeFrontFault } from './registry-front.js';

const P = 'mycoolproject-prod';
const L = 'southamerica-east1';
const HOST = `${L}-docker.pkg.dev`;
const GOOD = { user: '_dcgcloud_token', password: 'lab-token' };

const base: WorldSpec = {
  projects: [{ projectId: P }],
  repositories: [
    { project: P, location: L, repositoryId: 'docker-repo', format: 'DOCKER' },
    { project: P, location: L, repositoryId: 'npm-repo', format: 'NPM' },
  ],
};

describe('decide', () => {
  const cases: Array<{
    name: string;
    world?: WorldSpec;
    method?: string;
    host?: string;
    path: string;
    auth: { user: string; password: string } | null;
    expected: null | { status: number; code: string; message?: RegExp; challenge?: boolean };
  }> = [
    { name: 'ping without credentials: Basic challenge', path: '/v2/', auth: null, expected: { status: 401, code: 'UNAUTHORIZED', challenge: true } },
    { name: 'ping with the lab token', path: '/v2/', auth: GOOD, expected: null },
    { name: 'docker login user oauth2accesstoken', path: '/v2/', auth: { user: 'oauth2accesstoken', password: 'lab-token' }, expected: null },
    { name: 'wrong token', path: '/v2/', auth: { user: '_dcgcloud_token', password: 'nope' }, expected: { status: 401, code: 'UNAUTHORIZED', message: /you may have invalid credentials/ } },
    { name: 'right token, unknown user name', path: '/v2/', auth: { user: 'admin', password: 'lab-token' }, expected: { status: 401, code: 'UNAUTHORIZED' } },
    { name: 'push a blob without credentials', method: 'POST', path: `/v2/${P}/docker-repo/app/blobs/uploads/`, auth: null, expected: { status: 401, code: 'UNAUTHORIZED', challenge: true } },
    { name: 'push into a DOCKER repository', method: 'POST', path: `/v2/${P}/docker-repo/app/blobs/uploads/`, auth: GOOD, expected: null },
    { name: 'nested image name', method: 'PUT', path: `/v2/${P}/docker-repo/team/app/manifests/latest`, auth: GOOD, expected: null },
    {
      name: 'repository does not exist',
      method: 'PUT',
      path: `/v2/${P}/nope/app/manifests/latest`,
      auth: GOOD,
      expected: { status: 404, code: 'NAME_UNKNOWN', message: /^Repository "nope" not found$/ },
    },
    { name: 'NPM repository', method: 'POST', path: `/v2/${P}/npm-repo/app/blobs/uploads/`, auth: GOOD, expected: { status: 403, code: 'DENIED', message: /format NPM/ } },
    {
      name: 'unknown project',
      method: 'POST',
      path: '/v2/someone-else/docker-repo/app/blobs/uploads/',
      auth: GOOD,
      expected: { status: 403, code: 'DENIED', message: /uploadArtifacts" denied on resource "projects\/someone-else\/locations\/southamerica-east1\/repositories\/docker-repo" \(or it may not exist\)/ },
    },
    {
      name: 'API disabled',
      world: { ...base, projects: [{ projectId: P, apiEnabled: false }] },
      method: 'POST',
      path: `/v2/${P}/docker-repo/app/blobs/uploads/`,
      auth: GOOD,
      expected: { status: 403, code: 'DENIED', message: /has not been used in project mycoolproject-prod before or it is disabled\. Enable it by visiting https:\/\/console\.developers\.google\.com\/apis\/api\/artifactregistry\.googleapis\.com\/overview\?project=mycoolproject-prod then retry/ },
    },
    {
      name: 'billing off',
      world: { ...base, projects: [{ projectId: P, billing: false, projectNumber: '123456789012' }] },
      method: 'POST',
      path: `/v2/${P}/docker-repo/app/blobs/uploads/`,
      auth: GOOD,
      expected: { status: 403, code: 'DENIED', message: /requires billing to be enabled\. Please enable billing on project #123456789012/ },
    },
    {
      name: 'upload permission missing: push denied',
      world: { ...base, projects: [{ projectId: P, deniedPermissions: ['artifactregistry.repositories.uploadArtifacts'] }] },
      method: 'PATCH',
      path: `/v2/${P}/docker-repo/app/blobs/uploads/abc`,
      auth: GOOD,
      expected: { status: 403, code: 'DENIED', message: /Permission "artifactregistry\.repositories\.uploadArtifacts" denied/ },
    },
    {
      name: 'upload permission missing: pull still allowed',
      world: { ...base, projects: [{ projectId: P, deniedPermissions: ['artifactregistry.repositories.uploadArtifacts'] }] },
      method: 'GET',
      path: `/v2/${P}/docker-repo/app/manifests/latest`,
      auth: GOOD,
      expected: null,
    },
    {
      name: 'download permission missing: pull denied',
      world: { ...base, projects: [{ projectId: P, deniedPermissions: ['artifactregistry.repositories.downloadArtifacts'] }] },
      method: 'HEAD',
      path: `/v2/${P}/docker-repo/app/blobs/sha256:${'a'.repeat(64)}`,
      auth: GOOD,
      expected: { status: 403, code: 'DENIED', message: /downloadArtifacts/ },
    },
    { name: 'image part missing', method: 'PUT', path: `/v2/${P}/docker-repo/manifests/latest`, auth: GOOD, expected: { status: 400, code: 'NAME_INVALID' } },
    { name: 'host that is not a lab location', host: 'mars-docker.pkg.dev', path: '/v2/', auth: GOOD, expected: { status: 404, code: 'NOT_FOUND' } },
    { name: 'a location in the same project does not see another location\'s repository', host: 'us-central1-docker.pkg.dev', method: 'POST', path: `/v2/${P}/docker-repo/app/blobs/uploads/`, auth: GOOD, expected: { status: 404, code: 'NAME_UNKNOWN' } },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const world = new WorldStore(c.world ?? base);
      const d = decide(world, c.method ?? 'GET', c.host ?? HOST, c.path, c.auth);
      if (c.expected === null) {
        expect(d).toBeNull();
        return;
      }
      expect(d).not.toBeNull();
      expect({ status: d!.status, code: d!.code }).toEqual({ status: c.expected.status, code: c.expected.code });
      if (c.expected.message) expect(d!.message).toMatch(c.expected.message);
      if (c.expected.challenge) expect(d!.headers?.['www-authenticate']).toBe('Basic realm="Artifact Registry"');
    });
  }
});

describe('parseRegistryPath', () => {
  const cases: Array<[string, ReturnType<typeof parseRegistryPath>]> = [
    ['/v2/p/r/app/manifests/latest', { name: 'p/r/app', kind: 'manifests', ref: 'latest' }],
    ['/v2/p/r/team/app/manifests/sha256:abc', { name: 'p/r/team/app', kind: 'manifests', ref: 'sha256:abc' }],
    ['/v2/p/r/app/blobs/uploads/', { name: 'p/r/app', kind: 'uploads', ref: '' }],
    ['/v2/p/r/app/blobs/uploads/3f2a-uuid', { name: 'p/r/app', kind: 'uploads', ref: '3f2a-uuid' }],
    ['/v2/p/r/app/blobs/sha256:abc', { name: 'p/r/app', kind: 'blobs', ref: 'sha256:abc' }],
    ['/v2/p/r/app/tags/list', { name: 'p/r/app', kind: 'tags', ref: '' }],
    ['/v2/_catalog', null],
    ['/v2/', null],
  ];
  for (const [path, expected] of cases) {
    it(path, () => expect(parseRegistryPath(path)).toEqual(expected));
  }
});

describe('takeFrontFault', () => {
  it('takes only faults whose path matches a registry path, leaves the rest to the emulator', () => {
    const world = new WorldStore({
      ...base,
      faults: [
        { kind: 'status', status: 503, times: 1 }, // no path: the emulator's
        { kind: 'reset', method: 'PUT', path: '/manifests/latest$', times: 1 },
      ],
    });
    expect(takeFrontFault(world, 'POST', `/v2/${P}/docker-repo/app/blobs/uploads/`)).toBeNull();
    expect(takeFrontFault(world, 'GET', `/v2/${P}/docker-repo/app/manifests/latest`)).toBeNull(); // method differs
    expect(takeFrontFault(world, 'PUT', `/v2/${P}/docker-repo/app/manifests/latest`)).toBeNull(); // the path-less one comes first in line
    expect(world.pendingFaults()).toHaveLength(2);
  });

  it('consumes a matching fault once', () => {
    const world = new WorldStore({ ...base, faults: [{ kind: 'reset', method: 'PUT', path: '/manifests/latest$', times: 1 }] });
    expect(takeFrontFault(world, 'PUT', `/v2/${P}/docker-repo/app/manifests/latest`)).toMatchObject({ kind: 'reset' });
    expect(takeFrontFault(world, 'PUT', `/v2/${P}/docker-repo/app/manifests/latest`)).toBeNull();
  });
});
