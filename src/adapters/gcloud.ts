// The user's real gcloud CLI. Every gcloud process costs about a second, so each answer is
// asked for once per run and cached: the config, the access token, the project list.
// Only the token, configure-docker, services enable and reading the config go through gcloud;
// Artifact Registry calls go through the in-process Node client (artifactRegistry.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancelError, ExternalError, UserError } from '../errors.js';
import type { CallOpts, GcloudConfig, GcloudPort, GcloudProject } from '../ports.js';
import type { Runner } from './exec.js';

/** Reason set on the error when gcloud has no credential at all (callers may fall back to ADC). */
export const NO_CREDENTIAL = 'GCLOUD_NO_CREDENTIAL';

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

/** A cached async value that forgets failures (so a later call can try again). */
function once<T>(fn: () => Promise<T>): { get(): Promise<T>; reset(): void } {
  let p: Promise<T> | undefined;
  return {
    get() {
      if (!p) {
        p = fn();
        p.catch(() => {
          p = undefined;
        });
      }
      return p;
    },
    reset() {
      p = undefined;
    },
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Parse `gcloud config list --format=json` (gcloud has already applied CLOUDSDK_* env overrides). */
export function parseConfigList(json: string): Omit<GcloudConfig, 'configurationName'> {
  let data: Record<string, Record<string, unknown>>;
  try {
    data = JSON.parse(json || '{}');
  } catch (e) {
    throw new ExternalError('gcloud printed a configuration that is not JSON', { command: 'gcloud config list --format=json' }, [], { cause: e });
  }
  const sect = (name: string) => (data && typeof data[name] === 'object' && data[name]) || {};
  return {
    account: str(sect('core').account),
    project: str(sect('core').project),
    artifactsLocation: str(sect('artifacts').location),
    runRegion: str(sect('run').region),
    artifactRegistryEndpoint: str(sect('api_endpoint_overrides').artifactregistry),
  };
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

  const version = once(async () => {
    try {
      const r = await run('gcloud', ['--version']);
      return r.stdout.split(/\r?\n/)[0]?.trim() || null;
    } catch (e) {
      if (e instanceof ExternalError && e.details.exitCode === null && /not installed/.test(e.message)) return null;
      throw e;
    }
  });

  const config = once(async (): Promise<GcloudConfig> => {
    const r = await run('gcloud', ['config', 'list', '--format=json']);
    return { ...parseConfigList(r.stdout), configurationName: activeConfigName(env) };
  });

  let tokenP: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    const display = 'gcloud auth print-access-token';
    let r;
    try {
      r = await run('gcloud', ['auth', 'print-access-token'], { display });
    } catch (e) {
      if (e instanceof ExternalError && e.details.exitCode !== null && e.details.exitCode !== undefined) {
        const noAccount = /do not currently have an active account|no credentialed accounts|gcloud auth login/i.test(e.details.stderrTail ?? '');
        throw new ExternalError(
          noAccount ? 'gcloud has no logged-in account to get an access token from' : 'gcloud could not print an access token',
          { command: display, exitCode: e.details.exitCode, stderrTail: e.details.stderrTail, reason: noAccount ? NO_CREDENTIAL : undefined },
          ['Log in with: gcloud auth login', 'Then run registry-setup again.'],
          { cause: e },
        );
      }
      throw e;
    }
    const token = r.stdout.trim().split(/\r?\n/).pop()?.trim() ?? '';
    if (!token) {
      throw new ExternalError('gcloud printed an empty access token', { command: display, reason: NO_CREDENTIAL }, ['Log in with: gcloud auth login']);
    }
    return token;
  };

  const projects = once(async () => {
    const r = await run('gcloud', ['projects', 'list', '--format=json']);
    return parseProjects(r.stdout);
  });

  return {
    version: () => version.get(),

    config: () => config.get(),

    accessToken(opts) {
      if (!tokenP || opts?.refresh) {
        const p = fetchToken();
        tokenP = p;
        p.catch(() => {
          if (tokenP === p) tokenP = undefined;
        });
      }
      return tokenP;
    },

    listProjects(opts?: CallOpts) {
      opts?.onProgress?.({ type: 'call', text: 'gcloud projects list --format=json' });
      return raceSignal(projects.get(), opts?.signal);
    },

    async enableService(project, service, opts) {
      if (!/^[a-z][a-z0-9.-]*\.googleapis\.com$/.test(service)) throw new UserError(`not a Google API service name: ${service}`);
      const args = ['services', 'enable', service, '--project', project, '--quiet'];
      opts?.onProgress?.({ type: 'call', text: `gcloud services enable ${service} --project ${project}` });
      await run('gcloud', args, {
        signal: opts?.signal,
        onLine: opts?.onProgress ? (line) => line.trim() && opts.onProgress!({ type: 'line', text: line }) : undefined,
      });
    },

    async configureDocker(host, dockerConfigDir, opts) {
      opts?.onProgress?.({ type: 'call', text: `gcloud auth configure-docker ${host} --quiet` });
      await run('gcloud', ['auth', 'configure-docker', host, '--quiet'], {
        env: { DOCKER_CONFIG: dockerConfigDir },
        signal: opts?.signal,
        display: `gcloud auth configure-docker ${host} --quiet`,
        onLine: opts?.onProgress ? (line) => line.trim() && opts.onProgress!({ type: 'line', text: line }) : undefined,
      });
    },
  };
}
