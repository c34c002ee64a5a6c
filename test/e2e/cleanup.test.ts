// Acceptance of the cleanup policy (issue 11, part 1), on the lab: the built CLI with
// `--yes --cleanup keep=5`, then the real gcloud describes the repository and shows a Keep policy
// with keepCount 5 and the Delete policy for untagged versions. A re-run finds it in place and
// changes nothing; its --json says what is set.

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { BASE_ARGS, LOCATION, PROJECT, REPO, newUser, removeUser, runWizard, world, type User } from './fault-scenarios.js';

let lab: Lab;
let user: User | undefined;

beforeAll(async () => {
  lab = await theLab();
});

afterAll(async () => {
  if (user) await removeUser(user);
});

describe('--yes --cleanup keep=5 on the lab', () => {
  it('sets the Keep (5) and the untagged Delete policy, as gcloud describe shows; a re-run sends no update', async () => {
    await lab.setWorld(world());
    user = await newUser(lab, 'cleanup');
    const args = [...BASE_ARGS, '--cleanup', 'keep=5'];

    const first = await runWizard(user, args);
    expect(first.code, first.all.slice(-3000)).toBe(0);
    // The summary's script and costs say what was set, with gcloud's own command.
    expect(first.stdout).toContain(`gcloud artifacts repositories set-cleanup-policies ${REPO} --location=${LOCATION} --project=${PROJECT} --policy=cleanup-policy.json --no-dry-run`);
    expect(first.stdout).toContain('{"name":"keep-most-recent","action":{"type":"Keep"},"mostRecentVersions":{"keepCount":5}}');
    expect(first.stdout).toMatch(/Cleanup policy on mycoolproject-repo: the 5 most recent versions of each image are always kept/);
    // The step's own line: the policy, in short.
    expect(first.all).toMatch(/^\[7\/8\] Add a cleanup policy: keep 5 most recent, delete untagged after 30 days$/m);

    const described = await execa('gcloud', ['artifacts', 'repositories', 'describe', REPO, `--location=${LOCATION}`, `--project=${PROJECT}`, '--format=json'], {
      env: lab.toolEnv(),
      extendEnv: false,
    });
    const repo = JSON.parse(described.stdout) as { cleanupPolicies?: Record<string, { action: string; mostRecentVersions?: { keepCount?: number }; condition?: { tagState?: string; olderThan?: string } }>; cleanupPolicyDryRun?: boolean };
    const policies = Object.values(repo.cleanupPolicies ?? {});
    expect(policies, described.stdout).toHaveLength(2);
    expect(policies.filter((p) => p.action === 'KEEP').map((p) => p.mostRecentVersions?.keepCount)).toEqual([5]);
    expect(policies.filter((p) => p.action === 'DELETE').map((p) => p.condition)).toEqual([{ tagState: 'UNTAGGED', olderThan: '2592000s' }]);
    expect(repo.cleanupPolicyDryRun).toBeUndefined(); // gcloud shows it only when the dry run is on

    const since = ((await lab.requests()).at(-1)?.seq ?? 0) as number;
    const again = await runWizard(user, [...args, '--json']);
    expect(again.code, again.all.slice(-3000)).toBe(0);
    const doc = JSON.parse(again.stdout) as { cleanup?: { applied: boolean; keep?: number; policies: unknown[] }; steps: { id: string; status: string; rechecked?: boolean }[] };
    expect(doc.cleanup).toMatchObject({ applied: true, keep: 5 });
    expect(doc.cleanup?.policies).toHaveLength(2);
    expect(doc.steps.find((s) => s.id === 'cleanup')).toMatchObject({ status: 'done', rechecked: true });
    const patches = (await lab.requests(since)).filter((q) => q.method === 'PATCH');
    expect(patches).toEqual([]);
  });
});
