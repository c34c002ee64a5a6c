// All steps in order over strict fakes, state handed from one to the next (what the runner does):
// a newcomer's run with flags and --yes, from an empty Docker config to a verified push.
import { describe, expect, it } from 'vitest';
import { steps, renderSummary } from '../../src/steps/index.js';
import { ourPolicies } from '../../src/cleanupPolicy.js';
import { commandsFor, runStep, fakeWorld, any, type Expectation, type PromptAnswer } from '../fakes.js';
import type { WizardState } from '../../src/ports.js';
import type { StepId } from '../../src/steps/types.js';
import { createEarly } from '../../src/run/early.js';

const P = 'mycoolproject-prod';
const L = 'southamerica-east1';
const R = 'mycoolproject-repo';
const H = `${L}-docker.pkg.dev`;
const RN = `projects/${P}/locations/${L}/repositories/${R}`;
const D = 'sha256:' + 'd'.repeat(64);
const BASE = `${H}/${P}/${R}/mycoolproject`;

const calls: Expectation[] = [
  // preflight (parallel)
  { call: 'gcloud.version', result: 'Google Cloud SDK 528.0.0' },
  { call: 'gcloud.config', result: { account: 'ana@example.com', project: P }, times: Infinity },
  { call: 'docker.info', result: { clientVersion: '26', serverVersion: '26', path: '/usr/bin/docker' } },
  { call: 'docker.findHelper', args: ['gcloud'], result: '/usr/bin/docker-credential-gcloud', times: 2 }, // preflight, docker-auth
  { call: 'git.isRepo', result: true },
  // project, region
  { call: 'api.listLocations', args: [P], result: ['us-central1', L] },
  // repository
  { call: 'api.getRepository', args: [RN], result: null },
  { call: 'api.createRepository', args: [{ project: P, location: L, repositoryId: R, description: any }], result: { name: RN, format: 'DOCKER', mode: 'STANDARD_REPOSITORY' } },
  // docker-auth: the one entry, written directly (no gcloud process)
  { call: 'dockerConfig.read', result: { auths: { 'ghcr.io': {} } } },
  { call: 'dockerConfig.write', args: [{ auths: { 'ghcr.io': {} }, credHelpers: { [H]: 'gcloud' } }], result: { backupPath: '/home/u/.docker/config.json.registry-setup.bak' } },
  // push (no Dockerfile → verification image)
  { call: 'files.exists', args: ['Dockerfile'], result: false },
  { call: 'docker.load' }, // made here for linux/amd64: not inspected
  { call: 'git.shortSha', result: 'a3f9c12' },
  { call: 'docker.tag', times: 2 },
  { call: 'docker.localTags', args: [BASE], result: ['latest', 'a3f9c12'] },
  { call: 'docker.pushAllTags', args: [BASE], result: { latest: { digest: D }, a3f9c12: { digest: D } } },
  // verify; the summary counts the storage from that same listing (the run's early work hands it over)
  { call: 'api.listDockerImages', args: [RN], result: [{ name: 'n', uri: `${BASE}@${D}`, tags: ['latest', 'a3f9c12'], imageSizeBytes: 528 }] },
  // cleanup: its question looks at the repository's policies (none)
  { call: 'api.getRepository', args: [RN], result: { name: RN, format: 'DOCKER', cleanupPolicies: [] } },
];
const KEEP10 = ourPolicies(10);
/** The offer accepted: the listing for its preview, then (executing) a fresh look, the listing again, and the patch. */
const acceptCleanup: Expectation[] = [
  { call: 'api.listDockerImages', args: [RN], result: [{ name: 'n', uri: `${BASE}@${D}`, tags: ['latest', 'a3f9c12'], imageSizeBytes: 528 }], times: 2 },
  { call: 'api.getRepository', args: [RN], result: { name: RN, format: 'DOCKER', cleanupPolicies: [] } },
  { call: 'step.save', args: [{ cleanupSet: KEEP10 }] },
  { call: 'api.setCleanupPolicies', args: [RN, KEEP10, false], result: { name: RN, format: 'DOCKER', cleanupPolicies: KEEP10 } },
];

describe('chapter 02 over fakes', () => {
  it('runs every step in order with --yes and ends with a verified push and a summary', async () => {
    const w = fakeWorld({ calls, ordered: false });
    let state: Partial<WizardState> = {};
    const commandsByStep: Partial<Record<StepId, string[]>> = {};
    const early = createEarly(); // one per run, as the runner makes it
    for (const step of steps) {
      const out = await runStep(step, { ...w.ctx({ yes: true }, state), early }, w.env, new AbortController().signal);
      state = { ...state, ...out.state };
      commandsByStep[step.id] = out.commands ?? [];
    }
    w.assertDone();
    early.stop();
    expect(state).toMatchObject({
      storage: { images: 1, bytes: 528 },
      project: P, location: L, repository: R, repositoryName: RN, registryHost: H, createdRepository: true,
      image: 'mycoolproject', source: 'sample', sha: 'a3f9c12', digest: D, imageUris: [`${BASE}:latest`, `${BASE}:a3f9c12`],
      dockerConfigBackup: '/home/u/.docker/config.json.registry-setup.bak',
      cleanup: 'not-asked', cleanupPolicies: [],
    });
    const s = renderSummary(state, commandsByStep);
    expect(s.registryUrl).toBe(`${H}/${P}/${R}`);
    expect(s.script).toContain(`gcloud artifacts repositories create ${R} --repository-format=docker --location=${L} --project=${P}`);
    expect(s.script).toContain(`gcloud auth configure-docker ${H}`);
    expect(s.script).toContain(`docker push ${BASE}:a3f9c12`);
    // --yes without --cleanup: no policy, and the summary says how to add one
    expect(s.script).toContain(`#   gcloud artifacts repositories set-cleanup-policies ${R} --location=${L} --project=${P} --policy=cleanup-policy.json --no-dry-run`);
    expect(s.costFacts.at(-1)).toMatch(/^No cleanup policy on mycoolproject-repo: .*registry-setup --cleanup keep=10/);
    // nothing secret-looking in anything saved or printed
    expect(JSON.stringify({ state, s, r: w.report.text() })).not.toMatch(/ya29\.|"Secret"/);
  });
});

describe('chapter 02 over fakes, interactive newcomer', () => {
  it('asks, in order: project, region, repository ID, image name, what to push, the cleanup policy; defaults accepted', async () => {
    const answers: PromptAnswer[] = [
      { select: /Project for the repository/, answer: (q: { default?: unknown }) => q.default },
      { search: /^Region/, answer: (q: { default?: unknown }) => q.default },
      { input: /Repository ID/, answer: '' },
      { input: /Image name/, answer: '' },
      { select: /What to push first/, answer: 'sample' },
      { select: /^Cleanup policy$/, answer: (q: { default?: unknown }) => q.default },
    ];
    const w = fakeWorld({ calls: [...calls, ...acceptCleanup], ordered: false, answers, interactive: true });
    let state: Partial<WizardState> = {};
    const early = createEarly();
    for (const step of steps) {
      const out = await runStep(step, { ...w.ctx({}, state), early }, w.env, new AbortController().signal);
      state = { ...state, ...out.state };
    }
    early.stop();
    w.assertDone();
    expect(w.prompter.asked.map((q) => `${q.kind}: ${q.default ?? ''}`)).toEqual([
      `select: ${P}`,
      `search: ${L}`,
      `input: ${R}`,
      'input: mycoolproject',
      'select: sample',
      'select: default',
    ]);
    expect(state).toMatchObject({ project: P, location: L, repository: R, image: 'mycoolproject', digest: D, cleanup: { keep: 10 }, cleanupPolicies: KEEP10 });
  });
});
