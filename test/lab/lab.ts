// The lab, as a programmatic API (used by `npm run lab`, by test/lab/global-setup.ts and
// by test suites): labUp() starts (or reuses) the whole lab and returns a Lab; labDown()
// stops every process it started, by pid, and removes the /etc/docker/certs.d entries it
// created. Nothing else outside the lab folder is touched: the machine's /etc/hosts never
// changes (dockerd sees the lab's hosts file through a private mount namespace).

import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { delimiter, dirname, join } from 'node:path';
import { ensureCerts } from './certs.js';
import { registryCatalog, type CatalogImage } from './catalog.js';
import { DEFAULT_TOKEN, type FaultSpec, type RequestLogEntry, type WorldSpec } from './emulator/world.js';
import { DEFAULT_WORLD, LAB_ACCOUNT, REPO_ROOT, defaultLabDir, labHosts, labLayout, registryHost, type LabLayout } from './layout.js';
import type { FrontLogEntry } from './registry-front.js';
import { PartError, freePort, httpStatus, type LabOwner, type LabPart, type LabState, type SupervisorConfig } from './supervisor.js';

export { DEFAULT_WORLD, DEFAULT_PROJECT, LAB_ACCOUNT, registryHost, labLayout } from './layout.js';
export type { LabState, LabPart, LabOwner } from './supervisor.js';

export const CERTS_D = '/etc/docker/certs.d';

/** What DOCKER_CONFIG/config.json holds after every cold `up` (keys unrelated to registries). */
export const SEED_DOCKER_CONFIG = { detachKeys: 'ctrl-e,e', psFormat: 'table {{.ID}}\t{{.Image}}\t{{.Names}}' };

/** What a test file needs to reach a running lab (serialisable: vitest's provide/inject). */
export interface LabInfo {
  dir: string;
  env: Record<string, string>;
  emulatorUrl: string;
  adminUrl: string;
  registryUrl: string;
  tokenFile: string;
  frontPort: number;
}

export interface Lab extends LabInfo {
  layout: LabLayout;
  /** The current token (the world's), read from the token file. Never put it in argv or logs. */
  readonly token: string;
  /** True when this call started the lab (so the caller should stop it). */
  startedHere: boolean;
  /** process.env without CLOUDSDK_* / DOCKER_* / LAB_*, plus the lab's env and `extra`. Use with execa's extendEnv:false. */
  toolEnv(extra?: Record<string, string | undefined>): Record<string, string>;
  /**
   * Replace the world (POST /__lab/world): a fresh Google side, so the images pushed so far
   * are dropped too (unless keepImages). Also updates the token file and the hosts/certs for
   * new locations.
   */
  setWorld(spec: WorldSpec, opts?: { keepImages?: boolean }): Promise<void>;
  /** Drops every image from the registry (all locations, projects, repositories). */
  clearImages(): Promise<void>;
  world(): Promise<Record<string, unknown>>;
  addFaults(faults: FaultSpec[]): Promise<void>;
  /** Drops the faults not hit yet. */
  clearFaults(): Promise<void>;
  requests(since?: number): Promise<RequestLogEntry[]>;
  /** What the real registry holds for a repository (the emulator's dockerImages source). */
  images(project: string, location: string, repositoryId: string): Promise<CatalogImage[]>;
  /** What the registry front saw (one entry per request; user names, never passwords). */
  frontLog(): Promise<FrontLogEntry[]>;
  /** A fresh Docker config dir (copy of the lab's, or empty) for one test. */
  newDockerConfig(name: string, config?: Record<string, unknown>): Promise<string>;
  down(): Promise<void>;
}

export interface LabUpOptions {
  dir?: string;
  /** The world to start with (default DEFAULT_WORLD); when the lab is already up, it is loaded into it. */
  world?: WorldSpec;
  frontHost?: string;
  frontPort?: number;
  /** 0 = random free port (default). */
  emulatorPort?: number;
  /** Progress lines (the CLI prints them). */
  log?: (line: string) => void;
  timeoutMs?: number;
  /** Recorded in the state: test runs only ever stop a lab that a test run started. */
  owner?: LabOwner;
}

export class LabError extends Error {
  /** When labUp failed: the pids it had started (all stopped again before it threw). */
  startedPids?: number[];
  constructor(readonly part: LabPart, message: string) {
    super(`${part}: ${message}`);
    this.name = 'LabError';
  }
}

// ---------------------------------------------------------------- preflight

const NEEDED: Array<{ cmd: string; pkg: string; why: string }> = [
  { cmd: 'dockerd', pkg: 'docker.io', why: 'the Docker daemon' },
  { cmd: 'docker', pkg: 'docker.io', why: 'the Docker client' },
  { cmd: 'docker-registry', pkg: 'docker-registry', why: 'the registry behind the TLS front' },
  { cmd: 'gcloud', pkg: 'google-cloud-cli', why: 'the real gcloud' },
  { cmd: 'docker-credential-gcloud', pkg: 'google-cloud-cli', why: "gcloud's Docker credential helper" },
  { cmd: 'openssl', pkg: 'openssl', why: 'the lab CA' },
  { cmd: 'unshare', pkg: 'util-linux', why: "dockerd's private /etc/hosts" },
  { cmd: 'mount', pkg: 'mount', why: "dockerd's private /etc/hosts" },
];

function onPath(cmd: string, pathVar: string): boolean {
  return pathVar.split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

/**
 * What keeps the lab from starting on this machine (empty when nothing). `uid` and `path`
 * default to this process's (PATH plus /usr/sbin:/sbin, where dockerd lives).
 */
export function labPrerequisites(opts: { uid?: number; path?: string } = {}): string[] {
  const problems: string[] = [];
  if (process.platform !== 'linux') problems.push(`the lab runs on Linux only (this is ${process.platform})`);
  const uid = opts.uid ?? (typeof process.getuid === 'function' ? process.getuid() : 0);
  if (uid !== 0) problems.push('the lab needs root: it runs dockerd, listens on port 443 and uses a private mount namespace (run as root, e.g. in CI or a VM)');
  const pathVar = opts.path ?? [process.env.PATH ?? '', '/usr/sbin', '/sbin'].join(delimiter);
  const missing = NEEDED.filter((n) => !onPath(n.cmd, pathVar));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))];
    problems.push(
      `missing commands: ${missing.map((m) => `${m.cmd} (${m.why})`).join(', ')}; install the packages ${pkgs.join(', ')} (bash scripts/install-system-deps.sh)`,
    );
  }
  return problems;
}

// ---------------------------------------------------------------- state

export function readState(layout: LabLayout): LabState | null {
  try {
    return JSON.parse(readFileSync(layout.stateFile, 'utf8')) as LabState;
  } catch {
    return null;
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a pid ('' when gone), to make sure a recorded pid is still ours. */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function recordedPids(layout: LabLayout, state: LabState | null): Array<{ name: string; pid: number; match: RegExp }> {
  if (!state) return [];
  const out: Array<{ name: string; pid: number; match: RegExp }> = [];
  if (state.supervisorPid) out.push({ name: 'supervisor', pid: state.supervisorPid, match: /supervisor\.(ts|js)/ });
  if (state.pids.dockerd) out.push({ name: 'dockerd', pid: state.pids.dockerd, match: /dockerd|unshare|sh -c/ });
  if (state.pids.containerd) out.push({ name: 'containerd', pid: state.pids.containerd, match: /containerd/ });
  if (state.pids.registry) out.push({ name: 'docker-registry', pid: state.pids.registry, match: /docker-registry/ });
  return out.filter((p) => cmdline(p.pid) !== '' && p.match.test(cmdline(p.pid)));
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let alive = pids.filter(isAlive);
  while (alive.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    alive = alive.filter(isAlive);
  }
  return alive;
}

// ---------------------------------------------------------------- files the lab writes

function hostsFileText(hosts: string[]): string {
  return [
    '# registry-setup lab: seen only by the lab dockerd (bind-mounted over /etc/hosts in its mount namespace)',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    ...hosts.map((h) => `127.0.0.1\t${h}`),
    '',
  ].join('\n');
}

/** Writes the hosts file in place (same inode: a bind mount of it sees the change). */
async function writeHostsFile(layout: LabLayout, hosts: string[]): Promise<void> {
  await writeFile(layout.hostsFile, hostsFileText(hosts));
}

async function readInstalledCerts(layout: LabLayout): Promise<string[]> {
  try {
    return JSON.parse(await readFile(layout.certsInstalledFile, 'utf8')) as string[];
  } catch {
    return [];
  }
}

/** Puts the lab CA at /etc/docker/certs.d/HOST/ca.crt for each host; records what it created. */
const CERT_MARK = '# registry-setup lab CA; lab folder: ';

/** The lab folder named in a certs.d file the lab wrote, or null for anyone else's file. */
function certOwner(text: string): string | null {
  const first = text.split('\n', 1)[0];
  return first.startsWith(CERT_MARK) ? first.slice(CERT_MARK.length).trim() : null;
}

/**
 * Puts the lab CA at /etc/docker/certs.d/HOST/ca.crt for each host; records what it created.
 * The file starts with a comment naming the lab folder (Docker's PEM reader skips it), so a
 * file left by a lab that is no longer running (a killed session, another checkout) is taken
 * over, while files of anyone else, or of another lab that is up, are never touched.
 */
async function installCerts(layout: LabLayout, hosts: string[], port: number): Promise<void> {
  const ca = `${CERT_MARK}${layout.dir}\n${await readFile(layout.caCert, 'utf8')}`;
  const installed = new Set(await readInstalledCerts(layout));
  const otherLabUp = new Map<string, boolean>();
  try {
    for (const host of hosts) {
      // Docker looks up certs.d/HOST for port 443 and certs.d/HOST:PORT for any other port.
      const file = join(CERTS_D, port === 443 ? host : `${host}:${port}`, 'ca.crt');
      if (existsSync(file)) {
        const cur = await readFile(file, 'utf8');
        if (cur === ca) {
          installed.add(file);
          continue;
        }
        const owner = certOwner(cur);
        if (owner === null && !installed.has(file))
          throw new LabError('tls', `${file} exists and is not the lab's CA; move it away first (the lab does not overwrite files it did not create)`);
        if (owner !== null && owner !== layout.dir) {
          if (!otherLabUp.has(owner)) {
            const st = readState(labLayout(owner));
            otherLabUp.set(owner, !!st && isAlive(st.supervisorPid));
          }
          if (otherLabUp.get(owner)) throw new LabError('tls', `another lab (${owner}) is up and serves ${dirname(file)}; stop it first (npm run lab -- down --dir ${owner})`);
        }
      }
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, ca);
      installed.add(file);
    }
  } finally {
    await writeFile(layout.certsInstalledFile, JSON.stringify([...installed].sort(), null, 1) + '\n');
  }
}

async function removeCerts(layout: LabLayout): Promise<void> {
  let rawCa = '';
  try {
    rawCa = await readFile(layout.caCert, 'utf8');
  } catch {
    rawCa = '';
  }
  for (const file of await readInstalledCerts(layout)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    // Only while it is still ours (another lab may have taken it over since).
    if (certOwner(text) !== layout.dir && text !== rawCa) continue;
    await rm(file, { force: true });
    await rmdir(dirname(file)).catch(() => undefined); // only when empty
  }
  await rmdir(CERTS_D).catch(() => undefined);
  await rm(layout.certsInstalledFile, { force: true });
}

function labEnvVars(layout: LabLayout, state: LabState): Record<string, string> {
  const emu = `http://127.0.0.1:${state.ports.emulator}/`;
  return {
    LAB_DIR: layout.dir,
    DOCKER_HOST: `unix://${layout.dockerSock}`,
    DOCKER_CONFIG: layout.dockerConfigDir,
    CLOUDSDK_CONFIG: layout.gcloudDir,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY: emu,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER: `${emu}crm/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_SERVICEUSAGE: `${emu}su/`,
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    LAB_TOKEN_FILE: layout.tokenFile,
    LAB_EMULATOR_URL: emu,
    LAB_ADMIN_URL: `${emu}__lab/`,
    LAB_REGISTRY_URL: `http://127.0.0.1:${state.ports.registry}/`,
    LAB_CA_CERT: layout.caCert,
  };
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]*$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function writeAtomic(file: string, text: string, mode?: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, mode !== undefined ? { mode } : undefined);
  await rename(tmp, file);
}

/**
 * A throwaway gcloud configuration, written as gcloud itself writes it (active_config +
 * configurations/config_default), so the product discovers the overrides and the token
 * file through `gcloud config` exactly as it would on a user's machine.
 * (Written directly: `gcloud config set project` would ask Resource Manager about the
 * project first, and five gcloud processes cost five seconds.)
 */
async function writeGcloudConfig(layout: LabLayout, env: Record<string, string>, project: string | undefined): Promise<void> {
  await mkdir(join(layout.gcloudDir, 'configurations'), { recursive: true });
  await writeAtomic(join(layout.gcloudDir, 'active_config'), 'default');
  const lines = [
    '[core]',
    `account = ${LAB_ACCOUNT}`,
    ...(project ? [`project = ${project}`] : []),
    'disable_prompts = true',
    'disable_usage_reporting = true',
    '',
    '[auth]',
    `access_token_file = ${layout.tokenFile}`,
    '',
    '[component_manager]',
    'disable_update_check = true',
    '',
    '[api_endpoint_overrides]',
    `artifactregistry = ${env.CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY}`,
    `cloudresourcemanager = ${env.CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER}`,
    `serviceusage = ${env.CLOUDSDK_API_ENDPOINT_OVERRIDES_SERVICEUSAGE}`,
    '',
  ];
  await writeAtomic(join(layout.gcloudDir, 'configurations', 'config_default'), lines.join('\n'));
}

async function writeEnvFile(layout: LabLayout, env: Record<string, string>): Promise<void> {
  const text = [
    '# registry-setup lab: source this file (set -a not needed). The token itself is not here: see LAB_TOKEN_FILE.',
    ...Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    '',
  ].join('\n');
  await writeAtomic(layout.envFile, text);
}

async function writePidsFile(layout: LabLayout, state: LabState): Promise<void> {
  const lines = [`supervisor ${state.supervisorPid}`];
  if (state.pids.registry) lines.push(`docker-registry ${state.pids.registry}`);
  if (state.pids.dockerd) lines.push(`dockerd ${state.pids.dockerd}`);
  if (state.pids.containerd) lines.push(`containerd ${state.pids.containerd}`);
  await writeAtomic(layout.pidsFile, lines.join('\n') + '\n');
}

async function writeToken(layout: LabLayout, token: string): Promise<void> {
  await writeAtomic(layout.tokenFile, token + '\n', 0o600);
  await chmod(layout.tokenFile, 0o600);
}

// ---------------------------------------------------------------- health

function frontAnswers(port: number, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: '/v2/', servername: registryHost('southamerica-east1'), headers: { host: registryHost('southamerica-east1') }, ca, timeout: 3000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Problems with a running lab, one per part (empty = healthy). */
export async function labHealth(layout: LabLayout, state: LabState | null = readState(layout), opts: { docker?: boolean } = {}): Promise<Array<{ part: LabPart; problem: string }>> {
  const out: Array<{ part: LabPart; problem: string }> = [];
  if (!state) return [{ part: 'supervisor', problem: 'not running (no state file)' }];
  if (!isAlive(state.supervisorPid)) out.push({ part: 'supervisor', problem: `pid ${state.supervisorPid} is not running` });
  if (!state.ready) out.push({ part: 'supervisor', problem: state.error ? `failed: ${state.error.part}: ${state.error.message}` : 'not ready' });
  const check = async (part: LabPart, f: () => Promise<string | null>): Promise<void> => {
    try {
      const p = await f();
      if (p) out.push({ part, problem: p });
    } catch (e) {
      out.push({ part, problem: (e as Error).message });
    }
  };
  await check('emulator', async () => {
    const s = await httpStatus({ host: '127.0.0.1', port: state.ports.emulator, path: '/__lab/world' });
    return s === 200 ? null : `GET /__lab/world answered ${s}`;
  });
  await check('registry', async () => {
    const s = await httpStatus({ host: '127.0.0.1', port: state.ports.registry, path: '/v2/' });
    return s === 200 ? null : `GET /v2/ answered ${s}`;
  });
  await check('front', async () => {
    const s = await frontAnswers(state.ports.front ?? 443, readFileSync(layout.caCert));
    return s === 401 ? null : `GET https://…-docker.pkg.dev/v2/ answered ${s} (expected 401 with a Basic challenge)`;
  });
  await check('dockerd', async () => {
    if (opts.docker) {
      const r = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { env: { DOCKER_HOST: `unix://${layout.dockerSock}`, DOCKER_CONFIG: layout.dockerConfigDir }, reject: false, timeout: 15_000 });
      return r.exitCode === 0 ? null : `docker info failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / ')}`;
    }
    const s = await httpStatus({ socketPath: layout.dockerSock, path: '/_ping' });
    return s === 200 ? null : `/_ping answered ${s}`;
  });
  return out;
}

// ---------------------------------------------------------------- lock and leases
// The lab folder (and port 443) is shared by everyone on the machine: `lab up`, `lab down`
// and test runs take a lock file around their changes, and each test run holds a lease
// (.lab/leases/PID) while it uses the lab, so one run never stops a lab another run uses.

const held = new Map<string, number>();

async function withLock<T>(layout: LabLayout, fn: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  const lockFile = join(layout.dir, 'lock');
  if (held.get(lockFile)) {
    held.set(lockFile, held.get(lockFile)! + 1);
    try {
      return await fn();
    } finally {
      held.set(lockFile, held.get(lockFile)! - 1);
    }
  }
  await mkdir(layout.dir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await writeFile(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (!owner || !isAlive(owner)) {
        await rm(lockFile, { force: true }); // left by a process that is gone
        continue;
      }
      if (Date.now() > deadline) throw new LabError('supervisor', `another lab command (pid ${owner}) has held ${lockFile} for ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  held.set(lockFile, 1);
  try {
    return await fn();
  } finally {
    held.delete(lockFile);
    if ((await readFile(lockFile, 'utf8').catch(() => '')).trim() === String(process.pid)) await rm(lockFile, { force: true });
  }
}

/** Present while a person's `lab up` wants the lab kept (test runs then never stop it). */
function cliMarker(layout: LabLayout): string {
  return join(layout.dir, 'kept-by-lab-up');
}

function leasesDir(layout: LabLayout): string {
  return join(layout.dir, 'leases');
}

async function liveLeases(layout: LabLayout): Promise<number[]> {
  let names: string[] = [];
  try {
    names = await readdir(leasesDir(layout));
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const n of names) {
    const pid = Number(n);
    if (pid && isAlive(pid)) live.push(pid);
    else await rm(join(leasesDir(layout), n), { force: true });
  }
  return live;
}

/**
 * For test runs (globalSetup): brings the lab up if needed and holds a lease on it for
 * this process. Pair with labRelease().
 */
export async function labAcquire(opts: LabUpOptions = {}): Promise<Lab> {
  const layout = labLayout(opts.dir ?? defaultLabDir());
  const problems = labPrerequisites();
  if (problems.length) throw new LabError('preflight', `the lab cannot start on this machine:\n  - ${problems.join('\n  - ')}`);
  await mkdir(layout.dir, { recursive: true });
  return withLock(layout, async () => {
    const lab = await upUnlocked(layout, { owner: 'test', ...opts });
    await mkdir(leasesDir(layout), { recursive: true });
    await writeFile(join(leasesDir(layout), String(process.pid)), new Date().toISOString() + '\n');
    return lab;
  });
}

/**
 * Gives up this process's lease. The lab is stopped when no other live test run holds one
 * and a test run started it (a lab someone started with `lab up` stays up). Returns whether
 * it stopped the lab.
 */
export async function labRelease(opts: { dir?: string; keep?: boolean } = {}): Promise<boolean> {
  const layout = labLayout(opts.dir ?? defaultLabDir());
  return withLock(layout, async () => {
    await rm(join(leasesDir(layout), String(process.pid)), { force: true });
    if (opts.keep) return false;
    if ((await liveLeases(layout)).length) return false;
    const state = readState(layout);
    if (!state || state.owner !== 'test' || existsSync(cliMarker(layout))) return false;
    await downUnlocked(layout, () => undefined);
    return true;
  });
}

// ---------------------------------------------------------------- up / down

async function stopRecorded(layout: LabLayout, log: (l: string) => void): Promise<string[]> {
  const state = readState(layout);
  const procs = recordedPids(layout, state);
  const sup = procs.find((p) => p.name === 'supervisor');
  if (sup) {
    log(`stopping supervisor (pid ${sup.pid})`);
    try {
      process.kill(sup.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  } else {
    for (const p of procs) {
      log(`stopping ${p.name} (pid ${p.pid})`);
      try {
        process.kill(p.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
  }
  let left = await waitGone(procs.map((p) => p.pid), 30_000);
  for (const pid of left) {
    const p = procs.find((x) => x.pid === pid)!;
    log(`${p.name} (pid ${pid}) did not stop: SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  left = await waitGone(left, 5_000);
  return left.map((pid) => `${procs.find((x) => x.pid === pid)?.name} (pid ${pid})`);
}

/** Stops every process the lab started (by pid) and removes the certs.d entries it created. */
export async function labDown(opts: { dir?: string; log?: (line: string) => void } = {}): Promise<void> {
  const layout = labLayout(opts.dir ?? defaultLabDir());
  await withLock(layout, () => downUnlocked(layout, opts.log ?? (() => undefined)));
}

async function downUnlocked(layout: LabLayout, log: (line: string) => void): Promise<void> {
  const left = await stopRecorded(layout, log);
  await removeCerts(layout);
  await rm(layout.dockerSock, { force: true });
  // dockerd's exec-root (/tmp/rslab-HASH/x): only once nothing of ours runs any more.
  if (!left.length) await rm(dirname(layout.dockerExecRoot), { recursive: true, force: true }).catch(() => undefined);
  for (const f of [layout.stateFile, layout.pidsFile, layout.envFile, cliMarker(layout)]) await rm(f, { force: true });
  if (left.length) throw new LabError('supervisor', `still running after SIGKILL: ${left.join(', ')}`);
  log('lab is down');
}

function spawnSupervisor(layout: LabLayout): number {
  const out = openSync(join(layout.logsDir, 'supervisor.log'), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'lab', 'supervisor.ts'), layout.dir], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  closeSync(out);
  child.unref();
  if (!child.pid) throw new LabError('supervisor', 'could not start the supervisor process');
  return child.pid;
}

async function waitReady(layout: LabLayout, pid: number, timeoutMs: number): Promise<LabState> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = readState(layout);
    if (s && s.supervisorPid === pid) {
      if (s.error) {
        await waitGone([pid], 30_000);
        throw new LabError(s.error.part, s.error.message);
      }
      if (s.ready) return s;
    }
    if (!isAlive(pid)) {
      const s2 = readState(layout);
      if (s2?.supervisorPid === pid && s2.error) throw new LabError(s2.error.part, s2.error.message);
      let tail = '';
      try {
        tail = readFileSync(join(layout.logsDir, 'supervisor.log'), 'utf8').trimEnd().split('\n').slice(-8).join('\n');
      } catch {
        /* none */
      }
      throw new LabError('supervisor', `the supervisor exited before the lab was up${tail ? `:\n${tail}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new LabError('supervisor', `the lab was not up within ${Math.round(timeoutMs / 1000)} s (see ${layout.logsDir})`);
}

/** Starts the lab, or returns the running one (idempotent). */
export async function labUp(opts: LabUpOptions = {}): Promise<Lab> {
  const layout = labLayout(opts.dir ?? defaultLabDir());
  const problems = labPrerequisites();
  if (problems.length) throw new LabError('preflight', `the lab cannot start on this machine:\n  - ${problems.join('\n  - ')}`);
  await mkdir(layout.dir, { recursive: true });
  return withLock(layout, () => upUnlocked(layout, opts));
}

async function upUnlocked(layout: LabLayout, opts: LabUpOptions): Promise<Lab> {
  const lab = await upUnlockedInner(layout, opts);
  if (opts.owner === 'cli') await writeFile(cliMarker(layout), new Date().toISOString() + '\n');
  return lab;
}

async function upUnlockedInner(layout: LabLayout, opts: LabUpOptions): Promise<Lab> {
  const log = opts.log ?? (() => undefined);

  // Already up and healthy? Reuse it.
  const existing = readState(layout);
  if (existing?.ready && isAlive(existing.supervisorPid)) {
    // A busy machine can make one check slow: look again before calling the lab unhealthy
    // (restarting it would pull it from under whoever is using it).
    let health = await labHealth(layout, existing);
    for (let i = 0; i < 2 && health.length > 0 && isAlive(existing.supervisorPid); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      health = await labHealth(layout, existing);
    }
    if (health.length === 0) {
      log('lab already up');
      if (opts.world) await postWorld(layout, existing, opts.world);
      return finish(layout, existing, false, log);
    }
    log(`lab is up but unhealthy (${health.map((h) => `${h.part}: ${h.problem}`).join('; ')}): restarting it`);
  }
  if (existing) await downUnlocked(layout, log);

  const cleanupOnError = async (e: unknown): Promise<never> => {
    const st = readState(layout);
    const started = st ? [st.supervisorPid, st.pids.registry, st.pids.dockerd, st.pids.containerd].filter((p): p is number => !!p) : [];
    try {
      await downUnlocked(layout, () => undefined);
    } catch {
      /* report the first error */
    }
    const err = e instanceof LabError ? e : e instanceof PartError ? new LabError(e.part, e.message) : new LabError('supervisor', (e as Error).message);
    err.startedPids = started;
    throw err;
  };

  try {
    for (const d of [layout.dir, layout.logsDir, layout.dockerDir, layout.registryDir, layout.dockerConfigDir]) await mkdir(d, { recursive: true });
    // Each cold start begins from the world it is given (default: DEFAULT_WORLD).
    const world = opts.world ?? DEFAULT_WORLD;
    await writeAtomic(layout.worldFile, JSON.stringify(world, null, 2) + '\n');
    await writeToken(layout, world.token ?? DEFAULT_TOKEN);
    // A fresh registry on every cold start: no image survives from an earlier lab. Fresh logs too.
    await rm(layout.registryData, { recursive: true, force: true });
    for (const f of ['front.log', 'registry.log', 'dockerd.log', 'supervisor.log']) await rm(join(layout.logsDir, f), { force: true });

    // The lab's Docker config starts like a user's: unrelated settings that must survive.
    await writeAtomic(join(layout.dockerConfigDir, 'config.json'), JSON.stringify(SEED_DOCKER_CONFIG, null, '\t') + '\n');

    const hosts = labHosts(world);
    const t0 = Date.now();
    try {
      await ensureCerts(layout, hosts);
    } catch (e) {
      throw new LabError('tls', (e as Error).message);
    }
    log(`tls: lab CA and certificate for ${hosts.length} hosts (${Date.now() - t0} ms)`);
    await installCerts(layout, hosts, opts.frontPort ?? 443);
    await writeHostsFile(layout, hosts);

    const cfg: SupervisorConfig = {
      frontHost: opts.frontHost ?? '127.0.0.1',
      frontPort: opts.frontPort ?? 443,
      emulatorPort: opts.emulatorPort ?? 0,
      registryPort: 0,
      owner: opts.owner ?? 'api',
    };
    await writeAtomic(join(layout.dir, 'supervisor.json'), JSON.stringify(cfg, null, 2) + '\n');
    await rm(layout.stateFile, { force: true });
    const pid = spawnSupervisor(layout);
    log(`supervisor started (pid ${pid})`);
    const state = await waitReady(layout, pid, opts.timeoutMs ?? 120_000);
    log(`registry :${state.ports.registry}, emulator :${state.ports.emulator}, front ${cfg.frontHost}:${state.ports.front}, dockerd unix://${layout.dockerSock}`);
    const health = await labHealth(layout, state, { docker: true });
    if (health.length) throw new LabError(health[0].part, health.map((h) => `${h.part}: ${h.problem}`).join('; '));
    return await finish(layout, state, true, log);
  } catch (e) {
    return cleanupOnError(e);
  }
}

/**
 * Forgets every repository the registry holds (its storage's repositories/ folder; the
 * content-addressed blobs stay, unreachable). The registry runs without a cache, so it
 * answers from the files at once: a layer Docker pushed before is uploaded again.
 */
async function clearRegistryRepositories(layout: LabLayout): Promise<void> {
  await rm(join(layout.registryData, 'docker', 'registry', 'v2', 'repositories'), { recursive: true, force: true });
}

async function postWorld(layout: LabLayout, state: LabState, spec: WorldSpec, opts: { keepImages?: boolean } = {}): Promise<void> {
  if (!opts.keepImages) await clearRegistryRepositories(layout);
  const r = await fetch(`http://127.0.0.1:${state.ports.emulator}/__lab/world`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
  if (!r.ok) throw new LabError('emulator', `set world: HTTP ${r.status}: ${await r.text()}`);
  await writeToken(layout, spec.token ?? DEFAULT_TOKEN);
  const hosts = labHosts(spec);
  const covered = new Set((await readInstalledCerts(layout)).map((f) => f.split('/').slice(-2)[0].replace(/:\d+$/, '')));
  if (hosts.some((h) => !covered.has(h))) {
    await installCerts(layout, hosts, state.ports.front ?? 443);
    await writeHostsFile(layout, [...new Set([...covered, ...hosts])].sort());
  }
}

async function finish(layout: LabLayout, state: LabState, startedHere: boolean, log: (l: string) => void): Promise<Lab> {
  const env = labEnvVars(layout, state);
  let project: string | undefined;
  try {
    project = (JSON.parse(await readFile(layout.worldFile, 'utf8')) as WorldSpec).projects[0]?.projectId;
  } catch {
    project = undefined;
  }
  await mkdir(layout.dockerConfigDir, { recursive: true });
  await writeGcloudConfig(layout, env, project);
  await writeEnvFile(layout, env);
  await writePidsFile(layout, state);
  log(`env: ${layout.envFile}`);
  return makeLab(layout, state, env, startedHere);
}

function makeLab(layout: LabLayout, state: LabState, env: Record<string, string>, startedHere: boolean): Lab {
  const admin = `http://127.0.0.1:${state.ports.emulator}/__lab/`;
  const catalog = registryCatalog(`http://127.0.0.1:${state.ports.registry}`, layout.registryData);
  const adminCall = async (method: string, what: string, body?: unknown): Promise<unknown> => {
    const r = await fetch(admin + what, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new LabError('emulator', `${method} /__lab/${what}: HTTP ${r.status}: ${text}`);
    return text ? JSON.parse(text) : {};
  };
  return {
    dir: layout.dir,
    layout,
    env,
    emulatorUrl: env.LAB_EMULATOR_URL,
    adminUrl: admin,
    registryUrl: env.LAB_REGISTRY_URL,
    tokenFile: layout.tokenFile,
    frontPort: state.ports.front ?? 443,
    startedHere,
    get token() {
      return readFileSync(layout.tokenFile, 'utf8').trim();
    },
    toolEnv(extra = {}) {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) {
        if (v === undefined || /^(CLOUDSDK_|DOCKER_|LAB_)/.test(k)) continue;
        out[k] = v;
      }
      Object.assign(out, env);
      for (const [k, v] of Object.entries(extra)) {
        if (v === undefined) delete out[k];
        else out[k] = v;
      }
      return out;
    },
    setWorld: (spec, opts) => postWorld(layout, state, spec, opts),
    clearImages: () => clearRegistryRepositories(layout),
    world: async () => (await adminCall('GET', 'world')) as Record<string, unknown>,
    addFaults: async (faults) => {
      await adminCall('POST', 'faults', faults);
    },
    clearFaults: async () => {
      await adminCall('DELETE', 'faults');
    },
    requests: async (since = 0) => ((await adminCall('GET', `requests?since=${since}`)) as { requests: RequestLogEntry[] }).requests,
    images: (project, location, repositoryId) => catalog.list(project, location, repositoryId),
    async frontLog() {
      try {
        return (await readFile(join(layout.logsDir, 'front.log'), 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as FrontLogEntry);
      } catch {
        return [];
      }
    },
    async newDockerConfig(name, config) {
      const dir = join(layout.dir, 'tmp', 'docker-config', name.replace(/[^A-Za-z0-9_.-]/g, '_'));
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      if (config) await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
      else if (existsSync(join(layout.dockerConfigDir, 'config.json'))) await cp(join(layout.dockerConfigDir, 'config.json'), join(dir, 'config.json'));
      return dir;
    },
    down: () => labDown({ dir: layout.dir }),
  };
}

/** The running lab in `dir` (no start), or null when it is not up. */
export async function connectLab(dir: string = defaultLabDir()): Promise<Lab | null> {
  const layout = labLayout(dir);
  const state = readState(layout);
  if (!state?.ready || !isAlive(state.supervisorPid)) return null;
  return makeLab(layout, state, labEnvVars(layout, state), false);
}

/** Status lines for `lab status`. */
export async function labStatus(dir: string = defaultLabDir()): Promise<{ up: boolean; lines: string[] }> {
  const layout = labLayout(dir);
  const state = readState(layout);
  if (!state) return { up: false, lines: [`lab is down (no ${layout.stateFile})`] };
  const lines = [
    `supervisor   pid ${state.supervisorPid} ${isAlive(state.supervisorPid) ? 'running' : 'NOT running'}`,
    `registry     pid ${state.pids.registry ?? '-'} ${isAlive(state.pids.registry) ? 'running' : 'NOT running'}  http://127.0.0.1:${state.ports.registry ?? '-'}/`,
    `emulator     (in supervisor)  http://127.0.0.1:${state.ports.emulator ?? '-'}/`,
    `front        (in supervisor)  https://${state.frontHost ?? '127.0.0.1'}:${state.ports.front ?? '-'}/ for LOCATION-docker.pkg.dev`,
    `dockerd      pid ${state.pids.dockerd ?? '-'} ${isAlive(state.pids.dockerd) ? 'running' : 'NOT running'}  unix://${layout.dockerSock}`,
    `containerd   pid ${state.pids.containerd ?? '-'} ${isAlive(state.pids.containerd) ? 'running' : 'NOT running'}`,
  ];
  const leases = await liveLeases(layout);
  lines.push(`started by   ${state.owner ?? 'api'}${existsSync(cliMarker(layout)) ? ' (kept: `lab up` asked for it)' : ''}; test runs using it: ${leases.length ? leases.join(', ') : 'none'}`);
  if (state.error) lines.push(`error: ${state.error.part}: ${state.error.message}`);
  for (const x of state.exited ?? []) lines.push(`exited: ${x.part} at ${x.at} (code ${x.code}, signal ${x.signal})`);
  const health = await labHealth(layout, state);
  for (const h of health) lines.push(`problem: ${h.part}: ${h.problem}`);
  if (health.length === 0) lines.push(`healthy; env: ${layout.envFile}`);
  return { up: health.length === 0, lines };
}

/** Loads a scenario (WorldSpec JSON file) into the running lab. */
export async function loadScenario(file: string, dir: string = defaultLabDir()): Promise<void> {
  const lab = await connectLab(dir);
  if (!lab) throw new LabError('supervisor', 'the lab is not up (npm run lab -- up)');
  let spec: WorldSpec;
  try {
    spec = JSON.parse(await readFile(file, 'utf8')) as WorldSpec;
  } catch (e) {
    throw new LabError('emulator', `cannot read scenario ${file}: ${(e as Error).message}`);
  }
  await lab.setWorld(spec);
}

export { freePort };
