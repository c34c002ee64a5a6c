// Faults on the lab, through the built CLI: transient API faults (retried with a visible note;
// beyond the budget a clear error, then a resume), errors that need the user (exit code and
// message checked), and push failures. Every scenario is also measured for damage (Docker
// config keys, invalid JSON observations, saved progress, extra repositories, tags).
// The table is shared with `npm run test:faults` (fault-scenarios.ts).

import { beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { SCENARIOS, removeUser, runScenario } from './fault-scenarios.js';

let lab: Lab;

beforeAll(async () => {
  lab = await theLab();
});

for (const group of ['transient', 'user', 'push', 'doctor'] as const) {
  describe(`faults: ${group}`, () => {
    const list = SCENARIOS.filter((s) => s.group === group && !s.scriptOnly);
    it.each(list.map((s) => [s.id, s] as const))('%s', async (_id, sc) => {
      const r = await runScenario(lab, sc);
      try {
        expect(r.problems, `${sc.fault} → expected ${sc.expected}, observed ${r.observed}`).toEqual([]);
        expect(r.dataLost.what).toEqual([]);
        expect(r.dataLost.count).toBe(0);
      } finally {
        await removeUser(r.user);
      }
    });
  });
}
