// Step 0: check the tools before touching anything. Checks run in parallel; each one is a
// checklist item that is ok, a warning, or a blocking failure with its fix.

import { EXPLAIN } from './explain.js';
import type { Env } from '../ports.js';
import type { Step, StepContext } from './types.js';
import { UserError, toWizardError } from '../errors.js';
import { takeEarly } from '../run/early.js';
import { gcloudAccount } from './failures.js';

type ItemStatus = 'ok' | 'warn' | 'fail';
interface CheckItem {
  label: string;
  status: ItemStatus;
  detail?: string;
  fix?: string;
}

export const LABELS = {
  gcloud: 'gcloud CLI',
  account: 'gcloud login',
  docker: 'Docker CLI and daemon',
  helper: 'docker-credential-gcloud on PATH',
  root: 'user account',
  git: 'git repository (for the sha tag)',
} as const;

async function checkGcloud(env: Env): Promise<CheckItem[]> {
  let version: string | null = null;
  try {
    version = await env.gcloud.version();
  } catch (e) {
    version = null;
    void e;
  }
  if (!version) {
    const fix = 'Install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and make sure `gcloud` is on your PATH.';
    return [
      { label: LABELS.gcloud, status: 'fail', detail: 'gcloud was not found', fix },
      { label: LABELS.account, status: 'fail', detail: 'needs gcloud', fix: 'After installing gcloud: gcloud auth login' },
    ];
  }
  const items: CheckItem[] = [{ label: LABELS.gcloud, status: 'ok', detail: version }];
  const account = await gcloudAccount(env);
  if (account) {
    items.push({ label: LABELS.account, status: 'ok', detail: account });
    return items;
  }
  try {
    await env.gcloud.accessToken(); // the token itself is never shown or kept here
    items.push({ label: LABELS.account, status: 'ok', detail: 'no account set, but gcloud can get an access token' });
  } catch (e) {
    items.push({
      label: LABELS.account,
      status: 'fail',
      detail: `no active gcloud account (${toWizardError(e).message.split('\n')[0]})`,
      fix: 'Log in: gcloud auth login',
    });
  }
  return items;
}

const DOCKER_INFO = 'docker info';

async function checkDocker(ctx: StepContext, env: Env, signal?: AbortSignal): Promise<CheckItem[]> {
  const { value: info } = await takeEarly(ctx.early, DOCKER_INFO, () => env.docker.info({ signal }));
  if (!info.clientVersion) {
    return [{ label: LABELS.docker, status: 'fail', detail: 'the docker command was not found', fix: 'Install Docker (https://docs.docker.com/engine/install/) and make sure `docker` is on your PATH.' }];
  }
  const items: CheckItem[] = [];
  if (info.serverVersion && !info.daemonProblem) {
    items.push({ label: LABELS.docker, status: 'ok', detail: `client ${info.clientVersion}, daemon ${info.serverVersion}` });
  } else {
    const why = info.daemonMessage ? ` (${info.daemonMessage.split('\n')[0]})` : '';
    const byProblem: Record<string, { detail: string; fix: string }> = {
      'not-running': {
        detail: 'the Docker daemon is not running',
        fix: 'Start it: sudo systemctl start docker (Linux), or open Docker Desktop (macOS/Windows).',
      },
      'permission-denied': {
        detail: 'permission denied on the Docker socket',
        fix: 'Add yourself to the docker group: sudo usermod -aG docker $USER, then log out and back in. Avoid sudo: it would use root\'s Docker config and gcloud login, not yours.',
      },
      'docker-host': {
        detail: 'DOCKER_HOST points to a daemon that does not answer',
        fix: 'Check DOCKER_HOST (or the active docker context): unset DOCKER_HOST to use the local daemon.',
      },
      other: { detail: 'the Docker daemon did not answer', fix: 'Run `docker info` to see why, fix it, and run registry-setup again.' },
    };
    const p = byProblem[info.daemonProblem ?? 'other'] ?? byProblem.other;
    items.push({ label: LABELS.docker, status: 'fail', detail: p.detail + why, fix: p.fix });
  }
  if (info.path && info.path.includes('/snap/')) {
    items.push({
      label: 'Docker installed from snap',
      status: 'warn',
      detail: `docker is ${info.path}`,
      fix: 'Snap-confined Docker cannot run credential helpers such as docker-credential-gcloud, so pushes may fail. Prefer Docker from your distribution or docker.com.',
    });
  }
  return items;
}

async function checkHelper(env: Env): Promise<CheckItem> {
  const path = await env.docker.findHelper('gcloud');
  if (path) return { label: LABELS.helper, status: 'ok', detail: path };
  return {
    label: LABELS.helper,
    status: 'fail',
    detail: 'Docker asks this program for your registry credentials, and it was not found on PATH',
    fix: 'It ships with the Google Cloud CLI: add the gcloud bin folder (e.g. google-cloud-sdk/bin) to PATH, or run: gcloud components install docker-credential-gcloud',
  };
}

async function checkGit(env: Env, signal?: AbortSignal): Promise<CheckItem> {
  const isRepo = await env.git.isRepo({ signal });
  if (!isRepo) {
    return {
      label: LABELS.git,
      status: 'warn',
      detail: 'this folder is not a git repository: only the latest tag will be pushed',
      fix: 'Run registry-setup from your project\'s git folder to also tag the image with the commit sha.',
    };
  }
  return { label: LABELS.git, status: 'ok' };
}

function rootItem(env: Env): CheckItem {
  if (!env.isRoot) return { label: LABELS.root, status: 'ok', detail: 'running as your own user' };
  return {
    label: LABELS.root,
    status: 'warn',
    detail: 'running as root',
    fix: env.dockerConfig.sudoWarning ?? "Root's ~/.docker/config.json and gcloud login are not yours: the setup will configure root. Run without sudo unless that is what you want.",
  };
}

async function settle(label: string, p: Promise<CheckItem | CheckItem[]>): Promise<CheckItem[]> {
  try {
    const r = await p;
    return Array.isArray(r) ? r : [r];
  } catch (e) {
    const w = toWizardError(e);
    if (w.kind === 'cancel') throw w;
    return [{ label, status: 'fail', detail: w.message.split('\n')[0], fix: 'Run the failing check by hand to see why, then run registry-setup again.' }];
  }
}

async function runChecks(ctx: StepContext, env: Env, signal?: AbortSignal): Promise<CheckItem[]> {
  for (const label of [LABELS.gcloud, LABELS.account, LABELS.docker, LABELS.helper, LABELS.git]) {
    ctx.report.item({ label, status: 'running' });
  }
  const report = (items: CheckItem[]) => {
    for (const i of items) ctx.report.item(i);
    return items;
  };
  const groups = await Promise.all([
    settle(LABELS.gcloud, checkGcloud(env)).then(report),
    settle(LABELS.docker, checkDocker(ctx, env, signal)).then(report),
    settle(LABELS.helper, checkHelper(env)).then(report),
    settle(LABELS.git, checkGit(env, signal)).then(report),
    Promise.resolve(report([rootItem(env)])),
  ]);
  return groups.flat();
}

export const preflight: Step = {
  id: 'preflight',
  title: 'Check your tools',
  explain: EXPLAIN.preflight,
  before: true,
  readOnly: true,

  async check() {
    // Tools can change between runs (daemon stopped, logged out): always re-run the checks.
    return { done: false, why: 'the tool checks always run' };
  },

  async execute(ctx, env, signal) {
    ctx.report.activity('checking gcloud, Docker, the credential helper and git');
    const items = await runChecks(ctx, env, signal);
    for (const i of items) if (i.status === 'warn') ctx.report.warn(`${i.detail ?? i.label}${i.fix ? ` — ${i.fix}` : ''}`);
    const failed = items.filter((i) => i.status === 'fail');
    if (failed.length) {
      throw new UserError(
        `${failed.length === 1 ? 'One check failed' : `${failed.length} checks failed`}: ${failed.map((i) => `${i.label} (${i.detail ?? 'failed'})`).join('; ')}.`,
        failed.map((i) => i.fix).filter((f): f is string => !!f),
      );
    }
    const gcloud = items.find((i) => i.label === LABELS.gcloud)?.detail;
    const warns = items.filter((i) => i.status === 'warn').length;
    return {
      state: {},
      summary: `ready${gcloud ? ` (${gcloud})` : ''}${warns ? `, ${warns} warning${warns > 1 ? 's' : ''}` : ''}`,
    };
  },

  // The checks start with the run. gcloud's adapter keeps its answers for the run (one
  // config-helper process, started by boot); Docker's answer is taken above.
  // The API client loads meanwhile too: every run's first API call (a question's look or a
  // re-check) comes right after these checks.
  early(ctx, env) {
    ctx.early?.start(DOCKER_INFO, (signal) => env.docker.info({ signal }));
    for (const p of [env.gcloud.version(), env.gcloud.config(), env.gcloud.accessToken()]) p.catch(() => {});
    const preload = env.api.preload?.bind(env.api);
    if (preload) ctx.early?.start('load the API client', preload);
  },

  commands() {
    return ['gcloud --version', 'gcloud auth list', 'docker info', 'command -v docker-credential-gcloud'];
  },
};
