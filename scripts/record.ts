// The README's picture: `npm run record`.
// Records a real practice-mode run (the lab: real gcloud, Docker and registry, our stand-in for
// Google's API) of the built CLI in a pseudo-terminal, answered the way a newcomer answers it, to
// docs/demo.cast (asciicast v2), then renders docs/demo.svg (animated) with svg-term.
//
// Reproducible: the lab's default world (its images cleared), a fresh Django-like project whose
// commit has fixed dates (so the same short sha), fixed paths, time zone and terminal size. Real
// timings, with long pauses shortened. The lab's token is a fake; the cast is checked for it anyway.
// The lab needs root; the wizard runs as an ordinary user (nobody), as a newcomer runs it, with a
// copy of the lab's gcloud configuration of its own and, for the recording, the lab's Docker socket
// opened to it.

import { execFileSync } from 'node:child_process';
import { chmod, copyFile, cp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { labDown, labPrerequisites, labUp, type Lab } from '../test/lab/lab.js';
import { DEFAULT_WORLD, REPO_ROOT } from '../test/lab/layout.js';
import { djangoProject } from '../test/lab/project.js';
import { KEY, runCli, type CliSession } from '../test/e2e/pty.js';
import { CastRecorder } from './cast.js';

const COLS = 100;
const ROWS = 32;
const TZ = 'Europe/Berlin'; // the region question suggests europe-west3, and says why
const WORK = '/tmp/registry-setup-demo'; // fixed: the wizard shows paths under it
const CAST = join(REPO_ROOT, 'docs', 'demo.cast');
const SVG = join(REPO_ROOT, 'docs', 'demo.svg');
const MAX_IDLE = 2; // seconds: a longer pause is shortened to this
const TYPING_MS = 110; // per key, like a person typing

const USER = { uid: 65534, gid: 65534 }; // nobody

const started = performance.now();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function say(line: string): void {
  process.stderr.write(`record: [${((performance.now() - started) / 1000).toFixed(1)} s] ${line}\n`);
}

/** A fresh practice folder: the project (same sha every time) and an empty home. */
async function practiceFolder(): Promise<{ dir: string; home: string }> {
  await rm(WORK, { recursive: true, force: true });
  const home = join(WORK, 'home');
  await mkdir(home, { recursive: true });
  // djangoProject's git commit takes these from the environment: the same commit, so the same sha.
  process.env.GIT_AUTHOR_DATE = process.env.GIT_COMMITTER_DATE = '2025-01-06T09:00:00+01:00';
  const { dir } = await djangoProject(WORK, 'mycoolproject');
  return { dir, home };
}

/** The lab's dockerd forgets images of earlier runs (their tags would show in the push step). */
function forgetLocalImages(lab: Lab): void {
  const env = lab.toolEnv();
  const refs = execFileSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env, encoding: 'utf8' })
    .split('\n')
    // An untagged leftover (REPO:<none>) cannot be named that way, and shows nowhere in the push.
    .filter((r) => /-docker\.pkg\.dev\/|^registry-setup-verify:/.test(r) && !r.endsWith(':<none>'));
  if (refs.length) execFileSync('docker', ['image', 'rm', '--force', ...refs], { env, stdio: 'ignore' });
}

/**
 * What the ordinary user needs from the lab: its own copy of the lab's gcloud configuration and token
 * (gcloud writes to its configuration folder), and the Docker socket (opened until `restore`).
 */
async function lendLab(lab: Lab): Promise<{ env: Record<string, string>; restore: () => Promise<void> }> {
  const gcloud = join(WORK, 'gcloud');
  const token = join(WORK, 'token');
  await cp(lab.env.CLOUDSDK_CONFIG, gcloud, { recursive: true });
  await copyFile(lab.tokenFile, token);
  execFileSync('chown', ['-R', `${USER.uid}:${USER.gid}`, WORK]);
  const sock = lab.env.DOCKER_HOST.replace(/^unix:\/\//, '');
  const mode = (await stat(sock)).mode & 0o777;
  await chmod(sock, 0o666);
  return {
    env: { CLOUDSDK_CONFIG: gcloud, CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: token },
    restore: () => chmod(sock, mode),
  };
}

/** Types `text` one key at a time, as a person does. */
async function typeSlowly(cli: CliSession, text: string): Promise<void> {
  for (const ch of text) {
    cli.type(ch);
    await sleep(TYPING_MS);
  }
}

/** Waits for a question, leaves it on screen for a moment (to be read), then answers it. */
async function answer(cli: CliSession, question: RegExp, readMs: number, keys: (cli: CliSession) => Promise<void> = async (c) => c.type(KEY.ENTER)): Promise<void> {
  await cli.waitFor(question, 120_000);
  say(`question: ${question.source.split('[')[0].replace(/\\/g, '')}`);
  await cli.settled(300);
  await sleep(readMs);
  cli.mark();
  await keys(cli);
}

async function drive(cli: CliSession): Promise<void> {
  await answer(cli, /Project for the repository/, 1500);
  await answer(cli, /Region \(type to filter\)[\s\S]*europe-west3/, 2500, async (c) => {
    await typeSlowly(c, 'europe');
    await c.waitFor(/❯ europe-west3/);
    await c.settled(300);
    await sleep(1200);
    c.type(KEY.ENTER);
  });
  await answer(cli, /Repository ID/, 1200);
  await answer(cli, /Image name/, 1200);
  await answer(cli, /What to push first/, 1800);
  await answer(cli, /Cleanup policy[\s\S]*Today\s+it\s+would/, 2500);
  await answer(cli, /Go ahead with this plan\?/, 3500);
}

async function record(lab: Lab): Promise<string> {
  await lab.setWorld(DEFAULT_WORLD);
  await lab.clearImages();
  forgetLocalImages(lab);
  const { dir, home } = await practiceFolder();
  const lent = await lendLab(lab);
  const env = lab.toolEnv({
    ...lent.env,
    HOME: home,
    DOCKER_CONFIG: undefined, // the newcomer's own ~/.docker/config.json, under HOME
    XDG_CONFIG_HOME: join(home, '.config'),
    TZ,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    CI: undefined,
    NO_COLOR: undefined,
    FORCE_COLOR: undefined,
    COLORTERM: undefined,
  });
  const cast = new CastRecorder({ version: 2, width: COLS, height: ROWS, title: 'registry-setup: a practice run', env: { TERM: 'xterm-256color', SHELL: '/bin/bash' } }, { maxIdle: MAX_IDLE });
  // The command line as a person types it at a shell prompt (the wizard starts when it is typed).
  cast.output('$ ');
  for (const ch of 'npx registry-setup') {
    await sleep(TYPING_MS);
    cast.output(ch);
  }
  await sleep(500);
  cast.output('\r\n');
  const cli = runCli([], { cwd: dir, env, cols: COLS, rows: ROWS, user: USER, onData: (d) => cast.output(d) });
  try {
    await drive(cli);
    const code = await cli.exited;
    say(`the wizard exited (${code})`);
    if (code !== 0) throw new Error(`the wizard exited with ${code}:\n${cli.output.slice(-2000)}`);
  } finally {
    cli.kill();
    await lent.restore();
  }
  cast.hold(8);
  const text = cast.text();
  const token = lab.token;
  for (const secret of [token, 'ya29.', 'Bearer ', 'PRIVATE KEY']) {
    if (secret && text.includes(secret)) throw new Error(`the recording shows something secret-looking (${secret.slice(0, 4)}…): not written`);
  }
  return text;
}

async function main(): Promise<number> {
  const problems = labPrerequisites();
  if (problems.length) {
    say('recording needs the lab, which cannot start here:');
    for (const p of problems) say(`  - ${p}`);
    return 1;
  }
  say('starting the lab…');
  const lab = await labUp({ world: DEFAULT_WORLD, log: (l) => say(l) });
  let text: string;
  try {
    say(`recording a practice run at ${COLS}x${ROWS}, TZ=${TZ}…`);
    text = await record(lab);
  } finally {
    if (lab.startedHere && !process.env.LAB_KEEP) {
      say('taking the lab down…');
      await labDown({ dir: lab.dir, log: (l) => say(l) });
    }
    await rm(WORK, { recursive: true, force: true });
  }
  await mkdir(join(REPO_ROOT, 'docs'), { recursive: true });
  await writeFile(CAST, text);
  say(`wrote ${CAST}; rendering ${SVG}…`);
  // svg-term with the preload that gives its React 16 renderer React 16 elements (see the file).
  const svgTerm = resolve(REPO_ROOT, 'node_modules', 'svg-term-cli', 'lib', 'cli.js');
  const args = ['--in', CAST, '--out', SVG, '--window', '--width', String(COLS), '--height', String(ROWS), '--no-cursor'];
  execFileSync(process.execPath, ['-r', join(REPO_ROOT, 'scripts', 'svg-term-react16.cjs'), svgTerm, ...args], { stdio: 'inherit' });
  say(`wrote ${SVG}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    say(`could not record: ${(e as Error).message}`);
    process.exit(1);
  },
);
