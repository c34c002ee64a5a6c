// End to end, on the lab: `--plain` (or TERM=dumb) in a real terminal, as a screen reader user runs
// it. Every line is written once (no cursor movement, no redraw, no spinner, no colour: not one escape
// sequence in what the terminal receives), and the questions are still asked, one line each, answered
// by typing. And NO_COLOR: the live display stays, without a single colour.

import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { djangoProject } from '../lab/project.js';
import { runCli } from './pty.js';

const PROJECT = 'mycoolproject-prod';
const LOCATION = 'europe-west3';

let lab: Lab;

beforeAll(async () => {
  lab = await theLab();
});

describe('--plain, or TERM=dumb, in a terminal', () => {
  it.each([
    { case: '--plain', args: ['--plain'], term: 'xterm-256color' },
    { case: 'TERM=dumb', args: [], term: 'dumb' },
  ])('$case: asks each question on its own lines, takes typed answers, and never sends an escape sequence', async ({ args, term }) => {
    await lab.setWorld({ token: 'plain-token', projects: [{ projectId: PROJECT, name: 'My Cool Project', apiEnabled: true, billing: true }] });
    const root = await mkdtemp(join(tmpdir(), 'rs-e2e-plain-'));
    const { dir } = await djangoProject(root, 'mycoolproject');
    const dockerConfig = await lab.newDockerConfig('e2e-plain', {});
    const env = lab.toolEnv({ DOCKER_CONFIG: dockerConfig, XDG_CONFIG_HOME: join(root, 'xdg'), CI: undefined, TZ: 'UTC' });
    // The raw bytes the terminal receives, escapes and all (the session's output strips them).
    const cli = runCli(args, { cwd: dir, env, cols: 80, term });
    try {
      // A short list, every choice described; a number picks.
      await cli.waitFor(/Project for the repository\n  1\) mycoolproject-prod \(gcloud's active project\)\n  2\) Another project…\n/, 60_000);
      await cli.waitFor(/Type a number \(1-2\) or part of a name; Enter for mycoolproject-prod[^\n]*: $/);
      cli.type('1\r');
      await cli.waitFor("  → mycoolproject-prod (gcloud's active project)");

      // A long list: numbered choices, then one prompt line; typing part of a name narrows it.
      await cli.waitFor(/Region \(type to filter\)\n  1\) /, 60_000);
      await cli.waitFor(/Type a number \(1-\d+\) or part of a name; Enter for [^\n]*: $/);
      cli.mark();
      cli.type('west3\r');
      await cli.waitFor(/2 match "west3":\n  1\) europe-west3: [^\n]+\n  2\) us-west3: [^\n]+\nType a number \(1-2\)/);
      cli.type('1\r');
      await cli.waitFor(`  → ${LOCATION}`);

      // Text questions: the default in words, Enter takes it.
      await cli.waitFor(/Repository ID[^\n]*\(Enter for mycoolproject-repo\): $/, 60_000);
      cli.type('\r');
      await cli.waitFor(/Image name \(Enter for mycoolproject\): $/, 60_000);
      cli.type('\r');
      await cli.waitFor(/What to push first\n  1\) /, 60_000);
      await cli.waitFor(/Enter for A tiny verification image[^\n]*: $/);
      cli.type('\r');

      // The cleanup offer: each choice with its reason on the same line (what it would delete today
      // first); another number is asked as text, then confirmed with today's preview for it.
      await cli.waitFor(/Cleanup policy\n  1\) Keep the 10 most recent versions: [^\n]*Today it would delete nothing \(0 versions in the repository\)\.\n  2\) Keep another number[^\n]*\n  3\) No cleanup policy for now: [^\n]*--cleanup keep=10/, 60_000);
      cli.type('2\r');
      await cli.waitFor(/Versions to keep \(1 to 1000\) \(Enter for 10\): $/);
      cli.type('5\r');
      await cli.waitFor(/Keep 5: add this policy\?\n  1\) Yes, add it: Keeps the 5 most recent[^\n]*\n  2\) No cleanup policy for now/);
      await cli.waitFor(/Enter for Yes, add it: $/);
      cli.type('\r');

      await cli.waitFor(/Go ahead with this plan\? \(yes or no, Enter for yes\): $/, 60_000);
      cli.type('yes\r');
      const code = await cli.exited;
      expect(code, cli.output.slice(-3000)).toBe(0);
    } finally {
      cli.kill();
    }
    const bytes = cli.raw;
    expect(cli.output).toContain(`${LOCATION}-docker.pkg.dev/${PROJECT}/mycoolproject-repo`);
    expect(cli.output).toMatch(/^\[7\/8\] Add a cleanup policy: keep 5 most recent, delete untagged after 30 days$/m);
    // Not one escape sequence: no colour, no cursor movement (CSI … A/K/G), no hidden cursor.
    expect(bytes.match(/\u001B.{0,8}/gs) ?? []).toEqual([]);
    // No spinner frames, and no line drawn twice over itself.
    expect(bytes).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(bytes.replace(/\r\n/g, '\n')).not.toContain('\r');
    expect(bytes).not.toContain('plain-token');
  });

  it('NO_COLOR=1 keeps the live display but colours nothing: no SGR sequence at all', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rs-e2e-nocolor-'));
    const { dir } = await djangoProject(root, 'mycoolproject');
    const env = lab.toolEnv({ XDG_CONFIG_HOME: join(root, 'xdg'), CI: undefined, NO_COLOR: '1' });
    const cli = runCli(['--dry-run', '--project', PROJECT, '--region', LOCATION], { cwd: dir, env, cols: 100 });
    try {
      expect(await cli.exited, cli.output.slice(-3000)).toBe(0);
    } finally {
      cli.kill();
    }
    expect(cli.output).toContain('dry run');
    // Escape sequences that colour or style text (SGR, "ESC [ … m"); Ink's cursor moves are allowed.
    expect(cli.raw.match(/\u001B\[[0-9;]*m/g) ?? []).toEqual([]);
    // The same run without NO_COLOR does colour (so the check above can fail).
    const coloured = runCli(['--dry-run', '--project', PROJECT, '--region', LOCATION], { cwd: dir, env: { ...env, NO_COLOR: '' }, cols: 100 });
    expect(await coloured.exited).toBe(0);
    expect(coloured.raw).toMatch(/\u001B\[[0-9;]*m/);
  });
});
