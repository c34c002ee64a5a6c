// Real time. Tests use a fake Clock whose sleep resolves at once.
import { setTimeout as delay } from 'node:timers/promises';
import { CancelError } from '../errors.js';
import type { Clock } from '../ports.js';

export const realClock: Clock = {
  now: () => Date.now(),
  async sleep(ms, opts) {
    try {
      await delay(ms, undefined, { signal: opts?.signal });
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') throw new CancelError('cancelled', { cause: e });
      throw e;
    }
  },
  random: () => Math.random(),
};
