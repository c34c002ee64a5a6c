import { defineConfig } from 'vitest/config';

// Two projects: `unit` (strict fakes, ink-testing-library; no outside world) and
// `lab` (real gcloud, Docker and registry against our emulator; the lab is brought up
// by test/lab/global-setup.ts and torn down afterwards if it started it).
export default defineConfig({
  test: {
    // Every worker starts from a newcomer's environment, whatever CI sets (see test/setup.ts).
    setupFiles: ['test/setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ['test/lab/**', 'test/e2e/**', 'node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/lab/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          // The lab is one shared world (one dockerd, one registry): run its files one at a time.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
