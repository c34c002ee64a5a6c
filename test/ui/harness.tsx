// A manual/tmux harness for the Ink UI and the prompt hand-over, with fake steps and real
// @inquirer/prompts (no gcloud, no Docker). Run: npx tsx test/ui/harness.tsx [flags]
// HARNESS_FAIL=repository makes that step fail. Uses the real Prompter adapter.
import process from 'node:process';
import { createPrompter } from '../../src/adapters/prompter.js';
import { createProgressStore } from '../../src/adapters/progress.js';
import { runCli } from '../../src/app/runCli.js';
import { mountInk } from '../../src/ui/mount.js';
import type { Env, SavedRun, ProgressStore } from '../../src/ports.js';
import type { Step, StepId } from '../../src/steps/types.js';
import { ExternalError, CancelError } from '../../src/errors.js';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((res, rej) => {
    const t = setTimeout(res, ms);
    const on = () => {
      clearTimeout(t);
      rej(new CancelError());
    };
    signal?.addEventListener('abort', on, { once: true });
    setTimeout(() => signal?.removeEventListener('abort', on), ms + 1);
  });

const fail = process.env.HARNESS_FAIL as StepId | undefined;
const mk = (id: StepId, title: string, explain: string, run: Step['run']): Step => ({
  id,
  title,
  explain,
  check: async () => ({ done: true }),
  run: async (ctx, env, signal) => {
    if (fail === id) {
      ctx.report.activity('gcloud auth configure-docker southamerica-east1-docker.pkg.dev --quiet');
      await sleep(300, signal);
      throw new ExternalError('gcloud exited with status 1', { command: 'gcloud auth configure-docker southamerica-east1-docker.pkg.dev --quiet', exitCode: 1, stderrTail: 'WARNING: something\nERROR: (gcloud.auth.configure-docker) permission denied' }, ['Run `gcloud auth login`, then run registry-setup again.']);
    }
    return run(ctx, env, signal);
  },
  plan: () => [`# ${title}`],
});

const steps: Step[] = [
  mk('preflight', 'Preflight', 'Checks that gcloud and Docker are installed and working before anything changes.', async (ctx, _e, signal) => {
    for (const l of ['gcloud', 'gcloud account', 'docker', 'docker-credential-gcloud', 'git']) ctx.report.item({ label: l, status: 'running' });
    for (const l of ['gcloud', 'gcloud account', 'docker', 'docker-credential-gcloud', 'git']) {
      await sleep(250, signal);
      ctx.report.item({ label: l, status: l === 'git' ? 'warn' : 'ok', detail: l === 'git' ? 'not a git repository' : 'ok', fix: l === 'git' ? 'run git init to get sha tags' : undefined });
    }
    return { state: {}, summary: 'gcloud, Docker and the credential helper are ready' };
  }),
  mk('project', 'Project', 'Picks the Google Cloud project that will own the repository and pay for its storage.', async (ctx, env, signal) => {
    ctx.report.activity('gcloud projects list --format=json');
    await sleep(400, signal);
    const p = await env.prompter.select({ message: 'Which project?', choices: [{ value: 'demo-proj', name: 'demo-proj' }, { value: 'other-proj', name: 'other-proj' }] }, { signal });
    ctx.report.activity(`checking the Artifact Registry API on ${p}`);
    await sleep(500, signal);
    return { state: { project: p }, summary: p, commands: [`gcloud config set project ${p}`] };
  }),
  mk('region', 'Region', 'Keeps your images in the same region as Cloud Run, so pulling them costs nothing.', async (ctx, env, signal) => {
    const r = await env.prompter.select({ message: 'Which region?', choices: ['southamerica-east1', 'us-central1', 'europe-west1'].map((v) => ({ value: v, name: v })) }, { signal });
    const name = await env.prompter.input({ message: 'Repository name?', default: 'demo-repo' }, { signal });
    return { state: { location: r, repository: name }, summary: r };
  }),
  mk('repository', 'Repository', 'Creates the Docker-format repository that will hold your images.', async (ctx, _e, signal) => {
    ctx.report.activity('artifactregistry.repositories.create demo-repo');
    await sleep(400, signal);
    ctx.report.note({ type: 'retry', text: 'retrying in 2 s, attempt 2 of 5', attempt: 2, of: 5, delayMs: 2000 });
    await sleep(1200, signal);
    for (let i = 1; i <= 8; i++) {
      ctx.report.note({ type: 'line', text: `operation poll ${i}: running` });
      await sleep(150, signal);
    }
    return { state: { repositoryName: 'projects/demo-proj/locations/southamerica-east1/repositories/demo-repo' }, summary: 'created demo-repo', commands: ['gcloud artifacts repositories create demo-repo --repository-format=docker --location=southamerica-east1'] };
  }),
  mk('docker-auth', 'Docker auth', 'Tells Docker to ask gcloud for credentials when it talks to your registry host.', async (ctx, env, signal) => {
    const ok = await env.prompter.confirm({ message: 'Add southamerica-east1-docker.pkg.dev to your Docker config?', default: true }, { signal });
    if (!ok) throw new CancelError('declined');
    ctx.report.activity('gcloud auth configure-docker southamerica-east1-docker.pkg.dev --quiet');
    await sleep(800, signal);
    return { state: { registryHost: 'southamerica-east1-docker.pkg.dev' }, summary: 'Docker gets credentials from gcloud', commands: ['gcloud auth configure-docker southamerica-east1-docker.pkg.dev'] };
  }),
  mk('push', 'First push', 'Tags your image with latest and the git sha, and pushes both.', async (ctx, _e, signal) => {
    ctx.report.activity('docker push southamerica-east1-docker.pkg.dev/demo-proj/demo-repo/app:latest');
    for (let p = 0; p <= 100; p += 20) {
      ctx.report.note({ type: 'layer', id: 'aaaaaaaaaaaa1111', status: p === 100 ? 'Pushed' : 'Pushing' });
      ctx.report.note({ type: 'layer', id: 'bbbbbbbbbbbb2222', status: 'Layer already exists' });
      await sleep(200, signal);
    }
    return { state: { imageUris: ['southamerica-east1-docker.pkg.dev/demo-proj/demo-repo/app:latest'], digest: 'sha256:0123' }, summary: 'pushed app:latest', commands: ['docker push …'] };
  }),
  mk('summary', 'Summary', 'What now exists and what comes next.', async () => ({ state: {}, summary: 'all set' })),
];

let saved: SavedRun | null = null;
// HARNESS_STORE=DIR: the real saved-progress store (conf) in DIR, to try resume for real.
const memStore: ProgressStore = {
  path: '/tmp/harness-progress.json',
  latest: async () => saved,
  save: async (r) => {
    saved = r;
  },
  clear: async () => {
    saved = null;
  },
};
const store: ProgressStore = process.env.HARNESS_STORE ? createProgressStore({ cwd: process.cwd(), configDir: process.env.HARNESS_STORE }) : memStore;

const nope = new Proxy({}, { get: () => { throw new Error('not in the harness'); } });
const code = await runCli({
  argv: process.argv.slice(2),
  processEnv: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  version: 'harness',
  steps,
  mountInk,
  makeEnv: async (hooks) => ({
    env: { gcloud: nope, api: nope, docker: nope, dockerConfig: nope, git: nope, files: nope, prompter: createPrompter({ input: process.stdin, output: process.stdout, ...hooks }), clock: { now: () => Date.now(), sleep: (ms: number) => sleep(ms), random: Math.random }, isRoot: false } as unknown as Env,
    store,
    warmUp: () => {},
  }),
  onSignal: (h) => {
    process.on('SIGINT', h);
    return () => process.off('SIGINT', h);
  },
  exitNow: (c) => process.exit(c),
});
if (process.env.HARNESS_LOG) (await import('node:fs')).appendFileSync(process.env.HARNESS_LOG, `code ${code}\n`);
process.stdout.write('', () => process.exit(code));
