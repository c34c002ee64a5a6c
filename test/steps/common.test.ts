import { describe, expect, it } from 'vitest';
import { cleanupTempDir } from '../../src/steps/common.js';
import { fakeWorld } from '../fakes.js';

describe('cleanupTempDir', () => {
  it.each([
    { case: 'removes the dir', calls: [{ call: 'files.removeTempDir' as const, args: ['/tmp/x'] }], drop: false },
    { case: 'a failing removal is ignored', calls: [{ call: 'files.removeTempDir' as const, args: ['/tmp/x'], throws: new Error('EBUSY') }], drop: false },
    { case: 'adapters without removeTempDir: skipped', calls: [], drop: true },
  ])('$case', async ({ calls, drop }) => {
    const w = fakeWorld({ calls });
    if (drop) delete (w.env.files as { removeTempDir?: unknown }).removeTempDir;
    await expect(cleanupTempDir(w.env, '/tmp/x')).resolves.toBeUndefined();
    w.assertDone();
  });
});
