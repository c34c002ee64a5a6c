// Builds the real Env from the adapter factories, with what src/cli.tsx injects (process env,
// streams, home, cwd, uid). The only place besides cli.tsx that wires the outside world.
import { dirname } from 'node:path';
import type { Env, ProgressStore, RunLock } from '../ports.js';
import type { Flags } from '../steps/types.js';
import { createRunner } from '../adapters/exec.js';
import type { EarlyRuns } from '../adapters/early.js';
import { createGcloud } from '../adapters/gcloud.js';
import { createArtifactRegistry } from '../adapters/artifactRegistry.js';
import { createDocker } from '../adapters/docker.js';
import { createDockerConfigFile } from '../adapters/dockerConfig.js';
import { createGit } from '../adapters/git.js';
import { createProgressStore } from '../adapters/progress.js';
import { createRunLock } from '../adapters/lock.js';
import { createProjectFiles } from '../adapters/files.js';
import { createPrompter } from '../adapters/prompter.js';
import { realClock } from '../adapters/clock.js';

export interface EnvInputs {
  processEnv: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  homedir: string;
  cwd: string;
  isRoot: boolean;
  interactive: boolean;
  /** Commands src/app/boot.ts started right after the header; the runner takes their results. */
  early?: EarlyRuns;
  beforePrompt?: () => Promise<void>;
  afterPrompt?: () => void;
}

export interface RealEnv {
  env: Env;
  store: ProgressStore;
  /** One wizard at a time (lock files next to the saved progress). */
  lock: RunLock;
  /** Start the slow probes early, so their answers are ready when the steps ask. */
  warmUp(flags: Flags): void;
  /**
   * Load the API client (its module evaluation blocks the event loop): call once the run has
   * started its first processes, so they run meanwhile.
   */
  preloadApi(): void;
}

/**
 * Serve the first call of `fn` from a promise started early (warm-up); later calls run fresh.
 * A warm-up failure is not reported by itself: whoever asks first gets it.
 */
export function prefetchable<A extends unknown[], R>(fn: (...a: A) => Promise<R>): { call: (...a: A) => Promise<R>; start: (...a: A) => void } {
  let early: Promise<R> | null = null;
  return {
    start: (...a: A) => {
      if (early) return;
      early = fn(...a);
      early.catch(() => {});
    },
    call: (...a: A) => {
      if (early) {
        const p = early;
        early = null;
        return p;
      }
      return fn(...a);
    },
  };
}

export function buildEnv(i: EnvInputs): RealEnv {
  const run = createRunner(i.processEnv, i.early);
  const gcloud = createGcloud({ run, env: i.processEnv });
  const api = createArtifactRegistry({ gcloud, clock: realClock });
  const rawDocker = createDocker({ run, env: i.processEnv });
  const dockerInfo = prefetchable((o?: Parameters<typeof rawDocker.info>[0]) => rawDocker.info(o));
  const docker = { ...rawDocker, info: dockerInfo.call };
  const store = createProgressStore({ cwd: i.cwd });
  const env: Env = {
    gcloud,
    api,
    docker,
    dockerConfig: createDockerConfigFile({ env: i.processEnv, homedir: i.homedir }),
    git: createGit({ run, cwd: i.cwd }),
    files: createProjectFiles(i.cwd),
    prompter: createPrompter({
      input: i.stdin,
      output: i.stdout,
      interactive: i.interactive,
      beforePrompt: i.beforePrompt,
      afterPrompt: i.afterPrompt,
    }),
    clock: realClock,
    isRoot: i.isRoot,
  };
  const quiet = (p: Promise<unknown>) => void p.catch(() => {});
  return {
    env,
    store,
    lock: createRunLock({ dir: dirname(store.path) }),
    warmUp(flags) {
      if (flags.dryRun) return;
      // The gcloud adapter caches config, token and project list for the run: these calls only
      // start the processes before the steps ask.
      quiet(gcloud.config());
      quiet(gcloud.version());
      quiet(gcloud.accessToken());
      dockerInfo.start();
      if (!flags.project && i.interactive) quiet(gcloud.listProjects());
    },
    preloadApi() {
      try {
        void api.preload();
      } catch {
        // The step that needs the API reports the problem.
      }
    },
  };
}
