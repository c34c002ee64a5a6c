// The emulator through the REAL gcloud (google-cloud-cli, offline, pointed at the emulator by
// its endpoint overrides, with a throwaway CLOUDSDK_CONFIG for this file). Each case starts its
// own emulator on a random port; cases run concurrently because gcloud mostly waits (its
// operation polls are 1 s, 3 s, 3 s … apart and its 5xx retries back off).

import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { afterAll, beforeAll, describe, expect as matchers, it } from 'vitest';

import { MemoryImageCatalog, startEmulator, type Emulator } from './emulator/server.js';
import { gcloudConfig, type GcloudConfig, type GcloudResult } from './emulator/testkit.js';
import type { WorldSpec } from './emulator/world.js';

const P = 'demo';
const L = 'southamerica-east1';
const DIGEST = `sha256:${'d'.repeat(64)}`;
const AUTH_NOTE = /This command is authenticated with an access token from .* specified by the \[auth\/access_token_file\] property/;

let g: GcloudConfig;
beforeAll(async () => {
  g = await gcloudConfig();
});
afterAll(async () => {
  await g?.cleanup();
});

const world = (extra: Partial<WorldSpec> = {}, projects: WorldSpec['projects'] = [{ projectId: P }]): WorldSpec => ({
  projects,
  repositories: [{ project: P, location: L, repositoryId: 'existing-repo', format: 'DOCKER' }],
  ...extra,
});

interface Case {
  name: string;
  world: WorldSpec;
  images?: MemoryImageCatalog;
  args: string[];
  /** Written to a file whose path replaces '@POLICY' in args (gcloud's policy file form). */
  policy?: unknown;
  token?: string;
  project?: string;
  exit: number;
  stdout?: RegExp[];
  stderr?: RegExp[];
  /** stdout parsed as JSON must equal this. */
  json?: unknown;
  /** Checks on the emulator afterwards (its world and request log). */
  after?: (emu: Emulator, r: GcloudResult) => void;
}

const create = (repo: string) => ['artifacts', 'repositories', 'create', repo, '--repository-format=docker', `--location=${L}`];
const describeRepo = (repo: string) => ['artifacts', 'repositories', 'describe', repo, `--location=${L}`];
const setPolicies = (...flags: string[]) => ['artifacts', 'repositories', 'set-cleanup-policies', 'existing-repo', `--location=${L}`, ...flags];

/** lifecycle.md's policy file, as a user writes it. */
const POLICY_FILE = [
  { name: 'keep-recent', action: { type: 'Keep' }, mostRecentVersions: { keepCount: 10 } },
  { name: 'delete-untagged', action: { type: 'Delete' }, condition: { tagState: 'untagged', olderThan: '30d' } },
];
/** The same policies as the API stores and answers them. */
const API_POLICIES = {
  'delete-untagged': { id: 'delete-untagged', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: '2592000s' } },
  'keep-recent': { id: 'keep-recent', action: 'KEEP', mostRecentVersions: { keepCount: 10 } },
};
/** …and as gcloud prints them back (file form, sorted by name, canonical names). */
const PRINTED_POLICIES = [
  { name: 'delete-untagged', action: { type: 'DELETE' }, condition: { olderThan: '2592000s', tagState: 'UNTAGGED' } },
  { name: 'keep-recent', action: { type: 'KEEP' }, mostRecentVersions: { keepCount: 10 } },
];
const withPolicies = (dryRun: boolean) => world({ repositories: [{ project: P, location: L, repositoryId: 'existing-repo', format: 'DOCKER', cleanupPolicies: API_POLICIES, cleanupPolicyDryRun: dryRun }] });
const expectIso = matchers.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const REPO_NAME = `projects/${P}/locations/${L}/repositories/existing-repo`;

/** The request log as "METHOD path?updateMask" lines (what gcloud sent, in order). */
const calls = (emu: Emulator) => emu.world.requests.map((x) => `${x.method} ${x.path}${x.query.updateMask !== undefined ? `?updateMask=${x.query.updateMask}` : ''}`);
function expectCalls(emu: Emulator, want: string[]): void {
  const got = calls(emu);
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`gcloud sent\n${got.join('\n')}\nexpected\n${want.join('\n')}`);
}
function expectPolicies(emu: Emulator, policies: unknown, dryRun: boolean): void {
  const repo = emu.world.repository(P, L, 'existing-repo');
  const got = { policies: repo?.cleanupPolicies, dryRun: repo?.cleanupPolicyDryRun };
  if (!isDeepStrictEqual(got, { policies, dryRun })) throw new Error(`stored ${JSON.stringify(got)}, expected ${JSON.stringify({ policies, dryRun })}`);
}

const cases: Case[] = [
  {
    name: "the guide's create command succeeds (operation done at once)",
    world: world(),
    args: create('mycoolproject-repo'),
    exit: 0,
    stderr: [/Created repository \[mycoolproject-repo\]\./],
    after: (emu, r) => {
      if (r.stdout.trim() !== '') throw new Error(`stdout should stay empty, got ${r.stdout}`);
      const post = emu.world.requests.find((x) => x.method === 'POST')!;
      if (post.client !== 'gcloud' || post.command !== 'gcloud.artifacts.repositories.create') throw new Error(`client not recognised: ${JSON.stringify(post)}`);
      const body = post.body as Record<string, unknown>;
      if (body.format !== 'DOCKER' || body.mode !== 'MODE_UNSPECIFIED') throw new Error(`unexpected body ${JSON.stringify(body)}`);
      const repo = emu.world.repository(P, L, 'mycoolproject-repo');
      if (repo?.format !== 'DOCKER' || repo.mode !== 'STANDARD_REPOSITORY') throw new Error(`stored ${JSON.stringify(repo)}`);
    },
  },
  {
    name: "the guide's create command succeeds while the operation stays pending for 2 polls",
    world: world({ operationPendingPolls: 2 }),
    args: create('mycoolproject-repo'),
    exit: 0,
    stderr: [/Waiting for operation \[projects\/demo\/locations\/southamerica-east1\/operations\/[^\]]+\] to complete/, /Created repository \[mycoolproject-repo\]\./],
    after: (emu) => {
      const polls = emu.world.requests.filter((x) => x.path.includes('/operations/'));
      if (polls.length !== 3) throw new Error(`expected 3 polls (2 pending + done), saw ${polls.length}`);
    },
  },
  {
    name: 'describe shows a declared repository',
    world: world({ repositories: [{ project: P, location: L, repositoryId: 'mycoolproject-repo', format: 'DOCKER', immutableTags: true, description: 'guide' }] }),
    args: describeRepo('mycoolproject-repo'),
    exit: 0,
    stdout: [/format: DOCKER/, /mode: STANDARD_REPOSITORY/, /name: projects\/demo\/locations\/southamerica-east1\/repositories\/mycoolproject-repo/, /immutableTags: true/, /description: guide/],
  },
  {
    // Measured: gcloud GETs the repository, then PATCHes all of it back with the file's
    // spelling ("Delete", "untagged") and durations in seconds ("2592000.0s").
    name: 'set-cleanup-policies --policy=FILE --no-dry-run: GET, then PATCH with updateMask=cleanupPolicies,cleanupPolicyDryRun',
    world: world(),
    args: setPolicies('--policy=@POLICY', '--no-dry-run'),
    policy: POLICY_FILE,
    exit: 0,
    json: PRINTED_POLICIES,
    stderr: [/^Updated repository \[existing-repo\]\.$/m, /^Dry run is disabled\.$/m],
    after: (emu) => {
      const path = `/v1/${REPO_NAME}`;
      expectCalls(emu, [`GET ${path}`, `PATCH ${path}?updateMask=cleanupPolicies,cleanupPolicyDryRun`]);
      const patch = emu.world.requests[1];
      const sent = JSON.stringify(patch.body);
      const want = JSON.stringify({
        cleanupPolicies: {
          'delete-untagged': { action: 'Delete', condition: { olderThan: '2592000.0s', tagState: 'untagged' }, id: 'delete-untagged' },
          'keep-recent': { action: 'Keep', id: 'keep-recent', mostRecentVersions: { keepCount: 10 } },
        },
        cleanupPolicyDryRun: false,
      }).slice(0, -1);
      if (!sent.startsWith(want)) throw new Error(`PATCH body ${sent}`);
      if (!/"format":"DOCKER"/.test(sent) || !/"sizeBytes":"0"/.test(sent)) throw new Error(`gcloud no longer sends the whole repository back: ${sent}`);
      expectPolicies(emu, API_POLICIES, false);
    },
  },
  {
    name: 'set-cleanup-policies --policy=FILE alone: updateMask=cleanupPolicies, the dry-run setting stays',
    world: withPolicies(true),
    args: setPolicies('--policy=@POLICY'),
    policy: [POLICY_FILE[0]],
    exit: 0,
    json: [PRINTED_POLICIES[1]],
    stderr: [/^Dry run is enabled\.$/m],
    after: (emu) => {
      expectCalls(emu, [`GET /v1/${REPO_NAME}`, `PATCH /v1/${REPO_NAME}?updateMask=cleanupPolicies`]);
      expectPolicies(emu, { 'keep-recent': API_POLICIES['keep-recent'] }, true);
    },
  },
  {
    name: 'set-cleanup-policies --dry-run alone: updateMask=cleanupPolicyDryRun, the policies stay',
    world: withPolicies(false),
    args: setPolicies('--dry-run'),
    exit: 0,
    json: PRINTED_POLICIES,
    stderr: [/^Dry run is enabled\.$/m],
    after: (emu) => {
      expectCalls(emu, [`GET /v1/${REPO_NAME}`, `PATCH /v1/${REPO_NAME}?updateMask=cleanupPolicyDryRun`]);
      expectPolicies(emu, API_POLICIES, true);
    },
  },
  {
    name: 'describe --format=json shows the policies as the API answers them (names, durations as strings)',
    world: withPolicies(true),
    args: [...describeRepo('existing-repo'), '--format=json'],
    exit: 0,
    json: {
      cleanupPolicies: API_POLICIES,
      cleanupPolicyDryRun: true,
      createTime: expectIso,
      format: 'DOCKER',
      mode: 'STANDARD_REPOSITORY',
      name: REPO_NAME,
      registryUri: `${L}-docker.pkg.dev/${P}/existing-repo`,
      updateTime: expectIso,
    },
    stderr: [/^Repository Size: 0\.000MB$/m],
    after: (emu) => expectCalls(emu, [`GET /v1/${REPO_NAME}`]),
  },
  {
    name: 'list-cleanup-policies prints them in the file form',
    world: withPolicies(false),
    args: ['artifacts', 'repositories', 'list-cleanup-policies', 'existing-repo', `--location=${L}`],
    exit: 0,
    json: PRINTED_POLICIES,
    stderr: [/^Dry run is disabled\.$/m],
  },
  {
    // Measured: delete-cleanup-policies PATCHes the whole repository back without an updateMask.
    name: 'delete-cleanup-policies: PATCH without updateMask, the named policy gone',
    world: withPolicies(true),
    args: ['artifacts', 'repositories', 'delete-cleanup-policies', 'existing-repo', `--location=${L}`, '--policynames=keep-recent'],
    exit: 0,
    json: [PRINTED_POLICIES[0]],
    after: (emu) => {
      expectCalls(emu, [`GET /v1/${REPO_NAME}`, `PATCH /v1/${REPO_NAME}`]);
      expectPolicies(emu, { 'delete-untagged': API_POLICIES['delete-untagged'] }, true);
    },
  },
  {
    name: 'set-cleanup-policies with 11 policies: the API refuses (gcloud does not count)',
    world: world(),
    args: setPolicies('--policy=@POLICY', '--no-dry-run'),
    policy: Array.from({ length: 11 }, (_, i) => ({ name: `p${i}`, action: { type: 'Delete' }, condition: { olderThan: `${i + 1}d` } })),
    exit: 1,
    stderr: [/^ERROR: \(gcloud\.artifacts\.repositories\.set-cleanup-policies\) INVALID_ARGUMENT: A repository can have at most 10 cleanup policies; got 11\.$/m],
    after: (emu) => expectPolicies(emu, {}, false),
  },
  {
    name: 'set-cleanup-policies with an unknown action: gcloud passes it on, the API refuses it',
    world: world(),
    args: setPolicies('--policy=@POLICY'),
    policy: [{ name: 'x', action: { type: 'Destroy' }, condition: { olderThan: '1d' } }],
    exit: 1,
    stderr: [/INVALID_ARGUMENT: Invalid value at 'repository\.cleanup_policies\["x"\]\.action' \(type\.googleapis\.com\/google\.devtools\.artifactregistry\.v1\.CleanupPolicy\.Action\), "Destroy"/],
  },
  {
    name: 'set-cleanup-policies without artifactregistry.repositories.update gives PERMISSION_DENIED naming it',
    world: world({}, [{ projectId: P, deniedPermissions: ['artifactregistry.repositories.update'] }]),
    args: setPolicies('--policy=@POLICY', '--no-dry-run'),
    policy: POLICY_FILE,
    exit: 1,
    stderr: [
      /^ERROR: \(gcloud\.artifacts\.repositories\.set-cleanup-policies\) PERMISSION_DENIED: Permission 'artifactregistry\.repositories\.update' denied on resource '\/\/artifactregistry\.googleapis\.com\/projects\/demo\/locations\/southamerica-east1\/repositories\/existing-repo' \(or it may not exist\)/m,
      /reason: IAM_PERMISSION_DENIED/,
      /permission: artifactregistry\.repositories\.update/,
      AUTH_NOTE,
    ],
    after: (emu) => expectPolicies(emu, {}, false),
  },
  {
    name: 'repositories delete waits for its operation (pending for 1 poll); the repository is gone',
    world: world({ operationPendingPolls: 1 }),
    args: ['artifacts', 'repositories', 'delete', 'existing-repo', `--location=${L}`],
    exit: 0,
    stderr: [/^Delete request issued for: \[existing-repo\]$/m, /^Deleted repository \[existing-repo\]\.$/m],
    after: (emu, r) => {
      if (r.stdout.trim() !== '') throw new Error(`stdout should stay empty, got ${r.stdout}`);
      const got = calls(emu);
      if (got[0] !== `DELETE /v1/${REPO_NAME}` || got.length !== 3 || !got.slice(1).every((c) => /^GET \/v1\/projects\/demo\/locations\/southamerica-east1\/operations\/[0-9a-f-]+$/.test(c)))
        throw new Error(`expected DELETE then 2 polls, saw\n${got.join('\n')}`);
      if (emu.world.repository(P, L, 'existing-repo') !== null) throw new Error('the repository is still there');
    },
  },
  {
    name: 'repositories delete without artifactregistry.repositories.delete gives PERMISSION_DENIED naming it',
    world: world({}, [{ projectId: P, deniedPermissions: ['artifactregistry.repositories.delete'] }]),
    args: ['artifacts', 'repositories', 'delete', 'existing-repo', `--location=${L}`],
    exit: 1,
    stderr: [/PERMISSION_DENIED: Permission 'artifactregistry\.repositories\.delete' denied on resource '\/\/artifactregistry\.googleapis\.com\/projects\/demo\/locations\/southamerica-east1\/repositories\/existing-repo'/, /permission: artifactregistry\.repositories\.delete/, AUTH_NOTE],
    after: (emu) => {
      if (!emu.world.repository(P, L, 'existing-repo')) throw new Error('the repository was deleted');
    },
  },
  {
    name: 'creating an existing repository gives ALREADY_EXISTS',
    world: world(),
    args: create('existing-repo'),
    exit: 1,
    stderr: [/^ERROR: \(gcloud\.artifacts\.repositories\.create\) ALREADY_EXISTS: the repository already exists/m],
  },
  {
    name: 'API disabled gives PERMISSION_DENIED with the SERVICE_DISABLED text gcloud recognises',
    world: world({ repositories: [] }, [{ projectId: P, apiEnabled: false }]),
    args: describeRepo('existing-repo'),
    exit: 1,
    stderr: [
      /PERMISSION_DENIED: Artifact Registry API has not been used in project demo before or it is disabled\. Enable it by visiting https:\/\/console\.developers\.google\.com\/apis\/api\/artifactregistry\.googleapis\.com\/overview\?project=demo then retry\./,
      /reason: SERVICE_DISABLED/,
    ],
  },
  {
    name: 'a missing permission gives PERMISSION_DENIED naming it',
    world: world({}, [{ projectId: P, deniedPermissions: ['artifactregistry.repositories.create'] }]),
    args: create('mycoolproject-repo'),
    exit: 1,
    stderr: [/PERMISSION_DENIED: Permission 'artifactregistry\.repositories\.create' denied on resource '\/\/artifactregistry\.googleapis\.com\/projects\/demo\/locations\/southamerica-east1' \(or it may not exist\)/, /permission: artifactregistry\.repositories\.create/, AUTH_NOTE],
  },
  {
    name: 'billing off gives PERMISSION_DENIED with BILLING_DISABLED',
    world: world({}, [{ projectId: P, projectNumber: '123456789012', billing: false }]),
    args: describeRepo('existing-repo'),
    exit: 1,
    stderr: [/PERMISSION_DENIED: This API method requires billing to be enabled\. Please enable billing on project #123456789012/, /reason: BILLING_DISABLED/],
  },
  {
    name: 'an injected 503 (times 2) is retried by gcloud, which then succeeds',
    world: world({ faults: [{ kind: 'status', status: 503, times: 2, method: 'GET', path: '/repositories/existing-repo$' }] }),
    args: describeRepo('existing-repo'),
    exit: 0,
    stdout: [/name: projects\/demo\/locations\/southamerica-east1\/repositories\/existing-repo/],
    after: (emu) => {
      const seen = emu.world.requests.map((x) => x.status);
      if (seen.join(',') !== '503,503,200') throw new Error(`expected 503,503,200, saw ${seen.join(',')}`);
    },
  },
  {
    name: 'a wrong token gives UNAUTHENTICATED (gcloud tries twice)',
    world: world(),
    token: 'not-the-lab-token',
    args: describeRepo('existing-repo'),
    exit: 1,
    stderr: [/UNAUTHENTICATED: Request had invalid authentication credentials/],
    after: (emu) => {
      const auth = emu.world.requests.map((x) => `${x.status}:${x.auth}`);
      if (auth.join(',') !== '401:invalid,401:invalid') throw new Error(`saw ${auth.join(',')}`);
      if (JSON.stringify(emu.world.requests).includes('not-the-lab-token')) throw new Error('the token leaked into the request log');
    },
  },
  {
    name: 'artifacts locations list shows the locations (v1beta2)',
    world: world(),
    args: ['artifacts', 'locations', 'list'],
    exit: 0,
    stdout: [/^southamerica-east1$/m, /^us-central1$/m, /^europe-west1$/m, /^asia-east1$/m, /^us-east1$/m],
    after: (emu) => {
      if (!emu.world.requests.some((x) => x.path === '/v1beta2/projects/demo/locations')) throw new Error('no v1beta2 locations call');
    },
  },
  {
    name: 'projects list shows the active, visible projects',
    world: world({}, [
      { projectId: P, projectNumber: '123456789012', name: 'Demo Project' },
      { projectId: 'second-project' },
      { projectId: 'going-away', lifecycleState: 'DELETE_REQUESTED' },
      { projectId: 'hidden', deniedPermissions: ['resourcemanager.projects.get'] },
    ]),
    args: ['projects', 'list'],
    exit: 0,
    stdout: [/^PROJECT_ID\s+NAME\s+PROJECT_NUMBER$/m, /^demo\s+Demo Project\s+123456789012$/m, /^second-project\s/m],
    after: (emu, r) => {
      if (/going-away|hidden/.test(r.stdout)) throw new Error(`listed a deleted or invisible project:\n${r.stdout}`);
      const q = emu.world.requests[0].query;
      if (q.filter !== 'lifecycleState:ACTIVE') throw new Error(`filter ${q.filter}`);
    },
  },
  {
    name: 'projects describe of an unknown project: no permission (or it may not exist)',
    world: world(),
    args: ['projects', 'describe', 'nope-project'],
    exit: 1,
    stderr: [/does not have permission to access projects instance \[nope-project\] \(or it may not exist\)/],
  },
  {
    name: 'services enable on a project without billing fails with FAILED_PRECONDITION',
    world: world({}, [{ projectId: P, projectNumber: '123456789012', apiEnabled: false, billing: false }]),
    args: ['services', 'enable', 'artifactregistry.googleapis.com'],
    exit: 1,
    stderr: [/FAILED_PRECONDITION: Billing account for project '123456789012' is not found\. Billing must be enabled for activation of service\(s\) 'artifactregistry\.googleapis\.com' to proceed\./],
  },
  {
    name: 'docker images list --include-tags reads the image catalog',
    world: world(),
    images: new MemoryImageCatalog().add(P, L, 'existing-repo', { image: 'app', digest: DIGEST, tags: ['latest', 'a3f9c12'], sizeBytes: 12345, uploadTime: '2026-01-02T03:04:05.000Z' }),
    args: ['artifacts', 'docker', 'images', 'list', `${L}-docker.pkg.dev/${P}/existing-repo`, '--include-tags'],
    exit: 0,
    stdout: [new RegExp(`^${L}-docker\\.pkg\\.dev/demo/existing-repo/app\\s+${DIGEST}\\s+latest,a3f9c12\\s`, 'm')],
  },
  {
    name: 'docker images describe IMAGE:TAG resolves the tag through packages/tags',
    world: world(),
    images: new MemoryImageCatalog().add(P, L, 'existing-repo', { image: 'app', digest: DIGEST, tags: ['latest', 'a3f9c12'], sizeBytes: 12345 }),
    args: ['artifacts', 'docker', 'images', 'describe', `${L}-docker.pkg.dev/${P}/existing-repo/app:a3f9c12`],
    exit: 0,
    stdout: [new RegExp(`digest: ${DIGEST}`), new RegExp(`fully_qualified_digest: ${L}-docker\\.pkg\\.dev/demo/existing-repo/app@${DIGEST}`)],
    after: (emu) => {
      if (!emu.world.requests.some((x) => x.path.endsWith('/packages/app/tags/a3f9c12') && x.status === 200)) throw new Error('the tag was not looked up');
      if (emu.world.requests.some((x) => x.status === 403 || x.status === 404)) throw new Error(`refused calls: ${JSON.stringify(emu.world.requests.map((r) => [r.path, r.status]))}`);
    },
  },
];

describe.concurrent('emulator through the real gcloud', () => {
  it.for(cases)('$name', async (tc, { expect }) => {
    const emu = await startEmulator({ world: tc.world, images: tc.images });
    try {
      let args = tc.args;
      if (tc.policy !== undefined) {
        const file = join(g.dir, `policy-${randomUUID()}.json`);
        await writeFile(file, JSON.stringify(tc.policy));
        args = args.map((a) => a.replace('@POLICY', file));
      }
      const r = await g.run(emu.url, args, { token: tc.token, project: tc.project });
      const ctx = `gcloud ${args.join(' ')}\nexit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      expect(r.exitCode, ctx).toBe(tc.exit);
      for (const re of tc.stdout ?? []) expect(r.stdout, ctx).toMatch(re);
      for (const re of tc.stderr ?? []) expect(r.stderr, ctx).toMatch(re);
      if (tc.json !== undefined) expect(JSON.parse(r.stdout), ctx).toEqual(tc.json);
      expect(emu.world.requests.length, 'gcloud should have reached the emulator').toBeGreaterThan(0);
      expect(emu.world.requests.every((x) => x.client === 'gcloud')).toBe(true);
      tc.after?.(emu, r);
    } finally {
      await emu.close();
    }
  });

  it('services enable waits for its operation; the API answers enableDelayMs after it is done', async ({ expect }) => {
    const emu = await startEmulator({ world: world({ enableDelayMs: 4000, enablePendingPolls: 1 }, [{ projectId: P, apiEnabled: false }]) });
    try {
      const probe = async () => {
        const res = await fetch(`${emu.url}v1/projects/${P}/locations/${L}/repositories`, { headers: { authorization: 'Bearer lab-token' } });
        const body = (await res.json()) as { error?: { details?: Array<{ reason?: string }> } };
        return res.status === 200 ? 'ok' : (body.error?.details?.[0]?.reason ?? String(res.status));
      };
      expect(await probe()).toBe('SERVICE_DISABLED');
      const r = await g.run(emu.url, ['services', 'enable', 'artifactregistry.googleapis.com']);
      expect(r.exitCode, r.stderr).toBe(0);
      const enable = emu.world.requests.find((x) => x.method === 'POST')!;
      expect(enable.path).toBe('/su/v1/projects/demo/services/artifactregistry.googleapis.com:enable');
      const polls = emu.world.requests.filter((x) => x.method === 'GET' && x.path.startsWith('/su/v1/operations/acat.p2-'));
      expect(polls.map((x) => x.status)).toEqual([200, 200]); // one pending answer, then done
      expect(emu.world.serviceState(P, 'artifactregistry.googleapis.com')).toBe('ENABLED');
      const enabledAt = Date.parse(polls[1].time);
      if (Date.now() < enabledAt + 3500) expect(await probe()).toBe('SERVICE_DISABLED');
      const list = await g.run(emu.url, ['services', 'list', '--enabled']);
      expect(list.stdout).toMatch(/^artifactregistry\.googleapis\.com\s+Artifact Registry API$/m);
      await expect.poll(probe, { timeout: 8000, interval: 200 }).toBe('ok');
      expect(Date.now()).toBeGreaterThanOrEqual(enabledAt + 4000);
    } finally {
      await emu.close();
    }
  });
});
