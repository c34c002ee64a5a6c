import { describe, expect, it } from 'vitest';
import { renderSummary, summary } from '../../src/steps/summary.js';
import { steps } from '../../src/steps/index.js';
import { commandsFor, runStep, fakeWorld, type Expectation } from '../fakes.js';
import { createEarly } from '../../src/run/early.js';
import type { WizardState } from '../../src/ports.js';

const H = 'southamerica-east1-docker.pkg.dev';
const D = 'sha256:' + 'c'.repeat(64);
const full: Partial<WizardState> = {
  project: 'mycoolproject-prod',
  location: 'southamerica-east1',
  repository: 'mycoolproject-repo',
  repositoryName: 'projects/mycoolproject-prod/locations/southamerica-east1/repositories/mycoolproject-repo',
  registryHost: H,
  imageUris: [`${H}/mycoolproject-prod/mycoolproject-repo/app:latest`, `${H}/mycoolproject-prod/mycoolproject-repo/app:a3f9c12`],
  digest: D,
  createdRepository: true,
};

describe('renderSummary', () => {
  it.each([
    {
      case: 'a full run',
      state: full,
      commands: {
        push: ['docker push X:latest'],
        repository: ['gcloud artifacts repositories create mycoolproject-repo --repository-format=docker --location=southamerica-east1 --project=mycoolproject-prod'],
        'docker-auth': [`gcloud auth configure-docker ${H}`],
      },
      url: `${H}/mycoolproject-prod/mycoolproject-repo`,
      scriptOrder: [/repositories create/, /configure-docker/, /docker push/],
    },
    { case: 'domain-scoped project', state: { ...full, project: 'example.com:shop-app' }, commands: {}, url: `${H}/example.com/shop-app/mycoolproject-repo`, scriptOrder: [] },
    { case: 'nothing known yet', state: {} as Partial<WizardState>, commands: {}, url: undefined, scriptOrder: [] },
  ] as { case: string; state: Partial<WizardState>; commands: Record<string, string[]>; url?: string; scriptOrder: RegExp[] }[])('$case', ({ state, commands, url, scriptOrder }) => {
    const s = renderSummary(state, commands);
    expect(s.registryUrl).toBe(url);
    expect(s.imageUris).toEqual(state.imageUris ?? []);
    expect(s.script.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    let at = 0;
    for (const re of scriptOrder) {
      const m = re.exec(s.script.slice(at));
      expect(m, String(re)).not.toBeNull();
      at += m!.index + 1;
    }
    expect(s.costFacts.join(' ')).toMatch(/0\.5 GB/);
    expect(s.costFacts.join(' ')).toMatch(/\$0\.10 per GB per month/);
    expect(s.costFacts.join(' ')).toMatch(/in its own region, that traffic costs nothing/);
    expect(s.next.map((c) => c.number)).toEqual(['03', '04', '05', '06', '07']);
    expect(s.next[0].title).toMatch(/Cloud SQL/);
    expect(s.next[4].title).toMatch(/First Deploy/);
  });

  it('is JSON-serialisable (for --json)', () => {
    const s = renderSummary(full, {});
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe('summary step', () => {
  const img = (digest: string, tags: string[], imageSizeBytes?: number) => ({ name: `n@${digest}`, uri: `u@${digest}`, tags, ...(imageSizeBytes !== undefined ? { imageSizeBytes } : {}) });

  it.each([
    {
      case: 'what the repository holds is listed once and set against the free storage',
      listed: { result: [img(D, ['latest', 'a3f9c12'], 528), img('sha256:' + 'e'.repeat(64), ['old'], 245_000_000)] },
      storage: { images: 2, bytes: 245_000_528 },
      summary: /^2 tags pushed, 245\.0 MB stored$/,
      fact: /^Right now mycoolproject-repo holds 2 images, about 245\.0 MB in all: 49% of the 0\.5 GB free each month/,
    },
    {
      case: 'a listing that fails never fails the summary: no storage line',
      listed: { throws: new Error('503') },
      storage: undefined,
      summary: /^2 tags pushed$/,
      fact: /^Storage: the first 0\.5 GB/,
    },
  ])('$case', async ({ listed, storage, summary: want, fact }) => {
    const w = fakeWorld({ calls: [{ call: 'api.listDockerImages', args: [full.repositoryName], ...listed }] });
    const out = await runStep(summary, w.ctx({}, full), w.env, new AbortController().signal);
    expect(out.summary).toMatch(want);
    expect(out.state).toEqual(storage ? { storage } : {});
    expect(renderSummary({ ...full, ...out.state }, {}).costFacts[0]).toMatch(fact);
    w.assertDone();
  });

  // A re-run starts the listing with the other re-checks; the summary takes it when the digest it was
  // started for is still the pushed one, and lists afresh when this run pushed another image.
  it.each([
    { case: 'nothing pushed before: no early listing; the summary lists', before: { ...full, digest: undefined }, at: full, lists: 1 },
    { case: 'pushed before, same digest now: the early listing is used, one call in all', before: full, at: full, lists: 1 },
    { case: 'this run pushed another image: the early listing is not used, a fresh one is made', before: full, at: { ...full, digest: 'sha256:' + 'f'.repeat(64) }, lists: 2 },
  ])('prefetch: $case', async ({ before, at, lists }) => {
    const listing: Expectation = { call: 'api.listDockerImages', args: [full.repositoryName], result: [img(D, ['latest'], 528)] };
    const w = fakeWorld({ calls: Array.from({ length: lists }, () => listing) });
    const prefetched = createEarly();
    summary.early!({ ...w.ctx({}, before), early: prefetched }, w.env);
    const out = await runStep(summary, { ...w.ctx({}, at), early: prefetched }, w.env, new AbortController().signal);
    expect(out.state).toEqual({ storage: { images: 1, bytes: 528 } });
    w.assertDone();
    prefetched.stop();
  });

  it('nothing to list before there is a repository', async () => {
    const w = fakeWorld();
    const out = await runStep(summary, w.ctx({}, {}), w.env, new AbortController().signal);
    expect(out.state).toEqual({});
    w.assertDone();
  });

  it('steps are in the chapter order with explanations of 2–4 sentences', () => {
    expect(steps.map((s) => s.id)).toEqual(['preflight', 'project', 'region', 'repository', 'docker-auth', 'push', 'cleanup', 'summary']);
    for (const s of steps) {
      const sentences = s.explain.split(/(?<=[.!?])\s+(?=[A-Z])/).filter(Boolean);
      expect(sentences.length, `${s.id}: ${s.explain}`).toBeGreaterThanOrEqual(2);
      expect(sentences.length, `${s.id}: ${s.explain}`).toBeLessThanOrEqual(4);
    }
  });
});
