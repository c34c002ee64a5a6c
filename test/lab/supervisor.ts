// The lab's supervisor: one detached Node process (started by lab.ts) that runs the
// emulator and the registry front in-process and docker-registry and dockerd as child
// processes. It writes .lab/state.json as it goes ({ready:true} once every part answers,
// or {error:{part,message}} and exits 1 after stopping what it started). SIGTERM/SIGINT
// stop everything it started, by pid, and exit 0.
//
//   node --import tsx test/lab/supervisor.ts LAB_DIR

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { registryCatalog } from './catalog.js';
import { startEmulator, type Emulator } from './emulator/server.js';
import type { WorldSpec } from './emulator/world.js';
import { labLayout, type LabLayout } from './layout.js';
import { startRegistryFront, type RegistryFront } from './registry-front.js';

export interface SupervisorConfig {
  frontHost: string;
  frontPort: number;
  emulatorPort: number;
  /** 0 = pick a free one. */
  registryPort: number;
  /** Who asked for the lab: a person (`lab up`), a test run (globalSetup) or other code. */
  owner?: LabOwner;
}

export type LabOwner = 'cli' | 'test' | 'api';

export type LabPart = 'preflight' | 'tls' | 'registry' | 'emulator' | 'front' | 'dockerd' | 'supervisor' | 'gcloud' | 'docker';

export interface LabState {
  supervisorPid: number;
  owner?: LabOwner;
  startedAt: string;
  ready: boolean;
  stopping?: boolean;
  error?: { part: LabPart; message: string };
  pids: { registry?: number; dockerd?: number; containerd?: number };
  ports: { emulator?: number; front?: number; registry?: number };
  frontHost?: string;
  dockerSock?: string;
  /** Children that exited on their own after the lab was up. */
  exited?: Array<{ part: LabPart; code: number | null; signal: string | null; at: string }>;
}

export class PartError extends Error {
  constructor(readonly part: LabPart, message: string) {
    super(message);
  }
}

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export function httpStatus(opts: http.RequestOptions, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(opts, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

function tail(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Polls `probe` until it resolves true; fails early when `child` exits. */
async function waitFor(part: LabPart, what: string, probe: () => Promise<boolean>, child: ChildProcess | null, logFile: string | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new PartError(part, `${what} exited with code ${child.exitCode} before it answered${logFile ? `; last lines of ${logFile}:\n${tail(logFile)}` : ''}`);
    }
    if (child && child.signalCode) throw new PartError(part, `${what} was killed by ${child.signalCode} before it answered`);
    try {
      if (await probe()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new PartError(part, `${what} did not answer within ${Math.round(timeoutMs / 1000)} s${last ? ` (${last})` : ''}${logFile ? `; last lines of ${logFile}:\n${tail(logFile)}` : ''}`);
}

function registryConfigYaml(layout: LabLayout, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${layout.registryData}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    // Relative Location headers: the front maps /v2/LOCATION/... back to /v2/...
    '  relativeurls: true',
    `  secret: lab-${process.pid}-${Date.now()}`,
    '',
  ].join('\n');
}

function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function stopPid(pid: number | undefined, graceMs: number): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    const d2 = Date.now() + 3000;
    while (Date.now() < d2 && isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  }
}

export async function runSupervisor(dir: string): Promise<void> {
  const layout = labLayout(dir);
  const cfg = JSON.parse(readFileSync(join(layout.dir, 'supervisor.json'), 'utf8')) as SupervisorConfig;
  const state: LabState = { supervisorPid: process.pid, owner: cfg.owner ?? 'api', startedAt: new Date().toISOString(), ready: false, pids: {}, ports: {}, frontHost: cfg.frontHost, dockerSock: layout.dockerSock };
  const save = (): void => writeJsonAtomic(layout.stateFile, state);
  save();

  let registry: ChildProcess | null = null;
  let dockerd: ChildProcess | null = null;
  let emulator: Emulator | null = null;
  let front: RegistryFront | null = null;
  let stopping = false;

  const stopAll = async (): Promise<void> => {
    stopping = true;
    state.stopping = true;
    state.ready = false;
    try {
      save();
    } catch {
      /* the lab folder may be gone */
    }
    const containerd = state.pids.containerd;
    await stopPid(dockerd?.pid, 20_000);
    await stopPid(containerd, 5_000);
    await stopPid(registry?.pid, 5_000);
    await front?.close().catch(() => undefined);
    await emulator?.close().catch(() => undefined);
    await rm(layout.dockerSock, { force: true }).catch(() => undefined);
  };

  const onExit = (part: LabPart, child: ChildProcess): void => {
    child.on('exit', (code, signal) => {
      if (stopping || !state.ready) return;
      (state.exited ??= []).push({ part, code, signal, at: new Date().toISOString() });
      state.ready = false;
      save();
    });
  };

  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      void stopAll().then(() => process.exit(0));
    });
  }

  try {
    await mkdir(layout.logsDir, { recursive: true });

    // ---- docker-registry (distribution 2.8) on loopback
    const registryPort = cfg.registryPort || (await freePort());
    await mkdir(layout.registryData, { recursive: true });
    await writeFile(layout.registryConfig, registryConfigYaml(layout, registryPort));
    const regLog = join(layout.logsDir, 'registry.log');
    const regFd = openSync(regLog, 'a');
    registry = spawn('docker-registry', ['serve', layout.registryConfig], { stdio: ['ignore', regFd, regFd] });
    closeSync(regFd);
    registry.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      registry!.once('spawn', resolve);
      registry!.once('error', (e) =>
        reject(new PartError('registry', (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'docker-registry is not installed (Debian package docker-registry; run scripts/install-system-deps.sh)' : e.message)),
      );
    });
    state.pids.registry = registry.pid;
    state.ports.registry = registryPort;
    save();
    onExit('registry', registry);
    await waitFor('registry', `docker-registry on 127.0.0.1:${registryPort}`, async () => (await httpStatus({ host: '127.0.0.1', port: registryPort, path: '/v2/' })) === 200, registry, regLog, 20_000);
    const upstream = `http://127.0.0.1:${registryPort}`;

    // ---- the emulator (in process), reading images from the registry
    let world: WorldSpec | undefined;
    try {
      world = JSON.parse(await readFile(layout.worldFile, 'utf8')) as WorldSpec;
    } catch {
      world = undefined;
    }
    try {
      emulator = await startEmulator({ world, port: cfg.emulatorPort, host: '127.0.0.1', images: registryCatalog(upstream, layout.registryData) });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new PartError('emulator', err.code === 'EADDRINUSE' ? `port ${cfg.emulatorPort} on 127.0.0.1 is taken` : err.message);
    }
    state.ports.emulator = emulator.port;
    save();

    // ---- the TLS front for LOCATION-docker.pkg.dev
    try {
      front = await startRegistryFront({
        world: emulator.world,
        upstream,
        key: readFileSync(layout.serverKey),
        cert: readFileSync(layout.serverCert),
        host: cfg.frontHost,
        port: cfg.frontPort,
        logFile: join(layout.logsDir, 'front.log'),
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE') throw new PartError('front', `port ${cfg.frontPort} on ${cfg.frontHost} is taken by another program (see: ss -ltnp 'sport = :${cfg.frontPort}'); the registry front must listen there because Docker talks to LOCATION-docker.pkg.dev on port 443`);
      if (err.code === 'EACCES') throw new PartError('front', `not allowed to listen on ${cfg.frontHost}:${cfg.frontPort} (ports below 1024 need root)`);
      throw new PartError('front', err.message);
    }
    state.ports.front = front.port;
    save();

    // ---- dockerd in a private mount namespace whose /etc/hosts is the lab's
    await mkdir(layout.dockerData, { recursive: true });
    await mkdir(layout.dockerExecRoot, { recursive: true });
    await rm(layout.dockerSock, { force: true });
    const dLog = join(layout.logsDir, 'dockerd.log');
    const dFd = openSync(dLog, 'a');
    const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
    // Its own daemon.json: the machine's /etc/docker/daemon.json is not read, and the trust
    // key dockerd 20.10 creates goes into the lab folder, not /etc/docker/key.json.
    const daemonJson = join(layout.dockerDir, 'daemon.json');
    await writeFile(daemonJson, JSON.stringify({ 'deprecated-key-path': join(layout.dockerDir, 'key.json') }, null, 2) + '\n');
    const script =
      `mount --bind ${q(layout.hostsFile)} /etc/hosts && exec dockerd --config-file ${q(daemonJson)} --iptables=false --ip6tables=false --bridge=none ` +
      `--data-root ${q(layout.dockerData)} --exec-root ${q(layout.dockerExecRoot)} --pidfile ${q(layout.dockerPidfile)} ` +
      `-H ${q(`unix://${layout.dockerSock}`)}`;
    dockerd = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { stdio: ['ignore', dFd, dFd] });
    closeSync(dFd);
    dockerd.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      dockerd!.once('spawn', resolve);
      dockerd!.once('error', (e) => reject(new PartError('dockerd', `cannot run unshare: ${e.message} (package util-linux)`)));
    });
    state.pids.dockerd = dockerd.pid; // unshare and sh exec, so this is dockerd's own pid
    save();
    onExit('dockerd', dockerd);
    await waitFor(
      'dockerd',
      `dockerd on unix://${layout.dockerSock}`,
      async () => existsSync(layout.dockerSock) && (await httpStatus({ socketPath: layout.dockerSock, path: '/_ping' })) === 200,
      dockerd,
      dLog,
      60_000,
    );
    try {
      const c = Number(readFileSync(join(layout.dockerExecRoot, 'containerd', 'containerd.pid'), 'utf8').trim());
      if (c > 0) state.pids.containerd = c;
    } catch {
      /* dockerd may use a system containerd */
    }

    state.ready = true;
    save();
  } catch (e) {
    const part = e instanceof PartError ? e.part : 'supervisor';
    state.error = { part, message: (e as Error).message };
    save();
    await stopAll();
    state.stopping = false;
    save();
    process.exit(1);
  }
}

const isMain = process.argv[1] && /supervisor\.(ts|js|mjs)$/.test(process.argv[1]);
if (isMain) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: supervisor.ts LAB_DIR');
    process.exit(2);
  }
  runSupervisor(dir).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
