// Step 4: let Docker use the gcloud login for this registry host, touching only that one
// credHelpers entry of the user's Docker config, then check that Docker will really get a credential.

import { join } from 'node:path';
import type { CallOpts, Env } from '../ports.js';
import type { Step, StepContext } from './types.js';
import { ExternalError, UserError, withContext } from '../errors.js';
import { callOpts, cleanupTempDir, need, safeCheck } from './common.js';
import { takeOr } from '../prefetch.js';
import { validateLocation } from '../validate.js';
import { registryHost } from '../naming.js';

const HELPER = 'gcloud';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function credHelpersOf(config: Record<string, unknown>, path: string): Record<string, unknown> | undefined {
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
  const helpers = isPlainObject(original.credHelpers) ? original.credHelpers : {};
  // Spreading keeps the position of an existing credHelpers key; a new one goes last.
  return { ...original, credHelpers: { ...helpers, [host]: value } };
}

function helperMissing(host: string): UserError {
  return new UserError(
    `Docker looks for a program called docker-credential-${HELPER} on your PATH to get credentials for ${host}, and it is not there. Without it every push is refused.`,
    [
      'It comes with the Google Cloud CLI: add its bin folder (e.g. ~/google-cloud-sdk/bin) to PATH in the shell that runs Docker, or run: gcloud components install docker-credential-gcloud',
      `Fallback without the helper (token valid about an hour): gcloud auth print-access-token | docker login -u oauth2accesstoken --password-stdin ${host}`,
    ],
  );
}

type HelperCheck = { ok: true; path: string; username?: string } | { ok: false; error: Error };

/**
 * Ask the helper for `host` as Docker will. It answers from the gcloud login and does not read the
 * Docker config, so this runs while gcloud writes the config entry (two ~1 s processes at once).
 */
async function askHelper(ctx: StepContext, env: Env, host: string, signal: AbortSignal, background = false): Promise<HelperCheck> {
  const path = await env.docker.findHelper(HELPER);
  if (!path) return { ok: false, error: helperMissing(host) };
  const cred = await env.docker.helperCredential(HELPER, host, { ...callOpts(ctx, signal), ...(background ? { background } : {}) });
  if (!cred.ok) {
    return {
      ok: false,
      error: new UserError(
        `docker-credential-${HELPER} gave no credential for ${host}${cred.message ? ` (${cred.message.split('\n')[0]})` : ''}.`,
        ['Check that gcloud is logged in: gcloud auth list (log in with gcloud auth login)', 'Then run registry-setup again; your progress is saved.'],
      ),
    };
  }
  return { ok: true, path, username: cred.username };
}

function reportHelper(ctx: StepContext, host: string, check: HelperCheck): void {
  if (!check.ok) throw check.error;
  ctx.report.item({ label: `credentials for ${host}`, status: 'ok', detail: `the helper answered${check.username ? ` (user ${check.username})` : ''}; the secret stays hidden` });
}

/**
 * `gcloud auth configure-docker HOST` run against a private temp copy of the Docker config (only its
 * credHelpers: login secrets in "auths" never leave the real file); the value gcloud set for HOST.
 * Changes nothing of the user's, so it may run early (prefetch).
 */
async function gcloudEntry(env: Env, host: string, helpers: Record<string, unknown> | undefined, opts: CallOpts): Promise<unknown> {
  const tmpDir = await withContext('make a private temp folder', () => env.files.makeTempDir('registry-setup-docker'));
  try {
    const tmpConfig = join(tmpDir, 'config.json');
    const others = Object.fromEntries(Object.entries(helpers ?? {}).filter(([k]) => k !== host));
    await env.files.writeFile(tmpConfig, JSON.stringify(Object.keys(others).length ? { credHelpers: others } : {}, null, 2) + '\n');
    await env.gcloud.configureDocker(host, tmpDir, opts);
    const result = await env.files.readJson(tmpConfig);
    return isPlainObject(result) && isPlainObject(result.credHelpers) ? result.credHelpers[host] : undefined;
  } finally {
    await cleanupTempDir(env, tmpDir);
  }
}

/** The registry host once the region is known (saved, or a valid --region), else undefined. */
function knownHost(ctx: StepContext): string | undefined {
  if (ctx.state.registryHost) return ctx.state.registryHost;
  const region = ctx.state.location ?? ctx.flags.region;
  return region && validateLocation(region) === true ? registryHost(region) : undefined;
}

const NOT_NEEDED = 'the Docker config already has the entry';

export const dockerAuth: Step = {
  id: 'docker-auth',
  title: 'Let Docker push to the registry',
  explain:
    'Docker needs to prove who you are when it pushes to Artifact Registry. Instead of storing a password, we add one line to your Docker config saying "for this registry host, ask gcloud": Docker then runs docker-credential-gcloud, which hands over a short-lived token from your gcloud login. Everything else in your Docker config stays as it is, and the file is backed up first.',

  check: safeCheck(async (ctx: StepContext, env: Env) => {
    const host = ctx.state.registryHost;
    if (!host) return { done: false, why: 'the registry host is not known yet' };
    const config = await env.dockerConfig.read();
    const helpers = credHelpersOf(config, env.dockerConfig.path);
    if (helpers?.[host] !== HELPER) return { done: false, why: `${env.dockerConfig.path} has no credHelpers entry for ${host}` };
    if (!(await env.docker.findHelper(HELPER))) return { done: false, why: `docker-credential-${HELPER} is not on PATH` };
    return { done: true, summary: `Docker uses gcloud for ${host}` };
  }),

  async run(ctx, env, signal) {
    const host = need(ctx.state.registryHost, 'the registry host', 'docker-auth');
    const configPath = env.dockerConfig.path;
    const original = await withContext(`read ${configPath}`, () => env.dockerConfig.read());
    const helpers = credHelpersOf(original, configPath);
    let backupPath: string | undefined;
    let changed = false;

    ctx.report.activity(`asking docker-credential-${HELPER} for ${host}, as Docker will`);
    const helperCheck = takeOr(ctx.prefetched, `helper:${host}`, () => askHelper(ctx, env, host, signal)).then((r) => r.value);
    helperCheck.catch(() => {}); // awaited below; a configure-docker failure first must not leave it unhandled

    if (helpers?.[host] === HELPER) {
      ctx.report.item({ label: `credHelpers["${host}"]`, status: 'ok', detail: `already "${HELPER}" in ${configPath}` });
    } else {
      if (helpers?.[host] !== undefined) {
        ctx.report.warn(`${configPath} sent ${host} to the helper "${String(helpers[host])}"; it will use "${HELPER}" from now on.`);
      }
      // gcloud writes into a private copy; we then take only the one entry it added. It may have run
      // already, in the background while earlier steps ran (prefetch below).
      ctx.report.activity(`letting gcloud add ${host} to a private copy of your Docker config (and asking docker-credential-${HELPER} meanwhile)`);
      const { value, early } = await takeOr(ctx.prefetched, `configure:${host}`, () =>
        withContext(`gcloud auth configure-docker ${host}`, () => gcloudEntry(env, host, helpers, callOpts(ctx, signal))),
      );
      if (early) ctx.report.activity(`gcloud auth configure-docker ${host} already ran in the background, into a private copy of your Docker config`);
      if (typeof value !== 'string' || value === '') {
        throw new ExternalError(`gcloud auth configure-docker did not add ${host} to credHelpers.`, { command: `gcloud auth configure-docker ${host} --quiet` }, [
          'Update the Google Cloud CLI (gcloud components update) and run registry-setup again.',
        ]);
      }
      const merged = mergeCredHelper(original, host, value);
      ctx.report.activity(`updating ${configPath} (backup first, then an atomic replace)`);
      const w = await withContext(`update ${configPath}`, () => env.dockerConfig.write(merged));
      backupPath = w.backupPath;
      changed = true;
      ctx.report.item({ label: `credHelpers["${host}"]`, status: 'ok', detail: `set to "${value}" in ${configPath}${backupPath ? ` (backup: ${backupPath})` : ''}` });
    }

    if (typeof original.credsStore === 'string' && original.credsStore) {
      ctx.report.item({
        label: 'credsStore',
        status: 'ok',
        detail: `your config also has credsStore "${original.credsStore}"; it stays, and for ${host} Docker uses the credHelpers entry, which wins`,
      });
    }

    reportHelper(ctx, host, await helperCheck);

    return {
      state: backupPath ? { dockerConfigBackup: backupPath } : {},
      summary: changed ? `Docker uses gcloud for ${host} (${configPath} updated${backupPath ? `, backup ${backupPath}` : ''})` : `Docker already used gcloud for ${host}`,
      commands: [`gcloud auth configure-docker ${host}`],
    };
  },

  // As soon as the host is known (a --region flag: at launch), ask the helper and let gcloud write its
  // entry into a private copy, in the background: two ~1 s gcloud processes off the critical path.
  // The user's Docker config is only read here; it is changed in this step's own turn.
  prefetch(ctx, env) {
    const host = knownHost(ctx);
    const p = ctx.prefetched;
    if (!host || !p) return;
    p.start(`helper:${host}`, (signal) => askHelper(ctx, env, host, signal, true));
    p.start(`configure:${host}`, async (signal) => {
      const helpers = credHelpersOf(await env.dockerConfig.read(), env.dockerConfig.path);
      if (helpers?.[host] === HELPER) throw new Error(NOT_NEEDED); // run() does it itself should that change
      return gcloudEntry(env, host, helpers, { ...callOpts(ctx, signal), background: true });
    });
  },

  plan(ctx) {
    const host = ctx.state.registryHost ?? (ctx.state.location || ctx.flags.region ? `${ctx.state.location ?? ctx.flags.region}-docker.pkg.dev` : 'REGION-docker.pkg.dev');
    return [`gcloud auth configure-docker ${host}`, `echo ${host} | docker-credential-gcloud get >/dev/null  # check, without printing the token`];
  },
};
