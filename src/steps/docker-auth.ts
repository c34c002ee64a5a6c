// Step 4: let Docker use the gcloud login for this registry host. It is one credHelpers entry of the
// user's Docker config, exactly what `gcloud auth configure-docker HOST` writes; we write it
// ourselves (no gcloud process), touching nothing else, backed up first and replaced atomically.

import { EXPLAIN } from './explain.js';
import type { Env } from '../ports.js';
import type { Step, StepContext } from './types.js';
import { UserError, withContext } from '../errors.js';
import { need, safeCheck } from './common.js';
import { registryHost } from '../naming.js';

/** The helper our entry names: Docker runs docker-credential-gcloud for the host. */
export const HELPER = 'gcloud';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** The config's credHelpers when it is usable, else empty (no entries). */
export function usableCredHelpers(config: Record<string, unknown>): Record<string, unknown> {
  return isPlainObject(config.credHelpers) ? config.credHelpers : {};
}

/** What credHelpers sends `host` to, in a parsed Docker config (undefined: no entry, or no usable credHelpers). */
export function credHelperFor(config: Record<string, unknown>, host: string): unknown {
  return usableCredHelpers(config)[host];
}

/** The config's credHelpers (undefined when absent); one that is not an object is a UserError naming the file. */
export function credHelpersOf(config: Record<string, unknown>, path: string): Record<string, unknown> | undefined {
  const ch = config.credHelpers;
  if (ch === undefined || ch === null) return undefined;
  if (!isPlainObject(ch)) {
    throw new UserError(`"credHelpers" in ${path} is not an object, so Docker cannot use it.`, [
      `Fix or remove the "credHelpers" entry in ${path} (a backup is a good idea), then run registry-setup again.`,
    ]);
  }
  return ch;
}

/** `original` with credHelpers[host] = value; every other key (and key order) untouched. */
export function mergeCredHelper(original: Record<string, unknown>, host: string, value: string): Record<string, unknown> {
  const helpers = usableCredHelpers(original);
  // Spreading keeps the position of an existing credHelpers key; a new one goes last.
  return { ...original, credHelpers: { ...helpers, [host]: value } };
}

/** `original` without credHelpers[host]; every other key (and key order) untouched. */
export function withoutCredHelper(original: Record<string, unknown>, host: string): Record<string, unknown> {
  if (!isPlainObject(original.credHelpers) || !(host in original.credHelpers)) return original;
  const { [host]: _removed, ...rest } = original.credHelpers;
  return { ...original, credHelpers: rest };
}

export function helperMissing(host: string): UserError {
  return new UserError(
    `Docker looks for a program called docker-credential-${HELPER} on your PATH to get credentials for ${host}, and it is not there. Without it every push is refused.`,
    [
      'It comes with the Google Cloud CLI: add its bin folder (e.g. ~/google-cloud-sdk/bin) to PATH in the shell that runs Docker, or run: gcloud components install docker-credential-gcloud',
      `Fallback without the helper (token valid about an hour): gcloud auth print-access-token | docker login -u oauth2accesstoken --password-stdin ${host}`,
    ],
  );
}

/** The registry host: the repository's, else the one the region gives. */
function hostOf(state: StepContext['state'], flags: StepContext['flags']): string | undefined {
  if (state.registryHost) return state.registryHost;
  const region = state.location ?? flags.region;
  return region ? registryHost(region) : undefined;
}

/** Docker finds docker-credential-gcloud on PATH (it is not run: the push asks it). The tool checks showed it already. */
async function requireHelper(env: Env, host: string): Promise<void> {
  if (!(await env.docker.findHelper(HELPER))) throw helperMissing(host);
}

export const dockerAuth: Step = {
  id: 'docker-auth',
  title: 'Let Docker push to the registry',
  explain: EXPLAIN['docker-auth'],

  async execute(ctx, env) {
    const host = need(ctx.state.registryHost, 'the registry host', 'docker-auth');
    const configPath = env.dockerConfig.path;
    const original = await withContext(`read ${configPath}`, () => env.dockerConfig.read());
    const helpers = credHelpersOf(original, configPath);
    let backupPath: string | undefined;
    const changed = helpers?.[host] !== HELPER;
    if (!changed) {
      ctx.report.item({ label: `credHelpers["${host}"]`, status: 'ok', detail: `already "${HELPER}" in ${configPath}` });
    } else {
      if (helpers?.[host] !== undefined) {
        ctx.report.warn(`${configPath} sent ${host} to the helper "${String(helpers[host])}"; it will use "${HELPER}" from now on.`);
      }
      ctx.report.activity(`updating ${configPath} (backup first, then an atomic replace)`);
      const w = await withContext(`update ${configPath}`, () => env.dockerConfig.write(mergeCredHelper(original, host, HELPER)));
      backupPath = w.backupPath;
      ctx.report.item({
        label: `credHelpers["${host}"]`,
        status: 'ok',
        detail: `set to "${HELPER}" in ${configPath}, as gcloud auth configure-docker does`,
      });
      if (backupPath) ctx.report.item({ label: 'backup', status: 'ok', detail: backupPath });
    }
    if (typeof original.credsStore === 'string' && original.credsStore) {
      ctx.report.item({
        label: 'credsStore',
        status: 'ok',
        detail: `your config also has credsStore "${original.credsStore}"; it stays, and for ${host} Docker uses the credHelpers entry, which wins`,
      });
    }
    await requireHelper(env, host);
    return {
      state: { ...(backupPath ? { dockerConfigBackup: backupPath } : {}), ...(changed && helpers?.[host] === undefined ? { dockerEntryAdded: true } : {}) },
      summary: changed ? `gcloud for ${host} (Docker config updated${backupPath ? ', backed up first' : ''})` : `gcloud for ${host} (already set)`,
    };
  },

  commands({ flags, state }) {
    const host = hostOf(state, flags) ?? registryHost('REGION');
    return [`gcloud auth configure-docker ${host}`];
  },

  changes({ flags, state, dockerConfigPath }) {
    const host = hostOf(state, flags);
    if (!host) return [];
    return [`sets credHelpers["${host}"] to "${HELPER}" in ${dockerConfigPath ?? 'your Docker config'}, written directly (the rest of the file stays; a backup is made first)`];
  },

  check: safeCheck(async (ctx: StepContext, env: Env) => {
    const host = ctx.state.registryHost;
    if (!host) return { done: false, why: 'the registry host is not known yet' };
    const config = await env.dockerConfig.read();
    const helpers = credHelpersOf(config, env.dockerConfig.path);
    if (helpers?.[host] !== HELPER) return { done: false, why: `${env.dockerConfig.path} has no credHelpers entry for ${host}` };
    if (!(await env.docker.findHelper(HELPER))) return { done: false, why: `docker-credential-${HELPER} is not on PATH` };
    return { done: true, summary: `gcloud for ${host}` };
  }),
};
