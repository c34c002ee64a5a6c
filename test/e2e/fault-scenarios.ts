// The fault scenarios of issue 4, shared by the lab tests (test/e2e/faults.test.ts,
// resume.test.ts) and `npm run test:faults` (scripts/faults.ts), so the two cannot drift.
//
// Each scenario sets a world, injects faults, runs the BUILT CLI (bin/registry-setup.js)
// non-interactively with plain output, sometimes SIGKILLs it, runs it again, and then measures
// from outside: the repositories the emulator holds, the user's Docker config (watched during
// every run: it must be valid JSON at every observation), its backup, the registry's tags, and
// the saved progress. `dataLost` counts what an interrupted or failed run damaged.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { Lab } from '../lab/lab.js';
import { djangoProject } from '../lab/project.js';
import { REPO_ROOT } from '../lab/layout.js';

type WorldSpec = Parameters<Lab['setWorld']>[0];
type FaultSpec = Parameters<Lab['addFaults']>[0][number];

export const PROJECT = 'mycoolproject-prod';
export const LOCATION = 'southamerica-east1';
export const HOST = `${LOCATION}-docker.pkg.dev`;
export const REPO = 'mycoolproject-repo';
export const IMAGE = 'mycoolproject';
export const BIN = resolve(REPO_ROOT, 'bin', 'registry-setup.js');
export const BASE_ARGS = ['--yes', '--project', PROJECT, '--region', LOCATION, '--source', 'sample'];

/** What the user's Docker config held before: every key but credHelpers[HOST] must survive. */
export const BEFORE = {
  auths: { 'ghcr.io': { auth: 'bmV3Y29tZXI6bm90LWEtcmVhbC10b2tlbg==' } },
  credHelpers: { 'us-docker.pkg.dev': 'gcloud' },
  psFormat: 'table {{.ID}}\t{{.Names}}',
  detachKeys: 'ctrl-e,e',
} as const;

export function world(extra: Partial<WorldSpec> = {}, project: Record<string, unknown> = {}): WorldSpec {
  return { projects: [{ projectId: PROJECT, name: 'My Cool Project', apiEnabled: true, billing: true, ...project }], ...extra } as WorldSpec;
}

// ---------- one user's machine ----------

export interface User {
  name: string;
  root: string;
  /** The git project folder the wizard runs in. */
  dir: string;
  sha: string;
  dockerConfig: string;
  xdg: string;
  tmp: string;
  env: Record<string, string>;
}

export async function newUser(lab: Lab, name: string, opts: { withoutHelper?: boolean; brokenHelper?: boolean; staleToken?: boolean; env?: Record<string, string | undefined> } = {}): Promise<User> {
  const root = await mkdtemp(join(tmpdir(), `rs-faults-${name}-`));
  const { dir, sha } = await djangoProject(root, IMAGE);
  const dockerConfig = await lab.newDockerConfig(`faults-${name}-${Date.now()}`, JSON.parse(JSON.stringify(BEFORE)));
  const xdg = join(root, 'xdg');
  const tmp = join(root, 'tmp');
  await mkdir(tmp, { recursive: true });
  const extra: Record<string, string | undefined> = { DOCKER_CONFIG: dockerConfig, XDG_CONFIG_HOME: xdg, TMPDIR: tmp, CI: undefined, NO_COLOR: '1', ...opts.env };
  if (opts.staleToken) {
    // gcloud's login hands out a token Google no longer accepts (expired): the same setting gcloud reads.
    const f = join(root, 'stale-token');
    await writeFile(f, 'expired-token-0000\n', { mode: 0o600 });
    extra.CLOUDSDK_AUTH_ACCESS_TOKEN_FILE = f;
  }
  if (opts.brokenHelper) {
    // A docker-credential-gcloud first on PATH that runs and fails, as a broken install would.
    const bin = join(root, 'broken-bin');
    await mkdir(bin);
    await writeFile(join(bin, 'docker-credential-gcloud'), '#!/bin/sh\necho "ERROR: (gcloud.auth.docker-helper) this helper is broken on purpose"\nexit 1\n', { mode: 0o755 });
    extra.PATH = `${bin}:${lab.toolEnv().PATH ?? process.env.PATH ?? ''}`;
  }
  if (opts.withoutHelper) extra.PATH = await pathWithoutHelper(root);
  return { name, root, dir, sha, dockerConfig, xdg, tmp, env: lab.toolEnv(extra) };
}

/**
 * One PATH folder with a link to every program of the usual PATH (gcloud, docker, git, node,
 * python…) except docker-credential-gcloud: gcloud lives in /usr/bin next to the helper.
 */
export async function pathWithoutHelper(root: string): Promise<string> {
  const bin = join(root, 'bin');
  await mkdir(bin);
  const seen = new Set<string>();
  for (const d of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (seen.has(n) || n.startsWith('docker-credential-gcloud')) continue;
      seen.add(n);
      await symlink(join(d, n), join(bin, n));
    }
  }
  return bin;
}

// ---------- watching the Docker config ----------

/** Polls config.json while runs go on; every observation must be valid JSON. */
export class ConfigWatch {
  observations = 0;
  invalid: string[] = [];
  private timer?: NodeJS.Timeout;
  private busy = false;
  constructor(private readonly file: string) {}
  start(): void {
    this.timer = setInterval(() => void this.observe(), 15);
  }
  async observe(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const text = await readFile(this.file, 'utf8');
      this.observations++;
      try {
        JSON.parse(text);
      } catch (e) {
        this.invalid.push(`${(e as Error).message}: ${text.slice(0, 80)}`);
      }
    } catch (e) {
      this.observations++;
      this.invalid.push(`unreadable: ${(e as Error).message}`);
    } finally {
      this.busy = false;
    }
  }
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.observe();
  }
}

// ---------- running the wizard ----------

export interface RunResult {
  args: string[];
  code: number | undefined;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved. */
  all: string;
  killed: boolean;
  /** What the kill waited for, when it happened. */
  killedAt?: string;
  ms: number;
}

export interface KillAt {
  /** SIGKILL the wizard (and its children: its process group) once this shows in its output… */
  on: RegExp;
  /** …this many ms later. */
  delayMs?: number;
  /**
   * Faults that hold the wizard at the kill point for that run (cleared after it), where it would
   * otherwise finish before the kill lands.
   */
  hold?: FaultSpec[];
}

export async function runWizard(user: User, args: string[] = BASE_ARGS, opts: { kill?: KillAt; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  const t0 = Date.now();
  const child: ResultPromise = execa(process.execPath, [BIN, ...args], {
    cwd: user.dir,
    env: { ...user.env, ...opts.env },
    extendEnv: false,
    reject: false,
    all: true,
    detached: true, // its own process group, so a kill takes gcloud/docker children with it
    timeout: opts.timeoutMs ?? 120_000,
    stdin: 'ignore',
  });
  let all = '';
  let killed = false;
  let killedAt: string | undefined;
  child.all?.on('data', (d: Buffer) => {
    all += d.toString();
    if (opts.kill && !killed && killedAt === undefined) {
      const m = opts.kill.on.exec(all);
      if (m) {
        killedAt = m[0];
        setTimeout(() => {
          killed = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, opts.kill.delayMs ?? 0);
      }
    }
  });
  const r = await child;
  return {
    args,
    code: r.exitCode,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    all: String(r.all ?? all),
    killed: killed && r.exitCode === undefined,
    killedAt,
    ms: Date.now() - t0,
  };
}

// ---------- measuring the end state ----------

export interface EndState {
  repositories: string[];
  credHelpers: Record<string, string> | undefined;
  /** Keys of BEFORE (other than credHelpers[HOST]) lost or changed. */
  keysLost: string[];
  backupHoldsOriginal: boolean;
  images: { image: string; digest: string; tags: string[] }[];
  tagsOnOneDigest: boolean;
  progress: { exists: boolean; validJson: boolean; mode: string; complete: boolean; done: string[] };
  dockerConfigFiles: string[];
}

export function progressFile(user: User): string {
  return join(user.xdg, 'registry-setup', 'progress.json');
}

export async function measure(lab: Lab, user: User): Promise<EndState> {
  const w = (await lab.world()) as { repositories?: { name?: string; project?: string; repositoryId?: string }[] };
  const repositories = (w.repositories ?? []).map((r) => r.name ?? `${r.project}/${r.repositoryId}`).sort();

  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(await readFile(join(user.dockerConfig, 'config.json'), 'utf8'));
  } catch {
    config = {};
  }
  const keysLost: string[] = [];
  for (const [k, v] of Object.entries(BEFORE)) {
    if (k === 'credHelpers') {
      for (const [h, hv] of Object.entries(v as Record<string, string>)) {
        if ((config.credHelpers as Record<string, string> | undefined)?.[h] !== hv) keysLost.push(`credHelpers.${h}`);
      }
    } else if (JSON.stringify(config[k]) !== JSON.stringify(v)) keysLost.push(k);
  }
  const credHelpers = config.credHelpers as Record<string, string> | undefined;
  const dockerConfigFiles = (await readdir(user.dockerConfig)).sort();
  const backup = dockerConfigFiles.find((f) => f === 'config.json.registry-setup.bak');
  let backupHoldsOriginal = false;
  if (backup) {
    try {
      backupHoldsOriginal = JSON.stringify(JSON.parse(await readFile(join(user.dockerConfig, backup), 'utf8'))) === JSON.stringify(BEFORE);
    } catch {
      backupHoldsOriginal = false;
    }
  }

  let images: EndState['images'] = [];
  try {
    images = (await lab.images(PROJECT, LOCATION, REPO)).map((i) => ({ image: i.image, digest: i.digest, tags: [...i.tags].sort() }));
  } catch {
    images = [];
  }
  const ours = images.filter((i) => i.image === IMAGE);
  const tagsOnOneDigest = ours.length === 1 && JSON.stringify(ours[0]!.tags) === JSON.stringify([user.sha, 'latest'].sort());

  const progress: EndState['progress'] = { exists: false, validJson: false, mode: '', complete: false, done: [] };
  const pf = progressFile(user);
  if (existsSync(pf)) {
    progress.exists = true;
    progress.mode = ((await stat(pf)).mode & 0o777).toString(8);
    try {
      const data = JSON.parse(await readFile(pf, 'utf8')) as { runs?: Record<string, { done?: string[] }> };
      progress.validJson = true;
      progress.done = data.runs?.[user.dir]?.done ?? [];
      progress.complete = progress.done.includes('summary');
    } catch {
      progress.validJson = false;
    }
  }
  return { repositories, credHelpers, keysLost, backupHoldsOriginal, images, tagsOnOneDigest, progress, dockerConfigFiles };
}

/** The end state of a finished run, without what differs per user (the sha, the digest). */
export function normalised(s: EndState, user: User): unknown {
  return {
    repositories: s.repositories,
    credHelpers: s.credHelpers,
    keysLost: s.keysLost,
    backupHoldsOriginal: s.backupHoldsOriginal,
    images: s.images.map((i) => ({ image: i.image, tags: i.tags.map((t) => (t === user.sha ? 'SHA' : t)) })),
    tagsOnOneDigest: s.tagsOnOneDigest,
    progress: { ...s.progress },
    dockerConfigFiles: s.dockerConfigFiles,
  };
}

/** What an interrupted or failed sequence of runs damaged (0 = nothing). */
export function dataLost(s: EndState, watch: ConfigWatch, expectComplete: boolean): { count: number; what: string[] } {
  const what: string[] = [];
  for (const k of s.keysLost) what.push(`Docker config key lost/changed: ${k}`);
  for (const bad of watch.invalid) what.push(`invalid Docker config observed: ${bad}`);
  if (s.progress.exists && (!s.progress.validJson || s.progress.mode !== '600')) what.push(`saved progress invalid (json ${s.progress.validJson}, mode ${s.progress.mode})`);
  const extra = s.repositories.length - (expectComplete ? 1 : Math.min(1, s.repositories.length));
  if (extra > 0) what.push(`${extra} extra repositories`);
  if (expectComplete && !s.tagsOnOneDigest) what.push(`tags not on one digest: ${JSON.stringify(s.images)}`);
  if (!expectComplete && s.images.filter((i) => i.image === IMAGE).length > 1) what.push(`tags on several digests: ${JSON.stringify(s.images)}`);
  if (s.credHelpers && s.credHelpers[HOST] !== undefined && s.credHelpers[HOST] !== 'gcloud') what.push(`credHelpers[${HOST}] = ${s.credHelpers[HOST]}`);
  return { count: what.length, what };
}

// ---------- the scenarios ----------

export interface ScenarioContext {
  lab: Lab;
  user: User;
  runs: RunResult[];
  run(args?: string[], opts?: { kill?: KillAt; env?: Record<string, string> }): Promise<RunResult>;
}

export interface Scenario {
  id: string;
  group: 'kill' | 'transient' | 'user' | 'push' | 'doctor';
  /** The fault injected, in words (the table's first column). */
  fault: string;
  /** The expected outcome, in words. */
  expected: string;
  world: WorldSpec;
  user?: { withoutHelper?: boolean; brokenHelper?: boolean; staleToken?: boolean };
  /** Set up the user's machine before the first run. */
  prepare?(user: User): Promise<void>;
  /** Run only by `npm run test:faults` (kept out of `npm test` for time; covered there by another scenario). */
  scriptOnly?: boolean;
  /** Whether the sequence ends with a complete setup (one repository, both tags on one digest…). */
  endsComplete: boolean;
  /** Runs the wizard (one or more times); returns the observed outcome in words. */
  play(ctx: ScenarioContext): Promise<string>;
  /** Checks on the runs and the end state: a list of what is wrong (empty = as expected). */
  check(ctx: ScenarioContext, end: EndState): string[];
}

export interface ScenarioResult {
  scenario: Scenario;
  user: User;
  runs: RunResult[];
  end: EndState;
  observed: string;
  problems: string[];
  dataLost: { count: number; what: string[] };
  ms: number;
}

const last = (ctx: ScenarioContext) => ctx.runs[ctx.runs.length - 1]!;
/** How the runs ended: "exit 1: <the failure line, shortened>" for a failed run. */
const codes = (ctx: ScenarioContext) =>
  ctx.runs
    .map((r) => {
      if (r.killed) return 'killed';
      const why = /failed: (.*)/.exec(r.all)?.[1];
      return why ? `exit ${r.code}: ${why.length > 70 ? why.slice(0, 69) + '…' : why}` : `exit ${r.code}`;
    })
    .join(', ');

/** Problems with a sequence that must end in a complete setup. */
function completeProblems(ctx: ScenarioContext, end: EndState): string[] {
  const r = last(ctx);
  return [...(r.code !== 0 ? [`last run exit ${r.code}: ${r.all.slice(-1500)}`] : []), ...completeStateProblems(end)];
}

/** Problems with an end state that must be a complete setup, whatever the last run said. */
function completeStateProblems(end: EndState): string[] {
  const p: string[] = [];
  if (end.repositories.length !== 1) p.push(`repositories: ${JSON.stringify(end.repositories)}`);
  const expectHelpers = { ...BEFORE.credHelpers, [HOST]: 'gcloud' };
  if (JSON.stringify(end.credHelpers) !== JSON.stringify(expectHelpers)) p.push(`credHelpers: ${JSON.stringify(end.credHelpers)}`);
  if (!end.backupHoldsOriginal) p.push(`the backup does not hold the original (files: ${end.dockerConfigFiles.join(', ')})`);
  // Exactly the config and one backup: no second backup, no temp file left by a killed write.
  if (JSON.stringify(end.dockerConfigFiles) !== JSON.stringify(['config.json', 'config.json.registry-setup.bak'])) p.push(`Docker config folder: ${end.dockerConfigFiles.join(', ')}`);
  if (!end.tagsOnOneDigest) p.push(`images: ${JSON.stringify(end.images)}`);
  if (!end.progress.validJson || end.progress.mode !== '600' || !end.progress.complete) p.push(`saved progress: ${JSON.stringify(end.progress)}`);
  return p;
}

/** Problems with a run that must stop with exit `code` and say all of `says`. */
function failedWith(r: RunResult, code: number, says: (string | RegExp)[]): string[] {
  const p: string[] = [];
  if (r.code !== code) p.push(`exit ${r.code}, expected ${code}`);
  for (const s of says) {
    const ok = typeof s === 'string' ? r.all.includes(s) : s.test(r.all);
    if (!ok) p.push(`output lacks ${String(s)}`);
  }
  if (/\n\s+at .+\(.+:\d+:\d+\)/.test(r.all) && !r.args.includes('--debug')) p.push('a stack trace is shown');
  if (p.length) p.push(`output: ${r.all.slice(-1500)}`);
  return p;
}

function killScenario(id: string, fault: string, kill: KillAt, extra: Partial<WorldSpec> = {}, faults: FaultSpec[] = []): Scenario {
  return {
    id,
    group: 'kill',
    fault,
    expected: 'resumes; same end state as an uninterrupted run',
    world: world({ ...extra, ...(faults.length ? { faults } : {}) }),
    endsComplete: true,
    async play(ctx) {
      const first = await ctx.run(BASE_ARGS, { kill });
      const second = await ctx.run();
      return `${first.killed ? 'killed' : `not killed (exit ${first.code})`} → rerun exit ${second.code}`;
    },
    check(ctx, end) {
      const p = completeProblems(ctx, end);
      if (!ctx.runs[0]!.killed) p.push(`the first run was not killed (exit ${ctx.runs[0]!.code}; waited for ${kill.on}): ${ctx.runs[0]!.all.slice(-800)}`);
      return p;
    },
  };
}

/** The same kill points, one after the other on one machine: each run resumes the last one's work and is killed again. */
function killChain(id: string, fault: string, kills: KillAt[], extra: Partial<WorldSpec> = {}, faults: FaultSpec[] = []): Scenario {
  return {
    id,
    group: 'kill',
    fault,
    expected: 'each run resumes; final run equals an uninterrupted run',
    world: world({ ...extra, ...(faults.length ? { faults } : {}) }),
    endsComplete: true,
    async play(ctx) {
      for (const kill of kills) await ctx.run(BASE_ARGS, { kill });
      const final = await ctx.run();
      return `${ctx.runs.filter((r) => r.killed).length} of ${kills.length} runs killed → final run exit ${final.code}`;
    },
    check(ctx, end) {
      const p = completeProblems(ctx, end);
      ctx.runs.slice(0, -1).forEach((r, i) => {
        if (!r.killed) p.push(`run ${i + 1} was not killed (exit ${r.code}; waited for ${kills[i]!.on}): ${r.all.slice(-800)}`);
      });
      return p;
    },
  };
}

/** Kill points at step boundaries. */
export const BOUNDARY_KILLS: KillAt[] = [
  { on: /\[2\/\d\] Choose the Google Cloud project: / },
  { on: /\[6\/\d\] Push the first image\n/ },
  // The summary's listing (and push's, before it) answers late: the run is still in the summary.
  { on: /\[\d\/\d\] Summary\n/, hold: [{ kind: 'latency', ms: 2000, method: 'GET', path: '/dockerImages$', times: 10 } as FaultSpec] },
];
/** Kill points inside steps: the pending repository operation, the Docker config write, mid-push. */
export const INSIDE_KILLS: KillAt[] = [
  { on: /operation still running \(poll 1,/ },
  { on: /updating \S+config\.json \(backup first/ },
  { on: /docker push \S+:latest/, delayMs: 1500 },
];
const INSIDE_WORLD = { operationPendingPolls: 8 } as Partial<WorldSpec>;
const SLOW_UPLOAD: FaultSpec[] = [
  { kind: 'latency', ms: 5000, method: 'PATCH', path: '/blobs/uploads/', times: 1 } as FaultSpec,
];

// ---------- doctor after each kind of drift, then doctor --fix ----------

interface DoctorDrift {
  id: string;
  fault: string;
  /** Changes the user's machine or the Google side after a complete setup. */
  drift(ctx: ScenarioContext): Promise<void>;
  /** What the doctor runs get on top of the user's environment (e.g. a PATH without the helper). */
  env?(ctx: ScenarioContext): Promise<Record<string, string>>;
  /** What doctor must say about it. */
  says: (string | RegExp)[];
  /** doctor --fix repairs it (else --fix changes nothing and doctor still finds it). */
  fixable: boolean;
  /** The setup is still complete at the end (a deleted repository is not). */
  endsComplete: boolean;
  scriptOnly?: boolean;
}

const doctorRuns = ['setup', 'doctor', 'doctor --fix', 'doctor'];

function doctorScenario(d: DoctorDrift): Scenario {
  return {
    id: d.id,
    group: 'doctor',
    fault: d.fault,
    expected: d.fixable ? 'doctor exit 1 naming it; doctor --fix repairs it; doctor exit 0' : 'doctor exit 1 naming it with its fix; --fix changes nothing (exit 1)',
    world: world(),
    endsComplete: d.endsComplete,
    ...(d.scriptOnly ? { scriptOnly: true } : {}),
    async play(ctx) {
      await ctx.run();
      await d.drift(ctx);
      const env = (await d.env?.(ctx)) ?? {};
      for (const args of [['doctor'], ['doctor', '--fix'], ['doctor']]) await ctx.run(args, { env });
      return ctx.runs.map((r, i) => `${doctorRuns[i]} exit ${r.code}`).join(', ');
    },
    check(ctx, end) {
      const [setup, found, fix, again] = ctx.runs as [RunResult, RunResult, RunResult, RunResult];
      const p: string[] = [];
      if (setup.code !== 0) p.push(`the setup failed: ${setup.all.slice(-1500)}`);
      p.push(...failedWith(found, 1, d.says));
      if (d.fixable) {
        if (fix.code !== 0 || !/Fixed: /.test(fix.all)) p.push(`doctor --fix did not repair it (exit ${fix.code}): ${fix.all.slice(-1500)}`);
        if (again.code !== 0 || !/Healthy/.test(again.all)) p.push(`doctor after --fix: exit ${again.code}: ${again.all.slice(-1500)}`);
      } else {
        if (/Fixed: /.test(fix.all)) p.push(`doctor --fix changed something: ${fix.all.slice(-800)}`);
        p.push(...failedWith(fix, 1, d.says), ...failedWith(again, 1, d.says));
      }
      if (d.endsComplete) p.push(...completeStateProblems(end));
      return p;
    },
  };
}

type DockerConfigJson = { credHelpers: Record<string, string>; credsStore?: string } & Record<string, unknown>;

/** The user's Docker config, edited as another tool (or a hand) would. */
async function editConfig(ctx: ScenarioContext, edit: (c: DockerConfigJson) => void): Promise<void> {
  const file = join(ctx.user.dockerConfig, 'config.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as DockerConfigJson;
  edit(config);
  await writeFile(file, JSON.stringify(config, null, '\t'));
}

export const DOCTOR_SCENARIOS: Scenario[] = [
  doctorScenario({
    id: 'doctor-entry-removed',
    fault: `credHelpers["${HOST}"] removed from the Docker config`,
    drift: (ctx) => editConfig(ctx, (c) => delete c.credHelpers[HOST]),
    says: [`credHelpers["${HOST}"]`, /has no login for/],
    fixable: true,
    endsComplete: true,
    scriptOnly: true, // test/e2e/doctor.test.ts runs the same drift in npm test
  }),
  doctorScenario({
    id: 'doctor-credsstore',
    fault: 'Docker Desktop rewrite: the entry gone, credsStore "desktop" added back',
    drift: (ctx) => editConfig(ctx, (c) => {
      delete c.credHelpers[HOST];
      c.credsStore = 'desktop';
    }),
    says: [`credHelpers["${HOST}"]`, 'credsStore "desktop" answers for that host'],
    fixable: true,
    endsComplete: true,
  }),
  doctorScenario({
    id: 'doctor-repository-deleted',
    fault: 'the repository deleted (gcloud artifacts repositories delete)',
    drift: async (ctx) => {
      await execa('gcloud', ['artifacts', 'repositories', 'delete', REPO, `--location=${LOCATION}`, `--project=${PROJECT}`, '--quiet'], { env: ctx.user.env, extendEnv: false });
    },
    says: [`Repository ${REPO} is not in project ${PROJECT} (${LOCATION}) any more`, 'Run registry-setup again'],
    fixable: false,
    endsComplete: false,
  }),
  doctorScenario({
    id: 'doctor-no-helper',
    fault: 'docker-credential-gcloud no longer on PATH',
    drift: async () => undefined,
    env: async (ctx) => ({ PATH: await pathWithoutHelper(ctx.user.root) }),
    says: [/docker-credential-gcloud on your PATH/, 'gcloud components install docker-credential-gcloud'],
    fixable: false,
    endsComplete: true,
  }),
  doctorScenario({
    id: 'doctor-account-switched',
    fault: 'gcloud switched to another account (CLOUDSDK_CORE_ACCOUNT)',
    drift: async () => undefined,
    env: async () => ({ CLOUDSDK_CORE_ACCOUNT: 'someone-else@example.com' }),
    says: ["gcloud's active account is someone-else@example.com, but the setup ran as newcomer@example.com", 'gcloud config set account newcomer@example.com'],
    fixable: false,
    endsComplete: true,
  }),
];

const RETRY_NOTE = /retrying in [\d.]+ s, attempt 2 of 5/;

export const UNDO_ARGS = ['undo', '--yes', '--delete-repository'];
/** Kill point inside undo: its repository delete operation pending (the next poll held 3 s). */
export const UNDO_KILL: KillAt = {
  on: /operation still running \(poll 1,/,
  hold: [{ kind: 'latency', ms: 3000, method: 'GET', path: '/operations/', times: 1 } as FaultSpec],
};

/** Problems with the end of a full undo: nothing of the setup left, the user's config as it was, no litter. */
function undoneProblems(end: EndState): string[] {
  const p: string[] = [];
  if (end.repositories.length) p.push(`repositories: ${JSON.stringify(end.repositories)}`);
  if (JSON.stringify(end.credHelpers) !== JSON.stringify(BEFORE.credHelpers)) p.push(`credHelpers: ${JSON.stringify(end.credHelpers)}`);
  if (JSON.stringify(end.dockerConfigFiles) !== JSON.stringify(['config.json', 'config.json.registry-setup.bak'])) p.push(`Docker config folder: ${end.dockerConfigFiles.join(', ')}`);
  if (!end.backupHoldsOriginal) p.push('the backup does not hold the original');
  if (!end.progress.validJson || end.progress.mode !== '600' || end.progress.done.length) p.push(`saved progress: ${JSON.stringify(end.progress)}`);
  return p;
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'baseline',
    group: 'kill',
    fault: 'none (uninterrupted run)',
    expected: 'exit 0, complete setup',
    world: world(),
    endsComplete: true,
    async play(ctx) {
      const r = await ctx.run();
      return `exit ${r.code}`;
    },
    check: completeProblems,
  },
  // Kill -9 at step boundaries, and inside steps, one kill point per scenario…
  killScenario('kill-after-project', 'SIGKILL when the project step is done', BOUNDARY_KILLS[0]!),
  killScenario('kill-before-push', 'SIGKILL as the push step starts', BOUNDARY_KILLS[1]!),
  killScenario('kill-before-summary', 'SIGKILL as the summary step starts', BOUNDARY_KILLS[2]!),
  killScenario('kill-repo-operation', 'SIGKILL while the create operation is pending', INSIDE_KILLS[0]!, INSIDE_WORLD),
  killScenario('kill-config-write', 'SIGKILL as the Docker config is replaced', INSIDE_KILLS[1]!),
  killScenario('kill-mid-push', 'SIGKILL mid-push (blob upload slowed 5 s)', INSIDE_KILLS[2]!, {}, SLOW_UPLOAD),
  // …and the same kill points in a row on one machine (what the lab tests run: one full run's time).
  {
    ...killChain('chain-boundaries', 'SIGKILL at 3 step boundaries in a row (+ temp files of a write killed earlier)', BOUNDARY_KILLS),
    // What a run killed inside the backup copy or the replace leaves: our temp files. The next write tidies them.
    async prepare(user) {
      const old = new Date(Date.now() - 60_000);
      for (const n of ['.config.json.0123456789ab.tmp', '.config.json.registry-setup.bak.ba9876543210.tmp']) {
        const f = join(user.dockerConfig, n);
        await writeFile(f, '{"credHelp');
        await utimes(f, old, old);
      }
    },
  },
  killChain('chain-inside', 'SIGKILL inside 3 steps in a row (operation, config write, push)', INSIDE_KILLS, INSIDE_WORLD, SLOW_UPLOAD),

  // Undo after a complete setup: killed while the repository's delete operation runs, then run again.
  {
    id: 'kill-undo',
    group: 'kill',
    fault: 'SIGKILL during undo --yes --delete-repository (the delete operation pending), then undo again',
    expected: 'the second undo completes: repository gone, entry gone, every other key kept, record cleared',
    world: world({ operationPendingPolls: 2 } as Partial<WorldSpec>),
    endsComplete: false,
    async play(ctx) {
      const setup = await ctx.run();
      const first = await ctx.run(UNDO_ARGS, { kill: UNDO_KILL });
      const second = await ctx.run(UNDO_ARGS);
      return `setup exit ${setup.code}, undo ${first.killed ? 'killed' : `not killed (exit ${first.code})`} → undo again exit ${second.code}`;
    },
    check(ctx, end) {
      const [setup, first, second] = ctx.runs;
      const p: string[] = [];
      if (setup!.code !== 0) p.push(`the setup failed: ${setup!.all.slice(-1200)}`);
      if (!first!.killed) p.push(`the first undo was not killed (exit ${first!.code}): ${first!.all.slice(-800)}`);
      if (second!.code !== 0) p.push(`the second undo exit ${second!.code}: ${second!.all.slice(-1500)}`);
      // The first run took the entry and the tags before it was killed; the second finds the repository gone.
      if (!/Already gone[\s\S]*repository mycoolproject-repo/.test(second!.all)) p.push(`the second undo did not find the repository gone: ${second!.all.slice(-1500)}`);
      return [...p, ...undoneProblems(end)];
    },
  },
  {
    id: 'permission-delete',
    group: 'user',
    fault: 'PERMISSION_DENIED on repositories.delete (undo --yes --delete-repository)',
    expected: 'exit 1 naming roles/artifactregistry.admin; the entry and tags go, the repository stays on record',
    world: world({}, { deniedPermissions: ['artifactregistry.repositories.delete'] }),
    endsComplete: false,
    async play(ctx) {
      await ctx.run();
      return codes({ ...ctx, runs: [await ctx.run(UNDO_ARGS)] });
    },
    check(ctx, end) {
      const p = failedWith(last(ctx), 1, ['roles/artifactregistry.admin', 'artifactregistry.repositories.delete']);
      if (end.repositories.length !== 1) p.push(`repositories: ${JSON.stringify(end.repositories)}`);
      if (JSON.stringify(end.credHelpers) !== JSON.stringify(BEFORE.credHelpers)) p.push(`credHelpers: ${JSON.stringify(end.credHelpers)}`);
      if (!end.progress.done.includes('repository')) p.push(`the record no longer holds the repository: ${JSON.stringify(end.progress)}`);
      return p;
    },
  },

  // Transient API faults.
  {
    id: 'transient-api',
    group: 'transient',
    fault: '503×2 repositories get, 429 create, reset + 1.5 s latency locations',
    expected: 'retried with a note; exit 0',
    world: world({
      faults: [
        { kind: 'reset', method: 'GET', path: '/locations$', times: 1 },
        { kind: 'latency', ms: 1500, method: 'GET', path: '/locations$', times: 1 },
        { kind: 'status', status: 503, method: 'GET', path: '/repositories/', times: 2 },
        { kind: 'status', status: 429, method: 'POST', path: '/repositories$', times: 1 },
      ] as FaultSpec[],
    }),
    endsComplete: true,
    async play(ctx) {
      const r = await ctx.run();
      return `exit ${r.code}, ${(r.all.match(/retrying in [\d.]+ s, attempt \d of \d/g) ?? []).length} retry notes`;
    },
    check(ctx, end) {
      const p = completeProblems(ctx, end);
      if (!RETRY_NOTE.test(last(ctx).all)) p.push('no "retrying in … attempt 2 of 5" note');
      return p;
    },
  },
  {
    id: 'transient-exhausted',
    group: 'transient',
    fault: '503×5 on repositories get (beyond the retry budget)',
    expected: 'exit 1 "gave up after 5 attempts"; rerun resumes, exit 0',
    world: world({ faults: [{ kind: 'status', status: 503, method: 'GET', path: '/repositories/', times: 5 }] as FaultSpec[] }),
    endsComplete: true,
    async play(ctx) {
      const a = await ctx.run();
      const b = await ctx.run();
      return `exit ${a.code} → rerun exit ${b.code}`;
    },
    check(ctx, end) {
      const [a, b] = ctx.runs;
      const p = failedWith(a!, 1, [/gave up after 5 attempts/, /attempt 5 of 5/, /resumes where it stopped|run registry-setup again/i]);
      // The first run stopped at a question's look-up, before anything changed: the rerun goes on
      // from the answers it saved (project and region are not asked or looked up again).
      if (!/Resuming saved progress/.test(b!.all)) p.push(`the rerun did not resume: ${b!.all.slice(0, 1200)}`);
      return [...p, ...completeProblems(ctx, end)];
    },
  },

  // Errors that need the user.
  {
    id: 'permission-create',
    group: 'user',
    fault: 'PERMISSION_DENIED on repositories.create',
    expected: 'exit 1 naming roles/artifactregistry.admin + grant command',
    world: world({}, { deniedPermissions: ['artifactregistry.repositories.create'] }),
    endsComplete: false,
    async play(ctx) {
      return codes({ ...ctx, runs: [await ctx.run()] });
    },
    check: (ctx) =>
      failedWith(last(ctx), 1, ['roles/artifactregistry.admin', `gcloud projects add-iam-policy-binding ${PROJECT} --member=user:newcomer@example.com --role=roles/artifactregistry.admin`]),
  },
  {
    id: 'permission-cleanup',
    group: 'user',
    fault: 'PERMISSION_DENIED on the cleanup policy update (--cleanup keep=5, no artifactregistry.repositories.update)',
    expected: 'exit 1 naming the permission, the role and --cleanup none; the setup so far kept; after the grant the rerun resumes and sets the policy',
    world: world({}, { deniedPermissions: ['artifactregistry.repositories.update'] }),
    endsComplete: true,
    async play(ctx) {
      const args = [...BASE_ARGS, '--cleanup', 'keep=5'];
      const a = await ctx.run(args);
      const state = ctx as ScenarioContext & { afterFailure?: EndState; policies?: unknown };
      state.afterFailure = await measure(ctx.lab, ctx.user);
      // A project owner grants the role: the same repository (as the first run created it) and its images.
      await ctx.lab.setWorld(world({ repositories: [{ project: PROJECT, location: LOCATION, repositoryId: REPO, format: 'DOCKER' }] } as Partial<WorldSpec>), { keepImages: true });
      const b = await ctx.run(args);
      const w = (await ctx.lab.world()) as { repositories?: { repositoryId?: string; cleanupPolicies?: Record<string, unknown> }[] };
      state.policies = w.repositories?.find((r) => r.repositoryId === REPO)?.cleanupPolicies;
      return `exit ${a.code} → after the grant, rerun exit ${b.code}`;
    },
    check(ctx, end) {
      const { afterFailure, policies } = ctx as ScenarioContext & { afterFailure?: EndState; policies?: unknown };
      const [a, b] = ctx.runs;
      const p = failedWith(a!, 1, [
        'may not change the cleanup policies of repositories in project mycoolproject-prod (missing permission artifactregistry.repositories.update)',
        `gcloud projects add-iam-policy-binding ${PROJECT} --member=user:newcomer@example.com --role=roles/artifactregistry.admin`,
        'run registry-setup again with --cleanup none',
      ]);
      // Nothing lost: every step before the cleanup is saved as done, and its work is in place.
      const before = ['preflight', 'project', 'region', 'repository', 'docker-auth', 'push'];
      if (JSON.stringify(afterFailure?.progress.done) !== JSON.stringify(before)) p.push(`saved progress after the failure: ${JSON.stringify(afterFailure?.progress)}`);
      if (!afterFailure?.tagsOnOneDigest) p.push(`images after the failure: ${JSON.stringify(afterFailure?.images)}`);
      // The rerun resumed: the push was re-checked, not redone; then the policy was set.
      if (!/Resuming saved progress/.test(b!.all) || !/Push the first image: .*\(done earlier, still in place\)/.test(b!.all)) p.push(`the rerun did not resume: ${b!.all.slice(0, 1500)}`);
      const keep = (policies as Record<string, { mostRecentVersions?: { keepCount?: number } }> | undefined)?.['keep-most-recent']?.mostRecentVersions?.keepCount;
      if (keep !== 5 || Object.keys(policies ?? {}).length !== 2) p.push(`the repository's policies after the rerun: ${JSON.stringify(policies)}`);
      return [...p, ...completeProblems(ctx, end)];
    },
  },
  {
    id: 'permission-push',
    group: 'push',
    fault: 'push denied (no uploadArtifacts permission)',
    expected: 'exit 1 naming roles/artifactregistry.writer',
    world: world({}, { deniedPermissions: ['artifactregistry.repositories.uploadArtifacts'] }),
    endsComplete: false,
    async play(ctx) {
      return codes({ ...ctx, runs: [await ctx.run()] });
    },
    check: (ctx) => failedWith(last(ctx), 1, ['roles/artifactregistry.writer', 'gcloud projects add-iam-policy-binding']),
  },
  {
    id: 'service-disabled',
    group: 'user',
    fault: 'SERVICE_DISABLED (API off, 3 s to propagate), --yes',
    expected: 'enables it with gcloud services enable, waits, exit 0',
    world: world({ enableDelayMs: 3000 } as Partial<WorldSpec>, { apiEnabled: false }),
    endsComplete: true,
    async play(ctx) {
      const since = ((await ctx.lab.requests()).at(-1)?.seq ?? 0) as number;
      const r = await ctx.run();
      const enables = (await ctx.lab.requests(since)).filter((q) => q.client === 'gcloud' && /:enable$/.test(q.path));
      (ctx as ScenarioContext & { enables?: number }).enables = enables.length;
      return `exit ${r.code}, ${enables.length} gcloud services enable call(s)`;
    },
    check(ctx, end) {
      const p = completeProblems(ctx, end);
      if (!(ctx as ScenarioContext & { enables?: number }).enables) p.push('gcloud services enable was not called');
      // It waited while the enablement propagated (the API still answered SERVICE_DISABLED for 3 s).
      if (!/the API is not active yet; trying again/.test(ctx.runs[0]!.all) || !/Artifact Registry API: enabled/.test(ctx.runs[0]!.all)) p.push('no wait for the API to become active was shown');
      return p;
    },
  },
  {
    id: 'billing-off',
    group: 'user',
    fault: 'billing disabled on the project',
    expected: 'exit 1 with the console billing link',
    world: world({}, { billing: false }),
    endsComplete: false,
    async play(ctx) {
      return codes({ ...ctx, runs: [await ctx.run()] });
    },
    check: (ctx) => failedWith(last(ctx), 1, [`https://console.cloud.google.com/billing/linkedaccount?project=${PROJECT}`]),
  },
  {
    id: 'unauthenticated',
    group: 'user',
    fault: 'the token of the gcloud login is refused (UNAUTHENTICATED)',
    expected: 'refreshes once, then exit 1 pointing to gcloud auth login',
    world: world(),
    user: { staleToken: true },
    endsComplete: false,
    async play(ctx) {
      const since = ((await ctx.lab.requests()).at(-1)?.seq ?? 0) as number;
      const r = await ctx.run();
      const refused = (await ctx.lab.requests(since)).filter((q) => q.client === 'node' && q.auth === 'invalid');
      (ctx as ScenarioContext & { refused?: number }).refused = refused.length;
      return `exit ${r.code}, ${refused.length} API call(s) refused`;
    },
    check(ctx) {
      const p = failedWith(last(ctx), 1, ['gcloud auth login']);
      const n = (ctx as ScenarioContext & { refused?: number }).refused ?? 0;
      if (n !== 2) p.push(`expected one call + one retry after a token refresh, saw ${n} refused API calls`);
      return p;
    },
  },
  {
    id: 'maven-taken',
    group: 'user',
    fault: `a MAVEN repository named ${REPO} exists`,
    expected: 'exit 1 naming --repository',
    world: world({ repositories: [{ project: PROJECT, location: LOCATION, repositoryId: REPO, format: 'MAVEN' }] } as Partial<WorldSpec>),
    endsComplete: false,
    async play(ctx) {
      return codes({ ...ctx, runs: [await ctx.run()] });
    },
    check: (ctx) => failedWith(last(ctx), 1, ['--repository', /MAVEN/]),
  },
  {
    id: 'immutable-latest',
    group: 'push',
    fault: 'immutable tags, latest already on another image',
    expected: 'exit 1 explaining immutable tags',
    world: world({ repositories: [{ project: PROJECT, location: LOCATION, repositoryId: REPO, format: 'DOCKER', immutableTags: true }] } as Partial<WorldSpec>),
    endsComplete: false,
    async play(ctx) {
      await pushOtherLatest(ctx);
      return codes({ ...ctx, runs: [await ctx.run()] });
    },
    check: (ctx) => failedWith(last(ctx), 1, [/immutable tags/i, /latest/]),
  },
  {
    id: 'no-helper',
    group: 'push',
    fault: 'docker-credential-gcloud not on PATH',
    expected: 'exit 1 explaining the missing helper',
    world: world(),
    user: { withoutHelper: true },
    endsComplete: false,
    async play(ctx) {
      return codes({ ...ctx, runs: [await ctx.run()] });
    },
    check: (ctx) => {
      const r = last(ctx);
      const p = failedWith(r, 1, [/\[FAIL\] docker-credential-gcloud on PATH: .*not found on PATH/, /gcloud components install docker-credential-gcloud|gcloud bin folder/]);
      // Only the helper is missing: gcloud itself and the login are fine.
      if (!/\[ok  \] gcloud CLI/.test(r.all) || !/\[ok  \] gcloud login/.test(r.all)) p.push(`gcloud itself was not found with this PATH: ${r.all.slice(-1500)}`);
      return p;
    },
  },
  {
    id: 'broken-helper',
    group: 'push',
    fault: 'docker-credential-gcloud on PATH, but it fails (exit 1)',
    expected: 'exit 1: the helper gave no credential, in its own words',
    world: world(),
    user: { brokenHelper: true },
    endsComplete: false,
    async play(ctx) {
      return codes({ ...ctx, runs: [await ctx.run()] });
    },
    check: (ctx) => failedWith(last(ctx), 1, [/docker-credential-gcloud gave no credential for southamerica-east1-docker\.pkg\.dev \(.*this helper is broken on purpose\)/, 'gcloud auth login']),
  },
  {
    id: 'push-reset',
    group: 'push',
    fault: 'connection reset once on a blob upload',
    expected: 'Docker retries the layer, exit 0, digest verified',
    scriptOnly: true, // Docker's own 5 s layer-retry wait; push-reset-manifest covers the dropped connection in npm test
    world: world({
      faults: [
        { kind: 'reset', method: 'PATCH', path: '/blobs/uploads/', times: 1 },
      ] as FaultSpec[],
    }),
    endsComplete: true,
    async play(ctx) {
      const r = await ctx.run();
      return `exit ${r.code}`;
    },
    check(ctx, end) {
      const p = completeProblems(ctx, end);
      const digest = end.images[0]?.digest;
      if (!digest || !last(ctx).all.includes(`in the registry: ${IMAGE}@${digest}`)) p.push('the pushed digest was not verified in the registry');
      return p;
    },
  },
  {
    id: 'push-reset-manifest',
    group: 'push',
    fault: 'connection reset once on the manifest upload (docker push fails)',
    expected: 'wizard pushes again once, exit 0, digest verified',
    world: world({ faults: [{ kind: 'reset', method: 'PUT', path: '/manifests/latest$', times: 1 }] as FaultSpec[] }),
    endsComplete: true,
    async play(ctx) {
      const r = await ctx.run();
      return `exit ${r.code}, ${(r.all.match(/the connection dropped; pushing again/g) ?? []).length} push retry`;
    },
    check(ctx, end) {
      const p = completeProblems(ctx, end);
      if ((last(ctx).all.match(/the connection dropped; pushing again/g) ?? []).length !== 1) p.push('the wizard did not push again exactly once');
      const digest = end.images[0]?.digest;
      if (!digest || !last(ctx).all.includes(`in the registry: ${IMAGE}@${digest}`)) p.push('the pushed digest was not verified in the registry');
      return p;
    },
  },
  // doctor after each kind of drift, then doctor --fix.
  ...DOCTOR_SCENARIOS,
];

/** Puts another image at :latest in the repository (docker build + push, outside the wizard). */
async function pushOtherLatest(ctx: ScenarioContext): Promise<void> {
  const ctxDir = join(ctx.user.root, 'other-image');
  await mkdir(ctxDir, { recursive: true });
  await writeFile(join(ctxDir, 'other.txt'), `another image ${Date.now()}\n`);
  await writeFile(join(ctxDir, 'Dockerfile'), 'FROM scratch\nCOPY other.txt /\n');
  const ref = `${HOST}/${PROJECT}/${REPO}/${IMAGE}:latest`;
  const env = { ...ctx.user.env, DOCKER_CONFIG: await ctx.lab.newDockerConfig(`faults-other-${Date.now()}`, { credHelpers: { [HOST]: 'gcloud' } }) };
  await execa('docker', ['build', '-q', '-t', ref, ctxDir], { env, extendEnv: false });
  await execa('docker', ['push', '-q', ref], { env, extendEnv: false });
}

/**
 * Google finishes a long-running operation on its own, whether or not anyone polls it; the
 * emulator only moves one forward when it is polled. After a kill we poll what the dead wizard
 * left pending (as Google's own clock would finish it), so the rerun sees what it would see.
 */
export async function finishOperations(lab: Lab): Promise<number> {
  const w = (await lab.world()) as { operations?: { name: string; api: string; done: boolean }[] };
  let n = 0;
  for (const op of w.operations ?? []) {
    if (op.done || op.api !== 'ar') continue;
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${lab.emulatorUrl}v1/${op.name}`, { headers: { authorization: `Bearer ${lab.token}` } });
      const body = (await res.json()) as { done?: boolean };
      if (body.done) break;
    }
    n++;
  }
  return n;
}

export async function runScenario(lab: Lab, sc: Scenario): Promise<ScenarioResult> {
  const t0 = Date.now();
  await lab.setWorld(sc.world);
  const user = await newUser(lab, sc.id, sc.user);
  await sc.prepare?.(user);
  const watch = new ConfigWatch(join(user.dockerConfig, 'config.json'));
  const ctx: ScenarioContext = {
    lab,
    user,
    runs: [],
    async run(args = BASE_ARGS, opts = {}) {
      if (opts.kill?.hold) await lab.addFaults(opts.kill.hold);
      const r = await runWizard(user, args, opts);
      if (opts.kill?.hold) await lab.clearFaults();
      ctx.runs.push(r);
      if (r.killed) await finishOperations(lab);
      return r;
    },
  };
  watch.start();
  let observed: string;
  try {
    observed = await sc.play(ctx);
  } finally {
    await watch.stop();
  }
  const end = await measure(lab, user);
  const problems = sc.check(ctx, end);
  // Every injected fault was really hit (else the scenario tested nothing).
  const pending = ((await lab.world()) as { faults?: unknown[] }).faults ?? [];
  if ((sc.world.faults ?? []).length && pending.length) problems.push(`faults never hit: ${JSON.stringify(pending)}`);
  if (watch.observations < 3) problems.push(`the Docker config was observed only ${watch.observations} times`);
  problems.push(...(await litter(user)));
  return { scenario: sc, user, runs: ctx.runs, end, observed, problems, dataLost: dataLost(end, watch, sc.endsComplete), ms: Date.now() - t0 };
}

/**
 * What a sequence of runs left in the user's folders beyond the file itself and one backup: temp
 * files of killed writes, second backups, locks. Checked after every scenario, whatever it expects.
 */
export async function litter(user: User): Promise<string[]> {
  const p: string[] = [];
  const folders = [
    { what: 'Docker config folder', dir: user.dockerConfig, file: 'config.json', backup: /^config\.json\.registry-setup\.bak$/ },
    { what: 'saved-progress folder', dir: join(user.xdg, 'registry-setup'), file: 'progress.json', backup: /^progress\.json\.(v0\.bak|corrupt-.+|newer-.+)$/ },
  ];
  for (const f of folders) {
    const names = existsSync(f.dir) ? (await readdir(f.dir)).sort() : [];
    const backups = names.filter((n) => f.backup.test(n));
    const other = names.filter((n) => n !== f.file && !f.backup.test(n));
    if (backups.length > 1 || other.length) p.push(`${f.what} holds ${names.join(', ')}`);
  }
  return p;
}

/** Removes a user's folders (project, XDG, TMPDIR, Docker config) once a test has looked at them. */
export async function removeUser(user: User): Promise<void> {
  await rm(user.root, { recursive: true, force: true });
  await rm(user.dockerConfig, { recursive: true, force: true });
}

export function scenario(id: string): Scenario {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
}
