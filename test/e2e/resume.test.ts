// Kill -9 and resume, on the lab: the built CLI is SIGKILLed at step boundaries and inside
// steps (the repository operation, the Docker config write,
// mid-push), then run again. The end state must equal an uninterrupted run's, the Docker
// config must be valid JSON at every observation, and the saved progress valid (0600,
// complete). The scenarios live in fault-scenarios.ts (shared with `npm run test:faults`).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { BOUNDARY_KILLS, INSIDE_KILLS, SCENARIOS, normalised, removeUser, runScenario, scenario, type ScenarioResult } from './fault-scenarios.js';

let lab: Lab;
let baseline: ScenarioResult;

beforeAll(async () => {
  lab = await theLab();
  baseline = await runScenario(lab, scenario('baseline'));
});

afterAll(async () => {
  if (baseline) await removeUser(baseline.user);
});

describe('kill -9 and resume', () => {
  it('an uninterrupted run is the reference: complete, nothing lost', () => {
    expect(baseline.problems).toEqual([]);
    expect(baseline.dataLost.what).toEqual([]);
    expect(baseline.end.repositories).toHaveLength(1);
    expect(baseline.end.progress).toMatchObject({ validJson: true, mode: '600', complete: true });
  });

  // Table-driven over the kill points (BOUNDARY_KILLS, INSIDE_KILLS): each chain kills one run
  // per point in a row, each run resuming the last one's work, so every point is hit in about
  // one full run's time. `npm run test:faults` also runs each point on its own.
  const chains = SCENARIOS.filter((s) => s.group === 'kill' && s.id.startsWith('chain-'));
  it.each(chains.map((s) => [s.id, s] as const))('%s: resumes to the same end state', async (_id, sc) => {
    const r = await runScenario(lab, sc);
    const points = sc.id === 'chain-boundaries' ? BOUNDARY_KILLS : INSIDE_KILLS;
    // Every run but the last really died where intended; the last one finished.
    expect(r.runs).toHaveLength(points.length + 1);
    r.runs.slice(0, -1).forEach((run, i) => {
      expect(run.killed, `kill point ${points[i]!.on}: ${run.all.slice(-1500)}`).toBe(true);
      expect(run.killedAt).toMatch(points[i]!.on);
    });
    expect(r.runs.at(-1)!.code, r.runs.at(-1)!.all.slice(-1500)).toBe(0);
    // Resumed: the final run re-checked earlier steps rather than redoing them.
    expect(r.runs.at(-1)!.all).toMatch(/done earlier: re-checking/);
    expect(r.problems).toEqual([]);
    expect(r.dataLost.what).toEqual([]);
    expect(normalised(r.end, r.user)).toEqual(normalised(baseline.end, baseline.user));
    await removeUser(r.user);
  });
});
