// Kill -9 and resume, on the lab: the built CLI is SIGKILLed at step boundaries and inside
// steps (the repository operation, gcloud auth configure-docker, the Docker config write,
// mid-push), then run again. The end state must equal an uninterrupted run's, the Docker
// config must be valid JSON at every observation, and the saved progress valid (0600,
// complete). The scenarios live in fault-scenarios.ts (shared with `npm run test:faults`).

import { beforeAll, describe, expect, inject, it } from 'vitest';
import { connectLab, type Lab } from '../lab/lab.js';
import { SCENARIOS, normalised, runScenario, scenario, type ScenarioResult } from './fault-scenarios.js';

let lab: Lab;
let baseline: ScenarioResult;

beforeAll(async () => {
  const found = await connectLab(inject('lab').dir);
  if (!found) throw new Error(`the lab in ${inject('lab').dir} is not up`);
  lab = found;
  baseline = await runScenario(lab, scenario('baseline'));
});

describe('kill -9 and resume', () => {
  it('an uninterrupted run is the reference: complete, nothing lost', () => {
    expect(baseline.problems).toEqual([]);
    expect(baseline.dataLost.what).toEqual([]);
    expect(baseline.end.repositories).toHaveLength(1);
    expect(baseline.end.progress).toMatchObject({ validJson: true, mode: '600', complete: true });
  });

  const kills = SCENARIOS.filter((s) => s.group === 'kill' && s.id !== 'baseline');
  it.each(kills.map((s) => [s.id, s] as const))('%s: resumes to the same end state', async (_id, sc) => {
    const r = await runScenario(lab, sc);
    // The first run really died where intended, the second finished.
    expect(r.runs).toHaveLength(2);
    expect(r.runs[0]!.killed, r.runs[0]!.all.slice(-1500)).toBe(true);
    expect(r.runs[1]!.code, r.runs[1]!.all.slice(-1500)).toBe(0);
    expect(r.problems).toEqual([]);
    expect(r.dataLost.what).toEqual([]);
    expect(normalised(r.end, r.user)).toEqual(normalised(baseline.end, baseline.user));
  });
});
