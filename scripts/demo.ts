// Practice mode: `npm run demo [-- wizard flags]`.
// Brings the lab up (real gcloud, real Docker, a real registry, our emulator for Google's API),
// makes a small practice Django project with a git repository, runs the wizard there in this
// terminal, and takes the lab down again on the way out (if this command started it).
// No Google account, no billing: a newcomer or a whole class can rehearse chapter 02.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { labDown, labPrerequisites, labUp } from '../test/lab/lab.js';
import { DEFAULT_PROJECT, REPO_ROOT } from '../test/lab/layout.js';
import type { WorldSpec } from '../test/lab/emulator/world.js';

const PRACTICE_WORLD: WorldSpec = {
  token: 'practice-token',
  projects: [
    { projectId: DEFAULT_PROJECT, name: 'My Cool Project', projectNumber: '482910375561', apiEnabled: true, billing: true },
    { projectId: 'mycoolproject-staging', name: 'My Cool Project (staging)', projectNumber: '482910375562', apiEnabled: false, billing: true },
    { projectId: 'class-sandbox-2041', name: 'Class sandbox', projectNumber: '482910375563', apiEnabled: true, billing: true },
  ],
};

function say(line: string): void {
  process.stderr.write(`practice: ${line}\n`);
}

async function practiceProject(dir: string): Promise<void> {
  await mkdir(join(dir, 'mycoolproject'), { recursive: true });
  if (!existsSync(join(dir, 'manage.py'))) {
    await writeFile(join(dir, 'manage.py'), '#!/usr/bin/env python\n"""A practice Django project (registry-setup practice mode)."""\n');
    await writeFile(join(dir, 'mycoolproject', '__init__.py'), '');
    await writeFile(join(dir, 'requirements.txt'), 'django\n');
  }
  if (!existsSync(join(dir, '.git'))) {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Practice', '-c', 'user.email=practice@example.com', ...args], { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'Start a practice project');
  }
}

async function main(): Promise<number> {
  const problems = labPrerequisites();
  if (problems.length) {
    say('practice mode needs the lab, which cannot start here:');
    for (const p of problems) say(`  - ${p}`);
    return 1;
  }
  say('starting the lab (a local stand-in for Google Cloud; real gcloud and Docker)…');
  const lab = await labUp({ log: (l) => say(l) });
  try {
    await lab.setWorld(PRACTICE_WORLD);
    const practiceDir = join(lab.dir, 'practice', 'mycoolproject');
    await practiceProject(practiceDir);
    // Each practice run is a fresh rehearsal in a fresh world: forget the last one's saved
    // progress, and start from a Docker config with unrelated entries (the wizard leaves them alone).
    const xdg = join(lab.dir, 'practice', 'config');
    await rm(xdg, { recursive: true, force: true });
    const dockerConfig = await lab.newDockerConfig('practice', { auths: { 'ghcr.io': {} }, psFormat: 'table {{.ID}}\t{{.Names}}' });
    const env = lab.toolEnv({ DOCKER_CONFIG: dockerConfig, XDG_CONFIG_HOME: xdg });
    say(`your practice project: ${practiceDir}`);
    say('running registry-setup there. Everything it does is real, against the lab.\n');
    const child = spawn(process.execPath, [resolve(REPO_ROOT, 'bin', 'registry-setup.js'), ...process.argv.slice(2)], {
      cwd: practiceDir,
      env,
      stdio: 'inherit',
    });
    // Ctrl-C reaches the wizard through the terminal; this process only waits for it to finish.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    const code = await new Promise<number>((res) => child.on('exit', (c, sig) => res(c ?? (sig === 'SIGINT' ? 130 : 1))));
    process.off('SIGINT', ignore);
    return code;
  } finally {
    if (lab.startedHere && !process.env.LAB_KEEP) {
      say('taking the lab down…');
      await labDown({ dir: lab.dir });
    }
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    say(`could not run practice mode: ${(e as Error).message}`);
    process.exit(1);
  },
);
