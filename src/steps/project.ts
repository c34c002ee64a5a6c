// Step 1: which Google Cloud project, and is the Artifact Registry API usable there.

import { EXPLAIN } from './explain.js';
import type { Choice, Env, GcloudProject, WizardState } from '../ports.js';
import type { Step, StepContext } from './types.js';
import { ExternalError, UserError, toWizardError, withContext } from '../errors.js';
import { validateProjectId } from '../validate.js';
import { retry } from '../retry.js';
import { ARTIFACT_REGISTRY_SERVICE, PROJECT_SETUP, ROLES } from '../facts.js';
import { callOpts, missingFlag, need } from './common.js';
import { explainFailure, failureReason } from './failures.js';

const TYPE_ID = '\u0000type-an-id';
const PICK_OTHER = '\u0000pick-another';

/** How long we wait for a freshly enabled API to start answering. */
export const ENABLE_WAIT = { attempts: 30, baseMs: 2_000, maxMs: 15_000, maxElapsedMs: 120_000 } as const;

function badFlag(v: string, flag: string, rule: string): UserError {
  return new UserError(`${flag} ${JSON.stringify(v)}: ${rule}`, [`Pass a valid value with ${flag}.`], { flag });
}

async function askProject(ctx: StepContext, env: Env, fallback: string | undefined, signal: AbortSignal): Promise<string> {
  const p = env.prompter;
  if (fallback) {
    const use = await p.select<string>(
      {
        message: 'Project for the repository',
        choices: [
          { value: fallback, name: `${fallback} (gcloud's active project)`, short: fallback },
          { value: PICK_OTHER, name: 'Another project…' },
        ],
        default: fallback,
      },
      { signal },
    );
    if (use !== PICK_OTHER) return use;
  }
  const projects = await listProjects(ctx, env, signal);
  if (projects?.length) {
    const choices: Choice<string>[] = projects
      .filter((pr) => validateProjectId(pr.projectId) === true)
      .sort((a, b) => a.projectId.localeCompare(b.projectId))
      .map((pr) => ({ value: pr.projectId, name: pr.name && pr.name !== pr.projectId ? `${pr.projectId} (${pr.name})` : pr.projectId, short: pr.projectId }));
    choices.push({ value: TYPE_ID, name: 'Type a project ID…' });
    const message = fallback ? 'Pick a project (type to filter)' : 'No default project: pick one (type to filter)';
    const picked = await p.search<string>({ message, choices, default: fallback }, { signal });
    if (picked !== TYPE_ID) return picked;
  }
  // The account has no project at all: say so, and how chapter 01 makes one.
  const message = projects?.length === 0 && !fallback ? NO_PROJECTS : 'Project ID';
  return p.input({ message, default: fallback, validate: validateProjectId }, { signal });
}

/** The account's projects; undefined when gcloud could not list them (then the ID is typed). */
async function listProjects(ctx: StepContext, env: Env, signal: AbortSignal): Promise<GcloudProject[] | undefined> {
  ctx.report.activity('gcloud projects list');
  try {
    return await env.gcloud.listProjects(callOpts(ctx, signal));
  } catch (e) {
    const w = toWizardError(e);
    if (w.kind === 'cancel') throw w;
    ctx.report.warn(`Could not list your projects (${w.message.split('\n')[0]}); type the project ID instead.`);
    return undefined;
  }
}

/** The question when the account has no project: chapter 01's commands, then the ID. */
const NO_PROJECTS = [
  'No Google Cloud project yet. Chapter 01 makes one:',
  `  ${PROJECT_SETUP.create}`,
  `  ${PROJECT_SETUP.setDefault}`,
  `  ${PROJECT_SETUP.linkBilling}`,
  'Run them in another terminal, then type the project ID',
].join('\n');

/** The project ID from the saved state or gcloud's configuration (asking when allowed). */
async function chooseProject(ctx: StepContext, env: Env, signal: AbortSignal): Promise<string> {
  if (ctx.flags.project !== undefined) return ctx.flags.project;
  if (ctx.state.project && validateProjectId(ctx.state.project) === true) return ctx.state.project;
  const cfg = await withContext('read gcloud configuration', () => env.gcloud.config());
  let fallback = cfg.project;
  if (fallback && validateProjectId(fallback) !== true) {
    ctx.report.warn(`gcloud's active project ${JSON.stringify(fallback)} is not a valid project ID; ignoring it.`);
    fallback = undefined;
  }
  if (env.prompter.interactive) {
    const picked = await askProject(ctx, env, fallback, signal);
    if (!fallback) ctx.report.warn(`gcloud has no default project, and the next chapters' commands expect one: ${PROJECT_SETUP.setDefault.replace('PROJECT_ID', picked)}`);
    return picked;
  }
  if (fallback) return fallback;
  throw missingFlag('The Google Cloud project', '--project', [
    `or set gcloud's default project: ${PROJECT_SETUP.setDefault}`,
    `No project yet? Chapter 01 makes one: ${PROJECT_SETUP.create}, then links billing: ${PROJECT_SETUP.linkBilling}`,
  ]);
}

const enableCommand = (project: string) => `gcloud services enable ${ARTIFACT_REGISTRY_SERVICE} --project=${project}`;

/**
 * Read-only: is the API usable in `project` (its locations), or is it off and may we enable it
 * (asked here; enabled by execute, after the plan is confirmed)?
 */
async function probeApi(ctx: StepContext, env: Env, project: string, signal: AbortSignal): Promise<Partial<WizardState>> {
  ctx.report.activity(`checking the Artifact Registry API in ${project}`);
  try {
    return { locations: await env.api.listLocations(project, callOpts(ctx, signal)) };
  } catch (e) {
    if (failureReason(e) !== 'SERVICE_DISABLED') throw await explainFailure(e, env, { project, role: ROLES.create, doing: 'use Artifact Registry' });
  }
  ctx.report.item({
    label: 'Artifact Registry API',
    status: 'warn',
    detail: `not enabled in ${project} yet`,
    fix: `Every Google Cloud API is switched on per project; this one must be on before a repository can exist. (${enableCommand(project)})`,
  });
  let go = ctx.flags.yes;
  if (!go && env.prompter.interactive) {
    go = await env.prompter.confirm({ message: `Enable the Artifact Registry API in ${project}?`, default: true }, { signal });
  }
  if (!go) {
    throw new UserError(`The Artifact Registry API is not enabled in project ${project}.`, [
      `Enable it: ${enableCommand(project)}`,
      'Or run registry-setup again with --yes (or in a terminal) to let it enable the API for you.',
    ]);
  }
  return { enableApi: true };
}

/** Enables the API, then waits for it to take effect; returns its locations. */
async function enableApi(ctx: StepContext, env: Env, project: string, signal: AbortSignal): Promise<string[]> {
  const opts = callOpts(ctx, signal);
  ctx.report.activity(enableCommand(project));
  try {
    await env.gcloud.enableService(project, ARTIFACT_REGISTRY_SERVICE, opts);
  } catch (e) {
    throw await explainFailure(e, env, { project, role: ROLES.enableService, doing: 'enable APIs' });
  }
  ctx.report.item({ label: 'Artifact Registry API', status: 'running', detail: 'enabled; waiting for it to take effect' });
  try {
    const locations = await retry(
      () => env.api.listLocations(project, opts),
      {
        ...ENABLE_WAIT,
        clock: env.clock,
        signal,
        isRetryable: (e) => failureReason(e) === 'SERVICE_DISABLED',
        onRetry: ({ attempt, delayMs }) => {
          ctx.report.activity(`waiting for the API to be enabled (attempt ${attempt})`);
          ctx.report.note({ type: 'retry', text: `the API is not active yet; trying again in ${Math.max(1, Math.round(delayMs / 1000))} s`, attempt, of: ENABLE_WAIT.attempts, delayMs });
        },
      },
    );
    ctx.report.item({ label: 'Artifact Registry API', status: 'ok', detail: 'enabled' });
    return locations;
  } catch (e) {
    if (failureReason(e) === 'SERVICE_DISABLED') {
      throw new UserError(`The Artifact Registry API was enabled in ${project} but is not active yet; this can take a few minutes.`, [
        'Wait a minute or two and run registry-setup again (your progress is saved).',
      ], { cause: e });
    }
    throw await explainFailure(e, env, { project, role: ROLES.create, doing: 'use Artifact Registry' });
  }
}

export const project: Step = {
  id: 'project',
  title: 'Choose the Google Cloud project',
  explain: EXPLAIN.project,

  async check(ctx, env, signal) {
    const p = ctx.state.project;
    if (!p || validateProjectId(p) !== true) return { done: false, why: 'no project chosen yet' };
    if (ctx.flags.project && ctx.flags.project !== p) return { done: false, why: `--project ${ctx.flags.project} differs from the saved ${p}` };
    try {
      await env.api.listLocations(p, { signal });
      return { done: true, summary: p };
    } catch (e) {
      const w = toWizardError(e);
      if (w.kind === 'cancel') throw w;
      return { done: false, why: `the Artifact Registry API did not answer for ${p}: ${w.message.split('\n')[0]}` };
    }
  },

  validate(flags) {
    if (flags.project === undefined) return;
    const v = validateProjectId(flags.project);
    if (v !== true) throw badFlag(flags.project, '--project', v);
  },

  async ask(ctx, env, signal) {
    const id = await chooseProject(ctx, env, signal);
    const api = await withContext(`check the Artifact Registry API in ${id}`, () => probeApi(ctx, env, id, signal));
    return { project: id, ...api };
  },

  async execute(ctx, env, signal) {
    const id = need(ctx.state.project, 'the project', 'project');
    let locations = ctx.state.locations;
    const enabling = ctx.state.enableApi === true && !locations?.length;
    if (enabling) locations = await withContext(`enable the Artifact Registry API in ${id}`, () => enableApi(ctx, env, id, signal));
    else if (!locations?.length) locations = (await withContext(`check the Artifact Registry API in ${id}`, () => probeApi(ctx, env, id, signal))).locations;
    if (!locations?.length) {
      throw new ExternalError(`Artifact Registry listed no locations for project ${id}.`, {}, ['Try again in a minute; if it persists, check the project in the Cloud console.']);
    }
    return {
      state: { project: id, locations, ...(enabling ? { apiEnabledHere: true, enableApi: false } : {}) },
      summary: enabling ? `${id} (Artifact Registry API enabled just now)` : id,
    };
  },

  // The project list for the question (gcloud's adapter keeps it for the run).
  early(ctx, env) {
    if (ctx.flags.project === undefined && !ctx.state.project && env.prompter.interactive) ctx.early?.start('gcloud projects list', () => env.gcloud.listProjects());
  },

  commands({ flags, state }) {
    const p = state.project ?? flags.project;
    if (p && (state.enableApi || state.apiEnabledHere)) return [enableCommand(p)];
    if (p && state.locations?.length) return [];
    const shown = p ?? 'PROJECT';
    const lines = p ? [] : ["# PROJECT: --project, or gcloud's active project (gcloud config get-value project)"];
    return [...lines, `gcloud artifacts locations list --project=${shown}`, `# if the API is off: ${enableCommand(shown)}`];
  },

  changes({ state }) {
    return state.enableApi && state.project ? [`enables the Artifact Registry API in ${state.project}`] : [];
  },
};
