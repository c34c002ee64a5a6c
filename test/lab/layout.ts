// Where the lab keeps its files (all under one folder, .lab/ at the repository root by
// default, or LAB_DIR), and the default world it starts with.

import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LOCATIONS, type WorldSpec } from './emulator/world.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The lab folder: $LAB_DIR, or .lab/ at the repository root. */
export function defaultLabDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.LAB_DIR || join(REPO_ROOT, '.lab'));
}

export interface LabLayout {
  dir: string;
  logsDir: string;
  /** Written by the supervisor: pids, ports, readiness or the error that stopped it. */
  stateFile: string;
  /** One "name pid" per line, for people and for `down`. */
  pidsFile: string;
  /** `source`-able shell file. */
  envFile: string;
  /** The lab token (file contents = the world's token). */
  tokenFile: string;
  /** The world the supervisor starts with (JSON WorldSpec). */
  worldFile: string;
  /** The hosts file bind-mounted over /etc/hosts inside dockerd's mount namespace. */
  hostsFile: string;
  /** /etc/docker/certs.d files this lab created (removed on down). */
  certsInstalledFile: string;
  tlsDir: string;
  caKey: string;
  caCert: string;
  serverKey: string;
  serverCert: string;
  /** The host names the server certificate covers (JSON array). */
  serverHostsFile: string;
  registryDir: string;
  registryConfig: string;
  registryData: string;
  dockerDir: string;
  dockerData: string;
  /** Short on purpose (unix socket paths are limited to 107 bytes): /tmp/rslab-HASH. */
  dockerExecRoot: string;
  dockerPidfile: string;
  dockerSock: string;
  gcloudDir: string;
  dockerConfigDir: string;
}

export function labLayout(dir: string = defaultLabDir()): LabLayout {
  dir = resolve(dir);
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 8);
  const shortRoot = `/tmp/rslab-${hash}`;
  const sockInLab = join(dir, 'docker', 'docker.sock');
  return {
    dir,
    logsDir: join(dir, 'logs'),
    stateFile: join(dir, 'state.json'),
    pidsFile: join(dir, 'pids'),
    envFile: join(dir, 'env'),
    tokenFile: join(dir, 'token'),
    worldFile: join(dir, 'world.json'),
    hostsFile: join(dir, 'hosts'),
    certsInstalledFile: join(dir, 'certs-installed.json'),
    tlsDir: join(dir, 'tls'),
    caKey: join(dir, 'tls', 'ca.key'),
    caCert: join(dir, 'tls', 'ca.crt'),
    serverKey: join(dir, 'tls', 'server.key'),
    serverCert: join(dir, 'tls', 'server.crt'),
    serverHostsFile: join(dir, 'tls', 'server-hosts.json'),
    registryDir: join(dir, 'registry'),
    registryConfig: join(dir, 'registry', 'config.yml'),
    registryData: join(dir, 'registry', 'data'),
    dockerDir: join(dir, 'docker'),
    dockerData: join(dir, 'docker', 'data'),
    dockerExecRoot: join(shortRoot, 'x'),
    dockerPidfile: join(dir, 'docker', 'dockerd.pid'),
    dockerSock: sockInLab.length <= 100 ? sockInLab : join(shortRoot, 'docker.sock'),
    gcloudDir: join(dir, 'gcloud'),
    dockerConfigDir: join(dir, 'docker-config'),
  };
}

export const LAB_ACCOUNT = 'newcomer@example.com';
export const DEFAULT_PROJECT = 'mycoolproject-prod';

/** The world `lab up` starts with when none is given: one project, API on, no repositories. */
export const DEFAULT_WORLD: WorldSpec = {
  token: 'lab-token',
  projects: [{ projectId: DEFAULT_PROJECT, name: 'My Cool Project', apiEnabled: true, billing: true }],
};

export function registryHost(location: string): string {
  return `${location}-docker.pkg.dev`;
}

/** The location of a `LOCATION-docker.pkg.dev` host name (port ignored), or null. */
export function locationOfHost(host: string | undefined): string | null {
  if (!host) return null;
  const m = /^([a-z0-9-]+)-docker\.pkg\.dev(?::\d+)?$/i.exec(host.trim());
  return m ? m[1].toLowerCase() : null;
}

/** Every registry host the lab serves: the default locations plus any the world adds. */
export function labHosts(world?: WorldSpec): string[] {
  const locs = new Set<string>([...DEFAULT_LOCATIONS, ...(world?.locations ?? [])]);
  return [...locs].sort().map(registryHost);
}
