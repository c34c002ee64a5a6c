// Helpers for tests that point the real clients at an emulator: a gcloud environment in a
// throwaway CLOUDSDK_CONFIG, and the Node client built the way wire.md says.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ArtifactRegistryClient } from '@google-cloud/artifact-registry';
import { execa } from 'execa';
import { OAuth2Client } from 'google-auth-library';

export const GCLOUD = process.env.LAB_GCLOUD ?? 'gcloud';

export interface GcloudResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface GcloudConfig {
  /** The throwaway CLOUDSDK_CONFIG. */
  dir: string;
  /** The environment for `url` (the emulator's, with trailing slash). */
  env(url: string, opts?: { token?: string; project?: string }): Promise<Record<string, string>>;
  /** Runs the real gcloud against `url` with an argument array; never throws on a non-zero exit. */
  run(url: string, args: string[], opts?: { token?: string; project?: string }): Promise<GcloudResult>;
  cleanup(): Promise<void>;
}

/** The environment, without anything inherited that would point gcloud or Docker elsewhere. */
function baseEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('CLOUDSDK_') || k.startsWith('DOCKER_') || k === 'GOOGLE_APPLICATION_CREDENTIALS') continue;
    out[k] = v;
  }
  return out;
}

/** A fresh CLOUDSDK_CONFIG (account lab@example.com, prompts off); each run names the emulator URL and token. */
export async function gcloudConfig(): Promise<GcloudConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'lab-gcloud-'));
  let n = 0;
  const env: GcloudConfig['env'] = async (url, o = {}) => {
    n += 1;
    const tokenFile = join(dir, `access-token-${n}`);
    await writeFile(tokenFile, `${o.token ?? 'lab-token'}\n`, { mode: 0o600 });
    return {
      ...baseEnv(),
      CLOUDSDK_CONFIG: dir,
      CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile,
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      CLOUDSDK_CORE_PROJECT: o.project ?? 'demo',
      CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY: url,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER: `${url}crm/`,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_SERVICEUSAGE: `${url}su/`,
      CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: '1',
      CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: '1',
      CLOUDSDK_SURVEY_DISABLE_PROMPTS: '1',
    };
  };
  const exec = async (e: Record<string, string>, args: string[]): Promise<GcloudResult> => {
    const t0 = performance.now();
    const r = await execa(GCLOUD, args, { env: e, extendEnv: false, reject: false, stdin: 'ignore', timeout: 90_000 });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), ms: Math.round(performance.now() - t0) };
  };
  const set = await exec(await env('http://127.0.0.1:9/'), ['config', 'set', 'account', 'lab@example.com']);
  if (set.exitCode !== 0) throw new Error(`gcloud config set account failed: ${set.stderr}`);
  return {
    dir,
    env,
    run: async (url, args, o) => exec(await env(url, o), args),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The real Node client in REST mode, built as wire.md says (errors decode to GoogleError). */
export function nodeClient(port: number, token = 'lab-token'): ArtifactRegistryClient {
  const authClient = new OAuth2Client({ transporterOptions: { validateStatus: () => true } });
  authClient.setCredentials({ access_token: token });
  // Root google-auth-library and gax's own copy differ in minor version; the instance works with both.
  type Opts = NonNullable<ConstructorParameters<typeof ArtifactRegistryClient>[0]>;
  return new ArtifactRegistryClient({ fallback: true, apiEndpoint: '127.0.0.1', port, protocol: 'http', authClient: authClient as unknown as Opts['authClient'] });
}
