// Runs only the emulator's own acceptance tests, without the lab's globalSetup
// (they start their own emulator on a random port and need no Docker):
//   npx vitest run -c test/lab/emulator/vitest.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: {
    name: 'emulator',
    include: ['test/lab/emulator-*.test.ts', 'test/lab/emulator/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
