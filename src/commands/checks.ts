// The checks `registry-setup doctor` runs over a saved setup, as data: each has an id, what it
// checks (for the report), and a run that answers ok, skipped (with why) or the findings.
// Shared look-ups (the Docker config, the gcloud token, the repository) are made once per round.

import type { CleanupPolicy, Env, GcloudConfig, Repository, SavedRun, WizardState } from '../ports.js';
import { DEFAULT_KEEP, KEEP_ID, among } from '../cleanupPolicy.js';
import { CancelError, ExternalError, UserError, type FailureReason } from '../errors.js';
import { memo } from '../memo.js';
import { ROLES } from '../facts.js';
import { HELPER, credHelpersOf, helperMissing, usableCredHelpers } from '../steps/docker-auth.js';
import { explainFailure, failureReason, helperGaveNoCredential } from '../steps/failures.js';
import { errorFinding, finding, type Facts, type Finding } from './drifts.js';

export type Outcome = { status: 'ok' | 'skipped'; detail: string } | { status: 'problem'; findings: Finding[] };

/** Everything a check may look at; the look-ups are shared by the checks of one round. */
export interface Probe {
  env: Env;
  run: SavedRun;
  state: Partial<WizardState>;
  facts: Facts;
  signal: AbortSignal;
  config(): Promise<Record<string, unknown>>;
  gcloudConfig(): Promise<GcloudConfig>;
  token(): Promise<string>;
  repository(): Promise<Repository | null>;
  helperPath(): Promise<string | null>;
}

export interface Check {
  id: string;
  what(f: Facts): string;
  run(p: Probe): Promise<Outcome>;
}

/** Thrown by a check whose input is missing or broken (another check reports that). */
class Skip extends Error {}

const ok = (detail: string): Outcome => ({ status: 'ok', detail });
const problem = (...findings: Finding[]): Outcome => ({ status: 'problem', findings });

/** The input a check needs, or a skip saying the setup did not get that far. */
function needDone(p: Probe, step: string): void {
  if (!p.run.done.includes(step)) throw new Skip(`the setup did not get to the ${step} step`);
}

/** Wait for a shared look-up another check reports on; its failure skips this check. */
async function after<T>(lookUp: () => Promise<T>, why: string): Promise<T> {
  try {
    return await lookUp();
  } catch (e) {
    if (e instanceof CancelError) throw e;
    throw new Skip(why);
  }
}

export function makeProbe(env: Env, run: SavedRun, facts: Facts, signal: AbortSignal): Probe {
  void env.api.preload?.(); // the API client loads while gcloud works on the token
  const config = memo(() => env.dockerConfig.read());
  const gcloudConfig = memo(() => env.gcloud.config());
  const token = memo(() => env.gcloud.accessToken());
  const repository = memo(async () => {
    await after(token.get, 'needs a working gcloud login');
    return env.api.getRepository(run.state.repositoryName ?? '', { signal });
  });
  const helperPath = memo(() => env.docker.findHelper(HELPER));
  return { env, run, state: run.state, facts, signal, config: config.get, gcloudConfig: gcloudConfig.get, token: token.get, repository: repository.get, helperPath: helperPath.get };
}

/** The gcloud entry for the host, as the config has it (a credHelpers that is not an object throws, naming the file). */
async function entryOf(p: Probe): Promise<{ config: Record<string, unknown>; value: unknown }> {
  const config = await p.config();
  return { config, value: credHelpersOf(config, p.facts.configPath)?.[p.facts.host] };
}

/** `*-docker.pkg.dev` hosts other than ours that the config sends to gcloud. */
function otherRegionHosts(config: Record<string, unknown>, host: string): string[] {
  const helpers = usableCredHelpers(config);
  return Object.keys(helpers).filter((h) => h !== host && /^[a-z0-9-]+-docker\.pkg\.dev$/.test(h) && helpers[h] === HELPER);
}

const dockerEntry: Check = {
  id: 'docker-entry',
  what: (f) => `the Docker config sends ${f.host} to docker-credential-gcloud (credHelpers)`,
  async run(p) {
    const f = p.facts;
    let entry;
    try {
      entry = await entryOf(p);
    } catch (e) {
      if (e instanceof UserError) return problem(errorFinding('docker-config-unreadable', e));
      throw e;
    }
    const { config, value } = entry;
    if (value === HELPER) return ok(`credHelpers["${f.host}"] is "gcloud" in ${f.configPath}`);
    if (f.sudoUser) return problem(finding('sudo-root-config', f, {}));
    if (value !== undefined) return problem(finding('entry-other-helper', f, { helper: String(value) }));
    const store = typeof config.credsStore === 'string' && config.credsStore ? config.credsStore : undefined;
    if (store) return problem(finding('creds-store-takes-over', f, { store }));
    const auths = config.auths && typeof config.auths === 'object' ? (config.auths as Record<string, unknown>) : {};
    return problem(finding('entry-missing', f, { inAuths: f.host in auths, otherHosts: otherRegionHosts(config, f.host) }));
  },
};

const dockerEnv: Check = {
  id: 'docker-auth-config',
  what: (f) => `no DOCKER_AUTH_CONFIG login for ${f.host} comes before that entry`,
  async run(p) {
    if (p.env.dockerConfig.envAuthHosts?.includes(p.facts.host)) return problem(finding('entry-shadowed', p.facts, {}));
    return ok(p.env.dockerConfig.envAuthHosts ? `DOCKER_AUTH_CONFIG is set, without ${p.facts.host}` : 'DOCKER_AUTH_CONFIG is not set');
  },
};

const helper: Check = {
  id: 'helper',
  what: () => 'docker-credential-gcloud is on the PATH Docker uses',
  async run(p) {
    const path = await p.helperPath();
    return path ? ok(path) : problem(errorFinding('helper-missing', helperMissing(p.facts.host)));
  },
};

const helperCredential: Check = {
  id: 'helper-credential',
  what: (f) => `docker-credential-gcloud hands Docker a login for ${f.host}`,
  async run(p) {
    if (!(await p.helperPath())) throw new Skip('the helper is not on PATH');
    // Asked while gcloud answers for the token (both are gcloud processes); a failed login is the login check's finding.
    const asked = p.env.docker.helperCredential(HELPER, p.facts.host, { signal: p.signal });
    asked.catch(() => undefined);
    await after(p.token, 'needs a working gcloud login');
    const r = await asked;
    if (r.ok) return ok(`it answers for ${p.facts.host}${r.username ? ` (user ${r.username})` : ''}`);
    return problem(errorFinding('helper-no-credential', helperGaveNoCredential(p.facts.host, r.message)));
  },
};

const dockerUser: Check = {
  id: 'docker-user',
  what: () => 'docker runs as the user whose Docker config this is (not through sudo)',
  async run(p) {
    const f = p.facts;
    if (f.sudoUser) return ok(`running through sudo for ${f.sudoUser}: the Docker config checked is root's (${f.configPath})`);
    if (p.env.isRoot) return ok('running as root, with root\'s Docker config');
    const info = await p.env.docker.info({ signal: p.signal });
    if (info.daemonProblem === 'permission-denied') return problem(finding('docker-needs-sudo', f, {}));
    if (!info.clientVersion) throw new Skip('the docker command was not found');
    if (info.daemonProblem) throw new Skip(`the Docker daemon did not answer (${info.daemonProblem})`);
    return ok('the Docker daemon answers your user without sudo');
  },
};

const region: Check = {
  id: 'region',
  what: (f) => `the registry host is the one of the repository's region (${f.location})`,
  async run(p) {
    const f = p.facts;
    const hosts = new Set([p.state.registryHost, ...(p.state.imageUris ?? []).map((u) => u.split('/')[0])].filter((h): h is string => !!h));
    const savedHost = [...hosts].find((h) => h !== f.host);
    if (savedHost) return problem(finding('region-mismatch', f, { savedHost }));
    return ok(`${f.host} serves ${f.location}`);
  },
};

const gcloudLogin: Check = {
  id: 'gcloud-login',
  what: () => 'gcloud gives an access token (Docker\'s helper and the API use it)',
  async run(p) {
    await p.token();
    return ok('gcloud answers with a token');
  },
};

const account: Check = {
  id: 'account',
  what: () => "gcloud's active account is the one the setup ran as",
  async run(p) {
    const saved = p.state.account;
    if (!saved) throw new Skip('the setup did not save its account (an older registry-setup ran it)');
    const now = (await p.gcloudConfig()).account;
    return now === saved ? ok(saved) : problem(finding('account-changed', p.facts, { saved, now }));
  },
};

const repository: Check = {
  id: 'repository',
  what: (f) => `repository ${f.repository} exists in ${f.project} (${f.location})`,
  async run(p) {
    needDone(p, 'repository');
    const repo = await p.repository();
    if (!repo) return problem(finding('repository-deleted', p.facts, {}));
    return ok(`a ${repo.format} repository`);
  },
};

/** latest's platform, read from this machine's copy of the very digest the registry holds. */
const latest: Check = {
  id: 'latest',
  what: (f) => `${f.ref}:latest is in the repository, built for linux/amd64`,
  async run(p) {
    needDone(p, 'push');
    if (!(await after(p.repository, 'the repository could not be read'))) throw new Skip('the repository is gone');
    const images = await p.env.api.listDockerImages(p.state.repositoryName ?? '', { signal: p.signal });
    const digest = images.find((i) => i.uri.startsWith(`${p.facts.ref}@`) && i.tags.includes('latest'))?.uri.split('@')[1];
    if (!digest) return problem(finding('latest-missing', p.facts, {}));
    const local = await p.env.docker.inspectImage(`${p.facts.ref}@${digest}`, { signal: p.signal }).catch((e: unknown) => {
      if (e instanceof ExternalError) throw new Skip(`Docker could not read the local image (${e.message.split('\n')[0]})`);
      throw e;
    });
    if (!local?.os || !local.architecture) {
      throw new Skip(`latest (${digest.slice(0, 19)}…) is not on this machine, so its platform was not read; docker buildx imagetools inspect ${p.facts.ref}:latest shows it`);
    }
    const platform = `${local.os}/${local.architecture}`;
    return platform === 'linux/amd64' ? ok(`${digest.slice(0, 19)}…, linux/amd64`) : problem(finding('latest-platform', p.facts, { platform }));
  },
};

/** The keep count of registry-setup's policy: the saved answer, else the Keep policy it set. */
function keepOf(s: Partial<WizardState>, set: CleanupPolicy[]): number {
  if (typeof s.cleanup === 'object') return s.cleanup.keep;
  return set.find((x) => x.id === KEEP_ID)?.mostRecentVersions?.keepCount ?? DEFAULT_KEEP;
}

/** registry-setup's cleanup policy, from the repository the repository check read (no call of its own). */
const cleanupPolicy: Check = {
  id: 'cleanup-policy',
  what: (f) => `registry-setup's cleanup policy is on ${f.repository}, and not in dry run`,
  async run(p) {
    const set = p.state.cleanupSet ?? [];
    if (!set.length) return ok('registry-setup set no cleanup policy here: nothing to check');
    needDone(p, 'cleanup');
    const repo = await after(p.repository, 'the repository could not be read');
    if (!repo) throw new Skip('the repository is gone');
    const current = repo.cleanupPolicies ?? [];
    const missing = [...new Set(set.map((x) => x.id))].filter((id) => !current.some((c) => c.id === id && among(set, c)));
    const keep = keepOf(p.state, set);
    if (missing.length) return problem(finding('cleanup-policy-gone', p.facts, { missing, keep }));
    if (repo.cleanupPolicyDryRun) return problem(finding('cleanup-policy-dry-run', p.facts, { keep }));
    return ok(`${current.filter((c) => among(set, c)).map((c) => c.id).join(', ')}, deleting for real`);
  },
};

/** In the order they are reported. */
export const CHECKS: readonly Check[] = [dockerEntry, dockerEnv, helper, helperCredential, dockerUser, region, gcloudLogin, account, repository, cleanupPolicy, latest];

/** Finding ids for failed calls, by the reason the adapter gave (the words come from the failures table). */
const REASON_IDS: Partial<Record<FailureReason, string>> = {
  GCLOUD_NO_CREDENTIAL: 'gcloud-login',
  UNAUTHENTICATED: 'gcloud-login',
  PERMISSION_DENIED: 'permission-denied',
  SERVICE_DISABLED: 'api-disabled',
  BILLING_DISABLED: 'billing-disabled',
};

export async function runCheck(check: Check, p: Probe): Promise<Outcome> {
  try {
    return await check.run(p);
  } catch (e) {
    if (e instanceof Skip) return { status: 'skipped', detail: e.message };
    if (!(e instanceof ExternalError) && !(e instanceof UserError)) throw e;
    const f = p.facts;
    const account = await p.gcloudConfig().then((c) => c.account, () => undefined);
    const explained = await explainFailure(e, p.env, { project: f.project, role: ROLES.push, doing: 'read Artifact Registry repositories', host: f.host, repo: f.repository, account });
    const reason = failureReason(e);
    return problem(errorFinding((reason && REASON_IDS[reason]) ?? `${check.id}-unverified`, explained));
  }
}
