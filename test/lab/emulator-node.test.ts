// The emulator through the REAL @google-cloud/artifact-registry client in REST mode, built as
// wire.md says (OAuth2Client with validateStatus: () => true, so errors decode to GoogleError).
// Each case starts its own emulator on a random port with the world it declares.

import type { ArtifactRegistryClient } from '@google-cloud/artifact-registry';
import { afterEach, describe, expect, it } from 'vitest';

import { MemoryImageCatalog, startEmulator, type Emulator } from './emulator/server.js';
import { nodeClient } from './emulator/testkit.js';
import type { WorldSpec } from './emulator/world.js';

const P = 'demo';
const L = 'southamerica-east1';
const PARENT = `projects/${P}/locations/${L}`;
const REPO = `${PARENT}/repositories/mycoolproject-repo`;
const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;

const base = (extra: Partial<WorldSpec> = {}, project: WorldSpec['projects'][number] = { projectId: P }): WorldSpec => ({
  projects: [project],
  repositories: [{ project: P, location: L, repositoryId: 'mycoolproject-repo', format: 'DOCKER', immutableTags: true }],
  ...extra,
});

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(world: WorldSpec, images?: MemoryImageCatalog): Promise<{ c: ArtifactRegistryClient; emu: Emulator }> {
  emu = await startEmulator({ world, images });
  return { c: nodeClient(emu.port, world.token ?? 'lab-token'), emu };
}

async function createAndWait(c: ArtifactRegistryClient, repositoryId: string, format: 'DOCKER' | 'MAVEN' = 'DOCKER') {
  const [op] = await c.createRepository({ parent: PARENT, repositoryId, repository: { format } });
  const [repo] = await op.promise();
  return repo;
}

interface ErrCase {
  name: string;
  world: WorldSpec;
  /** Token the client uses; default the world's. */
  token?: string;
  call: (c: ArtifactRegistryClient) => Promise<unknown>;
  code: number;
  reason?: string;
  message?: RegExp;
  metadata?: Record<string, string>;
  /** Requests the emulator must have seen for this call (no hidden retries). */
  requests?: number;
}

const getRepo = (c: ArtifactRegistryClient) => c.getRepository({ name: REPO });

const errorCases: ErrCase[] = [
  {
    name: 'creating an existing repository gives ALREADY_EXISTS (6)',
    world: base(),
    call: (c) => createAndWait(c, 'mycoolproject-repo'),
    code: 6,
    message: /already exists/,
    requests: 1,
  },
  {
    name: 'API disabled gives PERMISSION_DENIED (7) with SERVICE_DISABLED and the activation URL',
    world: base({ repositories: [] }, { projectId: P, apiEnabled: false }),
    call: getRepo,
    code: 7,
    reason: 'SERVICE_DISABLED',
    message: /Artifact Registry API has not been used in project demo before or it is disabled\. Enable it by visiting https:\/\/console\.developers\.google\.com\/apis\/api\/artifactregistry\.googleapis\.com\/overview\?project=demo then retry/,
    metadata: { service: 'artifactregistry.googleapis.com', consumer: 'projects/demo' },
  },
  {
    name: 'missing permission gives PERMISSION_DENIED (7) naming it',
    world: base({}, { projectId: P, deniedPermissions: ['artifactregistry.repositories.create'] }),
    call: (c) => createAndWait(c, 'other-repo'),
    code: 7,
    reason: 'IAM_PERMISSION_DENIED',
    message: /^Permission 'artifactregistry\.repositories\.create' denied on resource '\/\/artifactregistry\.googleapis\.com\/projects\/demo\/locations\/southamerica-east1' \(or it may not exist\)\.$/,
    metadata: { permission: 'artifactregistry.repositories.create' },
  },
  {
    name: 'updateRepository without artifactregistry.repositories.update gives PERMISSION_DENIED (7) naming it',
    world: base({}, { projectId: P, deniedPermissions: ['artifactregistry.repositories.update'] }),
    call: (c) => c.updateRepository({ repository: { name: REPO, cleanupPolicyDryRun: true }, updateMask: { paths: ['cleanup_policy_dry_run'] } }),
    code: 7,
    reason: 'IAM_PERMISSION_DENIED',
    message: /^Permission 'artifactregistry\.repositories\.update' denied on resource '\/\/artifactregistry\.googleapis\.com\/projects\/demo\/locations\/southamerica-east1\/repositories\/mycoolproject-repo' \(or it may not exist\)\.$/,
    metadata: { permission: 'artifactregistry.repositories.update', resource: REPO },
    requests: 1,
  },
  {
    name: 'deleteRepository without artifactregistry.repositories.delete gives PERMISSION_DENIED (7) naming it',
    world: base({}, { projectId: P, deniedPermissions: ['artifactregistry.repositories.delete'] }),
    call: (c) => c.deleteRepository({ name: REPO }).then(([op]) => op.promise()),
    code: 7,
    reason: 'IAM_PERMISSION_DENIED',
    message: /^Permission 'artifactregistry\.repositories\.delete' denied on resource '\/\/artifactregistry\.googleapis\.com\/projects\/demo\/locations\/southamerica-east1\/repositories\/mycoolproject-repo' \(or it may not exist\)\.$/,
    metadata: { permission: 'artifactregistry.repositories.delete', resource: REPO },
    requests: 1,
  },
  {
    name: 'updateRepository with more than 10 cleanup policies gives INVALID_ARGUMENT (3)',
    world: base(),
    call: (c) =>
      c.updateRepository({
        repository: { name: REPO, cleanupPolicies: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`p${i}`, { id: `p${i}`, action: 'DELETE', condition: { olderThan: { seconds: 60 } } }])) },
        updateMask: { paths: ['cleanup_policies'] },
      }),
    code: 3,
    message: /at most 10 cleanup policies; got 11/,
  },
  {
    name: 'updateRepository with a KEEP policy without condition or mostRecentVersions gives INVALID_ARGUMENT (3)',
    world: base(),
    call: (c) => c.updateRepository({ repository: { name: REPO, cleanupPolicies: { k: { id: 'k', action: 'KEEP' } } }, updateMask: { paths: ['cleanup_policies'] } }),
    code: 3,
    message: /a KEEP policy needs a condition or mostRecentVersions/,
  },
  {
    name: 'updateRepository with an output-only field in the mask gives INVALID_ARGUMENT (3)',
    world: base(),
    call: (c) => c.updateRepository({ repository: { name: REPO }, updateMask: { paths: ['size_bytes'] } }),
    code: 3,
    message: /^Invalid update mask field: size_bytes cannot be updated\.$/,
  },
  {
    name: 'updateRepository of a repository that does not exist gives NOT_FOUND (5)',
    world: base({ repositories: [] }),
    call: (c) => c.updateRepository({ repository: { name: REPO, cleanupPolicyDryRun: true }, updateMask: { paths: ['cleanup_policy_dry_run'] } }),
    code: 5,
  },
  {
    name: 'billing off gives PERMISSION_DENIED (7) with BILLING_DISABLED',
    world: base({ repositories: [] }, { projectId: P, projectNumber: '123456789012', billing: false }),
    call: getRepo,
    code: 7,
    reason: 'BILLING_DISABLED',
    message: /requires billing to be enabled\. Please enable billing on project #123456789012 by visiting https:\/\/console\.developers\.google\.com\/billing\/enable\?project=123456789012 then retry/,
  },
  {
    name: 'wrong token gives UNAUTHENTICATED (16)',
    world: base(),
    token: 'not-the-lab-token',
    call: getRepo,
    code: 16,
    message: /Request had invalid authentication credentials/,
  },
  {
    name: 'unknown repository gives NOT_FOUND (5)',
    world: base({ repositories: [] }),
    call: getRepo,
    code: 5,
    message: /Requested entity was not found/,
  },
  {
    name: 'an invalid repository ID gives INVALID_ARGUMENT (3)',
    world: base(),
    call: (c) => createAndWait(c, 'My_Repo'),
    code: 3,
    message: /Invalid repository ID "My_Repo"/,
  },
  {
    name: 'an unknown location gives INVALID_ARGUMENT (3)',
    world: base(),
    call: (c) => c.getRepository({ name: 'projects/demo/locations/eu-west3/repositories/x' }),
    code: 3,
    message: /eu-west3/,
  },
  {
    name: 'an unknown project gives PERMISSION_DENIED (7)',
    world: base(),
    call: (c) => c.getRepository({ name: 'projects/nope/locations/us-east1/repositories/x' }),
    code: 7,
    reason: 'CONSUMER_INVALID',
  },
  {
    // Measured: AR methods have no retry codes in the client's config, so gax does not retry.
    name: 'an injected 503 reaches the Node client as UNAVAILABLE (14), not retried',
    world: base({ faults: [{ kind: 'status', status: 503, times: 2, path: '/repositories/' }] }),
    call: getRepo,
    code: 14,
    requests: 1,
  },
  {
    name: 'an injected 429 gives RESOURCE_EXHAUSTED (8)',
    world: base({ faults: [{ kind: 'status', status: 429, times: 1 }] }),
    call: getRepo,
    code: 8,
  },
  {
    name: 'an injected 500 gives INTERNAL (13)',
    world: base({ faults: [{ kind: 'status', status: 500, times: 1 }] }),
    call: getRepo,
    code: 13,
  },
];

describe('emulator through the real Node client (REST)', () => {
  it.each(errorCases)('$name', async (tc) => {
    const { emu } = await start(tc.world);
    const c = nodeClient(emu.port, tc.token ?? 'lab-token');
    const err = (await tc.call(c).then(
      () => null,
      (e: unknown) => e,
    )) as (Error & { code?: unknown; reason?: string; errorInfoMetadata?: Record<string, string> }) | null;
    expect(err, 'the call should have failed').not.toBeNull();
    expect(err!.constructor.name).toBe('GoogleError');
    expect(err!.code).toBe(tc.code);
    if (tc.reason) expect(err!.reason).toBe(tc.reason);
    if (tc.message) expect(err!.message).toMatch(tc.message);
    if (tc.metadata) expect(err!.errorInfoMetadata).toMatchObject(tc.metadata);
    if (tc.requests !== undefined) expect(emu.world.requests).toHaveLength(tc.requests);
    expect(emu.world.requests.every((r) => r.client === 'node')).toBe(true);
  });

  it('an injected 503 lasts for its `times`, then calls succeed', async () => {
    const { c, emu } = await start(base({ faults: [{ kind: 'status', status: 503, times: 2 }] }));
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i++) codes.push(await getRepo(c).then(() => 'ok', (e: { code?: unknown }) => e.code));
    expect(codes).toEqual([14, 14, 'ok']);
    expect(emu.world.requests.map((r) => r.fault ?? null)).toEqual(['status', 'status', null]);
  });

  it('a reset fault drops the connection: the client sees ECONNRESET, the next call works', async () => {
    const { c } = await start(base({ faults: [{ kind: 'reset', times: 1 }] }));
    const err = (await getRepo(c).then(() => null, (e: unknown) => e)) as { code?: unknown; message?: string } | null;
    expect(err).not.toBeNull();
    expect(err!.code).toBe('ECONNRESET');
    const [repo] = await getRepo(c);
    expect(repo.name).toBe(REPO);
  });

  it('a latency fault delays the answer', async () => {
    const { c, emu } = await start(base({ faults: [{ kind: 'latency', ms: 300, times: 1 }] }));
    const t0 = performance.now();
    await getRepo(c);
    // A lower bound only: the answer cannot come before the delay, however fast the machine.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    await getRepo(c);
    // Only the first call was delayed.
    expect(emu.world.requests.map((r) => r.fault ?? null)).toEqual(['latency', null]);
  });

  it('listLocationsAsync lists the realistic locations, following nextPageToken', async () => {
    const { c, emu } = await start(base());
    const ids: string[] = [];
    for await (const l of c.listLocationsAsync({ name: `projects/${P}`, pageSize: 10 }, { autoPaginate: false })) {
      expect(l.name).toBe(`projects/${P}/locations/${l.locationId}`);
      ids.push(l.locationId!);
    }
    expect(ids).toEqual(expect.arrayContaining(['southamerica-east1', 'us-central1', 'us-east1', 'europe-west1', 'asia-east1']));
    expect(ids.length).toBeGreaterThan(30);
    expect(emu.world.requests.filter((r) => r.path === `/v1/projects/${P}/locations`).length).toBe(Math.ceil(ids.length / 10));
    // Measured: getLocation resolves to [location, …] at runtime although its .d.ts says ILocation.
    const got = (await c.getLocation({ name: `projects/${P}/locations/us-central1` })) as unknown;
    expect(Array.isArray(got)).toBe(true);
    expect((got as Array<{ locationId?: string }>)[0].locationId).toBe('us-central1');
  });

  it('listLocationsAsync honours a declared location list', async () => {
    const { c } = await start(base({ locations: ['southamerica-east1', 'us-east1'] }));
    const ids: string[] = [];
    for await (const l of c.listLocationsAsync({ name: `projects/${P}` }, { autoPaginate: false })) ids.push(l.locationId!);
    expect(ids).toEqual(['southamerica-east1', 'us-east1']);
  });

  it('getRepository returns the declared repository with names for enums and dockerConfig.immutableTags', async () => {
    const { c } = await start(base());
    const [repo] = await getRepo(c);
    expect(repo).toMatchObject({
      name: REPO,
      format: 'DOCKER',
      mode: 'STANDARD_REPOSITORY',
      dockerConfig: { immutableTags: true },
      registryUri: `${L}-docker.pkg.dev/${P}/mycoolproject-repo`,
    });
    expect(Number(repo.createTime!.seconds)).toBeGreaterThan(1_600_000_000);
  });

  it('getRepository shows another format as it is (MAVEN)', async () => {
    const { c } = await start(base({ repositories: [{ project: P, location: L, repositoryId: 'jars', format: 'MAVEN' }] }));
    const [repo] = await c.getRepository({ name: `${PARENT}/repositories/jars` });
    expect(repo.format).toBe('MAVEN');
    expect(repo.registryUri).toBe(`${L}-maven.pkg.dev/${P}/jars`);
  });

  it('createRepository + op.promise() waits through pending polls and stores names, not ints', async () => {
    const { c, emu } = await start(base({ repositories: [], operationPendingPolls: 2 }));
    const [op] = await c.createRepository({
      parent: PARENT,
      repositoryId: 'mycoolproject-repo',
      repository: { format: 'DOCKER', description: 'for the guide', dockerConfig: { immutableTags: true } },
    });
    expect(op.done).toBeFalsy();
    expect(emu.world.repository(P, L, 'mycoolproject-repo')).toBeNull(); // not there until the operation is done
    const [repo] = await op.promise();
    // Measured: op.promise() decodes the operation's Any into a protobuf Repository, whose enum
    // fields are ints (1 = DOCKER, 1 = STANDARD_REPOSITORY) although the wire carries names;
    // getRepository answers plain objects with names. Adapters must accept both.
    expect(repo).toMatchObject({ name: REPO, format: 1, mode: 1, description: 'for the guide' });
    expect(JSON.parse(JSON.stringify(repo))).toMatchObject({ format: 'DOCKER', mode: 'STANDARD_REPOSITORY' });
    const polls = emu.world.requests.filter((r) => r.path.includes('/operations/'));
    expect(polls).toHaveLength(3); // two pending answers, then done
    const post = emu.world.requests[0];
    expect(post.query.repositoryId).toBe('mycoolproject-repo');
    expect((post.body as { format: unknown }).format).toBe(1); // Node sends ints…
    expect(emu.world.repository(P, L, 'mycoolproject-repo')).toMatchObject({ format: 'DOCKER', mode: 'STANDARD_REPOSITORY', immutableTags: true }); // …stored as names
    const [again] = await getRepo(c);
    expect(again.dockerConfig?.immutableTags).toBe(true);
  });

  it('a second create while the first is still pending gives ALREADY_EXISTS', async () => {
    const { c } = await start(base({ repositories: [], operationPendingPolls: 5 }));
    await c.createRepository({ parent: PARENT, repositoryId: 'twice', repository: { format: 'DOCKER' } });
    const err = await c.createRepository({ parent: PARENT, repositoryId: 'twice', repository: { format: 'DOCKER' } }).then(() => null, (e: { code?: unknown }) => e);
    expect(err?.code).toBe(6);
  });

  it('listRepositories follows nextPageToken across pages', async () => {
    const repos = Array.from({ length: 7 }, (_, i) => ({ project: P, location: L, repositoryId: `repo-${i}`, format: 'DOCKER' as const }));
    const { c, emu } = await start(base({ repositories: [...repos, { project: P, location: 'us-east1', repositoryId: 'elsewhere', format: 'NPM' }] }));
    const [all] = await c.listRepositories({ parent: PARENT, pageSize: 3 });
    expect(all.map((r) => r.name!.split('/').pop())).toEqual(repos.map((r) => r.repositoryId));
    expect(emu.world.requests.filter((r) => r.path.endsWith('/repositories'))).toHaveLength(3);
  });

  it('deleteRepository().promise() waits through pending polls; then the repository and its images are gone', async () => {
    const images = new MemoryImageCatalog().add(P, L, 'mycoolproject-repo', { image: 'app', digest: DIGEST_A, tags: ['latest'], sizeBytes: 1 });
    const { c, emu } = await start(base({ operationPendingPolls: 2 }), images);
    const [op] = await c.deleteRepository({ name: REPO });
    expect(op.done).toBeFalsy();
    expect(op.name).toMatch(new RegExp(`^${PARENT}/operations/[0-9a-f-]+$`));
    const [repo] = await getRepo(c);
    expect(repo.name).toBe(REPO); // still there until the operation is done
    const [empty] = await op.promise();
    // google.protobuf.Empty decodes to {}.
    expect(empty).toEqual({});
    expect(emu.world.requests.filter((r) => r.path === `/v1/${op.name}`).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(emu.world.repository(P, L, 'mycoolproject-repo')).toBeNull();
    for (const call of [getRepo, (x: ArtifactRegistryClient) => x.listDockerImages({ parent: REPO }), (x: ArtifactRegistryClient) => x.deleteRepository({ name: REPO })]) {
      const err = await call(c).then(() => null, (e: { code?: unknown; constructor: { name: string } }) => e);
      expect(err?.constructor.name).toBe('GoogleError');
      expect(err?.code).toBe(5);
    }
    await createAndWait(c, 'mycoolproject-repo');
    const [list] = await c.listDockerImages({ parent: REPO });
    expect(list).toEqual([]);
  });

  it.each([
    { name: 'snake_case paths', paths: ['cleanup_policies', 'cleanup_policy_dry_run'] },
    { name: 'lowerCamel paths', paths: ['cleanupPolicies', 'cleanupPolicyDryRun'] },
  ])('updateRepository with updateMask ($name) sets cleanup policies; getRepository shows them', async ({ paths }) => {
    const { c, emu } = await start(base());
    const [updated] = await c.updateRepository({
      repository: {
        name: REPO,
        cleanupPolicies: {
          'keep-recent': { id: 'keep-recent', action: 'KEEP', mostRecentVersions: { keepCount: 10 } },
          'delete-untagged': { id: 'delete-untagged', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: { seconds: 2592000 }, newerThan: { seconds: 1, nanos: 500_000_000 } } },
        },
        cleanupPolicyDryRun: true,
      },
      updateMask: { paths },
    });
    const [got] = await getRepo(c);
    for (const repo of [updated, got]) {
      expect(repo.cleanupPolicyDryRun).toBe(true);
      expect(repo.cleanupPolicies!['keep-recent']).toMatchObject({ id: 'keep-recent', action: 'KEEP', mostRecentVersions: { keepCount: 10 } });
      expect(repo.cleanupPolicies!['delete-untagged']).toMatchObject({
        id: 'delete-untagged',
        action: 'DELETE',
        condition: { tagState: 'UNTAGGED', olderThan: { seconds: '2592000', nanos: 0 }, newerThan: { seconds: '1', nanos: 500_000_000 } },
      });
      expect(repo.dockerConfig?.immutableTags).toBe(true); // outside the mask: unchanged
    }
    // Measured: the mask goes out as given; enums as ints, durations as "Ns" strings.
    const patch = emu.world.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.query.updateMask).toBe(paths.join(','));
    expect(patch.body).toMatchObject({
      cleanupPolicies: {
        'keep-recent': { action: 2, mostRecentVersions: { keepCount: 10 } },
        'delete-untagged': { action: 1, condition: { tagState: 2, olderThan: '2592000s', newerThan: '1.500s' } },
      },
      cleanupPolicyDryRun: true,
    });
    expect(emu.world.repository(P, L, 'mycoolproject-repo')!.cleanupPolicies['delete-untagged']).toEqual({
      id: 'delete-untagged',
      action: 'DELETE',
      condition: { tagState: 'UNTAGGED', olderThan: '2592000s', newerThan: '1.500s' },
    });

    // Policies left out of a masked update are cleared (the map is replaced whole).
    const [cleared] = await c.updateRepository({ repository: { name: REPO, cleanupPolicyDryRun: false }, updateMask: { paths } });
    expect(cleared.cleanupPolicies).toEqual({});
    expect(cleared.cleanupPolicyDryRun).toBe(false);
  });

  it('listDockerImages and getDockerImage read the image catalog', async () => {
    const images = new MemoryImageCatalog()
      .add(P, L, 'mycoolproject-repo', { image: 'app', digest: DIGEST_A, tags: ['latest', 'a3f9c12'], sizeBytes: 12345678, uploadTime: '2026-01-02T03:04:05.000Z' })
      .add(P, L, 'mycoolproject-repo', { image: 'app', digest: DIGEST_B, tags: [], sizeBytes: 42, uploadTime: '2026-01-01T00:00:00.000Z' })
      .add(P, L, 'other-repo', { image: 'nope', digest: DIGEST_A, tags: ['x'], sizeBytes: 1 });
    const { c } = await start(base(), images);
    const [list] = await c.listDockerImages({ parent: REPO, pageSize: 1 });
    expect(list).toHaveLength(2);
    const a = list.find((i) => i.uri!.endsWith(DIGEST_A))!;
    expect(a).toMatchObject({
      name: `${REPO}/dockerImages/app@${DIGEST_A}`,
      uri: `${L}-docker.pkg.dev/${P}/mycoolproject-repo/app@${DIGEST_A}`,
      tags: ['latest', 'a3f9c12'],
      imageSizeBytes: '12345678',
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    });
    expect(a.uri!.split('@')).toHaveLength(2);
    expect(Number(a.uploadTime!.seconds)).toBe(Date.parse('2026-01-02T03:04:05.000Z') / 1000);
    const [one] = await c.getDockerImage({ name: `${REPO}/dockerImages/app@${DIGEST_B}` });
    expect(one.imageSizeBytes).toBe('42');
    const err = await c.getDockerImage({ name: `${REPO}/dockerImages/app@sha256:${'c'.repeat(64)}` }).then(() => null, (e: { code?: unknown }) => e);
    expect(err?.code).toBe(5);
  });

  it('an empty repository lists no images', async () => {
    const { c } = await start(base());
    const [list] = await c.listDockerImages({ parent: REPO });
    expect(list).toEqual([]);
  });
});
