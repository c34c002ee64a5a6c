// Step 3: the Docker repository itself. Look first; reuse a Docker one; create it otherwise.

import type { Env, Repository } from '../ports.js';
import type { Step, StepContext } from './types.js';
import { BugError, UserError, withContext } from '../errors.js';
import { validateRepositoryId } from '../validate.js';
import { deriveRepositoryId, parseRepositoryName, registryHost, repositoryName } from '../naming.js';
import { ROLES } from '../facts.js';
import { retry } from '../retry.js';
import { callOpts, need, safeCheck, sh } from './common.js';
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

export const repository: Step = {
  id: 'repository',
  title: 'Create the Docker repository',
  explain:
    'A repository is a named, private shelf for images inside your project, in one region. It must be Docker-format to hold container images. We check whether it is already there and reuse it if so; otherwise we create it. Your images will then be addressed as REGION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE.',

  check: safeCheck(async (ctx: StepContext, env: Env, signal?: AbortSignal) => {
    const name = ctx.state.repositoryName;
    if (!name) return { done: false, why: 'no repository yet' };
    if (ctx.flags.repository && parseRepositoryName(name)?.repository !== ctx.flags.repository) {
      return { done: false, why: `--repository ${ctx.flags.repository} differs from the saved one` };
    }
    const repo = await env.api.getRepository(name, { signal });
    if (!repo) return { done: false, why: `${name} no longer exists` };
    const bad = unusableBecause(repo);
    return bad ? { done: false, why: bad } : { done: true, summary: `repository ${parseRepositoryName(repo.name)?.repository ?? name}` };
  }),

  async run(ctx, env, signal) {
    const project = need(ctx.state.project, 'the project', 'repository');
    const location = need(ctx.state.location, 'the region', 'repository');
    const opts = callOpts(ctx, signal);
    const def = ctx.state.repository && validateRepositoryId(ctx.state.repository) === true ? ctx.state.repository : deriveRepositoryId(project);

    let id: string;
    if (ctx.flags.repository !== undefined) {
      const v = validateRepositoryId(ctx.flags.repository);
      if (v !== true) throw new UserError(`--repository ${JSON.stringify(ctx.flags.repository)}: ${v}`, ['Pass a valid ID with --repository.'], { flag: '--repository' });
      id = ctx.flags.repository;
    } else if (env.prompter.interactive) {
      id = await askId(env, 'Repository ID', def, signal);
    } else {
      id = def;
    }

    for (;;) {
      const name = repositoryName(project, location, id);
      ctx.report.activity(`looking for repository ${id} in ${location}`);
      let repo = await withContext(`look up repository ${id}`, async () => {
        try {
          return await env.api.getRepository(name, opts);
        } catch (e) {
          throw await explainFailure(e, env, { project, role: ROLES.create, doing: 'read repositories' });
        }
      });
      let created = false;
      if (repo) {
        const bad = unusableBecause(repo);
        if (bad) {
          const why = `Repository ${id} already exists in ${location}, but ${bad}. Docker images need a Docker-format repository, and an existing repository's format cannot be changed.`;
          if (!env.prompter.interactive) {
            // Not a usage error (exit 2): the flags are fine, the project holds a repository of another format (exit 1).
            throw new UserError(why, [`Choose another name with --repository (for example --repository ${deriveAlt(id)})`]);
          }
          ctx.report.warn(why);
          id = await askId(env, `${id} is taken by a ${repo.format} repository; another repository ID`, deriveAlt(id), signal);
          continue;
        }
        ctx.report.item({ label: `repository ${id}`, status: 'ok', detail: 'already exists (Docker format): reusing it' });
      } else {
        const cmd = createCommand(id, location, project);
        ctx.report.activity(`creating repository ${id} in ${location} (${cmd})`);
        repo = await withContext(`create repository ${id}`, async () => {
          try {
            return await env.api.createRepository(
              { project, location, repositoryId: id, description: 'Docker images for the Django app (set up with registry-setup)' },
              opts,
            );
          } catch (e) {
            // Someone (or an earlier, interrupted run) created it meanwhile: look again.
            if (failureReason(e) === 'ALREADY_EXISTS') {
              const again = await explained(env, { project, role: ROLES.create, doing: 'read repositories' }, () => waitForOtherCreate(ctx, env, name, id, signal));
              if (again) return again;
            }
            throw await explainFailure(e, env, { project, role: ROLES.create, doing: 'create repositories' });
          }
        });
        const bad = unusableBecause(repo);
        if (bad) throw new UserError(`Repository ${id} exists, but ${bad}.`, ['Choose another name with --repository.']);
        created = true;
        ctx.report.item({ label: `repository ${id}`, status: 'ok', detail: `created in ${location}` });
      }

      const parsed = parseRepositoryName(repo.name);
      if (!parsed) throw new BugError(`the API returned an unexpected repository name ${JSON.stringify(repo.name)}`);
      // The host comes from the location the API reports for the repository, not from what we asked.
      const host = registryHost(parsed.location);
      return {
        state: {
          repository: parsed.repository,
          repositoryName: repo.name,
          registryHost: host,
          createdRepository: created,
          immutableTags: repo.immutableTags === true,
        },
        summary: created ? `created ${parsed.repository} in ${parsed.location}` : `reusing the existing Docker repository ${parsed.repository} in ${parsed.location}`,
        commands: created
          ? [createCommand(parsed.repository, parsed.location, parsed.project)]
          : [`# ${parsed.repository} already existed; to see it:`, `gcloud artifacts repositories describe ${sh(parsed.repository)} --location=${parsed.location} --project=${parsed.project}`],
      };
    }
  },

  plan(ctx) {
    // After a run (resume): what was done. Before (dry-run): what would be done.
    const done = ctx.state.repositoryName ? parseRepositoryName(ctx.state.repositoryName) : null;
    if (done) {
      return ctx.state.createdRepository
        ? [createCommand(done.repository, done.location, done.project)]
        : [`# ${done.repository} already existed; to see it:`, `gcloud artifacts repositories describe ${sh(done.repository)} --location=${done.location} --project=${done.project}`];
    }
    const project = ctx.flags.project ?? ctx.state.project ?? 'PROJECT';
    const location = ctx.flags.region ?? ctx.state.location ?? 'REGION';
    const id = ctx.flags.repository ?? ctx.state.repository ?? (ctx.state.project || ctx.flags.project ? deriveRepositoryId(project) : 'REPOSITORY');
    return [`gcloud artifacts repositories describe ${sh(id)} --location=${location} --project=${project}  # if it is missing:`, createCommand(id, location, project)];
  },
};

function deriveAlt(id: string): string {
  const alt = `${id.slice(0, 56).replace(/-+$/, '')}-docker`;
  return validateRepositoryId(alt) === true ? alt : 'docker-repo';
}
