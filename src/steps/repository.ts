// Step 3: the Docker repository itself. Look first; reuse a Docker one; create it otherwise.

import { EXPLAIN } from './explain.js';
import type { Env, Repository, WizardState } from '../ports.js';
import type { Step, StepContext } from './types.js';
import { BugError, UserError, withContext } from '../errors.js';
import { validateRepositoryId } from '../validate.js';
import { deriveRepositoryId, parseRepositoryName, registryHost, repositoryName } from '../naming.js';
import { ROLES } from '../facts.js';
import { retry } from '../retry.js';
import { callOpts, need, safeCheck } from './common.js';
import { quoteArg as sh } from '../quote.js';
import { explainFailure, explained, failureReason } from './failures.js';

const STANDARD_MODES = new Set([undefined, '', 'STANDARD_REPOSITORY', 'MODE_UNSPECIFIED']);

/** Why an existing repository cannot take our Docker images, or null when it can. */
export function unusableBecause(repo: Repository): string | null {
  if (String(repo.format).toUpperCase() !== 'DOCKER') return `it is a ${repo.format} repository, not a Docker one`;
  if (!STANDARD_MODES.has(repo.mode)) return `it is a ${repo.mode} (you cannot push images into it)`;
  return null;
}

function createCommand(id: string, location: string, project: string): string {
  return `gcloud artifacts repositories create ${sh(id)} --repository-format=docker --location=${location} --project=${project}`;
}

async function askId(env: Env, message: string, def: string, signal: AbortSignal): Promise<string> {
  return env.prompter.input({ message, default: def, validate: validateRepositoryId }, { signal });
}

/** How long we wait for a create that someone else started (an interrupted run's operation) to finish. */
export const OTHER_CREATE_WAIT = { attempts: 12, baseMs: 1_000, maxMs: 8_000, maxElapsedMs: 60_000 } as const;

/**
 * The API said the repository already exists, yet we did not see it a moment ago. Usually an
 * earlier run was stopped while its create operation was still running: Google finishes that
 * operation on its own, and the repository appears a little later. Look again, with backoff,
 * until it shows (or give up and report the original error).
 */
async function waitForOtherCreate(ctx: StepContext, env: Env, name: string, id: string, signal: AbortSignal): Promise<Repository | null> {
  const missing = new Error('not visible yet');
  try {
    return await retry(
      async () => {
        const repo = await env.api.getRepository(name, callOpts(ctx, signal));
        if (!repo) throw missing;
        return repo;
      },
      {
        ...OTHER_CREATE_WAIT,
        clock: env.clock,
        signal,
        isRetryable: (e) => e === missing,
        onRetry: (r) =>
          ctx.report.note({
            type: 'retry',
            text: `${id} is still being created (perhaps by an interrupted earlier run); looking again in ${Math.max(1, Math.round(r.delayMs / 1000))} s, attempt ${r.attempt} of ${r.of}`,
            attempt: r.attempt,
            of: r.of,
            delayMs: r.delayMs,
          }),
      },
    );
  } catch (e) {
    if (e === missing) return null;
    throw e;
  }
}

const reused = (id: string, location: string) => `${id} in ${location} (already there: reused)`;

export const repository: Step = {
  id: 'repository',
  title: 'Create the Docker repository',
  explain: EXPLAIN.repository,

  validate(flags) {
    if (flags.repository === undefined) return;
    const v = validateRepositoryId(flags.repository);
    if (v !== true) throw new UserError(`--repository ${JSON.stringify(flags.repository)}: ${v}`, ['Pass a valid ID with --repository.'], { flag: '--repository' });
  },

  async ask(ctx, env, signal) {
    const project = need(ctx.state.project, 'the project', 'repository');
    const location = need(ctx.state.location, 'the region', 'repository');
    const saved = ctx.state.repository && validateRepositoryId(ctx.state.repository) === true ? ctx.state.repository : undefined;
    // Answered in an earlier run: not asked again.
    let id = ctx.flags.repository ?? saved ?? (env.prompter.interactive ? await askId(env, 'Repository ID', deriveRepositoryId(project), signal) : deriveRepositoryId(project));
    // With the API still off there is nothing to look at yet: execute looks before it creates.
    if (ctx.state.enableApi) return { repository: id };
    for (;;) {
      const repo = await lookUp(ctx, env, project, location, id, signal);
      const bad = repo && unusableBecause(repo);
      if (!repo) return { repository: id, repositoryExists: false };
      if (!bad) return { repositoryExists: true, ...found(repo) };
      const why = `Repository ${id} already exists in ${location}, but ${bad}. Docker images need a Docker-format repository, and an existing repository's format cannot be changed.`;
      if (!env.prompter.interactive) {
        // Not a usage error (exit 2): the flags are fine, the project holds a repository of another format (exit 1).
        throw new UserError(why, [`Choose another name with --repository (for example --repository ${deriveAlt(id)})`]);
      }
      ctx.report.warn(why);
      id = await askId(env, `${id} is taken by a ${repo.format} repository; another repository ID`, deriveAlt(id), signal);
    }
  },

  async execute(ctx, env, signal) {
    const project = need(ctx.state.project, 'the project', 'repository');
    const location = need(ctx.state.location, 'the region', 'repository');
    const id = need(ctx.state.repository, 'the repository ID', 'repository');
    // What the question's look found is used as it is; unknown (the API was off then): look now.
    const exists = ctx.state.repositoryExists ?? !!(await lookUp(ctx, env, project, location, id, signal));
    if (exists && ctx.state.repositoryName) {
      return { state: { createdRepository: false }, summary: reused(id, location) };
    }
    const repo = exists ? await lookUp(ctx, env, project, location, id, signal) : null;
    const bad = repo && unusableBecause(repo);
    if (bad) throw new UserError(`Repository ${id} already exists in ${location}, but ${bad}.`, [`Choose another name with --repository (for example --repository ${deriveAlt(id)})`]);
    const created = !repo;
    const result = repo ?? (await create(ctx, env, project, location, id, signal));
    const state = found(result);
    const where = parseRepositoryName(result.name)?.location ?? location;
    return {
      state: { ...state, createdRepository: created, repositoryExists: true },
      summary: created ? `${state.repository} created in ${where}` : reused(state.repository ?? id, where),
    };
  },

  commands({ flags, state }) {
    const done = state.repositoryName ? parseRepositoryName(state.repositoryName) : null;
    const project = done?.project ?? state.project ?? flags.project ?? 'PROJECT';
    const location = done?.location ?? state.location ?? flags.region ?? 'REGION';
    const id = done?.repository ?? state.repository ?? flags.repository ?? (project !== 'PROJECT' ? deriveRepositoryId(project) : 'REPOSITORY');
    const describe = `gcloud artifacts repositories describe ${sh(id)} --location=${location} --project=${project}`;
    if (done ? state.createdRepository : state.repositoryExists === false) return [createCommand(id, location, project)];
    if (done || state.repositoryExists) return [`# ${id} already existed; to see it:`, describe];
    return [`${describe}  # if it is missing:`, createCommand(id, location, project)];
  },

  changes({ state }) {
    if (!state.repository || state.repositoryExists || !state.location) return [];
    return [`creates the Docker repository ${state.repository} in ${state.location}`];
  },

  check: safeCheck(async (ctx: StepContext, env: Env, signal?: AbortSignal) => {
    const name = ctx.state.repositoryName;
    if (!name) return { done: false, why: 'no repository yet' };
    if (ctx.flags.repository && parseRepositoryName(name)?.repository !== ctx.flags.repository) {
      return { done: false, why: `--repository ${ctx.flags.repository} differs from the saved one` };
    }
    const repo = await env.api.getRepository(name, { signal });
    if (!repo) return { done: false, why: `${name} no longer exists` };
    const bad = unusableBecause(repo);
    return bad ? { done: false, why: bad } : { done: true, summary: parseRepositoryName(repo.name)?.repository ?? name };
  }),
};

/** What the wizard keeps of a repository it will use. */
function found(repo: Repository): Pick<WizardState, 'repository' | 'repositoryName' | 'registryHost' | 'immutableTags'> {
  const parsed = parseRepositoryName(repo.name);
  if (!parsed) throw new BugError(`the API returned an unexpected repository name ${JSON.stringify(repo.name)}`);
  // The host comes from the location the API reports for the repository, not from what we asked.
  return { repository: parsed.repository, repositoryName: repo.name, registryHost: registryHost(parsed.location), immutableTags: repo.immutableTags === true };
}

async function lookUp(ctx: StepContext, env: Env, project: string, location: string, id: string, signal: AbortSignal): Promise<Repository | null> {
  ctx.report.activity(`looking for repository ${id} in ${location}`);
  return withContext(`look up repository ${id}`, async () => {
    try {
      return await env.api.getRepository(repositoryName(project, location, id), callOpts(ctx, signal));
    } catch (e) {
      throw await explainFailure(e, env, { project, role: ROLES.create, doing: 'read repositories' });
    }
  });
}

async function create(ctx: StepContext, env: Env, project: string, location: string, id: string, signal: AbortSignal): Promise<Repository> {
  const cmd = createCommand(id, location, project);
  ctx.report.activity(`creating repository ${id} in ${location} (${cmd})`);
  const repo = await withContext(`create repository ${id}`, async () => {
    try {
      return await env.api.createRepository(
        { project, location, repositoryId: id, description: 'Docker images for the Django app (set up with registry-setup)' },
        callOpts(ctx, signal),
      );
    } catch (e) {
      // Someone (or an earlier, interrupted run) created it meanwhile: look again.
      if (failureReason(e) === 'ALREADY_EXISTS') {
        const again = await explained(env, { project, role: ROLES.create, doing: 'read repositories' }, () => waitForOtherCreate(ctx, env, repositoryName(project, location, id), id, signal));
        if (again) return again;
      }
      throw await explainFailure(e, env, { project, role: ROLES.create, doing: 'create repositories' });
    }
  });
  const bad = unusableBecause(repo);
  if (bad) throw new UserError(`Repository ${id} exists, but ${bad}.`, ['Choose another name with --repository.']);
  return repo;
}

function deriveAlt(id: string): string {
  const alt = `${id.slice(0, 56).replace(/-+$/, '')}-docker`;
  return validateRepositoryId(alt) === true ? alt : 'docker-repo';
}
