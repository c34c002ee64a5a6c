// The user's real gcloud CLI. Every gcloud process is slow (Python starts each time), so each
// answer is asked for once per run and cached: the config, the access token, the project list.
// One process at launch answers both the config and the token (`gcloud config config-helper`);
// the version comes from the SDK's VERSION file, without a process.
// Only the token, configure-docker, services enable, reading the config and the login (on the
// user's terminal, when they accept it) go through gcloud;
// Artifact Registry calls go through the in-process Node client (artifactRegistry.ts).
import { readFileSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { findOnPath } from './exec.js';
import { memo } from '../memo.js';
import { GCLOUD_CONFIG_HELPER, wholeJson } from './early.js';
import { CancelError, ExternalError, UserError, type FailureReason } from '../errors.js';
import type { CallOpts, GcloudConfig, GcloudPort, GcloudProject } from '../ports.js';
import type { Runner } from './exec.js';
import { BILLING_DISABLED_TEXT } from './googleText.js';

/** Reason set on the error when gcloud has no credential at all (a login fixes it). */
export const NO_CREDENTIAL = 'GCLOUD_NO_CREDENTIAL' satisfies FailureReason;

/** Settle with the promise, or reject with CancelError as soon as the signal aborts (the shared work goes on). */
export function raceSignal<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new CancelError('cancelled', { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelError('cancelled', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function propsOf(data: unknown): Omit<GcloudConfig, 'configurationName'> {
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, Record<string, unknown>>;
  const sect = (name: string) => (d[name] && typeof d[name] === 'object' ? d[name] : {});
  return {
    account: str(sect('core').account),
    project: str(sect('core').project),
    artifactsLocation: str(sect('artifacts').location),
    runRegion: str(sect('run').region),
    artifactRegistryEndpoint: str(sect('api_endpoint_overrides').artifactregistry),
  };
}

/** Parse `gcloud config list --format=json` (gcloud has already applied CLOUDSDK_* env overrides). */
export function parseConfigList(json: string): Omit<GcloudConfig, 'configurationName'> {
  let data: unknown;
  try {
    data = JSON.parse(json || '{}');
  } catch (e) {
    throw new ExternalError('gcloud printed a configuration that is not JSON', { command: 'gcloud config list --format=json' }, [], { cause: e });
  }
  return propsOf(data);
}

export const CONFIG_HELPER = 'gcloud config config-helper --format=json';

/**
 * Parse `gcloud config config-helper --format=json`: the same properties as `config list` (env
 * overrides applied), the active configuration's name, and a valid access token (refreshed by gcloud
 * when needed). The token is returned to the caller and never kept in an error or a log.
 */
export function parseConfigHelper(json: string): { config: GcloudConfig; token?: string } {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(json || '{}');
  } catch (e) {
    // Not JSON: never quote it (it may hold the token).
    throw new ExternalError('gcloud printed a configuration that is not JSON', { command: CONFIG_HELPER }, [], { cause: e instanceof Error ? new Error(e.name) : undefined });
  }
  const configuration = (data?.configuration && typeof data.configuration === 'object' ? data.configuration : {}) as Record<string, unknown>;
  const credential = (data?.credential && typeof data.credential === 'object' ? data.credential : {}) as Record<string, unknown>;
  const config: GcloudConfig = { ...propsOf(configuration.properties), configurationName: str(configuration.active_configuration) };
  if (!config.configurationName) delete config.configurationName;
  const token = str(credential.access_token);
  return token ? { config, token } : { config };
}

/** stderr of a gcloud auth failure that a login fixes. */
const NO_ACCOUNT = /do not currently have an active account|no credentialed accounts|does not have any valid credentials|gcloud auth login/i;

/**
 * Why a gcloud command failed, from its stderr ("ERROR: (gcloud.services.enable) FAILED_PRECONDITION:
 * Billing account for project … is not found", "PERMISSION_DENIED: Permission denied to enable service").
 */
export function gcloudReason(stderr: string): FailureReason | undefined {
  if (NO_ACCOUNT.test(stderr)) return NO_CREDENTIAL;
  if (BILLING_DISABLED_TEXT.test(stderr)) return 'BILLING_DISABLED';
  if (/PERMISSION_DENIED|permission/i.test(stderr)) return 'PERMISSION_DENIED';
  return undefined;
}

/** A failed gcloud command's error, with its reason; anything else as it is. */
function classified(e: unknown): unknown {
  if (!(e instanceof ExternalError) || typeof e.details.exitCode !== 'number' || e.details.reason) return e;
  const reason = gcloudReason(e.details.stderrTail ?? '');
  return reason ? new ExternalError(e.message, { ...e.details, reason }, e.fix, { cause: e }) : e;
}

/**
 * "Google Cloud SDK <VERSION>" from the SDK's VERSION file, found from a gcloud on PATH
 * (`<sdk>/bin/gcloud` → `<sdk>/VERSION`, following symlinks such as Debian's /usr/bin/gcloud; a
 * wrapper script earlier on PATH is passed over for the SDK behind it); null when no gcloud is on
 * PATH; undefined when none sits in an SDK folder (then only `gcloud --version` can tell).
 */
export async function versionFromSdk(env: NodeJS.ProcessEnv): Promise<string | null | undefined> {
  let found = false;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const bin = await findOnPath('gcloud', dir, process.platform === 'win32' ? env.PATHEXT : undefined);
    if (!bin) continue;
    found = true;
    try {
      const root = dirname(dirname(await realpath(bin)));
      const v = (await readFile(join(root, 'VERSION'), 'utf8')).trim();
      if (/^\d+\.\d+\.\d+$/.test(v)) return `Google Cloud SDK ${v}`;
    } catch {
      // not an SDK folder: a wrapper, perhaps
    }
  }
  return found ? undefined : null;
}

/** Name of the active gcloud configuration: CLOUDSDK_ACTIVE_CONFIG_NAME, else the active_config file. */
export function activeConfigName(env: NodeJS.ProcessEnv): string | undefined {
  if (env.CLOUDSDK_ACTIVE_CONFIG_NAME) return env.CLOUDSDK_ACTIVE_CONFIG_NAME;
  const dir =
    env.CLOUDSDK_CONFIG || (env.HOME ? join(env.HOME, '.config', 'gcloud') : env.APPDATA ? join(env.APPDATA, 'gcloud') : undefined);
  if (!dir) return undefined;
  try {
    const name = readFileSync(join(dir, 'active_config'), 'utf8').trim();
    return name || 'default';
  } catch {
    return 'default';
  }
}

export function parseProjects(json: string): GcloudProject[] {
  let data: unknown;
  try {
    data = JSON.parse(json || '[]');
  } catch (e) {
    throw new ExternalError('gcloud printed a project list that is not JSON', { command: 'gcloud projects list --format=json' }, [], { cause: e });
  }
  if (!Array.isArray(data)) return [];
  return data
    .filter((p): p is Record<string, unknown> => !!p && typeof p === 'object' && typeof (p as Record<string, unknown>).projectId === 'string')
    .map((p) => ({
      projectId: p.projectId as string,
      ...(str(p.name) ? { name: str(p.name) } : {}),
      ...(p.projectNumber !== undefined && p.projectNumber !== null ? { projectNumber: String(p.projectNumber) } : {}),
    }));
}

export function createGcloud(deps: { run: Runner; env: NodeJS.ProcessEnv }): GcloudPort {
  const { run, env } = deps;

  const version = memo(async () => {
    const fromFile = await versionFromSdk(env);
    if (fromFile !== undefined) return fromFile;
    try {
      const r = await run('gcloud', ['--version']);
      return r.stdout.split(/\r?\n/)[0]?.trim() || null;
    } catch (e) {
      if (e instanceof ExternalError && e.details.exitCode === null && /not installed/.test(e.message)) return null;
      throw e;
    }
  });

  /** A gcloud failure that a login fixes becomes NO_CREDENTIAL, with the fix. */
  const authError = (e: unknown, display: string): unknown => {
    if (e instanceof ExternalError && e.details.exitCode !== null && e.details.exitCode !== undefined) {
      const noAccount = NO_ACCOUNT.test(e.details.stderrTail ?? '');
      return new ExternalError(
        noAccount ? 'gcloud has no logged-in account to get an access token from' : 'gcloud could not print an access token',
        { command: display, exitCode: e.details.exitCode, stderrTail: e.details.stderrTail, reason: noAccount ? NO_CREDENTIAL : undefined },
        ['Log in with: gcloud auth login', 'Then run registry-setup again.'],
        { cause: e },
      );
    }
    return e;
  };

  // One process answers config and token. Its failure (no login, most often) is kept for the token;
  // the config then comes from `gcloud config list`, which needs no login.
  const helper = memo(async () => {
    try {
      // src/app/start.ts may have started this very command as soon as the flags were read (adapters/early.ts).
      const [cmd, args, answered] = GCLOUD_CONFIG_HELPER;
      const r = await run(cmd, args, { display: CONFIG_HELPER, answered });
      return { ok: true as const, ...parseConfigHelper(r.stdout) };
    } catch (e) {
      if (e instanceof ExternalError && typeof e.details.exitCode === 'number') return { ok: false as const, error: authError(e, CONFIG_HELPER) };
      throw e;
    }
  });

  const config = memo(async (): Promise<GcloudConfig> => {
    const h = await helper.get();
    if (h.ok) return { ...h.config, configurationName: h.config.configurationName ?? activeConfigName(env) };
    const r = await run('gcloud', ['config', 'list', '--format=json'], { answered: wholeJson });
    return { ...parseConfigList(r.stdout), configurationName: activeConfigName(env) };
  });

  const printToken = async (): Promise<string> => {
    const display = 'gcloud auth print-access-token';
    let r;
    try {
      r = await run('gcloud', ['auth', 'print-access-token'], { display });
    } catch (e) {
      throw authError(e, display);
    }
    const token = r.stdout.trim().split(/\r?\n/).pop()?.trim() ?? '';
    if (!token) {
      throw new ExternalError('gcloud printed an empty access token', { command: display, reason: NO_CREDENTIAL }, ['Log in with: gcloud auth login']);
    }
    return token;
  };
  const firstToken = async (): Promise<string> => {
    const h = await helper.get();
    if (!h.ok) {
      helper.reset(); // a later call (after the user logs in) asks again
      throw h.error;
    }
    if (!h.token) throw new ExternalError('gcloud gave no access token', { command: CONFIG_HELPER, reason: NO_CREDENTIAL }, ['Log in with: gcloud auth login']);
    return h.token;
  };
  const token = memo(firstToken);

  const projects = memo(async () => {
    const r = await run('gcloud', ['projects', 'list', '--format=json'], { answered: wholeJson }).catch((e: unknown) => {
      throw classified(e);
    });
    return parseProjects(r.stdout);
  });

  return {
    version: () => version.get(),

    config: () => config.get(),

    accessToken(opts) {
      return opts?.refresh ? token.renew(printToken) : token.get();
    },

    listProjects(opts?: CallOpts) {
      opts?.onProgress?.({ type: 'call', text: 'gcloud projects list --format=json' });
      return raceSignal(projects.get(), opts?.signal);
    },

    async login(opts) {
      // The user logs in: what gcloud said before (no account, no token) no longer holds.
      const forget = () => [helper, config, token, projects].forEach((m) => m.reset());
      opts?.onProgress?.({ type: 'call', text: 'gcloud auth login' });
      try {
        await run('gcloud', ['auth', 'login'], { signal: opts?.signal, terminal: true });
      } finally {
        forget();
      }
    },

    async enableService(project, service, opts) {
      if (!/^[a-z][a-z0-9.-]*\.googleapis\.com$/.test(service)) throw new UserError(`not a Google API service name: ${service}`);
      const args = ['services', 'enable', service, '--project', project, '--quiet'];
      opts?.onProgress?.({ type: 'call', text: `gcloud services enable ${service} --project ${project}` });
      await run('gcloud', args, {
        signal: opts?.signal,
        onLine: opts?.onProgress ? (line) => line.trim() && opts.onProgress!({ type: 'line', text: line }) : undefined,
      }).catch((e: unknown) => {
        throw classified(e);
      });
    },
  };
}
