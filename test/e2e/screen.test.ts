// Screen-level, on the lab: the built CLI in a pty of a given width, its output applied by a
// headless terminal (./screen.ts); we assert on the rows a user sees, at 60, 80, 120 and 200
// columns: a newcomer's run, a resumed run and a failure panel.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { connectLab, type Lab } from '../lab/lab.js';
import { djangoProject } from '../lab/project.js';
import { KEY } from './pty.js';
import { repeatedRows, runScreen, tooWide, type Row, type ScreenSession } from './screen.js';

const PROJECT = 'mycoolproject-prod';
const WIDTHS = [60, 80, 120, 200];

let lab: Lab;

beforeAll(async () => {
  const found = await connectLab(inject('lab').dir);
  if (!found) throw new Error(`the lab in ${inject('lab').dir} is not up`);
  lab = found;
});

interface Machine {
  dir: string;
  env: Record<string, string>;
}

async function machine(name: string, extra: Record<string, string | undefined> = {}): Promise<Machine> {
  const root = await mkdtemp(join(tmpdir(), `rs-screen-${name}-`));
  const { dir } = await djangoProject(root, 'mycoolproject');
  const dockerConfig = await lab.newDockerConfig(`screen-${name}-${Date.now()}`, {});
  const env = lab.toolEnv({ DOCKER_CONFIG: dockerConfig, XDG_CONFIG_HOME: join(root, 'xdg'), CLOUDSDK_CORE_PROJECT: PROJECT, CI: undefined, TZ: 'UTC', ...extra });
  return { dir, env };
}

/** Answers every question with its default, as a newcomer pressing Enter would. */
async function acceptDefaults(s: ScreenSession): Promise<number> {
  for (const q of [/Project for the repository/, /Region \(type to filter\)/, /Repository ID/, /Image name/, /What to push first/, /Go ahead with this plan/]) {
    await s.cli.waitFor(q, 60_000);
    await s.cli.settled();
    s.cli.type(KEY.ENTER);
  }
  return s.cli.exited;
}

async function dump(name: string, s: ScreenSession): Promise<void> {
  await writeFile(`/tmp/screen-${name}-${s.cols}.txt`, s.rows().map((r: Row) => `${r.wrapsOn ? '↵' : ' '}${r.text}`).join('\n') + '\n');
}

describe.each(WIDTHS)('at %i columns', (cols) => {
  it('a newcomer run', async () => {
    await lab.setWorld({ projects: [{ projectId: PROJECT, name: 'My Cool Project', apiEnabled: true, billing: true }] });
    const m = await machine(`new${cols}`);
    const s = runScreen([], { cwd: m.dir, env: m.env, cols });
    try {
      const code = await acceptDefaults(s);
      await dump('newcomer', s);
      expect(code, s.text()).toBe(0);
      expect(tooWide(s.rows(), cols)).toEqual([]);
      expect(repeatedRows(s.rows())).toEqual([]);
    } finally {
      s.cli.kill();
    }
  });
});
