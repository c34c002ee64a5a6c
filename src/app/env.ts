// Builds the real Env from the adapter factories, with what src/cli.tsx injects (process env,
// streams, home, cwd, uid). The only place besides cli.tsx that wires the outside world.
import { dirname } from 'node:path';
import type { Env, ProgressStore, RunLock } from '../ports.js';
import { createRunner } from '../adapters/exec.js';
import type { EarlyRuns } from '../adapters/early.js';
import { createGcloud } from '../adapters/gcloud.js';
import { createArtifactRegistry, type LoadLibrary } from '../adapters/artifactRegistry.js';
import { createDocker } from '../adapters/docker.js';
import { createDockerConfigFile } from '../adapters/dockerConfig.js';
import { createGit } from '../adapters/git.js';
import { createProgressStore } from '../adapters/progress.js';
import { createRunLock } from '../adapters/lock.js';
import { createProjectFiles } from '../adapters/files.js';
import { createPrompter } from '../adapters/prompter.js';
import { createLinePrompter } from '../adapters/linePrompter.js';
import { realClock } from '../adapters/clock.js';

export interface EnvInputs {
  processEnv: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  homedir: string;
  cwd: string;
  isRoot: boolean;
  /** process.platform, for the install pages. */
  platform: string;
  interactive: boolean;
  /** Plain lines on screen: questions are asked one line at a time too (no redraws). */
  plain?: boolean;
  /** Commands src/app/start.ts started before anything else loaded; the runner takes their results. */
  early?: EarlyRuns;
  /** The API library, as the build bundled it (src/adapters/codeCache.ts). */
  loadApiLibrary?: LoadLibrary;
}

export interface RealEnv {
  env: Env;
  store: ProgressStore;
  /** One wizard at a time (lock files next to the saved progress). */
  lock: RunLock;
}

export function buildEnv(i: EnvInputs): RealEnv {
  const run = createRunner(i.processEnv, i.early);
  const gcloud = createGcloud({ run, env: i.processEnv });
  // gcloud reads its endpoint override from this variable first: the client is prepared for it (or for
  // Google's endpoint) while gcloud starts, and used when gcloud names the same one.
  const api = createArtifactRegistry({
    gcloud,
    clock: realClock,
    likelyEndpoint: i.processEnv.CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY,
    ...(i.loadApiLibrary ? { loadLibrary: i.loadApiLibrary } : {}),
  });
  const docker = createDocker({ run, env: i.processEnv });
  const store = createProgressStore({ cwd: i.cwd });
  const env: Env = {
    gcloud,
    api,
    docker,
    dockerConfig: createDockerConfigFile({ env: i.processEnv, homedir: i.homedir }),
    git: createGit({ run, cwd: i.cwd }),
    files: createProjectFiles(i.cwd),
    prompter: (i.plain ? createLinePrompter : createPrompter)({
      input: i.stdin,
      output: i.stdout,
      interactive: i.interactive,
    }),
    clock: realClock,
    isRoot: i.isRoot,
    platform: i.platform,
    // TZ honoured; undefined when the runtime does not know the zone (e.g. a TZ it cannot read).
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || undefined,
  };
  return {
    env,
    store,
    lock: createRunLock({ dir: dirname(store.path) }),
  };
}
