// Step 0: check the tools before touching anything. Checks run in parallel; each one is a
// checklist item that is ok, a warning, or a blocking failure with its fix. In a terminal, the
// gaps a newcomer can close on the spot (log in to gcloud, start Docker) are offered there, and
// checked again; otherwise (no terminal, --yes) the run stops with every fix.

import { EXPLAIN } from './explain.js';
import type { DockerInfo, Env } from '../ports.js';
import type { Step, StepContext } from './types.js';
import { UserError, toWizardError } from '../errors.js';
import { takeEarly } from '../run/early.js';
import { installFix } from '../facts.js';
import { EARLY_DOCKER_INFO, callOpts, daemonUp } from './common.js';
import { failureReason, gcloudAccount } from './failures.js';

type ItemStatus = 'ok' | 'warn' | 'fail';
/** A failed check a terminal can close on the spot: log in, or start Docker. */
type Gap = 'login' | 'daemon';
interface CheckItem {
  label: string;
  status: ItemStatus;
  detail?: string;
  fix?: string;
  /** The gcloud login item's account, saved for doctor (not shown: the detail says it). */
  account?: string;
  gap?: Gap;
  /** For a gap: the short question that offers to close it. */
  ask?: string;
}

export const LABELS = {
  gcloud: 'gcloud CLI',
  account: 'gcloud login',
  docker: 'Docker CLI and daemon',
  helper: 'docker-credential-gcloud on PATH',
  root: 'user account',
  git: 'git repository (for the sha tag)',
} as const;

const firstLine = (text: string): string => text.split('\n')[0] ?? '';

async function checkAccount(env: Env): Promise<CheckItem> {
  const account = await gcloudAccount(env);
  if (account) return { label: LABELS.account, status: 'ok', detail: account, account };
  try {
    await env.gcloud.accessToken(); // the token itself is never shown or kept here
    return { label: LABELS.account, status: 'ok', detail: 'no account set, but gcloud can get an access token' };
  } catch (e) {
    if (failureReason(e) === 'GCLOUD_NO_CREDENTIAL') {
      return { label: LABELS.account, status: 'fail', detail: 'gcloud has no logged-in account', fix: 'Log in: gcloud auth login', gap: 'login' };
    }
    const w = toWizardError(e);
    if (w.kind === 'cancel') throw w;
    return { label: LABELS.account, status: 'fail', detail: firstLine(w.message), fix: 'Log in again: gcloud auth login' };
  }
}

async function checkGcloud(env: Env): Promise<CheckItem[]> {
  let version: string | null = null;
  try {
    version = await env.gcloud.version();
  } catch {
    version = null;
  }
  if (!version) {
    return [
      { label: LABELS.gcloud, status: 'fail', detail: 'gcloud was not found', fix: installFix('gcloud', env.platform) },
      { label: LABELS.account, status: 'fail', detail: 'needs gcloud', fix: 'After installing gcloud: gcloud auth login' },
    ];
  }
  return [{ label: LABELS.gcloud, status: 'ok', detail: version }, await checkAccount(env)];
}

/** How to start Docker's daemon on this system. */
function startDocker(platform: string | undefined): string {
  if (platform === 'linux') return 'Start it: sudo systemctl start docker';
  if (platform === 'darwin' || platform === 'win32') return 'Start it: open Docker Desktop';
  return 'Start it: sudo systemctl start docker (Linux), or open Docker Desktop (macOS/Windows).';
}

const START_IT = 'Docker does not answer: start it, then press Enter';

/** Why the daemon did not answer: what the user sees, the fix, and (when starting it may help) the question. */
function daemonProblem(problem: DockerInfo['daemonProblem'], platform: string | undefined): Omit<CheckItem, 'label' | 'status'> {
  switch (problem) {
    case 'not-running':
      return { detail: 'the Docker daemon is not running', fix: startDocker(platform), gap: 'daemon', ask: 'Docker is not running: start it, then press Enter' };
    case 'permission-denied':
      return {
        detail: 'permission denied on the Docker socket',
        fix: "Add yourself to the docker group: sudo usermod -aG docker $USER, then log out and back in. Avoid sudo: it would use root's Docker config and gcloud login, not yours.",
      };
    case 'docker-host':
      return {
        detail: 'DOCKER_HOST points to a daemon that does not answer',
        fix: 'Start that daemon, or check DOCKER_HOST (or the active docker context): unset DOCKER_HOST to use the local daemon.',
        gap: 'daemon',
        ask: START_IT,
      };
    default:
      return { detail: 'the Docker daemon did not answer', fix: 'Run `docker info` to see why, fix it, and run registry-setup again.', gap: 'daemon', ask: START_IT };
  }
}

/** What `docker info` said, as checklist items. */
function dockerItems(info: DockerInfo, platform: string | undefined): CheckItem[] {
  if (!info.clientVersion) {
    return [{ label: LABELS.docker, status: 'fail', detail: 'the docker command was not found', fix: installFix('docker', platform) }];
  }
  const items: CheckItem[] = [];
  if (daemonUp(info)) {
    items.push({ label: LABELS.docker, status: 'ok', detail: `client ${info.clientVersion}, daemon ${info.serverVersion}` });
  } else {
    const p = daemonProblem(info.daemonProblem, platform);
    const why = info.daemonMessage ? ` (${firstLine(info.daemonMessage)})` : '';
    items.push({ label: LABELS.docker, status: 'fail', ...p, detail: p.detail + why });
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

async function checkDocker(ctx: StepContext, env: Env, signal?: AbortSignal): Promise<CheckItem[]> {
  const { value: info } = await takeEarly(ctx.early, EARLY_DOCKER_INFO, () => env.docker.info({ signal }));
  return dockerItems(info, env.platform);
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
    return [{ label, status: 'fail', detail: firstLine(w.message), fix: 'Run the failing check by hand to see why, then run registry-setup again.' }];
  }
}

/** Shows items in the checklist as they come. */
function reported(ctx: StepContext): (items: CheckItem[]) => CheckItem[] {
  return (items) => {
    for (const { account: _, ...i } of items) ctx.report.item(i);
    return items;
  };
}

async function runChecks(ctx: StepContext, env: Env, signal?: AbortSignal): Promise<CheckItem[]> {
  for (const label of [LABELS.gcloud, LABELS.account, LABELS.docker, LABELS.helper, LABELS.git]) {
    ctx.report.item({ label, status: 'running' });
  }
  const report = reported(ctx);
  const groups = await Promise.all([
    settle(LABELS.gcloud, checkGcloud(env)).then(report),
    settle(LABELS.docker, checkDocker(ctx, env, signal)).then(report),
    settle(LABELS.helper, checkHelper(env)).then(report),
    settle(LABELS.git, checkGit(env, signal)).then(report),
    Promise.resolve(report([rootItem(env)])),
  ]);
  return groups.flat();
}

// ---------- closing gaps in a terminal ----------

interface Remedy {
  gap: Gap;
  label: string;
  /** Offers to close the gap (`attempt` 0 the first time); false: the user leaves it open. */
  offer(ctx: StepContext, env: Env, item: CheckItem, attempt: number, signal: AbortSignal): Promise<boolean>;
  recheck(env: Env, signal: AbortSignal): Promise<CheckItem[]>;
}

const REMEDIES: Remedy[] = [
  {
    gap: 'login',
    label: LABELS.account,
    async offer(ctx, env, _item, attempt, signal) {
      const message = attempt === 0 ? 'Not logged in to gcloud. Run gcloud auth login?' : 'Still not logged in. Run gcloud auth login again?';
      if (!(await env.prompter.confirm({ message, default: true }, { signal }))) return false;
      try {
        await env.gcloud.login(callOpts(ctx, signal));
      } catch (e) {
        // A login that did not finish: the re-check says what is still missing.
        if (toWizardError(e).kind === 'cancel') throw e;
      }
      return true;
    },
    recheck: async (env) => [await checkAccount(env)],
  },
  {
    gap: 'daemon',
    label: LABELS.docker,
    async offer(_ctx, env, item, attempt, signal) {
      const message = attempt === 0 && item.ask ? item.ask : 'Docker still does not answer: start it, then press Enter';
      await env.prompter.input({ message }, { signal }); // Escape or Ctrl-C stops the run
      return true;
    },
    recheck: async (env, signal) => dockerItems(await env.docker.info({ signal }), env.platform),
  },
];

/** `items`, with the re-checked ones in their places (and any new ones after). */
function merge(items: CheckItem[], fresh: CheckItem[]): CheckItem[] {
  const byLabel = new Map(fresh.map((f) => [f.label, f]));
  return [...items.map((i) => byLabel.get(i.label) ?? i), ...fresh.filter((f) => !items.some((i) => i.label === f.label))];
}

/**
 * In a terminal, when every failed check is a gap the user can close here (log in, start Docker):
 * offer each in turn and check again, until it is closed or the user leaves it.
 */
async function closeGaps(ctx: StepContext, env: Env, items: CheckItem[], signal: AbortSignal): Promise<CheckItem[]> {
  const failed = items.filter((i) => i.status === 'fail');
  if (!env.prompter.interactive || !failed.length || failed.some((i) => !i.gap)) return items;
  for (const r of REMEDIES) {
    for (let attempt = 0; ; attempt++) {
      const item = items.find((i) => i.gap === r.gap && i.status === 'fail');
      if (!item) break;
      if (!(await r.offer(ctx, env, item, attempt, signal))) return items;
      items = merge(items, reported(ctx)(await settle(r.label, r.recheck(env, signal))));
    }
  }
  return items;
}

/** The run stops on failed checks: one finding per line, each with its fix. */
function checksFailed(failed: CheckItem[]): UserError {
  const head = failed.length === 1 ? 'One check failed' : `${failed.length} checks failed`;
  return new UserError(
    `${head}: ${failed.map((i) => i.label).join(', ')}.`,
    failed.map((i) => `${i.label}: ${(i.detail ?? 'failed').replace(/\.$/, '')}.${i.fix ? ` ${i.fix}` : ''}`),
  );
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
    const items = await closeGaps(ctx, env, await runChecks(ctx, env, signal), signal);
    for (const i of items) if (i.status === 'warn') ctx.report.warn(`${i.detail ?? i.label}${i.fix ? ` — ${i.fix}` : ''}`);
    const failed = items.filter((i) => i.status === 'fail');
    if (failed.length) throw checksFailed(failed);
    const gcloud = items.find((i) => i.label === LABELS.gcloud)?.detail;
    const warns = items.filter((i) => i.status === 'warn').length;
    const account = items.find((i) => i.account)?.account;
    return {
      state: account ? { account } : {},
      summary: `ready${gcloud ? ` (${gcloud})` : ''}${warns ? `, ${warns} warning${warns > 1 ? 's' : ''}` : ''}`,
    };
  },

  // The checks start with the run. gcloud's adapter keeps its answers for the run (one
  // config-helper process, started by boot); Docker's answer is taken above.
  // The API client loads meanwhile too: every run's first API call (a question's look or a
  // re-check) comes right after these checks.
  early(ctx, env) {
    ctx.early?.start(EARLY_DOCKER_INFO, (signal) => env.docker.info({ signal }));
    for (const p of [env.gcloud.version(), env.gcloud.config(), env.gcloud.accessToken()]) p.catch(() => {});
    const preload = env.api.preload?.bind(env.api);
    if (preload) ctx.early?.start('load the API client', preload);
  },

  commands() {
    return ['gcloud --version', 'gcloud auth list', 'docker info', 'command -v docker-credential-gcloud'];
  },
};
