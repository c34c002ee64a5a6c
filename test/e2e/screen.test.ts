// Screen-level, on the lab: the built CLI in a pty of a given width, its output applied by a
// headless terminal (./screen.ts); we assert on the rows a user sees, at 60, 80, 120 and 200
// columns: a newcomer's run, a resumed run and a failure panel.

import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { djangoProject } from '../lab/project.js';
import { KEY } from './pty.js';
import { repeatedRows, runScreen, tooWide, type Row, type ScreenSession } from './screen.js';

const PROJECT = 'mycoolproject-prod';
const WIDTHS = [60, 80, 120, 200];

let lab: Lab;

beforeAll(async () => {
  lab = await theLab();
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

const CLEANUP = /Cleanup policy/;
const NEWCOMER = [/Project for the repository/, /Region \(type to filter\)/, /Repository ID/, /Image name/, /What to push first/, CLEANUP, /Go ahead with this plan/];
const HEADINGS = ['? Choose the Google Cloud project', '? Choose the region', '? Create the Docker repository', '? Push the first image', '? Add a cleanup policy', '? The plan'];

/** Answers each question with its default, as a newcomer pressing Enter would. */
async function pressEnterAt(s: ScreenSession, questions: RegExp[], look?: (q: RegExp) => Promise<void>): Promise<void> {
  for (const q of questions) {
    await s.cli.waitFor(q, 60_000);
    await s.cli.settled();
    await look?.(q);
    s.cli.type(KEY.ENTER);
  }
}

/** The labels of the finished-step lines ("✓ Region       southamerica-east1" → Region). */
function stepLabels(rows: Row[]): string[] {
  return rows.map((r) => /^[✓✗■] (\S+(?: \S+)?) {2,}/.exec(r.text)?.[1]).filter((l): l is string => !!l);
}

/** What every screen must be: nothing wider than the terminal, no line twice, no label twice. */
function expectClean(s: ScreenSession): void {
  const rows = s.rows();
  expect(tooWide(rows, s.cols), s.text()).toEqual([]);
  expect(repeatedRows(rows), s.text()).toEqual([]);
  const labels = stepLabels(rows);
  expect(labels.length, s.text()).toBeGreaterThan(0);
  expect(labels).toEqual([...new Set(labels)]);
}

async function run(m: Machine, cols: number, questions: RegExp[], opts: { stopAt?: RegExp; look?: (s: ScreenSession, q: RegExp) => Promise<void> } = {}): Promise<{ s: ScreenSession; code: number }> {
  const s = runScreen([], { cwd: m.dir, env: m.env, cols });
  try {
    await pressEnterAt(s, questions, opts.look && ((q) => opts.look!(s, q)));
    if (opts.stopAt) {
      await s.waitForScreen(opts.stopAt);
      s.cli.type(KEY.CTRL_C);
    }
    return { s, code: await s.cli.exited };
  } finally {
    s.cli.kill();
  }
}

const oneProject = (extra: Record<string, unknown> = {}) => ({ projects: [{ projectId: PROJECT, name: 'My Cool Project', apiEnabled: true, billing: true, ...extra }] });
// Teaching lines (src/steps/explain.ts TEACH) as they start on screen.
const TEACHING = /pulling images within one region costs nothing|the git sha tag never moves|short-lived token from gcloud/;

describe.each(WIDTHS)('at %i columns', (cols) => {
  it('a newcomer run: one heading per step with questions, one line per step, teaching under it', async () => {
    await lab.setWorld(oneProject());
    // While the cleanup offer waits: what it would delete today is the highlighted choice's dim line, and it fits.
    const look = async (s: ScreenSession, q: RegExp) => {
      if (q !== CLEANUP) return;
      await s.waitForScreen(/❯ Keep the 10 most recent versions\n(.*\n)*.*Today it would delete\s+nothing/);
      expect(tooWide(s.rows(), cols), s.text()).toEqual([]);
    };
    const { s, code } = await run(await machine(`new${cols}`), cols, NEWCOMER, { look });
    expect(code, s.text()).toBe(0);
    expectClean(s);
    expect(s.rows().filter((r) => r.text.startsWith('? ')).map((r) => r.text)).toEqual(HEADINGS);
    expect(stepLabels(s.rows())).toEqual(['Tools', 'Project', 'Region', 'Repository', 'Docker auth', 'Push', 'Cleanup', 'Summary']);
    // The offer taken with Enter: keep 10, and what it would delete today on the choice's dim line.
    expect(s.text()).toMatch(/^✓ Cleanup +keep 10 most recent, delete untagged/m);
    expect(s.text()).toMatch(/✔ Cleanup policy keep 10 recent versions/);
    expect(s.text()).toMatch(TEACHING);
  });

  it('a resumed run (stopped with Ctrl-C in the push, run again): compact, no teaching', async () => {
    await lab.setWorld(oneProject());
    const m = await machine(`resume${cols}`);
    // The registry answers the push slowly, so the Ctrl-C surely lands in it (after the repository and Docker's login).
    await lab.addFaults([{ kind: 'latency', ms: 30_000, path: '^/v2/', times: 50 }]);
    const first = await run(m, cols, NEWCOMER, { stopAt: /✓ Docker auth/ }).finally(() => lab.clearFaults());
    expect(first.code, first.s.text()).toBe(130);
    expectClean(first.s);
    const { s, code } = await run(m, cols, [/Resume where you stopped/, /Go ahead with this plan/]);
    expect(code, s.text()).toBe(0);
    expectClean(s);
    expect(s.text()).toMatch(/re-checked/);
    // The cleanup answer given before the Ctrl-C is kept: not asked again, applied now.
    expect(s.text()).toMatch(/^✓ Cleanup +keep 10 most recent, delete untagged/m);
    expect(s.text()).not.toMatch(TEACHING);
  });

  it('a failure panel (no permission to create the repository): the step line says failed, the panel fits', async () => {
    await lab.setWorld(oneProject({ deniedPermissions: ['artifactregistry.repositories.create'] }));
    const { s, code } = await run(await machine(`fail${cols}`), cols, NEWCOMER);
    expect(code, s.text()).toBe(1);
    expectClean(s);
    expect(s.text()).toMatch(/^✗ Repository +failed$/m);
    expect(s.text()).toMatch(/What to do:/);
  });
});

describe('the region question, TZ=Europe/Berlin, 80 columns', () => {
  it('highlights europe-west3 and says why, on a line of its own', async () => {
    await lab.setWorld(oneProject());
    const m = await machine('berlin', { TZ: 'Europe/Berlin' });
    const s = runScreen([], { cwd: m.dir, env: m.env, cols: 80 });
    try {
      await pressEnterAt(s, [/Project for the repository/]);
      await s.waitForScreen(/❯ europe-west3 .*suggested/);
      await s.waitForScreen(/^.*nearest region to your time zone, Europe\/Berlin.*$/m);
      const rows = s.rows();
      expect(rows.find((r) => r.text.startsWith('❯'))?.text).toMatch(/^❯ europe-west3 {2}\(suggested\)$/);
      expect(tooWide(rows, 80)).toEqual([]);
    } finally {
      s.cli.kill();
    }
  });
});
